#!/usr/bin/env python3
"""check_workbook.py - read a qscore therapist workbook back and check what a therapist relies on.

Usage: check_workbook.py [--demo] FILE.xlsx

Without --demo, FILE is the workbook written by tests/unit/test_workbook.c from its synthetic
report, and the exact values of that report are checked too. With --demo, only what holds for
any workbook is checked (tests/e2e/reports.sh runs it on the demo clinic's workbooks).

Charts are read from the XLSX parts themselves (xl/charts/chart*.xml, through the sheet and
drawing relationships), because openpyxl does not load charts back reliably. Each check has a
sentence for a name; the first failing one is printed and the exit status is 1.
"""
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
SUMMARY_FIXED = ["Client", "Group", "Instrument", "Date", "Flags", "Severity", "Validity"]
FLAGS_HEAD = ["Client", "Instrument", "Flag", "Severity", "Status", "Values", "Because",
              "First raised", "New in this run"]
GROUPS_MONTH_HEAD = ["Month", "Mean", "n"]
GROUPS_BASE_HEAD = ["Instrument and score", "Clients", "Reliably improved", "Reliably deteriorated",
                    "No reliable change", "Not testable", "Flagged"]
EN_DASH = "\u2013"
DISCLAIMER = ("Flags are screening aids for a clinician, never diagnoses. They say where to look, "
              "not what is wrong; read them with the client's history and the instrument's limits.")
SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1, None: 0}
INJECT = '=HYPERLINK("http://x","y")'
CJK_GROUP = "\u5c0f\u7ec4\u4e00"
RTL_GROUP = "\u0645\u062c\u0645\u0648\u0639\u0629"
ACCENTED = "C004 Zo\u00eb \u00c5ngstr\u00f6m"
DASH = " \u2014 "

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


# ---- checks for any workbook ------------------------------------------------------------------

def summary_layout(wb):
    ws = wb["Summary"]
    check("Summary starts with the workbook title", bool(ws["A1"].value))
    check("Summary carries the screening-aid disclaimer above the table", ws["A2"].value == DISCLAIMER,
          repr(ws["A2"].value))
    hdr = header_row(ws, "Client")
    head = row_values(ws, hdr)
    check("Summary's header begins Client, Group, Instrument, Date, Flags, Severity, Validity",
          head[:7] == SUMMARY_FIXED, repr(head[:7]))
    for h in head[7:]:
        check("every score column is named '<instrument> <score>' with T, change or RCI",
              isinstance(h, str) and len(h.split(" ")) in (2, 3), repr(h))
    ncols = len(head)
    rows = table(ws, hdr)
    check("Summary freezes the header row and the Client column",
          ws.freeze_panes == f"B{hdr + 1}", repr(ws.freeze_panes))
    last = hdr + len(rows)
    check("Summary's autofilter covers the header and every row",
          ws.auto_filter.ref == f"A{hdr}:{get_column_letter(ncols)}{last}", repr(ws.auto_filter.ref))
    ranks = [SEVERITY_RANK.get(ws.cell(row=r, column=6).value, -1) for r in rows]
    check("every Severity is high, medium, low or empty", min(ranks, default=0) >= 0, repr(ranks))
    check("Summary lists flagged rows first, high to low", ranks == sorted(ranks, reverse=True),
          repr(ranks))
    for r in rows:
        check("every Summary row names a client", ws.cell(row=r, column=1).data_type == "s")
        for c in range(8, ncols + 1):
            h, cell = head[c - 1], ws.cell(row=r, column=c)
            if h.endswith(" RCI"):
                check("RCI cells hold a class name or nothing",
                      cell.value is None or cell.data_type == "s", f"{cell.coordinate}={cell.value!r}")
            else:
                check("score, T and change cells hold numbers or nothing (never text)",
                      cell.value is None or is_number(cell.value), f"{cell.coordinate}={cell.value!r}")
        flagged = ws.cell(row=r, column=5).value is not None
        check("a row with flags has a severity and a row without has none",
              flagged == (ws.cell(row=r, column=6).value is not None), f"row {r}")
    rules = cf_rules(ws)
    text = " ".join(" ".join(f) for _, f in rules)
    if rows:  # an empty range takes no conditional format
        check("Summary colours severities high, medium and low with conditional formats",
              all(f'"{s}"' in text for s in ("high", "medium", "low")), repr(rules))
        check("Summary colours reliable deterioration with a conditional format",
              '"reliable_deterioration"' in text, repr(rules))
    check("Summary prints landscape, one page wide",
          ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (None, 1, "1")
          and ws.sheet_properties.pageSetUpPr.fitToPage, repr(ws.page_setup.orientation))
    return hdr, head, rows


