# lib.sh - what the end-to-end scripts share (sourced): counted checks.
pass=0
fail=0

# check NAME COMMAND...: run COMMAND; count a pass, or a failure named on stderr.
check() {
    local name=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $name" >&2
    fi
}
