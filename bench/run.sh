#!/usr/bin/env bash
# run.sh - `make bench`: qscore against its peers on one synthetic DSI-R export (bench/README.md).
#
#   bench/run.sh BUILD_DIR
#
# Environment:
#   BENCH_ROWS=1000000   data rows in the export (e.g. 100000 for a quick check)
#   BENCH_REPS=5         timed runs of each contender, interleaved round-robin
#   BENCH_NO_INSTALL=1   never install missing peers (default: install them when root)
#   BENCH_NO_SLOW=1      leave out the R and pandas peers (a quick check of qscore vs DuckDB)
#   BENCH_NO_PROFILE=1   no perf profile of qscore
#   PYTHON=/usr/bin/python3   the interpreter that has Debian's python3-pandas
#
# Steps: install missing peers (root only) or note them as skipped; regenerate bench/dsi_key.txt
# from instruments/dsi-r.yaml; build gen_export and parse_only in BUILD_DIR if needed; generate
# bench/data/export-<rows>.csv; run every contender BENCH_REPS times, round-robin (rep 1 of all,
# then rep 2 of all, ...) under /usr/bin/time; run qscore (long and wide) on a 10x smaller file
# for the memory scaling check; run qscore with --threads 1 and compare its outputs' sha256
# with the default's; cross-check the outputs on the first 1000 rows and qscore's wide file
# with the DuckDB wide peer's on every row; profile qscore with perf; write bench/RESULTS.md
# (keeping the sections incremental.sh, workbook.sh and export.sh write).
# A contender that is missing or fails is reported as such in RESULTS.md, never fatal.
set -u

if [ $# -ne 1 ]; then
    echo "usage: bench/run.sh BUILD_DIR" >&2
    exit 2
fi
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
BUILD=$1
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
ROWS=${BENCH_ROWS:-1000000}
REPS=${BENCH_REPS:-5}
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3)
DATA=bench/data
TIME=/usr/bin/time
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
# The tree being measured, read now: other work may commit while the bench runs.
COMMIT="$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)$(git -C "$TOP" diff --quiet HEAD -- \
    src include cmd reports CMakeLists.txt 2>/dev/null || echo ' + uncommitted changes to the sources')"

case $ROWS in '' | *[!0-9]* | 0) echo "run.sh: BENCH_ROWS must be a positive integer" >&2; exit 2 ;; esac
case $REPS in '' | *[!0-9]* | 0) echo "run.sh: BENCH_REPS must be a positive integer" >&2; exit 2 ;; esac

