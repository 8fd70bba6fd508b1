#!/bin/sh
# store_private.sh - the store's SQLite stays inside src/: store_internal.h (the raw handle) is
# included by src/ files only, and no file of include/, reports/ or cmd/ includes sqlite3.h.
# Reports and exports read through qscore/store.h (README, Architecture).
# tests/unit/ may include store_internal.h: white-box tests of the store (test_store.c) run SQL
# on the handle to set up and check states the public API does not expose.
# Usage: tests/arch/store_private.sh SOURCE_DIR
top=$1
cd "$top" || exit 1
status=0
files=$(find cmd include reports tests bench -name '*.[ch]' ! -path 'tests/unit/*' 2>/dev/null | sort)
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?store_internal\.h[">]' \
    $files /dev/null)
if [ -n "$hits" ]; then
    echo "store_internal.h included outside src/ (read through qscore/store.h instead):"
    echo "$hits"
    status=1
fi
files=$(find cmd include reports -name '*.[ch]' 2>/dev/null | sort)
hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]sqlite3\.h[">]' $files /dev/null)
if [ -n "$hits" ]; then
    echo "sqlite3.h included outside src/ (the store's SQL lives in src/store*.c):"
    echo "$hits"
    status=1
fi
exit $status
