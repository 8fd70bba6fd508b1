#!/usr/bin/env python3
"""Compare a wide score file with the long one of the same run, as text (standard library only).

    check_text.py WIDE.csv LONG.csv SCORE...

SCORE... are the instrument's score ids in the definition file's order. Checks the header
(docs/score.md "Wide format"), then for every administration: the ids, dates, group and
therapist as the long format wrote them; every score's value, z, t and percentile the long
text, with ".0" added to a whole number; the status words; `flags` the raised instrument flags
in file order; `validity` the raised validity flags, else not_evaluable or ok; the indices as
in the long format (longstring unchanged). Prints "ok N" or every difference (exit 1).
"""
import csv
import re
import sys

HEAD = ["response_id", "client_id", "instrument", "administered", "group", "therapist"]
TAIL = ["flags", "validity", "missing_fraction", "longstring", "irv"]
WHOLE = re.compile(r"-?[0-9]+")


def as_double(long_text):
    """The wide text of a double the long format wrote as `long_text`."""
    return long_text + ".0" if WHOLE.fullmatch(long_text) else long_text


def main():
    wide_path, long_path, scores = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(wide_path, newline="", encoding="utf-8") as f:
        wide = list(csv.reader(f))
    with open(long_path, newline="", encoding="utf-8") as f:
        long_rows = list(csv.DictReader(f))
    problems = []
    header, rows = wide[0], wide[1:]
    normed = any(r["norm"] for r in long_rows)
    per = ["", "_status"] + (["_z", "_t", "_percentile"] if normed else [])
    want = HEAD + [s + p for s in scores for p in per] + TAIL
    if header != want:
        problems.append("header %r, expected %r" % (header, want))
    by_admin = {}
    for r in long_rows:
        by_admin.setdefault((r["response_id"], r["instrument"]), []).append(r)
    if len(rows) != len(by_admin):
        problems.append("%d wide rows for %d administrations" % (len(rows), len(by_admin)))
    for cells in rows:
        w = dict(zip(header, cells))
        if len(cells) != len(header):
            problems.append("%s: %d fields" % (cells[0], len(cells)))
            continue
        group = by_admin.get((w["response_id"], w["instrument"]))
        if not group:
            problems.append("%s: not in the long file" % w["response_id"])
            continue
        first = group[0]
        expect = {k: first[k] for k in ("client_id", "administered", "group", "therapist",
                                         "longstring")}
        expect["missing_fraction"] = as_double(first["missing_fraction"])
        expect["irv"] = as_double(first["irv"])
        score_rows = {r["score"]: r for r in group if r["kind"] == "score"}
        if sorted(score_rows) != sorted(scores):
            problems.append("%s: long scores %r" % (w["response_id"], sorted(score_rows)))
            continue
        for s in scores:
            r = score_rows[s]
            expect[s] = as_double(r["value"])
            expect[s + "_status"] = r["status"]
            if normed:
                for k in ("z", "t", "percentile"):
                    expect["%s_%s" % (s, k)] = as_double(r[k])
        flags = [r for r in group if r["kind"] == "flag"]
        validity_ids = ("careless", "invalid")
        expect["flags"] = ";".join(r["score"] for r in flags
                                   if r["status"] == "raised" and r["score"] not in validity_ids)
        raised = [r["score"] for r in flags if r["score"] in validity_ids and
                  r["status"] == "raised"]
        unknown = any(r["score"] in validity_ids and r["status"] == "not_evaluable"
                      for r in flags)
        expect["validity"] = ";".join(raised) or ("not_evaluable" if unknown else "ok")
        for k, v in expect.items():
            if w[k] != v:
                problems.append("%s: %s is %r, the long format says %r" %
                                (w["response_id"], k, w[k], v))
    if problems:
        for p in problems[:20]:
            print(p)
        print("%d differences" % len(problems))
        return 1
    print("ok %d" % len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
