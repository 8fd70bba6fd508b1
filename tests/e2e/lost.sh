#!/usr/bin/env bash
# lost.sh - end-to-end tests of issue 10, "nothing lost": every row of every export is stored,
# or stays visibly pending until a fix lets it through. Dates without date_format, replay of
# quarantined rows after a mapping fix, bundled exports feeding two sources, file identity
# (A -> B -> A, same-second same-size edits), a quarantine file that cannot be written, a store
# that is not a store, the migration of stores built by earlier releases (schema 2, schema 4),
# and whose workbook counts an open quarantined row (a therapist's, a client's, or nobody's).
# Usage: tests/e2e/lost.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
. "$HERE/lib.sh"

fresh() { # name [config] -> a clinic folder
    local d="$WORK/$1"
    rm -rf "$d"
    mkdir -p "$d/drop"
    cp "$HERE"/lost/*.yaml "$d/"
    if [ -n "${2:-}" ]; then cp "$d/$2" "$d/clinic.yaml"; fi
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
status() { "$QSCORE" status -c "$1/clinic.yaml"; }
status_has() { # dir pattern (the output captured first: grep -q may stop reading early)
    local out
    out=$(status "$1")
    grep -q "$2" <<<"$out"
}
open_rows() { status "$1" | sed -n 's/^quarantined: *\([0-9]*\) rows.*/\1/p'; }
book_text() { # the shared strings of a clinic's workbooks
    python3 -c "import zipfile,sys,glob; print(''.join(zipfile.ZipFile(f).read('xl/sharedStrings.xml').decode() for f in sorted(glob.glob(sys.argv[1] + '/state/out/reports/*.xlsx'))))" "$1"
}
book_has() {
    local t
    t=$(book_text "$1")
    grep -qF "$2" <<<"$t"
}
book_lacks() {
    local t
    t=$(book_text "$1")
    ! grep -qF "$2" <<<"$t"
}
qcols() { # dir cols... [--all]: the named columns of `qscore quarantine`, comma-joined, sorted
    local d=$1
    shift
    "$QSCORE" quarantine -c "$d/clinic.yaml" | python3 -c "import csv,sys; r=list(csv.DictReader(sys.stdin)); print('\n'.join(sorted(set(','.join(x[c] for c in sys.argv[1:]) for x in r))))" "$@"
}
admin_dates() { dump "$1" | awk -F'\t' '/^## administrations/{a=1;next} /^## /{a=0} a{print $3"="$11}'; }
# The workbooks' Summary A4 (the line above the table) is read with openpyxl: Debian's
# python3-openpyxl belongs to /usr/bin/python3. Without it those checks are skipped, or fail when
# QSCORE_TEST_REQUIRE names openpyxl (CI).
PY=
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import openpyxl' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    case ",${QSCORE_TEST_REQUIRE:-}," in
    *,openpyxl,*)
        fail=$((fail + 1))
        echo "FAIL: openpyxl is required (QSCORE_TEST_REQUIRE) but not available" >&2
        ;;
    *) echo "SKIP: python3-openpyxl not available: the Summary's A4 checks did not run" >&2 ;;
    esac
fi
a4() { # dir therapist: the Summary's A4 of the therapist's workbook
    "$PY" -c "import openpyxl,sys; print(openpyxl.load_workbook(sys.argv[1])['Summary']['A4'].value or '')" \
        "$1/state/out/reports/therapist-$2.xlsx"
}
a4_starts() { # dir therapist text
    [ -z "$PY" ] && return 0
    local t
    t=$(a4 "$1" "$2")
    [[ "$t" == "$3"* ]]
}
a4_lacks() { # dir therapist text (the workbook must exist)
    [ -z "$PY" ] && return 0
    local t
    t=$(a4 "$1" "$2")
    [[ "$t" != *"$3"* ]]
}

H="rid,client,date,A1,A2,A3,A4"

# 1. Google Forms dates without date_format: a US file (month first) and a day-first file.
d=$(fresh dates-us)
printf '%s\n' "$H" "R1,C1,5/20/2026 14:05:09,1,2,3,4" "R2,C2,6/3/2026 9:15:00,2,2,2,2" >"$d/drop/us.csv"
check "a US Google Forms file scores without date_format" test "$(run "$d")" = 0
check "its dates are stored as ISO 8601, month first" \
    test "$(admin_dates "$d" | tr '\n' ' ')" = "R1=2026-05-20T14:05:09 R2=2026-06-03T09:15:00 "
