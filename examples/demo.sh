#!/bin/sh
# demo.sh - what `make demo` runs: qscore on the shipped instruments and the example exports.
# Usage: examples/demo.sh PATH/TO/qscore
set -eu
QSCORE=${1:-build/qscore}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
export QSCORE_INSTRUMENTS="$top/instruments"

echo "== qscore $("$QSCORE" --version | cut -d' ' -f2): checking the shipped instrument definitions"
"$QSCORE" check "$top"/instruments/*.yaml
echo
echo "== installed instruments (QSCORE_INSTRUMENTS=$QSCORE_INSTRUMENTS)"
"$QSCORE" instruments
echo
echo "== a broken definition is refused with every problem and its position:"
"$QSCORE" check "$here/broken-instrument.yaml" 2>&1 || echo "(exit status $?, as documented)"
