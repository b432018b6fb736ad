"""The SDK's own wait-and-retry on 429 works against Roster's rate limit.

Run by crates/roster/tests/python_sdk.rs against a server started with a small
--rate-limit; every call must succeed, some only after the SDK slept on Retry-After.
"""
import os
import time

from webexpythonsdk import WebexAPI

seen = []


def record(response, *args, **kwargs):
    seen.append((response.status_code, response.headers.get("Retry-After")))


def main():
    base = os.environ["ROSTER_BASE_URL"].rstrip("/") + "/v1/"
    api = WebexAPI(access_token=os.environ["ROSTER_ADMIN_TOKEN"], base_url=base)
    api._session._req_session.hooks["response"].append(record)
    calls = int(os.environ.get("ROSTER_CALLS", "70"))
    started = time.monotonic()
    for _ in range(calls):
        me = api.people.me()
        assert me.emails, "a real answer every time"
    elapsed = time.monotonic() - started
    limited = [retry for status, retry in seen if status == 429]
    print(f"{calls} calls, {len(limited)} answered 429 first, {elapsed:.1f} s")
    assert limited, "the limit was reached"
    assert all(r is not None and r.isdigit() for r in limited), limited
    assert sum(1 for status, _ in seen if status == 200) == calls
    assert elapsed >= 1.0, "the SDK waited"
    print("rate limit: the SDK waited and retried; every call succeeded")


if __name__ == "__main__":
    main()