d=$(fresh dates-dayfirst)
printf '%s\n' "$H" "R1,C1,20/05/2026 14:05:09,1,2,3,4" "R2,C2,6/3/2026 9:15:00,2,2,2,2" >"$d/drop/eu.csv"
check "a day-first file scores without date_format" test "$(run "$d")" = 0
check "its dates are read day first, from the whole file" \
    test "$(admin_dates "$d" | tr '\n' ' ')" = "R1=2026-05-20T14:05:09 R2=2026-03-06T09:15:00 "
d=$(fresh dates-undecided)
printf '%s\n' "$H" "R1,C1,5/6/2026 14:05:09,1,2,3,4" "R2,C2,6/3/2026 9:15:00,2,2,2,2" >"$d/drop/x.csv"
check "a file whose dates never decide day or month is refused (exit 2)" test "$(run "$d")" = 2
check "with one message asking for date_format" test "$(grep -c 'date_format' "$d/stderr.txt")" = 1
check "the message names the file and the column" grep -q "x.csv.*date" "$d/stderr.txt"
check "nothing of it is stored" test "$(dump "$d" | awk '/^## administrations/{a=1;next} /^## /{a=0} a' | wc -l)" = 0
check "the next run tries it again" test "$(run "$d")" = 2
printf 'response_id: rid\nclient_id: client\nadministered: date\ndate_format: "%%d/%%m/%%Y %%H:%%M:%%S"\n' >"$d/mapping.yaml"
check "with date_format set, the next run stores it" test "$(run "$d")" = 0
check "as the format says" test "$(admin_dates "$d" | tr '\n' ' ')" = "R1=2026-06-05T14:05:09 R2=2026-03-06T09:15:00 "

# 2. A label typo on some rows: quarantined; the mapping is fixed; the next run resolves them.
d=$(fresh typo)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Alway,Often,Never,Never" \
    "R3,C3,2026-05-01,Often,Often,Often,Often" "R4,C4,2026-05-01,Never,Alway,Never,Never" >"$d/drop/e.csv"
check "rows with a label typo are quarantined (exit 1)" test "$(run "$d")" = 1
check "status shows 2 open quarantined rows" test "$(open_rows "$d")" = 2
check "qscore quarantine lists them" test "$(qcols "$d" response_id | tr '\n' ' ')" = "R2 R4 "
check "the log's run status is the store's" grep -q "event=run_finished status=quarantined" "$d/stderr.txt"
check "the workbook says 2 forms are waiting for a fix" book_has "$d" "2 forms received could not be scored yet: ask your administrator"
check "an unchanged file with open rows is not processed again without a fix" test "$(run "$d")" = 0
check "and says it was skipped" grep -q "event=file_skipped source=a file=.*e.csv reason=already_ingested" "$d/stderr.txt"
printf 'response_id: rid\nclient_id: client\nadministered: date\nlabels:\n  "Alway": 4\n' >"$d/mapping.yaml"
check "after the mapping fix the next run succeeds" test "$(run "$d")" = 0
check "it processed the file again as a replay" grep -q "event=file_ingested source=a file=.*e.csv why=replay .*new=2 changed=0 unchanged=2 quarantined=0 .*resolved=2" "$d/stderr.txt"
check "status shows 0 open" test "$(open_rows "$d")" = 0
check "and the workbook no longer says forms are waiting" book_lacks "$d" "could not be scored yet"
check "the resolved rows are listed with --all" test "$("$QSCORE" quarantine -c "$d/clinic.yaml" --all | grep -c ',scored$')" = 2
check "and all four administrations are stored, once" test "$(dump "$d" | awk -F'\t' '/^## administrations/{a=1;next} /^## /{a=0} a{print $3"/"$4}' | tr '\n' ' ')" = "R1/1 R2/1 R3/1 R4/1 "
"$QSCORE" quarantine -c "$d/clinic.yaml" --all -o "$d/q.csv"
check "quarantine -o writes a 0600 file" test "$(stat -c %a "$d/q.csv")" = 600
ln -s "$d/q.csv" "$d/link.csv"
check "quarantine -o refuses a link (it would replace the link with health data)" \
    bash -c "! '$QSCORE' quarantine -c '$d/clinic.yaml' -o '$d/link.csv' 2>/dev/null"
