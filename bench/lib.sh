# lib.sh - helpers shared by the bench scripts (sourced, not run).

# median N... : the median of the numbers given.
median() {
    printf '%s\n' "$@" | sort -g |
        awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# put_section NAME TEXT : replace the block between "<!-- NAME" and "<!-- /NAME -->" in
# bench/RESULTS.md with TEXT (which carries those markers), or append it.
put_section() {
    local name=$1 text=$2
    if grep -q "<!-- $name" bench/RESULTS.md 2>/dev/null; then
        awk -v s="$text" -v opn="<!-- $name" -v cls="<!-- /$name -->" \
            'index($0, opn) == 1 { print s; skip = 1 } index($0, cls) == 1 { skip = 0; next } !skip' \
            bench/RESULTS.md >bench/RESULTS.md.tmp && mv bench/RESULTS.md.tmp bench/RESULTS.md
    else
        printf '\n%s\n' "$text" >>bench/RESULTS.md
    fi
}
