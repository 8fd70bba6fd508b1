#!/usr/bin/env python3
"""check_groups.py - the Groups sheet of the therapist workbooks, against the store.

Usage: check_groups.py QSCORE WORKDIR INSTRUMENTS_DIR

Makes a small synthetic clinic (two therapists, groups G1 and G2 and clients without a group,
DSI-R and SFCDS from January to June 2026: a client who moves from G1 to G2 in March, a client
with two forms in one month, a careless form, months with fewer than 3 clients, improving and
deteriorating clients, a local norm so reliable change is computed), runs `qscore run` on it
once, and reads every workbook's Groups sheet back with openpyxl. Every number on the sheet is
recomputed here from the store (sqlite3), independently of the writer:

  - a month's mean and n: the forms of the workbook's rows (client x instrument, assigned to the
    therapist of their latest form) whose group at that form is the section's group, careless or
    invalid forms left out, each client's latest usable form of the month once;
  - means of fewer than 3 are "-" (an en dash), the others rounded to 2 decimals for a mean
    score and 1 for a sum, with a number format showing exactly those digits;
  - baseline and latest: per group and instrument the clients whose latest form is in the group,
    flagged ones (a raised flag on the latest form), and per score the reliable change class
    from the store's changes table (not testable when the latest usable form lacks the score, or
    fewer than 2 usable forms have it).

The scenario's own rules are checked to matter: counting every form in the client's latest
group, counting both forms of a month, or counting the careless form each gives other numbers.
All names are synthetic.
"""
import datetime
import math
import os
import random
import re
import sqlite3
import subprocess
import sys

import openpyxl
import yaml

FAILS = []
PASSES = [0]
DASH = "\u2013"
ENUM_WORDS = ["not_computable", "not_evaluable", "reliable_deterioration", "reliable_improvement",
              "no_reliable_change", "reliable_increase", "reliable_decrease", "insufficient",
              "raised", "careless_flag", "missing_fraction", "longstring"]


def check(what, ok, detail=""):
    if ok:
        PASSES[0] += 1
    else:
        FAILS.append(f"{what}: {detail}")
        print(f"FAIL: {what}: {detail}")


# ---- the scenario ----------------------------------------------------------------------------

# (client, therapist, [(date, group, level, careless)]): level is the keyed answer level on the
# DSI-R's 1-6 scale (higher = better); SFCDS gets the mirrored level (lower = better).
def up(n):
    return [2.2 + 2.6 * k / max(n - 1, 1) for k in range(n)]


def down(n):
    return list(reversed(up(n)))


def flat(n):
    return [3.5] * n


def visits(dates, groups, levels, careless=()):
    return [(d, g, lv, d in careless) for d, g, lv in zip(dates, groups, levels)]


