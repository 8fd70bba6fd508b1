#!/usr/bin/env python3
"""contract_example2.py - workbooks laid out as issue 13's contract says, written with openpyxl
straight from tests/tools/gen_clinic.py's ground truth: the checker's positive control.

Usage: contract_example2.py WORK [--break MUTATION[,MUTATION...]]

Writes WORK/runs/run-K/therapist-T-X.xlsx (K = 1..6), dates.txt and norms.txt, in the shape
tests/e2e/workbook2.sh leaves for tests/workbook/check_workbook2.py. check_workbook2.py must
accept these workbooks: a check that fails on them is wrong, not the writer. With --break, one
rule of the contract is broken on purpose per MUTATION (MUTATIONS below), and the checker
must name each:
tests/workbook/check2_selftest.sh runs both ways. This is not qscore's writer and shares no
code with it; the numbers come from the truth file (reference_score.py), the norm's SD from
the first valid forms, alpha fixed at 0.9 (the checker reads both from norms.txt as it reads
`qscore norms`).
"""
import datetime
import json
import math
import os
import sys

from openpyxl import Workbook
from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DATE_FORMAT = "d mmm yyyy"
GREY = "FF808080"
ALPHA = 0.9
CHART_ROWS = 15
# mutation -> the check that must fail
MUTATIONS = {
    "enum": "cells.enum",                      # a Needs-attention cell says not_computable
    "duplicate-row": "summary.one_row_per_client",
    "change-from-invalid": "summary.change_careless",
    "new-status": "flags.status",               # every flag says New
    "no-cleared": "flags.cleared",
    "text-date": "cells.text_dates",
    "no-footer": "print.header_footer",
    "no-breaks": "trends.breaks",
    "long-decimals": "cells.text_digits",
    "no-grey": "summary.grey_invalid",
    "wrong-order": "summary.order",             # clients by id only, attention not first
    "drop-flag": "flags.rows",                  # the first flag row left out
    "general-format": "cells.number_format",    # values in the General format
    "no-print-titles": "print.titles",
    "tiny-print": "summary.print_font",         # the Summary squeezed onto one page
}


def prose(d):
    return "%d %s %d" % (d.day, MONTHS[d.month - 1], d.year)


def day(s):
    return datetime.date.fromisoformat(s[:10])


def valid(f):
    return not any(v in f["raised"] for v in ("careless", "invalid"))


class Clinic:
    def __init__(self, work):
        with open(os.path.join(work, "truth.json")) as f:
            self.t = json.load(f)
        self.inst = self.t["instruments"]
        self.order = ["dsi-r", "sfcds"]
        self.clients = self.t["clients"]

    def forms(self, c, run, i=None):
        return [f for f in self.clients[c]["forms"] if f["month"] <= run and not f["quarantined"]
                and (i is None or f["instrument"] == i)]

    def latest(self, c, run, i=None):
        fs = self.forms(c, run, i)
        return max(fs, key=lambda f: f["date"]) if fs else None

    def norms(self, run):
        """{score: (SD, alpha)} of the DSI-R local norm: each client's first valid form, once
        at least 20 clients have one (the snapshot is kept)."""
        for k in range(1, run + 1):
            firsts = {}
            for c in self.clients:
                for f in self.forms(c, k, "dsi-r"):
                    if valid(f):
                        firsts[c] = f
                        break
            if len(firsts) >= 20:
                out = {}
                for s in self.inst["dsi-r"]["scores"]:
                    xs = [f["scores"][s["id"]]["value"] for f in firsts.values()
                          if f["scores"][s["id"]]["value"] is not None]
                    m = sum(xs) / len(xs)
                    out[s["id"]] = (len(xs), m, math.sqrt(sum((x - m) ** 2 for x in xs) /
                                                          (len(xs) - 1)))
                return out
        return None


def change(cl, c, run, i, s):
    vals = [f["scores"][s]["value"] for f in cl.forms(c, run, i)
            if valid(f) and f["scores"][s]["value"] is not None]
    return vals[-1] - vals[0] if len(vals) >= 2 else None


def rci_class(cl, norms, i, s, ch):
    if i != "dsi-r" or ch is None:
        return "nc"
    _, _, sd = norms[s]
    r = ch / (round(sd, 3) * math.sqrt(2 * (1 - ALPHA)))
    if abs(r) < 1.96:
        return "none"
    return "up" if r > 0 else "down"  # every DSI-R score: better is higher


