#!/usr/bin/env bash
# export.sh - end-to-end tests of `qscore keygen`, `qscore export` and `qscore merge` on a
# synthetic two-site cohort with planted identifiers (tests/e2e/export/make_cohort.py).
# Usage: tests/e2e/export.sh QSCORE WORKDIR
# R with psych, DuckDB (node, tests/duckdb/node_modules) and pandas (/usr/bin/python3) are needed
# for some of the checks (r, duckdb, pandas); without them those checks are reported as skipped,
# or fail when QSCORE_TEST_REQUIRE names them (CI).
set -euo pipefail
QSCORE=$(realpath "$1")
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
export QSCORE_INSTRUMENTS="$TOP/instruments"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
umask 077
. "$HERE/lib.sh"
required() { case ",${QSCORE_TEST_REQUIRE:-}," in *,"$1",*) return 0 ;; esac; return 1; }
skip_or_fail() { # what
    if required "$1"; then
        fail=$((fail + 1))
        echo "FAIL: $1 is required (QSCORE_TEST_REQUIRE) but not available" >&2
    else
        echo "SKIP: $1 not available: its checks did not run" >&2
    fi
}

"$PY" "$HERE/export/make_cohort.py" "$TOP/instruments" cohort 7
cp "$HERE/export/mapping.yaml" .

config() { # name key_file sites... -> NAME.yaml with a store and sources per site
    local name=$1 key=$2
    shift 2
    {
        echo "store: $name.db"
        echo "output: out-$name"
        echo "sources:"
        for s in "$@"; do
            for inst in dsi-r sfcds; do
                printf '  - {id: %s-%s, files: "cohort/%s/%s.csv", instrument: %s, mapping: mapping.yaml, site: %s}\n' \
                    "$s" "$inst" "$s" "$inst" "$inst" "$s"
            done
        done
        echo "export:"
        echo "  key_file: $key"
        echo "  covariates: {gender: category, age: age_band, intake: year}"
    } >"$name.yaml"
}
config a keys/site.key site-a
config b keys/site.key site-b
config pooled keys/site.key site-a site-b
config other keys/other.key site-a

# 1. keygen: mode 0600, never overwrites.
"$QSCORE" keygen -c a.yaml >keygen1.txt
check "keygen creates the key file" grep -q '^created .*keys/site.key (fingerprint [0-9a-f]\{16\})$' keygen1.txt
check "the key file is 0600" test "$(stat -c %a keys/site.key)" = 600
check "the key folder is 0700" test "$(stat -c %a keys)" = 700
cp keys/site.key key-before
"$QSCORE" keygen -c a.yaml >keygen2.txt
check "keygen keeps an existing key" cmp -s keys/site.key key-before
check "keygen says it kept it" grep -q 'exists: kept, never overwritten' keygen2.txt
"$QSCORE" keygen -c other.yaml >/dev/null

for c in a b pooled other; do
    st=0
    "$QSCORE" run -c $c.yaml >/dev/null 2>run-$c.txt || st=$?
    check "run $c ingests the cohort" test "$st" = 0
done

# 2. Exports: site A, site B, the pooled store, A again, A under another key.
for c in a b pooled; do
    st=0
    "$QSCORE" export -c $c.yaml -o exp-$c --items >export-$c.txt 2>&1 || st=$?
    check "export $c exits 0" test "$st" = 0
done
"$QSCORE" export -c a.yaml -o exp-a2 --items >/dev/null
"$QSCORE" export -c other.yaml -o exp-other >/dev/null
check "export files are 0600" test "$(stat -c %a exp-a/scores.csv)" = 600
check "every file is listed in the manifest" test \
    "$(cd exp-pooled && find . -type f ! -name manifest.json | wc -l)" = \
    "$(grep -c '"sha256"' exp-pooled/manifest.json)"
check "manifest SHA-256 match the files" "$PY" -c '
import hashlib, json, sys
m = json.load(open("exp-pooled/manifest.json"))
sys.exit(any(hashlib.sha256(open("exp-pooled/" + f["name"], "rb").read()).hexdigest() != f["sha256"]
             for f in m["files"]))'
check "the manifest records k and the key fingerprint, not the key" "$PY" -c '
import json, sys
m = json.load(open("exp-a/manifest.json"))
key = open("keys/site.key").read().strip()
sys.exit(not (m["settings"]["k"] == 11 and len(m["key_fingerprints"][0]) == 16
              and key not in open("exp-a/manifest.json").read()))'

# 3. No identifier leaves: every planted client id, response id, name, e-mail, therapist, group
#    name and exact date is absent from every byte of every export.
for e in exp-a exp-b exp-pooled exp-other; do
    check "$e holds no planted identifier" bash -c "! grep -r -F -f cohort/planted.txt $e >/dev/null"
    check "$e holds no key" bash -c "! grep -r -F -f keys/site.key $e >/dev/null"
done
check "the planted list is not empty (the grep above could fail)" test "$(wc -l <cohort/planted.txt)" -gt 500
check "a planted identifier is found where it is (the grep works)" grep -q -r -F -f cohort/planted.txt cohort

# 4. Pseudonyms: stable across exports, different under another key, same in the pooled store.
pids() { cut -d, -f1,2 "$1/scores.csv" | tail -n +2 | sort -u; }
check "the same export twice gives the same bytes" diff -r exp-a exp-a2
check "pids are 24 base32 characters" bash -c "! cut -d, -f1 exp-a/scores.csv | tail -n +2 | grep -v -q -x '[a-z2-7]\{24\}'"
pids exp-a >pids-a.txt
pids exp-other >pids-other.txt
check "site A has 45 pseudonymous clients" test "$(wc -l <pids-a.txt)" = 45
check "another key gives other pseudonyms" test -z "$(comm -12 pids-a.txt pids-other.txt)"
check "the pooled export has site A's pseudonyms" test -z "$(comm -23 pids-a.txt <(pids exp-pooled))"

