#!/usr/bin/env bash
# HTTP benchmark: Roster's hot path against a bare hyper baseline, measured in the same run.
#
#   bash bench/run.sh                                          # 1k, 100k and 1M people
#   BENCH_SIZES=1000 BENCH_ROUNDS=1 BENCH_DURATION=3s bash bench/run.sh   # a quick smoke run
#
# For each directory size it builds (once, cached under target/bench) a SQLite database with
# that many people, starts `roster serve` and the baseline (crates/roster-bench: a bare hyper
# server answering /v1/people/me with the same bytes after checking for a Bearer header),
# both pinned to core 0, and drives them with wrk pinned to core 1. After a warm-up of each
# target it measures, in each of BENCH_ROUNDS rounds, back to back: the baseline,
# GET /v1/people/me, GET /v1/people/{id} and an admin GET /v1/people?displayName=...&max=100.
# Each figure is the median over the rounds, and each ratio the median of the rounds'
# ratios, so that drift in a shared virtual machine hits both sides of a ratio alike.
# It prints, and writes to target/bench/results.md, requests/s, p50 and p99 latency, the
# ratios, the server's peak resident memory, and start-up time to the first served request.
# Loopback only; every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="${BENCH_SIZES:-1000 100000 1000000}"
rounds="${BENCH_ROUNDS:-3}"
duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
connections="${BENCH_CONNECTIONS:-32}"
server_core="${BENCH_SERVER_CORE:-0}"
client_core="${BENCH_CLIENT_CORE:-1}"
work="target/bench"
mkdir -p "$work"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl

cargo build --release -p roster -p roster-bench --quiet
roster="$PWD/target/release/roster"
baseline="$PWD/target/release/roster-bench-baseline"

pids=()
cleanup() { for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Builds target/bench/people-N.db (cached) and its admin token.
make_db() {
  local n=$1 db="$work/people-$1.db"
  if [ ! -s "$db" ] || [ ! -s "$db.token" ]; then
    rm -f "$db" "$db-wal" "$db-shm"
    echo "building a directory of $n people in $db" >&2
    ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn "$roster" init --org Bench --admin-email admin@bench.test >"$db.token"
    python3 - "$((n - 1))" "$work/people-$n.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,displayName,firstName,lastName,title,department\n")
    for i in range(n):
        f.write(f"person{i}@bench.test,Person {i:07d},Person,{i:07d},Engineer,Dept {i % 50}\n")
PY
    ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn "$roster" import "$work/people-$n.csv" --batch-size 20000 >&2
    rm -f "$work/people-$n.csv"
  fi
  echo "$db"
}

warm() {
  taskset -c "$client_core" wrk -t1 -c"$connections" -d"$warmup" -H "Authorization: Bearer $2" "$1" >/dev/null
}

# One wrk run; prints "rps p50_ms p99_ms"; fails on any non-2xx answer.
measure() {
  local url=$1 token=$2 out
  out=$(taskset -c "$client_core" wrk -t1 -c"$connections" -d"$duration" --latency -H "Authorization: Bearer $token" "$url")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "error: non-2xx answers from $url" >&2; echo "$out" >&2; exit 1
  fi
  python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(label):
    m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
print(f"{rps:.0f} {ms('50%'):.3f} {ms('99%'):.3f}")
PY
}

wait_ok() { # url token -> seconds until the first 200
  python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
url, token = sys.argv[1], sys.argv[2]
start = time.monotonic()
while True:
    try:
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        if urllib.request.urlopen(req, timeout=2).status == 200:
            break
    except Exception:
        time.sleep(0.002)
    if time.monotonic() - start > 60:
        sys.exit("server did not answer within 60 s")
print(f"{time.monotonic() - start:.3f}")
PY
}

# Build every directory first, and let the kernel write them out, so that no import or
# write-back competes with a measurement.
for n in $sizes; do make_db "$n" >/dev/null; done
sync
sleep 3

rows=()
for n in $sizes; do
  db="$work/people-$n.db"
  token=$(cat "$db.token")
  port=$(free_port)
  # Start-up: from spawning the process to its first 200 on /me, timed by one process that
  # does both, polling every millisecond.
  read -r server startup < <(python3 - "$roster" "$db" "$port" "$token" "$server_core" "$work/serve-$n.log" <<'PY'
import os, socket, subprocess, sys, time
roster, db, port, token, core, log = sys.argv[1:]
request = (f"GET /v1/people/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
           "Connection: close\r\n\r\n").encode()
start = time.monotonic()
proc = subprocess.Popen(["taskset", "-c", core, roster, "serve", "--database-url", f"sqlite://{db}",
                         "--listen", f"127.0.0.1:{port}", "--rate-limit", "0"],
                        stdout=subprocess.DEVNULL, stderr=open(log, "w"),
                        # The default log level, as `roster serve` runs for anyone.
                        env={k: v for k, v in os.environ.items() if k != "RUST_LOG"},
                        start_new_session=True)
while True:
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=2) as s:
            s.sendall(request)
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                break
    except OSError:
        pass
    if time.monotonic() - start > 60:
        sys.exit("server did not answer within 60 s")
    time.sleep(0.001)
