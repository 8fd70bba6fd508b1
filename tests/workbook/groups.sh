#!/usr/bin/env bash
# groups.sh - the Groups sheet against the store: a synthetic clinic made, run and read back by
# tests/workbook/check_groups.py (openpyxl and sqlite3; see its docstring for what it checks).
# Usage: tests/workbook/groups.sh QSCORE WORKDIR
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
TOP=$(cd "$(dirname "$0")/../.." && pwd)
# The interpreter that has openpyxl and yaml (Debian's python3-openpyxl belongs to
# /usr/bin/python3; a pyenv python3 first on PATH does not see it).
PY=
for p in "${QS_PYTHON:-}" python3 /usr/bin/python3; do
    if [ -n "$p" ] && "$p" -c 'import openpyxl, yaml' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    case ",${QSCORE_TEST_REQUIRE:-}," in
    *,openpyxl,*) echo "FAIL: openpyxl is required (QSCORE_TEST_REQUIRE) but not found"; exit 1 ;;
    esac
    echo "SKIP: python3 with openpyxl and yaml not found (apt-get install python3-openpyxl)"
    exit 77
fi
rm -rf "$WORK"
mkdir -p "$WORK"
exec "$PY" "$TOP/tests/workbook/check_groups.py" "$QSCORE" "$WORK" "$TOP/instruments"
