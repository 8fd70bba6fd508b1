#!/usr/bin/env python3
"""gen_clinic.py - the synthetic clinic of issue 13: six months of monthly DSI-R and SFCDS forms.

Usage: gen_clinic.py OUTDIR [--seed N] [--end YYYY-MM-DD] [--instruments DIR] [--old-config]

Writes into OUTDIR:
  clinic.yaml                 the clinic config (reports: group_by: therapist, sections: group,
                              paper: a4; a local norm for the DSI-R so reliable change is
                              computable; none for the SFCDS, so its change is not)
  mappings/*.yaml             the mappings of examples/mappings (same export shapes)
  staged/month-K/*.csv        month K's exports, cumulative as survey tools write them: export K
                              holds every form of months 1..K. A test copies month K's files into
                              OUTDIR/exports/ and runs `qscore run` ("nightly" after each month).
  truth.json                  the ground truth, per client and form: month, date, group,
                              response id, whether the row is quarantined, and the scores,
                              validity indices and flags of the form as tests/tools/
                              reference_score.py computes them from the final export (the
                              independent reference of docs/score.md, not qscore).

The six months are the six calendar months before --end's month (default: today), so the last
run happens shortly after month 6 and "days since" and "overdue" mean what they would in a
clinic. Everything else is fixed by --seed: same seed and end date, byte-identical files.

Every id is synthetic (C-001, T-A, G1); no answer belongs to a real person. The scenario
(roles by client, see ROLES below): clients improving and deteriorating (reliable change), fused
clients (the DSI-R fusion flags), a flag that clears and comes back, flags that clear for good,
one careless form (the same answer to all 46 DSI-R items: longstring), one form with 12 of 46
items unanswered (invalid), a prorated SFCDS total, three intakes in month 4, a client who
changes group in month 3, a client last assessed in month 2 (overdue), and two SFCDS rows of one
therapist's clients with an answer outside the scale (quarantined, still open at every run).

Needs PyYAML (Debian python3-yaml) only to read the instrument and mapping files, through
reference_score.py; the rest is the standard library.
"""
import argparse
import calendar
import datetime
import io
import json
import os
import random
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_score as ref  # noqa: E402  (tests/tools/reference_score.py)

MONTHS = 6
N_CLIENTS = 40
THERAPISTS = ["T-A", "T-B", "T-C"]
GROUPS = ["G1", "G2", "G3", "G4"]
SITE = "main"
LOCAL_NORM_MIN_N = 20

QUALTRICS_LABELS = {1: "Not at all true of me", 2: "Slightly true of me", 3: "Somewhat true of me",
                    4: "Moderately true of me", 5: "Mostly true of me", 6: "Very true of me"}

# The mappings of examples/mappings, as the example clinic ships them.
MAPPING_QUALTRICS = """\
# Column mapping for the clinic's Qualtrics DSI-R export (as examples/mappings/qualtrics-dsi-r.yaml).
response_id: ResponseId
client_id: "Client ID"
therapist: Therapist
group: Group
administered: RecordedDate
item_pattern: "Q5_{n}"
labels:                     # the form's middle answer labels (the instrument ships 1 and 6)
  "Slightly true of me": 2
  "Somewhat true of me": 3
  "Moderately true of me": 4
  "Mostly true of me": 5
"""
MAPPING_EXCEL = """\
# Column mapping for the clinic's Excel SFCDS export (as examples/mappings/excel-sfcds.yaml).
client_id: client_id
therapist: therapist
group: group
administered: date
"""

CONFIG = """\
# The synthetic clinic of issue 13 (tests/tools/gen_clinic.py). Every id is synthetic.
clinic: Clinic 13 (synthetic)
store: out/qscore.db
output: out
sources:
  - id: dsi-qualtrics
    files: "exports/qualtrics-dsi-r*.csv"
    instrument: dsi-r
    mapping: mappings/qualtrics-dsi-r.yaml
    profile: auto
    site: main
  - id: sfcds-excel
    files: ["exports/excel-sfcds*.csv"]
    instrument: sfcds
    mapping: mappings/excel-sfcds.yaml
    site: main
# The shipped instruments have no confirmed norm: the DSI-R is scored against the clinic's own
# clients (docs/norms.md), so its reliable change is computable; the SFCDS has no norm, so its
# change is shown without a reliable-change class.
norms:
  dsi-r: {local: {min_n: %(min_n)d}}
reports:
  group_by: therapist
%(reports)s"""