SCENARIO = [
    # Moves from G1 to G2 in March.
    ("A01", "T-A", visits(["2026-01-12", "2026-02-10", "2026-03-09", "2026-04-13", "2026-05-11"],
                          ["G1", "G1", "G2", "G2", "G2"], up(5))),
    # Two forms in February: only the later one counts that month.
    ("A02", "T-A", visits(["2026-01-14", "2026-02-03", "2026-02-20", "2026-03-16", "2026-04-20",
                           "2026-05-18"], ["G1"] * 6, down(6))),
    # A careless form in March (the same answer to every item).
    ("A03", "T-A", visits(["2026-01-15", "2026-02-12", "2026-03-10", "2026-04-14"], ["G1"] * 4,
                          flat(4), careless={"2026-03-10"})),
    ("A04", "T-A", visits(["2026-01-20", "2026-02-17", "2026-03-17", "2026-04-21", "2026-05-19",
                           "2026-06-16"], ["G1"] * 6, up(6))),
    ("A05", "T-A", visits(["2026-02-05", "2026-03-05", "2026-04-08", "2026-05-06"], ["G1"] * 4,
                          flat(4))),
    # G2 in January: two clients only (means hidden).
    ("A06", "T-A", visits(["2026-01-08", "2026-02-09", "2026-03-11", "2026-04-09"], ["G2"] * 4,
                          down(4))),
    ("A07", "T-A", visits(["2026-01-22", "2026-02-24", "2026-03-23", "2026-04-22", "2026-05-20"],
                          ["G2"] * 5, up(5))),
    ("A08", "T-A", visits(["2026-03-02", "2026-04-06", "2026-05-05", "2026-06-03"], ["G2"] * 4,
                          flat(4))),
    ("A09", "T-A", visits(["2026-04-01", "2026-05-04", "2026-06-01"], ["G2"] * 3, down(3))),
    ("A10", "T-A", visits(["2026-03-03", "2026-04-02"], ["G1"] * 2, flat(2))),
    # Without a group.
    ("A11", "T-A", visits(["2026-01-09", "2026-03-09"], ["", ""], up(2))),
    ("A12", "T-A", visits(["2026-02-02"], [""], flat(1))),
    ("A13", "T-A", visits(["2026-01-06", "2026-06-08"], ["G1", "G1"], down(2))),
    ("A14", "T-A", visits(["2026-06-10"], ["G2"], flat(1))),
    # Another therapist's clients, in the same groups: never in T-A's workbook.
    ("B01", "T-B", visits(["2026-01-07", "2026-02-06", "2026-03-06"], ["G1"] * 3, up(3))),
    ("B02", "T-B", visits(["2026-01-13", "2026-02-13", "2026-03-13"], ["G1"] * 3, down(3))),
    ("B03", "T-B", visits(["2026-01-16", "2026-02-16", "2026-03-16"], ["G2"] * 3, flat(3))),
    ("B04", "T-B", visits(["2026-01-21", "2026-02-18", "2026-03-18"], ["G2"] * 3, up(3))),
    ("B05", "T-B", visits(["2026-01-23", "2026-02-23", "2026-04-23"], ["G1", "G1", "G2"],
                          down(3))),
]


def load_instrument(path):
    with open(path, encoding="utf-8") as f:
        d = yaml.safe_load(f)
    rev = {int(it["id"]) for it in d["items"] if it.get("reverse")}
    return d, [int(it["id"]) for it in d["items"]], rev


def answers(items, rev, lo, hi, level, careless, salt):
    """Raw answers: the keyed level plus a -1/0/+1 pattern (no long runs), reverse-keyed items
    mirrored. A careless form answers 3 throughout."""
    if careless:
        return [3] * len(items)
    out = []
    for k, i in enumerate(items):
        v = int(math.floor(level + (-1, 0, 1)[(k + salt) % 3] + 0.5))
        v = min(hi, max(lo, v))
        out.append(lo + hi - v if i in rev else v)
    return out


def make_clinic(work, inst_dir):
    dsi, dsi_items, dsi_rev = load_instrument(os.path.join(inst_dir, "dsi-r.yaml"))
    sf, sf_items, sf_rev = load_instrument(os.path.join(inst_dir, "sfcds.yaml"))
    os.makedirs(os.path.join(work, "drop"), exist_ok=True)
    rng = random.Random(13)
    rows = {"dsi-r": [], "sfcds": []}
    rid = 0
    for client, therapist, vs in SCENARIO:
        for date, group, level, careless in vs:
            rid += 1
            salt = rng.randrange(3)
            rows["dsi-r"].append([f"R{rid}", client, therapist, group, date] +
                                 answers(dsi_items, dsi_rev, 1, 6, level, careless, salt))
            rows["sfcds"].append([f"R{rid}", client, therapist, group, date] +
                                 answers(sf_items, sf_rev, 1, 6, 7 - level, careless, salt))
    for inst, items, prefix in (("dsi-r", dsi_items, "DSIR"), ("sfcds", sf_items, "SFCDS")):
        head = ["rid", "client", "therapist", "group", "date"] + [f"{prefix}_{i}" for i in items]
        with open(os.path.join(work, "drop", f"{inst}.csv"), "w", encoding="utf-8") as f:
            f.write(",".join(head) + "\n")
            for r in rows[inst]:
                f.write(",".join(str(v) for v in r) + "\n")
        with open(os.path.join(work, f"{inst}.yaml"), "w", encoding="utf-8") as f:
            f.write("response_id: rid\nclient_id: client\ntherapist: therapist\ngroup: group\n"
                    "administered: date\n")
    with open(os.path.join(work, "clinic.yaml"), "w", encoding="utf-8") as f:
        f.write("store: qscore.db\noutput: out\nsources:\n")
        for inst in ("dsi-r", "sfcds"):
            f.write(f"  - id: {inst}\n    files: \"drop/{inst}.csv\"\n    instrument: {inst}\n"
                    f"    mapping: {inst}.yaml\n")
        f.write("norms:\n  dsi-r: {local: {min_n: 12}}\n  sfcds: {local: {min_n: 12}}\n"
                "reports:\n  group_by: therapist\n")
    return {"dsi-r": dsi, "sfcds": sf}