def flags_layout(wb):
    ws = wb["Flags"]
    hdr = header_row(ws, "Client")
    check("Flags' header is Client, Instrument, Flag, Severity, Status, Values, Because, "
          "First raised, New in this run", row_values(ws, hdr, 1, 9) == FLAGS_HEAD,
          repr(row_values(ws, hdr, 1, 9)))
    rows = table(ws, hdr)
    check("Flags freezes the header row and the Client column", ws.freeze_panes == f"B{hdr + 1}",
          repr(ws.freeze_panes))
    check("Flags' autofilter covers the header and every flag",
          ws.auto_filter.ref == f"A{hdr}:I{hdr + len(rows)}", repr(ws.auto_filter.ref))
    for r in rows:
        check("every flag is raised or not evaluable",
              ws.cell(row=r, column=5).value in ("raised", "not_evaluable"), f"row {r}")
        check("New in this run says Yes or No", ws.cell(row=r, column=9).value in ("Yes", "No"))
        check("every flag has a severity",
              ws.cell(row=r, column=4).value in ("high", "medium", "low"), f"row {r}")
    if rows:
        text = " ".join(" ".join(f) for _, f in cf_rules(ws))
        check("Flags colours severities with conditional formats", '"high"' in text, text)
    return hdr, rows


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


def trends_layout(wb, charts):
    ws = wb["Trends"]
    check("TrendData is hidden", wb["TrendData"].sheet_state == "hidden")
    got = chart_checks(wb, charts, "Trends", 2)
    captions = [c.value for row in ws.iter_rows(min_row=4) for c in row if c.value is not None]
    check("the captions above the Trends charts are their titles, in chart order",
          captions == [t for t, _ in got], f"{captions} vs {[t for t, _ in got]}")
    for _, series in got:
        check("all series of a trend chart have the same number of points",
              len({n for _, n in series}) == 1, repr(series))
    return got


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