def num_format(kind, dec):
    z = "0" if dec == 0 else "0." + "0" * dec
    if kind == "up":
        return '[Color10]"▲ "+%s;[Color10]"▲ "-%s;"▲ "%s' % (z, z, z)
    if kind == "down":
        return '[Red]"▼ "+%s;[Red]"▼ "-%s;"▼ "%s' % (z, z, z)
    if kind == "none":
        return '"● "+%s;"● "-%s;"● "%s' % (z, z, z)
    return '+%s"*";-%s"*";%s"*"' % (z, z, z)


def header_footer(ws, title, through):
    ws.oddHeader.left.text = title
    ws.oddHeader.right.text = "Confidential health information"
    ws.oddFooter.left.text = "Page &P of &N"
    ws.oddFooter.right.text = "Data through " + prose(through)
    ws.page_setup.paperSize = 9


def workbook(cl, run, therapist, made, norms, mut):
    mine = sorted(c for c, v in cl.clients.items() if v["therapist"] == therapist and cl.forms(c, run))
    through = max(day(f["date"]) for c in mine for f in cl.forms(c, run))
    title = "Therapist " + therapist
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    flags_ws = wb.create_sheet("Flags")
    trends = wb.create_sheet("Trends")
    groups = wb.create_sheet("Groups")
    items = wb.create_sheet("Items")
    about = wb.create_sheet("About")
    data = wb.create_sheet("TrendData")
    data.sheet_state = "hidden"
    for s in (ws, flags_ws, trends, groups, items, about):
        if not ("no-footer" in mut and s is ws):
            header_footer(s, title, through)
    for s in (ws, trends):
        s.page_setup.orientation = "landscape"
    # Trends: as wide as one page (the charts side by side), as long as it needs
    trends.sheet_properties.pageSetUpPr.fitToPage = True
    trends.page_setup.fitToWidth = 1
    trends.page_setup.fitToHeight = 0

    # ---- Trends: one block per client with two forms of an instrument, a break before each.
    trends["A1"] = "Trends"
    block_row, row, drow = {}, 3, 1
    for c in mine:
        shown = [i for i in cl.order if len(cl.forms(c, run, i)) >= 2]
        if not shown:
            continue
        if block_row and "no-breaks" not in mut:
            trends.row_breaks.append(Break(id=row - 1))
        block_row[c] = row
        trends.cell(row=row, column=1, value=c)
        for n, i in enumerate(shown):
            fs = [f for f in cl.forms(c, run, i) if valid(f)]
            s0 = cl.inst[i]["scores"][0]["id"] if i == "sfcds" else "FO"
            for k, f in enumerate(fs):
                d = data.cell(row=drow + k, column=1, value=day(f["date"]))
                d.number_format = DATE_FORMAT
                data.cell(row=drow + k, column=2, value=f["scores"][s0]["value"])
            ch = ScatterChart()
            ch.series.append(Series(Reference(data, min_col=2, min_row=drow, max_row=drow + len(fs) - 1),
                                    Reference(data, min_col=1, min_row=drow, max_row=drow + len(fs) - 1),
                                    title=s0))
            drow += len(fs) + 1
            ch.anchor = TwoCellAnchor(_from=AnchorMarker(col=n * 8, row=row),
                                      to=AnchorMarker(col=n * 8 + 7, row=row + CHART_ROWS))
            trends.add_chart(ch)
        row += CHART_ROWS + 2

    # ---- Summary
    ws["A1"] = title
    made_s = prose(made)
    ws["A2"] = "Data through %s · made %s" % (prose(through), made_s)
    ws["A3"] = "Flags are screening aids for a clinician, never diagnoses."
    q = sum(1 for c, v in cl.clients.items() if v["therapist"] == therapist for f in v["forms"]
            if f["quarantined"] and f["month"] <= run)
    if q:
        ws["A4"] = "%d forms received could not be scored yet: ask your administrator." % q
    head = ["Client", "Group", "Last assessed", "Days since", "Needs attention because"]
    col = 6
    cols = {}
    for i in cl.order:
        first = col
        for s in cl.inst[i]["scores"]:
            head += [s["name"], "Change"]
            cols[(i, s["id"])] = col
            col += 2
        ws.cell(row=5, column=first, value=cl.inst[i]["name"])
        ws.merge_cells(start_row=5, start_column=first, end_row=5, end_column=col - 1)
    for n, h in enumerate(head, 1):
        ws.cell(row=6, column=n, value=h).font = Font(bold=True)
    if "no-print-titles" not in mut:
        ws.print_title_rows = "5:6"
    if "tiny-print" in mut:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1
        ws.column_dimensions["E"].width = 120  # a wide column: the page shrinks to 0.6

    def rank(c):
        lat = cl.latest(c, run)
        flagged = any(f for i in cl.order for f in (cl.latest(c, run, i) or {"raised": []})["raised"]
                      if f not in ("careless", "invalid"))
        down = any(rci_class(cl, norms, "dsi-r", s["id"], change(cl, c, run, "dsi-r", s["id"])) == "down"
                   for s in cl.inst["dsi-r"]["scores"])
        if flagged or down:
            return 0
        return 1 if (made - day(lat["date"])).days > 45 else 2

    by_group = {}
    for c in mine:
        by_group.setdefault(cl.latest(c, run)["group"], []).append(c)
    r = 7
    footnote = False
    for g in sorted(by_group):
        ws.cell(row=r, column=1, value="Group %s · %d clients" % (g, len(by_group[g])))
        r += 1
        for c in sorted(by_group[g], key=lambda c: (c,) if "wrong-order" in mut else (rank(c), c)):
            for _ in range(2 if ("duplicate-row" in mut and c == mine[0]) else 1):
                lat = cl.latest(c, run)
                a = ws.cell(row=r, column=1, value=c)
                if c in block_row:
                    a.hyperlink = "#Trends!A%d" % block_row[c]
                ws.cell(row=r, column=2, value=lat["group"])
                d = ws.cell(row=r, column=3, value=day(lat["date"]))
                d.number_format = DATE_FORMAT
                if "text-date" in mut:
                    ws.cell(row=r, column=3, value=lat["date"][:10])
                ws.cell(row=r, column=4, value=(made - day(lat["date"])).days)
                why = []
                for i in cl.order:
                    lf = cl.latest(c, run, i)
                    if lf is None:
                        continue
                    for fid in lf["raised"]:
                        if fid == "careless":
                            why.append("same answer to %d items in a row" % lf["validity"]["longstring"])
                        elif fid == "invalid":
                            why.append("%d of %d items unanswered" % (lf["n_unanswered"], cl.inst[i]["n_items"]))
                        else:
                            why.append(next(x["label"] for x in cl.inst[i]["flags"] if x["id"] == fid))
                    for s in cl.inst[i]["scores"]:
                        vc = cols[(i, s["id"])]
                        v = lf["scores"][s["id"]]["value"]
                        dec = 2 if s["method"] == "mean" else \
                            (1 if lf["scores"][s["id"]]["status"] == "prorated" else 0)
                        if v is not None:
                            cell = ws.cell(row=r, column=vc, value=v)
                            cell.number_format = "0" if dec == 0 else "0." + "0" * dec
                            if "general-format" in mut:
                                cell.number_format = "General"
                            if not valid(lf) and "no-grey" not in mut:
                                cell.font = Font(color=GREY)
                        ch = change(cl, c, run, i, s["id"])
                        if "change-from-invalid" in mut and not valid(lf) and v is not None:
                            vals = [f["scores"][s["id"]]["value"] for f in cl.forms(c, run, i)
                                    if f["scores"][s["id"]]["value"] is not None]
                            ch = vals[-1] - vals[0]
                        if ch is not None:
                            k = rci_class(cl, norms, i, s["id"], ch)
                            cell = ws.cell(row=r, column=vc + 1, value=ch)
                            cell.number_format = num_format(k, dec)
                            footnote = footnote or k == "nc"
                if "enum" in mut and why:
                    why.append("not_computable")
                ws.cell(row=r, column=5, value="; ".join(why) or None)
                r += 1
    if footnote:
        ws.cell(row=r + 1, column=1,
                value="* No reliable change can be computed for this score: the clinic has no norm for it.")

    # ---- Flags
    fw = flags_ws
    fw["A1"] = "Flags"
    hdr = ["Client", "Group", "Instrument", "Flag", "Severity", "Status", "Values", "Why it matters",
           "Form of"]
    for n, h in enumerate(hdr, 1):
        fw.cell(row=2, column=n, value=h).font = Font(bold=True)
    fw.print_title_rows = "2:2"
    r = 3
    for c in mine:
        for i in cl.order:
            lf = cl.latest(c, run, i)
            if lf is None:
                continue
            forms = cl.forms(c, run, i)
            for fid in lf["raised"]:
                meta = next((x for x in cl.inst[i]["flags"] if x["id"] == fid), None)
                label = meta["label"] if meta else {"careless": "Careless responding",
                                                    "invalid": "Too many unanswered items"}[fid]
                sev = meta["severity"].capitalize() if meta else "Medium"
                if len(forms) >= 2 and fid in forms[-2]["raised"] and "new-status" not in mut:
                    start = forms[-1]
                    for f in reversed(forms):
                        if fid not in f["raised"]:
                            break
                        start = f
                    status = "Continuing since " + prose(day(start["date"]))
                else:
                    status = "New"
                if fid == "careless":
                    values = "same answer to %d items in a row" % lf["validity"]["longstring"]
                elif fid == "invalid":
                    values = "%d of %d items unanswered" % (lf["n_unanswered"], cl.inst[i]["n_items"])
                else:
                    parts = []
                    for s in meta["refs"]:
                        sc = lf["scores"][s]
                        name = next(x["name"] for x in cl.inst[i]["scores"] if x["id"] == s)
                        m = next(x["method"] for x in cl.inst[i]["scores"] if x["id"] == s)
                        v = ("%.2f" % sc["value"]) if m == "mean" else \
                            ("%.1f" % sc["value"] if sc["status"] == "prorated" else "%d" % round(sc["value"]))
                        if "long-decimals" in mut:
                            v = repr(sc["value"]) + "1234"
                        parts.append("%s %s" % (name, v))
                    values = "%s (cutoff: see About)" % ", ".join(parts)
                row = [c, lf["group"], i.upper(), label, sev, status, values,
                       "Screening aid: look at it with the client.", day(lf["date"])]
                if "drop-flag" in mut and r == 3:
                    mut = mut - {"drop-flag"}
                    continue
                for n, v in enumerate(row, 1):
                    cell = fw.cell(row=r, column=n, value=v)
                fw.cell(row=r, column=9).number_format = DATE_FORMAT
                r += 1
    r += 1
    fw.cell(row=r, column=1, value="Cleared since the last report").font = Font(bold=True)
    cleared = []
    if run > 1 and "no-cleared" not in mut:
        for c in mine:
            for i in cl.order:
                old, new = cl.latest(c, run - 1, i), cl.latest(c, run, i)
                if old is None or new is None or old is new or not valid(new):
                    continue
                for fid in old["raised"]:
                    meta = next((x for x in cl.inst[i]["flags"] if x["id"] == fid), None)
                    if meta and fid not in new["raised"]:
                        cleared.append([c, new["group"], i.upper(), meta["label"], day(old["date"]),
                                        day(new["date"])])
    if cleared:
        for n, h in enumerate(["Client", "Group", "Instrument", "Flag", "Last raised",
                               "Cleared by the form of"], 1):
            fw.cell(row=r + 1, column=n, value=h).font = Font(bold=True)
        for k, row in enumerate(cleared):
            for n, v in enumerate(row, 1):
                cell = fw.cell(row=r + 2 + k, column=n, value=v)
                if n >= 5:
                    cell.number_format = DATE_FORMAT
    else:
        fw.cell(row=r + 1, column=1, value="No flag was cleared since the last report.")

    groups["A1"] = "Groups"
    items["A1"] = "Items"
    about["A1"] = "About this workbook"
    return wb


