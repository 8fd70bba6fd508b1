#!/usr/bin/env python3
"""Check that the contenders of `make bench` computed the same scores.

    crosscheck.py KEY.txt EXPORT.csv ROWS NAME=OUT.csv ...

Computes a reference from the first ROWS data rows of EXPORT.csv with the csv module alone
(keyed value min + max - x; a scale's mean over its answered items), then compares every
contender output on those rows, per ResponseId, for ER, IP, EC, FO and total.
- Wide outputs: the peers' (ResponseId, client_id, ER, IP, EC, FO, total) and qscore's
  `--format wide` and the DuckDB wide peer's (response_id, client_id, ..., ER, ER_status, ...).
- qscore's long output (name starting with "qscore-long"): rows with kind=score.
- Outputs that apply the instrument's 80% rule (names starting with "qscore" or holding
  "wide"): an empty value (`insufficient`) is counted apart, not compared, and is an error only
  when the reference has every item of that scale answered.
Prints a Markdown section on stdout. Exit 1 when any value differs by more than 1e-9.
"""
import csv
import itertools
import sys

TOL = 1e-9


def read_key(path):
    lo = hi = None
    reverse, scores = set(), []
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if not p or p[0].startswith("#"):
                continue
            if p[0] == "min":
                lo = int(p[1])
            elif p[0] == "max":
                hi = int(p[1])
            elif p[0] == "reverse":
                reverse = {int(x) for x in p[1:]}
            elif p[0] == "score":
                scores.append((p[1], [int(x) for x in p[2:]]))
    return lo, hi, reverse, scores


def reference(key, export, rows):
    lo, hi, reverse, scores = key
    ref, order = {}, []
    with open(export, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        col = {name: i for i, name in enumerate(header)}
        for row in itertools.islice(r, rows):
            rid = row[col["ResponseId"]]
            order.append(rid)
            out = {}
            for sid, ids in scores:
                vals = []
                for i in ids:
                    s = row[col["DSIR_%d" % i]]
                    if s != "":
                        v = int(s)
                        vals.append(lo + hi - v if i in reverse else v)
                out[sid] = (sum(vals) / len(vals) if vals else None, len(vals), len(ids))
            ref[rid] = out
    return ref, order


def read_wide(path, wanted, score_ids):
    got = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        idcol = "response_id" if "response_id" in (reader.fieldnames or []) else "ResponseId"
        for row in reader:
            rid = row[idcol]
            if rid in wanted:
                got[rid] = {k: (float(row[k]) if row[k] not in ("", "NA", "NaN") else None)
                            for k in score_ids}
                if len(got) == len(wanted):
                    break
    return got


def read_qscore_long(path, wanted, score_ids):
    got = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rid = row["response_id"]
            if rid not in wanted:
                if len(got) == len(wanted):
                    break
                continue
            if row["kind"] == "score" and row["score"] in score_ids:
                v = row["value"]
                got.setdefault(rid, {})[row["score"]] = float(v) if v != "" else None
    return got


def main():
    if len(sys.argv) < 5:
        sys.exit("usage: crosscheck.py KEY.txt EXPORT.csv ROWS NAME=OUT.csv ...")
    key = read_key(sys.argv[1])
    score_ids = [s for s, _ in key[3]]
    ref, order = reference(key, sys.argv[2], int(sys.argv[3]))
    wanted = set(order)
    lines = ["Reference: the first %d rows recomputed from the export with Python's csv module; "
             "tolerance %g." % (len(order), TOL), "",
             "| output | rows found | values compared | insufficient (80% rule) | disagreements |",
             "|---|---:|---:|---:|---:|"]
    bad = []
    for arg in sys.argv[4:]:
        name, path = arg.split("=", 1)
        try:
            if name == "qscore" or name.startswith("qscore-long"):
                got = read_qscore_long(path, wanted, set(score_ids))
            else:
                got = read_wide(path, wanted, score_ids)
        except (OSError, KeyError, ValueError) as e:
            lines.append("| %s | error: %s | | | |" % (name, e))
            bad.append("%s: unreadable (%s)" % (name, e))
            continue
        rule80 = name.startswith("qscore") or "wide" in name
        compared = insufficient = 0
        diffs = []
        for rid in order:
            if rid not in got:
                diffs.append("%s: row %s missing" % (name, rid))
                continue
            for sid in score_ids:
                want, k, n = ref[rid][sid]
                have = got[rid].get(sid)
                if rule80 and have is None:
                    insufficient += 1
                    if k == n:
                        diffs.append("%s: %s %s empty with all %d items answered" % (name, rid, sid, n))
                    continue
                compared += 1
                if (want is None) != (have is None) or (want is not None and abs(want - have) > TOL):
                    diffs.append("%s: %s %s = %r, reference %r" % (name, rid, sid, have, want))
        lines.append("| %s | %d | %d | %s | %d |" % (name, len(got), compared,
                                                    insufficient if rule80 else "",
                                                    len(diffs)))
        bad += diffs
    if bad:
        lines += ["", "Disagreements (first 20 of %d):" % len(bad), ""]
        lines += ["- " + d for d in bad[:20]]
    else:
        lines += ["", "All outputs agree with the reference on every compared value."]
    print("\n".join(lines))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
