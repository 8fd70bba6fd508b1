#!/usr/bin/env bash
# make.sh - how tests/e2e/schema4/qscore.db and dump.txt were made, kept as their record: with
# the qscore of the last schema-4 release (main 643d83b), in /tmp/s4. Not run by the tests
# (today's qscore would write the current schema). Usage: make.sh QSCORE_SCHEMA4
set -euo pipefail
QSCORE=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
d=/tmp/s4
rm -rf "$d"
mkdir -p "$d/drop"
cp "$HERE/clinic.yaml" "$HERE/instrument.yaml" "$d/"
run() { "$QSCORE" run -c "$d/clinic.yaml" >/dev/null 2>&1 || true; }
# Run 1: day 1 with the mapping before its fix ("Sometimes" is not known yet), local norm of
# 3 clients made; R4 (unknown label) and R5 (out of the scale) quarantined.
grep -v Sometimes "$HERE/mapping.yaml" | grep -v '^labels:' >"$d/mapping.yaml"
cp "$HERE/drop/export-day1.csv" "$d/drop/"
run
# Run 2: the mapping fixed: day 1 replayed, R4 scored (resolved), R5 quarantined again.
cp "$HERE/mapping.yaml" "$d/mapping.yaml"
run
# Run 3: day 2, cumulative: R2 edited (version 2), C1's second form, R5 still open (once),
# R7 without a client id and R8 with an unknown label quarantined.
cp "$HERE/drop/export-day2.csv" "$d/drop/"
run
cp "$d/state/qscore.db" "$HERE/qscore.db"
"$QSCORE" dump -c "$d/clinic.yaml" >"$HERE/dump.txt"
