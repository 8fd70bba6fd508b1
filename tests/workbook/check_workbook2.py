#!/usr/bin/env python3
"""check_workbook2.py - the therapist workbooks of issue 13 against its layout contract
(WORKBOOK2.md in the issue's notes) and the generated clinic's ground truth.

Usage: check_workbook2.py WORK

WORK is the folder tests/e2e/workbook2.sh fills:
  WORK/truth.json          tests/tools/gen_clinic.py's ground truth (forms, scores, flags)
  WORK/runs/run-K/*.xlsx   the workbooks after the K-th nightly run (K = 1..6)
  WORK/runs/run-K/norms.txt    `qscore norms` after that run (the local norm's SD and alpha)
  WORK/runs/run-K/dates.txt    the run's date(s) (YYYY-MM-DD, one a line): the made date must
                               be one of them
  WORK/pdf/*.txt           optional: pdftotext output of the last run's workbooks

Every check has a name; a failure prints the check, the run, the workbook, the sheet and cell
and what was found against what was expected. All checks run (one failure does not hide the
next); the exit status is 1 when any failed, 0 otherwise, 77 when openpyxl is missing.

What the checks assert is listed in CHECKS below (name: sentence). Where the contract leaves a
choice open, the check accepts either choice and says so in its sentence.
"""
import datetime
import json
import math
import os
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

try:
    import openpyxl
    from openpyxl.utils import get_column_letter
except ImportError:
    print("SKIP: python3-openpyxl is not installed", file=sys.stderr)
    sys.exit(77)

SHEETS = ["Summary", "Flags", "Trends", "Groups", "Items", "About", "TrendData"]
SUMMARY_FIXED = ["Client", "Group", "Last assessed", "Days since", "Needs attention because"]
FLAGS_HEAD = ["Client", "Group", "Instrument", "Flag", "Severity", "Status", "Values",
              "Why it matters", "Form of"]
CLEARED_TITLE = "Cleared since the last report"
CLEARED_HEAD = ["Client", "Group", "Instrument", "Flag", "Last raised", "Cleared by the form of"]
NO_CLEARED = "No flag was cleared since the last report."
DATE_FORMAT = "d mmm yyyy"
ENUM_WORDS = ["not_computable", "not_evaluable", "reliable_deterioration", "reliable_improvement",
              "no_reliable_change", "insufficient", "raised", "careless_flag",
              "missing_fraction", "longstring"]
# Words that are plain English too ("raised", "insufficient"): an enum only as a whole cell.
ENUM_ANYWHERE = [w for w in ENUM_WORDS if "_" in w or w == "longstring"]
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
# A number with 3 or more decimals (not part of a DOI, version or path: 10.1037/a0016709)
LONG_DECIMAL = re.compile(r"(?<![\w/:.])\d+\.\d{3,}(?![\w/.])")
RAW_KEY_VALUE = re.compile(r"\b[A-Za-z_]+=-?\d")
ISO_DATE_TEXT = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
CLIENT = re.compile(r"^(C-\d{3})\b")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PROSE_DATE = re.compile(r"\b(\d{1,2}) (%s) (\d{4})\b" % "|".join(MONTHS))
RCI_CUT = 1.96
RCI_MARGIN = 0.05  # |RCI| this close to 1.96 is not judged (the norm's SD and alpha are rounded)
SUMMARY_HEADER_ROW = 6  # rows 0..5 of the contract, 1-based
PAPER = {"letter": ("1", 612.0, 792.0), "a4": ("9", 595.28, 841.89)}  # paperSize, w, h (pt)

CHECKS = {
    "sheets": "the sheets are Summary, Flags, Trends, Groups, Items, About, TrendData in order; "
              "only TrendData is hidden",
    "summary.title": "Summary A1 is 'Therapist <id>' for the workbook's therapist",
    "summary.dates": "Summary A2 reads 'Data through D · made D': data through = the latest form "
                     "date (of the therapist's clients or of the store), made = the run's date",
    "summary.header": "Summary row 6 is Client, Group, Last assessed, Days since, Needs attention "
                      "because, then per instrument per score '<score name>' and 'Change'",
    "summary.instrument_row": "Summary row 5 names each instrument (not its raw id) in a cell "
                              "merged over exactly that instrument's columns",
    "summary.one_row_per_client": "every client of the therapist with a scored form has exactly "
                                  "one Summary data row, and no other client has one",
    "summary.sections": "with sections: group, a heading 'Group G · N clients' precedes its "
                        "clients, N is the count, and each client's Group is the section's",
    "summary.group": "a client's Group is the group of its latest scored form",
    "summary.last_assessed": "Last assessed is a date cell (format 'd mmm yyyy') holding the date "
                             "of the client's latest scored form",
    "summary.days_since": "Days since is a whole number = made date - last assessed",
    "summary.latest_value": "each score cell holds the value of the latest scored form of its "
                            "instrument (empty when that form has none)",
    "summary.grey_invalid": "the values of an invalid or careless latest form are grey, and "
                            "others are not",
    "summary.reason_invalid": "a client whose latest form is invalid or careless has the reason "
                              "in words in 'Needs attention because'",
    "summary.attention_text": "a client with a flag raised on a latest form has a reason in "
                              "'Needs attention because'",
    "summary.change": "Change = latest valid value - first valid value of that score (invalid "
                      "and careless forms are never used), a number cell; empty with fewer "
                      "than two valid values",
    "summary.change_careless": "the careless client's change uses valid forms only (latest "
                               "valid - first valid)",
    "summary.change_invalid_baseline": "a client whose first form is invalid has its first "
                                       "valid form as the baseline",
    "summary.change_class": "with a local norm, the Change format shows ▲ (reliable improvement), "
                            "▼ (reliable deterioration) or ● (no reliable change) as RCI = "
                            "change / (SD·√(2(1-α))) of the snapshot says (|RCI| within 0.05 of "
                            "1.96 not judged); without a norm no arrow",
    "summary.change_colour": "▲ is green and ▼ red (number format colour or font colour)",
    "summary.footnote": "Change cells without an arrow (RCI not computable) are explained by a "
                        "footnote in words below the table",
    "summary.digits": "means are shown with 2 decimals; sums as whole numbers, prorated sums "
                      "with 1 decimal",
    "summary.order": "within each section, attention (a flag raised on a latest form, or a "
                     "reliable deterioration) first, then overdue (over 45 days), then the rest, "
                     "by client within each; "
                     "clients whose only sign is an invalid form, or at exactly 45 days, may "
                     "sit in either place",
    "summary.hyperlink": "a Client cell links inside the workbook to a Trends cell holding that "
                         "client's id; every client with a Trends block is linked",
    "summary.quarantine_note": "the therapist with open quarantined rows has the line 'N forms "
                               "received could not be scored yet' above the table; the others "
                               "do not",
    "summary.landscape": "Summary prints landscape",
    "summary.print_font": "the Summary's printed columns (its print area, else all) print with "
                          "no text below 8 pt: smallest font x the scale that fit-to-page or "
                          "the page scale gives",
    "flags.header": "Flags' header is Client, Group, Instrument, Flag, Severity, Status, Values, "
                    "Why it matters, Form of",
    "flags.rows": "Flags lists exactly the flags raised on each client's latest scored form of "
                  "each instrument (instrument flags by label; validity flags as one row)",
    "flags.group": "a flag's Group is the client's group",
    "flags.severity": "Severity is High, Medium or Low (the instrument's severity, in words)",
    "flags.status": "Status is 'New' when the previous form of that instrument did not raise the "
                    "flag, else 'Continuing since D' with D the first form of the current streak",
    "flags.values": "Values show each score of the rule with display digits and the cutoff "
                    "('FO 2.08 (cutoff ≤ 2.50, ...)'); validity in words ('12 of 46 items "
                    "unanswered', 'same answer to 46 items in a row')",
    "flags.form_of": "Form of is a date cell (format 'd mmm yyyy') holding the form's date",
    "flags.cleared": "'Cleared since the last report' lists exactly the instrument flags raised "
                     "on the previous run's latest form and not on the latest form now, when "
                     "that form is usable (a careless or invalid form clears nothing; validity "
                     "flags may be listed), or says 'No flag was cleared since the last report.'",
    "flags.cleared_dates": "Last raised and Cleared by the form of are date cells with the "
                           "previous and the current latest form's dates",
    "trends.blocks": "Trends has one block per client (a heading row with its id): each client "
                     "at most once, only the therapist's clients, and every client with two "
                     "forms of an instrument",
    "trends.charts": "each block's charts are scatter charts (dates on x) placed side by side "
                     "below its heading, at most max_charts in all",
    "trends.breaks": "with more than one block the Trends sheet has manual row breaks, and "
                     "none falls inside a block",
    "trends.no_chart_split": "no chart straddles a manual row break, and the rows between two "
                             "breaks (up to their last chart) fit one printed page at the "
                             "sheet's paper, margins and scale, so no automatic break falls "
                             "inside a chart",
    "print.header_footer": "every visible sheet has an odd header with 'Confidential health "
                           "information' and an odd footer with '&P', '&N' and 'Data through'",
    "print.titles": "Summary and Flags repeat their header rows (_xlnm.Print_Titles) when "
                    "printed; Summary's include row 6",
    "print.paper": "every visible sheet prints on the configured paper (a4: paperSize 9)",
    "cells.enum": "no cell a therapist reads is an enum value or snake_case id, or contains "
                  "one of not_computable, not_evaluable, reliable_*, no_reliable_change, "
                  "careless_flag, missing_fraction, longstring",
    "cells.text_digits": "no text cell shows a number with more than 2 decimals (but one that "
                         "rounds to the cutoff the text names: '2.496 (cutoff ≤ 2.50)') or a "
                         "raw 'key=value'",
    "cells.number_format": "no number cell's format shows more than 2 decimals, and no "
                           "non-whole number is in the General format",
    "cells.text_dates": "no text cell holds an ISO date (dates are date cells; prose uses "
                        "'30 Jun 2026')",
    "cells.font_size": "no text below 8 pt",
    "pdf.enum": "the PDF text (pdftotext) of every workbook holds no enum word",
    "pdf.digits": "the PDF text shows no number with more than 2 decimals",
}


