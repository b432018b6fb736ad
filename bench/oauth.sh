#!/usr/bin/env bash
# OAuth benchmark: the refresh grant in tokens per second, and GET /v1/people/me with an
# OAuth access token (which carries scopes, checked on every request) against the same
# request with a full-access token from `roster token create`, measured back to back in the
# same run; the ratio shows what scope checking costs the hot path.
#
#   bash bench/oauth.sh
#   BENCH_DURATION=3s bash bench/oauth.sh       # a quick run
#
# The server is pinned to core 0 and wrk to core 1, as in bench/run.sh. The OAuth token is
# obtained the way a browser would: the sign-in and consent forms posted with curl, the code
# exchanged at /v1/access_token. Loopback only; the server is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${BENCH_DURATION:-10s}"
connections="${BENCH_CONNECTIONS:-32}"
server_core="${BENCH_SERVER_CORE:-0}"
client_core="${BENCH_CLIENT_CORE:-1}"
work="target/bench/oauth"
rm -rf "$work" && mkdir -p "$work"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl

cargo build --release -p roster --quiet
roster="$PWD/target/release/roster"
export ROSTER_DATABASE_URL="sqlite://$PWD/$work/roster.db"
export RUST_LOG=warn

pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT

admin_token=$("$roster" init --org Bench --admin-email admin@bench.test)
printf 'bench password\n' | "$roster" person password admin@bench.test --password-stdin 2>/dev/null
redirect="http://127.0.0.1:9/callback"
created=$("$roster" integration create --name Bench --redirect-uri "$redirect" --scope spark:people_read --json)
client_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["clientId"])' "$created")
secret=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["clientSecret"])' "$created")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
taskset -c "$server_core" "$roster" serve --listen "127.0.0.1:$port" --rate-limit 0 2>"$work/server.log" &
pid=$!
until curl -sf "$base/healthz" >/dev/null; do sleep 0.05; done

# The browser's part, with curl: sign in, accept, read the code off the redirect.
query="response_type=code&client_id=$client_id&redirect_uri=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$redirect")&scope=spark%3Apeople_read&state=bench"
jar="$work/cookies"
csrf() { sed -n 's/.*name="csrf_token" value="\([0-9a-f]*\)".*/\1/p'; }
token=$(curl -s -c "$jar" -b "$jar" "$base/v1/authorize?$query" | csrf)
token=$(curl -s -c "$jar" -b "$jar" "$base/v1/authorize?$query" \
  --data-urlencode "csrf_token=$token" -d step=sign_in \
  --data-urlencode email=admin@bench.test --data-urlencode "password=bench password" | csrf)
location=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" "$base/v1/authorize?$query" \
  --data-urlencode "csrf_token=$token" -d step=consent -d decision=accept)
code=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[1]).query)["code"][0])' "$location")
tokens=$(curl -sf "$base/v1/access_token" -d grant_type=authorization_code -d "client_id=$client_id" \
  -d "client_secret=$secret" --data-urlencode "code=$code" --data-urlencode "redirect_uri=$redirect")
access=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["access_token"])' "$tokens")
refresh=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["refresh_token"])' "$tokens")

rps() { # wrk output -> requests/s; fails on any non-2xx answer or socket error
  if grep -qE "Non-2xx|Socket errors" <<<"$1"; then echo "error: non-2xx or socket errors" >&2; echo "$1" >&2; exit 1; fi
  sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' <<<"$1"
}
me() { taskset -c "$client_core" wrk -t1 -c"$connections" -d"$1" -H "Authorization: Bearer $2" "$base/v1/people/me"; }

me 3s "$admin_token" >/dev/null   # warm-up
me_full=$(rps "$(me "$duration" "$admin_token")")
me_oauth=$(rps "$(me "$duration" "$access")")
export REFRESH_FORM="grant_type=refresh_token&client_id=$client_id&client_secret=$secret&refresh_token=$refresh"
refresh_rps=$(rps "$(taskset -c "$client_core" wrk -t1 -c4 -d"$duration" -s bench/refresh.lua "$base/v1/access_token")")

python3 - "$me_full" "$me_oauth" "$refresh_rps" <<'PY' | tee "$work/results.md"
import sys
full, oauth, refresh = map(float, sys.argv[1:])
print("| measurement | value |")
print("| --- | ---: |")
print(f"| GET /v1/people/me, full-access token | {full:,.0f} req/s |")
print(f"| GET /v1/people/me, OAuth token with spark:people_read | {oauth:,.0f} req/s |")
print(f"| ratio OAuth / full access | {oauth / full:.2f} |")
print(f"| POST /v1/access_token, refresh grant (4 connections, SQLite) | {refresh:,.0f} tokens/s |")
PY
