#!/usr/bin/env bash
# reports.sh - the demo clinic's workbooks over two nightly runs: written by `qscore run`, read
# back with openpyxl (tests/workbook/check_workbook.py, the second edition's layout), New /
# Continuing since / Cleared across the runs, "made" from the store, byte-identical for the same
# store, the reports: settings (sections, paper, overdue_days), and converted to PDF by
# LibreOffice headless.
# Usage: tests/e2e/reports.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$WORK"
mkdir -p "$WORK/exports"
cp -r "$TOP/examples/clinic.yaml" "$TOP/examples/mappings" "$WORK/"
cp "$TOP/examples/exports/qualtrics-dsi-r.csv" "$WORK/exports/"
export QSCORE_INSTRUMENTS="$TOP/instruments"
# The interpreter that has openpyxl (Debian's python3-openpyxl belongs to /usr/bin/python3; a
# pyenv python3 first on PATH does not see it).
PY=
for p in "${QS_PYTHON:-}" python3 /usr/bin/python3; do
    if [ -n "$p" ] && "$p" -c 'import openpyxl' 2>/dev/null; then
        PY=$p
        break
    fi
done
pass=0

# Night 1: the SFCDS forms up to 8 Oct and a synthetic C009 above the cutoff (78). Night 2: the
# rest, and synthetic forms: C005's codependency below the cutoff on 20 Oct (50: clears its flag
# of 5 Oct), C007's above it on 21 Oct (78: a new flag; its form of 7 Oct raised none), C009's
# below it but careless (the same answer 16 times: 50, clears nothing and gives no change).
# Items 5 and 7 are reverse-keyed (7 - answer).
SF="$TOP/examples/exports/excel-sfcds.csv"
{
    head -n 9 "$SF"
    echo "C009;T-A;G1;2026-10-06;6;5;6;5;6;5;6;5;6;5;6;5;6;5;6;5"
} >"$WORK/exports/excel-sfcds.csv"
{
    head -n 1 "$SF"
    tail -n +10 "$SF"
    echo "C005;T-A;G1;2026-10-20;3;2;3;4;3;2;3;4;3;2;3;4;3;2;3;4"
    echo "C007;T-A;G2;2026-10-21;6;5;6;5;6;5;6;5;6;5;6;5;6;5;6;5"
    echo "C009;T-A;G1;2026-10-19;3;3;3;3;3;3;3;3;3;3;3;3;3;3;3;3"
} >"$WORK/exports/excel-sfcds-2.csv.next"

# night N STATUS: the nightly run, which must exit STATUS.
night() {
    local st=0
    "$QSCORE" run -c "$WORK/clinic.yaml" >"$WORK/stdout$1.txt" 2>"$WORK/stderr$1.txt" || st=$?
    if [ "$st" != "$2" ]; then
        echo "FAIL: qscore run (night $1) exited $st, expected $2"
        cat "$WORK/stderr$1.txt"
        exit 1
    fi
}
night 1 1 # the demo export has one bad row on purpose
mv "$WORK/exports/excel-sfcds-2.csv.next" "$WORK/exports/excel-sfcds-2.csv"
night 2 0 # only the new file is read
books=$(cat "$WORK/stdout2.txt")
[ -n "$books" ] || { echo "FAIL: no workbook written"; exit 1; }

# The same store gives the same bytes ("made" is the last run's end, read from the store).
"$QSCORE" report -c "$WORK/clinic.yaml" -o "$WORK/again" >/dev/null
for b in $books; do
    [ -f "$b" ] || { echo "FAIL: $b missing"; exit 1; }
    cmp -s "$b" "$WORK/again/$(basename "$b")" || { echo "FAIL: $b differs when written again"; exit 1; }
done
pass=$((pass + 1))

# The settings: sections by group, A4, overdue only after 400 days.
sed 's/^  group_by: therapist$/  group_by: therapist\n  sections: group\n  paper: a4\n  overdue_days: 400/' \
    "$WORK/clinic.yaml" >"$WORK/clinic-a4.yaml"
grep -q "overdue_days: 400" "$WORK/clinic-a4.yaml" || { echo "FAIL: could not set reports:"; exit 1; }
"$QSCORE" report -c "$WORK/clinic-a4.yaml" -o "$WORK/a4" >"$WORK/stdout-a4.txt"