check "and a folder" bash -c "! '$QSCORE' quarantine -c '$d/clinic.yaml' -o '$d/drop' 2>/dev/null"
check "the link is left as it was" test -L "$d/link.csv"

# 2b. The same with --retry: rows still bad stay open, keep their first run, once each.
d=$(fresh retry)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,9,Often,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
check "--retry processes a file with open rows again" test "$(run "$d" --retry)" = 1
check "the row is quarantined again, still one open row" test "$(open_rows "$d")" = 1
check "first seen in run 1" test "$(qcols "$d" first_seen_run)" = 1

# 3. A mapping-level failure: the same unknown label on every row fails the file, not its rows.
d=$(fresh every-row)
printf '%s\n' "$H" "R1,C1,2026-05-01,Rarely,Often,Always,Sometimes" "R2,C2,2026-05-01,Never,Rarely,Never,Never" \
    "R3,C3,2026-05-01,Never,Never,Never,Rarely" >"$d/drop/e.csv"
check "one cause on every row refuses the file (exit 2)" test "$(run "$d")" = 2
check "with one message naming the label and the fix" test "$(grep -c 'Rarely.*labels' "$d/stderr.txt")" = 1
check "no row of it is in the quarantine" test "$(open_rows "$d")" = 0
check "the log says the file was refused" grep -q "event=file_refused source=a" "$d/stderr.txt"

d=$(fresh one-row)
printf '%s\n' "$H" "R1,,2026-05-01,1,1,1,1" >"$d/drop/e.csv"
check "one bad row of a small daily export is the row's problem: quarantined (exit 1)" test "$(run "$d")" = 1
check "and open in the store" test "$(open_rows "$d")" = 1

# 4. A bundled export (both forms in one CSV) feeding two sources: both are stored.
d=$(fresh bundle clinic-bundle.yaml)
printf '%s\n' "rid,client,date,A1,A2,A3,A4,B1,B2,B3" "R1,C1,2026-05-01,1,2,3,4,5,4,3" \
    "R2,C2,2026-05-02,2,2,2,2,,," "R3,C3,2026-05-03,,,,,1,1,1" >"$d/drop/both.csv"
check "a bundled export feeding two sources exits 0" test "$(run "$d")" = 0
admins() { dump "$1" | awk -F'\t' '/^## administrations/{a=1;next} /^## /{a=0} a{print $2"/"$3}' | tr '\n' ' '; }
check "both forms' administrations are stored" test "$(admins "$d")" = "form-a/R1 form-a/R2 form-b/R1 form-b/R3 "
check "the row without form b is not administered, not quarantined" \
    grep -q "event=file_ingested source=b .*quarantined=0 not_administered=1" "$d/stderr.txt"
check "status counts 2 rows not administered" status_has "$d" "^not administered: 2 rows"
check "the second run skips both" test "$(run "$d")" = 0
check "as already ingested by each source" test "$(grep -c 'reason=already_ingested' "$d/stderr.txt")" = 2

# 5. A -> B -> A, and a same-size edit at the same mtime: the latest content is current.
d=$(fresh identity)
printf '%s\n' "$H" "R1,C1,2026-05-01,1,1,1,1" >"$d/drop/e.csv"
cp -p "$d/drop/e.csv" "$d/a.csv"
run "$d" >/dev/null
printf '%s\n' "$H" "R1,C1,2026-05-01,2,2,2,2" >"$d/drop/e.csv"
touch -r "$d/a.csv" "$d/drop/e.csv" # same size, same mtime to the nanosecond
check "a same-size edit with the same mtime is processed" test "$(run "$d")" = 0
check "as a new version" grep -q "0 new, 1 changed" "$d/stderr.txt"
cp -p "$d/a.csv" "$d/drop/e.csv"
check "content changed back (A -> B -> A) is processed again" test "$(run "$d")" = 0
check "as version 3" grep -q "0 new, 1 changed" "$d/stderr.txt"
check "and version 3 holds A's answers" grep -qP '^main\tform-a\tR1\t3\t1\tC1\t.*\t1,1,1,1\t' <(dump "$d")
cp "$d/drop/e.csv" "$d/drop/copy.csv"
run "$d" >/dev/null
check "a copy under another path is skipped" grep -q "file=.*copy.csv reason=copy_of_processed_file" "$d/stderr.txt"

