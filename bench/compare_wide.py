#!/usr/bin/env python3
"""Check, on every row, that a peer wrote the same values as qscore's wide file.

    compare_wide.py QSCORE_WIDE.csv NAME=PEER.csv ...

Both files are read with Python's csv module, in step (same row order). A field is "same text"
when the parsed fields are equal strings (so quoting differs at most: qscore quotes a field
holding ';', DuckDB does not), "same number" when the texts differ but both read as the same
double, and a disagreement otherwise. The header must be the same. Prints a Markdown section on
stdout; exit 1 when any field disagrees or a file has more rows than the other.
"""
import csv
import sys


def same_number(a, b):
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def compare(qpath, ppath):
    fields = same_text = same_num = rows = 0
    diffs = []
    with open(qpath, newline="", encoding="utf-8") as fq, open(ppath, newline="", encoding="utf-8") as fp:
        rq, rp = csv.reader(fq), csv.reader(fp)
        hq, hp = next(rq, None), next(rp, None)
        if hq != hp:
            return None, ["header differs: qscore %s, peer %s" % (hq, hp)]
        for a, b in zip(rq, rp):
            rows += 1
            if len(a) != len(b):
                diffs.append("row %d: %d fields vs %d" % (rows, len(a), len(b)))
                continue
            for name, x, y in zip(hq, a, b):
                fields += 1
                if x == y:
                    same_text += 1
                elif same_number(x, y):
                    same_num += 1
                else:
                    diffs.append("row %d (%s) %s: qscore %r, peer %r" % (rows, a[0], name, x, y))
        extra_q = sum(1 for _ in rq)
        extra_p = sum(1 for _ in rp)
        if extra_q or extra_p:
            diffs.append("row count differs: qscore has %d more, peer %d more" % (extra_q, extra_p))
    return (rows, len(hq), fields, same_text, same_num), diffs


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: compare_wide.py QSCORE_WIDE.csv NAME=PEER.csv ...")
    qpath = sys.argv[1]
    lines = ["qscore's wide file against each DuckDB wide peer's, every row and column, read with "
             "Python's csv module (quoting aside, a field is the same text, or the same double "
             "written differently, or a disagreement).", "",
             "| peer | rows | columns | fields | same text | same number, other text | disagreements |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    bad = []
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        try:
            counts, diffs = compare(qpath, path)
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            counts, diffs = None, ["unreadable: %s" % e]
        if counts is None:
            lines.append("| %s | | | | | | %s |" % (name, diffs[0]))
        else:
            lines.append("| %s | %s | %d | %s | %s | %s | %s |" % (
                name, "{:,}".format(counts[0]), counts[1], "{:,}".format(counts[2]),
                "{:,}".format(counts[3]), "{:,}".format(counts[4]), "{:,}".format(len(diffs))))
        bad += ["%s: %s" % (name, d) for d in diffs]
    if bad:
        lines += ["", "Disagreements (first 20 of %d):" % len(bad), ""] + ["- " + d for d in bad[:20]]
    else:
        lines += ["", "Same values in every field."]
    print("\n".join(lines))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
