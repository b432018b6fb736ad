#!/usr/bin/env bash
# The control API's cost on GET /v1/people/me in instructions per request, which, unlike
# requests per second, hardly moves when the machine is shared: `roster serve` runs under
# valgrind's callgrind, without --control-listen and with it (no fault rule set, the journal
# recording every request), and answers BENCH_SMALL and then BENCH_LARGE requests on one
# keep-alive connection, one run each; the difference in instructions between the two runs,
# divided by the difference in requests, is the cost of one request (start-up, the start
# snapshot and shutdown cancel out). By default both runs answer more requests than the
# journal keeps (10,000), so that the requests counted find it full, as in a long run. Two
# figures: the connection's task alone (hyper, the
# edge, the handler, the control hook: everything a request runs in user space), which is
# what the control listener can change, and the whole process, which also counts background
# work such as the change feed's poll every 200 ms and so moves with how long a run took
# under valgrind. User space only: what the kernel spends on the socket is not counted, so a
# relative difference here is larger than in wall-clock throughput.
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

# The connection's task: the future `serve.rs` spawns for each connection.
task='roster_server::serve::serve::{{closure}}::{{closure}}'

# Prints the instructions `roster serve` ran to answer `count` requests, start to end: the
# whole process's, then its connection tasks'.
instructions() { # label count [serve args...]
  local label=$1 count=$2
  shift 2
  local port out
  port=$(free_port)
  out="$work/callgrind.$label.$count.out"
  ROSTER_CONTROL_TOKEN=bench-control-token RUST_LOG=warn valgrind --tool=callgrind \
    --callgrind-out-file="$out" "$roster" serve --database-url "sqlite://$db" \
    --listen "127.0.0.1:$port" --rate-limit 0 "$@" >/dev/null 2>"$work/callgrind.$label.log" &
  local pid=$!
  pids+=("$pid")
  send "$port" "$count"
  kill -TERM "$pid"
  wait "$pid" || true
  local total connection
  total=$(sed -nE 's/^summary: ([0-9]+).*/\1/p' "$out")
  connection=$(callgrind_annotate --inclusive=yes --threshold=100 "$out" |
    grep -F ":$task [" | head -1 | awk '{gsub(",", "", $1); print $1}')
  [ -n "$connection" ] || { echo "error: no $task in $out" >&2; exit 1; }
  echo "$total $connection"
}

# A first start does one-time work (a signing key, for one): not counted.
instructions first 1 >/dev/null

results=()
for mode in off on; do
  args=()
  [ "$mode" = on ] && args=(--control-listen "127.0.0.1:$(free_port)")
  read -r a_total a_task < <(instructions "$mode" "$small" "${args[@]}")
  read -r b_total b_task < <(instructions "$mode" "$large" "${args[@]}")
  echo "control $mode: process $a_total instructions for $small requests, $b_total for" \
    "$large; connection task $a_task, $b_task" >&2
  results+=("$a_total $b_total $a_task $b_task")
done

python3 - "$small" "$large" "${results[@]}" <<'PY' | tee "$work/control-instructions.md"
import sys
small, large = int(sys.argv[1]), int(sys.argv[2])
off, on = ([int(x) for x in r.split()] for r in sys.argv[3:5])
per = lambda r, i: (r[i + 1] - r[i]) / (large - small)
print("| GET /v1/people/me, instructions per request (user space) | connection task | whole process |")
print("|---|---:|---:|")
print(f"| control listener off | {per(off, 2):.0f} | {per(off, 0):.0f} |")
print(f"| control listener on, no rules | {per(on, 2):.0f} | {per(on, 0):.0f} |")
task, total = per(on, 2) - per(off, 2), per(on, 0) - per(off, 0)
print()
print(f"on - off: connection task {task:+.0f} per request ({task / per(off, 2) * 100:+.1f}%), "
      f"whole process {total:+.0f} ({total / per(off, 0) * 100:+.1f}%); "
      f"runs of {small} and {large} requests")
PY
