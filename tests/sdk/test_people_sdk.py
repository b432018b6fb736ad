"""Drive a running Roster with the official Webex Python SDK (webexpythonsdk).

Nothing here talks HTTP directly: every call goes through the SDK exactly as an
application would, with only the base URL pointed at Roster. A requests
response hook records what went over the wire so pagination can be checked.

Environment:
    ROSTER_BASE_URL     e.g. http://127.0.0.1:8080 (no /v1, no trailing slash)
    ROSTER_ADMIN_TOKEN  a full admin's access token
    ROSTER_USER_TOKEN   optional: an ordinary (non-admin) user's token

Run by crates/roster/tests/python_sdk.rs; plain asserts, exit status 0 = pass.
"""

import datetime
import os
import sys
import urllib.parse
import uuid
import warnings

import webexpythonsdk
from webexpythonsdk import ApiError, WebexAPI

BASE = os.environ["ROSTER_BASE_URL"].rstrip("/")
TOKEN = os.environ["ROSTER_ADMIN_TOKEN"]
USER_TOKEN = os.environ.get("ROSTER_USER_TOKEN")

# Every response the SDK receives, in order: (method, url, status).
wire = []


def record(response, *args, **kwargs):
    wire.append((response.request.method, response.url, response.status_code))


def requests_since(mark, method=None, path="/v1/people"):
    return [
        (m, u, s)
        for (m, u, s) in wire[mark:]
        if (method is None or m == method)
        and urllib.parse.urlparse(u).path == path
    ]


def step(name):
    print(f"== {name}", flush=True)