# Covariates: only the allow-listed ones, ages as bands (90+ over 89), dates as years.
check "covariate columns end the header" test "$(head -1 exp-a/scores.csv)" = \
    "pid,site,group_pid,instrument,instrument_version,wave,days_since_baseline,score,value,t,status,gender,age,intake"
check "ages are bands" bash -c "! cut -d, -f13 exp-pooled/scores.csv | tail -n +2 | grep -v -q -x -E '(18-24|25-34|35-44|45-54|55-64|65-74|75-89|90\+)'"
check "ages over 89 are 90+" grep -q ',90+,' exp-pooled/scores.csv
check "intake dates are years" bash -c "! cut -d, -f14 exp-pooled/scores.csv | tail -n +2 | grep -v -q -x 2024"
check "genders are exported, rare ones (fewer than k clients of a site) as (rare)" bash -c \
    "! cut -d, -f12 exp-pooled/scores.csv | tail -n +2 | sort -u | grep -v -q -x -E 'F|M|X|\(rare\)'"
check "common genders stay" test "$(cut -d, -f12 exp-pooled/scores.csv | grep -c -x -E 'F|M|X')" -gt 100
check "a mapped covariate that is not allow-listed never leaves" bash -c "! grep -q -r Plantfeel exp-pooled"

# 5. Small cells: k = 11; group Gamma (3 clients) is suppressed and a complementary cell with it.
check "aggregates of site A: suppression and statistics" "$PY" "$HERE/export/check_aggregates.py" exp-a 11 1
check "aggregates of the pooled cohort: suppression and statistics" "$PY" "$HERE/export/check_aggregates.py" exp-pooled 11 1

# Suppression against independent solvers (export/attack.py within a table, attack_waves.py
# across waves, attack_flags.py from the statistics of the scores flags are defined on; all by
# red-team reviewers): on cohorts shaped to break it (a group all flagged,
# small cells across levels, a score missing in most of a group, one-score tables, k = 5, waves),
# no hidden count may be narrowed to width 2 or less.
EC='[2, 3, 8, 12, 16, 20, 24, 28, 32, 36, 39, 42]'
audit_case() { # name k seed spec
    local d="audit-$1"
    mkdir -p "$d"
    "$PY" "$HERE/export/gen_spec.py" "$TOP/instruments" "$4" "$d/cohort" "$3"
    cp "$HERE/export/mapping-spec.yaml" "$d/mapping.yaml"
    {
        echo "store: s.db"
        echo "output: out"
        echo "sources:"
        for site in $(ls "$d/cohort"); do
            for inst in dsi-r sfcds; do
                echo "  - {id: $site-$inst, files: cohort/$site/$inst.csv, instrument: $inst, mapping: mapping.yaml, site: $site}"
            done
        done
        echo "export: {key_file: ../keys/site.key, k: $2}"
    } >"$d/c.yaml"
    "$QSCORE" run -c "$d/c.yaml" >/dev/null 2>&1 || true
    "$QSCORE" export -c "$d/c.yaml" -o "$d/exp" >/dev/null
    check "audit $1: no hidden count narrowed by the table's sums" \
        bash -c "'$PY' '$HERE/export/attack.py' '$d/exp' --exist | tail -n 1 | grep -q ': 0 findings'"
    check "audit $1: nor across waves" \
        bash -c "'$PY' '$HERE/export/attack_waves.py' '$d/exp' --exist --waves | tail -n 1 | grep -q ' 0 narrowed'"
    check "audit $1: nor from the score statistics a flag is defined on" \
        bash -c "'$PY' '$HERE/export/attack_flags.py' '$d/exp' --waves | tail -n 1 | grep -q ' 0 narrowed'"
    check "audit $1: the suppression rules hold" "$PY" "$HERE/export/check_aggregates.py" "$d/exp" "$2" 0
}
audit_case all-flagged 11 1 '{"s0": [["A", 12, -9, [1]], ["B", 12, -9, [1]], ["C", 30, 9, [1]]]}'
audit_case mixed-levels 11 2 '{"s0": [["A", 1, 0, [1]]], "s1": [["A", 1, 0, [1]], ["B", 13, 0, [1]]]}'
audit_case missing-score 11 3 "{\"s0\": [[\"G1\", 12, 0, [1], [$EC, 11]], [\"G2\", 1, 0, [1]], [\"G3\", 20, 0, [1]]]}"
audit_case one-score 11 4 '{"s0": [["G0", 3, -9, [1, 2, 3]]], "s1": [["G1", 2, -1.5, [1, 2]], ["G2", 25, 1.5, [1, 2, 3]]]}'
audit_case k5 5 5 '{"s0": [["", 2, 1.5, [1]], ["G1", 12, 0, [1, 2]]], "s1": [["G2", 3, 0, [1, 2, 3]]], "s2": [["G3", 1, -9, [1]], ["G4", 13, 9, [1, 2]]]}'
audit_case waves 5 7 '{"site0": [["", 2, 9, [1]], ["G01", 1, 0, [1, 2, 3]]], "site1": [["G10", 13, 9, [1, 2, 3]]]}'
audit_case waves-k11 11 8 '{"site0": [["G00", 13, -9, [1]], ["G01", 3, -1.5, [1]]], "site1": [["G10", 12, -9, [1, 2]], ["G11", 13, 1.5, [1, 2, 3]], ["G12", 12, 0, [1]], ["G13", 2, -9, [1]]]}'
audit_case unfixable-flag 11 9 '{"s0": [["X", 1, -9, [1]]], "s1": [["A", 12, 9, [1]], ["B", 12, 9, [1]], ["C", 1, 0, [1]]]}'
audit_case unfixable-flag2 11 10 '{"s0": [["X", 1, -9, [1]]], "s1": [["A", 12, 9, [1]], ["B", 12, 9, [1]], ["C", 2, -9, [1]]]}'
audit_case flags-from-stats 11 2 '{"s0": [["A", 14, -2, [1]], ["B", 20, 0, [1]]]}'
audit_case many-groups 11 6 '{"s0": [["G0", 2, 0, [1, 2]], ["G1", 1, -9, [1]], ["G2", 3, 9, [1]], ["G3", 25, 0, [1, 2, 3]]], "s1": [["G4", 25, -9, [1, 2]], ["G5", 25, 0, [1, 2, 3]], ["G6", 1, -9, [1, 2]], ["G7", 25, 1.5, [1, 2, 3]]], "s2": [["G8", 1, 0, [1, 2, 3]], ["G9", 2, 0, [1, 2, 3]], ["GA", 13, -1.5, [1, 2]], ["GB", 2, -9, [1, 2, 3]]]}'

