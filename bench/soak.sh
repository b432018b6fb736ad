#!/usr/bin/env bash
# Soak: a bounded mixed load against one `roster serve`, then checks that nothing leaked and
# nothing acknowledged was lost. Default 10 minutes per backend.
#
#   bash bench/soak.sh                      # 10 minutes on SQLite, then 10 on PostgreSQL
#   bash bench/soak.sh --minutes 2          # shorter
#   SOAK_POSTGRES_URL=skip bash bench/soak.sh --minutes 1   # SQLite only
#   SOAK_SQLITE=skip bash bench/soak.sh --minutes 1         # PostgreSQL only
#
# The load (crates/roster-bench/src/bin/soak.rs, from 32 connections): 80% reads (/me, a
# person by id, a page of 100), 15% writes (5% creates, 10% full updates), 5% deletes, against a
# directory of 10,000 people. Each backend's run must end with: no 5xx, no connection
# errors, every acknowledged create present and every acknowledged delete gone (a ledger
# the load generator keeps, checked through the API), resident memory flat after the first
# fifth of the run (at most 8 MiB of growth; the slope is reported; creates and deletes
# balance, so the directory keeps its size), and open file descriptors and database
# connections back to their idle counts. The server runs on core 0 and the load on core 1;
# loopback only; every process is stopped on exit. Results: target/bench/soak.md.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    *) echo "usage: bash bench/soak.sh [--minutes N]" >&2; exit 2 ;;
  esac
done
# Caches small enough to fill during the warm-up, so that growth after it is a leak and not
# a cache on its way to its bound (at the default of 100,000 entries they keep up to 32 MiB
# of people and 16 MiB of rendered answers, which a 10-minute soak does not fill).
cache_capacity="${SOAK_CACHE_CAPACITY:-2000}"
postgres_url="${SOAK_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
work="target/bench/soak"
mkdir -p "$work"
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }

cargo build --release -p roster -p roster-bench --quiet
roster="$PWD/target/release/roster"
soak="$PWD/target/release/roster-bench-soak"

pids=()
pg_db=""
cleanup() {
  for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$pg_db" ]; then
    psql "$postgres_url" -qc "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A directory of 10,000 people on `url`; prints the admin's token.
populate() {
  local url=$1
  ROSTER_DATABASE_URL="$url" RUST_LOG=warn "$roster" init --org Soak --admin-email admin@soak.test
  python3 - "$work/people.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,displayName,firstName,lastName\n")
    for i in range(10000):
        f.write(f"person{i}@soak.test,Person {i:05d},Person,{i:05d}\n")
PY
  ROSTER_DATABASE_URL="$url" RUST_LOG=warn "$roster" import "$work/people.csv" >/dev/null 2>&1
}

run() { # backend database-url
  local backend=$1 url=$2 token port server
  token=$(populate "$url")
  port=$(free_port)
  taskset -c 0 "$roster" serve --database-url "$url" --listen "127.0.0.1:$port" --rate-limit 0 \
    --cache-capacity "$cache_capacity" 2>"$work/serve-$backend.log" &
  server=$!; pids+=("$server")
  until curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/people/me"; do sleep 0.1; done
  echo "soaking $backend for $minutes min" >&2
  local status=0
  taskset -c 1 "$soak" --base "http://127.0.0.1:$port" --token "$token" --pid "$server" \
    --seconds "$((minutes * 60))" >"$work/$backend.json" || status=$?
  kill "$server"; wait "$server" 2>/dev/null || true
  cat "$work/$backend.json" >&2
  return $status
}

failed=0
if [ "${SOAK_SQLITE:-}" != skip ]; then
  rm -f "$work/sqlite.db" "$work/sqlite.db-wal" "$work/sqlite.db-shm"
  run sqlite "sqlite://$PWD/$work/sqlite.db" || failed=1
fi
if [ "$postgres_url" != skip ]; then
  pg_db="roster_soak_$$"
  psql "$postgres_url" -qc "CREATE DATABASE \"$pg_db\"" >/dev/null
  run postgres "${postgres_url%/*}/$pg_db" || failed=1
fi

python3 - "$work" "$minutes" <<'PY' | tee "$work/soak.md"
import json, os, sys
work, minutes = sys.argv[1], sys.argv[2]
print(f"| backend | requests | req/s | 5xx | connection errors | creates missing | deletes present | RSS after warm-up (MiB) | RSS slope (MiB/h) | fds idle before/after | DB pool idle after | verdict |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | --- |")
for backend in ["sqlite", "postgres"]:
    path = os.path.join(work, f"{backend}.json")
    if not os.path.exists(path):
        continue
    r = json.load(open(path))
    rss = r["rss_mib_after_warmup"]
    pool = r["db_pool"]["idle_after"]
    print(f"| {backend} | {r['requests']:,} | {r['requests_per_second']:,.0f} | {r['server_errors']} | {r['transport_errors']} "
          f"| {len(r['acknowledged_creates_missing'])} | {len(r['acknowledged_deletes_present'])} "
          f"| {rss['start']:.1f} to {rss['end']:.1f} | {rss['slope_mib_per_hour']:+.2f} "
          f"| {r['open_fds']['idle_before']}/{r['open_fds']['idle_after']} | {pool[1]:.0f} of {pool[0]:.0f} | {'PASS' if r['ok'] else 'FAIL'} |")
print(f"\n{minutes} minutes per backend, 32 connections, 80% reads / 15% writes (5% creates, 10% updates) / 5% deletes, 10,000 people to start.")
PY
exit $failed
