#!/usr/bin/env python3
"""Write a synthetic clinic for the local-norm test: N clients (ids C001...), 3 monthly
administrations each of the DSI-R, the ECR-R and the SFCDS, one CSV per instrument. Answers come
from a per-client level plus noise, so the items of a scale agree (alpha well above 0), with
about 5% blank answers. Synthetic and seeded: the same files every time. Reverse-keyed items (read
from the instrument files) are answered so that their keyed value follows the level too.
Usage: make_clinic.py INSTRUMENTS_DIR OUT_DIR N"""
import os
import random
import re
import sys

FORMS = {"dsi-r": ("DSIR", 46), "ecr-r": ("ECRR", 36), "sfcds": ("SFCDS", 16)}


def scale_and_reversed(path):
    text = open(path, encoding="utf-8").read()
    lo = int(re.search(r"^\s+min:\s*(\d+)", text, re.M).group(1))
    hi = int(re.search(r"^\s+max:\s*(\d+)", text, re.M).group(1))
    rev = {int(m.group(1)) for m in re.finditer(r"\{id:\s*(\d+)[^}]*reverse:\s*true", text)}
    return lo, hi, rev


def main():
    inst_dir, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rnd = random.Random(20261202)
    os.makedirs(out, exist_ok=True)
    for inst, (prefix, k) in FORMS.items():
        lo, hi, rev = scale_and_reversed(os.path.join(inst_dir, inst + ".yaml"))
        rows = ["rid,client,date," + ",".join("%s_%d" % (prefix, i) for i in range(1, k + 1))]
        for c in range(1, n + 1):
            level = rnd.uniform(lo + 0.5, hi - 0.5)
            trend = rnd.choice((-0.6, 0.0, 0.6))  # some clients change over the months
            for w in range(3):
                mean = min(hi, max(lo, level + trend * w))
                cells = []
                for i in range(1, k + 1):
                    if rnd.random() < 0.05:
                        cells.append("")
                        continue
                    v = int(round(min(hi, max(lo, rnd.gauss(mean, 0.8)))))
                    cells.append(str(lo + hi - v if i in rev else v))
                rows.append("%s-C%03d-%d,C%03d,2026-0%d-1%d,%s" % (
                    prefix, c, w, c, w + 1, c % 9, ",".join(cells)))
        with open(os.path.join(out, inst + ".csv"), "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
