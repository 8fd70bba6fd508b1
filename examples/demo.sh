#!/bin/sh
# demo.sh - what `make demo` runs: qscore on the shipped instruments and the example exports.
# Usage: examples/demo.sh PATH/TO/qscore
set -eu
QSCORE=${1:-build/qscore}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out="$here/out"
export QSCORE_INSTRUMENTS="$top/instruments"
umask 077 # outputs hold health data
mkdir -p "$out"

echo "== qscore $("$QSCORE" --version | cut -d' ' -f2): the shipped instrument definitions"
"$QSCORE" check "$top"/instruments/*.yaml
echo
echo "== a broken definition is refused with every problem and its position:"
"$QSCORE" check "$here/broken-instrument.yaml" 2>&1 || echo "(exit status $?, as documented)"

score() { # instrument mapping export output
    echo
    echo "== qscore score -i $1 -m ${2#"$top"/} ${3#"$top"/}"
    status=0
    "$QSCORE" score -i "$1" -m "$2" -o "$4" "$3" || status=$?
    echo "   exit status $status (1 = some rows were quarantined: see the .quarantine.csv)"
    echo "   flagged administrations (response_id, client_id, flag, status):"
    grep ',flag,' "$4" | cut -d, -f1,2,4,11 | sed 's/^/     /' || echo "     none"
}
score dsi-r "$here/mappings/qualtrics-dsi-r.yaml" "$here/exports/qualtrics-dsi-r.csv" \
    "$out/dsi-r-scores.csv"
score sfcds "$here/mappings/excel-sfcds.yaml" "$here/exports/excel-sfcds.csv" \
    "$out/sfcds-scores.csv"
echo
echo "== the nightly job: qscore run -c examples/clinic.yaml (store: examples/out/qscore.db)"
rm -f "$out/qscore.db" "$out/qscore.db-wal" "$out/qscore.db-shm" "$out/qscore.log" \
    "$out"/quarantine-run*.csv
status=0
"$QSCORE" run -c "$here/clinic.yaml" 2>&1 | grep -v 'event=' || status=$?
echo
echo "== the same job again: every file is known, nothing is ingested twice"
"$QSCORE" run -c "$here/clinic.yaml" 2>&1 | grep -v 'event=' || true
echo
"$QSCORE" status -c "$here/clinic.yaml"
echo
echo "== a research export: the site key (made once, never overwritten), then pseudonymized files"
"$QSCORE" keygen -c "$here/clinic.yaml"
rm -rf "$out/research-export"
"$QSCORE" export -c "$here/clinic.yaml" -o "$out/research-export" --items
echo "   (8 clients: every aggregate cell is below k = 11 and suppressed; see README.txt there)"
echo
echo "Outputs are in ${out#"$top"/}/ (scores, quarantine CSVs, the store, qscore.log, reports/,"
echo "keys/ and research-export/)."
echo "Flags are screening aids for a clinician, never diagnoses."