# 6. Merge: two site exports equal the export of the pooled store.
st=0
"$QSCORE" merge -o merged exp-a exp-b >merge.txt 2>&1 || st=$?
check "merge exits 0" test "$st" = 0
for f in scores.csv flags.csv items.csv aggregates.csv reliability.csv \
    scores/instrument=dsi-r/site=site-a/part-0.csv scores/instrument=sfcds/site=site-b/part-0.csv; do
    check "merged $f equals the pooled export's" cmp merged/$f exp-pooled/$f
done
# stats.csv: the same statistics; its meta rows (notes, provenance) differ by design
check "merged stats.csv holds the pooled statistics" cmp <(grep -v '^meta,' merged/stats.csv) \
    <(grep -v '^meta,' exp-pooled/stats.csv)
check "merged manifest lists both inputs" test "$(grep -c '"[0-9a-f]\{64\}"' merged/manifest.json)" -ge 2
adm() { sed -n 's/.*"administrations": \([0-9]*\).*/\1/p' "$1/manifest.json"; }
check "merged manifest counts the administrations of both" \
    test "$(adm merged)" = "$(($(adm exp-a) + $(adm exp-b)))" -a "$(adm merged)" -gt 0
check "as the pooled export does" test "$(adm merged)" = "$(adm exp-pooled)"
st=0
"$QSCORE" merge -o merged-twice exp-a exp-a >merge-twice.txt 2>&1 || st=$?
check "merging a site twice is refused" test "$st" = 2
check "... saying why" grep -q "site 'site-a' is in two exports" merge-twice.txt
# Site B scored with another version of the DSI-R definition: the merge is refused.
sed 's/^version: .*/version: "0.9-local"/' "$TOP/instruments/dsi-r.yaml" >dsi-r-old.yaml
sed -e 's|instrument: dsi-r,|instrument: dsi-r-old.yaml,|' -e 's|^store: b.db|store: b-old.db|' b.yaml >b-old.yaml
"$QSCORE" run -c b-old.yaml >/dev/null 2>&1
"$QSCORE" export -c b-old.yaml -o exp-b-old >/dev/null
st=0
"$QSCORE" merge -o merged-versions exp-a exp-b-old >merge-versions.txt 2>&1 || st=$?
check "merging different instrument versions is refused" test "$st" = 2
check "... naming the instrument" grep -q "instrument dsi-r: version" merge-versions.txt
check "a refused merge writes nothing" test ! -e merged-versions
# Sites with their own keys merge too; the manifest names both keys; --k re-suppresses.
"$QSCORE" merge -o merged-keys --k 20 exp-other exp-b >/dev/null
check "a merge of two keys lists both fingerprints" test "$(grep -o '"[0-9a-f]\{16\}"' merged-keys/manifest.json | sort -u | wc -l)" = 2
check "--k sets the merged threshold" grep -q '"k": 20,' merged-keys/manifest.json
check "aggregates of the merge at k = 20" "$PY" "$HERE/export/check_aggregates.py" merged-keys 20 1
sed 's/^  key_file: keys\/site.key$/  key_file: keys\/site.key\n  year: true/' b.yaml >b-year.yaml
"$QSCORE" export -c b-year.yaml -o exp-b-year >/dev/null
check "export.year adds the baseline year column" grep -q '^pid,site,group_pid,instrument,instrument_version,wave,days_since_baseline,baseline_year,score,' exp-b-year/scores.csv
check "the year is the client's baseline year, one per client" test \
    "$(cut -d, -f1,8 exp-b-year/scores.csv | tail -n +2 | sort -u | wc -l)" = "$(cut -d, -f1 exp-b-year/scores.csv | tail -n +2 | sort -u | wc -l)"
