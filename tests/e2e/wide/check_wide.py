#!/usr/bin/env python3
"""Read a wide and a long score file of the same run with pandas.read_csv and no options, as an
analyst would, and compare every value (docs/score.md "Wide format").

    check_wide.py WIDE.csv LONG.csv [WIDE2.csv LONG2.csv ...]

Checks the dtypes (scores, z, t, percentiles and the indices float64; longstring int64;
statuses and validity object), then joins the wide file, one row per score, with the long
file's score rows on response_id, instrument and score: value, z, t, percentile and status must
be identical (both missing, or equal); the administration's fields must be the long file's;
flags and validity must be the long file's raised flags. Prints "ok N" (exit 1 on a difference).
"""
import sys

import pandas as pd


def same(a, b):
    """Element-wise: both missing, or equal."""
    return (a.isna() & b.isna()) | (a == b)


def check(wide, long_path, problems):
    fail = []
    w = pd.read_csv(wide)
    lg = pd.read_csv(long_path)
    scores = [c[:-len("_status")] for c in w.columns if c.endswith("_status")]
    normed = scores[0] + "_z" in w.columns
    stats = ["z", "t", "percentile"] if normed else []
    doubles = scores + ["%s_%s" % (s, k) for k in stats for s in scores] + \
        ["missing_fraction", "irv"]
    for c in doubles:
        if w[c].dtype != "float64":
            fail.append("%s is %s, not float64" % (c, w[c].dtype))
    if w["longstring"].dtype != "int64":
        fail.append("longstring is %s, not int64" % w["longstring"].dtype)
    for c in [s + "_status" for s in scores] + ["validity"]:
        if w[c].dtype != "object":
            fail.append("%s is %s, not object" % (c, w[c].dtype))

    # One row per administration and score, as the long format has them.
    parts = []
    for s in scores:
        d = pd.DataFrame({"response_id": w["response_id"], "instrument": w["instrument"],
                          "score": s, "value": w[s], "status": w[s + "_status"]})
        for k in ("z", "t", "percentile"):
            d[k] = w["%s_%s" % (s, k)] if normed else float("nan")
        parts.append(d)
    u = pd.concat(parts, ignore_index=True)
    ls = lg[lg["kind"] == "score"]
    m = ls.merge(u, on=["response_id", "instrument", "score"], suffixes=(".long", ".wide"))
    if not len(m) == len(ls) == len(u):
        fail.append("join: %d long score rows, %d wide score cells, %d matched"
                    % (len(ls), len(u), len(m)))
    for k in ("value", "z", "t", "percentile", "status"):
        a, b = m[k + ".long"], m[k + ".wide"]
        d = ~same(a, b)
        if d.any():
            r = m[d].iloc[0]
            fail.append("%s differs in %d rows, e.g. %s %s: long %r, wide %r"
                        % (k, d.sum(), r["response_id"], r["score"], r[k + ".long"],
                           r[k + ".wide"]))

    # The administration's fields: the same on every long row of it.
    first = lg.drop_duplicates(["response_id", "instrument"])
    a = first.merge(w, on=["response_id", "instrument"], suffixes=(".long", ".wide"))
    if not len(a) == len(w) == len(first):
        fail.append("join: %d administrations in the long file, %d wide rows, %d matched"
                    % (len(first), len(w), len(a)))
    for k in ("client_id", "administered", "group", "therapist", "missing_fraction",
              "longstring", "irv"):
        d = ~same(a[k + ".long"], a[k + ".wide"])
        if d.any():
            fail.append("%s differs in %d rows, e.g. %s"
                        % (k, d.sum(), a[d].iloc[0]["response_id"]))

    # flags: the raised instrument flags in file order; validity: the raised validity flags.
    fl = lg[lg["kind"] == "flag"]
    vid = fl["score"].isin(["careless", "invalid"])
    key = list(zip(w["response_id"], w["instrument"]))

    def joined(rows):
        return rows.groupby(["response_id", "instrument"], sort=False)["score"].agg(";".join)

    want = joined(fl[(fl["status"] == "raised") & ~vid])
    want_flags = pd.Series([want.get(k, "") for k in key])
    got_flags = w["flags"].fillna("")
    d = got_flags != want_flags
    if d.any():
        fail.append("flags differ in %d rows, e.g. %s: %r, long %r"
                    % (d.sum(), w["response_id"][d].iloc[0], got_flags[d].iloc[0],
                       want_flags[d].iloc[0]))
    raised = joined(fl[(fl["status"] == "raised") & vid])
    unknown = set(zip(*[fl[(fl["status"] == "not_evaluable") & vid][c]
                        for c in ("response_id", "instrument")]))
    want_v = pd.Series([raised.get(k, "not_evaluable" if k in unknown else "ok") for k in key])
    d = w["validity"] != want_v
    if d.any():
        fail.append("validity differs in %d rows, e.g. %s: %r, long %r"
                    % (d.sum(), w["response_id"][d].iloc[0], w["validity"][d].iloc[0],
                       want_v[d].iloc[0]))

    problems += ["%s: %s" % (wide, f) for f in fail]
    if not fail:
        print("%s: ok %d administrations, %d scores" % (wide, len(w), len(m)))


def main():
    fail = []
    for i in range(1, len(sys.argv), 2):
        check(sys.argv[i], sys.argv[i + 1], fail)
    if fail:
        print("\n".join(fail))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