def fixture(wb, path, charts, summary, flags, trends, groups, items, about):
    ws = wb["Summary"]
    hdr, head, rows = summary
    clients = [ws.cell(row=r, column=1).value for r in rows]
    check("Summary keeps the builder's order (flagged first)",
          clients == ["C001", INJECT, "+1-2", ACCENTED, "C005"], repr(clients))
    for r in rows[1:3]:
        cell = ws.cell(row=r, column=1)
        check("client ids that look like formulas are literal strings",
              cell.data_type == "s" and cell.value in (INJECT, "+1-2"),
              f"{cell.coordinate}: {cell.data_type} {cell.value!r}")
    check("score columns are laid out per instrument and score, T only with a norm",
          head[7:] == ["syn-a A", "syn-a A T", "syn-a A change", "syn-a A RCI", "syn-a B",
                       "syn-a B T", "syn-a B change", "syn-a B RCI", "syn-b S", "syn-b S change",
                       "syn-b S RCI"], repr(head[7:]))
    col = {h: i + 1 for i, h in enumerate(head)}

    def at(client_row, name):
        return ws.cell(row=rows[client_row], column=col[name])

    check("C001's values are numbers", at(0, "syn-a A").value == 1.67 and at(0, "syn-a A").data_type == "n")
    check("a T score is a number", at(0, "syn-a A T").value == 36.7)
    check("a change is a number with its sign", at(0, "syn-a A change").value == -1.33
          and at(0, "syn-a A change").number_format.startswith("+"))
    check("a value is shown with two decimals", at(0, "syn-a A").number_format == "0.00")
    check("a NaN T score is an empty cell", at(0, "syn-a B T").value is None)
    check("a NaN value is an empty cell", at(2, "syn-a B").value is None)
    check("the RCI class is written as given", at(0, "syn-a A RCI").value == "reliable_deterioration")
    check("rows of another instrument leave its columns empty",
          all(at(0, h).value is None for h in ("syn-b S", "syn-b S change", "syn-b S RCI")))
    check("Flags joins the raised flags' labels (not the not-evaluable ones)",
          at(0, "Flags").value == "Low alpha")
    check("Severity is the highest raised severity", at(0, "Severity").value == "high"
          and at(1, "Severity").value == "medium" and at(2, "Severity").value is None)
    check("Validity is shown", at(2, "Validity").value == "careless")
    check("CJK and RTL group names survive as written",
          at(1, "Group").value == CJK_GROUP and at(2, "Group").value == RTL_GROUP)
    check("accented client ids survive as written", at(3, "Client").value == ACCENTED)
    check("a row without a group says so", at(3, "Group").value == "(no group)")

    fws = wb["Flags"]
    fhdr, frows = flags
    got = [row_values(fws, r, 1, 9) for r in frows]
    check("Flags has one row per flag of every row, in order",
          [(g[0], g[2], g[4]) for g in got] == [("C001", "Low alpha", "raised"),
                                                ("C001", "Beta and alpha", "not_evaluable"),
                                                (INJECT, "High sigma", "raised")], repr(got))
    check("invalid UTF-8 in a value is shown as U+FFFD, not dropped or passed on",
          got[0][5] == "A=1.67 \ufffd", repr(got[0][5]))
    check("Flags shows first raised and new in this run",
          got[0][7] == "2026-03-02" and got[0][8] == "Yes" and got[2][8] == "No")
    check("the formula-looking client is literal on Flags too",
          fws.cell(row=frows[2], column=1).data_type == "s")

    check("Trends has one chart per client with 2 or more administrations, flagged first",
          [t for t, _ in trends] == ["C001" + DASH + "syn-a", "+1-2" + DASH + "syn-a",
                                     "C005" + DASH + "syn-a"], repr([t for t, _ in trends]))
    check("a trend chart has one series per score plus the reference line",
          [n for n, _ in trends[0][1]] == ["A", "B", "Low alpha cutoff (local default)"],
          repr(trends[0][1]))
    check("trend charts have one point per administration",
          [s[0][1] for _, s in trends] == [3, 3, 2], repr(trends))
    td = wb["TrendData"]
    cats = [td.cell(row=r, column=3).value for r in range(1, td.max_row + 1)]
    check("undated administrations are numbered 1, 2, 3", ["1", "2", "3"] == [c for c in cats if c in ("1", "2", "3")])
    check("dated categories show the date, '*' when the administration was flagged",
          "2026-02-02" in cats and "2026-03-02 *" in cats, repr(cats))
    ref = [td.cell(row=r, column=6).value for r in range(4, 7)]
    check("the reference line is a constant series in cells", ref == [2, 2, 2], repr(ref))

    g = groups
    check("Groups has a section per group, by name, '(no group)' last",
          list(g) == ["Group G1", "Group " + RTL_GROUP, "Group " + CJK_GROUP, "(no group)"],
          repr(list(g)))
    g1 = g["Group G1"]
    check("a month counts each client's form in it (G1: Jan 2 and 2, Feb 2 and 1, Mar 1 and 1)",
          [[n for _, n in g1["months"].get(("Synthetic A", m), [])] for m in
           ("2026-01", "2026-02", "2026-03")] == [[2, 2], [2, 1], [1, 1]], repr(g1["months"]))
    check("means of fewer than 3 forms are hidden",
          all(mean == EN_DASH for cells in g1["months"].values() for mean, _ in cells))
    check("the counts line says how many usable forms and which months",
          g1["line"] == "5 usable forms, Jan 2026 to Mar 2026.", repr(g1["line"]))
    rtl = g["Group " + RTL_GROUP]
    check("undated forms are in no month, and the counts line says so",
          not rtl["months"] and "3 usable forms have no date" in rtl["line"], repr(rtl))
    check("a group's forms go in its own section (CJK: syn-b, Mar 2026)",
          list(g["Group " + CJK_GROUP]["months"]) == [("Synthetic B", "2026-03")],
          repr(g["Group " + CJK_GROUP]["months"]))
    check("baseline and latest: G1 syn-a has 2 clients, 1 flagged",
          g1["base"].get("Synthetic A") == [2, None, None, None, None, 1], repr(g1["base"]))
    check("baseline and latest: Alpha reliably improved for C005, deteriorated for C001",
          g1["base"].get("Alpha") == [None, 1, 1, 0, 0, None], repr(g1["base"]))
    check("baseline and latest: Beta without reliable change for both",
          g1["base"].get("Beta") == [None, 0, 0, 2, 0, None], repr(g1["base"]))
    check("a careless latest form is not testable",
          rtl["base"].get("Alpha") == [None, 0, 0, 0, 1, None], repr(rtl["base"]))
    check("a client with one form is not testable, and flagged when its form raised a flag",
          g["Group " + CJK_GROUP]["base"].get("Synthetic B") == [1, None, None, None, None, 1]
          and g["Group " + CJK_GROUP]["base"].get("Sigma") == [None, 0, 0, 0, 1, None],
          repr(g["Group " + CJK_GROUP]["base"]))

    iws = wb["Items"]
    ihdr, irows = items
    c001 = row_values(iws, irows[0], 1, 12)
    check("Items shows the latest raw answers with '\u2014' for no answer",
          c001[6:] == [2, 4, "\u2014", 3, 3, 3], repr(c001))
    rev = iws.cell(row=irows[0], column=8)  # item 2 of syn-a is reverse-keyed
    plain = iws.cell(row=irows[0], column=7)
    check("reverse-keyed answers are marked (italic, tinted) and others are not",
          rev.font.i and rev.fill.fgColor.rgb not in (None, "00000000") and not plain.font.i)
    check("the formula-looking client is literal on Items too",
          iws.cell(row=irows[1], column=1).value == INJECT and iws.cell(row=irows[1], column=1).data_type == "s")
    check("Missing is a fraction shown as a percentage",
          c001[3] == 0.17 and iws.cell(row=irows[0], column=4).number_format == "0%", repr(c001[3]))
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
    about = {aws.cell(row=r, column=1).value: aws.cell(row=r, column=2).value
             for r in range(1, aws.max_row + 1)}
    check("About shows the run number, and says when no run made the workbook",
          about.get("Run number") == "7" and about.get("Made") == "no run yet", repr(about))
    check("About says what reliable change means in words, never as a class name",
          any(t.startswith("Reliable deterioration") for t in texts)
          and not any(w in t for t in texts for w in ("reliable_", "not_computable",
                                                       "no_reliable_change")))
    pairs = [(aws.cell(row=r, column=1).value, aws.cell(row=r, column=2).value)
             for r in range(1, aws.max_row + 1)]
    check("About names instruments in words, their ids beside them",
          ("Synthetic A", "syn-a") in pairs and ("Synthetic B", "syn-b") in pairs, repr(pairs))
    check("the document's creation time is the report's", core_properties(path) == "2026-03-02T00:00:00Z",
          core_properties(path))


def main(argv):
    demo = "--demo" in argv[1:]
    files = [a for a in argv[1:] if a != "--demo"]
    if len(files) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = files[0]
    try:
        wb = openpyxl.load_workbook(path)
        check("the sheets are Summary, Flags, Trends, Groups, Items, About and TrendData, in order",
              wb.sheetnames == SHEETS, repr(wb.sheetnames))
        charts = charts_by_sheet(path)
        summary = summary_layout(wb)
        flags = flags_layout(wb)
        trends = trends_layout(wb, charts)
        groups = groups_layout(wb, charts)
        items = items_layout(wb)
        about = about_layout(wb)
        check("Summary's rows and Items' rows are the same clients",
              [wb["Summary"].cell(row=r, column=1).value for r in summary[2]] ==
              [wb["Items"].cell(row=r, column=1).value for r in items[1]])
        core_properties(path)
        if not demo:
            fixture(wb, path, charts, summary, flags, trends, groups, items, about)
    except Failure as e:
        print(f"FAIL: {path}: {e}", file=sys.stderr)
        return 1
    print(f"ok: {path}: {len(summary[2])} rows, "
          f"{len(trends)} trend charts, {len(groups)} group sections")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
