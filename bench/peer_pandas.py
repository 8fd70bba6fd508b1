#!/usr/bin/env python3
"""pandas contender for `make bench` (bench/README.md).

    peer_pandas.py KEY.txt IN.csv OUT.csv

Reads the export with pandas.read_csv (C engine; blank answers become NaN), reverse-keys the
reversed items as min + max - x (min/max from the key file), takes each scale's mean over the
answered items (NaN skipped, no minimum) and writes ResponseId, client_id, ER, IP, EC, FO, total
with DataFrame.to_csv.
"""
import sys

import pandas as pd


def read_key(path):
    lo = hi = None
    reverse, scores = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if parts[0] == "min":
                lo = int(parts[1])
            elif parts[0] == "max":
                hi = int(parts[1])
            elif parts[0] == "reverse":
                reverse = [int(x) for x in parts[1:]]
            elif parts[0] == "score":
                scores.append((parts[1], [int(x) for x in parts[2:]]))
    return lo, hi, reverse, scores


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: peer_pandas.py KEY.txt IN.csv OUT.csv")
    lo, hi, reverse, scores = read_key(sys.argv[1])
    df = pd.read_csv(sys.argv[2], dtype={"ResponseId": str, "client_id": str})
    rev_cols = ["DSIR_%d" % i for i in reverse]
    df[rev_cols] = (lo + hi) - df[rev_cols]
    out = df[["ResponseId", "client_id"]].copy()
    for sid, ids in scores:
        out[sid] = df[["DSIR_%d" % i for i in ids]].mean(axis=1, skipna=True)
    out.to_csv(sys.argv[3], index=False)


if __name__ == "__main__":
    main()
