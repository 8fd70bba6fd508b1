#!/usr/bin/env bash
# incremental.sh - the cost of a nightly run that adds 1,000 administrations: into an empty
# store vs into a store already holding 1,000,000 (issue: "about as long"). Appends its section
# to bench/RESULTS.md. Usage: bench/incremental.sh BUILD_DIR   (BENCH_REPS, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=$(realpath "${1:-build}")
QSCORE="$BUILD/qscore"
GEN="$BUILD/bench/gen_export"
REPS=${BENCH_REPS:-5}
BIG=${BENCH_STORE_ROWS:-1000000}
W=bench/data/incremental
rm -rf "$W"
mkdir -p "$W/empty/drop" "$W/big/drop" "$W/runs"

# The 1,000 new administrations: distinct response and client ids from the big export's.
"$GEN" 1000 "$W/new-raw.csv"
sed -e '2,$s/^R_/N_/' -e '2,$s/,C/,NEWC/' "$W/new-raw.csv" >"$W/new.csv"
"$GEN" "$BIG" "$W/big/drop/export-big.csv"

config() { # dir
    cat >"$1/clinic.yaml" <<YAML
store: qscore.db
output: out
sources:
  - id: bench
    files: "drop/*.csv"
    instrument: $(pwd)/instruments/dsi-r.yaml
    mapping: $(pwd)/bench/mapping.yaml
YAML
}
config "$W/empty"
config "$W/big"

echo "incremental: building a store of $BIG administrations (once, not timed)..." >&2
t0=$(date +%s.%N)
"$QSCORE" run -c "$W/big/clinic.yaml" 2>/dev/null || true
t1=$(date +%s.%N)
build_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
cp "$W/big/qscore.db" "$W/big.db"
big_mb=$(($(stat -c %s "$W/big.db") / 1000000))

time_run() { # dir -> seconds of one run that adds new.csv to the store in dir
    cp "$W/new.csv" "$1/drop/new.csv"
    local a b
    a=$(date +%s.%N)
    "$QSCORE" run -c "$1/clinic.yaml" 2>"$1/stderr.txt" || true
    b=$(date +%s.%N)
    grep -q "1 ingested" "$1/stderr.txt" || { echo "incremental: run did not ingest" >&2; exit 1; }
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b - a }'
}

empty_t=()
big_t=()
for r in $(seq 1 "$REPS"); do # interleaved: empty, big, empty, big, ...
    rm -rf "$W/empty/qscore.db"* "$W/empty/out" "$W/empty/drop/new.csv"
    empty_t+=("$(time_run "$W/empty")")
    rm -f "$W/big/drop/new.csv" "$W/big/qscore.db"*
    cp "$W/big.db" "$W/big/qscore.db" # a fresh copy each time: the run must find the big file known
    sync # not timed: the copy's dirty pages must not be charged to the run's fsync
    big_t+=("$(time_run "$W/big")")
done
me=$(median "${empty_t[@]}")
mb=$(median "${big_t[@]}")
ratio=$(awk -v a="$me" -v b="$mb" 'BEGIN { printf "%.2f", b / a }')

section=$(cat <<MD
<!-- incremental: written by bench/incremental.sh -->
## Incremental run (qscore run)

A nightly run that adds 1,000 new administrations (a new export file), timed $REPS times,
interleaved, into an empty store and into a store already holding $BIG administrations
(${big_mb} MB; built once in ${build_s} s, not timed; copied fresh before each timed run, so
every run finds the big export already ingested and skips it by path/size/mtime; \`sync\`
after the copy, untimed, so the run's fsync is not charged for writing the copy).

| store before the run | median s | runs (s) |
|---|---:|---|
| empty | $me | ${empty_t[*]} |
| $BIG administrations | $mb | ${big_t[*]} |

Ratio (big / empty): ${ratio}×. Each new administration costs a few index lookups (B-trees:
logarithmic in the store's size) and the change rows of its client, so the cost does not
grow with the history.
<!-- /incremental -->
MD
)
put_section incremental "$section"
echo "incremental: empty $me s, $BIG-store $mb s (ratio $ratio)" >&2