mkdir -p "$DATA" || exit 1
WORK=$(mktemp -d "$DATA/run.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
NOTES=$WORK/notes.txt # free-text notes for RESULTS.md, one per line
: >"$NOTES"
note() { echo "run.sh: $*" >&2; echo "$*" >>"$NOTES"; }
say() { echo "run.sh: $*" >&2; }

label_of() { # 1000000 -> 1m, 100000 -> 100k, otherwise the number
    local n=$1
    if [ $((n % 1000000)) -eq 0 ]; then echo "$((n / 1000000))m"
    elif [ $((n % 1000)) -eq 0 ]; then echo "$((n / 1000))k"
    else echo "$n"; fi
}

# --- 1. Peers: check, install when root, otherwise skip with a note ------------------------
have_r() { command -v Rscript >/dev/null 2>&1 &&
    Rscript -e 'suppressPackageStartupMessages({library(psych); library(data.table)})' >/dev/null 2>&1; }
have_pandas() { "$PY" -c 'import pandas' >/dev/null 2>&1; }
have_yaml() { "$PY" -c 'import yaml' >/dev/null 2>&1; }
have_node() { command -v node >/dev/null 2>&1 && [ -d bench/node_modules/@duckdb/node-api ]; }

missing_pkgs=""
[ -x "$TIME" ] || missing_pkgs="$missing_pkgs time"
have_r || missing_pkgs="$missing_pkgs r-cran-psych r-cran-data.table"
have_pandas || missing_pkgs="$missing_pkgs python3-pandas"
have_yaml || missing_pkgs="$missing_pkgs python3-yaml"
if [ -n "$missing_pkgs" ]; then
    if [ "$(id -u)" -eq 0 ] && [ -z "${BENCH_NO_INSTALL:-}" ] && command -v apt-get >/dev/null; then
        say "installing:$missing_pkgs"
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing_pkgs >"$WORK/apt.log" 2>&1 ||
            { apt-get update -q >>"$WORK/apt.log" 2>&1 &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing_pkgs >>"$WORK/apt.log" 2>&1; } ||
            note "apt-get install of$missing_pkgs failed (log: tail below); affected peers are skipped"
    else
        note "missing Debian packages:$missing_pkgs (not root or BENCH_NO_INSTALL set): affected peers are skipped"
    fi
fi
if ! have_node && command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
    [ -z "${BENCH_NO_INSTALL:-}" ]; then
    say "installing @duckdb/node-api into bench/node_modules (npm ci)"
    (cd bench && npm ci --no-audit --no-fund >"$WORK/npm.log" 2>&1) ||
        note "npm ci in bench/ failed: the DuckDB peer is skipped"
fi
if [ ! -x "$TIME" ]; then
    echo "run.sh: $TIME (Debian package 'time') is required to measure peak RSS" >&2
    exit 1
fi

# --- 2. The key every peer reads ----------------------------------------------------------
if have_yaml; then
    "$PY" bench/make_key.py >&2 || { echo "run.sh: bench/make_key.py failed" >&2; exit 1; }
    KEYNOTE="bench/dsi_key.txt regenerated from instruments/dsi-r.yaml by bench/make_key.py"
    if [ -f ../shared/instruments/KEYS.md ]; then
        KEYNOTE="$KEYNOTE and checked against shared/instruments/KEYS.md"
    fi
else
    KEYNOTE="bench/dsi_key.txt used as checked in (PyYAML missing: not regenerated from the YAML)"
    note "$KEYNOTE"
fi

# --- 3. Tools and data --------------------------------------------------------------------
if [ ! -x "$BUILD/bench/gen_export" ] || [ ! -x "$BUILD/bench/parse_only" ]; then
    say "building gen_export and parse_only in $BUILD"
    cmake --build "$BUILD" --target gen_export parse_only >&2 ||
        { echo "run.sh: cannot build bench tools in $BUILD" >&2; exit 1; }
fi
# The binaries measured, copied now: a build of other work in BUILD_DIR during the run would
# otherwise swap them between reps.
BIN=$DATA/bin
mkdir -p "$BIN" || exit 1
cp "$BUILD/bench/gen_export" "$BUILD/bench/parse_only" "$BIN/" || exit 1
BUILT=""
if [ -x "$BUILD/qscore" ]; then
    cp "$BUILD/qscore" "$BIN/qscore" || exit 1
    BUILT="; qscore binary built $(date -u -r "$BUILD/qscore" '+%Y-%m-%d %H:%M:%S UTC'), copied to $BIN at the start"
fi
LABEL=$(label_of "$ROWS")
EXPORT=$DATA/export-$LABEL.csv
say "generating $EXPORT ($ROWS rows)"
if ! "$BIN/gen_export" "$ROWS" "$EXPORT.tmp" || ! mv "$EXPORT.tmp" "$EXPORT"; then
    echo "run.sh: gen_export failed" >&2
    exit 1
fi
BYTES=$(stat -c %s "$EXPORT")
SHA=$(sha256sum "$EXPORT" | cut -d' ' -f1)

# --- 4. Contenders ------------------------------------------------------------------------
# name | command (run from the top of the repository) | output file. parse-only writes none.
QSCORE_OK=0
QSCORE_WHY=""
if [ ! -x "$BUILD/qscore" ]; then
    QSCORE_WHY="$BUILD/qscore does not exist (build failed or not built)"
elif ! "$BIN/qscore" help 2>/dev/null | grep -q '^ *score '; then
    QSCORE_WHY="'$BUILD/qscore help' does not list a score command (not implemented in this build)"
else
    QSCORE_OK=1
fi
if [ $QSCORE_OK -eq 1 ] && ! "$BIN/qscore" score --help 2>&1 | grep -q 'csv|wide'; then
    QSCORE_OK=0
    QSCORE_WHY="'$BUILD/qscore score --help' lists no --format wide (built before issue 15)"
fi
[ $QSCORE_OK -eq 1 ] || note "qscore contenders not run: $QSCORE_WHY"

# qscore score on FILE to OUT in FORMAT (csv = long, wide), extra options after.
qscore_cmd() { # format file out [options...]
    local fmt=$1 file=$2 out=$3
    shift 3
    echo "$BIN/qscore score -i instruments/dsi-r.yaml -m bench/mapping.yaml --format $fmt -o $out --quarantine $out.quarantine.csv${*:+ $*} $file"
}

names=() cmds=() outs=()
add() { names+=("$1"); cmds+=("$2"); outs+=("$3"); }
if [ $QSCORE_OK -eq 1 ]; then
    add qscore-long "$(qscore_cmd csv "$EXPORT" "$DATA/out-qscore-long.csv")" "$DATA/out-qscore-long.csv"
    add qscore-wide "$(qscore_cmd wide "$EXPORT" "$DATA/out-qscore-wide.csv")" "$DATA/out-qscore-wide.csv"
fi
if [ -n "${BENCH_NO_SLOW:-}" ]; then
    note "R and pandas peers left out (BENCH_NO_SLOW set)"
elif have_r; then
    add R-scoreItems "Rscript bench/peer_psych.R scoreItems bench/dsi_key.txt $EXPORT $DATA/out-psych-scoreItems.csv" "$DATA/out-psych-scoreItems.csv"
    add R-scoreFast "Rscript bench/peer_psych.R scoreFast bench/dsi_key.txt $EXPORT $DATA/out-psych-scoreFast.csv" "$DATA/out-psych-scoreFast.csv"
else
    note "R peers skipped: Rscript with psych and data.table not available"
fi
if [ -n "${BENCH_NO_SLOW:-}" ]; then
    :
elif have_pandas; then
    add pandas "$PY bench/peer_pandas.py bench/dsi_key.txt $EXPORT $DATA/out-pandas.csv" "$DATA/out-pandas.csv"
else
    note "pandas peer skipped: $PY cannot import pandas"
fi
if have_node; then
    add DuckDB-1T "node bench/peer_duckdb.mjs 1 bench/dsi_key.txt $EXPORT $DATA/out-duckdb-1t.csv" "$DATA/out-duckdb-1t.csv"
    add DuckDB-2T "node bench/peer_duckdb.mjs 2 bench/dsi_key.txt $EXPORT $DATA/out-duckdb-2t.csv" "$DATA/out-duckdb-2t.csv"
    add DuckDB-wide-1T "node bench/peer_duckdb_wide.mjs 1 bench/dsi_key.txt $EXPORT $DATA/out-duckdb-wide-1t.csv" "$DATA/out-duckdb-wide-1t.csv"
    add DuckDB-wide-2T "node bench/peer_duckdb_wide.mjs 2 bench/dsi_key.txt $EXPORT $DATA/out-duckdb-wide-2t.csv" "$DATA/out-duckdb-wide-2t.csv"
else
    note "DuckDB peers skipped: node or bench/node_modules/@duckdb/node-api not available"
fi
add parse-only "$BIN/parse_only $EXPORT" ""

# One timed run: appends "name rep status wall_s time_e_s rss_kb cpu_s" to $WORK/runs.tsv.
# Wall time is taken with a nanosecond clock around /usr/bin/time (%e has 10 ms resolution);
# peak RSS is /usr/bin/time's %M (KiB, the largest resident set of the process); CPU time is
# %U + %S (user + system, all threads), which shows who uses more than one core.
RUNS=$WORK/runs.tsv
: >"$RUNS"
run_one() { # name rep command log
    local name=$1 rep=$2 cmd=$3 log=$4 t0 t1 st e m u s
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    $TIME -f '%e %M %U %S' -o "$WORK/time.out" $cmd >"$log" 2>&1
    st=$?
    t1=$(date +%s%N)
    read -r e m u s < <(tail -n 1 "$WORK/time.out")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rep" "$st" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')" "${e:-NA}" "${m:-NA}" \
        "$(awk -v u="${u:-x}" -v s="${s:-x}" 'BEGIN { if (u == "x" || s == "x") print "NA"; else printf "%.2f", u + s }')" >>"$RUNS"
    return $st
}
ok_status() { # name status: qscore exits 1 when rows were quarantined (still a complete run)
    [ "$2" -eq 0 ] || { case $1 in qscore*) [ "$2" -eq 1 ] ;; *) false ;; esac; }
}

