#!/usr/bin/env python3
"""check_plain.py EXPORT_DIR TOOL READ_OUTPUT - check what a tool read from an export with no
options (READ_OUTPUT: the lines of tests/duckdb/read_plain.mjs, read_plain.py or read_plain.R;
TOOL: duckdb, pandas or r) against the export's own files, read here with Python's csv module.

For every CSV file of the export (codebook.csv and the partitions included):
- the tool found the header: it read exactly the header's columns, in order (DuckDB adds the
  Hive columns instrument and site after a partition's own);
- every column reads as its codebook.csv type says (VARCHAR: text; BIGINT, DOUBLE: a number;
  BOOLEAN: a logical), except where docs/export.md says a plain reader cannot know: a column
  empty in every row of the file (it reads as the tool's type of nothing), and a VARCHAR column
  whose every value is a number (instrument_version 1.0, a year covariate);
- a column whose codebook values say NaN is never empty (export format 3: that is what keeps it
  a number in every file);
- every partition reads with the same types as every other (the tool's own type names);
  DuckDB's reading of all partitions at once, as read_csv('scores/*/*/*.csv') and with
  hive_partitioning = true, gives the partitions' types (with hive_partitioning = false, those
  without instrument and site), and the mean value and row count of scores.csv;
- the tool read as many rows of every file as it has (a header taken for data is one more);
- the per-instrument mean value, mean T score (NaN is no T score) and row count of scores.csv
  and of the partitions, as the tool computed them (the README's queries), equal those computed
  here from scores.csv.
Prints each problem; exit status 1 when there is one, or when nothing was checked.
"""
import csv
import glob
import math
import os
import re
import sys
from collections import defaultdict

d, tool, out = sys.argv[1], sys.argv[2], sys.argv[3]
CLASSES = {
    "duckdb": {"VARCHAR": "text", "BIGINT": "number", "DOUBLE": "number", "BOOLEAN": "logical"},
    "pandas": {"object": "text", "int64": "number", "float64": "number", "bool": "logical"},
    "r": {"character": "text", "integer": "number", "numeric": "number", "logical": "logical"},
}[tool]
EMPTY = {"duckdb": "VARCHAR", "pandas": "float64", "r": "logical"}[tool]  # a column of nothing
WANT = {"VARCHAR": "text", "BIGINT": "number", "DOUBLE": "number", "BOOLEAN": "logical"}
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?$")
PART = "scores/instrument=ID/site=SITE/part-0.csv"
bad = []

book = defaultdict(dict)
with open(os.path.join(d, "codebook.csv"), newline="") as f:
    for r in csv.DictReader(f):
        book[r["file"]][r["column"]] = r

read = defaultdict(list)  # file -> [(column, type)]
nrows, means, tmeans, total = {}, {}, {}, None
with open(out) as f:
    for line in f:
        x = line.rstrip("\n").split("\t")
        if x[0] == "type":
            read[x[1]].append((x[2], x[3]))
        elif x[0] == "rows":
            nrows[x[1]] = int(x[2])
        elif x[0] == "mean":
            means[(x[1], x[2])] = x[3:]
        elif x[0] == "tmean":
            tmeans[(x[1], x[2])] = x[3]
        elif x[0] == "total":
            total = x[2:]
        elif x[0] == "error":
            bad.append(f"{tool} cannot read {x[1]}: {x[2]}")

