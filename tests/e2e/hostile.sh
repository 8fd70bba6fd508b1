#!/usr/bin/env bash
# hostile.sh - inputs that are not files, leftovers of killed runs, and the messages of issue 14:
# a FIFO, /dev/zero and a /proc symlink are refused at once; a run sweeps old temporaries; an
# unknown --therapist/--group, a read-only store, a bidi control in a name and a non-YAML mapping
# each get their message; workbooks are written under the store's lock (a report waits for a run
# and exits 4 after QSCORE_LOCK_WAIT seconds; a run exits 4 while another writes its workbooks).
# (A full disk is not simulated here: a file size limit truncates
# libxlsxwriter's unchecked temporary parts before the zip write that reports the error.)
# Usage: tests/e2e/hostile.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(realpath "$WORK")
cd "$WORK" # qscore score writes its quarantine file beside
. "$HERE/lib.sh"
INST="$HERE/run/instrument.yaml"

# st CMD...: the exit status of CMD (never failing the script); stderr to $WORK/err.txt.
st() {
    local s=0
    "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || s=$?
    echo "$s"
}
says() { grep -qF -- "$1" "$WORK/err.txt"; }
# fast CMD...: CMD ends within 5 s (timeout), and within a second of wall time.
fast() {
    local t0 t1
    t0=$(date +%s%N)
    timeout 5 "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || [ $? -ne 124 ]
    t1=$(date +%s%N)
    [ $(((t1 - t0) / 1000000)) -lt 1000 ]
}

# ---- only regular files are read ----
mkfifo "$WORK/fifo.csv"
ln -s /proc/self/pagemap "$WORK/pagemap.csv"
for f in /dev/zero "$WORK/fifo.csv" "$WORK/pagemap.csv" "$WORK"; do
    check "score $f ends at once" fast "$QSCORE" score -i "$INST" -m "$HERE/run/mapping.yaml" "$f"
    check "score $f says not a regular file" says "not a regular file"
    check "and not 'Invalid argument'" bash -c "! grep -q 'Invalid argument' '$WORK/err.txt'"
done
check "score -i FIFO says not a regular file" fast "$QSCORE" score -i "$WORK/fifo.csv" /dev/null
check "(instrument)" says "cannot open '$WORK/fifo.csv': not a regular file"
check "score -m /dev/zero ends at once" fast "$QSCORE" score -i "$INST" -m /dev/zero "$WORK/x.csv"
check "(mapping)" says "not a regular file"
echo "rid,client,date,Q1" | "$QSCORE" score -i "$INST" -m "$HERE/run/mapping.yaml" - \
    >/dev/null 2>&1 || true # standard input stays allowed (its content is another matter)

# A drop folder holding a FIFO and a /proc symlink: the run ends at once, the files refused.
d="$WORK/clinic"
mkdir -p "$d/drop"
cp "$HERE/run/clinic.yaml" "$HERE/run/instrument.yaml" "$d/"
printf 'response_id: rid\nclient_id: client\ntherapist: therapist\nadministered: date\n' \
    >"$d/mapping.yaml"
printf 'rid,client,therapist,date,Q1,Q2,Q3,Q4,Q5,Q6\n' >"$d/drop/a.csv"
printf 'R1,C1,T-A,2026-01-05,4,2,4,3,3,3\nR2,C2,T-\xe2\x80\xaeB,2026-01-06,3,3,4,4,4,4\n' \
    >>"$d/drop/a.csv"
mkfifo "$d/drop/b.csv"
ln -s /proc/self/pagemap "$d/drop/c.csv"
check "a run over a FIFO and a /proc symlink ends at once" fast "$QSCORE" run -c "$d/clinic.yaml"
check "and refuses them as not regular files" says "not a regular file"
rm "$d/drop/b.csv" "$d/drop/c.csv"

# ---- temporaries of killed runs are swept at the start of a run ----
mkdir -p "$d/state/out/reports"
touch -d '2 hours ago' "$d/state/out/reports/.therapist-T-A.xlsx.tmp.AbC123" \
    "$d/state/out/.quarantine-run1.csv.tmp.zzZZ09"
touch -d '2 hours ago' "$d/state/out/reports/.notes.txt" # not ours: kept
s=$(st "$QSCORE" run -c "$d/clinic.yaml")
check "a run after killed ones succeeds ($s)" [ "$s" -le 1 ]
check "its leftover temporaries are gone" \
    bash -c "! ls -A '$d/state/out' '$d/state/out/reports' | grep -q '\.tmp\.'"
