#!/usr/bin/env bash
# wide.sh - end-to-end test of `qscore score --format wide` (issue 15, point 1): synthetic
# exports of demo-scale (tests/cases/score/wide-norms-flags), scored long and wide; the wide
# files are read by R read.csv, pandas read_csv and DuckDB read_csv with no options and every
# value is compared with the long file's (tests/e2e/wide/, tests/duckdb/check_wide.mjs). In
# every export the first 100 rows have insufficient scores (empty cells at the top of the file)
# and the score `total` is a whole number in every row up to 120 before the end. The large one
# (20,800 administrations, with a norm) takes that past DuckDB's sample of 20,480 rows: it is
# compared as text and read by DuckDB; the small ones (600, with and without a norm) are read by
# all three readers.
# Usage: tests/e2e/wide.sh QSCORE WORKDIR
# Without R, pandas or DuckDB (node, tests/duckdb/node_modules) their checks are reported as
# skipped, or fail when QSCORE_TEST_REQUIRE names them (r, pandas, duckdb; CI).
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CASE="$TOP/tests/cases/score/wide-norms-flags"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
. "$HERE/lib.sh"
required() { case ",${QSCORE_TEST_REQUIRE:-}," in *,"$1",*) return 0 ;; esac; return 1; }
skip_or_fail() { # what
    if required "$1"; then
        fail=$((fail + 1))
        echo "FAIL: $1 is required (QSCORE_TEST_REQUIRE) but not available" >&2
    else
        echo "SKIP: $1 not available: its checks did not run" >&2
    fi
}

cp "$CASE/demo-scale.yaml" "$CASE/mapping.yaml" .
"$PY" "$HERE/wide/make_export.py" export.csv 20800
"$PY" "$HERE/wide/make_export.py" small.csv 600
score() { # INPUT OUT FORMAT [options...]
    local in=$1 out=$2 format=$3
    shift 3
    "$QSCORE" score -i demo-scale.yaml -m mapping.yaml --format "$format" -o "$out" \
        --quarantine "$out.q.csv" "$@" "$in" 2>>score.log
}
score export.csv wide.csv wide --norms adults-test --threads 2
score export.csv wide1.csv wide --norms adults-test --threads 1
score export.csv long.csv csv --norms adults-test
score small.csv wide-small.csv wide --norms adults-test
score small.csv long-small.csv csv --norms adults-test
score small.csv wide-plain.csv wide
score small.csv long-plain.csv csv

check "the wide file has a header and one row per administration" \
    test "$(wc -l <wide.csv)" = 20801
check "the wide file is the same with one thread and with two" cmp -s wide.csv wide1.csv
check "the first row has the insufficient scores empty" \
    grep -q '^R_000001,C0002,demo-scale,2026-02-02,G2,T-B,,insufficient,,,,' wide.csv
check "the wide text is the long text (doubles with .0), with a norm" \
    "$PY" "$HERE/wide/check_text.py" wide.csv long.csv total A B
check "the wide text is the long text (doubles with .0), without a norm" \
    "$PY" "$HERE/wide/check_text.py" wide-plain.csv long-plain.csv total A B
small="wide-small.csv long-small.csv wide-plain.csv long-plain.csv"

if command -v Rscript >/dev/null; then
    check "R read.csv: the wide values are the long ones" \
        Rscript "$HERE/wide/check_wide.R" $small
else
    skip_or_fail r
fi
if "$PY" -c 'import pandas' >/dev/null 2>&1; then
    check "pandas read_csv: the wide values are the long ones" \
        "$PY" "$HERE/wide/check_wide.py" $small
else
    skip_or_fail pandas
fi
if command -v node >/dev/null && [ -d "$TOP/tests/duckdb/node_modules/@duckdb/node-api" ]; then
    check "DuckDB read_csv: the wide values are the long ones" \
        node "$TOP/tests/duckdb/check_wide.mjs" wide.csv long.csv $small
else
    skip_or_fail duckdb
fi

echo "wide: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