class Report:
    def __init__(self):
        self.fails = {}
        self.runs = {}

    def ok(self, name):
        assert name in CHECKS, name
        self.runs[name] = self.runs.get(name, 0) + 1

    def fail(self, name, where, msg):
        assert name in CHECKS, name
        self.runs[name] = self.runs.get(name, 0) + 1
        self.fails.setdefault(name, []).append("%s: %s" % (where, msg))

    def expect(self, name, cond, where, msg):
        if cond:
            self.ok(name)
        else:
            self.fail(name, where, msg)
        return cond

    def print(self, per_check=12):
        bad = 0
        for name in CHECKS:
            n = self.runs.get(name, 0)
            f = self.fails.get(name, [])
            if not n:
                print("NOT RUN  %-32s %s" % (name, CHECKS[name]))
            elif not f:
                print("PASS     %-32s (%d checked)" % (name, n))
            else:
                bad += 1
                print("FAIL     %-32s %d of %d: %s" % (name, len(f), n, CHECKS[name]))
                for line in f[:per_check]:
                    print("           " + line)
                if len(f) > per_check:
                    print("           ... and %d more" % (len(f) - per_check))
        return bad


R = Report()


# ---- the ground truth -------------------------------------------------------------------------

class Truth:
    def __init__(self, path):
        with open(path) as f:
            t = json.load(f)
        self.t = t
        self.inst = t["instruments"]
        self.inst_order = ["dsi-r", "sfcds"]
        self.clients = t["clients"]
        self.overdue_days = t["config"]["overdue_days"]
        self.max_charts = t["config"]["max_charts"]
        self.paper = t["config"]["paper"]
        self.local_norm = set(t["config"]["local_norm"])
        self.score_method = {(i, s["id"]): s["method"] for i, d in self.inst.items()
                             for s in d["scores"]}
        self.better = {(i, s["id"]): s["better"] for i, d in self.inst.items()
                       for s in d["scores"]}

    def forms(self, client, run, instrument=None):
        """Scored forms (not quarantined) of months 1..run, oldest first."""
        return [f for f in self.clients[client]["forms"]
                if f["month"] <= run and not f["quarantined"]
                and (instrument is None or f["instrument"] == instrument)]

    def clients_of(self, therapist, run):
        return sorted(c for c, v in self.clients.items()
                      if v["therapist"] == therapist and self.forms(c, run))

    def latest(self, client, run, instrument=None):
        fs = self.forms(client, run, instrument)
        return max(fs, key=lambda f: f["date"]) if fs else None

    def quarantined(self, therapist, run):
        return sum(1 for c, v in self.clients.items() if v["therapist"] == therapist
                   for f in v["forms"] if f["quarantined"] and f["month"] <= run)

    def label(self, instrument, flag_id):
        for fl in self.inst[instrument]["flags"]:
            if fl["id"] == flag_id:
                return fl["label"]
        return None


def valid(form):
    return not any(v in form["raised"] for v in ("careless", "invalid"))


def instrument_flags(form):
    return [f for f in form["raised"] if f not in ("careless", "invalid")]


def parse_day(s):
    return datetime.date.fromisoformat(s[:10])


def prose_date(d):
    return "%d %s %d" % (d.day, MONTHS[d.month - 1], d.year)


def cell_date(v):
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    return None


# ---- number formats and colours ---------------------------------------------------------------

def format_sections(fmt):
    """The sections of a number format with quoted text, escapes and [..] removed."""
    out = re.sub(r'"[^"]*"', "", fmt or "")
    out = re.sub(r"\\.", "", out)
    out = re.sub(r"\[[^\]]*\]", "", out)
    return out.split(";")


def format_decimals(fmt):
    """The most decimals any section of the format shows (None for General)."""
    if fmt in (None, "General", "general"):
        return None
    most = 0
    for sec in format_sections(fmt):
        m = re.search(r"\.([0#?]+)", sec)
        if m:
            most = max(most, len(m.group(1)))
    return most


CUTOFF_NUMBER = re.compile(r"cutoff\s*[≤≥<>=]*\s*(-?\d+(?:\.\d+)?)")


def long_decimal(s):
    """The first number with more than 2 decimals in a text, or None. A number that rounds to
    a cutoff the same text names keeps the digits that tell them apart ('2.496 (cutoff ≤
    2.50)'): that one is allowed."""
    cutoffs = [float(x) for x in CUTOFF_NUMBER.findall(s)]
    for m in LONG_DECIMAL.finditer(s):
        x = float(m.group(0))
        if not any(abs(round(x, 2) - c) < 1e-9 and x != c for c in cutoffs):
            return m
    return None


def is_blank_mark(v):
    """An empty cell, or a dash (with a footnote mark) standing for no value."""
    return v is None or (isinstance(v, str) and re.fullmatch(r"\s*(?:[–—-]\s*[¹²³⁴⁵⁶⁷⁸⁹⁰*†‡]*)?\s*", v)
                         is not None)


def shown_tolerance(cell):
    """How far a stored value may be from the true one and still show right: half a unit of
    the format's last decimal (a writer may store the rounded value), at least 1e-9."""
    dec = format_decimals(cell.number_format)
    return 1e-9 if dec is None else 0.5 * 10 ** -dec + 1e-9


def is_date_format(fmt):
    body = "".join(format_sections(fmt)).lower()
    return bool(re.search(r"[dmy]", body)) and not re.search(r"[0#]", body)


def format_text(fmt):
    """The literal text of a number format (quoted strings and escapes)."""
    return "".join(re.findall(r'"([^"]*)"', fmt or "")) + "".join(
        re.findall(r"\\(.)", fmt or ""))


def rgb_of(color):
    if color is None or getattr(color, "type", None) != "rgb" or not isinstance(color.rgb, str):
        return None
    h = color.rgb[-6:]
    try:
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return None


def is_grey_font(font):
    c = font.color if font else None
    rgb = rgb_of(c)
    if rgb:
        return max(rgb) - min(rgb) <= 16 and 0x40 <= rgb[0] <= 0xD8
    if c is not None and getattr(c, "type", None) == "theme" and c.tint and c.tint >= 0.25:
        return True  # the dark text colour made lighter
    return False


def colour_class(cell):
    """'red', 'green' or None from the number format's [Red]/[Green]/[ColorN] or the font."""
    fmt = cell.number_format or ""
    # [ColorN] of the default palette: 3 red, 9 dark red, 4 bright green, 10 green
    if re.search(r"\[Red\]|\[Color ?(3|9)\]", fmt, re.I):
        return "red"
    if re.search(r"\[Green\]|\[Color ?(4|10)\]", fmt, re.I):
        return "green"
    rgb = rgb_of(cell.font.color) if cell.font else None
    if rgb:
        r, g, b = rgb
        if r > g + 60 and r > b + 60:
            return "red"
        if g > r + 40 and g > b + 20:
            return "green"
    return None


# ---- package parts ----------------------------------------------------------------------------

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
}