# 5b. Replays keep the order of the files: an older export's row never turns back a newer edit.
d=$(fresh replay-order)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Alway,Never,Never,Never" >"$d/drop/export-1.csv"
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Alway,Often,Often,Often" >"$d/drop/export-2.csv"
run "$d" >/dev/null
printf 'response_id: rid\nclient_id: client\nadministered: date\ngroup: rid\nlabels:\n  "Alway": 4\n' >"$d/mapping.yaml"
check "after the fix both exports are replayed" test "$(run "$d")" = 0
check "R2's current version holds the newer export's answers" grep -qP '^main\tform-a\tR2\t\d+\t1\tC2\t.*\t4,3,3,3\t' <(dump "$d")
check "rows stored before are unchanged by a replay, though the mapping now reads a group" \
    test "$(dump "$d" | awk -F'\t' '/^## administrations/{a=1;next} /^## /{a=0} a && $3=="R1"{print $4"/"$12}')" = '1/\N'
check "nothing is open" test "$(open_rows "$d")" = 0

# 5c. Cumulative exports under dated names: one bad response is one open row, closed when stored.
d=$(fresh dated)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Alway,Never,Never,Never" >"$d/drop/export-0501.csv"
run "$d" >/dev/null
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Alway,Never,Never,Never" "R3,C3,2026-05-02,Never,Never,Never,Never" >"$d/drop/export-0502.csv"
run "$d" >/dev/null
check "the same bad response in two exports is one open row" test "$(open_rows "$d")" = 1
check "first seen in run 1" test "$(qcols "$d" first_seen_run)" = 1
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Always,Never,Never,Never" "R3,C3,2026-05-02,Never,Never,Never,Never" >"$d/drop/export-0503.csv"
check "fixed in the survey tool, the next export stores it" test "$(run "$d")" = 0
check "and nothing is open" test "$(open_rows "$d")" = 0

# 5d. A renamed export with open rows is replayed after the fix (the content, not the path).
d=$(fresh renamed)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Alway,Never,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
mv "$d/drop/e.csv" "$d/drop/export-may.csv"
printf 'response_id: rid\nclient_id: client\nadministered: date\nlabels:\n  "Alway": 4\n' >"$d/mapping.yaml"
check "a renamed export with open rows is processed after the fix" test "$(run "$d")" = 0
check "as a replay" grep -q "file=.*export-may.csv why=replay .*new=1 .*resolved=1" "$d/stderr.txt"
check "nothing is open" test "$(open_rows "$d")" = 0

# 5e. Exports without an id column: a row removed from the export stays open (never "scored"
# because another row moved into its line); rows are recognised by client and date.
d=$(fresh no-id)
printf 'client_id: client\nadministered: date\n' >"$d/mapping.yaml"
printf '%s\n' client,date,A1,A2,A3,A4 "C1,2026-05-01,Never,Often,Always,Sometimes" "C2,2026-05-01,Alway,Never,Never,Never" "C3,2026-05-02,Never,Never,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
printf '%s\n' client,date,A1,A2,A3,A4 "C1,2026-05-01,Never,Often,Always,Sometimes" "C3,2026-05-02,Never,Never,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
check "a bad row left out of a later export stays open" test "$(open_rows "$d")" = 1
printf '%s\n' client,date,A1,A2,A3,A4 "C0,2026-04-30,Never,Never,Never,Never" "C1,2026-05-01,Never,Often,Always,Sometimes" "C2,2026-05-01,Alway,Never,Never,Never" "C3,2026-05-02,Never,Never,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
check "moved to another line, it is the same open row" test "$(open_rows "$d")" = 1
check "still first seen in run 1" test "$(qcols "$d" first_seen_run)" = 1

# 5f. A repeated response id, retried: the duplicate stays the open row, first seen in run 1.
d=$(fresh duplicate)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Often,Always,Sometimes" "R2,C2,2026-05-01,Never,Never,Never,Never" "R1,C1,2026-05-01,Always,Often,Always,Sometimes" >"$d/drop/e.csv"
run "$d" >/dev/null
run "$d" --retry >/dev/null
check "the retried duplicate is still one open row at line 4, first seen in run 1" \
    test "$(qcols "$d" line response_id first_seen_run)" = "4,R1,1"
