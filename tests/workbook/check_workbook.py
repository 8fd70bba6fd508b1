#!/usr/bin/env python3
"""check_workbook.py - read a qscore therapist workbook back and check what a therapist relies on.

Usage: check_workbook.py [--demo] [--sections] [--paper=letter|a4] FILE.xlsx

Without --demo, FILE is the workbook written by tests/unit/test_workbook.c from its synthetic
report (with --sections: the same report with reports.sections: group), and the exact values of
that report are checked too. With --demo, only what holds for any workbook is checked
(tests/e2e/reports.sh runs it on the demo clinic's workbooks); --sections then requires the
Summary's group sections, --paper the paper size of every sheet.

What holds for any workbook (the second edition's contract, /work/wt/WORKBOOK2.md and issue 13):
no enum word, snake_case id or long decimal in any cell a therapist reads, numbers shown with at
most 2 decimals, dates as date cells wide enough to show, a header and a footer on every sheet,
header rows repeated on paper; the Summary and Flags layouts (one row per client, attention then
overdue first, change marks in number formats, footnotes in words, New / Continuing since /
Cleared) and how Summary, Flags and Items agree with each other.

Charts are read from the XLSX parts themselves (xl/charts/chart*.xml, through the sheet and
drawing relationships), because openpyxl does not load charts back reliably. Each check has a
sentence for a name; the first failing one is printed and the exit status is 1.

PENDING lists checks that a sheet does not pass until its second edition lands; they print a
"PENDING" line instead of failing, and fail once the sheet passes (so the entry gets removed).
"""
import datetime
import math
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

try:
    import openpyxl
    from openpyxl.utils import column_index_from_string, get_column_letter
except ImportError:  # the C test skips before calling us; say so plainly if run by hand
    print("SKIP: python3-openpyxl is not installed", file=sys.stderr)
    sys.exit(77)

SHEETS = ["Summary", "Flags", "Trends", "Groups", "Items", "About", "TrendData"]
SUMMARY_FIXED = ["Client", "Group", "Last assessed", "Days since", "Needs attention because"]
FLAGS_HEAD = ["Client", "Group", "Instrument", "Flag", "Severity", "Status", "Values",
              "Why it matters", "Form of"]
CLEARED_HEAD = ["Client", "Group", "Instrument", "Flag", "Last raised", "Cleared by the form of"]
GROUPS_MONTH_HEAD = ["Month", "Mean", "n"]
GROUPS_BASE_HEAD = ["Instrument and score", "Clients", "Reliably improved", "Reliably deteriorated",
                    "No reliable change", "Not testable", "Flagged"]
DISCLAIMER = ("Flags are screening aids for a clinician, never diagnoses. They say where to look, "
              "not what is wrong; read them with the client's history and the instrument's limits.")
SEVERITY_RANK = {"High": 3, "Medium": 2, "Low": 1, None: 0}
VALIDITY_FLAGS = ("Careless responding", "Invalid administration")
INJECT = '=HYPERLINK("http://x","y")'
CJK_GROUP = "\u5c0f\u7ec4\u4e00"
RTL_GROUP = "\u0645\u062c\u0645\u0648\u0639\u0629"
ACCENTED = "C004 Zo\u00eb \u00c5ngstr\u00f6m"
DASH = " \u2014 "
EN_DASH = "\u2013"
SUPERSCRIPTS = "\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078"
MARKS = {"": "plain", "\u25b2 ": "improvement", "\u25bc ": "deterioration", "\u25cf ": "none",
         "\u2191 ": "up", "\u2193 ": "down"}
DATE_FORMAT = "d mmm yyyy"
MONTH_FORMAT = "mmm yyyy"
CONFIDENTIAL = "Confidential health information"
PAPER = {"letter": 1, "a4": 9}

# Enum values and ids that must never reach a cell a therapist reads: anywhere in a text ...
ENUM_ANYWHERE = ("not_computable", "not_evaluable", "reliable_deterioration", "reliable_improvement",
                 "no_reliable_change", "reliable_increase", "reliable_decrease", "careless_flag",
                 "missing_fraction", "longstring")
# ... and, being English words too, as a whole cell (a status or severity column written raw).
ENUM_WHOLE = ("raised", "insufficient", "prorated", "careless", "invalid", "careless, invalid",
              "high", "medium", "low", "ok")
SNAKE_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
# A number printed with 4 or more decimals inside a text ("FO=2.0833333333333335"); not part of a
# version, a DOI ("10.1037/...") or a path.
LONG_DECIMAL = re.compile(r"(?<![\w./])\d+\.\d{4,}(?![\w/.-])")
ISO_DATE_TEXT = re.compile(r"^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?Z?)?$")
DATE_WORDS = r"\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"
DATA_LINE = re.compile(rf"^Data through ({DATE_WORDS}|\(no dates\)) \u00b7 made ({DATE_WORDS}"
                       r"|\(no run yet\))$")
SECTION = re.compile(r"^Group (.+) \u00b7 (\d+) clients?$")
CONTINUING = re.compile(rf"^Continuing since ({DATE_WORDS})$")
CHANGE_FORMAT = re.compile(r'^"([^"]*)"\+(0(?:\.0{1,2})?)"([^"]*)";"\1"-\2"\3";"\1"\2"\3"$')

# Checks a sheet fails until its second edition lands: (sheet, check) -> why. A pending check
# prints a line instead of failing; once it passes, the entry must go (the check fails).
PENDING = {}  # none left: Trends passes since its second edition (check_trends.py)

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
}


class Failure(Exception):
    pass


def check(name, ok, detail=""):
    if not ok:
        raise Failure(f"{name}" + (f": {detail}" if detail else ""))


# ---- reading helpers --------------------------------------------------------------------------

def row_values(ws, row, first=1, last=None):
    last = last or ws.max_column
    return [ws.cell(row=row, column=c).value for c in range(first, last + 1)]


def header_row(ws, first_name):
    """The row number whose column A holds `first_name` (the table header)."""
    for r in range(1, min(ws.max_row, 60) + 1):
        if ws.cell(row=r, column=1).value == first_name and \
                ws.cell(row=r, column=1).font and ws.cell(row=r, column=1).font.b:
            return r
    raise Failure(f"sheet {ws.title} has a header row starting '{first_name}'")


def table(ws, hdr):
    """Rows below the header until the first row with an empty column A."""
    out = []
    r = hdr + 1
    while r <= ws.max_row and ws.cell(row=r, column=1).value is not None:
        out.append(r)
        r += 1
    return out


def cf_rules(ws):
    """(range, [formula text]) for every conditional format of the sheet."""
    out = []
    for cf in ws.conditional_formatting:
        out.append((str(cf.sqref), [" ".join(rule.formula or []) for rule in cf.rules]))
    return out


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


