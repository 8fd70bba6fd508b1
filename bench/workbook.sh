#!/usr/bin/env bash
# workbook.sh - issue 13's workbook target: one therapist with 2,000 clients × 10 administrations
# (20,000 DSI-R forms, 20 groups, monthly, a local norm so reliable change is computed):
# `qscore report` writes the workbook in ≤ 2 s (median) and ≤ 128 MiB peak RSS (every run), and
# LibreOffice converts that workbook to PDF in ≤ 120 s. Prints PASS/FAIL lines and writes the
# "Workbook" section of RESULTS.md.
# Usage: bench/workbook.sh BUILD_DIR   (BENCH_REPS, default 5; BENCH_NO_PDF=1 skips LibreOffice)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=$(realpath "${1:-build}")
QSCORE="$BUILD/qscore"
GEN="$BUILD/bench/gen_export"
REPS=${BENCH_REPS:-5}
GOAL_S=2
GOAL_MIB=128
GOAL_PDF_S=120
W=bench/data/workbook
rm -rf "$W"
mkdir -p "$W/drop"

# 20,000 synthetic administrations: client C0000..C1999 in group G00..G19, administration k in
# month k of 2026 (k = 1..10), on a day of the client's own.
"$GEN" 20000 "$W/raw.csv"
awk -F, 'BEGIN { OFS = "," }
    NR == 1 { $2 = "client_id"; print $0, "therapist", "group", "date"; next }
    { i = NR - 2; c = i % 2000; $2 = sprintf("C%04d", c)
      print $0, "T-A", sprintf("G%02d", c % 20), sprintf("2026-%02d-%02d", 1 + int(i / 2000), 1 + c % 28) }' \
    "$W/raw.csv" >"$W/drop/export.csv"
cat >"$W/mapping.yaml" <<YAML
response_id: ResponseId
client_id: client_id
therapist: therapist
group: group
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
norms:
  dsi-r: {local: {min_n: 50}}
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
book=$(ls "$W/out-1/"*.xlsx | head -n 1)
mt=$(median "${times[@]}")
mr=$(median "${rss[@]}")
maxr=$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)
size=$(stat -c %s "$book")
same=no
cmp -s "$book" "$W/out-$REPS/$(basename "$book")" && same=yes
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; then echo PASS; else echo FAIL; fi; }
v_time=$(verdict "$mt" "$GOAL_S")
v_rss=$(verdict "$(awk -v k="$maxr" 'BEGIN { print k / 1024 }')" "$GOAL_MIB")

# LibreOffice: the same workbook to PDF, once, with a private profile.
pdf_s="not run"
pages="-"
v_pdf="NOT RUN"
if [ "${BENCH_NO_PDF:-}" != 1 ] && command -v soffice >/dev/null 2>&1; then
    rm -rf "$W/pdf" "$W/lo-profile"
    mkdir -p "$W/pdf"
    t0=$(date +%s.%N)
    st=0
    timeout -k 10 600 soffice -env:UserInstallation="file://$(pwd)/$W/lo-profile" --headless --norestore \
        --convert-to pdf --outdir "$W/pdf" "$book" >"$W/soffice.log" 2>&1 || st=$?
    t1=$(date +%s.%N)
    pdf="$W/pdf/$(basename "${book%.xlsx}").pdf"
    if [ "$st" = 0 ] && [ -s "$pdf" ] && head -c 5 "$pdf" | grep -q '%PDF-'; then
        pdf_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
        pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
        pages=${pages:--}
        v_pdf=$(verdict "$pdf_s" "$GOAL_PDF_S")
    else
        pdf_s="failed (exit $st)"
        if [ "$st" = 124 ] || [ "$st" = 137 ]; then pdf_s="failed (timed out after 600 s)"; fi
        v_pdf=FAIL
    fi
fi

section=$(cat <<MD
<!-- workbook: written by bench/workbook.sh -->
## Workbook (qscore report)

One therapist with 2,000 clients and 20,000 DSI-R administrations (10 each, monthly, 20 groups,
scored against a local norm), $REPS runs of \`qscore report\` (reading the store and writing the
workbook), then LibreOffice (\`soffice --headless --convert-to pdf\`) on that workbook once:

| median s | runs (s) | peak RSS MiB (median / max) | workbook size | identical bytes across runs | LibreOffice to PDF (s) | PDF pages |
|---:|---|---:|---:|---|---:|---:|
| $mt | ${times[*]} | $(awk -v k="$mr" -v x="$maxr" 'BEGIN { printf "%.1f / %.1f", k / 1024, x / 1024 }') | $((size / 1000)) kB | $same | $pdf_s | $pages |

| goal (issue 13) | result |
|---|---|
| workbook written in ≤ $GOAL_S s (median) | $v_time ($mt s) |
| peak RSS ≤ $GOAL_MIB MiB (every run) | $v_rss ($(awk -v x="$maxr" 'BEGIN { printf "%.1f", x / 1024 }') MiB) |
| LibreOffice converts it to PDF in ≤ $GOAL_PDF_S s | $v_pdf ($pdf_s) |
<!-- /workbook -->
MD
)
put_section workbook "$section"
echo "workbook: median $mt s, peak RSS median ${mr} KiB max ${maxr} KiB, $size bytes, identical: $same, LibreOffice to PDF: $pdf_s (s), $pages pages" >&2
echo "$v_time: workbook written in ≤ $GOAL_S s median ($mt s)"
echo "$v_rss: peak RSS ≤ $GOAL_MIB MiB ($(awk -v x="$maxr" 'BEGIN { printf "%.1f", x / 1024 }') MiB, the largest of $REPS runs)"
echo "$v_pdf: LibreOffice converts the workbook to PDF in ≤ $GOAL_PDF_S s ($pdf_s)"