class Parts:
    """The workbook's sheet XML, drawings and defined names, by sheet name."""

    def __init__(self, path):
        self.z = zipfile.ZipFile(path)
        wbx = ET.fromstring(self.z.read("xl/workbook.xml"))
        wrels = self.rels("xl/workbook.xml")
        self.sheet_part = {}
        self.sheet_index = {}
        for n, s in enumerate(wbx.find("m:sheets", NS)):
            self.sheet_part[s.get("name")] = wrels[s.get("{%s}id" % NS["r"])]
            self.sheet_index[s.get("name")] = n
        self.defined = []  # (name, localSheetId or None, text)
        dn = wbx.find("m:definedNames", NS)
        for d in (dn if dn is not None else []):
            self.defined.append((d.get("name"), d.get("localSheetId"), d.text or ""))

    def rels(self, part):
        d, b = posixpath.split(part)
        name = posixpath.join(d, "_rels", b + ".rels")
        if name not in self.z.namelist():
            return {}
        root = ET.fromstring(self.z.read(name))
        out = {}
        for e in root.findall("pr:Relationship", NS):
            t = e.get("Target")
            # a target is relative to the part's folder, or absolute from the package root
            out[e.get("Id")] = t[1:] if t.startswith("/") else \
                posixpath.normpath(posixpath.join(d, t))
        return out

    def sheet(self, name):
        return ET.fromstring(self.z.read(self.sheet_part[name]))

    def anchors(self, name):
        """[(from row, last row, from col, last col, chart XML root)] of the sheet's charts
        (0-based; the last row and column are the last ones the chart covers)."""
        out = []
        for target in self.rels(self.sheet_part[name]).values():
            if "/drawings/" not in target:
                continue
            drels = self.rels(target)
            root = ET.fromstring(self.z.read(target))
            for a in root:
                gf = a.find(".//c:chart", NS)
                frm, to = a.find("xdr:from", NS), a.find("xdr:to", NS)
                if gf is None or frm is None or to is None:
                    continue
                r0 = int(frm.find("xdr:row", NS).text)
                r1 = int(to.find("xdr:row", NS).text)
                if int(to.find("xdr:rowOff", NS).text) == 0 and r1 > r0:
                    r1 -= 1
                c1 = int(to.find("xdr:col", NS).text)
                c0 = int(frm.find("xdr:col", NS).text)
                if int(to.find("xdr:colOff", NS).text) == 0 and c1 > c0:
                    c1 -= 1
                chart = ET.fromstring(self.z.read(drels[gf.get("{%s}id" % NS["r"])]))
                out.append((r0, r1, c0, c1, chart))
        return sorted(out, key=lambda a: (a[0], a[2]))


# ---- reading sheets ---------------------------------------------------------------------------

def text(v):
    return v if isinstance(v, str) else ""


def instrument_matches(truth, cell, inst_id):
    """Whether a header or cell names the instrument (its name or its abbreviation, never the
    raw lowercase id)."""
    v = text(cell).strip()
    d = truth.inst[inst_id]
    return v.lower() == d["name"].lower() or v == inst_id.upper()


def instrument_of(truth, cell):
    for i in truth.inst_order:
        if instrument_matches(truth, cell, i):
            return i
    return None


def find_row(ws, first, start=1, stop=None):
    for r in range(start, (stop or ws.max_row) + 1):
        if ws.cell(row=r, column=1).value == first:
            return r
    return None


def row_values(ws, row, first=1, last=None):
    last = last or ws.max_column
    return [ws.cell(row=row, column=c).value for c in range(first, last + 1)]


class Book:
    """One workbook of one run, with what the checks share."""

    def __init__(self, truth, run, path, dates):
        self.truth, self.run, self.path = truth, run, path
        self.name = os.path.basename(path)
        self.wb = openpyxl.load_workbook(path)
        self.parts = Parts(path)
        self.dates = dates
        self.where = "run %d %s" % (run, self.name)
        t = text(self.wb["Summary"]["A1"].value) if "Summary" in self.wb.sheetnames else ""
        m = re.match(r"^Therapist (T-[ABC])$", t)
        fm = re.search(r"(T-[ABC])", self.name)
        self.therapist = m.group(1) if m else (fm.group(1) if fm else None)
        self.made = None

    def at(self, sheet, cell):
        return "%s %s!%s" % (self.where, sheet, cell if isinstance(cell, str) else cell.coordinate)


# ---- checks -----------------------------------------------------------------------------------

def check_sheets(b):
    names = b.wb.sheetnames
    R.expect("sheets", names == SHEETS, b.where, "sheets %r, expected %r" % (names, SHEETS))
    for n in names:
        want = "hidden" if n == "TrendData" else "visible"
        R.expect("sheets", b.wb[n].sheet_state == want, b.where,
                 "sheet %s is %s, expected %s" % (n, b.wb[n].sheet_state, want))


def visible_sheets(b):
    return [n for n in b.wb.sheetnames if b.wb[n].sheet_state == "visible"]


def check_cells(b):
    """Enum words, digits, number formats, text dates and font sizes on every visible sheet."""
    for n in visible_sheets(b):
        ws = b.wb[n]
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if v is None:
                    continue
                where = b.at(n, c)
                if isinstance(v, str):
                    s = v.strip()
                    bad = [w for w in ENUM_ANYWHERE if w in s]
                    if s.lower() in ENUM_WORDS or SNAKE.match(s):
                        bad.append(s)
                    R.expect("cells.enum", not bad, where, "%r shows %s" % (v[:120], bad))
                    m = long_decimal(s) or RAW_KEY_VALUE.search(s)
                    R.expect("cells.text_digits", not m, where,
                             "%r shows %r" % (v[:120], m.group(0) if m else ""))
                    m = ISO_DATE_TEXT.search(s)
                    R.expect("cells.text_dates", not m, where,
                             "%r holds the ISO date %r as text" % (v[:120], m.group(0) if m else ""))
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    fmt = c.number_format
                    dec = format_decimals(fmt)
                    if dec is None:
                        R.expect("cells.number_format", float(v).is_integer(), where,
                                 "%r in the General format (shows up to 10 digits)" % v)
                    else:
                        R.expect("cells.number_format", dec <= 2, where,
                                 "value %r, format %r shows %d decimals" % (v, fmt, dec))
                sz = c.font.sz if c.font and c.font.sz else 11
                R.expect("cells.font_size", sz >= 8, where, "font %s pt" % sz)


def printable(b, root):
    """(printable width, printable height, orientation) of a sheet's page, in points."""
    ps = root.find("m:pageSetup", NS)
    pm = root.find("m:pageMargins", NS)
    paper = PAPER[b.truth.paper]
    w, h = paper[1], paper[2]
    orient = ps.get("orientation", "portrait") if ps is not None else "portrait"
    if orient == "landscape":
        w, h = h, w

    def margin(k, d):
        return float(pm.get(k, d)) if pm is not None else d
    return (w - (margin("left", 0.7) + margin("right", 0.7)) * 72,
            h - (margin("top", 0.75) + margin("bottom", 0.75)) * 72, orient)


def check_summary_print(b):
    """The smallest font of the Summary's printed cells times the print scale is >= 8 pt."""
    ws = b.wb["Summary"]
    root = b.parts.sheet("Summary")
    pw, ph, orient = printable(b, root)
    first_col, last_col = 1, ws.max_column
    first_row, last_row = 1, ws.max_row
    for name, local, txt in b.parts.defined:
        if name == "_xlnm.Print_Area" and local == str(b.parts.sheet_index["Summary"]):
            m = re.search(r"\$?([A-Z]+)\$?(\d*):\$?([A-Z]+)\$?(\d*)", txt)
            if m:
                first_col = openpyxl.utils.column_index_from_string(m.group(1))
                last_col = openpyxl.utils.column_index_from_string(m.group(3))
                if m.group(2) and m.group(4):
                    first_row, last_row = int(m.group(2)), int(m.group(4))
    colpt = col_width_pt(root)
    ht = row_height_pt(root)
    content_w = sum(colpt(c) for c in range(first_col - 1, last_col))
    content_h = sum(ht(r) for r in range(first_row - 1, last_row))
    ps = root.find("m:pageSetup", NS)
    spr = root.find("m:sheetPr/m:pageSetUpPr", NS)
    scale = 1.0
    if spr is not None and spr.get("fitToPage") in ("1", "true"):
        fw = int(ps.get("fitToWidth", "1")) if ps is not None else 1
        fh = int(ps.get("fitToHeight", "1")) if ps is not None else 1
        if fw:
            scale = min(scale, fw * pw / content_w)
        if fh:
            scale = min(scale, fh * ph / content_h)
    elif ps is not None and ps.get("scale"):
        scale = int(ps.get("scale")) / 100.0
    small = None
    for row in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=first_col,
                            max_col=last_col):
        for c in row:
            if c.value is None:
                continue
            sz = c.font.sz if c.font and c.font.sz else 11
            if small is None or sz < small[0]:
                small = (sz, c.coordinate)
    if small:
        R.expect("summary.print_font", small[0] * scale >= 8 - 1e-9,
                 b.at("Summary", small[1]),
                 "prints at %.1f pt: font %s pt at scale %.2f (columns %s-%s, %.0f pt wide, on "
                 "%s %s %.0f pt)" % (small[0] * scale, small[0], scale, get_column_letter(first_col),
                                     get_column_letter(last_col), content_w, b.truth.paper,
                                     orient, pw))


