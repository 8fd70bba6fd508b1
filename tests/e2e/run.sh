#!/usr/bin/env bash
# run.sh - end-to-end tests of `qscore run`: idempotence, cumulative exports, edited responses,
# the writer lock, kills at many points, dry runs, and the reliable change index by hand.
# Usage: tests/e2e/run.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
. "$HERE/lib.sh"

# A fresh clinic folder: config, instrument, mapping; exports are added per test.
fresh() {
    local d="$WORK/$1"
    rm -rf "$d"
    mkdir -p "$d/drop"
    cp "$HERE/run/clinic.yaml" "$HERE/run/instrument.yaml" "$HERE/run/mapping.yaml" "$d/"
    echo "$d"
}

run() { # dir [env...] -> prints exit status; stderr to dir/stderr.txt
    local d=$1
    shift
    local st=0
    env "$@" "$QSCORE" run -c "$d/clinic.yaml" >"$d/stdout.txt" 2>"$d/stderr.txt" || st=$?
    echo "$st"
}

summary() { tail -n 1 "$1/stderr.txt"; }
dump() { "$QSCORE" dump -c "$1/clinic.yaml"; }

header="rid,client,date,Q1,Q2,Q3,Q4,Q5,Q6"
# Synthetic rows: R1/R2 are client C1 (baseline and follow-up), R3/R4 client C2, R5 client C3.
R1="R1,C1,2026-01-05,4,2,4,3,3,3"
R2="R2,C1,2026-02-05,3,4,3,2,2,2"
R3="R3,C2,2026-01-06,3,3,4,4,4,4"
R4="R4,C2,2026-02-06,4,3,4,4,4,5"
R5="R5,C3,2026-01-07,1,5,1,1,1,1"
R6_BAD="R6,C4,2026-01-08,9,1,1,1,1,1"

# 1. Two runs over the same files: the second ingests nothing and changes nothing.
d=$(fresh idempotent)
printf '%s\n' "$header" "$R1" "$R3" "$R5" "$R6_BAD" >"$d/drop/export-1.csv"
check "first run exits 1 (one quarantined row)" test "$(run "$d")" = 1
check "first run ingests 3 administrations" grep -q "1 ingested, 0 skipped, 0 failed; 3 new" "$d/stderr.txt"
check "the run logs the file's encoding" grep -q "event=file_ingested .*export-1.csv .*encoding=utf-8$" "$d/stderr.txt"
check "the quarantine names the bad row's line" grep -q '^.*export-1.csv,5,R6,Q1,9,item 1: answer is outside the scale 1..5$' "$d/state/out/quarantine-run1.csv"
dump "$d" >"$d/dump1.txt"
check "second run exits 0" test "$(run "$d")" = 0
check "second run skips the file" grep -q "1 files seen, 0 ingested, 1 skipped, 0 failed; 0 new, 0 changed, 0 unchanged" "$d/stderr.txt"
dump "$d" >"$d/dump2.txt"
check "the store is unchanged by the second run" cmp -s "$d/dump1.txt" "$d/dump2.txt"
cp "$d/drop/export-1.csv" "$d/drop/renamed-copy.csv"
run "$d" >/dev/null
check "a renamed copy is known by its SHA-256" grep -q "2 files seen, 0 ingested, 2 skipped" "$d/stderr.txt"
check "the store, dumped, is 0600" test "$(stat -c %a "$d/state/qscore.db")" = 600

# 2. A cumulative export adds only its new rows; responses missing from it are kept.
d=$(fresh cumulative)
printf '%s\n' "$header" "$R1" "$R3" >"$d/drop/export-day1.csv"
run "$d" >/dev/null
printf '%s\n' "$header" "$R1" "$R2" "$R4" "$R5" >"$d/drop/export-day2.csv" # R3 left out
check "cumulative run exits 0" test "$(run "$d")" = 0
check "cumulative export adds only the new rows" grep -q "3 new, 0 changed, 1 unchanged" "$d/stderr.txt"
check "a response left out of a later export is kept" grep -q $'^main\te2e\tR3\t1\t1\tC2' <(dump "$d")

