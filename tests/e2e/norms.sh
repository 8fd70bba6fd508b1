#!/usr/bin/env bash
# norms.sh - end-to-end tests of local norms (issue 12): a synthetic clinic of 120 clients with
# 3 administrations each of every shipped multi-item instrument, run with `norms: local`.
# Usage: tests/e2e/norms.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
. "$HERE/lib.sh"
export QSCORE_INSTRUMENTS="$TOP/instruments"

clinic() { # dir clients [min_n]
    local d=$1
    mkdir -p "$d/drop"
    python3 "$HERE/norms/make_clinic.py" "$TOP/instruments" "$d/drop" "$2"
    {
        echo "store: qscore.db"
        echo "output: out"
        echo "sources:"
        for i in dsi-r ecr-r sfcds; do
            p=$(tr -d '-' <<<"$i" | tr a-z A-Z)
            printf '  - id: %s\n    files: "drop/%s.csv"\n    instrument: %s\n    mapping: %s.yaml\n' "$i" "$i" "$i" "$i"
            printf 'response_id: rid\nclient_id: client\nadministered: date\nitem_pattern: "%s_{n}"\n' "$p" >"$d/$i.yaml"
        done
        echo "norms:"
        for i in dsi-r ecr-r sfcds; do
            if [ -n "${3:-}" ]; then echo "  $i: {local: {min_n: $3}}"; else echo "  $i: local"; fi
        done
    } >"$d/clinic.yaml"
}
run() {
    local d=$1
    shift
    local st=0
    "$QSCORE" run -c "$d/clinic.yaml" "$@" >"$d/stdout.txt" 2>"$d/stderr.txt" || st=$?
    echo "$st"
}
changes() { "$QSCORE" dump -c "$1/clinic.yaml" | awk -F'\t' '/^## changes/{a=1;next} /^## /{a=0} a'; }

d="$WORK/clinic"
clinic "$d" 120
st=$(run "$d")
check "a 120-client clinic with local norms runs (0, or 1 for quarantined rows)" test "$st" -le 1
for i in dsi-r ecr-r sfcds; do
    check "$i: a local norm is made from the clients of the run" grep -q "event=local_norm_made instrument=$i snapshot=[0-9]* clients=120" "$d/stderr.txt"
    check "$i: and every administration recomputed against it" grep -q "event=rescored instrument=$i rescored=360 .*reason=norm_changed" "$d/stderr.txt"
done
check "every client's change rows exist (DSI-R 5 scores, ECR-R 2, SFCDS 1)" test "$(changes "$d" | cut -f3 | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" = "600 240 120 "
check "reliable change is computable for every score of every instrument" \
    test "$(changes "$d" | awk -F'\t' '$16 == "not_computable" && $20 != "fewer than two administrations"' | wc -l)" = 0
check "and not every class is the same (the synthetic clients change)" \
    test "$(changes "$d" | cut -f16 | sort -u | wc -l)" -ge 2
"$QSCORE" norms -c "$d/clinic.yaml" >"$d/norms.txt"
check "qscore norms lists one snapshot per instrument" test "$(grep -c ': local norm ' "$d/norms.txt")" = 3
check "with alpha for the multi-item scores" grep -qE '^  FO +n 1[0-9][0-9] +mean [0-9.]+  SD [0-9.]+  alpha 0\.[0-9]+' "$d/norms.txt"
st=$(run "$d")
check "the next run makes no new snapshot and recomputes nothing" test "$(grep -c 'event=local_norm_made\|event=rescored' "$d/stderr.txt")" = 0
"$QSCORE" norms -c "$d/clinic.yaml" --update >"$d/update.txt"
check "qscore norms --update makes a new snapshot of each" test "$(grep -c 'made from 120 clients' "$d/update.txt")" = 3
run "$d" >/dev/null
check "the next run recomputes against it" test "$(grep -c 'event=rescored .*reason=norm_changed' "$d/stderr.txt")" = 3
check "administrations name the snapshot that scored them" \
    test "$("$QSCORE" dump -c "$d/clinic.yaml" | awk -F'\t' '/^## administrations/{a=1;next} /^## /{a=0} a{print $16}' | sort -u | tr '\n' ' ')" = "local#4 local#5 local#6 "

