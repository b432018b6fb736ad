#!/usr/bin/env bash
# SCIM benchmark: the lookups identity providers make, against Roster's own reads in the
# same run, as ratios.
#
#   bash bench/scim.sh                                     # 1,000,000 people
#   BENCH_PEOPLE=100000 BENCH_DURATION=5s bash bench/scim.sh
#
# Builds (once, cached under target/bench) a SQLite directory of BENCH_PEOPLE people with
# `roster import` (emails person{i}@bench.test), starts `roster serve` pinned to core 0 and
# drives it with wrk pinned to core 1, one endpoint after another, BENCH_ROUNDS rounds:
#   me       GET /v1/people/me                                   (the baseline of `eq`)
#   eq       GET /identity/scim/{org}/v2/Users?filter=userName eq "person{n/2}@bench.test"
#   list     GET /v1/people?max=100                              (the baseline of `sw`)
#   sw       GET /identity/scim/{org}/v2/Users?filter=userName sw "person1234"&count=100
# Targets: eq at least 0.5x me; sw at least 0.5x list (a page within 2x the People page).
# Each figure is the median over the rounds. Every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

people="${BENCH_PEOPLE:-1000000}"
rounds="${BENCH_ROUNDS:-3}"
duration="${BENCH_DURATION:-10s}"
connections="${BENCH_CONNECTIONS:-32}"
server_core="${BENCH_SERVER_CORE:-0}"
client_core="${BENCH_CLIENT_CORE:-1}"
work="target/bench"
mkdir -p "$work"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl

cargo build --release -p roster --quiet
roster="$PWD/target/release/roster"

pids=()
cleanup() { for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

db="$work/scim-$people.db"
if [ ! -s "$db" ] || [ ! -s "$db.token" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  echo "building a directory of $people people in $db" >&2
  ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn "$roster" init --org Bench --admin-email admin@bench.test >"$db.token"
  python3 - "$((people - 1))" "$work/scim-$people.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,displayName,firstName,lastName,title,department\n")
    for i in range(n):
        f.write(f"person{i}@bench.test,Person {i:07d},Person,{i:07d},Engineer,Dept {i % 50}\n")
PY
  ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn "$roster" import "$work/scim-$people.csv" --batch-size 20000 >&2
  rm -f "$work/scim-$people.csv"
fi
token=$(tr -d '[:space:]' <"$db.token")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
taskset -c "$server_core" "$roster" serve --database-url "sqlite://$db" --listen "127.0.0.1:$port" \
  --rate-limit 0 2>"$work/scim-serve.log" >/dev/null &
pids+=($!)
base="http://127.0.0.1:$port"
for _ in $(seq 300); do curl -sf -o /dev/null -H "Authorization: Bearer $token" "$base/v1/people/me" && break; sleep 0.1; done
org=$(curl -sf -H "Authorization: Bearer $token" "$base/identity/scim/v2/Users/me" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["urn:scim:schemas:extension:cisco:webexidentity:2.0:User"]["meta"]["organizationId"])')
scim="$base/identity/scim/$org/v2/Users"
middle=$((people / 2))
declare -A url=(
  [me]="$base/v1/people/me"
  [eq]="$scim?filter=userName%20eq%20%22person$middle%40bench.test%22"
  [list]="$base/v1/people?max=100"
  [sw]="$scim?filter=userName%20sw%20%22person1234%22&count=100"
)
# Every endpoint answers what it should before it is measured.
check() { curl -sf -H "Authorization: Bearer $token" "${url[$1]}" | python3 -c "$2" || { echo "error: $1 answered wrongly" >&2; exit 1; }; }
check eq 'import json,sys; b=json.load(sys.stdin); assert b["totalResults"]==1 and b["itemsPerPage"]==1, b'
check sw 'import json,sys; b=json.load(sys.stdin); assert b["itemsPerPage"]==100 and b["totalResults"]>=100, b["totalResults"]'
check list 'import json,sys; b=json.load(sys.stdin); assert len(b["items"])==100'

rps() { # name -> requests/s; fails on any non-2xx answer or socket error
  local out
  out=$(taskset -c "$client_core" wrk -t1 -c"$connections" -d"$duration" -H "Authorization: Bearer $token" "${url[$1]}")
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "error: $1: $out" >&2; exit 1; fi
  sed -nE 's/^Requests\/sec:\s+([0-9.]+).*/\1/p' <<<"$out"
}
declare -A runs=()
for round in $(seq "$rounds"); do
  for name in me eq list sw; do runs[$name]+="$(rps "$name") "; done
done
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(map(float, sys.argv[1:])):.0f}")' $1; }
me=$(median "${runs[me]}"); eq=$(median "${runs[eq]}"); list=$(median "${runs[list]}"); sw=$(median "${runs[sw]}")
verdict() { python3 -c "print('met' if $1 / $2 >= 0.5 else 'MISSED')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
echo
echo "SCIM at $people people, $rounds rounds of $duration, $connections connections (server core $server_core, wrk core $client_core)"
echo
echo "| endpoint | req/s | baseline | ratio | target |"
echo "| --- | ---: | ---: | ---: | --- |"
echo "| Users?filter=userName eq | $eq | /v1/people/me $me | $(ratio "$eq" "$me")x | >= 0.5x: $(verdict "$eq" "$me") |"
echo "| Users?filter=userName sw, count=100 | $sw | /v1/people?max=100 $list | $(ratio "$sw" "$list")x | >= 0.5x: $(verdict "$sw" "$list") |"
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
