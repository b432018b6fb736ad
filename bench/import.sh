#!/usr/bin/env bash
# Import benchmark: generates a CSV of N people (default 1,000,000), imports it into a fresh
# SQLite database with the release build, and reports rows/s and peak memory; then imports
# the same file again (every row already present) to show re-runs stay idempotent and fast.
#
#   bash bench/import.sh            # 1,000,000 people
#   BENCH_PEOPLE=100000 bash bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
people="${BENCH_PEOPLE:-1000000}"
work="target/bench/import"
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }

cargo build --release -p roster --quiet
roster="$PWD/target/release/roster"

csv="$work/people-$people.csv"
if [ ! -s "$csv" ]; then
  echo "generating $csv"
  python3 - "$people" "$csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,displayName,firstName,lastName,title,department\n")
    for i in range(n):
        f.write(f"person{i}@bulk.test,Person {i:07d},Person,{i:07d},Engineer,Dept {i % 50}\n")
PY
fi

db="$work/import.db"
rm -f "$db" "$db-wal" "$db-shm"
export ROSTER_DATABASE_URL="sqlite://$db" RUST_LOG=warn
"$roster" init --org Bulk --admin-email admin@bulk.test >/dev/null

run() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$roster" import "$csv" 2>"$work/import.log"
  summary=$(grep '^imported' "$work/import.log")
  read -r seconds kib <"$work/time.txt"
  rate=$(python3 -c "print(f'{$people/$seconds:,.0f}')")
  printf '| %s | %s | %s s | %s rows/s | %s MiB |\n' "$1" "$people" "$seconds" "$rate" "$((kib / 1024))"
  echo "  ($summary)" >&2
}

echo
echo "| run | people | wall time | rate | peak RSS |"
echo "| --- | ---: | ---: | ---: | ---: |"
run "first import"
run "same file again"
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
