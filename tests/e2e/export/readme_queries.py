#!/usr/bin/env python3
"""readme_queries.py README.md EXPORT_DIR TOOL - run the README's research queries as they are
written there (its ```r, ```python and ```sql blocks under "Research exports"; TOOL: r, pandas
or duckdb) in EXPORT_DIR, and check their results against scores.csv read here with the csv
module: each query gives per instrument the mean value, or the mean T score over the rows whose
T score is not NaN. So the README's queries are the test's: they cannot go stale.
Exit status 1 when a query fails or gives another result; prints what it compared.
"""
import csv
import math
import os
import re
import subprocess
import sys
import tempfile

readme, d, tool = sys.argv[1], sys.argv[2], sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
text = open(readme, encoding="utf-8").read()
section = text[text.index("### Research exports"):]
section = section[:section.index("\n### ", 1)] if "\n### " in section[1:] else section
lang = {"r": "r", "pandas": "python", "duckdb": "sql"}[tool]
blocks = re.findall(r"```%s\n(.*?)```" % lang, section, re.S)
if len(blocks) != 1:
    sys.exit(f"README: {len(blocks)} ```{lang} blocks in the research section, expected 1")
block = blocks[0]

value, tval = {}, {}
with open(os.path.join(d, "scores.csv"), newline="") as f:
    for r in csv.DictReader(f):
        if r["value"]:
            value.setdefault(r["instrument"], []).append(float(r["value"]))
        if r["t"] != "NaN":
            tval.setdefault(r["instrument"], []).append(float(r["t"]))
        value.setdefault(r["instrument"], [])
means = {k: (sum(v) / len(v) if v else None) for k, v in value.items()}
tmeans = {k: (sum(tval[k]) / len(tval[k]) if tval.get(k) else None) for k in value}

results = []  # (what, {instrument: mean or None})
if tool == "r":
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(block)
    prog = ('setwd(commandArgs(TRUE)[2]); for (e in parse(commandArgs(TRUE)[1])) v <- eval(e, globalenv()); '
            'cat(sprintf("%s\\t%.17g\\n", names(v), v), sep = "")')
    out = subprocess.run(["Rscript", "-e", prog, f.name, d], capture_output=True, text=True)
    results.append(("R", out))
elif tool == "pandas":
    lines = block.strip().split("\n")
    prog = ("import os, sys\nos.chdir(sys.argv[1])\n" + "\n".join(lines[:-1]) + "\nv = " + lines[-1] +
            "\nfor k, x in v.items():\n    print(k, repr(float(x)), sep='\\t')\n")
    out = subprocess.run([sys.executable, "-c", prog, d], capture_output=True, text=True)
    results.append(("pandas", out))
else:
    out = subprocess.run(["node", os.path.join(here, "..", "..", "duckdb", "run_sql.mjs"), d],
                         input=block, capture_output=True, text=True)
    results.append(("DuckDB", out))

bad = []
for who, out in results:
    if out.returncode != 0:
        bad.append(f"{who}: exit {out.returncode}: {out.stderr.strip()[:500]}")
        continue
    got = {}
    for line in out.stdout.splitlines():
        x = line.split("\t")
        if tool == "duckdb":
            if x[1] == "error":
                bad.append(f"DuckDB statement {x[0]}: {x[2]}")
                continue
            got.setdefault(int(x[0]), {})[x[1]] = None if x[2] == "NA" else float(x[2])
        else:
            got.setdefault(1, {})[x[0]] = None if x[1] in ("NA", "NaN", "nan") else float(x[1])
    # DuckDB: the value query, then T scores two ways; R and pandas: the value query
    wants = [means, tmeans, tmeans] if tool == "duckdb" else [means]
    if sorted(got) != list(range(1, len(wants) + 1)):
        bad.append(f"{who}: results of statements {sorted(got)}, expected {len(wants)}")
    for i, want in enumerate(wants, 1):
        g = got.get(i, {})
        for k in set(want) | set(g):
            a, b = g.get(k, "missing"), want.get(k, "missing")
            ok = (a is None and b is None) or (isinstance(a, float) and isinstance(b, float)
                                               and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9))
            if not ok:
                bad.append(f"{who} query {i}, {k}: {a}, scores.csv gives {b}")
        print(f"{who} query {i}: {g}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