# Roles by client number (1..40). A client not named is "stable".
ROLES = {
    "improving_from_fused": [1, 5, 9],   # FO and ER below the cutoffs early, then above: flags clear
    "improving": [13, 17, 21],
    "deteriorating": [2, 6, 10, 14],      # crosses the cutoffs late: new flags, reliable deterioration
    "fused": [3, 7, 11],                  # fusion flags every month: continuing
    "intermittent": [15],                 # high fusion raised, cleared, raised again, ...
    "careless": [4],                      # month 6 DSI-R: the same answer to all 46 items
    "unanswered": [8],                    # month 1 DSI-R: 12 of 46 items blank (invalid baseline)
    "prorated": [16],                     # month 6 SFCDS: 2 of 16 items blank (prorated total)
    "group_change": [12],                 # G4 until month 2, G1 from month 3
    "late": [36, 37, 38],                 # first forms in month 4
    "overdue": [39],                      # last forms in month 2
    "quarantined": [20, 23],              # month 5 SFCDS: an answer outside the scale (T-B's)
}
CARELESS_MONTH = 6
UNANSWERED_MONTH = 1
PRORATED_MONTH = 6
GROUP_CHANGE_MONTH = 3
QUARANTINE_MONTH = 5
LATE_FIRST_MONTH = 4
OVERDUE_LAST_MONTH = 2
INTERMITTENT_FO = [1.9, 3.5, 1.9, 1.9, 3.5, 1.9]


def roles_of(i):
    return sorted(r for r, ids in ROLES.items() if i in ids) or ["stable"]


def client_id(i):
    return "C-%03d" % i


def therapist_of(i):
    return THERAPISTS[(i - 1) % 3]


def group_of(i, month):
    if i in ROLES["group_change"] and month >= GROUP_CHANGE_MONTH:
        return "G1"
    return GROUPS[(i - 1) % 4]


def months_of(i):
    if i in ROLES["late"]:
        return list(range(LATE_FIRST_MONTH, MONTHS + 1))
    if i in ROLES["overdue"]:
        return list(range(1, OVERDUE_LAST_MONTH + 1))
    return list(range(1, MONTHS + 1))


def lerp(a, b, month):
    return a + (b - a) * (month - 1) / (MONTHS - 1)


def levels(i, month, rng_client):
    """(DSI-R keyed level per subscale, SFCDS total target) of client i in a month."""
    base, sf = rng_client
    if i in ROLES["improving_from_fused"]:
        d = {"ER": lerp(2.0, 4.4, month), "FO": lerp(1.9, 4.3, month), "IP": lerp(2.8, 4.4, month),
             "EC": lerp(2.9, 4.3, month)}
        return d, lerp(74, 46, month)
    if i in ROLES["improving"]:
        return {s: lerp(2.9, 4.7, month) for s in ("ER", "FO", "IP", "EC")}, lerp(62, 40, month)
    if i in ROLES["deteriorating"]:
        return {s: lerp(4.5, 2.0, month) for s in ("ER", "FO", "IP", "EC")}, lerp(44, 76, month)
    if i in ROLES["fused"]:
        return {"ER": 2.1, "FO": 1.8, "IP": 3.0, "EC": 3.2}, 72
    if i in ROLES["intermittent"]:
        return {"ER": 3.6, "FO": INTERMITTENT_FO[month - 1], "IP": 3.6, "EC": 3.7}, 55
    return {s: base for s in ("ER", "FO", "IP", "EC")}, sf


def keyed_answers(rng, inst, level_of_item, sd):
    """Raw answers (item id -> 1..6) whose keyed values scatter around each item's level."""
    out = {}
    for it in inst.items:
        k = min(inst.max, max(inst.min, round(rng.gauss(level_of_item[it["id"]], sd))))
        out[it["id"]] = inst.min + inst.max - k if inst.reverse[it["id"]] else k
    return out


def subscale_of_items(inst):
    sub = {}
    for s in inst.scores:
        if s["items"] != "all":
            for item in s["items"]:
                sub[item] = s["id"]
    return sub