files = sorted(os.path.relpath(p, d) for p in glob.glob(os.path.join(d, "**", "*.csv"), recursive=True))
parts = [f for f in files if f.startswith("scores" + os.sep)]
checked = 0
for f in files:
    with open(os.path.join(d, f), newline="") as fp:
        rows = list(csv.reader(fp))
    head, body = rows[0], rows[1:]
    if nrows.get(f) != len(body):
        bad.append(f"{f}: {tool} read {nrows.get(f)} rows, the file has {len(body)}")
    got = read.get(f, [])
    if tool == "duckdb" and f in parts:
        got = got[:-2] if [c for c, _ in got[-2:]] == ["instrument", "site"] else got + [("?", "?")]
    if [c for c, _ in got] != head:
        bad.append(f"{f}: {tool} read the columns {[c for c, _ in got]}, the header is {head}")
        continue
    entry = book[PART if f in parts else f]
    for i, (col, typ) in enumerate(got):
        vals = [r[i] for r in body]
        want = WANT[entry[col]["type"]]
        if "NaN" in entry[col]["values"] and "" in vals:
            bad.append(f"{f}: {col} has an empty field, where a missing number is NaN")
        have = CLASSES.get(typ, typ)
        if have == want:
            checked += 1
        elif not any(vals) and typ == EMPTY:
            pass  # nothing to read a type from
        elif want == "text" and have == "number" and all(NUMBER.match(v) for v in vals if v):
            pass  # text that is all numbers
        else:
            bad.append(f"{f}: {col} reads as {typ} in {tool}, but the codebook says {entry[col]['type']}")

# every partition with the same types, and the whole partitioned copy at once with them too
ptypes = {f: read.get(f) for f in parts}
first = ptypes[parts[0]] if parts else None
for f in parts:
    if ptypes[f] != first:
        bad.append(f"{f} reads with other {tool} types than {parts[0]}: {ptypes[f]} vs {first}")
if tool == "duckdb":
    for glob_label in ("scores/*/*/*.csv", "scores/*/*/*.csv hive"):
        if read.get(glob_label) != read.get(parts[0]):
            bad.append(f"read_csv('{glob_label}'): {read.get(glob_label)}, a partition: {read.get(parts[0])}")
    if read.get("scores/*/*/*.csv no hive") != read.get(parts[0])[:-2]:
        bad.append(f"read_csv('scores/*/*/*.csv', hive_partitioning = false): {read.get('scores/*/*/*.csv no hive')}")

# the means, from scores.csv with the csv module
want = defaultdict(lambda: [[], [], 0])
with open(os.path.join(d, "scores.csv"), newline="") as fp:
    for r in csv.DictReader(fp):
        w = want[r["instrument"]]
        w[2] += 1
        if r["value"]:
            w[0].append(float(r["value"]))
        if r["t"] not in ("NaN", ""):  # an empty t is reported above
            w[1].append(float(r["t"]))
if tool == "duckdb":
    allv = [x for v, _, _ in want.values() for x in v]
    if total is None or int(float(total[1])) != sum(n for _, _, n in want.values()) or \
            abs(float(total[0]) - sum(allv) / len(allv)) > 1e-9 * max(1, abs(sum(allv) / len(allv))):
        bad.append(f"duckdb without hive_partitioning: mean value and rows {total}")
sources = ["scores.csv", "parts"] + (["parts hive"] if tool == "duckdb" else [])
for src in sources:
    for inst, (v, t, n) in want.items():
        g, tm = means.get((src, inst)), tmeans.get((src, inst))
        if g is None or tm is None:
            bad.append(f"{tool} {src}: no mean for {inst}")
            continue
        for what, x, ref in (("value", g[0], v), ("t", tm, t)):
            exp = sum(ref) / len(ref) if ref else None
            if (x == "NA") != (exp is None) or (exp is not None and abs(float(x) - exp) > 1e-9 * max(1, abs(exp))):
                bad.append(f"{tool} {src} {inst}: mean {what} {x}, scores.csv's {exp}")
        if int(float(g[1])) != n:
            bad.append(f"{tool} {src} {inst}: {g[1]} rows, scores.csv has {n}")
        checked += 1
    if len([k for k in means if k[0] == src]) != len(want):
        bad.append(f"{tool} {src}: instruments {[k[1] for k in means if k[0] == src]}, scores.csv has {list(want)}")

for b in bad[:30]:
    print("FAIL:", b)
print(f"plain read ({tool}): {len(files)} files, {checked} columns and means as expected, {len(bad)} problems")
sys.exit(1 if bad or not checked or not parts else 0)
