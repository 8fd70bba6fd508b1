#!/bin/sh
# Fails if a banned unsafe function is called in our C code (see README, Contributing).
top=$1
cd "$top" || exit 1
hits=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atof|sscanf|gets)[[:space:]]*\(' \
    $(find cmd include src reports tests bench fuzz -name '*.[ch]' 2>/dev/null | sort) /dev/null)
if [ -n "$hits" ]; then
    echo "banned functions (use snprintf, memcpy with lengths, strtol/strtod with checks):"
    echo "$hits"
    exit 1
fi
exit 0