st=0
"$QSCORE" merge -o merged-cols exp-a exp-b-year >merge-cols.txt 2>&1 || st=$?
check "merging exports with other columns is refused" test "$st" = 2
check "... saying why" grep -q "columns differ from the first export" merge-cols.txt
sed 's/gender: category/gender: year/' b.yaml >b-kinds.yaml
"$QSCORE" export -c b-kinds.yaml -o exp-b-kinds >/dev/null
st=0
"$QSCORE" merge -o merged-kinds exp-a exp-b-kinds >merge-kinds.txt 2>&1 || st=$?
check "merging exports with other covariate kinds is refused" test "$st" = 2
check "... saying so" grep -q "covariates or their kinds differ" merge-kinds.txt
"$QSCORE" merge -o merged-ba exp-b exp-a >/dev/null
check "merge does not depend on the order of its inputs" diff -r merged merged-ba
st=0
"$QSCORE" merge -o merged-notexport exp-a cohort >/dev/null 2>&1 || st=$?
check "a folder that is not an export is refused" test "$st" = 2
cp -r exp-b exp-b-edited
sed -i '2s/,dsi-r,1\.0,/,dsi-r,1.1,/' exp-b-edited/scores.csv
st=0
"$QSCORE" merge -o merged-edited exp-a exp-b-edited >merge-edited.txt 2>&1 || st=$?
check "an export edited after it was written is refused" test "$st" = 2
check "... by its SHA-256" grep -q "scores.csv: does not match the SHA-256 in manifest.json" merge-edited.txt
# Even with the manifest forged to match, an instrument id that is a path goes nowhere.
cp -r exp-b exp-b-forged
"$PY" - <<'PY'
import hashlib, re
p = "exp-b-forged/scores.csv"
t = open(p).read().replace(",dsi-r,1.0,", ",../../../../pwned,1.0,", 1)
open(p, "w").write(t)
m = open("exp-b-forged/manifest.json").read()
h = hashlib.sha256(t.encode()).hexdigest()
m = re.sub(r'("name": "scores.csv", .*?"sha256": ")[0-9a-f]{64}', lambda x: x.group(1) + h, m)
open("exp-b-forged/manifest.json", "w").write(m)
PY
st=0
"$QSCORE" merge -o sub/merged-forged exp-a exp-b-forged >merge-forged.txt 2>&1 || st=$?
check "a forged instrument id is refused" test "$st" = 2
check "... as not an instrument id" grep -q "is not an instrument id" merge-forged.txt
check "... and nothing is written outside" test ! -e pwned -a ! -e ../pwned -a ! -e sub/pwned
st=0
"$QSCORE" merge -o merged-k3 --k 3 exp-a exp-b >/dev/null 2>&1 || st=$?
check "merge refuses k below 5" test "$st" = 2

# 6a. Issue 16, point 1: T scores missing in whole files. Site A chooses a local norm of the
#     DSI-R (20 clients suffice here), site B's is still pending (it needs 1000), and the SFCDS
#     has no norm at either site: the DSI-R's t has values at site A and none at site B, the
#     SFCDS's none anywhere. Export format 3 writes a missing T score as NaN.
for s in a b; do
    { sed -e "s/^store: $s.db/store: norm-$s.db/" -e "s/^output: out-$s/output: out-norm-$s/" $s.yaml
      echo "norms:"
      echo "  dsi-r: {local: {min_n: $([ $s = a ] && echo 20 || echo 1000)}}"; } >norm-$s.yaml
    "$QSCORE" run -c norm-$s.yaml >/dev/null 2>&1 || true
    "$QSCORE" export -c norm-$s.yaml -o exp-norm-$s --items >/dev/null
done
st=0
"$QSCORE" merge -o merged-norm exp-norm-a exp-norm-b >/dev/null 2>&1 || st=$?
check "the cohort of local norms merges" test "$st" = 0
check "site A's DSI-R has T scores; site B's and every SFCDS T score is NaN, never empty" "$PY" -c '
import csv, sys
t = {}
for r in csv.DictReader(open("merged-norm/scores.csv")):
    t.setdefault((r["instrument"], r["site"]), set()).add("NaN" if r["t"] == "NaN" else "" if r["t"] == "" else "T")
sys.exit(t != {("dsi-r", "site-a"): {"T"}, ("dsi-r", "site-b"): {"NaN"},
               ("sfcds", "site-a"): {"NaN"}, ("sfcds", "site-b"): {"NaN"}} and str(t))'

# 6b. codebook.csv (issue 16, point 3): every column of every CSV file, in order, and nothing
#     else; the types are schema.sql's (a NaN column is read as DOUBLE and cast in its view).
codebook_complete() { # export-dir
    check "$1: codebook.csv lists every column of every file, with schema.sql's types" "$PY" -c '
import csv, glob, os, re, sys
d = sys.argv[1]
book, types = {}, {}
for r in csv.DictReader(open(os.path.join(d, "codebook.csv"))):
    book.setdefault(r["file"], []).append(r["column"])
    types[(r["file"], r["column"])] = (r["type"], "NaN" in r["values"])
    assert r["type"] in ("VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN") and r["meaning"], r
seen = set()
for f in glob.glob(os.path.join(d, "**", "*.csv"), recursive=True):
    rel = os.path.relpath(f, d)
    key = "scores/instrument=ID/site=SITE/part-0.csv" if rel.startswith("scores" + os.sep) else rel
    head = next(csv.reader(open(f)))
    if book.get(key) != head:
        sys.exit("%s: header %s, codebook %s" % (rel, head, book.get(key)))
    seen.add(key)
if seen != set(book):
    sys.exit("codebook lists files that are not there: %s" % (set(book) - seen))
sql = open(os.path.join(d, "schema.sql")).read()
views = 0
for m in re.finditer(r"VIEW \w+ AS SELECT \*(.*?)\n  FROM read_csv\(\x27([^\x27]+)\x27.*?columns = \{(.*?)\}\);", sql, re.S):
    f = "scores/instrument=ID/site=SITE/part-0.csv" if m.group(2) == "scores/*/*/*.csv" else m.group(2)
    cols = re.findall(r"\x27([^\x27]+)\x27: \x27(\w+)\x27", m.group(3))
    casts = dict((c, t) for t, c in re.findall(r"END AS (\w+)\) AS \"([^\"]+)\"", m.group(1)))
    for c, t in cols:
        want, nan = types[(f, c)]
        if (casts.get(c, t), nan) != (want, c in casts) or (nan and t != "DOUBLE"):
            sys.exit("%s %s: schema.sql %s (cast %s), codebook %s (NaN: %s)" % (f, c, t, casts.get(c), want, nan))
    if [c for c, _ in cols] != book[f]:
        sys.exit("%s: schema.sql columns %s" % (f, cols))
    views += 1
sys.exit(0 if views == len(book) - 1 else "schema.sql has %d views for %d files" % (views, len(book) - 1))
' "$1"
}
for e in exp-a exp-pooled exp-other exp-b-year merged merged-keys merged-norm; do
    codebook_complete $e