def main():
    # The SDK warns (RuntimeWarning, RateLimitWarning) when it has to paper over a
    # server defect, e.g. `max=null` in a next link or a 429: treat that as failure.
    warnings.filterwarnings("error", module=r"webexpythonsdk(\..*)?$")
    print(f"webexpythonsdk {webexpythonsdk.__version__} against {BASE}")
    # The trailing slash matters: the SDK urljoin()s relative endpoints onto it.
    api = WebexAPI(access_token=TOKEN, base_url=f"{BASE}/v1/")
    # Private attribute of the SDK's RestSession: the underlying requests.Session.
    api._session._req_session.hooks["response"].append(record)

    step("people.me()")
    me = api.people.me()
    assert me.id, me
    assert me.displayName, me
    assert isinstance(me.emails, list) and me.emails, me
    assert all("@" in e for e in me.emails), me.emails
    assert me.type == "person", me.type
    assert me.orgId, me
    assert isinstance(me.invitePending, bool), repr(me.invitePending)
    assert isinstance(me.loginEnabled, bool), repr(me.loginEnabled)
    assert me.roles, "a full admin has roles"
    # The SDK parses timestamps with "%Y-%m-%dT%H:%M:%S.%fZ".
    assert isinstance(me.created, datetime.datetime), repr(me.created)
    assert wire[-1][2] == 200 and wire[-1][1] == f"{BASE}/v1/people/me", wire[-1]

    run = uuid.uuid4().hex[:8]
    prefix = f"Sdk Pager {run}"
    domain = f"sdk-{run}.example.com"

    step("people.create() x6")
    created = []
    for n in range(6):
        email = f"pager{n}@{domain}"
        person = api.people.create(
            emails=[email],
            displayName=f"{prefix} {n}",
            firstName="Pager",
            lastName=f"Number{n}",
        )
        assert person.id, person
        assert person.emails == [email], person.emails
        assert person.displayName == f"{prefix} {n}", person.displayName
        assert person.firstName == "Pager", person.firstName
        assert person.type == "person", person.type
        assert person.orgId == me.orgId, (person.orgId, me.orgId)
        assert isinstance(person.created, datetime.datetime), repr(person.created)
        created.append(person)
    # The SDK insists on 200 for POST (EXPECTED_RESPONSE_CODE), so reaching here proves it.
    assert len({p.id for p in created}) == 6

    step("duplicate create -> ApiError 409")
    try:
        api.people.create(emails=[created[0].emails[0]], displayName="Dup")
    except ApiError as e:
        assert e.status_code == 409, e
        assert e.tracking_id, e
        assert e.message, e
    else:
        raise AssertionError("creating a duplicate email must fail")

    step("people.list(displayName=prefix, max=2) across pages")
    mark = len(wire)
    seen = [p.id for p in api.people.list(displayName=prefix, max=2)]
    pages = requests_since(mark, "GET")
    assert sorted(seen) == sorted(p.id for p in created), (seen, created)
    assert len(seen) == len(set(seen)), f"duplicates across pages: {seen}"
    assert len(pages) >= 3, f"expected >= 3 page requests, got {pages}"
    assert all(s == 200 for (_, _, s) in pages), pages
    for (_, url, _) in pages:
        print(f"   GET {url}")
    for (_, url, _) in pages:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        assert query.get("displayName") == [prefix], url
        assert query.get("max") == ["2"], url
    # The generator container is reusable: a second iteration re-queries from page one.
    assert sorted(p.id for p in api.people.list(displayName=prefix, max=2)) == sorted(seen)

    step("people.list(email=...)")
    target = created[3]
    found = list(api.people.list(email=target.emails[0]))
    assert [p.id for p in found] == [target.id], found
    assert list(api.people.list(email=f"nobody@{domain}")) == []

    step("people.list(id=a,b)")
    ids = [created[1].id, created[4].id]
    found = list(api.people.list(id=",".join(ids)))
    assert sorted(p.id for p in found) == sorted(ids), found

    step("people.get(id)")
    got = api.people.get(target.id)
    assert got.id == target.id
    assert got.emails == target.emails
    assert got.displayName == target.displayName
    assert got.lastName == "Number3", got.lastName

    step("people.update(): GET, then PUT back the whole json_data")
    fresh = api.people.get(target.id)
    new_settings = fresh.json_data
    new_settings["displayName"] = f"{prefix} renamed"
    mark = len(wire)
    updated = api.people.update(target.id, **new_settings)
    puts = requests_since(mark, "PUT", f"/v1/people/{target.id}")
    assert [s for (_, _, s) in puts] == [200], puts
    assert updated.id == target.id
    assert updated.displayName == f"{prefix} renamed", updated.displayName
    assert updated.emails == target.emails, updated.emails
    assert updated.firstName == "Pager" and updated.lastName == "Number3", updated
    confirmed = api.people.get(target.id)
    assert confirmed.displayName == f"{prefix} renamed", confirmed.displayName
    assert confirmed.lastModified >= fresh.lastModified

    step("people.delete(id)")
    victim = created[5]
    mark = len(wire)
    assert api.people.delete(victim.id) is None
    deletes = requests_since(mark, "DELETE", f"/v1/people/{victim.id}")
    assert [s for (_, _, s) in deletes] == [204], deletes

    step("people.get(deleted id) -> ApiError 404")
    try:
        api.people.get(victim.id)
    except ApiError as e:
        assert e.status_code == 404, e
        assert e.tracking_id, f"no tracking id on {e!r}"
        assert e.response.headers.get("TrackingID") == e.tracking_id, (
            e.response.headers,
            e.tracking_id,
        )
        assert e.message, e
        assert e.details and e.details.get("errors"), e.details
        print(f"   {e}")
    else:
        raise AssertionError("a deleted person must not be found")

    step("list after delete")
    remaining = sorted(p.id for p in api.people.list(displayName=prefix, max=2))
    assert remaining == sorted(p.id for p in created[:5]), remaining

    step("admin people.list() with no filter, max=3, pages through the org")
    everyone = [p.id for p in api.people.list(max=3)]
    assert len(everyone) == len(set(everyone)), everyone
    assert me.id in everyone and target.id in everyone, everyone
    assert victim.id not in everyone

    if USER_TOKEN:
        user_checks(prefix, target)

    print(f"OK: {len(wire)} HTTP requests, all SDK calls behaved")


def user_checks(prefix, target):
    user = WebexAPI(access_token=USER_TOKEN, base_url=f"{BASE}/v1/")
    user._session._req_session.hooks["response"].append(record)

    step("user: people.me() has no admin-only fields")
    me = user.people.me()
    assert me.id and me.displayName and me.emails, me
    assert me.type == "person", me.type
    assert not me.roles, me.roles
    assert "invitePending" not in me.json_data, me.json_data
    assert "loginEnabled" not in me.json_data, me.json_data
    assert me.invitePending is None

    step("user: people.list(displayName=...) works, no filter is a 400")
    found = [p.id for p in user.people.list(displayName=prefix, max=2)]
    assert target.id in found, found
    try:
        list(user.people.list())
    except ApiError as e:
        assert e.status_code == 400, e
        assert e.tracking_id, e
        print(f"   {e}")
    else:
        raise AssertionError("a non-admin must give email, displayName or id")

    step("user: people.create() is refused")
    try:
        user.people.create(
            emails=[f"x-{uuid.uuid4().hex[:6]}@example.com"], displayName="X"
        )
    except ApiError as e:
        assert e.status_code == 403, e
        assert e.tracking_id, e
        print(f"   {e}")
    else:
        raise AssertionError("only an admin can create people")


if __name__ == "__main__":
    main()
    sys.exit(0)