def unintended_validity(inst, answers):
    """Whether a form meant to be valid trips a validity threshold of the instrument (it is
    drawn again: the scenario decides which forms are careless or invalid)."""
    v = ref.validity_indices(inst, answers, {})
    val = inst.validity
    return v["longstring"] > val.get("max_longstring", 10 ** 9) or \
        v["missing_fraction"] > val.get("max_missing_fraction", 1)


def dsi_form(rng, inst, sub, i, month, lv):
    if i in ROLES["careless"] and month == CARELESS_MONTH:
        return {it["id"]: 4 for it in inst.items}  # straight-lined: one answer to every item
    while True:
        a = keyed_answers(rng, inst, {item: lv[sub[item]] for item in inst.item_ids}, 0.7)
        if i in ROLES["unanswered"] and month == UNANSWERED_MONTH:
            # 12 of 46 blank: 6 of I Position and 6 of Emotional Cutoff, so FO and ER (the
            # flags' scores) stay complete and the form is invalid only by its blanks.
            for s in ("IP", "EC"):
                items = [x for x in inst.item_ids if sub.get(x) == s]
                for x in rng.sample(items, 6):
                    a[x] = None
            return a
        if not unintended_validity(inst, a):
            return a


def sfcds_form(rng, inst, i, month, total):
    while True:
        a = keyed_answers(rng, inst, {item: total / len(inst.item_ids) for item in inst.item_ids},
                          0.8)
        if i in ROLES["prorated"] and month == PRORATED_MONTH:
            a[3] = a[11] = None  # 14 of 16 answered: the total is prorated
        if not unintended_validity(inst, a):
            return a


def form_date(i, month, months):
    """(date, 'HH:MM:SS'): one session per client and month, on a day of its own."""
    y, m = months[month - 1]
    day = 1 + (i * 7 + month * 3) % 27
    return datetime.date(y, m, day), "%02d:%02d:%02d" % (9 + i % 8, (i * 13) % 60, (i * 29) % 60)


def csv_line(cells, sep=","):
    out = []
    for c in cells:
        c = "" if c is None else str(c)
        if any(ch in c for ch in (sep, '"', "\n", "\r")):
            c = '"' + c.replace('"', '""') + '"'
        out.append(c)
    return sep.join(out)


def qualtrics_export(forms, upto):
    """The DSI-R forms of months 1..upto as a Qualtrics export (3 header rows, answer labels)."""
    tags = ["StartDate", "EndDate", "Status", "ResponseId", "RecordedDate", "Client ID",
            "Therapist", "Group"] + ["Q5_%d" % n for n in range(1, 47)]
    text = ["Start Date", "End Date", "Response Type", "Response ID", "Recorded Date",
            "Client ID", "Therapist", "Group"] + [
        "How true is each statement for you? - Statement %d" % n for n in range(1, 47)]
    imp = ['{"ImportId":"%s"}' % t for t in ["startDate", "endDate", "status", "_recordId",
                                             "recordedDate", "QID1_TEXT", "QID2", "QID3"]] + [
        '{"ImportId":"QID5_%d"}' % n for n in range(1, 47)]
    rows = [tags, text, imp]
    for f in forms:
        if f["month"] > upto:
            continue
        d, t = f["date"], f["time"]
        start = "%s %s" % (d.isoformat(), t)
        rows.append([start, start, "IP Address", f["response_id"], start, f["client"],
                     f["therapist"], f["group"]] +
                    ["" if f["answers"][n] is None else QUALTRICS_LABELS[f["answers"][n]]
                     for n in range(1, 47)])
    return "\r\n".join(csv_line(r) for r in rows) + "\r\n"


def excel_export(forms, upto):
    """The SFCDS forms of months 1..upto as an Excel CSV (';', Windows-1252, no response id:
    the line number is the row's id, stable because each export appends to the last)."""
    rows = [["client_id", "therapist", "group", "date"] + ["SFCDS_%d" % n for n in range(1, 17)]]
    for f in forms:
        if f["month"] > upto:
            continue
        cells = [f["client"], f["therapist"], f["group"], f["date"].isoformat()]
        for n in range(1, 17):
            v = f["answers"][n]
            cells.append("" if v is None else v)
        if f["quarantined"]:
            cells[4 + 8] = "7"  # outside the scale 1..6: the row is quarantined
        rows.append(cells)
    return "\r\n".join(csv_line(r, ";") for r in rows) + "\r\n"