if [ -n "$PY" ]; then
    for b in $books; do
        # Trends first: no chart across a page break, dates on the x axis, at most 150 charts,
        # every client block linked from the Summary.
        "$PY" "$TOP/tests/workbook/check_trends.py" --links --max-charts 150 "$b"
        "$PY" "$TOP/tests/workbook/check_workbook.py" --demo --paper=letter "$b"
        pass=$((pass + 1))
    done
    for b in $(cat "$WORK/stdout-a4.txt"); do
        "$PY" "$TOP/tests/workbook/check_trends.py" --links --max-charts 150 "$b"
        "$PY" "$TOP/tests/workbook/check_workbook.py" --demo --sections --paper=a4 "$b"
        pass=$((pass + 1))
    done
    # What the two nights must show in Therapist T-A's workbook.
    "$PY" - "$TOP/tests/workbook" "$WORK" <<'EOF'
import datetime
import sqlite3
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, sys.argv[1])
import check_workbook as cw  # noqa: E402
import openpyxl  # noqa: E402

work = sys.argv[2]
D = datetime.date
try:
    wb = openpyxl.load_workbook(f"{work}/out/reports/therapist-T-A.xlsx")
    s, f = cw.summary_layout(wb, False), cw.flags_layout(wb)
    db = sqlite3.connect(f"file:{work}/out/qscore.db?mode=ro", uri=True)
    ended = db.execute("SELECT ended FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    made = datetime.date.fromisoformat(ended[:10])
    cw.check("'made' is when the store's last run ended", s["made"] == made, f"{s['made']} {ended}")
    cw.check("data through the latest form in the store", s["through"] == "21 Oct 2026", s["through"])
    by = {(r["client"], r["flag"]): r for r in f["rows"]}
    c001 = by.get(("C001", "High codependency"))
    cw.check("a flag raised by night 1's form and night 2's is continuing since night 1's",
             c001 and c001["status"] == "Continuing since 1 Oct 2026", repr(c001))
    c007 = by.get(("C007", "High codependency"))
    cw.check("a flag the client's previous form (night 1) did not raise is New",
             c007 and c007["status"] == "New" and c007["form"] == D(2026, 10, 21), repr(c007))
    cl = [(c["client"], c["instrument"], c["flag"], c["last_raised"], c["cleared_by"])
          for c in f["cleared"]]
    cw.check("a flag night 1's form raised and night 2's usable form did not is cleared since the "
             "last report; a careless form clears nothing (C009)",
             cl == [("C005", "Spann-Fischer Codependency Scale", "High codependency", D(2026, 10, 5),
                     D(2026, 10, 20))], repr(cl))
    cw.check("C005's codependency flag is no longer on Flags", ("C005", "High codependency") not in by)
    c009 = by.get(("C009", "Careless responding"))
    cw.check("a careless form is flagged with the reason in words",
             c009 and c009["values"] == "same answer to 16 items in a row", repr(c009))
    sf = "Spann-Fischer Codependency Scale"
    rows = {c["client"]: c for c in s["clients"]}
    cw.check("a careless form is not usable: the Summary says why and greys its values",
             f"latest {sf} form not usable: same answer to 16 items in a row" in rows["C009"]["why"]
             and sf in rows["C009"]["grey"], rows["C009"]["why"])
    cw.check("a careless form gives no change (never computed from it)",
             rows["C009"]["changes"][(sf, "Codependency")][1] == "dash",
             repr(rows["C009"]["changes"]))
    cw.check("a usable form's change is shown (C005: 50 - 72, no reliability known: plain)",
             rows["C005"]["changes"][(sf, "Codependency")][:2] == (-22, "plain"),
             repr(rows["C005"]["changes"]))
    cw.check("Last assessed is a client's latest form of any instrument",
             rows["C005"]["last"] == D(2026, 10, 20) and rows["C007"]["last"] == D(2026, 10, 21),
             repr({k: v["last"] for k, v in rows.items()}))
    cw.check("C007 needs attention for its new flag", rows["C007"]["attention"]
             and "High codependency (medium, new)" in rows["C007"]["why"], rows["C007"]["why"])
    wb = openpyxl.load_workbook(f"{work}/a4/therapist-T-A.xlsx")
    s = cw.summary_layout(wb, True)
    cw.check("overdue_days: 400 marks no client overdue", s["overdue_days"] == 400
             and not any(c["overdue"] for c in s["clients"]), repr(s["overdue_days"]))
    cw.check("sections by group: G1 and G2", [x["group"] for x in s["sections"]] == ["G1", "G2"],
             repr([x["group"] for x in s["sections"]]))
except cw.Failure as e:
    print(f"FAIL: {e}", file=sys.stderr)
    sys.exit(1)
print("ok: New, Continuing since and Cleared across two nights; made from the store; settings")
EOF
    pass=$((pass + 1))
    # The chart limit and A4: with reports.max_charts 3, T-A's first client (C001, two
    # instruments) has its charts and the other four (C005, C007, C009, C003 after night 2) none,
    # and the sheet says so.
    sed 's/^  group_by: therapist$/  group_by: therapist\n  max_charts: 3\n  paper: a4/' \
        "$WORK/clinic.yaml" >"$WORK/clinic-capped.yaml"
    grep -q '^  max_charts: 3$' "$WORK/clinic-capped.yaml" || { echo "FAIL: capped config"; exit 1; }
    "$QSCORE" report -c "$WORK/clinic-capped.yaml" -o "$WORK/capped" >/dev/null
    "$PY" "$TOP/tests/workbook/check_trends.py" --links --max-charts 3 --charts 2 --capped 4 \
        "$WORK/capped/therapist-T-A.xlsx"
    pass=$((pass + 1))

    # An undated form cannot be placed in time: it is never the latest or the baseline. C011 has
    # a form of 5 Oct (71) and an undated one (78, the store keeps it last): last assessed stays
    # 5 Oct, no change is shown beside it, and the reason says it has no date.
    mkdir -p "$WORK/ud/exports"
    cp -r "$WORK/mappings" "$WORK/ud/"
    cp "$WORK/clinic.yaml" "$WORK/ud/"
    {
        head -n 1 "$SF"
        echo "C011;T-A;G1;2026-10-05;5;2;5;5;5;2;5;5;5;2;5;5;5;2;5;5"
        echo "C011;T-A;G1;;6;5;6;5;6;5;6;5;6;5;6;5;6;5;6;5"
    } >"$WORK/ud/exports/excel-sfcds.csv"
    QSCORE_TEST_NOW=2026-10-25T02:00:00Z "$QSCORE" run -c "$WORK/ud/clinic.yaml" >/dev/null 2>&1 || true
    "$PY" - "$WORK/ud/out/reports/therapist-T-A.xlsx" <<'PYEOF'
import sys, datetime, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Summary"]
rows = [[c.value for c in r] for r in ws.iter_rows(min_row=7) if r[0].value == "C011"]
assert len(rows) == 1, rows
v = rows[0]
assert v[2] == datetime.datetime(2026, 10, 5), ("last assessed is the dated form", v[2])
assert "the form has no date" in (v[4] or ""), ("the reason in words", v[4])
head = [c.value for c in ws[6]]
change = v[len(head) - 1 - head[::-1].index("Change")]  # the last instrument's (SFCDS) change
assert isinstance(change, str) and change.startswith("\u2013"), ("no change beside it", change)
PYEOF
    pass=$((pass + 1))
else
    echo "SKIP: python3-openpyxl is not installed: workbook contents not read back"
fi
if command -v soffice >/dev/null 2>&1; then
    first=$(head -n 1 <<<"$books")
    mkdir -p "$WORK/pdf"
    HOME="$WORK" timeout 300 soffice --headless --norestore --convert-to pdf --outdir "$WORK/pdf" \
        "$first" >"$WORK/soffice.log" 2>&1 || true
    pdf="$WORK/pdf/$(basename "${first%.xlsx}").pdf"
    if [ -s "$pdf" ] && head -c 5 "$pdf" | grep -q '%PDF-'; then
        pass=$((pass + 1))
        echo "LibreOffice converted $(basename "$first") to PDF ($(stat -c %s "$pdf") bytes)"
    else
        echo "FAIL: LibreOffice could not convert $first to PDF"
        cat "$WORK/soffice.log"
        exit 1
    fi
else
    echo "SKIP: LibreOffice (soffice) is not installed: PDF conversion not tried (.ci/run installs it)"
fi
echo "$pass passed, 0 failed"