def check_print(b):
    titles = {}
    for name, local, txt in b.parts.defined:
        if name == "_xlnm.Print_Titles" and local is not None:
            titles[int(local)] = txt
    for n in visible_sheets(b):
        root = b.parts.sheet(n)
        hf = root.find("m:headerFooter", NS)
        head = hf.find("m:oddHeader", NS) if hf is not None else None
        foot = hf.find("m:oddFooter", NS) if hf is not None else None
        head = head.text if head is not None and head.text else ""
        foot = foot.text if foot is not None and foot.text else ""
        R.expect("print.header_footer", "Confidential health information" in head,
                 "%s sheet %s" % (b.where, n), "oddHeader %r" % head)
        R.expect("print.header_footer", all(x in foot for x in ("&P", "&N", "Data through")),
                 "%s sheet %s" % (b.where, n), "oddFooter %r" % foot)
        ps = root.find("m:pageSetup", NS)
        want = PAPER[b.truth.paper][0]
        got = ps.get("paperSize") if ps is not None else None
        R.expect("print.paper", got == want, "%s sheet %s" % (b.where, n),
                 "paperSize %r, expected %s (%s)" % (got, want, b.truth.paper))
        if n == "Summary":
            R.expect("summary.landscape", ps is not None and ps.get("orientation") == "landscape",
                     "%s sheet %s" % (b.where, n),
                     "orientation %r" % (ps.get("orientation") if ps is not None else None))
    for n in ("Summary", "Flags"):
        if n not in b.parts.sheet_index:
            continue
        t = titles.get(b.parts.sheet_index[n])
        if not R.expect("print.titles", t is not None, "%s sheet %s" % (b.where, n),
                        "no _xlnm.Print_Titles"):
            continue
        m = re.search(r"\$?(\d+):\$?(\d+)", t)
        if n == "Summary":
            R.expect("print.titles", m and int(m.group(1)) <= SUMMARY_HEADER_ROW <= int(m.group(2)),
                     "%s sheet %s" % (b.where, n), "Print_Titles %r does not hold row %d"
                     % (t, SUMMARY_HEADER_ROW))


# ---- Summary ----------------------------------------------------------------------------------

def summary_dates(b, ws):
    t = text(ws["A2"].value)
    m = re.match(r"^Data through (\d{1,2} \w{3} \d{4}) · made (\d{1,2} \w{3} \d{4})$", t)
    if not R.expect("summary.dates", m, b.at("Summary", "A2"),
                    "%r is not 'Data through D · made D'" % t[:160]):
        return
    def parse(s):
        d, mon, y = s.split()
        return datetime.date(int(y), MONTHS.index(mon) + 1, int(d)) if mon in MONTHS else None
    through, made = parse(m.group(1)), parse(m.group(2))
    mine = [f["date"] for c in b.truth.clients_of(b.therapist, b.run)
            for f in b.truth.forms(c, b.run)]
    every = [f["date"] for c in b.truth.clients for f in b.truth.forms(c, b.run)]
    ok = {parse_day(max(mine)) if mine else None, parse_day(max(every))}
    R.expect("summary.dates", through in ok, b.at("Summary", "A2"),
             "data through %s, expected one of %s" % (through, sorted(str(x) for x in ok if x)))
    R.expect("summary.dates", made in b.dates, b.at("Summary", "A2"),
             "made %s, the run ran on %s" % (made, sorted(str(x) for x in b.dates)))
    b.made = made


def summary_columns(b, ws):
    """{(instrument, score id): (value column, change column)} from rows 5 and 6, or None when
    a score's columns cannot be found. The header must be exactly the contract's; when it is
    not (a failure of summary.header), the score and Change columns are still looked up by
    name (a score's name, then the next 'Change'), so the value checks can run."""
    hdr = SUMMARY_HEADER_ROW
    head = row_values(ws, hdr)
    while head and head[-1] is None:
        head.pop()
    R.expect("summary.header", head[:5] == SUMMARY_FIXED, b.at("Summary", "A%d" % hdr),
             "row %d starts %r, expected %r" % (hdr, head[:5], SUMMARY_FIXED))
    want = list(SUMMARY_FIXED)
    for i in b.truth.inst_order:
        for s in b.truth.inst[i]["scores"]:
            want += [s["name"], "Change"]
    low = [h.lower() if isinstance(h, str) else None for h in head]
    # An instrument scored against a norm has a "T score" column after each score's value
    # (the brief's "scores with norms"); it stands nowhere else.
    t_ok = all(i > 5 and low[i - 1] not in (None, "change", "t score")
               for i, h in enumerate(low) if h == "t score")
    bare = [h for h in low if h != "t score"]
    same = t_ok and len(bare) == len(want) and all(h == w.lower() for h, w in zip(bare, want))
    R.expect("summary.header", same, b.at("Summary", "A%d" % hdr),
             "row %d is %r, expected %r" % (hdr, head, want))
    cols = {}
    c = 5  # 0-based index of the first score column
    merged = [str(m) for m in ws.merged_cells.ranges]
    for i in b.truth.inst_order:
        first = None
        for s in b.truth.inst[i]["scores"]:
            name = s["name"].lower()
            try:
                v = low.index(name, c)
                ch = low.index("change", v + 1)
            except ValueError:
                R.fail("summary.header", b.at("Summary", "A%d" % hdr),
                       "no column %r followed by 'Change' after column %s: the score "
                       "checks do not run" % (s["name"], get_column_letter(c + 1)))
                return None
            cols[(i, s["id"])] = (v + 1, ch + 1)
            first = v + 1 if first is None else first
            c = ch + 1
        last = c
        # row 5: the instrument's name merged over its columns
        rng = "%s%d:%s%d" % (get_column_letter(first), hdr - 1, get_column_letter(last), hdr - 1)
        v = ws.cell(row=hdr - 1, column=first).value
        R.expect("summary.instrument_row", instrument_matches(b.truth, v, i) and rng in merged,
                 b.at("Summary", "%s%d" % (get_column_letter(first), hdr - 1)),
                 "%r (merged %s: %s), expected the name of %s merged over %s"
                 % (v, rng, rng in merged, i, rng))
    return cols


def summary_rows(b, ws):
    """[(row, client)] of the data rows and [(row, group, n)] of the section headings."""
    rows, heads = [], []
    for r in range(SUMMARY_HEADER_ROW + 1, ws.max_row + 1):
        v = text(ws.cell(row=r, column=1).value)
        m = CLIENT.match(v)
        if m and v == m.group(1):
            rows.append((r, v))
        elif v.startswith("Group "):
            heads.append((r, v))
    return rows, heads


def expected_class(b, client, inst, score, change):
    """'up', 'down', 'none' (no reliable change), None (not judged) or 'nc' (not computable)."""
    if inst not in b.truth.local_norm:
        return "nc"
    norm = b.norms.get(score)
    if change is None or norm is None:
        return None
    sd, alpha = norm
    sdiff = sd * math.sqrt(2 * (1 - alpha))
    rci = change / sdiff
    if abs(abs(rci) - RCI_CUT) < RCI_MARGIN:
        return None
    if abs(rci) < RCI_CUT:
        return "none"
    better = b.truth.better[(inst, score)]
    good = rci > 0 if better == "higher" else rci < 0
    return "up" if good else "down"


def change_of(b, client, inst, score):
    """(latest valid - first valid, first valid form, latest valid form) or (None, ...)."""
    vals = [(f, f["scores"][score]["value"]) for f in b.truth.forms(client, b.run, inst)
            if valid(f) and f["scores"][score]["value"] is not None]
    if len(vals) < 2:
        return None, None, None
    return vals[-1][1] - vals[0][1], vals[0][0], vals[-1][0]


def arrow_of(fmt):
    t = format_text(fmt)
    for a, k in (("▲", "up"), ("▼", "down"), ("●", "none")):
        if a in t:
            return k
    return "nc"


