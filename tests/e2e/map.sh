#!/bin/bash
# map.sh - `qscore map` drafts a mapping from exports of every profile (issue 17): numeric
# drafts score without edits like the hand-written mappings of tests/cases/score; label drafts
# list each unknown label with its count, are refused by `qscore score` until filled in, and
# then score like the hand-written ones. Usage: map.sh QSCORE WORKDIR
set -u
Q=$1
W=$2
HERE=$(cd "$(dirname "$0")" && pwd)
CASES=$HERE/../cases/score
INST=$HERE/../../instruments
. "$HERE/lib.sh"
rm -rf "$W" && mkdir -p "$W"

# score CASE MAPPING OUT: score the case's export with MAPPING (stdout to OUT).
score() {
    (cd "$CASES/$1" && "$Q" score -i "$INST/$4.yaml" -m "$2" --quarantine "$W/$1.q.csv" \
        export.csv >"$3" 2>/dev/null)
}

# Numeric exports: generic, REDCap raw, Qualtrics numeric: complete drafts (exit 0).
for c in generic-utf8:sfcds redcap-raw:sfcds qualtrics-numeric:sfcds; do
    case=${c%%:*} inst=${c##*:}
    (cd "$CASES/$case" && "$Q" map -i "$INST/$inst.yaml" -o "$W/$case.yaml" export.csv \
        2>"$W/$case.err")
    check "$case: a numeric draft is complete (exit 0)" test $? -eq 0
    check "$case: nothing left to decide" test ! -s "$W/$case.err"
    score "$case" "$W/$case.yaml" "$W/$case.draft.csv" "$inst"
    score "$case" mapping.yaml "$W/$case.hand.csv" "$inst"
    check "$case: the draft scores like the hand-written mapping" \
        cmp -s "$W/$case.draft.csv" "$W/$case.hand.csv"
    check "$case: scores were written" test -s "$W/$case.draft.csv"
done

# A numeric export with a missing-data code (-99, as Qualtrics writes for "seen, unanswered"):
# the draft lists it under missing: and scores without edits like a hand-written mapping.
mkdir -p "$W/codes"
sed -e '2s/,3,4,2,5,/,-99,4,2,5,/' -e '3s/,4,5,,4,/,4,5,-99,4,/' \
    "$CASES/generic-utf8/export.csv" >"$W/codes/export.csv"
{ cat "$CASES/generic-utf8/mapping.yaml"; echo 'missing: ["-99"]'; } >"$W/codes/hand.yaml"
(cd "$W/codes" && "$Q" map -i "$INST/sfcds.yaml" -o draft.yaml export.csv 2>map.err)
check "missing code: a complete draft (exit 0)" test $? -eq 0
check "missing code: -99 under missing:" grep -q '^  - "-99"   # 2 answers, outside 1..6' \
    "$W/codes/draft.yaml"
(cd "$W/codes" && "$Q" score -i "$INST/sfcds.yaml" -m draft.yaml --quarantine q1.csv export.csv \
    >draft.csv 2>/dev/null)
(cd "$W/codes" && "$Q" score -i "$INST/sfcds.yaml" -m hand.yaml --quarantine q2.csv export.csv \
    >hand.csv 2>/dev/null)
check "missing code: the draft scores like the hand-written mapping" \
    cmp -s "$W/codes/draft.csv" "$W/codes/hand.csv"
check "missing code: rows were scored" test "$(wc -l <"$W/codes/draft.csv")" -gt 5
check "missing code: nothing quarantined" test "$(wc -l <"$W/codes/q1.csv")" -eq 1

# Never over an existing file without --force.
(cd "$CASES/generic-utf8" && "$Q" map -i "$INST/sfcds.yaml" -o "$W/generic-utf8.yaml" \
    export.csv 2>"$W/exists.err")
check "an existing draft is not overwritten (exit 3)" test $? -eq 3
check "it says --force" grep -q -- "--force" "$W/exists.err"
(cd "$CASES/generic-utf8" && "$Q" map -i "$INST/sfcds.yaml" -o "$W/generic-utf8.yaml" --force \
    export.csv 2>/dev/null)
check "--force writes over it" test $? -eq 0

# A missing-data code (-99) goes under missing:, with its count.
(cd "$CASES/missing-spellings" && "$Q" map -i "$INST/sfcds.yaml" export.csv >"$W/miss.yaml" \
    2>"$W/miss.err")
check "missing-spellings: texts left to decide (exit 1)" test $? -eq 1
check "missing-spellings: -99 is a missing code" \
    grep -q '^  - "-99"   # 17 answers, outside 1..6' "$W/miss.yaml"
check "missing-spellings: N/A is left to fill in" grep -q '^  "N/A": "?"   # 2 answers' "$W/miss.yaml"
check "missing-spellings: stderr names N/A" grep -q 'labels: "N/A" (2 answers)' "$W/miss.err"

# Label exports: REDCap labels, Qualtrics labels.
for c in redcap-labels:sfcds:6 qualtrics-labels:dsi-r:4; do
    IFS=: read -r case inst n <<<"$c"
    (cd "$CASES/$case" && "$Q" map -i "$INST/$inst.yaml" export.csv >"$W/$case.yaml" \
        2>"$W/$case.err")
    check "$case: labels left to decide (exit 1)" test $? -eq 1
    check "$case: $n unknown labels in the draft" \
        test "$(grep -c ': "?"   # [0-9,]* answers: fill in the value' "$W/$case.yaml")" -eq "$n"
    check "$case: $n unknown labels on stderr" \
        test "$(grep -c 'is no answer of' "$W/$case.err")" -eq "$n"
    score "$case" "$W/$case.yaml" "$W/$case.refused.csv" "$inst"
    check "$case: score refuses the draft" test $? -eq 2
    (cd "$CASES/$case" && "$Q" score -i "$INST/$inst.yaml" -m "$W/$case.yaml" \
        --quarantine "$W/$case.q.csv" export.csv 2>"$W/$case.refused.err" >/dev/null)
    check "$case: the refusal names each label" \
        test "$(grep -c 'has no value yet' "$W/$case.refused.err")" -eq "$n"
    # Fill in the values as the hand-written mapping gives them.
    cp "$W/$case.yaml" "$W/$case.filled.yaml"
    while IFS= read -r line; do
        text=$(printf '%s' "$line" | sed -n 's/^  "\(.*\)": \([0-9]*\)$/\1/p')
        value=$(printf '%s' "$line" | sed -n 's/^  "\(.*\)": \([0-9]*\)$/\2/p')
        [ -n "$text" ] && sed -i "s|^  \"$text\": \"?\"|  \"$text\": $value|" "$W/$case.filled.yaml"
    done <"$CASES/$case/mapping.yaml"
    score "$case" "$W/$case.filled.yaml" "$W/$case.draft.csv" "$inst"
    score "$case" mapping.yaml "$W/$case.hand.csv" "$inst"
    check "$case: the filled-in draft scores like the hand-written mapping" \
        cmp -s "$W/$case.draft.csv" "$W/$case.hand.csv"
done

# SurveyMonkey and Google Forms: items and columns found, the dates left to decide (their
# slash dates never pass 12; a Google Forms date with a zone is not read without a format).
for c in surveymonkey:sfcds:"Statement {n}" google-forms:ecr-r:"Relationship feelings [Item {n}]"; do
    IFS=: read -r case inst pattern <<<"$c"
    (cd "$CASES/$case" && "$Q" map -i "$INST/$inst.yaml" export.csv >"$W/$case.yaml" \
        2>"$W/$case.err")
    check "$case: the date is left to decide (exit 1)" test $? -eq 1
    check "$case: item_pattern found" grep -qF "item_pattern: \"$pattern\"" "$W/$case.yaml"
    check "$case: client found" grep -q '^client_id: "Client code"' "$W/$case.yaml"
    check "$case: stderr says date_format" grep -q 'date_format' "$W/$case.err"
done

# A mapping that does not fit: one message, and no output file when nothing was scored.
(cd "$CASES/mapping-items-not-found" && "$Q" score -i "$INST/sfcds.yaml" -m mapping.yaml \
    -o "$W/none.csv" --quarantine "$W/none.q.csv" export.csv 2>"$W/none.err")
check "items not found: exit 2" test $? -eq 2
check "items not found: no output file" test ! -e "$W/none.csv"
check "items not found: one message for the items" \
    test "$(grep -c 'item columns' "$W/none.err")" -eq 1
check "items not found: no message per item" test "$(grep -c 'for item' "$W/none.err")" -eq 0

echo "map: $pass passed, $fail failed"
test "$fail" -eq 0
