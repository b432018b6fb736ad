#!/usr/bin/env bash
# HTTP benchmark: Roster's reads and writes against a bare hyper baseline, measured in the
# same run, as ratios.
#
#   bash bench/run.sh                                          # 1k, 100k and 1M people
#   BENCH_SIZES=1000 BENCH_ROUNDS=1 BENCH_DURATION=3s bash bench/run.sh   # a quick smoke run
#
# Reads. For each directory size it builds (once, cached under target/bench) a SQLite database
# with that many people, starts `roster serve` and the baseline (crates/roster-bench: a bare
# hyper server that answers each request target with fixed bytes, here a copy of Roster's own
# answer to that target, after checking for a Bearer header), both pinned to core 0, and drives
# them with wrk pinned to core 1. After a warm-up it measures, in each of BENCH_ROUNDS rounds,
# back to back, each endpoint and the baseline serving that endpoint's bytes:
#   me     GET /v1/people/me
#   get    GET /v1/people/{id} (someone else, as an admin)
#   list   GET /v1/people?max=100 (an admin, no filter)
#   name   GET /v1/people?displayName=...&max=100 (an admin, a name prefix)
#   email  GET /v1/people?email=... (an admin)
# Each figure is the median over the rounds, and each ratio the median of the rounds' ratios,
# so that drift in a shared virtual machine hits both sides of a ratio alike.
#
# Writes (at BENCH_WRITE_SIZE people, default 100,000, on a copy of that directory): 32
# concurrent writers POST /v1/people (bench/post.lua) while 4 connections read /me, on SQLite;
# then `roster migrate-store` copies the directory into PostgreSQL (BENCH_POSTGRES_URL; the
# copy rate is reported) and the same write load runs there. BENCH_POSTGRES_URL=skip leaves
# PostgreSQL out.
#
# It prints, and writes to target/bench/results.md, requests/s, p50 and p99 latency, the
# ratios, the server's peak resident memory, start-up time to the first served request, and a
# verdict for each target. Loopback only; every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="${BENCH_SIZES:-1000 100000 1000000}"
rounds="${BENCH_ROUNDS:-3}"
duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-3s}"
connections="${BENCH_CONNECTIONS:-32}"
server_core="${BENCH_SERVER_CORE:-0}"
client_core="${BENCH_CLIENT_CORE:-1}"
write_size="${BENCH_WRITE_SIZE:-100000}"
postgres_url="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
work="target/bench"
mkdir -p "$work"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need taskset util-linux
need curl curl
need psql postgresql-client

cargo build --release -p roster -p roster-bench --quiet
roster="$PWD/target/release/roster"
baseline="$PWD/target/release/roster-bench-baseline"