# ---- what the store says ---------------------------------------------------------------------

def store_rows(db):
    """Per (client, instrument): its current forms in the report's order (date, id), each with
    group, therapist, month, usable, flagged, values; and the changes rows."""
    con = sqlite3.connect(db)
    forms = {}
    for aid, client, inst, date, group, therapist in con.execute(
            "SELECT a.id, c.client_key, a.instrument, a.administered, a.group_name, a.therapist"
            " FROM administrations a JOIN clients c ON c.id = a.client WHERE a.current = 1"
            " ORDER BY a.site, c.client_key, a.instrument, a.administered IS NULL,"
            " a.administered, a.id"):
        forms.setdefault((client, inst), []).append(
            {"id": aid, "date": date, "group": group or None, "therapist": therapist,
             "values": {}, "raised": set()})
    by_id = {f["id"]: f for fs in forms.values() for f in fs}
    for aid, score, value in con.execute("SELECT administration, score, value FROM scores"):
        if aid in by_id:
            by_id[aid]["values"][score] = value
    for aid, flag, status in con.execute("SELECT administration, flag, status FROM flags"):
        if aid in by_id and status == "raised":
            by_id[aid]["raised"].add(flag)
    for f in by_id.values():
        f["usable"] = not ({"careless", "invalid"} & f["raised"])
    changes = {}
    for client, inst, score, cls in con.execute(
            "SELECT c.client_key, x.instrument, x.score, x.class_baseline FROM changes x"
            " JOIN clients c ON c.id = x.client"):
        changes[(client, inst, score)] = cls
    con.close()
    return forms, changes


def month_of(date):
    return date[:7] if date and re.match(r"\d{4}-\d\d-\d\d", date) else None


def digits(score_def, v):
    """A group's mean of a mean score shows 2 decimals, of a sum 1, in every row of a column."""
    return 2 if score_def.get("method") == "mean" else 1


def round_half_away(v, d):
    p = 10 ** d
    return math.floor(abs(v) * p + 0.5) / p * (1 if v >= 0 else -1)


def expected_months(rows, defs, mode="per_form"):
    """{(group, inst, month): {score: [values]}}. mode: per_form (the rule), latest_group (every
    form in the client's latest group), all_forms (both forms of a month), with_careless."""
    out = {}
    for (client, inst), fs in rows.items():
        latest_group = fs[-1]["group"]
        kept = {}
        for f in fs:
            if not f["usable"] and mode != "with_careless":
                continue
            m = month_of(f["date"])
            if m is None:
                continue
            g = latest_group if mode == "latest_group" else f["group"]
            key = (g, inst, m)
            if mode == "all_forms":
                kept.setdefault(key, []).append(f)
            else:
                kept[key] = [f]  # the latest of the month (forms are in date order)
        for key, fl in kept.items():
            cell = out.setdefault(key, {s["id"]: [] for s in defs[inst]["scores"]})
            for f in fl:
                for s in defs[inst]["scores"]:
                    v = f["values"].get(s["id"])
                    if v is not None:
                        cell[s["id"]].append(v)
    return out


