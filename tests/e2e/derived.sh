#!/usr/bin/env bash
# derived.sh - end-to-end tests of issue 12's first point: the stored answers are the record;
# scores, validity, flags and change are derived from them and the definitions in force, and
# recomputed when those change (never as a new version), or with --rescore. Also the migration
# to schema 4 of a store built by the previous release (schema 3).
# Usage: tests/e2e/derived.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
. "$HERE/lib.sh"

fresh() {
    local d="$WORK/$1"
    rm -rf "$d"
    mkdir -p "$d/drop"
    cp "$HERE/run/clinic.yaml" "$HERE/run/instrument.yaml" "$HERE/run/mapping.yaml" "$d/"
    echo "$d"
}
run() { # dir [args...] -> prints the exit status; stderr in dir/stderr.txt
    local d=$1
    shift
    local st=0
    "$QSCORE" run -c "$d/clinic.yaml" "$@" >"$d/stdout.txt" 2>"$d/stderr.txt" || st=$?
    echo "$st"
}
dump() { "$QSCORE" dump -c "$1/clinic.yaml"; }
section() { # dump section name
    awk -v s="## $2" '$0 == s {a=1; next} /^## /{a=0} a' <<<"$(dump "$1")"
}

header="rid,client,date,Q1,Q2,Q3,Q4,Q5,Q6"
d=$(fresh norm)
printf '%s\n' "$header" "R1,C1,2026-01-05,4,2,4,3,3,3" "R2,C1,2026-02-05,3,4,3,2,2,2" \
    "R3,C2,2026-01-06,3,3,4,4,4,4" >"$d/drop/export.csv"
check "the first run stores three administrations" test "$(run "$d")" = 0
versions=$(section "$d" administrations | cut -f1-5)
check "with T scores against the chosen norm" grep -qP '^main\te2e\tR1\t1\tA\t12\t3\t3\t1.5\t65\t' <(section "$d" scores)
check "a second run recomputes nothing" test "$(run "$d")" = 0
check "and says nothing of it" test "$(grep -c 'event=rescored' "$d/stderr.txt")" = 0

# The norm in force changes: every administration of the instrument is recomputed.
sed -i 's/^  e2e: pop$/  e2e: clin/' "$d/clinic.yaml"
grep -q "e2e: clin" "$d/clinic.yaml"
check "a run after the norm changes succeeds" test "$(run "$d")" = 0
check "it recomputes the three, saying the norm changed" grep -q "event=rescored instrument=e2e rescored=3 not_rescorable=0 reason=norm_changed" "$d/stderr.txt"
check "the T scores follow the new norm (mean 12, SD 2)" grep -qP '^main\te2e\tR1\t1\tA\t12\t3\t3\t0\t50\t' <(section "$d" scores)
check "the administrations record the norm that made them" test "$(section "$d" administrations | cut -f16 | sort -u)" = clin
check "no version was added or changed" test "$(section "$d" administrations | cut -f1-5)" = "$versions"
check "the change rows follow too" grep -qP '^main\tC1\te2e\tA\t2\t' <(section "$d" changes)

# The instrument definition changes (a flag's cutoff): recomputed, flags follow.
before_flags=$(section "$d" flags)
sed -i 's/rule: A >= 12,/rule: A >= 10,/' "$d/instrument.yaml"
check "a run after the definition changes succeeds" test "$(run "$d")" = 0
check "it recomputes, saying the instrument changed" grep -q "event=rescored instrument=e2e rescored=3 .*reason=instrument_changed" "$d/stderr.txt"
check "the flag follows the new cutoff" test "$(section "$d" flags | grep -c high-a)" = 2
check "where it was raised once before" test "$(grep -c high-a <<<"$before_flags")" = 1
check "still no version added" test "$(section "$d" administrations | cut -f1-5)" = "$versions"