say "warming the page cache, then $REPS interleaved reps of ${#names[@]} contenders"
cat "$EXPORT" >/dev/null
failed=() # names that failed once: not run again
for rep in $(seq 1 "$REPS"); do
    for i in "${!names[@]}"; do
        name=${names[$i]}
        case " ${failed[*]-} " in *" $name "*) continue ;; esac
        log=$WORK/log-$name-$rep.txt
        run_one "$name" "$rep" "${cmds[$i]}" "$log"
        st=$?
        say "rep $rep/$REPS $name: $(tail -n 1 "$RUNS" | cut -f4)s, status $st"
        if ! ok_status "$name" $st; then
            failed+=("$name")
            { echo "$name failed (exit status $st) on rep $rep: \`${cmds[$i]}\`; last lines:"
              tail -n 5 "$log" | sed 's/^/    /'; } >>"$NOTES"
        fi
        cp "$log" "$WORK/last-$name.txt"
    done
done

# --- 5. Memory scaling: qscore on a 10x smaller file; then --threads 1 vs the default --------
# scaling.tsv: rows, format, then the RUNS.tsv columns. threads.tsv: format, sha256 with the
# default threads, sha256 with --threads 1, then the RUNS.tsv columns of the --threads 1 run.
SCALE=$WORK/scaling.tsv
THREADS=$WORK/threads.tsv
: >"$SCALE"
: >"$THREADS"
if [ $QSCORE_OK -eq 1 ]; then
    SMALL=$((ROWS / 10))
    [ "$ROWS" -gt 1000000 ] && SMALL=100000
    [ "$SMALL" -ge 1 ] || SMALL=1
    SLABEL=$(label_of "$SMALL")
    SEXPORT=$DATA/export-$SLABEL.csv
    "$BIN/gen_export" "$SMALL" "$SEXPORT" || note "gen_export $SMALL failed"
    for rep in 1 2 3; do
        for fmt in long wide; do
            f=$fmt; [ $fmt = long ] && f=csv
            run_one "qscore-$fmt-$SLABEL" "$rep" "$(qscore_cmd $f "$SEXPORT" "$DATA/out-qscore-$fmt-$SLABEL.csv")" "$WORK/log-scale.txt"
        done
    done
    for fmt in long wide; do
        grep "^qscore-$fmt-$SLABEL	" "$RUNS" | sed "s/^/$SMALL	$fmt	/" >>"$SCALE"
        grep "^qscore-$fmt	" "$RUNS" | sed "s/^/$ROWS	$fmt	/" >>"$SCALE"
        sed -i "/^qscore-$fmt-$SLABEL	/d" "$RUNS"
    done
    # Same bytes with one thread as with the default (2 on a 2-core machine): the last timed
    # run's output against one run with --threads 1.
    for fmt in long wide; do
        f=$fmt; [ $fmt = long ] && f=csv
        out2=$DATA/out-qscore-$fmt.csv out1=$DATA/out-qscore-$fmt-threads1.csv
        case " ${failed[*]-} " in *" qscore-$fmt "*) continue ;; esac
        run_one "qscore-$fmt-threads1" 1 "$(qscore_cmd $f "$EXPORT" "$out1" --threads 1)" "$WORK/log-threads.txt"
        printf '%s\t%s\t%s\t%s\n' "$fmt" "$(sha256sum "$out2" | cut -d' ' -f1)" \
            "$(sha256sum "$out1" 2>/dev/null | cut -d' ' -f1)" "$(tail -n 1 "$RUNS")" >>"$THREADS"
        sed -i "/^qscore-$fmt-threads1	/d" "$RUNS"
        rm -f "$out1" "$out1.quarantine.csv"
    done
