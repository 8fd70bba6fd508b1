#!/bin/sh
# deps.sh - install the Debian packages qscore needs: with apt-get when root, else print the line.
# Usage: scripts/deps.sh [--ci|--fuzz]   (--ci adds the tools the test suite uses beyond the
# build; --fuzz only clang and libFuzzer, for `make fuzz`)
set -eu
PKGS="cmake make gcc pkg-config libcsv-dev libyaml-dev libxlsxwriter-dev libsqlite3-dev libsodium-dev libcmocka-dev"
# make fuzz: clang 14 with its sanitizer and libFuzzer runtimes (Debian 12).
FUZZ_PKGS="clang libclang-rt-14-dev libfuzzer-14-dev"
[ "${1:-}" = "--fuzz" ] && PKGS="$PKGS $FUZZ_PKGS"
if [ "${1:-}" = "--ci" ]; then
    # r-cran-psych: reliability.csv is checked against psych::alpha; Node.js runs DuckDB on the
    # export's Hive-partitioned files and the wide score file (Debian's nodejs/npm only when the
    # machine has none); python3-pandas reads both with read_csv. fonts-crosextra-carlito:
    # Calibri's metrics, which the workbooks' column widths (and so LibreOffice's chart sizes and
    # page widths) are in; a desktop LibreOffice installs it too. python3-yaml:
    # tests/tools/gen_clinic.py reads the instruments through reference_score.py; poppler-utils:
    # pdftotext reads back the workbooks LibreOffice printed (e2e.workbook2).
    PKGS="$PKGS clang-format python3-openpyxl python3-pandas python3-yaml libreoffice-calc-nogui"
    PKGS="$PKGS poppler-utils fonts-crosextra-carlito r-cran-psych $FUZZ_PKGS"
    command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "qscore: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "qscore: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
