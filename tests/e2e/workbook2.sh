#!/usr/bin/env bash
# workbook2.sh - issue 13's "done when": a generated clinic (tests/tools/gen_clinic.py: 3
# therapists, 4 groups, 40 clients, DSI-R and SFCDS monthly for 6 months) run as six nightly
# runs, each run's workbooks kept and checked with openpyxl and their XML parts
# (tests/workbook/check_workbook2.py, against the generator's ground truth), and the last run's
# workbooks converted to PDF by LibreOffice and read back with pdftotext.
# Usage: tests/e2e/workbook2.sh QSCORE WORKDIR
# Needs /usr/bin/python3 with openpyxl and PyYAML (Debian python3-openpyxl, python3-yaml):
# without them the test is skipped (exit 77), or fails when QSCORE_TEST_REQUIRE names openpyxl.
# Without soffice or pdftotext the PDF part is skipped, or fails when QSCORE_TEST_REQUIRE names
# libreoffice (CI: .ci/run). WORKBOOK2_GEN_OPTS=--old-config leaves reports.sections and
# reports.paper out of the clinic config (to try the checks on a build that refuses them).
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
export QSCORE_INSTRUMENTS="$TOP/instruments"
rm -rf "$WORK"
mkdir -p "$WORK"
umask 077
. "$HERE/lib.sh"
required() { case ",${QSCORE_TEST_REQUIRE:-}," in *,"$1",*) return 0 ;; esac; return 1; }

# The interpreter with openpyxl and PyYAML (a pyenv python3 first on PATH may have neither).
PY=
for p in "${QS_PYTHON:-}" /usr/bin/python3 python3; do
    if [ -n "$p" ] && "$p" -c 'import openpyxl, yaml' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    if required openpyxl; then
        echo "FAIL: openpyxl is required (QSCORE_TEST_REQUIRE) but no python3 imports openpyxl and yaml" >&2
        exit 1
    fi
    echo "SKIP: no python3 with openpyxl and yaml (python3-openpyxl, python3-yaml)"
    exit 77
fi

# 1. The clinic, its six monthly exports (cumulative) and the ground truth: January to June
# 2026, each month's export stamped (and run) on the 1st of the next month.
"$PY" "$TOP/tests/tools/gen_clinic.py" "$WORK" --seed 13 --end 2026-07-01 \
    ${WORKBOOK2_GEN_OPTS:-}
mkdir -p "$WORK/exports" "$WORK/runs"

# 2. Six nightly runs, each the night the month's export arrived (QSCORE_TEST_NOW: the run's
# time, so "made", days since and overdue are those of that night); every run's workbooks kept.
for k in 1 2 3 4 5 6; do
    cp "$WORK/staged/month-$k/"*.csv "$WORK/exports/"
    night=$(ls "$WORK/staged/month-$k/" | sed -n 's/^qualtrics-dsi-r-\([0-9-]*\)\.csv$/\1/p')
    r="$WORK/runs/run-$k"
    mkdir -p "$r"
    echo "$night" >"$r/dates.txt"
    st=0
    QSCORE_TEST_NOW="${night}T02:30:00Z" "$QSCORE" run -c "$WORK/clinic.yaml" \
        >"$r/stdout.txt" 2>"$r/stderr.txt" || st=$?
    # 1 = rows quarantined (month 5 holds two rows with an answer outside the scale)
    if [ "$st" -gt 1 ]; then
        echo "FAIL: run $k: qscore run exited $st" >&2
        cat "$r/stderr.txt" >&2
        exit 1
    fi
    want=0
    [ "$k" -ge 5 ] && want=1
    check "run $k exits $want" test "$st" = "$want"
    n=0
    while read -r b; do
        [ -n "$b" ] || continue
        cp "$b" "$r/"
        n=$((n + 1))
    done <"$r/stdout.txt"
    check "run $k writes one workbook per therapist (3, got $n)" test "$n" = 3
    "$QSCORE" norms -c "$WORK/clinic.yaml" >"$r/norms.txt"
done

# 3. LibreOffice renders the last run's workbooks; pdftotext reads them back.
pdf_skip() {
    if required libreoffice; then
        fail=$((fail + 1))
        echo "FAIL: libreoffice is required (QSCORE_TEST_REQUIRE) but $1 is missing" >&2
    else
        echo "SKIP: $1 is missing: the PDF checks did not run (.ci/run installs it)"
    fi
}
if ! command -v soffice >/dev/null 2>&1; then
    pdf_skip soffice
elif ! command -v pdftotext >/dev/null 2>&1; then
    pdf_skip "pdftotext (poppler-utils)"
else
    mkdir -p "$WORK/pdf"
    start=$(date +%s)
    # A private profile: no clash with another LibreOffice of the user, nothing left in $HOME.
    timeout -k 10 180 soffice -env:UserInstallation="file://$WORK/lo-profile" --headless --norestore \
        --convert-to pdf --outdir "$WORK/pdf" "$WORK/runs/run-6/"*.xlsx \
        >"$WORK/soffice.log" 2>&1 || true
    echo "LibreOffice: $(($(date +%s) - start)) s for $(ls "$WORK/runs/run-6/"*.xlsx | wc -l) workbooks"
    for b in "$WORK/runs/run-6/"*.xlsx; do
        p="$WORK/pdf/$(basename "${b%.xlsx}").pdf"
        if check "LibreOffice converts $(basename "$b") to PDF" \
            sh -c '[ -s "$1" ] && head -c 5 "$1" | grep -q "%PDF-"' sh "$p"; then
            pdftotext -layout "$p" "${p%.pdf}.txt"
        else
            cat "$WORK/soffice.log" >&2
        fi
    done
fi

# 4. The workbooks of every run against the contract and the ground truth.
check "the workbooks of the six runs follow the layout contract" \
    "$PY" "$TOP/tests/workbook/check_workbook2.py" "$WORK"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