def expected_base(rows, changes, defs):
    """{(group, inst): {"clients", "flagged", score: [improved, deteriorated, none, untestable,
    increase, decrease]}}."""
    out = {}
    for (client, inst), fs in rows.items():
        latest = fs[-1]
        e = out.setdefault((latest["group"], inst), {"clients": 0, "flagged": 0})
        e["clients"] += 1
        # Flagged: a clinical flag (not careless/invalid) on the latest form, or, when that form
        # is not usable, on the last usable one (whose flags the Flags sheet keeps in view).
        clinical = latest["raised"] - {"careless", "invalid"}
        if not latest["usable"]:
            last_usable = [f for f in fs if f["usable"]]
            if last_usable:
                clinical = clinical | (last_usable[-1]["raised"] - {"careless", "invalid"})
        e["flagged"] += bool(clinical)
        for s in defs[inst]["scores"]:
            sid = s["id"]
            k = e.setdefault(sid, [0] * 6)
            usable = sum(1 for f in fs if f["usable"] and f["values"].get(sid) is not None)
            cls = changes.get((client, inst, sid))
            # The change runs between usable forms: beside an unusable latest form it is the
            # first to the last usable one (as the Summary shows it).
            if (latest["usable"] and latest["values"].get(sid) is None) or usable < 2:
                cls = None
            idx = {"reliable_improvement": 0, "reliable_deterioration": 1,
                   "no_reliable_change": 2, "reliable_increase": 4,
                   "reliable_decrease": 5}.get(cls, 3)
            k[idx] += 1
    return out


# ---- what the sheet says ---------------------------------------------------------------------

def read_groups(ws, name_to_id, score_ids):
    """Sections in order: (heading, months {(inst, month): {score: (mean cell, n cell)}},
    base {inst: {"clients", "flagged", score: [..]}}, notes), and the heading rows."""
    sections, heads = [], []
    r, maxr = 1, ws.max_row
    cur = None
    while r <= maxr:
        a = ws.cell(row=r, column=1)
        v = a.value
        if isinstance(v, str) and a.font is not None and a.font.sz == 14 and r > 1:
            cur = {"heading": v, "months": {}, "base": {}, "notes": []}
            sections.append(cur)
            heads.append(r)
            r += 1
            continue
        if cur is not None and isinstance(v, str) and v.endswith(": monthly means"):
            inst = name_to_id[v[: -len(": monthly means")]]
            names = []
            c = 2
            while ws.cell(row=r + 1, column=c).value is not None:
                names.append(ws.cell(row=r + 1, column=c).value)
                c += 2
            sub = [ws.cell(row=r + 2, column=k).value for k in range(1, 2 + 2 * len(names))]
            check("a month table's header is Month, then Mean and n per score",
                  sub == ["Month"] + ["Mean", "n"] * len(names), repr(sub))
            check("a month table's score names are the instrument's, in order",
                  names == [s["name"] for s in score_ids[inst]], repr(names))
            r += 3
            while isinstance(ws.cell(row=r, column=1).value, datetime.datetime):
                mc = ws.cell(row=r, column=1)
                check("a month is a date cell for the 1st, shown as 'mmm yyyy'",
                      mc.value.day == 1 and mc.number_format == "mmm yyyy",
                      f"{mc.value} {mc.number_format}")
                month = mc.value.strftime("%Y-%m")
                cells = {}
                for k, s in enumerate(score_ids[inst]):
                    cells[s["id"]] = (ws.cell(row=r, column=2 + 2 * k),
                                      ws.cell(row=r, column=3 + 2 * k))
                cur["months"][(inst, month)] = cells
                r += 1
            continue
        if cur is not None and v == "Baseline and latest":
            r += 1
            head = [ws.cell(row=r, column=k).value for k in range(1, 8)]
            check("the baseline table's header", head == [
                "Instrument and score", "Clients", "Reliably improved", "Reliably deteriorated",
                "No reliable change", "Not testable", "Flagged"], repr(head))
            r += 1
            inst = None
            while True:
                c = ws.cell(row=r, column=1)
                if not isinstance(c.value, str) or (c.font is not None and c.font.i):
                    break
                if c.value in name_to_id:
                    inst = name_to_id[c.value]
                    cur["base"][inst] = {"clients": ws.cell(row=r, column=2).value,
                                         "flagged": ws.cell(row=r, column=7).value}
                else:
                    sid = next((s["id"] for s in score_ids[inst] if s["name"] == c.value), None)
                    if sid is not None:
                        cur["base"][inst][sid] = [ws.cell(row=r, column=k).value
                                                  for k in range(3, 7)]
                r += 1
            continue
        if cur is not None and isinstance(v, str) and a.font is not None and a.font.i:
            cur["notes"].append(v)
        r += 1
    return sections, heads