fi

# --- 6. Cross-check on the first 1000 rows ------------------------------------------------
CHECK=$WORK/crosscheck.md
checkargs=()
for i in "${!names[@]}"; do
    [ -n "${outs[$i]}" ] || continue
    case " ${failed[*]-} " in *" ${names[$i]} "*) continue ;; esac
    [ -f "${outs[$i]}" ] && checkargs+=("${names[$i]}=${outs[$i]}")
done
if [ ${#checkargs[@]} -gt 0 ]; then
    "$PY" bench/crosscheck.py bench/dsi_key.txt "$EXPORT" 1000 "${checkargs[@]}" >"$CHECK" 2>&1 ||
        note "cross-check found disagreements (see the Cross-check section)"
else
    echo "No contender output to compare." >"$CHECK"
fi
# Every row: qscore's wide file against the DuckDB wide peers' (same values?).
SAME=$WORK/samevalues.md
sameargs=()
for n in DuckDB-wide-2T DuckDB-wide-1T; do
    case " ${failed[*]-} " in *" $n "*) continue ;; esac
    for i in "${!names[@]}"; do
        [ "${names[$i]}" = "$n" ] && [ -f "${outs[$i]}" ] && sameargs+=("$n=${outs[$i]}")
    done
done
if [ $QSCORE_OK -eq 1 ] && [ -f "$DATA/out-qscore-wide.csv" ] && [ ${#sameargs[@]} -gt 0 ]; then
    "$PY" bench/compare_wide.py "$DATA/out-qscore-wide.csv" "${sameargs[@]}" >"$SAME" 2>&1 ||
        note "the DuckDB wide peer's values differ from qscore's wide file (see Same values)"
else
    echo "Not compared (qscore's wide file or the DuckDB wide peer missing)." >"$SAME"
fi
if [ $QSCORE_OK -eq 1 ] && [ -f "$WORK/last-qscore-long.txt" ]; then
    QSUMMARY=$(grep -m1 '^qscore: scored' "$WORK/last-qscore-long.txt" || tail -n 1 "$WORK/last-qscore-long.txt")
    echo "qscore summary (last rep): \`$QSUMMARY\`" >>"$NOTES"
fi

# --- 6b. Where the time goes: perf profile of one wide and one long run (not timed) ------
PROF=$WORK/profile
mkdir -p "$PROF"
PERF_HZ=1999
if [ $QSCORE_OK -eq 1 ] && [ -z "${BENCH_NO_PROFILE:-}" ] && command -v perf >/dev/null 2>&1 &&
    perf record -q -F $PERF_HZ -o "$PROF/probe.data" -- true >/dev/null 2>&1; then
    for fmt in wide long; do
        f=$fmt; [ $fmt = long ] && f=csv
        out=$DATA/out-qscore-$fmt-perf.csv
        say "perf record: qscore --format $f"
        # shellcheck disable=SC2046
        perf record -q -F $PERF_HZ -o "$PROF/$fmt.data" -- $(qscore_cmd $f "$EXPORT" "$out") \
            >/dev/null 2>"$PROF/$fmt.log"
        rm -f "$out" "$out.quarantine.csv"
        # samples per thread (pid, tid, count); shares per thread, shared object and symbol
        perf script -i "$PROF/$fmt.data" -F pid,tid 2>/dev/null | tr '/' ' ' |
            awk '{ n[$1 "\t" $2]++ } END { for (k in n) print k "\t" n[k] }' >"$PROF/$fmt.threads"
        perf report -i "$PROF/$fmt.data" --stdio --no-children --sort pid,dso,symbol 2>/dev/null |
            grep -v '^#' | grep -v '^$' >"$PROF/$fmt.symbols"
    done
    echo "$PERF_HZ" >"$PROF/hz"
    perf --version >"$PROF/version" 2>/dev/null
elif [ -z "${BENCH_NO_PROFILE:-}" ]; then
    note "no perf profile: perf missing or not permitted here (perf_event_paranoid)"
fi

# --- 7. Versions and machine, then RESULTS.md ---------------------------------------------
ver() { "$@" 2>/dev/null | head -n 1; }
{
    echo "date	$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "load_start	$LOAD_START"
    echo "load_end	$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
    echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "nproc	$(nproc)"
    echo "ram	$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    # shellcheck source=/dev/null
    echo "os	$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null), kernel $(uname -r)"
    echo "commit	$COMMIT (at the start of the run)$BUILT"
    echo "build	$BUILD ($(grep -m1 '^CMAKE_BUILD_TYPE:' "$BUILD/CMakeCache.txt" 2>/dev/null | cut -d= -f2))"
    echo "r	$(ver Rscript -e 'cat(R.version.string, "psych", as.character(packageVersion("psych")), "data.table", as.character(packageVersion("data.table")))')"
    echo "pandas	$(ver "$PY" -c 'import sys, pandas; print("Python", sys.version.split()[0], "pandas", pandas.__version__)')"
    echo "duckdb	$(cd bench && ver node --input-type=module -e 'import { DuckDBInstance } from "@duckdb/node-api"; const c = await (await DuckDBInstance.create()).connect(); const r = await c.runAndReadAll("select version()"); console.log("node", process.version, "DuckDB", r.getRows()[0][0]);')"
    echo "libcsv	$(dpkg-query -W -f '${Version}' libcsv-dev 2>/dev/null)"
    echo "file	$EXPORT"
    echo "rows	$ROWS"
    echo "bytes	$BYTES"
    echo "sha256	$SHA"
    echo "reps	$REPS"
    echo "keynote	$KEYNOTE"
    echo "qscore_ok	$QSCORE_OK"
    echo "qscore_why	$QSCORE_WHY"
    for i in "${!names[@]}"; do
        echo "cmd:${names[$i]}	${cmds[$i]}"
        [ -n "${outs[$i]}" ] && [ -f "${outs[$i]}" ] && echo "out:${names[$i]}	$(stat -c %s "${outs[$i]}")"
    done
} >"$WORK/meta.tsv"
# The sections the other bench scripts write (from their first marker on) are kept.
KEEP=$WORK/kept.md
: >"$KEEP"
[ -f bench/RESULTS.md ] && awk '/^<!-- [a-z]+: written by bench\// { on = 1 } on' bench/RESULTS.md >"$KEEP"
if ! "$PY" bench/report.py "$WORK/meta.tsv" "$RUNS" "$SCALE" "$CHECK" "$NOTES" "$THREADS" "$SAME" \
    "$PROF" "$KEEP" >bench/RESULTS.md.tmp || ! mv bench/RESULTS.md.tmp bench/RESULTS.md; then
    echo "run.sh: report.py failed" >&2
    exit 1
fi
say "wrote bench/RESULTS.md"
sed -n '/^## Results/,/^## Memory/p' bench/RESULTS.md | sed '$d' >&2
sed -n '/^## Goal checks/,/^## Same values/p' bench/RESULTS.md | sed '$d' >&2
