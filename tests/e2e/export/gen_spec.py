#!/usr/bin/env python3
"""gen_spec.py INSTRUMENTS_DIR SPEC_JSON OUT SEED - a synthetic cohort shaped by SPEC, for the
suppression audit in tests/e2e/export.sh (written by a red-team reviewer, independently of the C
code). SPEC: {"site": [[group, clients, theta, waves, blank], ...], ...}: group "" means no
group; theta 9 / -9 makes every answer 6 / 1 (a group all flagged, or none), else a latent
shift; waves a list to draw each client's number of waves from; blank optional [item ids,
clients] leaves those DSI-R items unanswered for the group's first clients.
Writes OUT/<site>/dsi-r.csv and sfcds.csv (the mapping is tests/e2e/export/mapping-spec.yaml)."""
import csv, os, random, re, sys, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_cohort import reverse_items  # noqa: E402 (the same reading of the instrument files)

inst_dir = sys.argv[1]
spec = json.loads(sys.argv[2])
out, seed = sys.argv[3], int(sys.argv[4])
rnd = random.Random(seed)
planted = set()
specs = {"dsi-r": ("DSIR_", *reverse_items(os.path.join(inst_dir, "dsi-r.yaml"))),
         "sfcds": ("SFCDS_", *reverse_items(os.path.join(inst_dir, "sfcds.yaml")))}
serial = 0
for site, groups in spec.items():
    d = os.path.join(out, re.sub(r'[^A-Za-z0-9]', '_', site)); os.makedirs(d, exist_ok=True)
    rows = {k: [] for k in specs}
    for g in groups:
        gname, count = g[0], g[1]
        shift0 = g[2] if len(g) > 2 else 0.0
        wchoice = g[3] if len(g) > 3 else [1, 2, 2, 3]
        blank = g[4] if len(g) > 4 else []   # [item ids to leave blank, how many clients of the group]
        if gname: planted.add(gname)
        for _ in range(count):
            serial += 1
            client = "PLANTCLIENT%04d" % serial
            therapist = "Plantdoc T%d" % (serial % 4)
            intake = "2024-%02d-%02d" % (1 + rnd.randrange(12), 1 + rnd.randrange(28))
            planted.update([client, therapist, intake])
            theta = rnd.gauss(shift0, 1) if shift0 not in (9, -9) else shift0
            waves = rnd.choice(wchoice)
            nth = _ + 1
            for inst, (prefix, nitems, rev) in specs.items():
                if inst == "sfcds" and serial % 2: continue
                for w in range(waves):
                    date = "2025-%02d-%02d" % (1 + 3 * w + rnd.randrange(2), 1 + rnd.randrange(28))
                    planted.add(date)
                    rid = "PLANTRESP%s%d%s" % (inst[:2].upper(), serial, "abc"[w])
                    planted.add(rid)
                    ans = []
                    for i in range(1, nitems + 1):
                        if theta == 9: v = 6
                        elif theta == -9: v = 1
                        else:
                            v = 3.5 + 1.2 * (theta + 0.3 * w) + rnd.gauss(0, 1.0)
                            v = min(6, max(1, int(round(v))))
                        if i in rev: v = 7 - v
                        ans.append("" if (blank and inst == "dsi-r" and i in blank[0] and nth <= blank[1]) else str(v))
                    rows[inst].append([rid, client, therapist, gname, date, rnd.choice("FMX"),
                                       rnd.randrange(18, 96), intake] + ans)
    for inst, (prefix, nitems, _) in specs.items():
        with open(os.path.join(d, inst + ".csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["rid", "client", "therapist", "group", "date", "gender", "age", "intake_date"]
                       + ["%s%d" % (prefix, i) for i in range(1, nitems + 1)])
            w.writerows(rows[inst])
open(os.path.join(out, "planted.txt"), "w").write("\n".join(sorted(planted)) + "\n")