check "other files stay" test -f "$d/state/out/reports/.notes.txt"
check "the log counts them" grep -q "event=temp_swept count=2" "$d/state/out/qscore.log"

# ---- a bidi control never reaches a workbook's file name ----
check "the workbooks were written" test -f "$d/state/out/reports/therapist-T-A.xlsx"
check "U+202E is not in any file name" \
    bash -c "! ls '$d/state/out/reports' | grep -q \$'\\xe2\\x80\\xae'"
check "the name is kept without it (removed, not replaced)" test -f "$d/state/out/reports/therapist-T-B.xlsx"

# ---- an unknown --therapist or --group ----
check "report --therapist NOSUCH exits 2" [ "$(st "$QSCORE" report -c "$d/clinic.yaml" \
    --therapist NOSUCH)" = 2 ]
check "and says so" says "--therapist 'NOSUCH': the store holds no administration of this therapist"
cp "$d/clinic.yaml" "$d/by-group.yaml"
printf 'reports:\n  group_by: group\n' >>"$d/by-group.yaml"
check "report --group NOSUCH exits 2" [ "$(st "$QSCORE" report -c "$d/by-group.yaml" \
    --group NOSUCH)" = 2 ]
check "and says so" says "--group 'NOSUCH': the store holds no administration of this group"
check "report --therapist T-A still works" [ "$(st "$QSCORE" report -c "$d/clinic.yaml" \
    --therapist T-A)" = 0 ]

# ---- report -o DIR sweeps what a killed report left there; paper in any case ----
mkdir -p "$d/elsewhere"
echo partial >"$d/elsewhere/.therapist-T-A.xlsx.tmp.AbC123"
touch -d '1 hour ago' "$d/elsewhere/.therapist-T-A.xlsx.tmp.AbC123"
check "report -o DIR works" [ "$(st "$QSCORE" report -c "$d/clinic.yaml" -o "$d/elsewhere")" = 0 ]
check "and removes a killed report's temporary there" \
    test ! -e "$d/elsewhere/.therapist-T-A.xlsx.tmp.AbC123"
cp "$d/clinic.yaml" "$d/a4.yaml"
printf 'reports:\n  paper: A4\n' >>"$d/a4.yaml"
check "paper: A4 (upper case) is accepted" [ "$(st "$QSCORE" report -c "$d/a4.yaml" -o "$d/a4")" = 0 ]

# ---- a full report removes the workbooks it no longer writes, and nothing else ----
R="$d/state/out/reports"
echo stale >"$R/therapist-GONE.xlsx"
echo mine >"$R/notes.xlsx"
ln -sf "$d/clinic.yaml" "$R/therapist-LINK.xlsx"
check "a full report works" [ "$(st "$QSCORE" report -c "$d/clinic.yaml")" = 0 ]
check "it removes a therapist's workbook no client names any more" test ! -e "$R/therapist-GONE.xlsx"
check "and says so" says "removed $R/therapist-GONE.xlsx"
check "other files and links stay" bash -c "test -f '$R/notes.xlsx' && test -L '$R/therapist-LINK.xlsx'"
check "the current workbooks stay" test -s "$R/therapist-T-A.xlsx"
echo stale >"$R/therapist-GONE.xlsx"
check "a filtered report removes nothing" [ "$(st "$QSCORE" report -c "$d/clinic.yaml" --therapist T-A)" = 0 ]
check "so the other workbook is still there" test -e "$R/therapist-GONE.xlsx"
rm -f "$R/therapist-LINK.xlsx" "$R/notes.xlsx" "$R/therapist-GONE.xlsx"

# ---- a store with nothing to show says so ----
mkdir -p "$d/none/exports"
sed -e "s|^store:.*|store: $d/none/qscore.db|" -e "s|^output:.*|output: $d/none/out|" \
    -e "s|files: .*|files: \"$d/none/exports/*.csv\"|" "$d/clinic.yaml" >"$d/none.yaml"
check "a run on no exports exits 0" [ "$(st "$QSCORE" run -c "$d/none.yaml")" = 0 ]
check "and says no workbook was written" says "no workbook written: the store holds no administration"

# ---- the WAL stays 0600 after a run on a read-only store ----
chmod 0400 "$d/state/qscore.db"
"$QSCORE" status -c "$d/clinic.yaml" >/dev/null 2>&1 || true
"$QSCORE" run -c "$d/clinic.yaml" >/dev/null 2>&1 || true
for f in "$d/state/qscore.db-wal" "$d/state/qscore.db-shm"; do
    [ -e "$f" ] && check "$(basename "$f") is 0600" [ "$(stat -c %a "$f")" = 600 ]