# The clinic's settings change (overrides): recomputed, saying so; flags follow them.
python3 - "$d/instrument.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("flags:\n", "cutoffs:\n  a_high: {value: 10, local_default: true}\nflags:\n", 1)
s = s.replace("rule: A >= 10,", "rule: A >= a_high,")
open(p, "w").write(s)
PY
check "a named cutoff with the same value changes the definition, not a flag" test "$(run "$d")" = 0
check "(recomputed as an instrument change)" grep -q "reason=instrument_changed" "$d/stderr.txt"
check "the flag stays where it was" test "$(section "$d" flags | grep -c high-a)" = 2
printf 'overrides:\n  e2e:\n    cutoffs: {a_high: 12}\n' >>"$d/clinic.yaml"
check "a run after the clinic's cutoff changes succeeds" test "$(run "$d")" = 0
check "it recomputes, saying the overrides changed" grep -q "event=rescored instrument=e2e rescored=3 .*reason=overrides_changed" "$d/stderr.txt"
check "the flag follows the clinic's cutoff" test "$(section "$d" flags | grep -c high-a)" = 1
printf '    flags: {high-a: {enabled: false}}\n' >>"$d/clinic.yaml"
check "a flag the clinic turns off" test "$(run "$d")" = 0
check "is raised on no administration after the recompute" test "$(section "$d" flags | grep -c high-a)" = 0
check "and still no version added" test "$(section "$d" administrations | cut -f1-5)" = "$versions"

# Two sources loading different files of one instrument id would score each other's
# administrations on every run: refused, saying why.
d2=$(fresh two-defs)
printf '%s\n' "$header" "R1,C1,2026-01-05,4,2,4,3,3,3" >"$d2/drop/export.csv"
cp "$d2/instrument.yaml" "$d2/instrument2.yaml"
sed -i 's/rule: A >= 12,/rule: A >= 11,/' "$d2/instrument2.yaml"
printf '  - id: e2e-b\n    files: "drop/*.csv"\n    instrument: instrument2.yaml\n    mapping: mapping.yaml\n' >"$d2/extra.yaml"
python3 - "$d2/clinic.yaml" "$d2/extra.yaml" <<'PY'
import sys
p, extra = sys.argv[1], open(sys.argv[2]).read()
s = open(p).read()
s = s.replace("norms:", extra + "norms:", 1)
open(p, "w").write(s)
PY
check "two definitions of one instrument id are refused (exit 2)" test "$(run "$d2")" = 2
check "saying which sources" grep -q "sources 'e2e' and 'e2e-b' load instrument 'e2e' from files that differ" "$d2/stderr.txt"

# --rescore forces a recompute of everything; the same definitions give the same store.
dump "$d" >"$d/before.txt"
check "--rescore succeeds" test "$(run "$d" --rescore)" = 0
check "it recomputes every administration, saying it was asked" grep -q "event=rescored instrument=e2e rescored=3 .*reason=forced" "$d/stderr.txt"
check "and says so in the summary" grep -q "3 administrations recomputed" "$d/stderr.txt"
check "the store is the same after it" cmp -s "$d/before.txt" <(dump "$d")

# A store built by the previous release (schema 3) migrates, and its derived values,
# recomputed once by the first run, are the same.
d="$WORK/schema3"
rm -rf "$d"
mkdir -p "$d/state"
cp "$HERE"/run/*.yaml "$d/"
cp "$HERE/schema3/qscore.db" "$d/state/qscore.db"
sed -i 's|files: "drop/\*.csv"|files: "nothing/*.csv"|' "$d/clinic.yaml"
check "a run over a schema-3 store migrates it" test "$(run "$d")" = 0
check "recomputing what it stored before fingerprints" grep -q "event=rescored instrument=e2e rescored=4 .*reason=made_before_fingerprints" "$d/stderr.txt"
check "its dump, but for the schema line, is the previous release's" \
    cmp -s <(sed 1d "$HERE/schema3/dump.txt") <(dump "$d" | sed -e 1d -e "/^## change sources/,\$d")
check "the next run recomputes nothing" test "$(run "$d")" = 0
check "and says nothing of it" test "$(grep -c 'event=rescored' "$d/stderr.txt")" = 0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
