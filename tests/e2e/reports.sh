#!/usr/bin/env bash
# reports.sh - the demo clinic's workbooks: written by `qscore run`, read back with openpyxl
# (tests/workbook/check_workbook.py --demo), and converted to PDF by LibreOffice headless.
# Usage: tests/e2e/reports.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$WORK"
mkdir -p "$WORK"
cp -r "$TOP/examples/clinic.yaml" "$TOP/examples/exports" "$TOP/examples/mappings" "$WORK/"
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
st=0
"$QSCORE" run -c "$WORK/clinic.yaml" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt" || st=$?
if [ "$st" != 1 ]; then # the demo export has one bad row on purpose
    echo "FAIL: qscore run exited $st"
    cat "$WORK/stderr.txt"
    exit 1
fi
books=$(cat "$WORK/stdout.txt")
[ -n "$books" ] || { echo "FAIL: no workbook written"; exit 1; }
pass=0
for b in $books; do
    [ -f "$b" ] || { echo "FAIL: $b missing"; exit 1; }
    if [ -n "$PY" ]; then
        "$PY" "$TOP/tests/workbook/check_workbook.py" --demo "$b"
        pass=$((pass + 1))
    else
        echo "SKIP: python3-openpyxl is not installed: workbook contents not read back"
    fi
done
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
