#!/usr/bin/env bash
# The control API's cost: GET /v1/people/me with the control listener off and on (no fault
# rule set, the journal recording every request), each as a ratio to a bare hyper baseline
# serving the same bytes (crates/roster-bench), measured in the same run; and how long a
# restore of a snapshot of 1,000 people takes.
#
#   bash bench/control.sh
#   BENCH_ROUNDS=1 BENCH_DURATION=3s bash bench/control.sh     # a quick smoke run
#   BENCH_NO_BUILD=1 BENCH_ROSTER=/path/to/roster bash bench/control.sh   # another build
#
# Servers are pinned to core 0 (BENCH_SERVER_CORE), wrk to core 1 (BENCH_CLIENT_CORE). In
# each of BENCH_ROUNDS rounds, back to back: the baseline, Roster without --control-listen,
# Roster with it; the ratio of each round is taken and the median reported, so that drift in
# a shared machine hits both sides of a ratio alike. Restores: BENCH_RESTORES restores of a
# snapshot of the 1,000-person directory through POST /snapshots/{name}/restore, timed by
# curl (HTTP included); the median and the slowest are reported. Figures go to stdout and
# target/bench/control.md. Loopback only; every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${BENCH_ROUNDS:-3}"
duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
connections="${BENCH_CONNECTIONS:-32}"
server_core="${BENCH_SERVER_CORE:-0}"
client_core="${BENCH_CLIENT_CORE:-1}"
restores="${BENCH_RESTORES:-20}"
people=1000
work="target/bench"
mkdir -p "$work"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl

[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -p roster -p roster-bench --quiet
roster="${BENCH_ROSTER:-$PWD/target/release/roster}"
baseline="$PWD/target/release/roster-bench-baseline"

pids=()
cleanup() { for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fresh directory of 1,000 people (its own file: the control listener snapshots it).
db="$work/control-$people.db"
rm -f "$db" "$db-wal" "$db-shm"
token=$(ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn "$roster" init --org Bench --admin-email admin@bench.test)
python3 - "$((people - 1))" "$work/control-people.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,displayName,firstName,lastName,title,department\n")
    for i in range(n):
        f.write(f"person{i}@bench.test,Person {i:07d},Person,{i:07d},Engineer,Dept {i % 50}\n")
PY
ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn "$roster" import "$work/control-people.csv" >&2
rm -f "$work/control-people.csv"

control_token="bench-control-token"
start_roster() { # port [args...]; prints the pid once /me answers
  local port=$1
  shift
  ROSTER_CONTROL_TOKEN="$control_token" taskset -c "$server_core" "$roster" serve \
    --database-url "sqlite://$db" --listen "127.0.0.1:$port" --rate-limit 0 "$@" \
    >/dev/null 2>"$work/control-serve-$port.log" &
  local pid=$!
  until curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/people/me"; do
    kill -0 "$pid" 2>/dev/null || { echo "roster serve exited; see $work/control-serve-$port.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "$pid"
}

off_port=$(free_port)
off=$(start_roster "$off_port"); pids+=("$off")
on_port=$(free_port)
control_port=$(free_port)
on=$(start_roster "$on_port" --control-listen "127.0.0.1:$control_port"); pids+=("$on")
control="http://127.0.0.1:$control_port"

curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$off_port/v1/people/me" >"$work/control-me.json"
base_port=$(free_port)
taskset -c "$server_core" "$baseline" "127.0.0.1:$base_port" "/v1/people/me=$work/control-me.json" &
pids+=("$!")
until curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$base_port/v1/people/me"; do sleep 0.05; done

wrk_me() { # port duration
  taskset -c "$client_core" wrk -t1 -c"$connections" -d"$2" -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$1/v1/people/me"
}
rps() { # wrk report; fails on any non-2xx answer or socket error
  if grep -qE "Non-2xx|Socket errors" <<<"$1"; then echo "error: $1" >&2; exit 1; fi
  sed -nE 's/^Requests\/sec:[[:space:]]+([0-9.]+).*/\1/p' <<<"$1"
}

for port in "$base_port" "$off_port" "$on_port"; do wrk_me "$port" "$warmup" >/dev/null; done
results=()
for round in $(seq "$rounds"); do
  base=$(rps "$(wrk_me "$base_port" "$duration")")
  roster_off=$(rps "$(wrk_me "$off_port" "$duration")")
  roster_on=$(rps "$(wrk_me "$on_port" "$duration")")
  echo "round $round: baseline $base req/s, control off $roster_off req/s, on $roster_on req/s" >&2
  results+=("$base $roster_off $roster_on")
done

# The journal of the node with controls recorded every request above; rules: none.
rules=$(curl -sf -H "Authorization: Bearer $control_token" "$control/faults")
[ "$rules" = '{"items":[]}' ] || { echo "error: unexpected rules $rules" >&2; exit 1; }

curl -sf -o /dev/null -X POST -H "Authorization: Bearer $control_token" -H 'Content-Type: application/json' \
  -d '{"name":"bench"}' "$control/snapshots"
times=()
for _ in $(seq "$restores"); do
  times+=("$(curl -sf -o /dev/null -w '%{time_total}' -X POST -H "Authorization: Bearer $control_token" \
    "$control/snapshots/bench/restore")")
done
count=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$on_port/v1/people?max=1000" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')

python3 - "$people" "$count" "${times[*]}" "${results[@]}" <<'PY' | tee "$work/control.md"
import statistics, sys
people, count, times, *rounds = sys.argv[1:]
rounds = [tuple(map(float, r.split())) for r in rounds]
off = statistics.median(r[1] / r[0] for r in rounds)
on = statistics.median(r[2] / r[0] for r in rounds)
on_off = statistics.median(r[2] / r[1] for r in rounds)
ms = sorted(float(t) * 1000 for t in times.split())
print("| GET /v1/people/me | req/s (median) | ratio to baseline |")
print("|---|---|---|")
print(f"| baseline (bare hyper, same bytes) | {statistics.median(r[0] for r in rounds):.0f} | 1.00 |")
print(f"| control listener off | {statistics.median(r[1] for r in rounds):.0f} | {off:.2f} |")
print(f"| control listener on, no rules | {statistics.median(r[2] for r in rounds):.0f} | {on:.2f} |")
print()
print(f"on / off: {on_off:.3f} ({(on_off - 1) * 100:+.1f}%)")
print(f"restore of a snapshot of {people} people ({count} listed after it), {len(ms)} restores, "
      f"HTTP included: median {statistics.median(ms):.1f} ms, slowest {ms[-1]:.1f} ms")
PY
