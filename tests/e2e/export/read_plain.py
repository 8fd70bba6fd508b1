#!/usr/bin/env python3
"""read_plain.py EXPORT_DIR - read every CSV file of a research export with pandas' read_csv and
no options, as a researcher would, for check_plain.py (run it with Debian's /usr/bin/python3,
which has python3-pandas). Prints the lines tests/duckdb/read_plain.mjs prints: `type FILE
COLUMN DTYPE` and `rows FILE N` per file; `mean SOURCE INSTRUMENT MEAN ROWS` (the mean value) and
`tmean SOURCE INSTRUMENT MEAN` (the mean T score) for scores.csv and for the partitions read one
by one and concatenated (instrument from the folder name)."""
import glob
import math
import os
import sys

import pandas as pd


def num(x):
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(float(x))


os.chdir(sys.argv[1])
for f in sorted(glob.glob("**/*.csv", recursive=True)):
    d = pd.read_csv(f)
    for c, t in d.dtypes.astype(str).items():
        print("type", f, c, t, sep="\t")
    print("rows", f, len(d), sep="\t")

s = pd.read_csv("scores.csv")
m = s.groupby("instrument")["value"].mean()  # the README query
parts = sorted(glob.glob("scores/*/*/*.csv"))
p = pd.concat([pd.read_csv(x).assign(instrument=x.split("instrument=")[1].split("/")[0])
               for x in parts])
for source, d in (("scores.csv", s), ("parts", p)):
    for inst, g in d.groupby("instrument"):
        v = m[inst] if source == "scores.csv" else g["value"].mean()
        print("mean", source, inst, num(v), len(g), sep="\t")
        print("tmean", source, inst, num(g["t"].mean()), sep="\t")
