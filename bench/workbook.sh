#!/usr/bin/env bash
# workbook.sh - time and peak memory of `qscore report` for one therapist with 2,000 clients
# and 20,000 administrations (10 waves each). Writes the "Workbook" section of RESULTS.md.
# Usage: bench/workbook.sh BUILD_DIR   (BENCH_REPS, default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=$(realpath "${1:-build}")
QSCORE="$BUILD/qscore"
GEN="$BUILD/bench/gen_export"
REPS=${BENCH_REPS:-5}
W=bench/data/workbook
rm -rf "$W"
mkdir -p "$W/drop"

# 20,000 synthetic administrations: client C0000..C1999, wave k on day k of 2026-01.
"$GEN" 20000 "$W/raw.csv"
awk -F, 'BEGIN { OFS = "," }
    NR == 1 { $2 = "client_id"; print $0, "therapist", "date"; next }
    { i = NR - 2; $2 = sprintf("C%04d", i % 2000); print $0, "T-A", sprintf("2026-01-%02d", 1 + int(i / 2000)) }' \
    "$W/raw.csv" >"$W/drop/export.csv"
cat >"$W/mapping.yaml" <<YAML
response_id: ResponseId
client_id: client_id
therapist: therapist
administered: date
YAML
cat >"$W/clinic.yaml" <<YAML
store: qscore.db
output: out
sources:
  - id: bench
    files: "drop/*.csv"
    instrument: $(pwd)/instruments/dsi-r.yaml
    mapping: mapping.yaml
YAML
"$QSCORE" run -c "$W/clinic.yaml" >/dev/null 2>&1 || true # ingests, writes a first workbook

times=()
rss=()
for r in $(seq 1 "$REPS"); do
    /usr/bin/time -f '%e %M' -o "$W/time.txt" "$QSCORE" report -c "$W/clinic.yaml" -o "$W/out-$r" >/dev/null 2>&1
    read -r t m <"$W/time.txt"
    times+=("$t")
    rss+=("$m")
done
mt=$(median "${times[@]}")
mr=$(median "${rss[@]}")
size=$(stat -c %s "$W/out-1/therapist-T-A.xlsx")
same=no
cmp -s "$W/out-1/therapist-T-A.xlsx" "$W/out-$REPS/therapist-T-A.xlsx" && same=yes
section=$(cat <<MD
<!-- workbook: written by bench/workbook.sh -->
## Workbook (qscore report)

One therapist with 2,000 clients and 20,000 DSI-R administrations (10 waves each), $REPS runs of
\`qscore report\` (reading the store and writing the workbook with all six sheets, 2,000 trend
charts):

| median s | runs (s) | peak RSS MiB (median) | workbook size | identical bytes across runs |
|---:|---|---:|---:|---|
| $mt | ${times[*]} | $(awk -v k="$mr" 'BEGIN { printf "%.1f", k / 1024 }') | $((size / 1000)) kB | $same |
<!-- /workbook -->
MD
)
put_section workbook "$section"
echo "workbook: median $mt s, peak RSS ${mr} KiB, $size bytes, identical: $same" >&2