def calendar_months(end):
    """The six calendar months before end's month, oldest first, as (year, month)."""
    y, m = end.year, end.month
    out = []
    for _ in range(MONTHS):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append((y, m))
    return out[::-1]


def reference(inst_id, mapping_path, export_path, tmp):
    """Score one export with reference_score.py: {response id: JSON object}, quarantined ids."""
    out = io.StringIO()
    qpath = os.path.join(tmp, inst_id + ".quarantine.csv")
    status, err = ref.run(["-i", inst_id, "-m", mapping_path, "--format", "json",
                           "--quarantine", qpath, export_path], out)
    if status not in (0, 1):
        raise SystemExit("gen_clinic: reference_score failed on %s: %s" % (export_path, err))
    got = {}
    for line in out.getvalue().splitlines():
        o = json.loads(line)
        got[o["response_id"]] = o
    with open(qpath, encoding="utf-8") as f:
        qlines = f.read().splitlines()[1:]
    return got, qlines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--end", default=datetime.date.today().isoformat(),
                    help="the day of the last run (default today): months 1-6 are the six "
                         "calendar months before its month")
    ap.add_argument("--old-config", action="store_true",
                    help="leave reports.sections and reports.paper out of clinic.yaml (to try "
                         "the checks on a build that does not know them)")
    ap.add_argument("--instruments", default=os.path.join(HERE, "..", "..", "instruments"))
    args = ap.parse_args()
    os.environ["QSCORE_INSTRUMENTS"] = os.path.abspath(args.instruments)
    end = datetime.date.fromisoformat(args.end)
    months = calendar_months(end)
    rng = random.Random(args.seed)
    dsi = ref.Instrument(ref.load_data_file(ref.find_instrument("dsi-r")))
    sfcds = ref.Instrument(ref.load_data_file(ref.find_instrument("sfcds")))
    sub = subscale_of_items(dsi)

    out = args.outdir
    os.makedirs(os.path.join(out, "mappings"), exist_ok=True)
    with open(os.path.join(out, "clinic.yaml"), "w") as f:
        f.write(CONFIG % {"min_n": LOCAL_NORM_MIN_N, "reports": "" if args.old_config else
                          "  sections: group\n  paper: a4\n"})
    mq = os.path.join(out, "mappings", "qualtrics-dsi-r.yaml")
    me = os.path.join(out, "mappings", "excel-sfcds.yaml")
    with open(mq, "w") as f:
        f.write(MAPPING_QUALTRICS)
    with open(me, "w") as f:
        f.write(MAPPING_EXCEL)

    # Forms in the order the survey tools record them: month by month, then by date and time.
    per_client = {i: (round(rng.uniform(3.4, 4.6), 2), round(rng.uniform(38, 58))) for i in
                  range(1, N_CLIENTS + 1)}
    dforms, sforms = [], []
    for month in range(1, MONTHS + 1):
        batch = []
        for i in range(1, N_CLIENTS + 1):
            if month not in months_of(i):
                continue
            d, t = form_date(i, month, months)
            batch.append((d, t, i))
        batch.sort()
        for d, t, i in batch:
            lv, total = levels(i, month, per_client[i])
            common = {"client": client_id(i), "therapist": therapist_of(i),
                      "group": group_of(i, month), "month": month, "date": d, "time": t}
            dforms.append(dict(common, instrument="dsi-r", quarantined=False,
                               response_id="R_c%03dm%d" % (i, month),
                               answers=dsi_form(rng, dsi, sub, i, month, lv)))
            sforms.append(dict(common, instrument="sfcds",
                               quarantined=i in ROLES["quarantined"] and month == QUARANTINE_MONTH,
                               answers=sfcds_form(rng, sfcds, i, month, total)))
    # The SFCDS export has no response id column: a row's id is its line number (header line 1).
    for n, f in enumerate(sforms):
        f["response_id"] = str(n + 2)

    stamp = [datetime.date(y, m, calendar.monthrange(y, m)[1]) + datetime.timedelta(days=1)
             for y, m in months]
    for k in range(1, MONTHS + 1):
        d = os.path.join(out, "staged", "month-%d" % k)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "qualtrics-dsi-r-%s.csv" % stamp[k - 1].isoformat()), "w",
                  newline="") as f:
            f.write(qualtrics_export(dforms, k))
        with open(os.path.join(d, "excel-sfcds-%s.csv" % stamp[k - 1].isoformat()), "w",
                  encoding="cp1252", newline="") as f:
            f.write(excel_export(sforms, k))

    # Ground truth: the final (cumulative) exports scored by the reference implementation.
    tmp = tempfile.mkdtemp(prefix="gen_clinic.")
    try:
        last = os.path.join(out, "staged", "month-%d" % MONTHS)
        dref, dq = reference("dsi-r", mq, os.path.join(
            last, "qualtrics-dsi-r-%s.csv" % stamp[-1].isoformat()), tmp)
        sref, sq = reference("sfcds", me, os.path.join(
            last, "excel-sfcds-%s.csv" % stamp[-1].isoformat()), tmp)
    finally:
        shutil.rmtree(tmp)
    want_q = sum(1 for f in sforms if f["quarantined"])
    if dq or len(sq) != want_q:
        raise SystemExit("gen_clinic: the reference quarantined %d DSI-R and %d SFCDS rows, the "
                         "scenario %d SFCDS rows" % (len(dq), len(sq), want_q))

    def inst_doc(inst, doc_id):
        doc = ref.load_data_file(ref.find_instrument(doc_id))
        return {
            "id": inst.id, "name": doc["name"],
            "n_items": len(inst.item_ids),
            "scores": [{"id": s["id"], "name": s.get("label") or s["name"],
                        "method": s["method"], "better": s.get("better")} for s in inst.scores],
            # refs: the scores a flag's rule reads, in order (what its Values must show)
            "flags": [{"id": fl["id"], "label": fl["label"], "severity": fl["severity"],
                       "rule": fl["rule"],
                       "refs": ref.ref_names(ref.parse_rule(fl["rule"], inst.cutoffs), [])}
                      for fl in inst.flags],
        }

    clients = {}
    for i in range(1, N_CLIENTS + 1):
        clients[client_id(i)] = {"therapist": therapist_of(i), "roles": roles_of(i), "forms": []}
    for f, got in [(f, dref) for f in dforms] + [(f, sref) for f in sforms]:
        rec = {"instrument": f["instrument"], "month": f["month"], "date": f["date"].isoformat(),
               "group": f["group"], "response_id": f["response_id"],
               "quarantined": f["quarantined"],
               "n_unanswered": sum(1 for v in f["answers"].values() if v is None)}
        if not f["quarantined"]:
            o = got[f["response_id"]]
            if o["client_id"] != f["client"] or o["administered"][:10] != rec["date"]:
                raise SystemExit("gen_clinic: the reference read response %s differently"
                                 % f["response_id"])
            rec["scores"] = {k: {"value": v["value"], "status": v["status"]}
                             for k, v in o["scores"].items()}
            rec["validity"] = o["validity"]
            rec["raised"] = [fl["id"] for fl in o["flags"] if fl["status"] == "raised"]
            rec["not_evaluable"] = [fl["id"] for fl in o["flags"]
                                    if fl["status"] == "not_evaluable"]
        clients[f["client"]]["forms"].append(rec)
    for c in clients.values():
        c["forms"].sort(key=lambda r: (r["instrument"], r["date"]))

    truth = {
        "seed": args.seed, "end": end.isoformat(),
        "months": ["%04d-%02d" % ym for ym in months],
        "export_stamps": [s.isoformat() for s in stamp],
        "config": {"group_by": "therapist",
                   "sections": "none" if args.old_config else "group",
                   "paper": "letter" if args.old_config else "a4",
                   "overdue_days": 45, "max_charts": 150, "local_norm": ["dsi-r"]},
        "validity_flags": ["careless", "invalid"],
        "instruments": {"dsi-r": inst_doc(dsi, "dsi-r"), "sfcds": inst_doc(sfcds, "sfcds")},
        "clients": clients,
    }
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