# 3. An edited response becomes version 2; version 1 is kept, not current.
R2_EDITED="R2,C1,2026-02-05,3,4,2,2,2,2"
printf '%s\n' "$header" "$R1" "$R2_EDITED" "$R4" "$R5" >"$d/drop/export-day3.csv"
run "$d" >/dev/null
check "the edit is counted as changed" grep -q "0 new, 1 changed, 3 unchanged" "$d/stderr.txt"
check "version 1 is kept and no longer current" grep -q $'^main\te2e\tR2\t1\t0\tC1' <(dump "$d")
check "version 2 is current" grep -q $'^main\te2e\tR2\t2\t1\tC1' <(dump "$d")

# 4. A second run while one holds the store is refused at once, with its own status.
d=$(fresh locked)
printf '%s\n' "$header" "$R1" >"$d/drop/export-1.csv"
run "$d" >/dev/null
st=$( (flock -n 9 && run "$d") 9>"$d/state/qscore.db.lock")
check "a concurrent run exits 4" test "$st" = 4
check "it says another run holds the store" grep -q "another qscore run holds the store" "$d/stderr.txt"

# 5. Dry run: shows what would be ingested and writes nothing.
d=$(fresh dry)
printf '%s\n' "$header" "$R1" "$R3" >"$d/drop/export-1.csv"
"$QSCORE" run -c "$d/clinic.yaml" --dry-run >/dev/null 2>"$d/stderr.txt"
check "dry run reports the file" grep -q "event=file_would_ingest" "$d/stderr.txt"
check "dry run creates no store" test ! -e "$d/state/qscore.db"
check "dry run creates no output folder" test ! -e "$d/state/out"
run "$d" >/dev/null
dump "$d" >"$d/before.txt"
printf '%s\n' "$header" "$R5" >"$d/drop/export-2.csv"
"$QSCORE" run -c "$d/clinic.yaml" --dry-run >/dev/null 2>"$d/stderr.txt"
check "a dry run over a store skips what it holds" grep -q "event=file_skipped.*export-1.csv" "$d/stderr.txt"
check "and shows what it would ingest" grep -q "event=file_would_ingest.*export-2.csv" "$d/stderr.txt"
check "a dry run leaves the store as it was" cmp -s "$d/before.txt" <(dump "$d")

# 6. The reliable change index, by hand (Jacobson & Truax 1991). Score A is a sum of 3 items
# (item 2 reversed: 6 - x), norm SD 2, test-retest r .80, lower is better.
#   S_diff = sqrt(2) * 2 * sqrt(1 - .8) = 1.2649110640673518
#   C1: R1 A = 4 + (6-2) + 4 = 12, R2 A = 3 + (6-4) + 3 = 8: change -4,
#       RCI = -4 / 1.2649110640673518 = -3.1622776601683795 -> reliable improvement;
#       clinical cutoff c = (2*6 + 2*12) / (2 + 2) = 9: 12 -> 8 crosses it -> recovered.
#   C2: R3 A = 3 + 3 + 4 = 10, R4 A = 4 + 3 + 4 = 11: RCI = 0.7905694150420949 -> no change.
d=$(fresh rci)
printf '%s\n' "$header" "$R1" "$R2" "$R3" "$R4" >"$d/drop/export-1.csv"
run "$d" >/dev/null
dump "$d" >"$d/dump.txt"
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-12) }'; }
changes_of() { awk '/^## changes$/{a=1;next} /^## /{a=0} a' "$1"; }
c1=$(changes_of "$d/dump.txt" | grep -P '^main\tC1\te2e\tA\t')
c2=$(changes_of "$d/dump.txt" | grep -P '^main\tC2\te2e\tA\t')
check "C1's baseline and latest are R1 and R2" test "$(cut -f6,8 <<<"$c1")" = $'R1\tR2'
check "C1's change is -4" test "$(cut -f12 <<<"$c1")" = "-4"
check "C1's RCI matches the hand computation" near "$(cut -f14 <<<"$c1")" -3.1622776601683795
check "C1 improved reliably (lower is better)" test "$(cut -f16 <<<"$c1")" = reliable_improvement
check "C1 recovered (crossed c = 9)" test "$(cut -f18,19 <<<"$c1")" = $'recovered\t9'
check "C2's RCI matches the hand computation" near "$(cut -f14 <<<"$c2")" 0.7905694150420949
check "C2 shows no reliable change" test "$(cut -f16 <<<"$c2")" = no_reliable_change
check "B is not in the norm: RCI not computable, with the reason" grep -qP '^main\tC1\te2e\tB\t.*\tnot_computable\tnot_computable\tnot_computable\t\\N\tthe norm gives no SD for this score$' "$d/dump.txt"