def check_summary(b):
    ws = b.wb["Summary"]
    truth, run = b.truth, b.run
    R.expect("summary.title", text(ws["A1"].value) == "Therapist %s" % b.therapist,
             b.at("Summary", "A1"), "%r" % ws["A1"].value)
    summary_dates(b, ws)
    cols = summary_columns(b, ws)
    rows, heads = summary_rows(b, ws)
    want = truth.clients_of(b.therapist, run)
    got = [c for _, c in rows]
    dup = sorted({c for c in got if got.count(c) > 1})
    R.expect("summary.one_row_per_client", not dup, b.at("Summary", "A"),
             "clients on more than one row: %s" % dup)
    R.expect("summary.one_row_per_client", sorted(set(got)) == want, b.at("Summary", "A"),
             "missing %s, unexpected %s" % (sorted(set(want) - set(got)),
                                            sorted(set(got) - set(want))))

    # Sections by group.
    if truth.t["config"]["sections"] == "group":
        R.expect("summary.sections", heads, b.at("Summary", "A"), "no 'Group G · N clients' row")
        marks = sorted([(r, "h", v) for r, v in heads] + [(r, "c", c) for r, c in rows])
        current, members, head_at = None, [], None

        def close():
            if current is None:
                return
            m = re.match(r"^Group (.+) · (\d+) clients?$", current)
            if not R.expect("summary.sections", m, b.at("Summary", "A%d" % head_at),
                            "%r is not 'Group G · N clients'" % current):
                return
            g, n = m.group(1), int(m.group(2))
            R.expect("summary.sections", n == len(members), b.at("Summary", "A%d" % head_at),
                     "%r heads %d client rows" % (current, len(members)))
            for r, c in members:
                latest = truth.latest(c, run)
                R.expect("summary.sections", latest and latest["group"] == g,
                         b.at("Summary", "A%d" % r),
                         "%s (group %s) is in section %s" % (c, latest and latest["group"], g))
        for r, kind, v in marks:
            if kind == "h":
                close()
                current, members, head_at = v, [], r
            else:
                if current is None:
                    R.fail("summary.sections", b.at("Summary", "A%d" % r),
                           "%s comes before any group heading" % v)
                members.append((r, v))
        close()

    quarantined = truth.quarantined(b.therapist, run)
    above = " ".join(text(ws.cell(row=r, column=1).value) for r in range(1, SUMMARY_HEADER_ROW))
    if quarantined:
        R.expect("summary.quarantine_note",
                 re.search(r"\b%d forms? received could not be scored yet" % quarantined, above),
                 b.at("Summary", "A1:A5"),
                 "no '%d forms received could not be scored yet' in %r" % (quarantined, above[:300]))
    else:
        R.expect("summary.quarantine_note", "could not be scored" not in above,
                 b.at("Summary", "A1:A5"), "a quarantine line without open rows: %r" % above[:300])

    links = {}
    for r, c in rows:
        cell = ws.cell(row=r, column=1)
        if cell.hyperlink is not None:
            links[c] = (cell.hyperlink.location or cell.hyperlink.target or "", r)
    b.summary_links = links

    ranks = []
    for r, c in rows:
        latest = truth.latest(c, run)
        if latest is None:
            continue
        d = cell_date(ws.cell(row=r, column=3).value)
        c3 = ws.cell(row=r, column=3)
        R.expect("summary.group", ws.cell(row=r, column=2).value == latest["group"],
                 b.at("Summary", "B%d" % r), "%r, expected %s (%s)"
                 % (ws.cell(row=r, column=2).value, latest["group"], c))
        R.expect("summary.last_assessed", d == parse_day(latest["date"]), b.at("Summary", c3),
                 "%r, expected the date cell %s" % (c3.value, latest["date"]))
        R.expect("summary.last_assessed", c3.number_format == DATE_FORMAT, b.at("Summary", c3),
                 "format %r, expected %r" % (c3.number_format, DATE_FORMAT))
        days = None
        if b.made:
            days = (b.made - parse_day(latest["date"])).days
            v = ws.cell(row=r, column=4).value
            R.expect("summary.days_since", isinstance(v, (int, float)) and v == days,
                     b.at("Summary", "D%d" % r), "%r, expected %d (%s to %s)"
                     % (v, days, latest["date"], b.made))
        why = text(ws.cell(row=r, column=5).value)
        flagged = False
        invalid_latest = []
        # the expected reliable-change classes of the client's scores (from the truth and the
        # norm, whatever the sheet shows)
        classes = [expected_class(b, c, i, s["id"], change_of(b, c, i, s["id"])[0])
                   for i in truth.inst_order for s in truth.inst[i]["scores"]
                   if change_of(b, c, i, s["id"])[0] is not None]
        for i in truth.inst_order:
            lf = truth.latest(c, run, i)
            if lf is None:
                continue
            if instrument_flags(lf):
                flagged = True
            if not valid(lf):
                invalid_latest.append(lf)
            if cols is None:
                continue
            for s in truth.inst[i]["scores"]:
                vc, cc = cols[(i, s["id"])]
                cell = ws.cell(row=r, column=vc)
                want_v = lf["scores"][s["id"]]["value"]
                if want_v is None:
                    R.expect("summary.latest_value", is_blank_mark(cell.value),
                             b.at("Summary", cell), "%r, expected no value (%s %s)"
                             % (cell.value, c, s["id"]))
                else:
                    R.expect("summary.latest_value",
                             isinstance(cell.value, (int, float)) and
                             abs(cell.value - want_v) <= shown_tolerance(cell),
                             b.at("Summary", cell), "%r, expected %r (%s %s %s)"
                             % (cell.value, want_v, c, i, s["id"]))
                    grey = is_grey_font(cell.font)
                    R.expect("summary.grey_invalid", grey == (not valid(lf)), b.at("Summary", cell),
                             "%s %s %s: the latest form is %s, the font is %s"
                             % (c, i, s["id"], "valid" if valid(lf) else "invalid/careless",
                                "grey" if grey else "not grey"))
                    dec = format_decimals(cell.number_format)
                    if truth.score_method[(i, s["id"])] == "mean":
                        R.expect("summary.digits", dec == 2, b.at("Summary", cell),
                                 "mean %r in format %r (%s decimals), expected 2"
                                 % (cell.value, cell.number_format, dec))
                    else:
                        status = lf["scores"][s["id"]]["status"]
                        want_dec = 1 if status == "prorated" else 0
                        R.expect("summary.digits", dec == want_dec, b.at("Summary", cell),
                                 "%s sum %r in format %r (%s decimals), expected %d"
                                 % (status, cell.value, cell.number_format, dec, want_dec))
                ch, first, last = change_of(b, c, i, s["id"])
                cell = ws.cell(row=r, column=cc)
                if ch is None:
                    R.expect("summary.change", is_blank_mark(cell.value),
                             b.at("Summary", cell), "%r, expected no change (%s %s %s: fewer "
                             "than two valid values)" % (cell.value, c, i, s["id"]))
                    continue
                ok = isinstance(cell.value, (int, float)) and abs(cell.value - ch) <= shown_tolerance(cell)
                msg = "%r, expected %r = %s (%s) - %s (%s) (%s %s %s)" % (
                    cell.value, ch, last["scores"][s["id"]]["value"], last["date"],
                    first["scores"][s["id"]]["value"], first["date"], c, i, s["id"])
                R.expect("summary.change", ok, b.at("Summary", cell), msg)
                forms = truth.forms(c, run, i)
                if any(not valid(f) for f in forms):
                    if not valid(forms[-1]):
                        R.expect("summary.change_careless", ok, b.at("Summary", cell), msg)
                    if not valid(forms[0]):
                        R.expect("summary.change_invalid_baseline", ok, b.at("Summary", cell), msg)
                want_k = expected_class(b, c, i, s["id"], ch)
                got_k = arrow_of(cell.number_format)
                if want_k is not None:
                    R.expect("summary.change_class", got_k == want_k, b.at("Summary", cell),
                             "format %r shows %s, expected %s (%s %s %s change %+.3f)"
                             % (cell.number_format, got_k, want_k, c, i, s["id"], ch))
                if got_k in ("up", "down"):
                    col = colour_class(cell)
                    R.expect("summary.change_colour", col == ("green" if got_k == "up" else "red"),
                             b.at("Summary", cell), "%s shown in %s (format %r, font %r)"
                             % (got_k, col, cell.number_format,
                                rgb_of(cell.font.color) if cell.font else None))
                if got_k == "nc" and want_k == "nc":
                    b.footnote_needed = True
        if invalid_latest:
            words = why.lower()
            reasons = []
            for lf in invalid_latest:
                if "careless" in lf["raised"]:
                    reasons.append(("same answer" in words or "careless" in words, "careless"))
                if "invalid" in lf["raised"]:
                    reasons.append(("unanswered" in words or "invalid" in words, "invalid"))
            for ok, kind in reasons:
                R.expect("summary.reason_invalid", ok, b.at("Summary", "E%d" % r),
                         "%s: latest form %s, 'Needs attention because' is %r" % (c, kind, why))
        if flagged:
            R.expect("summary.attention_text", why.strip() != "", b.at("Summary", "E%d" % r),
                     "%s has a raised flag and an empty reason" % c)
        # rank: 0 attention, 1 overdue, 2 the rest; a set when the contract leaves it open
        if flagged or "down" in classes:
            allowed = {0}
        else:
            if days is None or days == truth.overdue_days:
                allowed = {1, 2}
            else:
                allowed = {1} if days > truth.overdue_days else {2}
            if invalid_latest or None in classes:
                allowed.add(0)
        ranks.append((r, c, allowed))
    # order (within each section): some choice of ranks is non-decreasing, and clients sort by
    # id within a rank
    cur = 0
    prev = None
    section = None
    for r, c, allowed in ranks:
        here = sum(1 for h, _ in heads if h < r)
        if here != section:
            section, cur, prev = here, 0, None
        fit = sorted(x for x in allowed if x >= cur)
        if not R.expect("summary.order", fit, b.at("Summary", "A%d" % r),
                        "%s (allowed %s) after a client of rank %d (0 attention, 1 overdue, "
                        "2 rest)" % (c, sorted(allowed), cur)):
            continue
        rank = fit[0]
        if prev and len(allowed) == 1 and prev[2] == rank and prev[3] and rank == cur:
            R.expect("summary.order", prev[1] < c, b.at("Summary", "A%d" % r),
                     "%s after %s in the same rank %d" % (c, prev[1], rank))
        prev = (r, c, rank, len(allowed) == 1)
        cur = rank
    # footnote for changes without a reliable-change class
    if getattr(b, "footnote_needed", False):
        last = max((r for r, _ in rows), default=SUMMARY_HEADER_ROW)
        below = " ".join(text(ws.cell(row=r, column=1).value) for r in range(last + 1, ws.max_row + 1))
        R.expect("summary.footnote", re.search(r"reliable[- ]change|RCI", below, re.I),
                 b.at("Summary", "A%d" % (last + 1)),
                 "no footnote on changes without reliable change below the table: %r" % below[:300])