def number_digits(fmt):
    m = re.fullmatch(r"0(?:\.(0+))?", fmt or "")
    return None if m is None else len(m.group(1) or "")


def check_book(path, rows, changes, defs):
    wb = openpyxl.load_workbook(path)
    ws = wb["Groups"]
    name_to_id = {d["name"]: i for i, d in defs.items()}
    score_ids = {i: d["scores"] for i, d in defs.items()}
    sections, heads = read_groups(ws, name_to_id, score_ids)
    months = expected_months(rows, defs)
    groups = sorted({g for (g, _, _) in months if g is not None} |
                    {fs[-1]["group"] for fs in rows.values() if fs[-1]["group"]})
    has_none = any(g is None for (g, _, _) in months) or any(
        fs[-1]["group"] is None for fs in rows.values())
    want = [f"Group {g}" for g in groups] + (["(no group)"] if has_none else [])
    got = [s["heading"] for s in sections]
    check(f"{os.path.basename(path)}: one section per group, by name, '(no group)' last",
          got == want, f"{got} vs {want}")
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    check("each group after the first starts on a new page",
          breaks == [h - 1 for h in heads[1:]], f"{breaks} vs {heads}")
    check("the sheet is printed one page wide, manual breaks kept",
          ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
          if ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage
          else True, repr(ws.page_setup.fitToHeight))
    hidden_seen = shown_seen = 0
    for sec in sections:
        g = None if sec["heading"] == "(no group)" else sec["heading"][len("Group "):]
        want_months = {(i, m) for (gg, i, m) in months if gg == g}
        got_months = set(sec["months"])
        check(f"{sec['heading']}: a row for every month with a usable form",
              want_months <= got_months, f"missing {sorted(want_months - got_months)}")
        any_hidden = False
        for (inst, m), cells in sec["months"].items():
            vals = months.get((g, inst, m), {})
            for s in defs[inst]["scores"]:
                mean_c, n_c = cells[s["id"]]
                xs = vals.get(s["id"], [])
                check(f"{sec['heading']} {inst} {s['id']} {m}: n is the number of clients",
                      n_c.value == len(xs) and n_c.number_format == "0",
                      f"{n_c.value!r} vs {len(xs)}")
                if len(xs) < 3:
                    any_hidden = True
                    hidden_seen += 1
                    check(f"{sec['heading']} {inst} {s['id']} {m}: a mean of fewer than 3 is "
                          "hidden", mean_c.value == DASH, repr(mean_c.value))
                    continue
                shown_seen += 1
                mean = sum(xs) / len(xs)
                d = digits(s, mean)
                check(f"{sec['heading']} {inst} {s['id']} {m}: the mean of the month",
                      isinstance(mean_c.value, (int, float))
                      and abs(mean_c.value - mean) <= 0.5 * 10 ** -d + 1e-9,
                      f"{mean_c.value!r} vs {mean}")
                check(f"{sec['heading']} {inst} {s['id']} {m}: the mean has its score's digits",
                      number_digits(mean_c.number_format) == d
                      and isinstance(mean_c.value, (int, float))
                      and abs(round_half_away(mean_c.value, d) - mean_c.value) < 1e-12,
                      f"{mean_c.value!r} {mean_c.number_format}")
        if any_hidden:
            check(f"{sec['heading']}: a note says why means are hidden",
                  any("Means of fewer than 3 forms are hidden" in n for n in sec["notes"]),
                  repr(sec["notes"]))
        base = expected_base(rows, changes, defs)
        for inst in defs:
            e = base.get((g, inst))
            b = sec["base"].get(inst)
            if not e:
                check(f"{sec['heading']} {inst}: no baseline row without clients", b is None,
                      repr(b))
                continue
            check(f"{sec['heading']} {inst}: Clients and Flagged",
                  b is not None and b["clients"] == e["clients"] and b["flagged"] == e["flagged"],
                  f"{b} vs {e}")
            for s in defs[inst]["scores"]:
                k = e[s["id"]]
                want_row = [k[0], k[1], k[2], k[3]] if s.get("better") else [DASH, DASH, k[2], k[3]]
                got_row = (b or {}).get(s["id"])
                check(f"{sec['heading']} {inst} {s['id']}: reliable change counts",
                      got_row == want_row, f"{got_row} vs {want_row}")
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                bad = [w for w in ENUM_WORDS if w in c.value]
                check("no enum word on Groups", not bad, f"{c.coordinate}: {bad}")
            elif isinstance(c.value, float):
                d = number_digits(c.number_format)
                check("no number with more digits than its format", d is not None and
                      abs(round_half_away(c.value, d) - c.value) < 1e-12,
                      f"{c.coordinate} {c.value!r} {c.number_format}")
    return sections, hidden_seen, shown_seen


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: check_groups.py QSCORE WORKDIR INSTRUMENTS_DIR")
    qscore, work, inst_dir = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    defs = make_clinic(work, inst_dir)
    env = dict(os.environ, QSCORE_INSTRUMENTS=inst_dir)
    p = subprocess.run([qscore, "run", "-c", os.path.join(work, "clinic.yaml")], env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr)
        sys.exit(f"FAIL: qscore run exited {p.returncode}")
    books = [b for b in p.stdout.split("\n") if b]
    forms, changes = store_rows(os.path.join(work, "qscore.db"))
    check("the careless form is stored as careless",
          any(not f["usable"] for fs in forms.values() for f in fs))
    reliable = [0, 0]
    for b in books:
        therapist = re.search(r"therapist-(.*)\.xlsx$", b).group(1)
        rows = {k: fs for k, fs in forms.items() if fs[-1]["therapist"] == therapist}
        sections, hidden, shown = check_book(b, rows, changes, defs)
        check(f"{therapist}: some means shown and some hidden", hidden > 0 and shown > 0,
              f"{hidden} hidden, {shown} shown")
        for k in expected_base(rows, changes, defs).values():
            for v in k.values():
                if isinstance(v, list):
                    reliable[0] += v[0]
                    reliable[1] += v[1]
        if therapist == "T-A":
            # The scenario exercises each rule: another rule would give other numbers.
            rule = expected_months(rows, defs)
            for mode in ("latest_group", "all_forms", "with_careless"):
                alt = expected_months(rows, defs, mode)
                check(f"the scenario tells the per-form rule from '{mode}'", alt != rule)
            check("T-B's clients are not in T-A's workbook",
                  all(not c.startswith("B") for (c, _) in rows))
    check("the scenario has reliable improvements and deteriorations",
          reliable[0] > 0 and reliable[1] > 0, repr(reliable))
    check("a workbook per therapist", len(books) == 2, repr(books))
    print(f"{PASSES[0]} passed, {len(FAILS)} failed")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
