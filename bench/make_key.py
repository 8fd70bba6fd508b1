#!/usr/bin/env python3
"""Write bench/dsi_key.txt, the DSI-R key every peer contender reads, from instruments/dsi-r.yaml.

    make_key.py [--check]

The peers (R, pandas, DuckDB) must score with exactly the key qscore uses, so nobody types the
key a second time: this script derives it from the instrument definition, and checks it against
the key source shared/instruments/KEYS.md when that file is present next to the repository.
With --check it only verifies that bench/dsi_key.txt is up to date (exit 1 if not).

Format of dsi_key.txt (one record per line, space-separated; '#' starts a comment):
    min 1
    max 6
    reverse 1 2 3 5 ...          item ids keyed min + max - x
    score ER 1 6 10 ...          one line per score, in evaluation order: id, then item ids
    items 1 2 3 ...              every item id in the instrument's (published) order
    min_answered ER 9            per score: fewer answered items -> `insufficient` (the
                                 instrument's min_fraction as qscore rounds it: ceil(f n - 1e-9))
    flag high-fusion FO <= 2.5   per flag, in file order: id, then its rule with the cutoffs'
                                 values ("and"/"or" between comparisons, no parentheses)
    max_longstring 20            validity rules (only those the instrument sets)
    max_missing_fraction 0.2
Item n is read from column DSIR_n (the instrument's default column). The R, pandas and
five-means DuckDB peers read only min, max, reverse and score; the wide DuckDB peer
(peer_duckdb_wide.mjs) reads every record.
"""
import math
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
INSTRUMENT = os.path.join(TOP, "instruments", "dsi-r.yaml")
KEYS_MD = os.path.join(os.path.dirname(TOP), "shared", "instruments", "KEYS.md")
OUT = os.path.join(HERE, "dsi_key.txt")