check "nothing was resolved by the first occurrence" grep -q "resolved=0 " "$d/stderr.txt"

# 5g. A replay of an older export never settles a newer export's row of the same response.
d=$(fresh replay-older)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Never,Never,Never" "R2,C2,2026-05-01,Alway,Never,Never,Never" "R3,C3,2026-05-01,Bad3,Never,Never,Never" >"$d/drop/export-0501.csv"
run "$d" >/dev/null
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Never,Never,Never" "R2,C2,2026-05-01,Rarelyy,Often,Often,Often" >"$d/drop/export-0502.csv"
run "$d" >/dev/null
printf 'response_id: rid\nclient_id: client\nadministered: date\nlabels:\n  "Alway": 4\n' >"$d/mapping.yaml"
run "$d" >/dev/null
check "the newer export's row of R2 is still open after the older export's replay" test "$(qcols "$d" response_id | tr '\n' ' ')" = "R2 R3 "
check "and R2 is not stored from the older export" test "$(admins "$d")" = "form-a/R1 "
printf 'response_id: rid\nclient_id: client\nadministered: date\nlabels:\n  "Alway": 4\n  "Rarelyy": 1\n  "Bad3": 2\n' >"$d/mapping.yaml"
check "once both are fixed the run succeeds" test "$(run "$d")" = 0
check "R2 holds the newer export's answers, its only version" \
    test "$(dump "$d" | awk -F'\t' '/^## administrations/{a=1;next} /^## /{a=0} a && $3=="R2"{print $4"/"$5"/"$14}')" = "1/1/1,3,3,3"
check "nothing is open" test "$(open_rows "$d")" = 0

# 5h. A repeated response stays open until its own content is stored, not settled by the row it
# repeats; in the next export it is the same open row.
d=$(fresh dup-kept)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Never,Never,Never" "R2,C2,2026-05-01,Never,Never,Never,Never" "R1,C1,2026-05-01,Always,Always,Always,Always" >"$d/drop/e.csv"
run "$d" >/dev/null
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Never,Never,Never" "R2,C2,2026-05-01,Never,Never,Never,Never" "R1,C1,2026-05-01,Always,Always,Always,Always" "R3,C3,2026-05-02,Never,Never,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
check "the repeat in the next export is the same open row, first seen in run 1" test "$(qcols "$d" line response_id first_seen_run)" = "4,R1,1"
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Never,Never,Never" "R2,C2,2026-05-01,Never,Never,Never,Never" "R3,C3,2026-05-02,Never,Never,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
check "left out of the export, it stays open: its content was never stored" test "$(open_rows "$d")" = 1

# 5i. File identity does not depend on the folder qscore starts in or how -c is spelled.
d=$(fresh spelled)
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Never,Never,Never" >"$d/drop/e.csv"
cp -p "$d/drop/e.csv" "$d/a.csv"
run "$d" >/dev/null
printf '%s\n' "$H" "R1,C1,2026-05-01,Always,Never,Never,Never" >"$d/drop/e.csv"
(cd "$d" && "$QSCORE" run -c clinic.yaml >/dev/null 2>"$d/stderr.txt") || true
check "a run started in the clinic's folder knows the file by the same path" grep -q "file=$d/drop/e.csv why=changed" "$d/stderr.txt"
cp -p "$d/a.csv" "$d/drop/e.csv"
(cd "$d/drop" && "$QSCORE" run -c ../clinic.yaml >/dev/null 2>"$d/stderr.txt") || true
check "and A -> B -> A is processed again from another folder" grep -q "why=changed .*changed=1" "$d/stderr.txt"

# 5j. Mapping a response id later (as the docs advise) replays no stored row as a new one.
d=$(fresh key-added)
printf 'client_id: client\nadministered: date\n' >"$d/mapping.yaml"
printf '%s\n' "$H" "R1,C1,2026-05-01,Never,Never,Never,Never" "R2,C2,2026-05-01,Alway,Never,Never,Never" "R3,C1,2026-06-01,Often,Never,Never,Never" >"$d/drop/e.csv"
run "$d" >/dev/null
printf 'response_id: rid\nclient_id: client\nadministered: date\nlabels:\n  "Alway": 4\n' >"$d/mapping.yaml"
check "the replay after the fix succeeds" test "$(run "$d")" = 0
check "it stores only the row it quarantined" grep -q "why=replay .*new=1 changed=0 unchanged=2" "$d/stderr.txt"
check "three administrations, none twice" test "$(dump "$d" | awk '/^## administrations/{a=1;next} /^## /{a=0} a' | wc -l)" = 3

