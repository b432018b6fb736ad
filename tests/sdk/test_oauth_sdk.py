"""The official Webex Python SDK's OAuth calls against a running Roster.

An integration's code is exchanged by `WebexAPI(client_id=..., client_secret=...,
oauth_code=..., redirect_uri=..., base_url=...)`, which then reads people.me(); a
second code is exchanged with api.access_tokens.get() for its refresh token, which
api.access_tokens.refresh() turns into a new access token.

Environment:
    ROSTER_BASE_URL       e.g. http://127.0.0.1:8080 (no /v1)
    ROSTER_CLIENT_ID, ROSTER_CLIENT_SECRET, ROSTER_REDIRECT_URI
    ROSTER_CODE, ROSTER_SECOND_CODE   two fresh authorization codes
    ROSTER_EXPECTED_EMAIL             the email of the person who authorized

Run by crates/roster/tests/python_sdk.rs; plain asserts, exit status 0 = pass.
"""

import os

from webexpythonsdk import ApiError, WebexAPI

# The SDK joins "access_token" onto the base URL, so the base must end with "/".
BASE = os.environ["ROSTER_BASE_URL"].rstrip("/") + "/v1/"
CLIENT_ID = os.environ["ROSTER_CLIENT_ID"]
SECRET = os.environ["ROSTER_CLIENT_SECRET"]
REDIRECT = os.environ["ROSTER_REDIRECT_URI"]
EMAIL = os.environ["ROSTER_EXPECTED_EMAIL"]

api = WebexAPI(
    client_id=CLIENT_ID,
    client_secret=SECRET,
    oauth_code=os.environ["ROSTER_CODE"],
    redirect_uri=REDIRECT,
    base_url=BASE,
)
me = api.people.me()
assert me.emails[0] == EMAIL, me.emails
print("people.me() with the exchanged code:", me.displayName)

tokens = api.access_tokens.get(CLIENT_ID, SECRET, os.environ["ROSTER_SECOND_CODE"], REDIRECT)
assert tokens.refresh_token.count("_") == 2, tokens.refresh_token
assert tokens.expires_in > 0 and tokens.refresh_token_expires_in > 0
refreshed = api.access_tokens.refresh(CLIENT_ID, SECRET, tokens.refresh_token)
assert refreshed.access_token != tokens.access_token
assert refreshed.refresh_token == tokens.refresh_token
again = WebexAPI(access_token=refreshed.access_token, base_url=BASE).people.me()
assert again.emails[0] == EMAIL
print("access_tokens.refresh() gave a working token")

try:
    api.access_tokens.get(CLIENT_ID, SECRET, os.environ["ROSTER_SECOND_CODE"], REDIRECT)
except ApiError as error:
    assert error.status_code == 400, error.status_code
    print("a reused code is refused:", error.status_code)
else:
    raise AssertionError("a reused code was accepted")
print("OK: the SDK's OAuth calls work")