done
check "README.txt points to the codebook" grep -q "codebook.csv" exp-a/README.txt

# 6c. Exports of format 2 (the previous release: a missing T score was an empty field, hidden
#     statistics empty, booleans true/false) still merge, into format 3. tests/e2e/export/format2
#     is a format-2 export as qscore wrote it (commit 8c5ec18: gen_spec.py spec
#     {"s0": [["G1", 4, 0, [1, 2]], ["", 2, 0, [1]]]} seed 3, export k 5, covariates gender and
#     age, --items --instrument sfcds).
cp -r "$HERE/export/format2" f2
st=0
"$QSCORE" merge -o merged-f2 f2 >merge-f2.txt 2>&1 || st=$?
check "a format-2 export merges" test "$st" = 0
check "... into format 3" grep -q '^  "format": 3,$' merged-f2/manifest.json
check "... its missing T scores become NaN, every other byte of its scores as they were" "$PY" -c '
import csv, io, sys
rows = list(csv.reader(open("f2/scores.csv", newline="")))
i = rows[0].index("t")
for r in rows[1:]:
    r[i] = r[i] or "NaN"
out = io.StringIO()
csv.writer(out, lineterminator="\n").writerows(rows)
sys.exit(open("merged-f2/scores.csv", newline="").read() != out.getvalue() or "NaN" not in out.getvalue())'
check "... and its flags and answers unchanged" cmp f2/items.csv merged-f2/items.csv
check "... (flags)" cmp f2/flags.csv merged-f2/flags.csv
codebook_complete merged-f2
# Site A's export written back in format 2 merges with site B's (format 3) exactly as both in
# format 3 do.
cp -r exp-a exp-a-f2
"$PY" - <<'PY'
import csv, glob, hashlib, io, re
d = "exp-a-f2"
def rewrite(name, fn):
    p = d + "/" + name
    t = fn(open(p, newline="").read())
    open(p, "w", newline="").write(t)
def t_empty(text):
    rows = list(csv.reader(io.StringIO(text)))
    i = rows[0].index("t")
    for r in rows[1:]:
        r[i] = "" if r[i] == "NaN" else r[i]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
rewrite("scores.csv", t_empty)
for p in glob.glob(d + "/scores/*/*/*.csv"):
    rewrite(p[len(d) + 1:], t_empty)
for name in ("aggregates.csv", "reliability.csv"):
    rewrite(name, lambda s: re.sub(r"(?<=,)NaN(?=,|\n)", "", s).replace(",TRUE", ",true").replace(",FALSE", ",false"))
rewrite("stats.csv", lambda s: s.replace("\nmeta,,,,,format,,,,3,\n", "\nmeta,,,,,format,,,,2,\n"))
m = open(d + "/manifest.json").read().replace("\n  \"format\": 3,\n", "\n  \"format\": 2,\n")
for name in ("scores.csv", "stats.csv"):
    h = hashlib.sha256(open(d + "/" + name, "rb").read()).hexdigest()
    m = re.sub(r"(\"name\": \"%s\", .*?\"sha256\": \")[0-9a-f]{64}" % re.escape(name), lambda x: x.group(1) + h, m)
open(d + "/manifest.json", "w").write(m)
PY
check "site A rewritten in format 2 has empty T scores" grep -q '^[^,]*,site-a,.*,dsi-r,1\.0,1,0,FO,[0-9.]*,,ok,' exp-a-f2/scores.csv
st=0
"$QSCORE" merge -o merged-mixed exp-a-f2 exp-b >merge-mixed.txt 2>&1 || st=$?
check "formats 2 and 3 merge together" test "$st" = 0
for f in scores.csv flags.csv items.csv aggregates.csv reliability.csv codebook.csv schema.sql README.txt \
    scores/instrument=dsi-r/site=site-a/part-0.csv scores/instrument=sfcds/site=site-b/part-0.csv; do
    check "... $f as merging both in format 3" cmp merged-mixed/$f merged/$f
done
check "... stats.csv too" cmp <(grep -v '^meta,' merged-mixed/stats.csv) <(grep -v '^meta,' merged/stats.csv)
cp -r exp-b exp-b-f4
sed -i 's/^  "format": 3,$/  "format": 4,/' exp-b-f4/manifest.json
st=0
"$QSCORE" merge -o merged-f4 exp-a exp-b-f4 >merge-f4.txt 2>&1 || st=$?
check "a format this qscore does not know is refused" test "$st" = 2
check "... naming the formats it reads" grep -q "not an export of format 2 to 3" merge-f4.txt
cp -r exp-b exp-b-disagree
sed -i 's/^  "format": 3,$/  "format": 2,/' exp-b-disagree/manifest.json
st=0
"$QSCORE" merge -o merged-disagree exp-a exp-b-disagree >merge-disagree.txt 2>&1 || st=$?
check "a stats.csv whose format differs from its manifest's is refused" test "$st" = 2
check "... saying so" grep -q "export format 3, but its manifest.json says format 2" merge-disagree.txt