# 5k. Two sources of one instrument whose response ids collide: another client's response is
# never stored as a version of the first; the row is quarantined saying why.
d=$(fresh collide clinic-two.yaml)
mkdir -p "$d/drop2"
printf '%s\n' "$H" "1,C1,2026-05-01,Never,Never,Never,Never" >"$d/drop/x.csv"
printf '%s\n' "$H" "1,C7,2026-06-01,Always,Always,Always,Always" >"$d/drop2/y.csv"
check "a colliding response id of another source and client is quarantined (exit 1)" test "$(run "$d")" = 1
check "C1's administration stays current, alone" test "$(dump "$d" | awk -F'\t' '/^## administrations/{a=1;next} /^## /{a=0} a{print $4 $5 $6}')" = "11C1"
check "the reason says what to do" test "$(qcols "$d" source reason)" = "b,response id already stored for another client by another source: map a response id that is unique across the sources, or give the sources different sites"

# 6. A quarantine file that cannot be written is written by the next run.
d=$(fresh qfail)
printf '%s\n' "$H" "R1,C1,2026-05-01,1,1,1,1" "R2,C2,2026-05-01,7,1,1,1" >"$d/drop/e.csv"
mkdir -p "$d/state/out/quarantine-run1.csv" # a folder where the file should go: rename fails
check "a run whose quarantine file cannot be written exits 3" test "$(run "$d")" = 3
check "and says the next run writes it" grep -q "next run writes this file" "$d/stderr.txt"
check "status says a quarantine file is pending" status_has "$d" "^quarantine files: 1 still to be written"
check "a run that still cannot write it exits 3 too" test "$(run "$d")" = 3
check "and logs it" grep -q "event=quarantine_write_failed run_of=1" "$d/state/out/qscore.log"
rmdir "$d/state/out/quarantine-run1.csv"
check "the next run succeeds" test "$(run "$d")" = 0
check "and writes run 1's quarantine file" grep -q ',R2,A1,7,' "$d/state/out/quarantine-run1.csv"
check "saying so" grep -q "event=quarantine_recovered run=1" "$d/stderr.txt"
check "nothing is pending then" test "$(status "$d" | grep -c '^quarantine files:')" = 0