print(proc.pid, f"{time.monotonic() - start:.3f}")
PY
)
  pids+=("$server")
  base="http://127.0.0.1:$port"
  curl -s -H "Authorization: Bearer $token" "$base/v1/people/me" >"$work/me-$n.json"
  person_id=$(curl -s -H "Authorization: Bearer $token" "$base/v1/people?email=person$((n / 2))@bench.test" |
    python3 -c 'import json,sys; items=json.load(sys.stdin)["items"]; print(items[0]["id"] if items else "")')
  [ -n "$person_id" ] || person_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/me-$n.json")

  # The baseline, with the same bytes as this size's /me body, idle on the same core until
  # its turn.
  bport=$(free_port)
  taskset -c "$server_core" "$baseline" "127.0.0.1:$bport" "$work/me-$n.json" &
  bpid=$!; pids+=("$bpid")
  wait_ok "http://127.0.0.1:$bport/v1/people/me" "$token" >/dev/null

  declare -A targets=(
    [baseline]="http://127.0.0.1:$bport/v1/people/me"
    [me]="$base/v1/people/me"
    [get]="$base/v1/people/$person_id"
    [list]="$base/v1/people?displayName=Person%20000&max=100"
  )
  for kind in baseline me get list; do warm "${targets[$kind]}" "$token"; done
  for round in $(seq "$rounds"); do
    for kind in baseline me get list; do
      read -r rps p50 p99 < <(measure "${targets[$kind]}" "$token")
      rows+=("$kind $n $round $rps $p50 $p99")
      echo "size $n round $round $kind: $rps req/s, p50 $p50 ms, p99 $p99 ms" >&2
    done
  done
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  rows+=("mem $n 0 $rss $startup 0")
  kill "$server" "$bpid"; wait "$server" "$bpid" 2>/dev/null || true
done

python3 - "$work/results.md" "$connections" "$duration" "$rounds" "${rows[@]}" <<'PY'
import os, platform, statistics, sys
out_path, connections, duration, rounds = sys.argv[1:5]
runs = {}
for row in sys.argv[5:]:
    kind, n, rnd, a, b, c = row.split()
    runs.setdefault((kind, int(n)), {})[int(rnd)] = (float(a), float(b), float(c))
sizes = sorted({n for _, n in runs})
median = statistics.median

def figures(kind, n):
    values = list(runs[(kind, n)].values())
    return tuple(median(v[i] for v in values) for i in range(3))

def ratio(kind, n, index):
    """The median over rounds of this kind's figure over the baseline's of the same round."""
    base = runs[("baseline", n)]
    return median(v[index] / base[r][index] for r, v in runs[(kind, n)].items())

names = {"baseline": "baseline: fixed bytes (hyper)", "me": "GET /v1/people/me",
         "get": "GET /v1/people/{id}", "list": "GET /v1/people?displayName=...&max=100"}
lines = ["| size | endpoint | req/s | p50 ms | p99 ms | vs baseline req/s | vs baseline p99 |",
         "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
verdicts = []
for n in sizes:
    for kind in ["baseline", "me", "get", "list"]:
        rps, p50, p99 = figures(kind, n)
        lines.append(f"| {n:,} | {names[kind]} | {rps:,.0f} | {p50:.3f} | {p99:.3f} "
                     f"| {ratio(kind, n, 0):.2f}x | {ratio(kind, n, 2):.2f}x |")
    me_rps, me_p99, get_rps = ratio("me", n, 0), ratio("me", n, 2), ratio("get", n, 0)
    verdicts.append((f"/me at {n:,}: >= 0.8x baseline req/s", me_rps >= 0.8, f"{me_rps:.2f}x"))
    verdicts.append((f"/me at {n:,}: p99 <= 2x baseline", me_p99 <= 2, f"{me_p99:.2f}x"))
    verdicts.append((f"GET /people/{{id}} at {n:,}: >= 0.6x baseline", get_rps >= 0.6, f"{get_rps:.2f}x"))
mem_lines = ["", "| size | peak RSS | start-up to first /me |", "| ---: | ---: | ---: |"]
for n in sizes:
    rss, startup, _ = runs[("mem", n)][0]
    mem_lines.append(f"| {n:,} | {rss / 1024:.1f} MiB | {startup:.3f} s |")
    if n >= 1_000_000:
        verdicts.append((f"peak RSS at {n:,} < 100 MiB", rss / 1024 < 100, f"{rss / 1024:.1f} MiB"))
        verdicts.append((f"start-up at {n:,} < 0.5 s", startup < 0.5, f"{startup:.3f} s"))
if len(sizes) >= 2:
    # Compared through each size's own baseline, so that machine drift between sizes cancels.
    small, large = ratio("me", sizes[0], 0), ratio("me", sizes[-1], 0)
    change = (large - small) / small
    raw = figures("me", sizes[-1])[0] / figures("me", sizes[0])[0] - 1
    verdicts.append((f"/me at {sizes[-1]:,} within 10% of /me at {sizes[0]:,} (as ratios to the baseline)",
                     abs(change) <= 0.10, f"{change:+.1%} (req/s alone: {raw:+.1%})"))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
text = "\n".join(lines + mem_lines + ["", "| target | result | measured |", "| --- | --- | ---: |"]
                 + [f"| {t} | {'PASS' if ok else 'MISS'} | {m} |" for t, ok, m in verdicts]
                 + ["", f"Machine: {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM, {platform.system()} {platform.release()}; "
                    f"servers on core 0, wrk on core 1 (1 thread, {connections} connections, {duration} per measurement); "
                    f"medians of {rounds} interleaved rounds."])
open(out_path, "w").write(text + "\n")
print(text)
PY