# ---- Flags ------------------------------------------------------------------------------------

def flag_streak_start(truth, client, run, inst, flag):
    """The first form of the current streak of `flag` (the forms of months 1..run)."""
    forms = truth.forms(client, run, inst)
    start = None
    for f in reversed(forms):
        if flag in f["raised"]:
            start = f
        else:
            break
    return start


def fmt_value(truth, inst, score, value, status):
    if truth.score_method[(inst, score)] == "mean":
        return "%.2f" % value
    return "%.1f" % value if status == "prorated" else "%d" % round(value)


def check_flags(b):
    ws = b.wb["Flags"]
    truth, run = b.truth, b.run
    hdr = find_row(ws, "Client", 1, 20)
    if not R.expect("flags.header", hdr is not None, b.at("Flags", "A1:A20"),
                    "no header row starting 'Client'"):
        return
    head = row_values(ws, hdr, 1, len(FLAGS_HEAD) + 3)
    while head and head[-1] is None:
        head.pop()
    if not R.expect("flags.header", head == FLAGS_HEAD, b.at("Flags", "A%d" % hdr),
                    "%r, expected %r" % (head, FLAGS_HEAD)):
        return
    cleared_at = find_row(ws, CLEARED_TITLE, hdr + 1)
    end = (cleared_at or ws.max_row + 1) - 1
    got = {}
    for r in range(hdr + 1, end + 1):
        c = text(ws.cell(row=r, column=1).value)
        if not CLIENT.match(c):
            continue
        inst = instrument_of(truth, ws.cell(row=r, column=3).value)
        label = text(ws.cell(row=r, column=4).value)
        got.setdefault((c, inst, label), []).append(r)
    want = {}
    for c in truth.clients_of(b.therapist, run):
        for i in truth.inst_order:
            lf = truth.latest(c, run, i)
            if lf is None:
                continue
            for fl in lf["raised"]:
                want[(c, i, fl)] = lf
    # validity rows: matched by client and instrument, whatever their label
    labels = {(i, fl["label"]): fl["id"] for i in truth.inst for fl in truth.inst[i]["flags"]}
    matched = {}
    for key, rows in got.items():
        c, i, label = key
        fid = labels.get((i, label))
        if fid is None:
            kinds = [k for k in ("careless", "invalid") if (c, i, k) in want and (c, i, k) not in matched]
            fid = kinds[0] if kinds else None
        if fid is None or (c, i, fid) not in want:
            R.fail("flags.rows", b.at("Flags", "A%d" % rows[0]),
                   "unexpected flag row %r (not raised on the latest form)" % (key,))
            continue
        if len(rows) > 1:
            R.fail("flags.rows", b.at("Flags", "A%d" % rows[1]), "flag %r listed twice" % (key,))
        matched[(c, i, fid)] = rows[0]
    for key in sorted(want):
        R.expect("flags.rows", key in matched, b.at("Flags", "A%d:A%d" % (hdr + 1, end)),
                 "missing: %s %s %s (form of %s)" % (key[0], key[1], key[2], want[key]["date"]))
    for (c, i, fid), r in sorted(matched.items()):
        lf = want[(c, i, fid)]
        R.expect("flags.group", ws.cell(row=r, column=2).value == lf["group"],
                 b.at("Flags", "B%d" % r), "%r, expected %s" % (ws.cell(row=r, column=2).value,
                                                               lf["group"]))
        sev = ws.cell(row=r, column=5).value
        if fid in ("careless", "invalid"):
            R.expect("flags.severity", sev in ("High", "Medium", "Low"), b.at("Flags", "E%d" % r),
                     "%r, expected High, Medium or Low" % sev)
        else:
            want_sev = next(fl["severity"] for fl in truth.inst[i]["flags"] if fl["id"] == fid)
            R.expect("flags.severity", sev == want_sev.capitalize(), b.at("Flags", "E%d" % r),
                     "%r, expected %s" % (sev, want_sev.capitalize()))
        status = text(ws.cell(row=r, column=6).value)
        forms = truth.forms(c, run, i)
        prev = forms[-2] if len(forms) >= 2 else None
        if prev is None or fid not in prev["raised"]:
            R.expect("flags.status", status == "New", b.at("Flags", "F%d" % r),
                     "%r, expected New (%s %s %s first raised on %s)" % (status, c, i, fid,
                                                                          lf["date"]))
        else:
            start = flag_streak_start(truth, c, run, i, fid)
            want_s = "Continuing since " + prose_date(parse_day(start["date"]))
            R.expect("flags.status", status == want_s, b.at("Flags", "F%d" % r),
                     "%r, expected %r (%s %s %s)" % (status, want_s, c, i, fid))
        values = text(ws.cell(row=r, column=7).value)
        if fid == "careless":
            n = lf["validity"]["longstring"]
            w = "same answer to %d items in a row" % n
            R.expect("flags.values", w in values, b.at("Flags", "G%d" % r),
                     "%r, expected %r" % (values, w))
        elif fid == "invalid":
            w = "%d of %d items unanswered" % (lf["n_unanswered"], truth.inst[i]["n_items"])
            R.expect("flags.values", w in values, b.at("Flags", "G%d" % r),
                     "%r, expected %r" % (values, w))
        else:
            refs = next(fl["refs"] for fl in truth.inst[i]["flags"] if fl["id"] == fid)
            for s in refs:
                sc = lf["scores"][s]
                w = fmt_value(truth, i, s, sc["value"], sc["status"])
                # the value as shown: a number that rounds from it at its own digits (2.08, or
                # 2.496 where 2.50 would hide that it is under the cutoff)
                shown = any(abs(float(y) - sc["value"]) <= 0.5 * 10 ** -len(y.partition(".")[2]) + 1e-9
                            for y in re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])", values))
                R.expect("flags.values", shown and "cutoff" in values, b.at("Flags", "G%d" % r),
                         "%r, expected %s's value %s and its cutoff" % (values, s, w))
        fo = ws.cell(row=r, column=9)
        R.expect("flags.form_of", cell_date(fo.value) == parse_day(lf["date"])
                 and fo.number_format == DATE_FORMAT, b.at("Flags", fo),
                 "%r (format %r), expected the date cell %s" % (fo.value, fo.number_format,
                                                                lf["date"]))
    check_cleared(b, ws, cleared_at)


