#!/usr/bin/env bash
# check2_selftest.sh - the checker of issue 13's workbooks (check_workbook2.py) checked itself:
# workbooks laid out as the contract says (contract_example2.py, from the generated clinic's
# ground truth) pass every check, and the same workbooks with rules broken on purpose fail
# exactly the checks that guard those rules. Needs no qscore build.
# Usage: tests/workbook/check2_selftest.sh WORKDIR
# Skipped (77) without a python3 that has openpyxl and yaml, or fails when QSCORE_TEST_REQUIRE
# names openpyxl.
set -euo pipefail
WORK=$1
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
export QSCORE_INSTRUMENTS="$TOP/instruments"
. "$TOP/tests/e2e/lib.sh"
PY=
for p in "${QS_PYTHON:-}" /usr/bin/python3 python3; do
    if [ -n "$p" ] && "$p" -c 'import openpyxl, yaml' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    case ",${QSCORE_TEST_REQUIRE:-}," in
    *,openpyxl,*)
        echo "FAIL: openpyxl is required (QSCORE_TEST_REQUIRE) but no python3 imports openpyxl and yaml" >&2
        exit 1
        ;;
    esac
    echo "SKIP: no python3 with openpyxl and yaml"
    exit 77
fi
rm -rf "$WORK"
mkdir -p "$WORK"
"$PY" "$TOP/tests/tools/gen_clinic.py" "$WORK/good" --seed 13 --end 2026-07-01
cp -r "$WORK/good" "$WORK/broken"

"$PY" "$HERE/contract_example2.py" "$WORK/good"
"$PY" "$HERE/check_workbook2.py" "$WORK/good" >"$WORK/good.txt" || true
check "workbooks that follow the contract pass every check" grep -q '^0 of [0-9]* checks failed$' "$WORK/good.txt"
check "and no check is left unrun but the PDF ones" \
    test "$(grep '^NOT RUN' "$WORK/good.txt" | awk '{print $3}' | tr '\n' ' ')" = "pdf.enum pdf.digits "

mutations=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import contract_example2 as c; print(",".join(c.MUTATIONS))' "$HERE")
"$PY" "$HERE/contract_example2.py" "$WORK/broken" --break "$mutations"
st=0
"$PY" "$HERE/check_workbook2.py" "$WORK/broken" >"$WORK/broken.txt" || st=$?
check "workbooks with broken rules fail the checker (exit 1, got $st)" test "$st" = 1
for guard in $("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import contract_example2 as c; print(" ".join(sorted(set(c.MUTATIONS.values()))))' "$HERE"); do
    check "a broken rule fails $guard" grep -q "^FAIL     $guard " "$WORK/broken.txt"
done
if [ "$fail" != 0 ]; then
    echo "--- good:" >&2
    grep -v '^PASS' "$WORK/good.txt" >&2 || true
    echo "--- broken:" >&2
    grep '^FAIL     ' "$WORK/broken.txt" >&2 || true
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
