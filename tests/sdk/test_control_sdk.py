"""Faults injected through Roster's control API, as the official SDK meets them.

Run by crates/roster/tests/python_sdk.rs against `roster serve --control-listen`: a 429 with
Retry-After that the SDK waits out and then succeeds, a dropped connection that the SDK
reports as an error, and the journal showing exactly those calls.
"""
import os
import time

import requests
from webexpythonsdk import WebexAPI

CONTROL = os.environ["ROSTER_CONTROL_URL"].rstrip("/")
CONTROL_HEADERS = {"Authorization": "Bearer " + os.environ["ROSTER_CONTROL_TOKEN"]}


def control(method, path, **kwargs):
    response = requests.request(
        method, CONTROL + path, headers=CONTROL_HEADERS, timeout=10, **kwargs
    )
    response.raise_for_status()
    return response.json() if response.content else None


def main():
    seen = []
    api = WebexAPI(
        access_token=os.environ["ROSTER_ADMIN_TOKEN"],
        base_url=os.environ["ROSTER_BASE_URL"].rstrip("/") + "/v1/",
    )
    api._session._req_session.hooks["response"].append(
        lambda response, *args, **kwargs: seen.append(response.status_code)
    )
    control("DELETE", "/requests")

    limited = control(
        "POST",
        "/faults",
        json={"method": "GET", "path": "/v1/people/*", "status": 429, "retryAfter": 2, "times": 1},
    )
    started = time.monotonic()
    me = api.people.me()
    elapsed = time.monotonic() - started
    assert me.emails, "a real answer after the 429"
    assert seen == [429, 200], seen
    assert elapsed >= 2.0, f"the SDK retried after {elapsed:.2f} s, before Retry-After"
    print(f"waited out the 429: {elapsed:.1f} s, then {me.displayName}")

    dropped = control("POST", "/faults", json={"path": "/v1/people/me", "action": "drop", "times": 1})
    try:
        api.people.me()
    except requests.exceptions.ConnectionError as error:
        print(f"dropped connection raised {type(error).__name__}")
    else:
        raise AssertionError("a dropped connection went unnoticed")
    assert api.people.me().emails, "the next call is answered"

    journal = control("GET", "/requests", params={"path": "/v1/people/me"})["items"]
    assert [entry["status"] for entry in journal] == [429, 200, None, 200], journal
    assert [entry["faultId"] for entry in journal] == [limited["id"], None, dropped["id"], None]
    assert all(entry["personId"] == me.id for entry in journal), journal
    fired = {rule["id"]: rule["fired"] for rule in control("GET", "/faults")["items"]}
    assert fired == {limited["id"]: 1, dropped["id"]: 1}, fired
    print("journal: exactly the four calls the SDK made")


if __name__ == "__main__":
    main()