# 7. Killed at many points (SIGKILL at crash points spread over a run), then run again: the
# store must hold exactly what one clean run produces.
d=$(fresh kill-clean)
for f in 1 2 3 4 5; do
    {
        echo "$header"
        for i in $(seq 1 6); do
            echo "R$f-$i,C$i,2026-0$f-1$i,$(((f + i) % 5 + 1)),$(((f * i) % 5 + 1)),3,2,4,$((i % 5 + 1))"
        done
        [ "$f" = 3 ] && echo "R$f-bad,C9,2026-03-19,7,1,1,1,1,1"
    } >"$d/drop/export-$f.csv"
done
exports="$d/drop"
st=$(run "$d" QSCORE_TEST_CRASH_AT=count)
total=$(sed -n 's/.*crash points passed: //p' "$d/stderr.txt")
dump "$d" | sed "s#$d#DIR#g" >"$WORK/clean-dump.txt"
check "the clean run passes at least 40 crash points" test "${total:-0}" -ge 40
kills=0
same=0
for k in $(awk -v t="${total:-0}" 'BEGIN { for (i = 1; i <= 24; i++) printf "%d ", int(1 + (t - 1) * (i - 1) / 23) }'); do
    k_dir=$(fresh "kill-$k")
    cp "$exports"/*.csv "$k_dir/drop/"
    st=$(run "$k_dir" QSCORE_TEST_CRASH_AT="$k")
    [ "$st" = 137 ] && kills=$((kills + 1))
    st=$(run "$k_dir")
    dump "$k_dir" | sed "s#$k_dir#DIR#g" >"$k_dir/dump.txt"
    # The planted bad row is in exactly one quarantine file (the run that ingested its file,
    # or the killed run's, written by the next run).
    bad=$(cat "$k_dir"/state/out/quarantine-run*.csv 2>/dev/null | grep -c ',R3-bad,' || true)
    if cmp -s "$k_dir/dump.txt" "$WORK/clean-dump.txt" && [ "$bad" = 1 ]; then
        same=$((same + 1))
    else
        echo "kill at crash point $k: store or quarantine differs (diff $k_dir/dump.txt $WORK/clean-dump.txt)" >&2
    fi
done
check "24 runs were killed (SIGKILL)" test "$kills" = 24
check "after each kill, one more run gives the clean store and the quarantine" test "$same" = 24

# 8. Workbooks: written after the run, one per therapist, names sanitised, mode 0600, and the
# same store gives byte-identical files.
d=$(fresh reports)
cat >"$d/mapping.yaml" <<'YAML'
response_id: rid
client_id: client
administered: date
therapist: therapist
YAML
{
    echo "$header,therapist"
    echo "$R1,T-A"
    echo "$R2,T-A"
    echo "$R3,../../etc/T-B"
    echo 'R7,"=HYPERLINK(""http://x"",""y"")",2026-01-09,5,1,5,1,1,1,T-A'
    echo "R8,C5,2026-01-10,2,2,2,2,2,2,T A B" # "T A B" and "T A/B" sanitise alike
    echo "R9,C6,2026-01-11,3,3,3,3,3,3,T A/B"
} >"$d/drop/export-1.csv"
run "$d" >/dev/null
check "the run prints the workbook paths" grep -q "state/out/reports/therapist-T-A.xlsx" "$d/stdout.txt"
check "a therapist name cannot climb out of the reports folder" test -f "$d/state/out/reports/therapist-etc_T-B.xlsx"
check "nothing was written outside it" test ! -e "$d/etc"
check "workbooks are mode 0600" test "$(stat -c %a "$d/state/out/reports/therapist-T-A.xlsx")" = 600
# The copy is compared with a workbook the report writes anew: the old one is removed first
# and the report's status checked, so a report that fails cannot pass by leaving it in place.
mv "$d/state/out/reports/therapist-T-A.xlsx" "$d/first.xlsx"
st=0
"$QSCORE" report -c "$d/clinic.yaml" >/dev/null 2>&1 || st=$?
check "qscore report succeeds" test "$st" = 0
check "the same store gives a byte-identical workbook" cmp -s "$d/first.xlsx" "$d/state/out/reports/therapist-T-A.xlsx"
st=0
"$QSCORE" report -c "$d/clinic.yaml" --therapist T-A -o "$d/only" >/dev/null 2>&1 || st=$?
check "qscore report --therapist succeeds" test "$st" = 0
check "--therapist writes only that workbook" test "$(ls "$d/only")" = "therapist-T-A.xlsx"
check "names that sanitise alike are numbered" test -f "$d/state/out/reports/therapist-T_A_B-2.xlsx"
st=0
"$QSCORE" report -c "$d/clinic.yaml" --therapist "T A/B" -o "$d/only-ab" >/dev/null 2>&1 || st=$?
check "qscore report of a name with a slash succeeds" test "$st" = 0
check "a filtered report names the file as a full one does" test "$(ls "$d/only-ab")" = "therapist-T_A_B-2.xlsx"
check "and writes the same workbook into it" cmp -s "$d/only-ab/therapist-T_A_B-2.xlsx" "$d/state/out/reports/therapist-T_A_B-2.xlsx"

# 9. Without a response id column, rows are told apart by client and date: a second row of
# one file with the same client and date is quarantined, never stored as a new version.
d=$(fresh no-id)
printf 'client_id: client\nadministered: date\n' >"$d/mapping.yaml"
{
    echo "client,date,Q1,Q2,Q3,Q4,Q5,Q6"
    echo "C1,2026-01-05,4,2,4,3,3,3"
    echo "C1,2026-01-05,3,4,3,2,2,2"
    echo "C2,2026-01-05,3,3,4,4,4,4"
} >"$d/drop/export-1.csv"
check "a repeated client and date exits 1 (quarantined)" test "$(run "$d")" = 1
check "the first row is stored, the repeat is not a changed version" grep -q "2 new, 0 changed, 0 unchanged administrations; 1 rows quarantined" "$d/stderr.txt"
check "the quarantine says why" grep -q '^.*export-1.csv,3,3,date,2026-01-05,"same client and date as line 2, which was scored: map a response id column to tell them apart"$' "$d/state/out/quarantine-run1.csv"
check "the stored version is the first row's" grep -qP '^main\te2e\tclient:C1\|date:2026-01-05\t1\t1\tC1\t.*\t4,2,4,3,3,3\t' <(dump "$d")

# 10. A killed run's quarantine is written by the next run, once: deleted afterwards, it stays
# deleted. Killed at the crash point before the last (after the file's commit, before the
# run wrote its quarantine), so the killed run holds the only quarantined row.
d=$(fresh recovered)
printf '%s\n' "$header" "$R1" "$R6_BAD" >"$d/drop/export-1.csv"
run "$d" QSCORE_TEST_CRASH_AT=count >/dev/null
points=$(sed -n 's/.*crash points passed: //p' "$d/stderr.txt")
rm -rf "$d/state"
check "the run is killed after its file's commit" test "$(run "$d" QSCORE_TEST_CRASH_AT=$((points - 1)))" = 137
check "it left no quarantine file" test ! -e "$d/state/out/quarantine-run1.csv"
run "$d" >/dev/null
check "the next run writes the killed run's quarantine" grep -q ',R6,Q1,9,' "$d/state/out/quarantine-run1.csv"
check "and says so" grep -q "event=quarantine_recovered killed_run=1" "$d/stderr.txt"
rm "$d/state/out/quarantine-run1.csv"
run "$d" >/dev/null
check "a deleted recovered quarantine is not written again" test ! -e "$d/state/out/quarantine-run1.csv"
check "nor announced again" test "$(grep -c quarantine_recovered "$d/stderr.txt")" = 0

# 11. A log file that cannot be opened is said on stderr; the run goes on.
d=$(fresh no-log)
printf '%s\n' "$header" "$R1" >"$d/drop/export-1.csv"
mkdir -p "$d/state/out/qscore.log" # a folder where the log file should be
check "a run without its log file still succeeds" test "$(run "$d")" = 0
check "and says the log could not be opened" grep -q "cannot open the log '.*/state/out/qscore.log': Is a directory; events go to stderr only" "$d/stderr.txt"
check "the events still reach stderr" grep -q "event=run_finished status=ok" "$d/stderr.txt"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