done
chmod 0600 "$d/state/qscore.db"

# ---- a mapping that is not YAML never has its text echoed ----
printf 'root_$6$saltsaltsalt$hashhashhashhashhashhashhashhashhash: 19000\nPATIENT: x\n' \
    >"$WORK/shadow"
s=$(st "$QSCORE" score -i "$INST" -m "$WORK/shadow" "$WORK/x.csv")
check "a non-YAML mapping is refused ($s)" [ "$s" = 2 ]
check "without its text" bash -c "! grep -q 'saltsalt\|hashhash' '$WORK/err.txt'"
check "naming the place" says "bytes, not shown: not a key name"
check "a short key name is still named" says "unknown key 'PATIENT'"

# ---- workbooks are written under the store's lock: a stale report can't replace a newer one ----
lock="$d/state/qscore.db.lock"
# wait_held: until something else holds the store's lock (at most 5 s).
wait_held() {
    local i
    for i in $(seq 50); do
        flock -n "$lock" true || return 0
        sleep 0.1
    done
    return 1
}
# A run holds the store (flock on its lock file, as `qscore run` does): report waits
# QSCORE_LOCK_WAIT seconds, says so once, then exits 4 without touching a workbook.
wb="$d/state/out/reports/therapist-T-A.xlsx"
before=$(stat -c %Y.%i "$wb")
flock "$lock" sleep 8 &
holder=$!
check "the test holds the lock" wait_held
t0=$(date +%s%N)
s=$(st env QSCORE_LOCK_WAIT=2 "$QSCORE" report -c "$d/clinic.yaml")
t1=$(date +%s%N)
check "report while a run holds the store exits 4 ($s)" [ "$s" = 4 ]
ms=$(((t1 - t0) / 1000000))
check "after waiting about 2 s ($ms ms)" [ "$ms" -ge 1900 -a "$ms" -lt 4000 ]
check "saying it waits, once" [ "$(grep -c 'waiting for the run holding the store' "$WORK/err.txt")" = 1 ]
check "and that the run holds it" says "another qscore run holds the store"
check "no workbook was written" [ "$(stat -c %Y.%i "$wb")" = "$before" ]
check "nothing on stdout" [ ! -s "$WORK/out.txt" ]
check "a run meanwhile exits 4 at once" fast "$QSCORE" run -c "$d/clinic.yaml"
check "(status 4)" [ "$(st "$QSCORE" run -c "$d/clinic.yaml")" = 4 ]
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
# A report that finds the store held writes once the run lets go.
flock "$lock" sleep 1 &
holder=$!
check "the test holds the lock again" wait_held
s=$(st env QSCORE_LOCK_WAIT=10 "$QSCORE" report -c "$d/clinic.yaml")
check "report waits for the run and then writes ($s)" [ "$s" = 0 ]
check "(it waited)" says "waiting for the run holding the store"
check "(it wrote)" grep -qF "therapist-T-A.xlsx" "$WORK/out.txt"
wait "$holder" 2>/dev/null || true
# A real run keeps the lock through its reports step (QSCORE_TEST_REPORTS_PAUSE pauses it there,
# after the store is done): a second run exits 4, and so does a report that does not wait.
printf 'R3,C3,T-A,2026-01-07,4,4,4,4,4,4\n' >>"$d/drop/a.csv"
finished() { grep -c "event=run_finished" "$d/state/out/qscore.log" || true; }
runs=$(finished)
QSCORE_TEST_REPORTS_PAUSE=3 "$QSCORE" run -c "$d/clinic.yaml" >"$WORK/run1.out" 2>"$WORK/run1.err" &
first=$!
for i in $(seq 50); do # until its store work is done (the log's run_finished event)
    [ "$(finished)" -gt "$runs" ] && break
    sleep 0.1
done
check "the first run finished its store work" [ "$(finished)" -gt "$runs" ]
check "the first run is in its reports step, holding the lock" wait_held
check "a second run then exits 4" [ "$(st "$QSCORE" run -c "$d/clinic.yaml")" = 4 ]
check "(it says why)" says "another qscore run holds the store"
check "a report that does not wait exits 4" \
    [ "$(st env QSCORE_LOCK_WAIT=0 "$QSCORE" report -c "$d/clinic.yaml")" = 4 ]
s=0
wait "$first" || s=$?
check "the first run ends well ($s)" [ "$s" -le 1 ]
check "and writes its workbooks" grep -qF "therapist-T-A.xlsx" "$WORK/run1.out"
check "then the lock is free" flock -n "$lock" true

echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