# 7. Reliability equals R psych::alpha within 1e-6 on the same data.
if command -v Rscript >/dev/null && Rscript -e 'library(psych)' >/dev/null 2>&1; then
    check "reliability.csv equals psych::alpha (pooled)" Rscript "$HERE/export/psych_check.R" exp-pooled
    check "reliability.csv equals psych::alpha (merged)" Rscript "$HERE/export/psych_check.R" merged
    # Issue 16: alpha_pairwise on a cohort with 5% blank answers, for an export and a merge.
    mkdir -p blanks
    "$PY" "$HERE/export/make_cohort.py" "$TOP/instruments" blanks/cohort 11 0.05
    cp "$HERE/export/mapping.yaml" blanks/
    for c in a b pooled; do
        # paths in a config are relative to its folder: only the key is elsewhere
        sed -e 's#key_file: keys/#key_file: ../keys/#' $c.yaml >blanks/$c.yaml
        "$QSCORE" run -c blanks/$c.yaml >/dev/null 2>&1 || true
        "$QSCORE" export -c blanks/$c.yaml -o blanks/exp-$c --items >/dev/null
    done
    "$QSCORE" merge -o blanks/merged blanks/exp-a blanks/exp-b >/dev/null
    check "5% blanks: about 5% of the answers are blank" "$PY" -c '
import csv, sys
a = [r["answer"] for r in csv.DictReader(open("blanks/exp-pooled/items.csv"))]
sys.exit(not 0.04 < a.count("") / len(a) < 0.06)'
    check "5% blanks: the merged reliability.csv equals the pooled export's" \
        cmp blanks/merged/reliability.csv blanks/exp-pooled/reliability.csv
    check "5% blanks: alpha_pairwise equals psych::alpha to 1e-9 (export)" \
        Rscript "$HERE/export/psych_check.R" blanks/exp-pooled
    check "5% blanks: ... and for the two-site merge" Rscript "$HERE/export/psych_check.R" blanks/merged
else
    skip_or_fail r
fi

# 8. Issue 16, point 1: every CSV file of an export reads with no options in DuckDB (read_csv;
#    the partitions also at once, with and without hive_partitioning = true), pandas (read_csv)
#    and R (read.csv): the header found, each column with its codebook type, every partition
#    with the same types, and the README's per-instrument means equal to scores.csv's
#    (tests/e2e/export/check_plain.py). On two sites of a mean scale (DSI-R) and a sum scale
#    (SFCDS): without norms (merged), with T scores at one site and NaN in whole files elsewhere
#    (merged-norm, and site B's export alone), and merged from format 2 (merged-f2).
have_duckdb=0 have_pandas=0 have_r=0
command -v node >/dev/null && [ -d "$TOP/tests/duckdb/node_modules/@duckdb/node-api" ] && have_duckdb=1
"$PY" -c 'import pandas' >/dev/null 2>&1 && have_pandas=1
command -v Rscript >/dev/null && have_r=1
for e in merged merged-norm exp-norm-b merged-f2; do
    if [ $have_duckdb = 1 ]; then
        node "$TOP/tests/duckdb/read_plain.mjs" "$e" >"$e.duckdb.txt" 2>&1 || true
        check "$e: DuckDB reads every file with plain read_csv" "$PY" "$HERE/export/check_plain.py" "$e" duckdb "$e.duckdb.txt"
    fi
    if [ $have_pandas = 1 ]; then
        "$PY" "$HERE/export/read_plain.py" "$e" >"$e.pandas.txt" 2>&1 || true
        check "$e: pandas reads every file with plain read_csv" "$PY" "$HERE/export/check_plain.py" "$e" pandas "$e.pandas.txt"
    fi
    if [ $have_r = 1 ]; then
        Rscript "$HERE/export/read_plain.R" "$e" >"$e.r.txt" 2>&1 || true
        check "$e: R reads every file with plain read.csv" "$PY" "$HERE/export/check_plain.py" "$e" r "$e.r.txt"
    fi
done
# Issue 16, point 4: the README's research queries, run as the README writes them.
for t in duckdb pandas r; do
    eval "have=\$have_$t"
    [ "$have" = 1 ] || continue
    check "the README's $t query gives scores.csv's per-instrument means" \
        "$PY" "$HERE/export/readme_queries.py" "$TOP/README.md" merged-norm $t
done
[ $have_pandas = 1 ] || skip_or_fail pandas
[ $have_r = 1 ] || skip_or_fail r

