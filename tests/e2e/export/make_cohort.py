#!/usr/bin/env python3
"""make_cohort.py - synthetic survey exports for tests/e2e/export.sh (no real records).

Usage: make_cohort.py INSTRUMENTS_DIR OUT_DIR SEED

Writes site-a/dsi-r.csv, site-a/sfcds.csv, site-b/dsi-r.csv, site-b/sfcds.csv and planted.txt:
every identifier planted in the exports (client and response ids, names, e-mails, therapists,
group names, exact dates, free text), one per line, for the test to grep for in the research
export. Covariates: gender (F/M/X), age (18-95), intake_date (a date), feeling (free text,
unique per client, for the refusal of a category with too many values), code (the client id
again, innocently named, for the refusal of a covariate that repeats an identifier), th (the
therapist's name in capitals with a full stop: the same refusal, compared without case).
Answers follow one latent trait per client so scales are internally consistent; reverse-keyed
items (read from the instrument files) are answered in reverse. A few answers are left blank
(1%, or the share given as a fourth argument).
"""
import csv
import os
import random
import re
import sys


def reverse_items(path):
    rev, n = set(), 0
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\s*- \{id: (\d+), column: \w+(, reverse: true)?\}", line)
        if m:
            n = max(n, int(m.group(1)))
            if m.group(2):
                rev.add(int(m.group(1)))
    return n, rev


def main():
    inst_dir, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    blank = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01  # share of answers left blank
    rnd = random.Random(seed)
    planted = set()
    specs = {"dsi-r": ("DSIR_", *reverse_items(os.path.join(inst_dir, "dsi-r.yaml"))),
             "sfcds": ("SFCDS_", *reverse_items(os.path.join(inst_dir, "sfcds.yaml")))}
    # site: [(group or "", clients)]
    sites = {"site-a": [("Plantgroup Alpha", 30), ("Plantgroup Beta", 12), ("Plantgroup Gamma", 3)],
             "site-b": [("Plantgroup Delta", 25), ("", 4)]}
    serial = 0
    for site, groups in sites.items():
        os.makedirs(os.path.join(out, site), exist_ok=True)
        rows = {k: [] for k in specs}
        for gname, count in groups:
            if gname:
                planted.add(gname)
            for _ in range(count):
                serial += 1
                client = "PLANTCLIENT%04d" % serial
                name = "Plantname Zyx%d" % serial
                email = "zz.planted%d@example.invalid" % serial
                therapist = "Plantdoc T%d" % (serial % 4)
                comment = "Plantcomment on %d" % serial
                feeling = "Plantfeel %d" % serial
                gender = rnd.choice(["F", "M", "X"])
                age = rnd.randrange(18, 96)
                intake = "2024-%02d-%02d" % (1 + rnd.randrange(12), 1 + rnd.randrange(28))
                planted.update([client, name, email, therapist, comment, feeling, intake])
                theta = rnd.gauss(0, 1)
                waves = rnd.choice([1, 2, 2, 3])
                for inst, (prefix, nitems, rev) in specs.items():
                    if inst == "sfcds" and serial % 2:
                        continue
                    for w in range(waves):
                        month, day = 1 + 3 * w + rnd.randrange(2), 1 + rnd.randrange(28)
                        date = "2025-%02d-%02d" % (month, day)
                        planted.add(date)
                        rid = "PLANTRESP%s%d%s" % (inst[:2].upper(), serial, "abc"[w])
                        planted.add(rid)
                        shift = theta + 0.3 * w
                        ans = []
                        for i in range(1, nitems + 1):
                            v = 3.5 + 1.2 * shift + rnd.gauss(0, 1.0)
                            v = min(6, max(1, int(round(v))))
                            if i in rev:
                                v = 7 - v
                            if rnd.random() < blank:
                                ans.append("")
                            else:
                                ans.append(str(v))
                        rows[inst].append([rid, client, name, email, therapist, gname, date, gender,
                                           age, intake, feeling, comment, client,
                                           therapist.upper() + "."] + ans)
        for inst, (prefix, nitems, _) in specs.items():
            with open(os.path.join(out, site, inst + ".csv"), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["rid", "client", "name", "email", "therapist", "group", "date", "gender",
                            "age", "intake_date", "feeling", "comment", "code", "th"]
                           + ["%s%d" % (prefix, i) for i in range(1, nitems + 1)])
                w.writerows(rows[inst])
    with open(os.path.join(out, "planted.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(sorted(planted)) + "\n")


if __name__ == "__main__":
    main()