pids=()
pg_bench_db=""
cleanup() {
  for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$pg_bench_db" ]; then
    psql "$postgres_url" -qc "DROP DATABASE IF EXISTS \"$pg_bench_db\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
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

wrk_get() { # url token duration [extra wrk args]
  local url=$1 token=$2 length=$3
  shift 3
  taskset -c "$client_core" wrk -t1 -c"$connections" -d"$length" --latency -H "Authorization: Bearer $token" "$@" "$url"
}

# Figures of one wrk report: "rps p50_ms p99_ms"; fails on any non-2xx answer or socket error.
figures() {
  local out=$1 what=$2
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
    echo "error: non-2xx answers or socket errors from $what" >&2; echo "$out" >&2; exit 1
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

# Starts `roster serve` on core 0 with any extra arguments; prints "pid seconds-to-first-/me".
start_server() { # database-url port token log [args...]
  local url=$1 port=$2 token=$3 log=$4
  shift 4
  python3 - "$roster" "$url" "$port" "$token" "$server_core" "$log" "$@" <<'PY'
import os, socket, subprocess, sys, time
roster, url, port, token, core, log, *extra = sys.argv[1:]
request = (f"GET /v1/people/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
           "Connection: close\r\n\r\n").encode()
start = time.monotonic()
proc = subprocess.Popen(["taskset", "-c", core, roster, "serve", "--database-url", url,
                         "--listen", f"127.0.0.1:{port}", "--rate-limit", "0", *extra],
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
    if proc.poll() is not None:
        sys.exit(f"roster serve exited with {proc.returncode}; see {log}")
    if time.monotonic() - start > 60:
        sys.exit("server did not answer within 60 s")
    time.sleep(0.001)
print(proc.pid, f"{time.monotonic() - start:.3f}")
PY
}

stop() { kill "$@" 2>/dev/null || true; wait "$@" 2>/dev/null || true; }

# Build every directory first, and let the kernel write them out, so that no import or
# write-back competes with a measurement.
for n in $sizes $write_size; do make_db "$n" >/dev/null; done
sync
sleep 3

rows=()
kinds="me get list name email"
for n in $sizes; do
  db="$work/people-$n.db"
  token=$(cat "$db.token")
  port=$(free_port)
  read -r server startup < <(start_server "sqlite://$db" "$port" "$token" "$work/serve-$n.log")
  pids+=("$server")
  base="http://127.0.0.1:$port"
  middle=$((n / 2))
  declare -A targets=(
    [me]="/v1/people/me"
    [list]="/v1/people?max=100"
    [name]="/v1/people?displayName=Person%20$(printf '%07d' "$middle" | cut -c1-5)&max=100"
    [email]="/v1/people?email=person$((n > 1 ? middle : 0))@bench.test"
  )
  person_id=$(curl -sf -H "Authorization: Bearer $token" "$base${targets[email]}" |
    python3 -c 'import json,sys; items=json.load(sys.stdin)["items"]; print(items[0]["id"] if items else "")')
  [ -n "$person_id" ] || { echo "error: no person found at ${targets[email]}" >&2; exit 1; }
  targets[get]="/v1/people/$person_id"

  # The baseline answers each target with the bytes Roster gave for it.
  bodies=()
  for kind in $kinds; do
    curl -sf -H "Authorization: Bearer $token" "$base${targets[$kind]}" >"$work/$kind-$n.json"
    bodies+=("${targets[$kind]}=$work/$kind-$n.json")
  done
  bport=$(free_port)
  taskset -c "$server_core" "$baseline" "127.0.0.1:$bport" "${bodies[@]}" &
  bpid=$!; pids+=("$bpid")
  bbase="http://127.0.0.1:$bport"
  until curl -sf -o /dev/null -H "Authorization: Bearer $token" "$bbase${targets[me]}"; do sleep 0.05; done

  for kind in $kinds; do
    wrk_get "$base${targets[$kind]}" "$token" "$warmup" >/dev/null
    wrk_get "$bbase${targets[$kind]}" "$token" "$warmup" >/dev/null
  done
  for round in $(seq "$rounds"); do
    for kind in $kinds; do
      for side in base roster; do
        url="$base${targets[$kind]}"; [ "$side" = base ] && url="$bbase${targets[$kind]}"
        read -r rps p50 p99 < <(figures "$(wrk_get "$url" "$token" "$duration")" "$url")
        rows+=("$side-$kind $n $round $rps $p50 $p99")
        echo "size $n round $round $side $kind: $rps req/s, p50 $p50 ms, p99 $p99 ms" >&2
      done
    done
  done
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  rows+=("mem $n 0 $rss $startup 0")
  stop "$server" "$bpid"
  unset targets
done

# Writes: 32 writers POSTing while 4 connections read /me, on a copy of the directory.
write_load() { # base-url token label
  local base=$1 token=$2 label=$3 posts reads
  TOKEN="$token" taskset -c "$client_core" wrk -t1 -c"$connections" -d"$duration" --latency \
    -s bench/post.lua "$base/v1/people" >"$work/post-$label.out" &
  local writer=$!
  reads=$(taskset -c "$client_core" wrk -t1 -c4 -d"$duration" --latency \
    -H "Authorization: Bearer $token" "$base/v1/people/me")
  wait "$writer"
  posts=$(cat "$work/post-$label.out")
  read -r rps p50 p99 < <(figures "$posts" "POST /v1/people on $label")
  rows+=("post-$label $write_size 1 $rps $p50 $p99")
  echo "writes on $label: $rps creates/s, p50 $p50 ms, p99 $p99 ms" >&2
  read -r rps p50 p99 < <(figures "$reads" "/me during writes on $label")
  rows+=("me-during-$label $write_size 1 $rps $p50 $p99")
  echo "/me during writes on $label: $rps req/s, p99 $p99 ms" >&2
}

source_db="$work/people-$write_size.db"
token=$(cat "$source_db.token")
copy="$work/writes.db"
rm -f "$copy" "$copy-wal" "$copy-shm"
cp "$source_db" "$copy"
port=$(free_port)
read -r server _ < <(start_server "sqlite://$copy" "$port" "$token" "$work/serve-writes.log")
pids+=("$server")
write_load "http://127.0.0.1:$port" "$token" sqlite
stop "$server"
rm -f "$copy" "$copy-wal" "$copy-shm"

if [ "$postgres_url" != skip ]; then
  pg_bench_db="roster_bench_$$"
  psql "$postgres_url" -qc "CREATE DATABASE \"$pg_bench_db\"" >/dev/null
  pg_db_url="${postgres_url%/*}/$pg_bench_db"
  started=$(date +%s.%N)
  RUST_LOG=warn "$roster" migrate-store --from "sqlite://$source_db" --to "$pg_db_url" >/dev/null 2>&1
  seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$started" "$(date +%s.%N)")
  rows+=("migrate $write_size 1 $seconds 0 0")
  echo "migrate-store of $write_size people into PostgreSQL: $seconds s" >&2
  port=$(free_port)
  read -r server _ < <(start_server "$pg_db_url" "$port" "$token" "$work/serve-writes-pg.log")
  pids+=("$server")
  write_load "http://127.0.0.1:$port" "$token" postgres
  stop "$server"
fi

python3 - "$work/results.md" "$connections" "$duration" "$rounds" "${rows[@]}" <<'PY'
import os, platform, statistics, sys
out_path, connections, duration, rounds = sys.argv[1:5]
runs = {}
for row in sys.argv[5:]:
    kind, n, rnd, a, b, c = row.split()
    runs.setdefault((kind, int(n)), {})[int(rnd)] = (float(a), float(b), float(c))
read_kinds = ["me", "get", "list", "name", "email"]
sizes = sorted({n for kind, n in runs if kind == "roster-me"})
median = statistics.median

def figures(kind, n):
    values = list(runs[(kind, n)].values())
    return tuple(median(v[i] for v in values) for i in range(3))

def ratio(kind, n, index):
    """The median over rounds of an endpoint's figure over its baseline's in the same round."""
    base = runs[(f"base-{kind}", n)]
    return median(v[index] / base[r][index] for r, v in runs[(f"roster-{kind}", n)].items())

names = {"me": "GET /v1/people/me", "get": "GET /v1/people/{id}",
         "list": "GET /v1/people?max=100", "name": "GET /v1/people?displayName=...&max=100",
         "email": "GET /v1/people?email=..."}
lines = ["| size | endpoint | req/s | p50 ms | p99 ms | baseline req/s | vs baseline req/s | vs baseline p99 |",
         "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
verdicts = []
for n in sizes:
    for kind in read_kinds:
        rps, p50, p99 = figures(f"roster-{kind}", n)
        base_rps = figures(f"base-{kind}", n)[0]
        lines.append(f"| {n:,} | {names[kind]} | {rps:,.0f} | {p50:.3f} | {p99:.3f} | {base_rps:,.0f} "
                     f"| {ratio(kind, n, 0):.3f}x | {ratio(kind, n, 2):.2f}x |")
    verdicts.append((f"/me at {n:,}: >= 0.8x baseline req/s", ratio("me", n, 0) >= 0.8, f"{ratio('me', n, 0):.2f}x"))
    verdicts.append((f"/me at {n:,}: p99 <= 2x baseline", ratio("me", n, 2) <= 2, f"{ratio('me', n, 2):.2f}x"))
    verdicts.append((f"GET /people/{{id}} at {n:,}: >= 0.6x baseline", ratio("get", n, 0) >= 0.6, f"{ratio('get', n, 0):.2f}x"))
    verdicts.append((f"GET /people?email= at {n:,}: >= 0.5x baseline", ratio("email", n, 0) >= 0.5, f"{ratio('email', n, 0):.2f}x"))
    if n >= 100_000:
        for kind in ["list", "name"]:
            p99 = figures(f"roster-{kind}", n)[2]
            verdicts.append((f"{names[kind]} at {n:,}: >= 0.1x baseline", ratio(kind, n, 0) >= 0.1, f"{ratio(kind, n, 0):.3f}x"))
            verdicts.append((f"{names[kind]} at {n:,}: p99 <= 10 ms", p99 <= 10, f"{p99:.2f} ms"))
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
    raw = figures("roster-me", sizes[-1])[0] / figures("roster-me", sizes[0])[0] - 1
    verdicts.append((f"/me at {sizes[-1]:,} within 10% of /me at {sizes[0]:,} (as ratios to the baseline)",
                     abs(change) <= 0.10, f"{change:+.1%} (req/s alone: {raw:+.1%})"))

write_lines = ["", "| writes | people | req/s | p50 ms | p99 ms |", "| --- | ---: | ---: | ---: | ---: |"]
for backend in ["sqlite", "postgres"]:
    for kind, label in [(f"post-{backend}", f"POST /v1/people, {connections} writers, {backend}"),
                        (f"me-during-{backend}", f"GET /v1/people/me (4 connections) during those writes, {backend}")]:
        for (k, n), values in runs.items():
            if k == kind:
                rps, p50, p99 = values[1]
                write_lines.append(f"| {label} | {n:,} | {rps:,.0f} | {p50:.3f} | {p99:.3f} |")
                if kind.startswith("post-"):
                    verdicts.append((f"POST /v1/people on {backend}: >= 3,000/s", rps >= 3000, f"{rps:,.0f}/s"))
                    if backend == "sqlite":
                        verdicts.append((f"POST /v1/people on {backend}: p99 <= 50 ms", p99 <= 50, f"{p99:.1f} ms"))
                else:
                    verdicts.append((f"/me p99 during writes on {backend}: < 2 ms", p99 < 2, f"{p99:.2f} ms"))
for (k, n), values in runs.items():
    if k == "migrate":
        seconds = values[1][0]
        write_lines.append(f"| roster migrate-store, SQLite to PostgreSQL | {n:,} | {n / seconds:,.0f} people/s | | {seconds:.2f} s in all |")
        verdicts.append((f"migrate-store into PostgreSQL: >= 20,000 people/s", n / seconds >= 20000, f"{n / seconds:,.0f}/s"))

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
text = "\n".join(lines + mem_lines + write_lines + ["", "| target | result | measured |", "| --- | --- | ---: |"]
                 + [f"| {t} | {'PASS' if ok else 'MISS'} | {m} |" for t, ok, m in verdicts]
                 + ["", f"Machine: {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM, {platform.system()} {platform.release()}; "
                    f"servers on core 0, wrk on core 1 (1 thread, {connections} connections, {duration} per measurement); "
                    f"medians of {rounds} interleaved rounds."])
open(out_path, "w").write(text + "\n")
print(text)
PY