def main(argv):
    work = argv[1]
    mut = set(argv[3].split(",")) if len(argv) > 3 and argv[2] == "--break" else set()
    if mut - set(MUTATIONS):
        raise SystemExit("unknown mutation %s (one of %s)" % (sorted(mut - set(MUTATIONS)),
                                                             ", ".join(MUTATIONS)))
    cl = Clinic(work)
    for run in range(1, 7):
        made = day(cl.t["export_stamps"][run - 1])  # the night the month's export came
        d = os.path.join(work, "runs", "run-%d" % run)
        os.makedirs(d, exist_ok=True)
        norms = cl.norms(run)
        with open(os.path.join(d, "dates.txt"), "w") as f:
            f.write("%s\n%s\n" % (made, made))
        with open(os.path.join(d, "norms.txt"), "w") as f:
            f.write("dsi-r: local norm 1, made %s (definition version 1.0)\n" % made)
            for s, (n, m, sd) in sorted(norms.items()):
                f.write("  %-10s n %-4d mean %.3f  SD %.3f  alpha %.3f (smallest pairwise n %d)\n"
                        % (s, n, m, sd, ALPHA, n))
        for t in ("T-A", "T-B", "T-C"):
            workbook(cl, run, t, made, norms, mut).save(os.path.join(d, "therapist-%s.xlsx" % t))


if __name__ == "__main__":
    main(sys.argv)
