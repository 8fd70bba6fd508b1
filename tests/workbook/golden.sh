#!/usr/bin/env bash
# golden.sh - the example clinic's therapist workbooks, part by part, against committed expected
# parts (tests/workbook/golden/<workbook>/xl/...): a change of layout, wording, formats or charts
# shows up here as a diff to review.
# Usage: tests/workbook/golden.sh QSCORE WORKDIR [--update]
#
# The inputs are deterministic: examples/clinic.yaml with its exports, run in WORKDIR from the
# clinic's own folder (so the About sheet lists relative file paths). The workbooks' "made" date
# (and so days since, overdue and the Summary's order) is the run's time: QSCORE_TEST_NOW (a
# test-only setting of `qscore run`) fixes it, so the expected parts do not depend on the day the
# suite runs. docProps/ is not compared.
#
# After an intended change of the workbooks (or of the examples or the shipped instruments they
# show):
#   1. tests/workbook/golden.sh build/qscore /tmp/golden --update
#   2. git diff tests/workbook/golden     # review: is every change intended?
#   3. open /tmp/golden/clinic/out/reports/*.xlsx once in a spreadsheet program (LibreOffice,
#      Excel) and look at the sheets you changed
#   4. commit the expected parts with the change that caused them.
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
MODE=${3:-}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
rm -rf "$WORK"
mkdir -p "$WORK/clinic"
cp -r "$TOP/examples/clinic.yaml" "$TOP/examples/exports" "$TOP/examples/mappings" "$WORK/clinic/"
export QSCORE_INSTRUMENTS="$TOP/instruments"
export QSCORE_TEST_NOW=2026-10-20T02:00:00Z
st=0
(cd "$WORK/clinic" && "$QSCORE" run -c clinic.yaml >"$WORK/stdout.txt" 2>"$WORK/stderr.txt") || st=$?
if [ "$st" != 1 ]; then # the example export has one bad row on purpose
    echo "FAIL: qscore run exited $st (expected 1)"
    cat "$WORK/stderr.txt"
    exit 1
fi
books=()
while IFS= read -r b; do # one workbook per line, relative to the clinic's folder
    case $b in /*) books+=("$b") ;; *) books+=("$WORK/clinic/$b") ;; esac
done <"$WORK/stdout.txt"
[ ${#books[@]} -gt 0 ] || { echo "FAIL: no workbook written"; exit 1; }
exec python3 "$TOP/tests/workbook/golden_parts.py" ${MODE:+"$MODE"} "$TOP/tests/workbook/golden" \
    "${books[@]}"