REF = re.compile(r"^=?(?:'((?:[^']|'')+)'|([A-Za-z0-9_.]+))!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def parse_ref(f):
    m = REF.match(f.strip())
    if not m:
        raise Failure(f"chart reference '{f}' is a plain sheet range")
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    c1, r1 = column_index_from_string(m.group(3)), int(m.group(4))
    c2 = column_index_from_string(m.group(5)) if m.group(5) else c1
    r2 = int(m.group(6)) if m.group(6) else r1
    return sheet, c1, r1, c2, r2


def ref_cells(wb, f):
    sheet, c1, r1, c2, r2 = parse_ref(f)
    check("every chart range names a sheet of the workbook", sheet in wb.sheetnames, f)
    ws = wb[sheet]
    check("every chart range is one row or one column", c1 == c2 or r1 == r2, f)
    return [ws.cell(row=r, column=c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def charts_by_sheet(path):
    """{sheet name: [chart dict]} from the package parts; a chart dict holds its title ref and
    series (name ref, categories ref, values ref)."""
    z = zipfile.ZipFile(path)

    def rels(part):
        d, b = posixpath.split(part)
        name = posixpath.join(d, "_rels", b + ".rels")
        if name not in z.namelist():
            return {}
        root = ET.fromstring(z.read(name))
        return {e.get("Id"): posixpath.normpath(posixpath.join(d, e.get("Target")))
                for e in root.findall("pr:Relationship", NS)}

    wbx = ET.fromstring(z.read("xl/workbook.xml"))
    wrels = rels("xl/workbook.xml")
    out = {}
    for s in wbx.find("m:sheets", NS):
        sheet_part = wrels[s.get(f"{{{NS['r']}}}id")]
        charts = []
        for target in rels(sheet_part).values():
            if "/drawings/" not in target:
                continue
            drawing = ET.fromstring(z.read(target))
            drels = rels(target)
            # Charts in the drawing's anchor order (the order they were inserted).
            xdr = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
            for anchor in drawing:
                gf = anchor.find(f".//{{{NS['c']}}}chart")
                if gf is None:
                    continue
                frm = anchor.find(f"{{{xdr}}}from")
                at = (int(frm.find(f"{{{xdr}}}row").text) + 1,
                      int(frm.find(f"{{{xdr}}}col").text) + 1) if frm is not None else None
                cpart = drels[gf.get(f"{{{NS['r']}}}id")]
                croot = ET.fromstring(z.read(cpart))
                title = croot.find("c:chart/c:title", NS)
                tref = title.find(".//c:f", NS) if title is not None else None
                series = []
                for ser in croot.iter(f"{{{NS['c']}}}ser"):
                    def f(path_):
                        e = ser.find(path_, NS)
                        return e.text if e is not None else None
                    series.append({
                        "name": f("c:tx/c:strRef/c:f"),
                        "cat": f("c:cat/c:strRef/c:f") or f("c:cat/c:numRef/c:f"),
                        "val": f("c:val/c:numRef/c:f"),
                    })
                charts.append({"part": cpart, "title": tref.text if tref is not None else None,
                               "series": series, "at": at})
        out[s.get("name")] = charts
    return out


def font_rgb(cell):
    """The cell's font colour as 'RRGGBB', or None (theme or automatic colour)."""
    c = cell.font.color if cell.font else None
    rgb = getattr(c, "rgb", None) if c is not None else None
    return rgb[-6:].upper() if isinstance(rgb, str) else None


def col_width(ws, col):
    """The width of column `col` (1-based) as the sheet sets it, or None."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.max is not None and dim.min <= col <= dim.max:
            return dim.width
    return None


def is_date_cell(cell):
    return cell.is_date and cell.number_format == DATE_FORMAT and cell.value is not None


def day_of(v):
    """A date cell's value as a datetime.date."""
    return v.date() if isinstance(v, datetime.datetime) else v


def words_date(text):
    """"30 Jun 2026" -> datetime.date."""
    return datetime.datetime.strptime(text, "%d %b %Y").date()


def visible_sheets(wb):
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def text_cells(ws):
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                yield c


STALE_PENDING_FAILS = [False]  # set for the unit test's report, whose every sheet has content


def pending(sheet, what, fn):
    """Run check `fn` (the check `what` on `sheet`); a PENDING one prints instead of failing."""
    key = (sheet, what)
    if key not in PENDING:
        fn()
        return
    try:
        fn()
    except Failure as e:
        print(f"PENDING: {sheet}: {what}: {PENDING[key]} ({e})", file=sys.stderr)
        return
    check(f"{sheet} now passes '{what}': remove its PENDING entry", not STALE_PENDING_FAILS[0])


# ---- checks for any workbook: words, numbers, dates, paper ------------------------------------

def plain_words(ws):
    for c in text_cells(ws):
        v = c.value
        for w in ENUM_ANYWHERE:
            check(f"no enum word or id in any cell a therapist reads ({ws.title})",
                  not re.search(rf"\b{w}\b", v), f"{c.coordinate}={v!r}")
        check(f"no cell a therapist reads is an enum value ({ws.title})",
              v.strip() not in ENUM_WHOLE, f"{c.coordinate}={v!r}")
        check(f"no cell a therapist reads is a snake_case id ({ws.title})",
              not SNAKE_ID.match(v.strip()), f"{c.coordinate}={v!r}")
        check(f"no text shows a number with more digits than a display needs ({ws.title})",
              not LONG_DECIMAL.search(v), f"{c.coordinate}={v!r}")


def decimals_of(fmt):
    """The decimals a number format shows in each section, None for General."""
    if fmt in (None, "General"):
        return None
    fmt = re.sub(r'"[^"]*"', "", fmt)  # quoted literals (marks, footnote numbers)
    return max((len(m) for m in re.findall(r"\.(0+)", fmt)), default=0)


def numbers_shown(ws):
    for row in ws.iter_rows():
        for c in row:
            if not is_number(c.value) or getattr(c, "is_date", False):
                continue
            d = decimals_of(c.number_format)
            if c.value != int(c.value):
                check(f"a number that is not whole has a number format fixing its decimals "
                      f"({ws.title})", d is not None, f"{c.coordinate}={c.value!r} "
                      f"'{c.number_format}'")
            check(f"no number shows more than 2 decimals ({ws.title})", d is None or d <= 2,
                  f"{c.coordinate} '{c.number_format}'")


def dates(ws):
    for row in ws.iter_rows():
        for c in row:
            if getattr(c, "is_date", False) and c.value is not None:
                check(f"date cells show 'd mmm yyyy' (or 'mmm yyyy' for a month) ({ws.title})",
                      c.number_format in (DATE_FORMAT, MONTH_FORMAT),
                      f"{c.coordinate} '{c.number_format}'")
                w = col_width(ws, c.column)
                need = 11 if c.number_format == DATE_FORMAT else 8  # "30 Sep 2026", "Sep 2026"
                check(f"a date cell's column is wide enough to show it, never '####' ({ws.title})",
                      w is not None and w >= need, f"{c.coordinate} in a column {w} wide")
            elif isinstance(c.value, str):
                check(f"dates are date cells, not text ({ws.title})",
                      not ISO_DATE_TEXT.match(c.value.strip()), f"{c.coordinate}={c.value!r}")


def print_setup(ws, title, through, paper):
    hl, hr = ws.oddHeader.left.text, ws.oddHeader.right.text
    fl, fr = ws.oddFooter.left.text, ws.oddFooter.right.text
    want = (title or "").replace("&", "&&")
    check(f"{ws.title}'s header names the workbook", hl and (hl == want or (
        len(want.encode()) > 80 and want.startswith(hl))), f"{hl!r} vs {want!r}")
    check(f"{ws.title}'s header says '{CONFIDENTIAL}'", hr == CONFIDENTIAL, repr(hr))
    check(f"{ws.title}'s footer numbers the pages", fl == "Page &P of &N", repr(fl))
    check(f"{ws.title}'s footer gives the data-through date",
          fr == f"Data through {through or 'no date'}", repr(fr))
    size = ws.page_setup.paperSize
    check(f"{ws.title} prints on the configured paper",
          size is not None and int(size) in ((PAPER[paper],) if paper else PAPER.values()),
          repr(size))
    return int(size)


def any_workbook(wb, title, through, paper):
    """The checks every visible sheet passes; returns the paper size code."""
    sizes = set()
    for ws in visible_sheets(wb):
        pending(ws.title, "plain words", lambda ws=ws: plain_words(ws))
        pending(ws.title, "numbers", lambda ws=ws: numbers_shown(ws))
        pending(ws.title, "dates", lambda ws=ws: dates(ws))

        def page(ws=ws):
            sizes.add(print_setup(ws, title, through, paper))
        pending(ws.title, "print", page)
    check("every sheet prints on the same paper", len(sizes) <= 1, repr(sizes))
    for name, rows in (("Summary", "$5:$6"), ("Flags", "$4:$4")):
        check(f"{name}'s header rows repeat on every printed page",
              wb[name].print_title_rows == rows, repr(wb[name].print_title_rows))
    check("Items' header row repeats on every printed page", bool(wb["Items"].print_title_rows),
          repr(wb["Items"].print_title_rows))
    check("TrendData is hidden", wb["TrendData"].sheet_state == "hidden")
    return sizes.pop() if sizes else None


# ---- Summary ------------------------------------------------------------------------------------

def instrument_blocks(ws, ncols):
    """[(name, first column, last column)] of the instrument names in row 5 (merged over their
    columns, or one cell)."""
    merged = {r.min_col: r for r in ws.merged_cells.ranges if r.min_row == 5 and r.max_row == 5}
    out, c = [], len(SUMMARY_FIXED) + 1
    while c <= ncols:
        name = ws.cell(row=5, column=c).value
        check("every Summary score column sits under its instrument's name in row 5",
              isinstance(name, str) and name.strip(), f"column {get_column_letter(c)}")
        last = merged[c].max_col if c in merged else c
        out.append((name, c, last))
        c = last + 1
    for r in ws.merged_cells.ranges:
        if r.min_row == 5 and r.max_row == 5:
            check("row 5's merged names start at an instrument's first column",
                  any(b[1] == r.min_col and b[2] == r.max_col for b in out), str(r))
    return out


def score_columns(head, block):
    """[(score name, value col, T col or None, change col)] of one instrument block."""
    name, first, last = block
    cols, c = [], first
    while c <= last:
        score = head[c - 1]
        check(f"{name}: each score column is named after the score, in words",
              isinstance(score, str) and score.strip() and score not in ("T score", "Change")
              and "_" not in score, repr(score))
        t = c + 1 if c + 1 <= last and head[c] == "T score" else None
        ch = (t or c) + 1
        check(f"{name}: each score is followed by [T score and] Change",
              ch <= last and head[ch - 1] == "Change", repr(head[first - 1:last]))
        cols.append((score, c, t, ch))
        c = ch + 1
    check(f"{name}: T columns are shown for every score of an instrument or for none",
          len({t is None for _, _, t, _ in cols}) == 1, repr(cols))
    return cols


def change_cell(cell, value_cell, notes_used, unusable=False):
    """The change cell's (kind, footnote) after checking its number format; kind is a MARKS value,
    'dash' for '–' (no change to show) or None for an empty cell. `unusable`: the client's latest
    form of the instrument is not usable (greyed), so a change shown runs to the last usable form
    and says so in a footnote, whatever its mark."""
    v = cell.value
    if v is None:
        return None, ""
    if isinstance(v, str):
        m = re.fullmatch(rf"{EN_DASH}([{SUPERSCRIPTS}]?)", v)
        check("a change that cannot be shown is '\u2013' with a footnote mark", m is not None
              and m.group(1), f"{cell.coordinate}={v!r}")
        notes_used.add(m.group(1))
        return "dash", m.group(1)
    check("a change is a number (sortable), its mark in the number format", is_number(v),
          f"{cell.coordinate}={v!r}")
    m = CHANGE_FORMAT.match(cell.number_format)
    check("a change's number format is '<mark>+0.00<footnote>;<mark>-0.00..;<mark>0.00..'",
          m is not None and m.group(1) in MARKS, f"{cell.coordinate} '{cell.number_format}'")
    kind, digits, sup = MARKS[m.group(1)], m.group(2), m.group(3)
    check("a change's footnote mark is one superscript digit or none",
          sup == "" or (len(sup) == 1 and sup in SUPERSCRIPTS), repr(sup))
    check("a change without a reliable-change mark has a footnote saying why",
          kind != "plain" or sup, f"{cell.coordinate} '{cell.number_format}'")
    check("a change with a reliable-change mark needs no footnote (but one beside a form not "
          "usable: it runs to the last usable form)", kind == "plain" or not sup or unusable,
          f"{cell.coordinate} '{cell.number_format}'")
    check("a change beside a latest form not usable has a footnote saying what it runs between",
          not unusable or sup, f"{cell.coordinate} '{cell.number_format}'")
    if sup:
        notes_used.add(sup)
    if value_cell.value is not None and value_cell.number_format == "0.00":
        check("a mean's change shows 2 decimals like the mean", digits == "0.00",
              f"{cell.coordinate} '{cell.number_format}'")
    if kind == "improvement":
        check("a reliable improvement is green", font_rgb(cell) == "006100", cell.coordinate)
    if kind == "deterioration":
        check("a reliable deterioration is red and bold",
              font_rgb(cell) == "9C0006" and cell.font.b, cell.coordinate)
    if kind in ("plain", "none"):
        check("a change that is not reliable has no colour",
              font_rgb(cell) not in ("006100", "9C0006"), cell.coordinate)
    return kind, sup


def summary_layout(wb, sections=None):
    """The Summary's layout; returns a dict: title, through, made, overdue_days, pending (forms
    waiting), blocks, clients (a dict per client row, in order), sections, footnotes."""
    ws = wb["Summary"]
    title = ws["A1"].value
    check("Summary starts with the workbook title", isinstance(title, str) and title.strip())
    m = DATA_LINE.match(ws["A2"].value or "")
    check("Summary's second line is 'Data through DATE \u00b7 made DATE'", m, repr(ws["A2"].value))
    through = m.group(1) if m.group(1) != "(no dates)" else None
    made = words_date(m.group(2)) if m.group(2) != "(no run yet)" else None
    check("Summary carries the screening-aid disclaimer above the table", ws["A3"].value == DISCLAIMER,
          repr(ws["A3"].value))
    notes = ws["A4"].value or ""
    m = re.search(r"(?:^|\. )(\d+) (clients?): needing attention first .*then not assessed for "
                  r"(\d+) days or more, then the rest\.", notes)
    check("Summary's notes say how many clients it lists and the order (attention, overdue, rest)",
          m, repr(notes))
    nclients, overdue_days = int(m.group(1)), int(m.group(3))
    check("one client is 'client', others 'clients'", (nclients == 1) == (m.group(2) == "client"),
          repr(notes))
    q = re.match(r"^(\d+) forms? received could not be scored yet: ask your administrator\. ", notes)
    waiting = int(q.group(1)) if q else 0
    check("the count of forms waiting is never 0 when said", q is None or waiting > 0, notes)
    check("Summary's notes explain the change marks in words",
          all(x in notes for x in ("\u25b2 reliable improvement", "\u25bc reliable deterioration",
                                    "\u25cf no reliable change")), notes)
    head = row_values(ws, 6)
    while head and head[-1] is None:
        head.pop()
    check("Summary's header begins Client, Group, Last assessed, Days since, Needs attention "
          "because", head[:5] == SUMMARY_FIXED, repr(head[:5]))
    ncols = len(head)
    for c in range(1, ncols + 1):
        check("every Summary header cell is bold", ws.cell(row=6, column=c).font.b,
              get_column_letter(c))
    blocks = instrument_blocks(ws, ncols)
    cols = {b[0]: score_columns(head, b) for b in blocks}
    check("every instrument appears once in row 5", len(cols) == len(blocks), repr(blocks))
    check("Summary freezes the header rows and the Client column", ws.freeze_panes == "B7",
          repr(ws.freeze_panes))

    clients, secs, notes_used, r = [], [], set(), 7
    current = None
    while r <= ws.max_row and ws.cell(row=r, column=1).value is not None:
        a, b = ws.cell(row=r, column=1), ws.cell(row=r, column=2).value
        if b is None:  # a section heading
            m = SECTION.match(a.value) if isinstance(a.value, str) else None
            check("a Summary row without a group is a section heading 'Group G \u00b7 N clients'",
                  m and a.font.b, f"row {r}: {a.value!r}")
            current = {"row": r, "group": m.group(1), "n": int(m.group(2)), "clients": []}
            secs.append(current)
            r += 1
            continue
        check("every client row names a client as literal text", a.data_type == "s"
              and a.value.strip(), f"A{r}: {a.data_type} {a.value!r}")
        check("every client row has a group (or '(no group)')", isinstance(b, str) and b.strip(),
              f"B{r}")
        last, days, why = (ws.cell(row=r, column=c) for c in (3, 4, 5))
        check("Last assessed is a date cell or empty", last.value is None or is_date_cell(last),
              f"C{r}: {last.value!r} '{last.number_format}'")
        check("Days since is a whole number of days or empty",
              days.value is None or (is_number(days.value) and days.value == int(days.value)
                                     and days.value >= 0), f"D{r}: {days.value!r}")
        if days.value is not None:
            check("Days since is counted from Last assessed to the made date",
                  last.value is not None and made is not None
                  and (made - day_of(last.value)).days == days.value,
                  f"row {r}: {last.value} to {made} is not {days.value}")
        elif last.value is not None and made is not None:
            check("Days since is given whenever the last date and the made date are known "
                  "(and in order)", day_of(last.value) > made, f"row {r}")
        overdue = days.value is not None and days.value >= overdue_days
        reasons = why.value or ""
        check("Needs attention because is text or empty", why.value is None
              or why.data_type == "s", f"E{r}")
        check("an overdue client says so in words, and only an overdue one",
              (f"not assessed for {int(days.value)} days" in reasons) == overdue
              if days.value is not None else "not assessed for" not in reasons, f"row {r}: {reasons!r}")
        check("an overdue client's days are bold", not overdue or days.font.b, f"D{r}")
        row = {"row": r, "client": a.value, "group": b, "last": day_of(last.value) if last.value
               else None, "days": days.value, "why": reasons, "overdue": overdue, "link": None,
               "values": {}, "changes": {}, "grey": set(), "section": current}
        if a.hyperlink is not None:
            row["link"] = a.hyperlink.location
        for name, sc in cols.items():
            inst_grey = any(font_rgb(ws.cell(row=r, column=vc)) == "9A9A9A"
                            for _, vc, _, _ in sc if ws.cell(row=r, column=vc).value is not None)
            for score, vc, tc, cc in sc:
                val, t, chg = (ws.cell(row=r, column=c) if c else None for c in (vc, tc, cc))
                check("a score value is a number or empty (never text)",
                      val.value is None or is_number(val.value), f"{val.coordinate}={val.value!r}")
                if val.value is not None:
                    check("a value shows 2 decimals (mean) or 0 or 1 (sum; 1 when prorated)",
                          val.number_format in ("0", "0.0", "0.00"),
                          f"{val.coordinate} '{val.number_format}'")
                    check("a value shown whole is whole", val.number_format != "0"
                          or val.value == int(val.value), f"{val.coordinate}={val.value!r}")
                if t is not None and t.value is not None:
                    check("a T score is a whole-number display", is_number(t.value)
                          and t.number_format == "0", f"{t.coordinate}")
                grey = font_rgb(val) == "9A9A9A" and bool(val.font.i)
                if grey:
                    row["grey"].add(name)
                kind, sup = change_cell(chg, val, notes_used, inst_grey)
                row["values"][(name, score)] = val.value
                row["changes"][(name, score)] = (chg.value, kind, sup)
        for name, sc in cols.items():
            greyed = {font_rgb(ws.cell(row=r, column=vc)) == "9A9A9A" for _, vc, _, _ in sc
                      if ws.cell(row=r, column=vc).value is not None}
            check("an instrument's values are greyed all together or not at all", len(greyed) <= 1,
                  f"row {r} {name}")
            unusable = f"latest {name} form not usable: " in reasons
            check("greyed values (a form not usable) come with the reason in words, and only then",
                  (name in row["grey"]) == unusable or (unusable and not greyed),
                  f"row {r} {name}: {reasons!r}")
            if unusable:
                check("a form not usable is never used for change: its changes are '\u2013', or "
                      "run to the last usable form with a footnote saying so",
                      all(row["changes"][(name, s)][1] in ("dash", None)
                          or row["changes"][(name, s)][2] for s, _, _, _ in sc), f"row {r} {name}")
            det = [s for s, _, _, _ in sc if row["changes"][(name, s)][1] == "deterioration"]
            if det:
                # Two scores at most by name; more are counted (the red cells beside name them).
                said = ", ".join(det) if len(det) <= 2 else f"{len(det)} scores"
                check("a reliable deterioration is said in words with its scores",
                      f"reliable deterioration on {name}: " + said in reasons,
                      f"row {r}: {reasons!r}")
        row["attention"] = bool(re.search(r" \((?:high|medium|low)(?:, new)?\)", reasons)
                                or "reliable deterioration on " in reasons
                                or "form not usable: " in reasons)
        clients.append(row)
        if current is not None:
            current["clients"].append(row)
        r += 1
    last_row = r - 1
    check("Summary has one row per client, never two",
          len({c["client"] for c in clients}) == len(clients), repr([c["client"] for c in clients]))
    check("Summary's notes count its clients", nclients == len(clients),
          f"{nclients} vs {len(clients)}")

    def rank(c):
        return 0 if c["attention"] else 1 if c["overdue"] else 2
    groups = [s["clients"] for s in secs] if secs else [clients]
    for g in groups:
        ranks = [rank(c) for c in g]
        check("clients needing attention come first, then overdue ones, then the rest",
              ranks == sorted(ranks), repr([(c["client"], rank(c)) for c in g]))
    if sections is not None:
        check("Summary has group sections exactly when the config asks for them",
              bool(secs) == sections, f"{len(secs)} sections")
    if secs:
        check("sections have a heading before their first client", clients[0]["section"] is secs[0])
        for s in secs:
            check("a section's heading counts its clients", s["n"] == len(s["clients"]),
                  f"{s['group']}: {s['n']} vs {len(s['clients'])}")
            check("a section holds the clients of its group",
                  all(c["group"] == s["group"] for c in s["clients"]), s["group"])
        check("each group has one section", len({s["group"] for s in secs}) == len(secs))
        check("with sections the table has no autofilter (headings would be filtered)",
              not ws.auto_filter.ref, repr(ws.auto_filter.ref))
    elif clients:
        check("Summary's autofilter covers the header and every client row",
              ws.auto_filter.ref == f"A6:{get_column_letter(ncols)}{last_row}",
              repr(ws.auto_filter.ref))
    for c in clients:
        if c["link"] is not None:
            m = re.fullmatch(r"'?Trends'?!\$?A\$?(\d+)", c["link"] or "")
            check("a client cell links to the client's block on Trends", m, repr(c["link"]))
            check("the link lands on the client's heading on Trends",
                  wb["Trends"].cell(row=int(m.group(1)), column=1).value == c["client"], c["link"])

    # Footnotes: below the table after a blank row, numbered in order, each one used.
    foot, r = {}, last_row + 2
    while r <= ws.max_row and isinstance(ws.cell(row=r, column=1).value, str):
        text = ws.cell(row=r, column=1).value
        check("footnotes below the table start with their number", text[0] in SUPERSCRIPTS,
              f"A{r}={text!r}")
        foot[text[0]] = text[1:].strip()
        r += 1
    check("footnotes are numbered 1, 2, 3 ... in order",
          "".join(foot) == SUPERSCRIPTS[:len(foot)], repr("".join(foot)))
    check("every footnote mark in the table has its footnote, and every footnote is used",
          set(foot) == notes_used, f"{sorted(notes_used)} vs {sorted(foot)}")
    for sup, text in foot.items():
        check("a footnote is a sentence in words about a change (why it has no reliable-change "
              "mark, or none is shown, or what it runs between)",
              text[:1].isupper() and text.endswith(".") and "change" in text.lower()
              and not SNAKE_ID.search(text), repr(text))

    # Print: landscape, key columns readable (one page wide at 75% or more, or 75% with the
    # Client column repeated).
    ps = ws.page_setup
    check("Summary prints landscape", ps.orientation == "landscape", repr(ps.orientation))
    fit = ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
    if fit:
        check("Summary fits one page wide", str(ps.fitToWidth) in ("None", "1")
              and str(ps.fitToHeight) == "0", f"{ps.fitToWidth} x {ps.fitToHeight}")
    else:
        # The body font is 11 pt: 75% prints it at 8.25 pt.
        check("Summary prints at 75% or more (no text below 8 pt), the Client column repeated",
              ps.scale is not None and int(ps.scale) >= 75 and ws.print_title_cols == "$A:$A",
              f"{ps.scale} {ws.print_title_cols}")
    return {"title": title, "through": through, "made": made, "overdue_days": overdue_days,
            "waiting": waiting, "blocks": blocks, "cols": cols, "clients": clients,
            "sections": secs, "footnotes": foot, "head": head}


# ---- Flags ----------------------------------------------------------------------------------------

def flags_layout(wb):
    """The Flags sheet; returns {"rows": [dict], "cleared": [dict]}."""
    ws = wb["Flags"]
    check("Flags starts with its title", ws["A1"].value == "Flags", repr(ws["A1"].value))
    hdr = header_row(ws, "Client")
    check("Flags' header is at row 4", hdr == 4, repr(hdr))
    check("Flags' header is Client, Group, Instrument, Flag, Severity, Status, Values, "
          "Why it matters, Form of", row_values(ws, hdr, 1, 9) == FLAGS_HEAD,
          repr(row_values(ws, hdr, 1, 9)))
    check("Flags freezes the header row and the Client column", ws.freeze_panes == f"B{hdr + 1}",
          repr(ws.freeze_panes))
    rows = []
    for r in table(ws, hdr):
        v = row_values(ws, r, 1, 9)
        if len(rows) == 0 and v[0] == "No flag is raised on any client's latest form.":
            check("the no-flag line stands alone", all(x is None for x in v[1:]), repr(v))
            break
        for i in range(4):
            check(f"every flag names its {FLAGS_HEAD[i].lower()}", isinstance(v[i], str) and v[i],
                  f"row {r}")
        check("every client on Flags is literal text", ws.cell(row=r, column=1).data_type == "s",
              f"A{r}")
        sev, status = v[4], v[5]
        check("Severity is High, Medium or Low in words (none when the flag could not be checked)",
              sev in ("High", "Medium", "Low", None), f"E{r}={sev!r}")
        m = CONTINUING.match(status or "")
        check("Status is 'New', 'Continuing since DATE' or 'Could not be checked'",
              status in ("New", "Could not be checked") or m, f"F{r}={status!r}")
        check("a flag without a severity is one that could not be checked, and only it",
              (sev is None) == (status == "Could not be checked"), f"row {r}")
        check("every flag says its values in words", isinstance(v[6], str) and v[6].strip(),
              f"G{r}")
        form = ws.cell(row=r, column=9)
        check("Form of is a date cell or empty", form.value is None or is_date_cell(form),
              f"I{r}: {form.value!r} '{form.number_format}'")
        since = words_date(m.group(1)) if m else None
        if since and form.value is not None:
            check("a continuing flag started on or before this form", since <= day_of(form.value),
                  f"row {r}: since {since}, form of {form.value}")
        rows.append({"row": r, "client": v[0], "group": v[1], "instrument": v[2], "flag": v[3],
                     "severity": sev, "status": status, "since": since, "values": v[6],
                     "why": v[7], "form": day_of(form.value) if form.value else None})
    ranks = [SEVERITY_RANK[x["severity"]] for x in rows]
    check("Flags lists high severity first, then medium, low, and those not checked",
          ranks == sorted(ranks, reverse=True), repr(ranks))
    last = hdr + max(len(rows), 1)
    check("Flags' autofilter covers the header and every flag",
          ws.auto_filter.ref == f"A{hdr}:I{last}", repr(ws.auto_filter.ref))
    if rows:
        text = " ".join(" ".join(f) for _, f in cf_rules(ws))
        check("Flags colours severities and New with conditional formats that follow the cells",
              all(f'"{w}"' in text for w in ("High", "Medium", "Low", "New")), text)
    # The cleared section.
    r = last + 2
    check("below the flags, a section 'Cleared since the last report'",
          ws.cell(row=r, column=1).value == "Cleared since the last report",
          f"A{r}={ws.cell(row=r, column=1).value!r}")
    cleared = []
    nxt = ws.cell(row=r + 1, column=1).value
    if nxt == "No flag was cleared since the last report.":
        check("nothing follows 'No flag was cleared'", r + 1 == ws.max_row, f"{ws.max_row}")
    else:
        h = r + 2
        check("the cleared section's header is Client, Group, Instrument, Flag, Last raised, "
              "Cleared by the form of", row_values(ws, h, 1, 6) == CLEARED_HEAD,
              repr(row_values(ws, h, 1, 6)))
        for y in table(ws, h):
            v = row_values(ws, y, 1, 6)
            for i in range(4):
                check(f"every cleared flag names its {CLEARED_HEAD[i].lower()}",
                      isinstance(v[i], str) and v[i], f"row {y}")
            raised_, by = ws.cell(row=y, column=5), ws.cell(row=y, column=6)
            for c in (raised_, by):
                check("a cleared flag's dates are date cells (or empty when undated)",
                      c.value is None or is_date_cell(c), f"{c.coordinate}={c.value!r}")
            if raised_.value is not None and by.value is not None:
                check("a flag is cleared by a form after the one that last raised it",
                      day_of(raised_.value) < day_of(by.value), f"row {y}")
            cleared.append({"client": v[0], "group": v[1], "instrument": v[2], "flag": v[3],
                            "last_raised": day_of(raised_.value) if raised_.value else None,
                            "cleared_by": day_of(by.value) if by.value else None})
        check("a cleared section has rows (else it says none was cleared)", cleared)
    return {"rows": rows, "cleared": cleared}


def summary_and_flags_agree(summary, flags):
    by_client = {c["client"]: c for c in summary["clients"]}
    names = {b[0] for b in summary["blocks"]}
    for f in flags["rows"] + flags["cleared"]:
        c = by_client.get(f["client"])
        check("every client on Flags is on the Summary", c is not None, repr(f["client"]))
        check("a client's group is the same on Flags and Summary", f["group"] == c["group"],
              f"{f['client']}: {f['group']!r} vs {c['group']!r}")
        check("Flags names instruments as the Summary does", f["instrument"] in names,
              repr(f["instrument"]))
    for f in flags["rows"]:
        c = by_client[f["client"]]
        if f["severity"] is None:
            continue
        check("a client with a raised flag needs attention on the Summary", c["attention"],
              f["client"])
        if f["flag"] in VALIDITY_FLAGS:
            check("a careless or invalid latest form is said on the Summary with the same words",
                  f"latest {f['instrument']} form not usable: " in c["why"]
                  and f["values"] in c["why"], f"{f['client']}: {c['why']!r} / {f['values']!r}")
            check("a careless or invalid latest form's values are greyed on the Summary",
                  f["instrument"] in c["grey"] or all(
                      v is None for (n, _), v in c["values"].items() if n == f["instrument"]),
                  f["client"])
        else:
            said = f"{f['flag']} ({f['severity'].lower()}{', new' if f['status'] == 'New' else ''})"
            check("the Summary names each raised flag with its severity, and 'new' as Flags does",
                  said in c["why"], f"{f['client']}: {said!r} not in {c['why']!r}")
        if c["last"] is not None and f["form"] is not None:
            check("a flag's form is no later than the client's last assessment",
                  f["form"] <= c["last"], f["client"])
    raised_ = {(f["client"]) for f in flags["rows"] if f["severity"]}
    for c in summary["clients"]:
        flagged = bool(re.search(r" \((?:high|medium|low)(?:, new)?\)", c["why"]))
        check("a client whose reasons name a flag has it on Flags",
              not flagged or c["client"] in raised_, c["client"])


# ---- Trends (second edition: check_trends.py), Groups, Items, About ---------------------------

def chart_checks(wb, charts, sheet, min_points):
    """Every series of every chart on `sheet` points at existing, equally long ranges holding
    numbers (or gaps) and named cells; returns [(title, [(name, npoints)])]."""
    out = []
    for ch in charts.get(sheet, []):
        check(f"every {sheet} chart takes its title from a cell", ch["title"] is not None, ch["part"])
        tcells = ref_cells(wb, ch["title"])
        title = tcells[0].value
        check(f"every {sheet} chart title cell holds text", isinstance(title, str) and title,
              ch["title"])
        tsheet, tc, tr, _, _ = parse_ref(ch["title"])
        check(f"every {sheet} chart's title is the caption just above it",
              tsheet == sheet and ch["at"] == (tr + 1, tc), f"{ch['title']} vs anchor {ch['at']}")
        check(f"every {sheet} chart has at least one series", len(ch["series"]) > 0, ch["part"])
        series = []
        for s in ch["series"]:
            check(f"every {sheet} series has values, categories and a name",
                  s["val"] and s["cat"] and s["name"], repr(s))
            vals, cats = ref_cells(wb, s["val"]), ref_cells(wb, s["cat"])
            check(f"{sheet} series values and categories have the same number of points",
                  len(vals) == len(cats), repr(s))
            check(f"{sheet} series have at least {min_points} points", len(vals) >= min_points,
                  repr(s))
            for v in vals:
                check(f"{sheet} series values are numbers or gaps",
                      v.value is None or is_number(v.value), f"{v.coordinate}={v.value!r}")
            for c in cats:
                check(f"{sheet} series categories are filled", c.value is not None, c.coordinate)
            name = ref_cells(wb, s["name"])[0].value
            check(f"{sheet} series names are text", isinstance(name, str) and name, s["name"])
            series.append((name, len(vals)))
        out.append((title, series))
    return out


def trends_layout(wb, path):
    """Trends, read from its XML parts by check_trends.py (pages, charts, blocks)."""
    check("TrendData is hidden", wb["TrendData"].sheet_state == "hidden")
    sys.path.insert(0, posixpath.dirname(posixpath.abspath(__file__)))
    import check_trends
    try:
        return check_trends.check_book(path)
    except check_trends.Failure as e:
        raise Failure(f"Trends: {e}")


def groups_layout(wb, charts):
    """Groups: one section per group (by name, "(no group)" last), each with a month table per
    instrument and a "Baseline and latest" table. Returns {heading: {"line": the counts line,
    "months": {(instrument name, "YYYY-MM"): [(mean, n) per score]}, "base": {label: [cells]}}}
    in sheet order."""
    ws = wb["Groups"]
    check("Groups has no charts", not charts.get("Groups"), repr(charts.get("Groups")))
    sections = {}
    cur = None
    r = 2
    while r <= ws.max_row:
        a = ws.cell(row=r, column=1)
        v = a.value
        if isinstance(v, str) and a.font is not None and a.font.sz == 14:
            check("a Groups section heading is 'Group NAME' or '(no group)'",
                  v.startswith("Group ") or v == "(no group)", repr(v))
            cur = sections[v] = {"line": ws.cell(row=r + 1, column=1).value, "months": {},
                                 "base": {}}
            r += 2
            continue
        if cur is not None and isinstance(v, str) and v.endswith(": monthly means"):
            inst = v[: -len(": monthly means")]
            nscores = 0
            while ws.cell(row=r + 1, column=2 + 2 * nscores).value is not None:
                nscores += 1
            check("a month table names its scores over Mean and n", nscores > 0, f"row {r + 1}")
            check("a month table's header is Month, then Mean and n per score",
                  row_values(ws, r + 2, 1, 1 + 2 * nscores) ==
                  GROUPS_MONTH_HEAD + GROUPS_MONTH_HEAD[1:] * (nscores - 1),
                  repr(row_values(ws, r + 2, 1, 1 + 2 * nscores)))
            r += 3
            while r <= ws.max_row and ws.cell(row=r, column=1).is_date:
                m = ws.cell(row=r, column=1)
                check("a month is the 1st of the month shown as 'mmm yyyy'",
                      m.value.day == 1 and m.number_format == "mmm yyyy", f"row {r}")
                cells = []
                for k in range(nscores):
                    mean, n = ws.cell(row=r, column=2 + 2 * k).value, ws.cell(row=r, column=3 + 2 * k).value
                    check("n is a count", isinstance(n, int) or (is_number(n) and n == int(n)),
                          f"row {r}")
                    check("a mean of fewer than 3 forms is hidden, one of 3 or more shown",
                          mean == EN_DASH if n < 3 else is_number(mean), f"row {r}: {mean!r}, n {n}")
                    cells.append((mean, n))
                cur["months"][(inst, m.value.strftime("%Y-%m"))] = cells
                r += 1
            continue
        if cur is not None and v == "Baseline and latest":
            check("the baseline table's header", row_values(ws, r + 1, 1, 7) == GROUPS_BASE_HEAD,
                  repr(row_values(ws, r + 1, 1, 7)))
            r += 2
            while r <= ws.max_row and isinstance(ws.cell(row=r, column=1).value, str) and \
                    not ws.cell(row=r, column=1).font.i:
                cur["base"][ws.cell(row=r, column=1).value] = row_values(ws, r, 2, 7)
                r += 1
            continue
        r += 1
    names = list(sections)
    plain = [n for n in names if n != "(no group)"]
    check("Groups' sections are sorted by name, '(no group)' last",
          names == sorted(plain) + (["(no group)"] if "(no group)" in names else []), repr(names))
    return sections

def items_layout(wb):
    ws = wb["Items"]
    hdr = header_row(ws, "Client")
    head = row_values(ws, hdr)
    check("Items' header is Client, Instrument, Date, Unanswered, Longest same-answer run, "
          "Answer spread, then item numbers",
          head[:6] == ["Client", "Instrument", "Date", "Unanswered", "Longest same-answer run",
                       "Answer spread"]
          and head[6:] == [str(i) for i in range(1, len(head) - 5)], repr(head))
    legend = [ws.cell(row=r, column=c).value for r in range(1, hdr) for c in (1, 2, 3)]
    check("Items explains reverse keys and blanks in a legend",
          "Legend" in legend and any(isinstance(v, str) and "reverse-keyed" in v for v in legend)
          and "\u2014" in legend, repr(legend))
    rows = table(ws, hdr)
    for r in rows:
        d = ws.cell(row=r, column=3)
        check("Items' dates are date cells", d.value is None or (d.is_date and d.number_format ==
                                                                  "d mmm yyyy"), f"row {r}")
        for c in range(7, len(head) + 1):
            v = ws.cell(row=r, column=c).value
            check("answers are numbers, '\u2014' (no answer) or empty",
                  v is None or v == "\u2014" or is_number(v), f"{ws.cell(row=r, column=c).coordinate}={v!r}")
    check("Items freezes its header", ws.freeze_panes == f"B{hdr + 1}", repr(ws.freeze_panes))
    return hdr, rows


def about_layout(wb):
    ws = wb["About"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    check("About carries the disclaimer", DISCLAIMER in texts)
    for label in ("Data through", "Made", "qscore version", "Run number", "Instruments and norms",
                  "Flag rules", "Input files"):
        check(f"About has '{label}'", label in texts)
    hdr = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=3).value == "SHA-256")
    shas = [ws.cell(row=r, column=3).value for r in range(hdr + 1, ws.max_row + 1)
            if ws.cell(row=r, column=3).value is not None]
    for s in shas:
        check("every input file's SHA-256 is 64 hex digits", bool(re.fullmatch(r"[0-9a-f]{64}", s or "")),
              repr(s))
    return texts, shas


def core_properties(path):
    z = zipfile.ZipFile(path)
    core = z.read("docProps/core.xml").decode()
    m = re.search(r"<dcterms:created[^>]*>([^<]+)<", core)
    check("the workbook records a creation time", m is not None)
    return m.group(1)


# ---- checks for the unit test's synthetic report ----------------------------------------------

D = datetime.date
# Clients in the builder's order: attention (a raised flag, a reliable deterioration, a form not
# usable), then overdue, then the rest; each by client.
CLIENTS = ["+1-2", INJECT, "C001", "C005", ACCENTED, "C006"]
NOTE_UNUSABLE_RUNS = ("The latest form is not usable, so the change runs from the first to the "
                      "last usable form")
NOTE_UNUSABLE_NONE = "The latest form is not usable and no two usable forms remain: no change shown"
NOTE_NO_RELIABILITY = ("No published reliability for this score: change shown without a "
                       "reliable-change test")


def fixture_summary(wb, s):
    ws = wb["Summary"]
    check("the title is the report's", s["title"] == "Therapist T-A")
    check("Summary's dates: data through and made, in words",
          ws["A2"].value == "Data through 1 Apr 2026 \u00b7 made 15 Apr 2026", repr(ws["A2"].value))
    check("the forms waiting for a fix are this workbook's clients' (3), not the clinic's (5)",
          s["waiting"] == 3, repr(ws["A4"].value))
    check("overdue is the report's overdue_days (45)", s["overdue_days"] == 45)
    check("row 5 names the instruments (their names, not ids) over their columns",
          [(n, get_column_letter(a), get_column_letter(b)) for n, a, b in s["blocks"]]
          == [("Synthetic A", "F", "K"), ("Synthetic B", "L", "M")], repr(s["blocks"]))
    check("score columns are the scores' names, T only with a norm, each with its change",
          s["head"][5:] == ["Alpha", "T score", "Change", "Beta", "T score", "Change", "Sigma",
                            "Change"], repr(s["head"][5:]))
    rows = s["clients"]
    check("one row per client, in the builder's order", [c["client"] for c in rows] == CLIENTS,
          repr([c["client"] for c in rows]))
    by = {c["client"]: c for c in rows}
    for name in (INJECT, "+1-2"):
        cell = ws.cell(row=by[name]["row"], column=1)
        check("client ids that look like formulas are literal strings",
              cell.data_type == "s" and cell.value == name, f"{cell.coordinate}: {cell.data_type}")
    check("groups as written: CJK, RTL, and '(no group)' for none",
          [c["group"] for c in rows] == [RTL_GROUP, CJK_GROUP, "G1", "G1", "(no group)", "G1"],
          repr([c["group"] for c in rows]))
    check("Last assessed is the latest form of any instrument, as a date",
          [c["last"] for c in rows] == [D(2026, 3, 9), D(2026, 3, 1), D(2026, 3, 2),
                                        D(2026, 2, 10), None, D(2026, 4, 1)],
          repr([c["last"] for c in rows]))
    check("Days since counts to the made date (15 Apr 2026); none without a date",
          [c["days"] for c in rows] == [37, 45, 44, 64, None, 14], repr([c["days"] for c in rows]))
    check("overdue at 45 days and more (not at 44)",
          [c["overdue"] for c in rows] == [False, True, False, True, False, False])
    check("attention: a raised flag, a reliable deterioration or a form not usable",
          [c["attention"] for c in rows] == [True, True, True, False, False, False])
    why = [c["why"] for c in rows]
    check("Needs attention because says why in words",
          why == ["latest Synthetic A form not usable: same answer to 6 items in a row",
                  "High sigma (medium, new); not assessed for 45 days",
                  "Low alpha (high); reliable deterioration on Synthetic A: Alpha",
                  "not assessed for 64 days", "", ""], repr(why))

    def cell(client, col):
        return ws.cell(row=by[client]["row"], column=column_index_from_string(col))

    c001 = {h: cell("C001", h) for h in "FGHIJKLM"}
    check("a mean is a number shown with 2 decimals", c001["F"].value == 1.67
          and c001["F"].number_format == "0.00", repr(c001["F"].value))
    check("a T score is a number shown whole", c001["G"].value == 36.7
          and c001["G"].number_format == "0")
    check("a reliable deterioration: \u25bc, red", c001["H"].value == -1.33
          and c001["H"].number_format.startswith('"\u25bc "+0.00'), c001["H"].number_format)
    check("no reliable change: \u25cf", c001["K"].value == -0.5
          and c001["K"].number_format.startswith('"\u25cf "+0.00'), c001["K"].number_format)
    check("a NaN T score is an empty cell", c001["J"].value is None)
    check("a prorated sum shows 1 decimal", c001["L"].value == 7.5
          and c001["L"].number_format == "0.0", c001["L"].number_format)
    check("a change without a reliability test: plain, signed, footnote \u00b3",
          c001["M"].value == -1.5 and c001["M"].number_format == '""+0.0"\u00b3";""-0.0"\u00b3";'
          '""0.0"\u00b3"', c001["M"].number_format)
    c005 = cell("C005", "H")
    check("a reliable improvement: \u25b2, green", c005.value == 1.0
          and c005.number_format.startswith('"\u25b2 "+0.00'), c005.number_format)
    c006 = {h: cell("C006", h) for h in "LM"}
    check("a whole sum shows no decimals", c006["L"].value == 6 and c006["L"].number_format == "0")
    check("the same reason shares its footnote", c006["M"].value == 2
          and c006["M"].number_format == '""+0"\u00b3";""-0"\u00b3";""0"\u00b3"',
          c006["M"].number_format)
    plus = {h: cell("+1-2", h) for h in "FGHIJK"}
    check("a careless latest form's values are greyed",
          plus["F"].value == 4.0 and font_rgb(plus["F"]) == "9A9A9A" and plus["F"].font.i
          and plus["G"].value == 70 and font_rgb(plus["G"]) == "9A9A9A")
    check("beside a careless latest form, the change runs between the usable forms, marked, with "
          "a footnote saying so (\u00b9)", plus["H"].value == 0.5
          and plus["H"].number_format == '"\u25cf "+0.00"\u00b9";"\u25cf "-0.00"\u00b9";'
          '"\u25cf "0.00"\u00b9"', f"{plus['H'].value!r} '{plus['H'].number_format}'")
    check("and with fewer than two usable forms it shows none: '\u2013\u00b2'",
          plus["K"].value == EN_DASH + "\u00b2", repr(plus["K"].value))
    check("a score too few items answered is empty", plus["I"].value is None)
    one = cell(INJECT, "M")
    check("a client with one form has no change and no footnote mark", one.value is None,
          repr(one.value))
    check("another instrument's columns stay empty",
          all(cell(INJECT, h).value is None for h in "FGHIJK")
          and all(cell("C005", h).value is None for h in "LM"))
    check("footnotes in words, numbered by first use; 'only one usable form' is not one, as no "
          "cell shows it", s["footnotes"] == {
              "\u00b9": f"{NOTE_UNUSABLE_RUNS}.", "\u00b2": f"{NOTE_UNUSABLE_NONE}.",
              "\u00b3": f"{NOTE_NO_RELIABILITY}."}, repr(s["footnotes"]))


def fixture_flags(wb, f):
    got = [(r["client"], r["group"], r["instrument"], r["flag"], r["severity"], r["status"])
           for r in f["rows"]]
    check("Flags: high first, then medium (in Summary's client order), then those not checked",
          got == [("C001", "G1", "Synthetic A", "Low alpha", "High", "Continuing since 2 Feb 2026"),
                  ("+1-2", RTL_GROUP, "Synthetic A", "Careless responding", "Medium", "New"),
                  (INJECT, CJK_GROUP, "Synthetic B", "High sigma", "Medium", "New"),
                  ("C001", "G1", "Synthetic A", "Beta and alpha", None, "Could not be checked")],
          repr(got))
    vals = [r["values"] for r in f["rows"]]
    check("values in words, with the cutoff and where it comes from",
          vals == ["Alpha 1.67 (cutoff \u2264 2.00, clinic default)",
                   "same answer to 6 items in a row",
                   "Sigma 10 (cutoff \u2265 9, clinic default)",
                   "a score this flag needs could not be computed"], repr(vals))
    check("why it matters is the flag's sentence; invalid UTF-8 shows as U+FFFD",
          f["rows"][0]["why"] == "alpha is low \ufffd" and f["rows"][2]["why"] == "sigma is high",
          repr(f["rows"][0]["why"]))
    check("Form of is the date of the form the flag is on",
          [r["form"] for r in f["rows"]] == [D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 1),
                                             D(2026, 3, 2)])
    ws = wb["Flags"]
    check("the formula-looking client is literal on Flags too",
          ws.cell(row=f["rows"][2]["row"], column=1).data_type == "s")
    cl = [(c["client"], c["instrument"], c["flag"], c["last_raised"], c["cleared_by"])
          for c in f["cleared"]]
    check("cleared flags: the flag, when it was last raised and the form that cleared it",
          cl == [("C001", "Synthetic B", "High sigma", D(2026, 1, 20), D(2026, 2, 20)),
                 ("C005", "Synthetic A", "Low alpha", D(2026, 1, 10), D(2026, 2, 10))], repr(cl))


def fixture_sections(wb, s):
    got = [(x["group"], x["n"], [c["client"] for c in x["clients"]]) for x in s["sections"]]
    check("sections by group, '(no group)' last, each in attention / overdue / rest order",
          got == [("G1", 3, ["C001", "C005", "C006"]), (RTL_GROUP, 1, ["+1-2"]),
                  (CJK_GROUP, 1, [INJECT]), ("(no group)", 1, [ACCENTED])], repr(got))
    ws = wb["Summary"]
    check("the first section heading is right below the header", ws["A7"].value ==
          "Group G1 \u00b7 3 clients", repr(ws["A7"].value))
    check("one client is 'client'", ws.cell(row=s["sections"][1]["row"], column=1).value ==
          f"Group {RTL_GROUP} \u00b7 1 client")


def fixture_trends(trends, s):
    """Trends' second edition (tests/workbook/check_trends.py checks its pages and charts)."""
    blocks = [b[0] for b in trends["blocks"]]
    check("Trends has a block per client with a dated form, in Summary's order",
          blocks == ["+1-2", INJECT, "C001", "C005", "C006"], repr(blocks))
    check("Trends says who has no dated form to chart (the accented client's one form is undated)",
          trends["cells"].get((2, 0)) == "1 client has no dated form to chart.",
          repr(trends["cells"].get((2, 0))))
    check("a chart per instrument of the client's: C001 has two, the others one",
          [len(b[2]) for b in trends["blocks"]] == [1, 1, 2, 1, 1],
          repr([len(b[2]) for b in trends["blocks"]]))
    c001 = {x["name"]: x for x in trends["blocks"][2][2][0]["series"]}
    check("a trend chart has a line per score and the cutoff of the one-score flag rule",
          {"Alpha", "Beta", "Alpha cutoff 2.00"} <= set(c001), repr(sorted(c001)))
    check("trend charts have one point per dated form, at its date (a time of day dropped)",
          c001["Alpha"]["x"] == [46027.0, 46055.0, 46083.0], repr(c001["Alpha"]["x"]))
    check("the forms C001's flag was raised on show its Alpha red",
          c001.get("Alpha: flagged", {}).get("y") == [None, 2.5, 1.67],
          repr(c001.get("Alpha: flagged")))
    check("the cutoff is a constant line", c001["Alpha cutoff 2.00"]["y"] == [2.0, 2.0],
          repr(c001["Alpha cutoff 2.00"]["y"]))
    plus = {x["name"]: x for x in trends["blocks"][0][2][0]["series"]}
    check("a careless form is a ring off the score's line",
          plus["Alpha"]["y"] == [4.0, 4.5, None]
          and plus.get("Alpha: form not usable", {}).get("y") == [None, None, 4.0],
          repr((plus["Alpha"]["y"], plus.get("Alpha: form not usable"))))
    links = {c["client"]: c["link"] for c in s["clients"]}
    check("every client with a block is linked from the Summary; the one without is not",
          [k for k, v in links.items() if v is not None] == blocks, repr(links))


def fixture_groups(g):
    check("Groups has a section per group, by name, '(no group)' last",
          list(g) == ["Group G1", "Group " + RTL_GROUP, "Group " + CJK_GROUP, "(no group)"],
          repr(list(g)))
    g1 = g["Group G1"]
    check("a month counts each client's form in it (G1 Synthetic A: Jan 2 and 2, Feb 2 and 1 as "
          "C001's Beta is missing, Mar 1 and 1)",
          [[n for _, n in g1["months"].get(("Synthetic A", m), [])] for m in
           ("2026-01", "2026-02", "2026-03")] == [[2, 2], [2, 1], [1, 1]], repr(g1["months"]))
    check("G1 Synthetic B: one form a month, January to April (C001, then C006)",
          [g1["months"].get(("Synthetic B", m)) for m in ("2026-01", "2026-02", "2026-03",
                                                         "2026-04")]
          == [[(EN_DASH, 1)]] * 4, repr(g1["months"]))
    check("means of fewer than 3 forms are hidden",
          all(mean == EN_DASH for cells in g1["months"].values() for mean, _ in cells))
    check("the counts line says how many usable forms and which months",
          g1["line"] == "9 usable forms, Jan 2026 to Apr 2026.", repr(g1["line"]))
    rtl = g["Group " + RTL_GROUP]
    check("a careless form is left out of the group's months, and the counts line says so",
          rtl["line"] == "2 usable forms, Jan 2026 to Feb 2026. 1 careless or invalid form is left "
                         "out." and ("Synthetic A", "2026-03") not in rtl["months"], repr(rtl))
    check("a group's forms go in its own section (CJK: Synthetic B, Mar 2026)",
          list(g["Group " + CJK_GROUP]["months"]) == [("Synthetic B", "2026-03")],
          repr(g["Group " + CJK_GROUP]["months"]))
    check("baseline and latest: G1 Synthetic A has 2 clients, 1 flagged",
          g1["base"].get("Synthetic A") == [2, None, None, None, None, 1], repr(g1["base"]))
    check("baseline and latest: Alpha reliably improved for C005, deteriorated for C001",
          g1["base"].get("Alpha") == [None, 1, 1, 0, 0, None], repr(g1["base"]))
    check("baseline and latest: Beta without reliable change for both",
          g1["base"].get("Beta") == [None, 0, 0, 2, 0, None], repr(g1["base"]))
    check("baseline and latest: Sigma has no reliability, so not testable for both",
          g1["base"].get("Synthetic B") == [2, None, None, None, None, 0]
          and g1["base"].get("Sigma") == [None, 0, 0, 0, 2, None], repr(g1["base"]))
    check("beside a careless latest form, the change between the usable forms counts (as the "
          "Summary shows it), and a careless form is no flag",
          rtl["base"].get("Alpha") == [None, 0, 0, 1, 0, None]
          and rtl["base"].get("Synthetic A") == [1, None, None, None, None, 0], repr(rtl["base"]))
    check("a client with one form is not testable, and flagged when its form raised a flag",
          g["Group " + CJK_GROUP]["base"].get("Synthetic B") == [1, None, None, None, None, 1]
          and g["Group " + CJK_GROUP]["base"].get("Sigma") == [None, 0, 0, 0, 1, None],
          repr(g["Group " + CJK_GROUP]["base"]))


def fixture(wb, path, summary, flags, trends, groups, items, about, sections):
    if sections:
        fixture_sections(wb, summary)
        return
    fixture_summary(wb, summary)
    fixture_flags(wb, flags)
    fixture_trends(trends, summary)
    fixture_groups(groups)
    iws = wb["Items"]
    ihdr, irows = items
    c001 = row_values(iws, irows[2], 1, 12)
    check("Items shows the latest raw answers with '\u2014' for no answer",
          c001[0] == "C001" and c001[6:] == [2, 4, "\u2014", 3, 3, 3], repr(c001))
    rev = iws.cell(row=irows[2], column=8)  # item 2 of syn-a is reverse-keyed
    plain = iws.cell(row=irows[2], column=7)
    check("reverse-keyed answers are marked (italic, tinted) and others are not",
          rev.font.i and rev.fill.fgColor.rgb not in (None, "00000000") and not plain.font.i)
    check("the formula-looking client is literal on Items too",
          iws.cell(row=irows[1], column=1).value == INJECT
          and iws.cell(row=irows[1], column=1).data_type == "s")
    check("Missing is a fraction shown as a percentage, rounded to what it shows",
          c001[3] == 0.17 and iws.cell(row=irows[2], column=4).number_format == "0%", repr(c001[3]))
    check("Items names the instrument in words and gives the date as a date cell",
          c001[1] == "Synthetic A" and c001[2].strftime("%Y-%m-%d") == "2026-03-02", repr(c001[:3]))
    texts, shas = about
    check("About lists both input files' SHA-256",
          shas == ["0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
                   "aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55aa55"], repr(shas))
    check("About names the norm population used", any("Population P" in t for t in texts))
    check("About says when no norm is confirmed", "none confirmed; flags use local defaults" in texts)
    check("About marks local default cutoffs", "local default cutoff, not a published norm" in texts)
    check("About gives every flag rule", all(x in texts for x in ("A <= 2", "A <= 2 and B <= 2", "S >= 9")))
    aws = wb["About"]
    pairs = [(aws.cell(row=r, column=1).value, aws.cell(row=r, column=2).value)
             for r in range(1, aws.max_row + 1)]
    about_ = dict(pairs)
    check("About shows the run number, the data-through and made dates in words",
          about_.get("Run number") == "7" and about_.get("Data through") == "1 Apr 2026"
          and about_.get("Made") == "15 Apr 2026", repr(about_))
    check("About says what reliable change means in words, never as a class name",
          any(t.startswith("Reliable deterioration") for t in texts)
          and not any(w in t for t in texts for w in ("reliable_", "not_computable",
                                                       "no_reliable_change")))
    check("About names instruments in words, their ids beside them",
          ("Synthetic A", "syn-a") in pairs and ("Synthetic B", "syn-b") in pairs, repr(pairs))
    check("the document's creation time is the report's", core_properties(path) == "2026-04-15T02:00:00Z",
          core_properties(path))


def main(argv):
    args = argv[1:]
    demo, sections = "--demo" in args, "--sections" in args
    paper = None
    for a in args:
        if a.startswith("--paper="):
            paper = a.split("=", 1)[1]
    files = [a for a in args if not a.startswith("--")]
    if len(files) != 1 or (paper and paper not in PAPER):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = files[0]
    STALE_PENDING_FAILS[0] = not demo
    try:
        wb = openpyxl.load_workbook(path)
        check("the sheets are Summary, Flags, Trends, Groups, Items, About and TrendData, in order",
              wb.sheetnames == SHEETS, repr(wb.sheetnames))
        charts = charts_by_sheet(path)
        summary = summary_layout(wb, sections if (sections or not demo) else None)
        size = any_workbook(wb, summary["title"], summary["through"], paper or
                            (None if demo else "a4"))
        flags = flags_layout(wb)
        summary_and_flags_agree(summary, flags)
        trends = trends_layout(wb, path)
        groups = groups_layout(wb, charts)
        items = items_layout(wb)
        about = about_layout(wb)
        seen = []
        for r in items[1]:
            v = wb["Items"].cell(row=r, column=1).value
            if v not in seen:
                seen.append(v)
        names = [c["client"] for c in summary["clients"]]
        if summary["sections"]:
            check("Items lists the Summary's clients", sorted(seen) == sorted(names))
        else:
            check("Items lists the Summary's clients in the Summary's order", seen == names,
                  f"{seen} vs {names}")
        core_properties(path)
        if not demo:
            fixture(wb, path, summary, flags, trends, groups, items, about, sections)
    except Failure as e:
        print(f"FAIL: {path}: {e}", file=sys.stderr)
        return 1
    print(f"ok: {path}: {len(summary['clients'])} clients, {len(flags['rows'])} flags, "
          f"{len(flags['cleared'])} cleared, {len(trends['charts'])} trend charts, {len(groups)} group "
          f"sections, paper {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