# 7. Only a qscore store is opened as one; the workbooks keep their last good copies.
d=$(fresh not-a-store)
printf '%s\n' "$H" "R1,C1,2026-05-01,1,1,1,1" >"$d/drop/e.csv"
run "$d" >/dev/null
book=$(ls "$d"/state/out/reports/*.xlsx)
sum=$(sha256sum "$book")
rm -f "$d/state/qscore.db-wal" "$d/state/qscore.db-shm"
: >"$d/state/qscore.db"
check "a 0-byte store is refused (exit 5)" test "$(run "$d")" = 5
check "with the path and what to do" grep -q "qscore.db' is empty (0 bytes), not a qscore store: restore it from a backup" "$d/stderr.txt"
check "the store is left as it was" test ! -s "$d/state/qscore.db"
check "the workbook keeps its last good copy" test "$(sha256sum "$book")" = "$sum"
check "qscore report refuses it too" bash -c "! '$QSCORE' report -c '$d/clinic.yaml' >/dev/null 2>&1"
check "and the workbook is still untouched" test "$(sha256sum "$book")" = "$sum"
echo "not a database, just text" >"$d/state/qscore.db"
check "a file that is not SQLite is refused (exit 5)" test "$(run "$d")" = 5
rm -f "$d/state/qscore.db"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE t(x)'); c.commit()" "$d/state/qscore.db"
other=$(sha256sum <"$d/state/qscore.db")
check "another program's SQLite database is refused (exit 5)" test "$(run "$d")" = 5
check "and left byte for byte as it was" test "$(sha256sum <"$d/state/qscore.db")" = "$other"
rm -f "$d/state/qscore.db"
run "$d" >/dev/null
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE meta SET value='99' WHERE key='schema_version'\"); c.commit()" "$d/state/qscore.db"
check "a store of a newer schema is refused (exit 5)" test "$(run "$d")" = 5
check "saying a newer qscore wrote it" grep -q "schema version 99, written by a newer qscore" "$d/stderr.txt"

# 8. A store built by the previous release (schema 2) migrates; its history dumps alike.
d="$WORK/schema2"
rm -rf "$d"
mkdir -p "$d/state"
cp "$HERE"/run/*.yaml "$d/"
cp "$HERE/schema2/qscore.db" "$d/state/qscore.db"
sed -i 's|files: "drop/\*.csv"|files: "nothing/*.csv"|' "$d/clinic.yaml"
check "a run over a schema-2 store migrates it" test "$(run "$d")" = 0
check "to the current schema" status_has "$d" "(schema $(sed -n 's/^#define QS_STORE_SCHEMA_VERSION //p' "$HERE/../../include/qscore/store.h"))"
dump "$d" >"$d/dump3.txt"
check "its dump, but for the schema line and the sections schema 3 adds, is the previous one's" \
    cmp -s <(sed 1d "$HERE/schema2/dump.txt") <(sed -e 1d -e '/^## quarantine state/,$d' "$d/dump3.txt")
check "its quarantined rows are open" test "$(open_rows "$d")" = 2
# The migrated files, run again where they were: replayed once (unknown fingerprint), the bad
# rows stay open, the history does not change.
cp -r "$HERE/schema2/drop" "$d/drop"
sed -i 's|files: "nothing/\*.csv"|files: "drop/*.csv"|' "$d/clinic.yaml"
before=$(awk '/^## administrations/{a=1;next} /^## quarantine/{a=0} a' "$d/dump3.txt")
(cd "$d" && "$QSCORE" run -c clinic.yaml >/dev/null 2>"$d/stderr.txt") || true
check "files of the old store with open rows are replayed once" test "$(grep -c 'why=replay' "$d/stderr.txt")" = 2
check "the history is unchanged" test "$(dump "$d" | awk '/^## administrations/{a=1;next} /^## quarantine/{a=0} a')" = "$before"
check "the bad rows are still open, once each" test "$(open_rows "$d")" = 2
(cd "$d" && "$QSCORE" run -c clinic.yaml >/dev/null 2>"$d/stderr.txt") || true
check "and the run after that skips them" test "$(grep -c 'reason=already_ingested' "$d/stderr.txt")" = 2

# 8b. A store built by the schema-4 release (tests/e2e/schema4/make.sh) migrates to schema 5: its
# history dumps alike, and its quarantined rows, of whom the store did not know, count in every
# workbook until a processing quarantines them again with whose they are.
d="$WORK/schema4"
rm -rf "$d"
mkdir -p "$d/state"
cp "$HERE"/schema4/*.yaml "$d/"
cp "$HERE/schema4/qscore.db" "$d/state/qscore.db"
sed -i 's|files: "drop/\*.csv"|files: "nothing/*.csv"|' "$d/clinic.yaml"
whose() { dump "$1" | awk -F'\t' '/^## quarantine whose/{a=1;next} /^## /{a=0} a'; }
check "a run over a schema-4 store migrates it" test "$(run "$d")" = 0
check "to schema 5" status_has "$d" "(schema 5)"
check "recomputing nothing (the definitions are those that made it)" test "$(grep -c 'event=rescored' "$d/stderr.txt")" = 0
dump "$d" >"$d/dump5.txt"
check "its dump, but for the schema line and the section schema 5 adds, is the previous one's" \
    cmp -s <(sed 1d "$HERE/schema4/dump.txt") <(sed -e 1d -e '/^## quarantine whose/,$d' "$d/dump5.txt")
check "its quarantined rows say nothing of whose they are" \
    test "$(whose "$d" | cut -f4-7 | sort -u)" = "$(printf '\\N\t\\N\t\\N\t\\N')"
check "its 3 open rows are still open" test "$(open_rows "$d")" = 3
check "and count in every workbook: T-A's" a4_starts "$d" T-A "3 forms received could not be scored yet: ask your administrator."
check "and T-B's" a4_starts "$d" T-B "3 forms received could not be scored yet"
cp -r "$HERE/schema4/drop" "$d/drop"
sed -i 's|files: "nothing/\*.csv"|files: "drop/*.csv"|' "$d/clinic.yaml"
check "its exports, copied here, are known as processed" test "$(run "$d")" = 0
check "(skipped as copies)" test "$(grep -c 'reason=copy_of_processed_file' "$d/stderr.txt")" = 2
check "--retry processes the one with open rows again" test "$(run "$d" --retry)" = 1
check "the same 3 rows are open" test "$(open_rows "$d")" = 3
check "now with the site, client, group and therapist each gave (R7 has no client id)" \
    test "$(whose "$d" | awk -F'\t' '$4 != "\\N" {print $4","$5","$6","$7}' | sort | tr '\n' ' ')" = 'main,C3,G2,T-B main,C5,G2,T-B main,\N,G1,T-A '
check "and never an answer" test "$(whose "$d" | cut -f4-7 | grep -c '[0-9x]$\|Sometimes')" = 0
check "T-A's workbook counts its therapist's row" a4_starts "$d" T-A "1 form received could not be scored yet"
check "T-B's its two" a4_starts "$d" T-B "2 forms received could not be scored yet"
check "the history did not change" \
    test "$(awk '/^## administrations/{a=1;next} /^## quarantine/{a=0} a' "$d/dump5.txt")" = "$(dump "$d" | awk '/^## administrations/{a=1;next} /^## quarantine/{a=0} a')"

# 8c. Whose workbook counts an open quarantined row: the therapist's the row names, the one that
# has the row's client, or, when nobody knows whose the row is, every workbook.
d=$(fresh whose)
printf 'response_id: rid\nclient_id: client\nadministered: date\ntherapist: therapist\n' >"$d/mapping.yaml"
HT="rid,client,date,therapist,A1,A2,A3,A4"
printf '%s\n' "$HT" "R1,C1,2026-05-01,T-A,1,2,3,4" "R2,C2,2026-05-01,T-B,2,2,2,2" "R3,C1,2026-05-02,T-A,9,1,1,1" >"$d/drop/e1.csv"
check "a T-A client's form with an answer out of the scale is quarantined (exit 1)" test "$(run "$d")" = 1
check "T-A's Summary says 1 form could not be scored yet" a4_starts "$d" T-A "1 form received could not be scored yet: ask your administrator. "
check "T-B's says nothing of it" a4_lacks "$d" T-B "could not be scored"
printf '%s\n' "$HT" "R4,,2026-05-03,,1,1,1,1" >"$d/drop/e2.csv"
check "a form without a client id (nor a therapist) is quarantined" test "$(run "$d")" = 1
check "it counts in T-A's workbook" a4_starts "$d" T-A "2 forms received could not be scored yet"
check "and in T-B's: nobody knows whose it is" a4_starts "$d" T-B "1 form received could not be scored yet"
printf '%s\n' "$HT" "R5,C2,2026-05-04,,Sometimes,Alway,1,1" >"$d/drop/e3.csv"
check "a form of T-B's client naming no therapist is quarantined" test "$(run "$d")" = 1
check "it counts in the workbook that has its client" a4_starts "$d" T-B "2 forms received could not be scored yet"
check "not in the other" a4_starts "$d" T-A "2 forms received could not be scored yet"
printf '%s\n' "$HT" "R3,C1,2026-05-02,T-A,4,1,1,1" >"$d/drop/e4.csv"
check "the out-of-scale form, corrected in a later export, is stored" test "$(run "$d")" = 0
check "and T-A's workbook no longer counts it" a4_starts "$d" T-A "1 form received could not be scored yet"
check "T-B's still counts its two" a4_starts "$d" T-B "2 forms received could not be scored yet"

# 9. A file name cannot forge a log line; the store's folder is made on the first run.
d=$(fresh names)
sed -i 's|store: state/qscore.db|store: deep/er/qscore.db|' "$d/clinic.yaml"
printf '%s\n' "$H" "R1,C1,2026-05-01,1,1,1,1" >"$d/drop/a
qscore: time=2026-12-02T00:00:00Z run=1 event=run_finished status=ok x.csv"
check "a run with the store in a folder not made yet succeeds" test "$(run "$d")" = 0
check "a line break in a file name does not forge a log event" \
    test "$(grep -c '^qscore: time=2026-12-02T00:00:00Z' "$d/state/out/qscore.log")" = 0
check "every log line is an event of this run" \
    test "$(grep -vc '^time=[^ ]* run=1 event=' "$d/state/out/qscore.log")" = 0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