# 8a. DuckDB reads the Hive-partitioned copy in place; schema.sql's views.
if [ $have_duckdb = 1 ]; then
    out=$(node "$TOP/tests/duckdb/check_export.mjs" "$WORK/merged-norm" dsi-r FO)
    rows=$(($(wc -l <merged-norm/scores.csv) - 1))
    mean=$("$PY" -c '
import csv
v = [float(r["value"]) for r in csv.DictReader(open("merged-norm/scores.csv"))
     if r["instrument"] == "dsi-r" and r["score"] == "FO" and r["value"]]
print(sum(v) / len(v))')
    check "DuckDB counts every score row" "$PY" -c "import json,sys; d=json.loads('$out'); sys.exit(d['rows'] != $rows or d['sites'] != 2)"
    check "DuckDB's mean FO equals the CSV's" "$PY" -c "import json,sys; d=json.loads('$out'); sys.exit(abs(d['mean'] - $mean) > 1e-12)"
    means=$("$PY" -c '
import csv, json
v = {}
for r in csv.DictReader(open("merged-norm/scores.csv")):
    if r["value"]:
        v.setdefault(r["instrument"], []).append(float(r["value"]))
print(json.dumps({k: sum(x) / len(x) for k, x in v.items()}))')
    lines() { echo $(($(wc -l <"merged-norm/$1") - 1)); }
    check "schema.sql: every view reads its file with the given types" "$PY" -c "
import json, sys
d = json.loads('$out'); v = d['views']; m = json.loads('$means')
want = {'scores': $(lines scores.csv), 'scores_partitioned': $rows, 'flags': $(lines flags.csv),
        'items': $(lines items.csv), 'aggregates': $(lines aggregates.csv),
        'reliability': $(lines reliability.csv), 'stats': $(lines stats.csv)}
sys.exit(v != want or any(abs(d['schema_means'][k] - m[k]) > 1e-9 for k in m))"
    check "schema.sql: the views read NaN as NULL (t, and aggregates' n as BIGINT)" "$PY" -c "
import csv, json, sys
d = json.loads('$out')
t = sum(r['t'] != 'NaN' for r in csv.DictReader(open('merged-norm/scores.csv')))
n = sum(r['n'] != 'NaN' for r in csv.DictReader(open('merged-norm/aggregates.csv')))
sys.exit(not (d['t_count'] == t > 0 and d['n_count'] == n > 0 and d['n_type'] == 'BIGINT'))"
    # A site label with a space and a comma: percent-encoded in the folder, decoded by DuckDB.
    sed -e 's/site: site-a}/site: "north, site 2"}/' -e 's/^store: a.db/store: spaced.db/' a.yaml >spaced.yaml
    "$QSCORE" run -c spaced.yaml >/dev/null 2>&1
    "$QSCORE" export -c spaced.yaml -o exp-spaced >/dev/null
    check "an odd site label is percent-encoded in the folder name" test -d "exp-spaced/scores/instrument=dsi-r/site=north%2C%20site%202"
    out=$(node "$TOP/tests/duckdb/check_export.mjs" "$WORK/exp-spaced" dsi-r FO)
    check "DuckDB decodes it back" "$PY" -c "import json,sys; d=json.loads('$out'); sys.exit(d['names'] != 'north, site 2')"
else
    skip_or_fail duckdb
fi

# 8b. A site label a spreadsheet would run as a formula is written as text (issue 14).
sed -e 's/site: site-a}/site: "=HYPERLINK(1)"}/' -e 's/^store: a.db/store: formula.db/' a.yaml >formula.yaml
"$QSCORE" run -c formula.yaml >/dev/null 2>&1 || true
"$QSCORE" export -c formula.yaml -o exp-formula >/dev/null 2>&1 || true
check "a formula-like site label gets a leading apostrophe in scores.csv" \
    grep -q "'=HYPERLINK(1)" exp-formula/scores.csv
check "and never stands bare at the start of a field" \
    test "$(grep -c '^=\|,=' exp-formula/scores.csv exp-formula/aggregates.csv | awk -F: '{s += $2} END {print s}')" = 0

# 9. Refusals: unsafe settings, a readable key, an existing export folder, bad options.
grep -v '^  covariates:' a.yaml >base.yaml # site A without covariates, to add settings to
refused() { # config-tail expected-pattern name
    { cat base.yaml; printf '%s\n' "$1"; } >unsafe.yaml
    local st=0
    "$QSCORE" export -c unsafe.yaml -o exp-unsafe >unsafe.txt 2>&1 || st=$?
    check "$3: refused with status 2" test "$st" = 2
    check "$3: says where and why" grep -q "$2" unsafe.txt
    check "$3: nothing written" test ! -e exp-unsafe
}
refused "  k: 3" "unsafe.yaml:[0-9]*:[0-9]*: export.k: k = 3" "k below 5"
refused $'  covariates:\n    email: category' "export.covariates.email: covariate 'email' looks like" "an e-mail covariate"
refused $'  covariates:\n    client_id: category' "export.covariates.client_id: covariate 'client_id' looks like" "an id covariate"
refused $'  covariates:\n    date_of_birth: category' "looks like an identifier" "a date-of-birth covariate"
# A covariate named as another column, or as a word DuckDB reads as a boolean, would break a
# plain read of the files (issue 16); no override accepts it.
refused $'  covariates:\n    t: category\n  override: "Ethics board ref 2026-17 approved k = 3 for this pilot"' "export.covariates.t: covariate name 't' is the name of another column of the export" "a covariate named t"
refused $'  covariates:\n    Value: category' "covariate name 'Value' is the name of another column" "a covariate named Value"
refused $'  covariates:\n    yes: category' "covariate name 'yes' is a word DuckDB reads as a boolean" "a covariate named yes"
sed 's/covariates: {gender: category, age: age_band, intake: year}/covariates: {mood: category}/' a.yaml >freetext.yaml
st=0
"$QSCORE" export -c freetext.yaml -o exp-freetext >freetext.txt 2>&1 || st=$?
check "a category with a value per client is refused" test "$st" = 2
check "... saying why" grep -q "covariate 'mood' has 45 distinct values" freetext.txt
check "... and writes nothing" test ! -e exp-freetext
sed 's/covariates: {gender: category, age: age_band, intake: year}/covariates: {code: category}/' a.yaml >code.yaml
st=0
"$QSCORE" export -c code.yaml -o exp-code >code.txt 2>&1 || st=$?
check "a category that repeats the client id is refused" test "$st" = 2
check "... saying so" grep -q "covariate 'code' holds a client id, response id, group or therapist name" code.txt
sed 's/covariates: {gender: category, age: age_band, intake: year}/covariates: {th: category}/' a.yaml >th.yaml
st=0
"$QSCORE" export -c th.yaml -o exp-th >th.txt 2>&1 || st=$?
check "a category holding therapist names in another case is refused" test "$st" = 2
check "... saying so" grep -q "covariate 'th' holds a client id, response id, group or therapist name" th.txt
sed 's/covariates: {gender: category, age: age_band, intake: year}/covariates: {ClientID: category}/' a.yaml >clientid.yaml
st=0
"$QSCORE" export -c clientid.yaml -o exp-clientid >clientid.txt 2>&1 || st=$?
check "a covariate named like an id is refused" test "$st" = 2
check "... by its name" grep -q "covariate 'ClientID' looks like an identifier" clientid.txt
check "... and by its column, the mapping's client id" grep -q "covariate 'ClientID' is read from the mapping's client_id column 'client'" clientid.txt
mkdir -p cohort-f/site-a
sed 's/,F,/,=1+2,/' cohort/site-a/dsi-r.csv >cohort-f/site-a/dsi-r.csv
sed -e 's|cohort/site-a/sfcds.csv|cohort/site-a/none.csv|' -e 's|cohort/|cohort-f/|' \
    -e 's|^store: a.db|store: f.db|' a.yaml >formula.yaml
"$QSCORE" run -c formula.yaml >/dev/null 2>&1 || true
st=0
"$QSCORE" export -c formula.yaml -o exp-formula >formula.txt 2>&1 || st=$?
check "a category that looks like a spreadsheet formula is refused" test "$st" = 2
check "... saying why" grep -q "covariate 'gender' has 3 distinct values, some like spreadsheet formulas" formula.txt
sed 's/^  gender: gender$/  gender: "#8"/' mapping.yaml >mapping-bynumber.yaml
sed 's/mapping: mapping.yaml/mapping: mapping-bynumber.yaml/' a.yaml >bynumber.yaml
st=0
"$QSCORE" export -c bynumber.yaml -o exp-bynumber >bynumber.txt 2>&1 || st=$?
check "a covariate read by column number is refused" test "$st" = 2
check "... saying its name cannot be checked" grep -q "covariate 'gender' is read by column number (#8)" bynumber.txt
sed 's/^  gender: gender$/  gender: email/' mapping.yaml >mapping-leaky.yaml
sed 's/mapping: mapping.yaml/mapping: mapping-leaky.yaml/' a.yaml >leakymap.yaml
st=0
"$QSCORE" export -c leakymap.yaml -o exp-leakymap >leakymap.txt 2>&1 || st=$?
check "a covariate read from an e-mail column is refused" test "$st" = 2
check "... naming the mapping line" grep -q "mapping-leaky.yaml:[0-9]*:[0-9]*: covariate 'gender' is read from column 'email'" leakymap.txt
{ cat a.yaml; printf '  k: 3\n  override: "Ethics board ref 2026-17 approved k = 3 for this pilot"\n'; } >override.yaml
st=0
"$QSCORE" export -c override.yaml -o exp-override >override.txt 2>&1 || st=$?
check "an override lets it run" test "$st" = 0
check "the override is recorded in the manifest" grep -q '"reason": "Ethics board ref 2026-17' exp-override/manifest.json
check "... with what it accepted" grep -q 'accepted by export.override: k = 3' exp-override/manifest.json
"$QSCORE" merge -o merged-override exp-override exp-b >/dev/null
check "a merge carries an input's override into its manifest" grep -q 'exp-override: override: Ethics board ref 2026-17' merged-override/manifest.json
check "and announced on stderr" grep -q "export.override accepted" override.txt
chmod 644 keys/site.key
st=0
"$QSCORE" export -c a.yaml -o exp-leaky-key >leaky.txt 2>&1 || st=$?
chmod 600 keys/site.key
check "a key readable by others is refused" test "$st" = 2
check "... saying so" grep -q "accessible by group or others (mode 0644)" leaky.txt
st=0
"$QSCORE" export -c a.yaml -o exp-a >again.txt 2>&1 || st=$?
check "an existing export is never overwritten" test "$st" = 2
check "... and is intact" diff -r exp-a exp-a2
st=0
"$QSCORE" export -c a.yaml -o exp-bad --since 2025-13-01 >/dev/null 2>&1 || st=$?
check "a bad date is a usage error" test "$st" = 2
st=0
"$QSCORE" export -c a.yaml -o exp-nokey-x --instrument nope >nope.txt 2>&1 || st=$?
check "an unknown instrument is a usage error" test "$st" = 2

# 10. Filters: --instrument and --since/--until keep fewer administrations, and say so.
"$QSCORE" export -c a.yaml -o exp-dsi --instrument dsi-r >/dev/null
check "--instrument keeps only that instrument" bash -c "! cut -d, -f4 exp-dsi/scores.csv | tail -n +2 | grep -v -q -x dsi-r"
"$QSCORE" export -c a.yaml -o exp-since --since 2025-04-01 --until 2025-12-31 >since.txt
check "--since keeps later waves only" bash -c "! cut -d, -f6 exp-since/scores.csv | tail -n +2 | grep -q -x 1"
check "--since is recorded" grep -q '"since": "2025-04-01"' exp-since/manifest.json
# A killed export leaves only a hidden partial folder, which the next export replaces.
mkdir -p .exp-k.partial && touch .exp-k.partial/stale
"$QSCORE" export -c a.yaml -o exp-k >/dev/null
check "a stale partial folder is replaced" test ! -e .exp-k.partial -a -e exp-k/manifest.json -a ! -e exp-k/stale

echo "export e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
