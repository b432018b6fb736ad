#!/usr/bin/env bash
# The control API's cost on GET /v1/people/me in instructions per request, which, unlike
# requests per second, hardly moves when the machine is shared. `roster serve` runs under
# valgrind's callgrind without --control-listen and with it (no fault rule set, the journal
# recording every request) and answers BENCH_SMALL, then (a new server) BENCH_LARGE requests
# on one keep-alive connection; the difference in instructions between the two runs, divided
# by the difference in requests, is the cost of one request: start-up, the start snapshot
# and shutdown cancel out. By default both runs answer more requests than the journal keeps
# (10,000), so that the requests counted find it full, as in a long run. Activity is flushed
# hourly rather than every minute: a flush invalidates the caller's cached record, and the
# reload that follows, landing in one run and not the other, moved the figures by hundreds.
#
# Three figures, narrowest first:
# - the edge's service: `Edge::call` and the future it returns (with controls on, the hook,
#   the edge and the handler under it, the journal), that is everything a request costs
#   between hyper handing it over and taking the response; the same from run to run to a
#   few instructions, so it shows what the control listener adds;
# - the connection's task (the future `serve.rs` spawns per connection): the service plus
#   hyper's parsing and writing, which vary by a few hundred instructions with how requests
#   and reads happen to interleave;
# - the whole process, which also counts background work (the change feed's poll every
#   200 ms, the metrics clock) and so moves with how long a run took under valgrind.
# User space only: the kernel's loopback TCP, most of a request's time, is not counted, so a
# relative difference here is larger than in wall-clock throughput (bench/control.sh).
#
#   bash bench/control-instructions.sh
#   BENCH_SMALL=1000 BENCH_LARGE=3000 BENCH_NO_BUILD=1 bash bench/control-instructions.sh
#   BENCH_ROSTER=/path/to/another/roster bash bench/control-instructions.sh
#
# Figures go to stdout and target/bench/control-instructions.md; the callgrind profiles stay
# in target/bench/ for callgrind_annotate. Loopback only; every process it starts is stopped
# on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

small="${BENCH_SMALL:-11000}"
large="${BENCH_LARGE:-15000}"
work="target/bench"
mkdir -p "$work"

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
[ -n "${BENCH_NO_BUILD:-}${BENCH_ROSTER:-}" ] || cargo build --release -p roster --quiet
roster="${BENCH_ROSTER:-$PWD/target/release/roster}"

pids=()
cleanup() { for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

db="$work/control-instructions.db"
rm -f "$db" "$db-wal" "$db-shm"
token=$(ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn "$roster" init --org Bench --admin-email admin@bench.test)

# Sends `count` GET /v1/people/me on one keep-alive connection once the port accepts; the
# connection attempts refused before then never reach the server.
send() { # port count
  python3 - "$1" "$2" "$token" <<'PY'
import http.client, socket, sys, time
port, count, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
deadline = time.time() + 120
while True:
    try:
        socket.create_connection(("127.0.0.1", port)).close()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("the server did not start")
        time.sleep(0.2)
conn = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Authorization": "Bearer " + token}
for _ in range(count):
    conn.request("GET", "/v1/people/me", headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"status {response.status}")
conn.close()
PY
}

# Prints, for a callgrind profile: the whole process's instructions, its connection tasks',
# and its edge service's (see the top; the names cover the control hook as an async fn
# `control::edge::handle` and as `control::edge::call` returning the future of
# `control::edge::decide`, or of a `Journaling` wrapper as in earlier builds).
measure() { # profile
  callgrind_annotate --inclusive=yes --threshold=100 "$1" | python3 -c '
import re, sys
task = r"roster_server::serve::serve::\{\{closure\}\}::\{\{closure\}\}"
edge = r"<roster_server::edge::Edge as hyper::service::service::Service<.*>>::call"
service = [
    edge, edge + r"::\{\{closure\}\}",
    r"roster_server::control::edge::(handle|call|decide|faulted)::\{\{closure\}\}",
    r"<roster_server::control::edge::Journaling<F> as core::future::future::Future>::poll",
    r"core::ptr::drop_in_place<.*(control::edge::|Service<.*>>::call::\{\{closure\}\}).*>",
]
total = connection = edge_service = 0
for line in sys.stdin:
    if line.strip().startswith("Ir") or "PROGRAM TOTALS" in line:
        m = re.match(r"\s*([\d,]+) .*PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
        continue
    m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\?\?\?:(.*) \[[^\]]*\]$", line)
    if not m:
        continue
    count, name = int(m.group(1).replace(",", "")), m.group(2)
    if re.fullmatch(task, name) and not connection:
        connection = count
    if any(re.fullmatch(p, name) for p in service):
        edge_service += count
if not (total and connection and edge_service):
    sys.exit("error: a function measured was not found in the profile")
print(total, connection, edge_service)
'
}

# Prints the figures of one server answering `count` requests, start to end.
instructions() { # label count [serve args...]
  local label=$1 count=$2
  shift 2
  local port out
  port=$(free_port)
  out="$work/callgrind.$label.$count.out"
  ROSTER_CONTROL_TOKEN=bench-control-token RUST_LOG=warn valgrind --tool=callgrind \
    --callgrind-out-file="$out" "$roster" serve --database-url "sqlite://$db" \
    --listen "127.0.0.1:$port" --rate-limit 0 --activity-flush 1h "$@" \
    >/dev/null 2>"$work/callgrind.$label.log" &
  local pid=$!
  pids+=("$pid")
  send "$port" "$count"
  kill -TERM "$pid"
  wait "$pid" || true
  measure "$out"
}

# A first start does one-time work (a signing key, for one): not counted.
instructions first 1 >/dev/null

results=()
for mode in off on; do
  args=()
  [ "$mode" = on ] && args=(--control-listen "127.0.0.1:$(free_port)")
  a=$(instructions "$mode" "$small" "${args[@]}")
  b=$(instructions "$mode" "$large" "${args[@]}")
  echo "control $mode: $small requests: $a; $large requests: $b (process, connection, service)" >&2
  results+=("$a $b")
done

python3 - "$small" "$large" "${results[@]}" <<'PY' | tee "$work/control-instructions.md"
import sys
small, large = int(sys.argv[1]), int(sys.argv[2])
off, on = ([int(x) for x in r.split()] for r in sys.argv[3:5])
# Each run: process, connection, service; the small run's three, then the large run's.
per = lambda r, i: (r[3 + i] - r[i]) / (large - small)
print("| GET /v1/people/me, instructions per request (user space) | edge service | connection task | whole process |")
print("|---|---:|---:|---:|")
print(f"| control listener off | {per(off, 2):.0f} | {per(off, 1):.0f} | {per(off, 0):.0f} |")
print(f"| control listener on, no rules | {per(on, 2):.0f} | {per(on, 1):.0f} | {per(on, 0):.0f} |")
print()
parts = []
for name, i in (("edge service", 2), ("connection task", 1), ("whole process", 0)):
    d = per(on, i) - per(off, i)
    parts.append(f"{name} {d:+.0f} ({d / per(off, i) * 100:+.1f}%)")
print(f"on - off per request: {', '.join(parts)}; runs of {small} and {large} requests")
PY