def check_cleared(b, ws, at):
    truth, run = b.truth, b.run
    want = {}
    if run > 1:
        for c in truth.clients_of(b.therapist, run):
            for i in truth.inst_order:
                old, new = truth.latest(c, run - 1, i), truth.latest(c, run, i)
                # a careless or invalid form clears nothing: its scores are not trusted
                if old is None or new is None or old is new or not valid(new):
                    continue
                for fl in old["raised"]:
                    if fl not in new["raised"]:
                        want[(c, i, fl)] = (old, new)
    if not R.expect("flags.cleared", at is not None, b.at("Flags", "A"),
                    "no row %r" % CLEARED_TITLE):
        return
    # blank rows, or a line of explanation, may stand between the title and what follows
    for _ in range(4):
        first = ws.cell(row=at + 1, column=1).value
        if at + 1 <= ws.max_row and first not in ("Client", NO_CLEARED) and \
                not CLIENT.match(text(first)):
            at += 1
    nxt = text(ws.cell(row=at + 1, column=1).value)
    required = {k for k in want if k[2] not in ("careless", "invalid")}
    if nxt == NO_CLEARED:
        R.expect("flags.cleared", not required, b.at("Flags", "A%d" % (at + 1)),
                 "says none was cleared; expected %s" % sorted(required))
        return
    head = row_values(ws, at + 1, 1, len(CLEARED_HEAD))
    if not R.expect("flags.cleared", head == CLEARED_HEAD, b.at("Flags", "A%d" % (at + 1)),
                    "%r, expected %r or the line %r" % (head, CLEARED_HEAD, NO_CLEARED)):
        return
    labels = {(i, fl["label"]): fl["id"] for i in truth.inst for fl in truth.inst[i]["flags"]}
    seen = set()
    r = at + 2
    while r <= ws.max_row and CLIENT.match(text(ws.cell(row=r, column=1).value)):
        c = text(ws.cell(row=r, column=1).value)
        i = instrument_of(truth, ws.cell(row=r, column=3).value)
        label = text(ws.cell(row=r, column=4).value)
        fid = labels.get((i, label))
        if fid is None:
            kinds = [k for k in ("careless", "invalid") if (c, i, k) in want]
            fid = kinds[0] if kinds else None
        key = (c, i, fid)
        if R.expect("flags.cleared", key in want, b.at("Flags", "A%d" % r),
                    "unexpected cleared row %r" % ((c, i, label),)):
            seen.add(key)
            old, new = want[key]
            lr, cb = ws.cell(row=r, column=5), ws.cell(row=r, column=6)
            R.expect("flags.cleared_dates", cell_date(lr.value) == parse_day(old["date"]) and
                     lr.number_format == DATE_FORMAT, b.at("Flags", lr),
                     "Last raised %r (format %r), expected %s" % (lr.value, lr.number_format,
                                                                  old["date"]))
            R.expect("flags.cleared_dates", cell_date(cb.value) == parse_day(new["date"]) and
                     cb.number_format == DATE_FORMAT, b.at("Flags", cb),
                     "Cleared by %r (format %r), expected %s" % (cb.value, cb.number_format,
                                                                 new["date"]))
        r += 1
    for key in sorted(required - seen):
        R.fail("flags.cleared", b.at("Flags", "A%d" % (at + 2)),
               "missing cleared flag %s %s %s (raised on %s, not on %s)"
               % (key[0], key[1], key[2], want[key][0]["date"], want[key][1]["date"]))


# ---- Trends -----------------------------------------------------------------------------------

def col_width_pt(root):
    """A function col (0-based) -> width in points, from <cols> and the default width."""
    fmt = root.find("m:sheetFormatPr", NS)
    default = float(fmt.get("defaultColWidth")) if fmt is not None and fmt.get("defaultColWidth") \
        else 8.43
    widths = {}
    cols = root.find("m:cols", NS)
    for c in (cols if cols is not None else []):
        for k in range(int(c.get("min")), int(c.get("max")) + 1):
            widths[k - 1] = float(c.get("width"))

    def pt(col):
        w = widths.get(col, default)
        px = math.floor(w * 7 + 5) if w > 1 else math.floor(w * 12 + 0.5)
        return px * 0.75
    return pt


def row_height_pt(root):
    fmt = root.find("m:sheetFormatPr", NS)
    default = float(fmt.get("defaultRowHeight", 15)) if fmt is not None else 15.0
    heights = {}
    sd = root.find("m:sheetData", NS)
    for row in (sd if sd is not None else []):
        if row.get("ht"):
            heights[int(row.get("r")) - 1] = float(row.get("ht"))
        if row.get("hidden") in ("1", "true"):
            heights[int(row.get("r")) - 1] = 0.0
    return lambda r: heights.get(r, default)


def page_capacity(b, root, anchors):
    """(points of rows and of columns one printed page holds, a description). Conservative:
    with fit to width the scale is the printable width over the columns the charts and cells
    reach; LibreOffice shrinks at least that much (it may count more columns), so its pages
    hold at least as many rows."""
    ps = root.find("m:pageSetup", NS)
    printable_w, printable_h, orient = printable(b, root)
    scale = 1.0
    spr = root.find("m:sheetPr/m:pageSetUpPr", NS)
    if spr is not None and spr.get("fitToPage") in ("1", "true"):
        colpt = col_width_pt(root)
        last_col = 1
        for target in b.parts.rels(b.parts.sheet_part["Trends"]).values():
            if "/drawings/" in target:
                for a in ET.fromstring(b.parts.z.read(target)):
                    to = a.find("xdr:to", NS)
                    if to is not None:
                        last_col = max(last_col, int(to.find("xdr:col", NS).text) + 1)
        dim = root.find("m:dimension", NS)
        if dim is not None and ":" in dim.get("ref", ""):
            m = re.match(r"[A-Z]+\d+:([A-Z]+)\d+", dim.get("ref"))
            if m:
                last_col = max(last_col, openpyxl.utils.column_index_from_string(m.group(1)))
        content = sum(colpt(c) for c in range(last_col))
        fw = ps.get("fitToWidth", "1") if ps is not None else "1"
        if fw != "0" and content > printable_w:
            scale = printable_w / content
    elif ps is not None and ps.get("scale"):
        scale = int(ps.get("scale")) / 100.0
    return printable_h / scale, printable_w / scale, "%s %s, %.0f x %.0f pt printable at scale %.2f" % (
        b.truth.paper, orient, printable_w, printable_h, scale)


