#!/bin/sh
# Fails if any C source or header differs from .clang-format; exit 77 (skip) without clang-format.
top=$1
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed: skipped"; exit 77; }
cd "$top" || exit 1
status=0
for f in $(find cmd include src reports tests bench fuzz -name '*.[ch]' 2>/dev/null | sort); do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run: clang-format -i $f)"
        status=1
    fi
done
exit $status
