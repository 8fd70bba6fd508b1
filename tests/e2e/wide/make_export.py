#!/usr/bin/env python3
"""Write the synthetic export of tests/e2e/wide.sh for demo-scale (the instrument of the case
tests/cases/score/wide-norms-flags: 4 items 1-5, items 2 and 4 reversed, A = mean of items 1-2,
B = prorated sum of items 3-4, total = mean of A and B, defined first; an attention check).

    make_export.py OUT.csv ROWS

Rows, in this order (a fixed seed: the same bytes every time):
- the first 100: items 3 and 4 blank, so B and total are insufficient (empty) in every row a
  reader that samples the top of the file sees first;
- then whole-number scores only (A = a, B = 2b, total = (a + 2b) / 2 with a even), up to 120
  rows before the end: more than DuckDB's sample of 20,480 rows when ROWS is larger than that;
- the last 120: every kind of row: halves (A = 2.5), blanks, failed checks, identical answers
  (careless), one answer (irv empty, careless not evaluable), groups with ',' and ';', a
  therapist that looks like a formula, dates with and without a time.
Synthetic ids only (R_000001, C0001).
"""
import csv
import random
import sys


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    rng = random.Random(1515)
    groups = ["G1", "G2", "G1, evening", "G2; late", ""]
    therapists = ["T-A", "T-B", "-T", "=T1", ""]
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["rid", "client", "group", "therapist", "date",
                    "D1", "D2", "D3", "D4", "check"])
        for i in range(1, rows + 1):
            d = ["", "", "", ""]
            check = "5"
            date = "2026-%02d-%02d" % (1 + i % 12, 1 + i % 28)
            if i <= 100:
                d[0], d[1] = str(rng.randint(1, 5)), str(rng.randint(1, 5))
            elif i <= rows - 120:
                a, b = rng.choice([2, 4]), rng.randint(1, 5)
                d = [str(a), str(6 - a), str(b), str(6 - b)]
            else:
                kind = i % 6
                if kind == 0:    # halves: A = (2 + 3) / 2
                    d = ["2", "3", str(rng.randint(1, 5)), str(rng.randint(1, 5))]
                elif kind == 1:  # identical answers: careless (longstring 4 > 3, irv 0)
                    v = str(rng.randint(1, 5))
                    d = [v, v, v, v]
                elif kind == 2:  # one answer: irv empty
                    d[0] = str(rng.randint(1, 5))
                elif kind == 3:  # failed attention check: invalid
                    d = [str(rng.randint(1, 5)) for _ in range(4)]
                    check = rng.choice(["1", ""])
                elif kind == 4:  # a label, a blank
                    d = ["Never", str(rng.randint(1, 5)), "", "Always"]
                else:
                    d = [str(rng.randint(1, 5)) for _ in range(4)]
                date += " %02d:%02d" % (rng.randint(0, 23), rng.randint(0, 59))
            w.writerow(["R_%06d" % i, "C%04d" % (1 + i % 997), groups[i % len(groups)],
                        therapists[i % len(therapists)], date] + d + [check])


if __name__ == "__main__":
    main()