def check_trends(b):
    ws = b.wb["Trends"]
    truth, run = b.truth, b.run
    root = b.parts.sheet("Trends")
    mine = set(truth.clients_of(b.therapist, run))
    blocks = []
    for r in range(1, ws.max_row + 1):
        m = CLIENT.match(text(ws.cell(row=r, column=1).value))
        # a row naming the client of the block it is in (a caption) is not a new block
        if m and not (blocks and blocks[-1][1] == m.group(1)):
            blocks.append((r - 1, m.group(1)))  # 0-based row
    ids = [c for _, c in blocks]
    R.expect("trends.blocks", len(ids) == len(set(ids)), b.at("Trends", "A"),
             "clients with more than one block: %s" % sorted({c for c in ids if ids.count(c) > 1}))
    R.expect("trends.blocks", set(ids) <= mine, b.at("Trends", "A"),
             "blocks of clients not of %s: %s" % (b.therapist, sorted(set(ids) - mine)))
    # A client with two scored forms of an instrument has a line to show: it gets a block
    # (the chart limit, 150, is above this clinic's 2 charts x 14 clients).
    for c in sorted(mine):
        if any(len(truth.forms(c, run, i)) >= 2 for i in truth.inst_order):
            R.expect("trends.blocks", c in ids, b.at("Trends", "A"),
                     "%s has two forms of an instrument and no block" % c)
    for c, (loc, r) in getattr(b, "summary_links", {}).items():
        m = re.match(r"^#?'?(Trends)'?!\$?([A-Z]+)\$?(\d+)", loc)
        ok = m and CLIENT.match(text(ws[m.group(2) + m.group(3)].value) or "") and \
            CLIENT.match(text(ws[m.group(2) + m.group(3)].value)).group(1) == c
        R.expect("summary.hyperlink", ok, b.at("Summary", "A%d" % r),
                 "%s links to %r, which does not hold %s" % (c, loc, c))
    for _, c in blocks:
        R.expect("summary.hyperlink", c in getattr(b, "summary_links", {}), b.at("Summary", "A"),
                 "%s has a Trends block but its Summary cell has no link" % c)
    anchors = b.parts.anchors("Trends")
    R.expect("trends.charts", len(anchors) <= truth.max_charts, b.at("Trends", "A1"),
             "%d charts, limit %d" % (len(anchors), truth.max_charts))
    starts = [r for r, _ in blocks] + [10 ** 9]
    per_block = {}
    for r0, r1, col, _, chart in anchors:
        k = max((n for n, s in enumerate(starts[:-1]) if s < r0), default=None)
        if not R.expect("trends.charts", k is not None, b.at("Trends", "row %d" % (r0 + 1)),
                        "a chart above the first block heading"):
            continue
        R.expect("trends.charts", r1 < starts[k + 1], b.at("Trends", "row %d" % (r0 + 1)),
                 "a chart of %s runs into the next block (rows %d-%d, next block at %d)"
                 % (blocks[k][1], r0 + 1, r1 + 1, starts[k + 1] + 1))
        kinds = {e.tag.split("}")[1] for e in chart.iter() if e.tag.endswith("Chart")}
        R.expect("trends.charts", "scatterChart" in kinds, b.at("Trends", "row %d" % (r0 + 1)),
                 "a chart of %s is %s, expected a scatter chart (dates on x)"
                 % (blocks[k][1], sorted(kinds)))
        per_block.setdefault(k, []).append((r0, r1, col))
    for k, charts in per_block.items():
        R.expect("trends.charts", len({r0 for r0, _, _ in charts}) == 1,
                 b.at("Trends", "row %d" % (blocks[k][0] + 1)),
                 "%s's charts start on rows %s, expected side by side"
                 % (blocks[k][1], sorted({r0 + 1 for r0, _, _ in charts})))
    for k, (r, c) in enumerate(blocks):
        R.expect("trends.charts", k in per_block, b.at("Trends", "A%d" % (r + 1)),
                 "%s's block has no chart" % c)
    rb = root.find("m:rowBreaks", NS)
    breaks = sorted(int(x.get("id")) for x in (rb if rb is not None else []))
    if len(blocks) > 1:
        R.expect("trends.breaks", breaks, b.at("Trends", "rowBreaks"),
                 "%d blocks and no manual row break" % len(blocks))
    for k, (r, c) in enumerate(blocks):
        last = max([r1 for r0, r1, _ in per_block.get(k, [])] + [r])
        inside = [x for x in breaks if r < x <= last]
        R.expect("trends.breaks", not inside, b.at("Trends", "A%d" % (r + 1)),
                 "break(s) before row %s inside %s's block (rows %d-%d)"
                 % ([x + 1 for x in inside], c, r + 1, last + 1))
    if not anchors:
        return
    # Pages: the manual breaks cut the sheet into segments; a chart must not straddle one, and
    # a segment's rows up to its last chart must fit one page, else LibreOffice adds an
    # automatic break among them.
    def segment(r):
        return sum(1 for x in breaks if x <= r)
    capacity, width, how = page_capacity(b, root, anchors)
    titles = 0.0
    ht = row_height_pt(root)
    for name, local, txt in b.parts.defined:
        if name == "_xlnm.Print_Titles" and local == str(b.parts.sheet_index["Trends"]):
            m = re.search(r"\$?(\d+):\$?(\d+)", txt)
            if m:
                titles = sum(ht(r) for r in range(int(m.group(1)) - 1, int(m.group(2))))
    for r0, r1, col, _, _ in anchors:
        k = max((n for n, s in enumerate(starts[:-1]) if s < r0), default=None)
        who = blocks[k][1] if k is not None else "?"
        R.expect("trends.no_chart_split", segment(r0) == segment(r1),
                 b.at("Trends", "rows %d-%d" % (r0 + 1, r1 + 1)),
                 "a chart of %s straddles the manual break(s) before row %s"
                 % (who, [x + 1 for x in breaks if r0 < x <= r1]))
    # Across: columns go to the next page where they no longer fit the printable width (or at
    # a manual column break); a chart's first and last column must be on one page.
    colpt = col_width_pt(root)
    cb = root.find("m:colBreaks", NS)
    cbreaks = {int(x.get("id")) for x in (cb if cb is not None else [])}
    col_page, used, page = [], 0.0, 0
    for c in range(max([a[3] for a in anchors] + [0]) + 1):
        if (c in cbreaks and c > 0) or (used + colpt(c) > width * 1.0001 and used > 0):
            page, used = page + 1, 0.0
        used += colpt(c)
        col_page.append(page)
    for r0, r1, c0, c1, _ in anchors:
        R.expect("trends.no_chart_split", col_page[c0] == col_page[c1],
                 b.at("Trends", "row %d columns %s-%s" % (r0 + 1, get_column_letter(c0 + 1),
                                                         get_column_letter(c1 + 1))),
                 "a chart spans printed pages side to side: its columns need more than the "
                 "%.0f pt a page holds across (%s)" % (width, how))
    ends = {}
    for r0, r1, col, _, _ in anchors:
        ends[segment(r0)] = max(ends.get(segment(r0), 0), r1)
    for seg, last in sorted(ends.items()):
        first = ([0] + breaks)[seg]
        need = sum(ht(r) for r in range(first, last + 1)) + (titles if seg else 0)
        R.expect("trends.no_chart_split", need <= capacity,
                 b.at("Trends", "rows %d-%d" % (first + 1, last + 1)),
                 "these rows between manual breaks need %.0f pt of paper, a page holds %.0f pt "
                 "(%s): an automatic break falls inside them" % (need, capacity, how))


# ---- norms, PDF, main -------------------------------------------------------------------------

def read_norms(path):
    """{score id: (SD, alpha)} of the DSI-R's newest local norm in `qscore norms` output."""
    out = {}
    if not os.path.exists(path):
        return out
    inst = None
    with open(path) as f:
        for line in f:
            m = re.match(r"^(\S+): local norm", line)
            if m:
                inst = m.group(1)
                continue
            m = re.match(r"^\s+(\S+)\s+n\s+\d+\s+mean\s+\S+\s+SD\s+([\d.]+)\s+alpha\s+([\d.]+)", line)
            if m and inst == "dsi-r":
                out[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    return out


def check_pdf_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        body = f.read()
    for n, line in enumerate(body.splitlines(), 1):
        bad = [w for w in ENUM_ANYWHERE if w in line]
        R.expect("pdf.enum", not bad, "%s line %d" % (os.path.basename(path), n),
                 "%r shows %s" % (line.strip()[:120], bad))
        m = long_decimal(line)
        R.expect("pdf.digits", not m, "%s line %d" % (os.path.basename(path), n),
                 "%r shows %r" % (line.strip()[:120], m.group(0) if m else ""))


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    work = argv[1]
    truth = Truth(os.path.join(work, "truth.json"))
    for fl_inst in truth.inst.values():
        for fl in fl_inst["flags"]:
            fl.setdefault("refs", [])
    runs = sorted(int(d[4:]) for d in os.listdir(os.path.join(work, "runs")) if d.startswith("run-"))
    for run in runs:
        d = os.path.join(work, "runs", "run-%d" % run)
        dates = set()
        if os.path.exists(os.path.join(d, "dates.txt")):
            with open(os.path.join(d, "dates.txt")) as f:
                dates = {datetime.date.fromisoformat(x.strip()) for x in f if x.strip()}
        norms = read_norms(os.path.join(d, "norms.txt"))
        books = sorted(x for x in os.listdir(d) if x.endswith(".xlsx"))
        R.expect("summary.title", len(books) == 3, "run %d" % run,
                 "%d workbooks %s, expected one per therapist" % (len(books), books))
        for x in books:
            b = Book(truth, run, os.path.join(d, x), dates)
            b.norms = norms
            check_sheets(b)
            if b.therapist is None:
                R.fail("summary.title", b.where, "cannot tell the therapist")
                continue
            check_cells(b)
            check_print(b)
            if "Summary" in b.wb.sheetnames:
                check_summary(b)
                check_summary_print(b)
            if "Flags" in b.wb.sheetnames:
                check_flags(b)
            if "Trends" in b.wb.sheetnames:
                check_trends(b)
    pdf = os.path.join(work, "pdf")
    if os.path.isdir(pdf):
        for x in sorted(os.listdir(pdf)):
            if x.endswith(".txt"):
                check_pdf_text(os.path.join(pdf, x))
    bad = R.print()
    print("%d of %d checks failed" % (bad, len(CHECKS)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
