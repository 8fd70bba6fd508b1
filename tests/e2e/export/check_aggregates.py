#!/usr/bin/env python3
"""check_aggregates.py - check an export's small-cell suppression and its statistics.

Usage: check_aggregates.py EXPORT_DIR K MIN_COMPLEMENTARY

Checks, for every family (instrument, version, score, wave) of aggregates.csv:
- a published cell has n >= K and its mean, min and max equal those computed from scores.csv;
  with n_flagged hidden it shows n only (the score statistics would bound the flagged count);
- a suppressed cell shows no statistic (every one NaN, never empty: export format 3);
- no published total has exactly one suppressed part (it would give that part away), the
  suppressed parts under a published total hold K or more clients (their true n, from
  scores.csv), and no suppressed total can be rebuilt from parts that are all published;
- the same for n_flagged: a published count is 0, or K or more with K or more not flagged;
- one suppression pattern per table: a cell is suppressed for every score of its instrument,
  version and wave or for none;
- at least MIN_COMPLEMENTARY cells with n >= K are suppressed (complementary suppression).
Prints each violation; exit status 1 when there is one.
"""
import csv
import sys
from collections import defaultdict

d, k, min_comp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bad = []
values = defaultdict(list)  # (level, site, group, inst, ver, score, wave) -> values
with open(f"{d}/scores.csv", newline="") as f:
    for r in csv.DictReader(f):
        if r["value"] == "":
            continue
        v = float(r["value"])
        for key in [("all", "", ""), ("site", r["site"], ""), ("group", r["site"], r["group_pid"])]:
            values[key + (r["instrument"], r["instrument_version"], r["score"], r["wave"])].append(v)

rows = list(csv.DictReader(open(f"{d}/aggregates.csv", newline="")))
for r in rows:
    if r["suppressed"] not in ("TRUE", "FALSE") or r["flagged_suppressed"] not in ("TRUE", "FALSE"):
        bad.append(f"a boolean that is not TRUE or FALSE: {r}")
fam = defaultdict(list)
for r in rows:
    fam[(r["instrument"], r["instrument_version"], r["score"], r["wave"])].append(r)
comp = 0
for key, cells in fam.items():
    for r in cells:
        where = f"{key} {r['level']} {r['site']} {r['group_pid']}"
        if r["suppressed"] == "TRUE":
            if any(r[c] != "NaN" for c in ("n", "mean", "sd", "min", "max", "q1", "median", "q3", "n_flagged")):
                bad.append(f"suppressed cell shows statistics: {where}")
            comp += len(values[(r["level"], r["site"], r["group_pid"]) + key]) >= k
            continue
        n = int(r["n"])
        if n < k:
            bad.append(f"published cell with n = {n} < {k}: {where}")
        vals = values[(r["level"], r["site"], r["group_pid"]) + key]
        if len(vals) != n:
            bad.append(f"n = {n} but scores.csv has {len(vals)}: {where}")
        elif r["flagged_suppressed"] == "TRUE":
            if any(r[c] != "NaN" for c in ("mean", "sd", "min", "max", "q1", "median", "q3", "n_flagged")):
                bad.append(f"a hidden n_flagged with its score statistics shown: {where}")
        elif abs(sum(vals) / n - float(r["mean"])) > 1e-9 or min(vals) != float(r["min"]) \
                or max(vals) != float(r["max"]):
            bad.append(f"mean/min/max differ from scores.csv: {where}")
        if r["flagged_suppressed"] == "FALSE":
            f = int(r["n_flagged"])
            if 0 < f < k or (f > 0 and n - f < k):
                bad.append(f"published n_flagged {f} of {n} (k = {k}): {where}")
    # the hierarchy: all -> sites -> groups
    top = [r for r in cells if r["level"] == "all"]
    sites = [r for r in cells if r["level"] == "site"]
    for col in ("suppressed", "flagged_suppressed"):
        pairs = [(top[0], sites)] + [(s, [g for g in cells if g["level"] == "group" and g["site"] == s["site"]])
                                     for s in sites]
        for parent, kids in pairs:
            ns = sum(kid[col] == "TRUE" for kid in kids)
            if parent[col] == "FALSE" and ns == 1:
                bad.append(f"{col}: a published total has exactly one suppressed part: {key} {parent['site']}")
            hidden = sum(len(values[(kid["level"], kid["site"], kid["group_pid"]) + key])
                         for kid in kids if kid[col] == "TRUE")
            if col == "suppressed" and parent[col] == "FALSE" and ns and hidden < k:
                bad.append(f"suppressed parts under a published total hold only {hidden} < {k}: {key} {parent['site']}")
            if parent[col] == "TRUE" and kids and ns == 0:
                bad.append(f"{col}: a suppressed total equals the sum of its published parts: {key} {parent['site']}")
pattern = defaultdict(set)
for r in rows:
    pattern[(r["instrument"], r["instrument_version"], r["wave"], r["level"], r["site"],
             r["group_pid"])].add(r["suppressed"])
for cell, states in pattern.items():
    if len(states) != 1:
        bad.append(f"suppressed for some scores and not others: {cell}")
if comp < min_comp:
    bad.append(f"only {comp} complementary suppressions, expected at least {min_comp}")
for b in bad[:20]:
    print("FAIL:", b)
print(f"aggregates: {len(rows)} cells, {sum(r['suppressed'] == 'TRUE' for r in rows)} suppressed "
      f"({comp} complementary), {len(bad)} problems")
sys.exit(1 if bad else 0)
