#!/usr/bin/env bash
# export.sh - time and peak memory of `qscore export` on a store of 100,000 DSI-R administrations
# (25,000 clients in 4 sites and 100 groups, 4 waves each), against a peer measured in the same
# run, interleaved: Python's sqlite3 + csv writing the same scores join as plain CSV (no
# pseudonyms, no statistics): the cost of just getting the rows out of the store.
# Writes the "Export" section of RESULTS.md. Usage: bench/export.sh BUILD_DIR
# (BENCH_REPS, default 5; BENCH_EXPORT_ROWS, default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=$(realpath "${1:-build}")
QSCORE="$BUILD/qscore"
GEN="$BUILD/bench/gen_export"
REPS=${BENCH_REPS:-5}
ROWS=${BENCH_EXPORT_ROWS:-100000}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
W=bench/data/export
rm -rf "$W"
mkdir -p "$W/drop"

# Administration i: client C(i mod ROWS/4), wave i div (ROWS/4) on day 1 + 30 * wave, group of
# the client mod 100, site of the client mod 4.
"$GEN" "$ROWS" "$W/raw.csv"
awk -F, -v n="$ROWS" 'BEGIN { OFS = ","; c = int(n / 4) }
    NR == 1 { $2 = "client_id"; print $0, "grp", "date", "site"; next }
    { i = NR - 2; k = i % c; w = int(i / c)
      $2 = sprintf("C%06d", k)
      print $0, sprintf("G%02d", k % 100), sprintf("2025-%02d-01", 1 + 3 * w), k % 4 }' \
    "$W/raw.csv" >"$W/all.csv"
for s in 0 1 2 3; do
    awk -F, -v s="$s" 'NR == 1 || $NF == s' "$W/all.csv" >"$W/drop/site-$s.csv"
done
cat >"$W/mapping.yaml" <<YAML
response_id: ResponseId
client_id: client_id
group: grp
administered: date
YAML
{
    echo "store: qscore.db"
    echo "output: out"
    echo "sources:"
    for s in 0 1 2 3; do
        echo "  - {id: s$s, files: drop/site-$s.csv, instrument: $(pwd)/instruments/dsi-r.yaml, mapping: mapping.yaml, site: site-$s}"
    done
    echo "export: {key_file: export.key}"
} >"$W/clinic.yaml"
echo "export: building a store of $ROWS administrations (once, not timed)..." >&2
"$QSCORE" run -c "$W/clinic.yaml" >/dev/null 2>&1 || true
"$QSCORE" keygen -c "$W/clinic.yaml" >/dev/null

cat >"$W/peer.py" <<'PY'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["client", "site", "group", "instrument", "version", "administered", "score",
                "value", "t", "status"])
    w.writerows(db.execute(
        "SELECT c.client_key, a.site, a.group_name, a.instrument, a.instrument_version,"
        " a.administered, s.score, s.value, s.t, s.status FROM administrations a"
        " JOIN clients c ON c.id = a.client JOIN scores s ON s.administration = a.id"
        " WHERE a.current = 1 ORDER BY a.site, c.client_key, a.administered"))
PY

q_t=()
q_m=()
i_t=()
i_m=()
p_t=()
p_m=()
timed() { # out-prefix command...: prints "seconds peak_kib"
    local a b
    a=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$W/time.txt" "$@" >/dev/null 2>&1
    b=$(date +%s%N)
    echo "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", (b - a) / 1e9 }') $(tail -n 1 "$W/time.txt")"
}
for r in $(seq 1 "$REPS"); do # interleaved
    rm -rf "$W/exp-$r" "$W/expi-$r" "$W/peer-$r.csv"
    read -r t m < <(timed "$QSCORE" export -c "$W/clinic.yaml" -o "$W/exp-$r")
    q_t+=("$t")
    q_m+=("$m")
    read -r t m < <(timed "$QSCORE" export -c "$W/clinic.yaml" -o "$W/expi-$r" --items)
    i_t+=("$t")
    i_m+=("$m")
    read -r t m < <(timed "$PY" "$W/peer.py" "$W/qscore.db" "$W/peer-$r.csv")
    p_t+=("$t")
    p_m+=("$m")
done
mq=$(median "${q_t[@]}")
mi=$(median "${i_t[@]}")
mp=$(median "${p_t[@]}")
rq=$(($(median "${q_m[@]}" | cut -d. -f1) / 1024))
ri=$(($(median "${i_m[@]}" | cut -d. -f1) / 1024))
rp=$(($(median "${p_m[@]}" | cut -d. -f1) / 1024))
ratio=$(awk -v a="$mq" -v b="$mp" 'BEGIN { printf "%.2f", a / b }')
score_rows=$(($(wc -l <"$W/exp-1/scores.csv") - 1))
item_rows=$(($(wc -l <"$W/expi-1/items.csv") - 1))
same=no
diff -r -q "$W/exp-1" "$W/exp-$REPS" >/dev/null && same=yes
section=$(cat <<MD
<!-- export: written by bench/export.sh -->
## Research export (qscore export)

A store of $ROWS DSI-R administrations ($((ROWS / 4)) clients in 4 sites and 100 groups, 4
waves each), $REPS runs of each, interleaved. qscore writes scores.csv ($score_rows rows), flags,
the Hive copy, aggregates with suppression, reliability, stats.csv, README and manifest with
SHA-256 of every file; with \`--items\` also items.csv ($item_rows rows). The peer is Python's
sqlite3 and csv writing the same current scores joined with their clients as plain CSV: no
pseudonyms, no statistics, no hashing, no fsync — the floor of getting the rows out.

| contender | median s | runs (s) | peak RSS MiB (median) |
|---|---:|---|---:|
| qscore export | $mq | ${q_t[*]} | $rq |
| qscore export --items | $mi | ${i_t[*]} | $ri |
| Python sqlite3 + csv (peer) | $mp | ${p_t[*]} | $rp |

Ratio qscore export / peer: ${ratio}×. Identical bytes across runs: $same. qscore keeps the
exported administrations in memory to order them by pseudonym (with their answers, scores and
the statistics' frequency tables: well under 1 KB each), so memory grows with the export's size.
<!-- /export -->
MD
)
put_section export "$section"
echo "export: qscore $mq s ($rq MiB), --items $mi s ($ri MiB), peer $mp s ($rp MiB); ratio $ratio" >&2
