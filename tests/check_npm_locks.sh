#!/bin/sh
# Fails if a package-lock.json is out of step with its package.json, so that `npm ci` (what
# `make bench` and .ci/run use on a fresh clone) would refuse it: `npm ci --dry-run --offline`
# checks the lock without the network and installs nothing. Exit 77 (skip) without npm, unless
# QSCORE_TEST_REQUIRE names duckdb (the DuckDB peers are installed by npm).
top=$1
if ! command -v npm >/dev/null 2>&1; then
    case ",${QSCORE_TEST_REQUIRE:-}," in
    *,duckdb,*) echo "npm is required (QSCORE_TEST_REQUIRE=duckdb) but not installed"; exit 1 ;;
    esac
    echo "npm not installed: skipped"
    exit 77
fi
cache=$(mktemp -d) || exit 1
trap 'rm -rf "$cache"' EXIT
status=0
for dir in bench tests/duckdb; do
    if ! (cd "$top/$dir" && npm_config_cache="$cache" npm ci --dry-run --offline --no-audit \
        --no-fund --loglevel=error >"$cache/out" 2>&1); then
        echo "$dir/package-lock.json is out of step with $dir/package.json (npm ci refuses it):"
        echo "run 'npm install --package-lock-only' in $dir and commit the lock"
        sed -n 1,5p "$cache/out"
        status=1
    fi
done
exit $status
