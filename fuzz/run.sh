#!/usr/bin/env bash
# run.sh - run every libFuzzer harness for SECONDS each over its committed seeds, under ASan+UBSan.
# Usage: fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]   (make fuzz; .ci/run)
# The committed corpus (fuzz/corpus/NAME) is read, never written: new inputs go to
# BUILD_DIR/fuzz-work/NAME/corpus, a crash to BUILD_DIR/fuzz-work/NAME/crash-* (replay it with
# `BUILD_DIR/fuzz/fuzz_NAME FILE`). Ends with one line per target: executions per second and
# the coverage reached (libFuzzer's cov: edges and ft: features); fails if any target found a crash.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$1"
secs="${2:-60}"
shift $(($# > 1 ? 2 : 1))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(reader ingest instrument mapping config expr merge wbtext)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=0
summary=""
for t in "${targets[@]}"; do
    bin="$build/fuzz/fuzz_$t"
    work="$build/fuzz-work/$t"
    rm -rf "$work" && mkdir -p "$work/corpus"
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin is missing (build the fuzz_targets target)" >&2
        exit 2
    fi
    echo "fuzz: $t for ${secs}s" >&2
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$here/corpus/$t" \
        >"$work/log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/log" | tail -1)
    line=$(printf '%-10s %6s exec/s %10s runs  %s' "$t" "${eps:-?}" "${execs:-?}" "${cov:-cov: ?}")
    if [ $rc -ne 0 ]; then
        failed=1
        line="$line  FAILED (rc $rc): $(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* \
            "$work"/oom-* 2>/dev/null | head -1)"
        grep -m1 -A12 'ERROR: \|runtime error' "$work/log" >&2
    fi
    summary="$summary$line"$'\n'
done
printf '%s' "$summary"
exit $failed