book_text() { # the shared strings of the clinic's workbooks
    python3 -c "import zipfile,sys,glob; print(''.join(zipfile.ZipFile(f).read('xl/sharedStrings.xml').decode() for f in sorted(glob.glob(sys.argv[1] + '/out/reports/*.xlsx'))))" "$1"
}
text=$(book_text "$d")
check "the workbook names the local norm that scored the values, as the clinic's own clients" \
    grep -qF "this clinic's own clients at their first valid administration (local norm 4;" <<<"$text"
check "and says it is not the general population" grep -qF "not the general population" <<<"$text"
check "its Summary shows T scores against it" grep -qF ">T score<" <<<"$text"

# The snapshot describes the values as the definitions in force compute them: its means are
# those of each client's first valid administration as stored now.
check "each snapshot mean is the mean of the clients' first valid administrations" python3 - "$d/qscore.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ok = True
for snap, inst, score, mean in c.execute(
        "SELECT n.id, n.instrument, s.score, s.mean FROM norm_snapshots n"
        " JOIN norm_snapshot_scores s ON s.snapshot = n.id"
        " WHERE n.id IN (SELECT max(id) FROM norm_snapshots GROUP BY instrument)"):
    rows = c.execute(
        "SELECT a.client, sc.value FROM administrations a JOIN scores sc ON sc.administration = a.id"
        " WHERE a.instrument = ? AND a.current = 1 AND sc.score = ? AND NOT EXISTS(SELECT 1 FROM"
        " flags f WHERE f.administration = a.id AND f.status = 'raised' AND f.flag IN"
        " ('invalid', 'careless')) ORDER BY a.client, a.administered IS NULL, a.administered,"
        " a.id", (inst, score)).fetchall()
    first, seen = [], set()
    for client, value in rows:
        if client not in seen:
            seen.add(client)
            if value is not None:
                first.append(value)
    if abs(sum(first) / len(first) - mean) > 1e-9:
        print(inst, score, mean, sum(first) / len(first))
        ok = False
sys.exit(0 if ok else 1)
PY

# The instrument's definition changes after a snapshot: it is no longer in force, and says so,
# until qscore norms --update makes one with the new definition.
cp "$TOP/instruments/sfcds.yaml" "$d/sfcds-local.yaml"
sed -i 's|instrument: sfcds$|instrument: sfcds-local.yaml|' "$d/clinic.yaml"
sed -i 's/^version: .*/version: "local-edit"/' "$d/sfcds-local.yaml"
run "$d" >/dev/null
check "a changed definition takes the snapshot out of force" \
    test "$(changes "$d" | awk -F'\t' '$3 == "sfcds" {print $20}' | sort -u)" = "sfcds's definition changed since local norm 6 was made: run 'qscore norms --update'"
"$QSCORE" norms -c "$d/clinic.yaml" --update >/dev/null
run "$d" >/dev/null
check "after qscore norms --update it is computable again" \
    test "$(changes "$d" | awk -F'\t' '$3 == "sfcds" && $16 == "not_computable"' | wc -l)" = 0

# Too few clients: no local norm yet, and the reason in words.
d="$WORK/small"
clinic "$d" 10
run "$d" >/dev/null
check "with 10 clients no local norm is made" test "$(grep -c 'event=local_norm_made' "$d/stderr.txt")" = 0
check "reliable change says why it is not computable" \
    test "$(changes "$d" | awk -F'\t' '$16 == "not_computable"' | cut -f20 | sort -u)" = "local norm needs 50 clients, has 10"
d="$WORK/small-min"
clinic "$d" 10 8
run "$d" >/dev/null
check "min_n 8 makes one from the same 10 clients" test "$(grep -c 'event=local_norm_made' "$d/stderr.txt")" = 3

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