def load_key():
    with open(INSTRUMENT, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    items = doc["items"]
    ids = [int(it["id"]) for it in items]
    for it in items:
        if it.get("column") != "DSIR_%d" % int(it["id"]):
            sys.exit("make_key.py: item %s has column %r, expected DSIR_n" % (it["id"], it.get("column")))
    reverse = [int(it["id"]) for it in items if it.get("reverse")]
    scores = []
    for s in doc["scores"]:
        if s.get("method") != "mean":
            sys.exit("make_key.py: score %s is not a mean" % s["id"])
        its = ids if s["items"] == "all" else [int(i) for i in s["items"]]
        scores.append((s["id"], its))
    return int(doc["scale"]["min"]), int(doc["scale"]["max"]), ids, reverse, scores


def load_rules():
    """The rules the wide peer needs beyond the key: missing-data minimum, flags, validity.

    Only what the DSI-R uses is supported (mean scores over items, flags comparing scores with
    named cutoffs joined by and/or, max_longstring and max_missing_fraction): anything else stops
    the script, so the peer never silently computes something else than qscore."""
    with open(INSTRUMENT, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    nitems = len(doc["items"])
    lines = []
    for s in doc["scores"]:
        n = nitems if s["items"] == "all" else len(s["items"])
        miss = s.get("missing") or {}
        if set(miss) - {"min_fraction", "min_answered"} or len(miss) != 1:
            sys.exit("make_key.py: score %s: missing rule %r not supported by the peers" % (s["id"], miss))
        if "min_answered" in miss:
            need = int(miss["min_answered"])
        else:
            need = max(1, math.ceil(float(miss["min_fraction"]) * n - 1e-9))
        lines.append("min_answered %s %d" % (s["id"], need))
    cut = {k: v["value"] if isinstance(v, dict) else v for k, v in (doc.get("cutoffs") or {}).items()}
    score_ids = {s["id"] for s in doc["scores"]}
    cmp_re = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*(<=|>=|<|>)\s*([A-Za-z_]\w*|-?[0-9.]+)\s*$")
    for fl in doc.get("flags") or []:
        out = []
        for i, part in enumerate(re.split(r"\s+(and|or)\s+", fl["rule"])):
            if i % 2:
                out.append(part)
                continue
            m = cmp_re.match(part)
            if not m or m.group(1) not in score_ids:
                sys.exit("make_key.py: flag %s: rule %r not supported by the peers" % (fl["id"], fl["rule"]))
            c = m.group(3)
            val = cut[c] if c in cut else float(c)
            out += [m.group(1), m.group(2), repr(float(val))]
        if "and" in out and "or" in out:
            sys.exit("make_key.py: flag %s: and with or in one rule not supported" % fl["id"])
        lines.append("flag %s %s" % (fl["id"], " ".join(out)))
    v = doc.get("validity") or {}
    if set(v) - {"max_longstring", "max_missing_fraction"}:
        sys.exit("make_key.py: validity rules %s not supported by the peers"
                 % sorted(set(v) - {"max_longstring", "max_missing_fraction"}))
    for k in ("max_longstring", "max_missing_fraction"):
        if k in v:
            lines.append("%s %s" % (k, v[k]))
    return lines


def check_against_keys_md(ids, reverse, scores):
    """Compare with the DSI-R block of KEYS.md; returns a list of problems (empty when it agrees)."""
    if not os.path.exists(KEYS_MD):
        return None
    text = open(KEYS_MD, encoding="utf-8").read()
    block = text.split("## DSI-R", 1)[1].split("##", 1)[0]
    want = {}
    for m in re.finditer(r"^(ER|IP|EC|FO|not reversed) \([^)]*\):\s*([\d,]+)\s*$", block, re.M):
        want[m.group(1)] = [int(x) for x in m.group(2).split(",")]
    problems = []
    got = dict(scores)
    for sid in ("ER", "IP", "EC", "FO"):
        if sorted(got.get(sid, [])) != sorted(want.get(sid, [None])):
            problems.append("%s: yaml %s, KEYS.md %s" % (sid, got.get(sid), want.get(sid)))
    unrev = sorted(set(ids) - set(reverse))
    if unrev != sorted(want.get("not reversed", [None])):
        problems.append("not reversed: yaml %s, KEYS.md %s" % (unrev, want.get("not reversed")))
    if sorted(got.get("total", [])) != list(range(1, 47)):
        problems.append("total is not items 1..46")
    return problems


def render(lo, hi, ids, reverse, scores, rules):
    lines = [
        "# DSI-R key for the bench peers. GENERATED by bench/make_key.py from instruments/dsi-r.yaml:",
        "# do not edit. Item n is column DSIR_n; reversed items are keyed min + max - x.",
        "min %d" % lo,
        "max %d" % hi,
        "reverse " + " ".join(str(i) for i in reverse),
    ]
    lines += ["score %s %s" % (sid, " ".join(str(i) for i in its)) for sid, its in scores]
    lines.append("items " + " ".join(str(i) for i in ids))
    lines += rules
    return "\n".join(lines) + "\n"


def main():
    lo, hi, ids, reverse, scores = load_key()
    problems = check_against_keys_md(ids, reverse, scores)
    if problems:
        sys.exit("make_key.py: instruments/dsi-r.yaml disagrees with KEYS.md:\n  " + "\n  ".join(problems))
    text = render(lo, hi, ids, reverse, scores, load_rules())
    current = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else None
    if "--check" in sys.argv[1:]:
        if current != text:
            sys.exit("make_key.py: bench/dsi_key.txt is out of date (run bench/make_key.py)")
        return
    if current != text:
        with open(OUT + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(OUT + ".tmp", OUT)
    note = "checked against KEYS.md" if problems is not None else "KEYS.md not found: not cross-checked"
    print("dsi_key.txt: %d items, %d reversed, scores %s (%s)"
          % (len(ids), len(reverse), ",".join(s for s, _ in scores), note))


if __name__ == "__main__":
    main()
