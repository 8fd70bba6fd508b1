#!/usr/bin/env python3
"""Regenerate the synthetic example exports under examples/exports (deterministic).

Every id is synthetic (C001, T-A, G1); no answer belongs to a real person.
"""
import random

rng = random.Random(20261123)
ROWS = 12


def answers(n, profile):
    """A respondent style: 'fused' answers low on the 1-6 DSI-R (more fusion after reversal
    depends on the item), 'steady' mid-high, 'careless' one repeated value."""
    if profile == "careless":
        return [4] * n
    base = {"fused": 4.8, "steady": 2.6, "mixed": 3.5}[profile]
    return [min(6, max(1, round(rng.gauss(base, 1.0)))) for _ in range(n)]


def qualtrics_dsi():
    tags = ["StartDate", "EndDate", "Status", "ResponseId", "RecordedDate", "Client ID",
            "Therapist", "Group"] + [f"Q5_{i}" for i in range(1, 47)]
    text = ["Start Date", "End Date", "Response Type", "Response ID", "Recorded Date",
            "Client ID", "Therapist", "Group"] + [
        f"How true is each statement for you? - Statement {i}" for i in range(1, 47)]
    imp = ['{"ImportId":"%s"}' % t for t in ["startDate", "endDate", "status", "_recordId",
                                             "recordedDate", "QID1_TEXT", "QID2", "QID3"]] + [
        '{"ImportId":"QID5_%d"}' % i for i in range(1, 47)]
    labels = {1: "Not at all true of me", 2: "Slightly true of me", 3: "Somewhat true of me",
              4: "Moderately true of me", 5: "Mostly true of me", 6: "Very true of me"}
    rows = []
    profiles = ["fused", "steady", "mixed", "careless"]
    for r in range(ROWS):
        p = profiles[r % 4]
        a = answers(46, p)
        if r == 5:
            a[3] = None
            a[10] = None
        day = 1 + r
        cells = [f"2026-10-{day:02d} 09:00:00", f"2026-10-{day:02d} 09:12:00", "IP Address",
                 f"R_demo{r + 1:03d}", f"2026-10-{day:02d} 09:12:05", f"C{(r % 8) + 1:03d}",
                 "T-A" if r % 2 == 0 else "T-B", "G1" if r < 6 else "G2"]
        cells += ["" if v is None else labels[v] for v in a]
        rows.append(cells)
    # One row the quarantine must catch: an answer that is not on the scale.
    bad = list(rows[0])
    bad[3] = "R_demo099"
    bad[5] = "C009"
    bad[8 + 2] = "Always"
    rows.append(bad)
    return [tags, text, imp] + rows


def csv_line(cells, sep=","):
    out = []
    for c in cells:
        c = str(c)
        if any(ch in c for ch in (sep, '"', "\n", "\r")):
            c = '"' + c.replace('"', '""') + '"'
        out.append(c)
    return sep.join(out)


def generic_sfcds():
    head = ["client_id", "therapist", "group", "date"] + [f"SFCDS_{i}" for i in range(1, 17)]
    rows = [head]
    for r in range(ROWS):
        a = answers(16, ["fused", "steady", "mixed", "fused"][r % 4])
        if r == 3:
            a[0] = None
        rows.append([f"C{(r % 8) + 1:03d}", "T-A" if r % 2 == 0 else "T-B",
                     "G1" if r < 6 else "G2", f"2026-10-{1 + r:02d}"] +
                    ["" if v is None else v for v in a])
    return rows


with open("exports/qualtrics-dsi-r.csv", "w", newline="") as f:
    f.write("\r\n".join(csv_line(r) for r in qualtrics_dsi()) + "\r\n")
with open("exports/excel-sfcds.csv", "w", encoding="cp1252", newline="") as f:
    f.write("\r\n".join(csv_line(r, ";") for r in generic_sfcds()) + "\r\n")
