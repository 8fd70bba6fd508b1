#!/usr/bin/env python3
"""check_trends.py - the Trends sheet of a qscore workbook, read from the XLSX parts (zipfile and
XML only): what prints on which page, and what the charts draw.

Usage: check_trends.py [--max-charts N] [--charts N] [--capped N] [--links] [--fixture] FILE...

Checked for every workbook:
  - Trends prints without fit-to-page (Excel ignores manual page breaks then), at 100%;
  - no chart crosses a manual page break, every page's rows (with the repeated rows) fit the
    printable height of the paper and orientation, and every chart fits the printable width;
  - at most N charts (--max-charts; default: the M of the sheet's "at most M charts" line, else
    150), exactly N with --charts, and --capped N clients said to have no chart;
  - every chart is a scatter chart on a date axis ("mmm yyyy"), its series named in words (never
    an id or an enum word), its points inside the axis; a cutoff series is two points at one
    value across the whole axis, named "<score> cutoff <value>"; the "flagged" and "form not
    usable" series are markers without a line, left out of the legend;
  - each block's heading (the client id in column A) sits on the row above its first charts, and
    every Summary link to Trends lands on the heading of the client it names (with --links,
    every block has one).
With --fixture, FILE is the Trends test workbook of tests/unit/test_workbook.c, and its exact
blocks, points and page breaks are checked too. The first failing check is printed and the exit
status is 1.
"""
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
}
EMU_PER_PX = 9525
# Paper sizes (inches, portrait) by OOXML paperSize code.
PAPER = {None: (8.5, 11.0), 1: (8.5, 11.0), 9: (210 / 25.4, 297 / 25.4)}
ENUM_WORDS = ("not_computable", "not_evaluable", "reliable_deterioration", "reliable_improvement",
              "no_reliable_change", "insufficient", "raised", "careless_flag", "missing_fraction",
              "longstring")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


class Failure(Exception):
    pass


def check(name, ok, detail=""):
    if not ok:
        raise Failure(name + (f": {detail}" if detail else ""))


def q(ns, tag):
    return f"{{{NS[ns]}}}{tag}"


class Book:
    """The parts of one workbook: sheets by name, shared strings, relationships."""

    def __init__(self, path):
        self.z = zipfile.ZipFile(path)
        self.names = set(self.z.namelist())
        wb = self.xml("xl/workbook.xml")
        rels = self.rels("xl/workbook.xml")
        self.sheets, self.state = {}, {}
        for s in wb.find("m:sheets", NS):
            self.sheets[s.get("name")] = rels[s.get(q("r", "id"))]
            self.state[s.get("name")] = s.get("state", "visible")
        self.defined = [(d.get("name"), d.get("localSheetId"), d.text or "")
                        for d in wb.iter(q("m", "definedName"))]
        self.order = [s.get("name") for s in wb.find("m:sheets", NS)]
        self.strings = []
        if "xl/sharedStrings.xml" in self.names:
            for si in self.xml("xl/sharedStrings.xml").findall("m:si", NS):
                self.strings.append("".join(t.text or "" for t in si.iter(q("m", "t"))))

    def xml(self, part):
        return ET.fromstring(self.z.read(part))

    def rels(self, part):
        d, b = posixpath.split(part)
        name = posixpath.join(d, "_rels", b + ".rels")
        if name not in self.names:
            return {}
        return {e.get("Id"): posixpath.normpath(posixpath.join(d, e.get("Target")))
                for e in self.xml(name).findall("pr:Relationship", NS)}

    def cells(self, sheet):
        """{(row0, col0): value} of a sheet (text from shared strings, numbers as float)."""
        out = {}
        for c in self.xml(self.sheets[sheet]).iter(q("m", "c")):
            v = c.find("m:v", NS)
            if v is None:
                continue
            r0, c0 = cell_index(c.get("r"))
            out[(r0, c0)] = self.strings[int(v.text)] if c.get("t") == "s" else float(v.text)
        return out


def cell_index(ref):
    m = re.match(r"([A-Z]+)(\d+)$", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def anchor_point(e):
    return (int(e.find("xdr:row", NS).text), int(e.find("xdr:rowOff", NS).text),
            int(e.find("xdr:col", NS).text), int(e.find("xdr:colOff", NS).text))


def num_cache(e):
    if e is None:
        return []
    pts = {int(p.get("idx")): float(p.find("c:v", NS).text) for p in e.iter(q("c", "pt"))}
    n = e.find(".//c:ptCount", NS)
    return [pts.get(i) for i in range(int(n.get("val")) if n is not None else len(pts))]


def read_charts(book, sheet):
    """The charts on `sheet`: anchors, type, x axis and series (names and cached points)."""
    out = []
    for target in book.rels(book.sheets[sheet]).values():
        if "/drawings/" not in target:
            continue
        drels = book.rels(target)
        for anchor in book.xml(target):
            gf = anchor.find(".//c:chart", NS)
            if gf is None:
                continue
            check("every chart is anchored to two cells", anchor.tag == q("xdr", "twoCellAnchor"),
                  anchor.tag)
            croot = book.xml(drels[gf.get(q("r", "id"))])
            plot = croot.find("c:chart/c:plotArea", NS)
            axes = {a.find("c:axPos", NS).get("val"): a for a in plot.findall("c:valAx", NS)}
            x = axes.get("b")
            fmt = x.find("c:numFmt", NS) if x is not None else None
            scal = x.find("c:scaling", NS) if x is not None else None
            series = []
            for ser in plot.iter(q("c", "ser")):
                name = ser.find("c:tx/c:strRef/c:strCache/c:pt/c:v", NS)
                ln = ser.find("c:spPr/a:ln", NS)
                mk = ser.find("c:marker", NS)
                fill = mk.find("c:spPr/a:solidFill/a:srgbClr", NS) if mk is not None else None
                series.append({
                    "name": name.text if name is not None else None,
                    "x": num_cache(ser.find("c:xVal/c:numRef/c:numCache", NS)),
                    "y": num_cache(ser.find("c:yVal/c:numRef/c:numCache", NS)),
                    "line": ln is not None and ln.find("a:noFill", NS) is None,
                    "dash": (ln.find("a:prstDash", NS).get("val")
                             if ln is not None and ln.find("a:prstDash", NS) is not None else None),
                    "marker": (mk.find("c:symbol", NS).get("val")
                               if mk is not None and mk.find("c:symbol", NS) is not None else None),
                    "fill": fill.get("val") if fill is not None else None,
                })
            hidden = {int(e.find("c:idx", NS).get("val"))
                      for e in croot.iter(q("c", "legendEntry"))
                      if e.find("c:delete", NS) is not None
                      and e.find("c:delete", NS).get("val") in ("1", "true")}
            for i, s in enumerate(series):
                s["in_legend"] = i not in hidden
            out.append({
                "from": anchor_point(anchor.find("xdr:from", NS)),
                "to": anchor_point(anchor.find("xdr:to", NS)),
                "scatter": plot.find("c:scatterChart", NS) is not None,
                "xfmt": fmt.get("formatCode") if fmt is not None else None,
                "xmin": float(scal.find("c:min", NS).get("val"))
                if scal is not None and scal.find("c:min", NS) is not None else None,
                "xmax": float(scal.find("c:max", NS).get("val"))
                if scal is not None and scal.find("c:max", NS) is not None else None,
                "series": series,
            })
    return out


def page_geometry(book, sheet):
    """Printable (width, height) in points, the manual breaks (0-based first rows of a page),
    the repeated rows, row heights (points) and column widths (pixels) of `sheet`."""
    ws = book.xml(book.sheets[sheet])
    pr = ws.find("m:sheetPr/m:pageSetUpPr", NS)
    check(f"{sheet} is not fitted to pages (manual page breaks would be ignored)",
          pr is None or pr.get("fitToPage") not in ("1", "true"))
    ps = ws.find("m:pageSetup", NS)
    check(f"{sheet} has a page setup", ps is not None)
    scale = int(ps.get("scale", "100"))
    check(f"{sheet} prints at 100%", scale == 100, str(scale))
    paper = PAPER.get(int(ps.get("paperSize")) if ps.get("paperSize") else None)
    check(f"{sheet}'s paper is letter or A4", paper is not None, ps.get("paperSize"))
    w, h = paper
    if ps.get("orientation") == "landscape":
        w, h = h, w
    pm = ws.find("m:pageMargins", NS)
    left, right = float(pm.get("left")), float(pm.get("right"))
    top, bottom = float(pm.get("top")), float(pm.get("bottom"))
    fmt = ws.find("m:sheetFormatPr", NS)
    default = float(fmt.get("defaultRowHeight", "15")) if fmt is not None else 15.0
    heights = {}
    for row in ws.iter(q("m", "row")):
        if row.get("ht"):
            heights[int(row.get("r")) - 1] = float(row.get("ht"))
    widths = {}
    cols = ws.find("m:cols", NS)
    for c in (cols if cols is not None else []):
        for i in range(int(c.get("min")) - 1, int(c.get("max"))):
            # Excel's pixels for a width in characters of an 11-point Calibri ('0' is 7 px).
            widths[i] = int(float(c.get("width")) * 7 + 0.5)
    rb = ws.find("m:rowBreaks", NS)
    breaks = sorted(int(b.get("id")) for b in rb.findall("m:brk", NS)) if rb is not None else []
    index = book.order.index(sheet)
    repeated = []
    for name, local, text in book.defined:
        if name == "_xlnm.Print_Titles" and local == str(index):
            m = re.search(r"\$(\d+):\$(\d+)", text)
            if m:
                repeated = list(range(int(m.group(1)) - 1, int(m.group(2))))
    return {
        "width": (w - left - right) * 72, "height": (h - top - bottom) * 72,
        "breaks": breaks, "repeated": repeated,
        "row_pt": lambda r: heights.get(r, default), "col_px": lambda c: widths.get(c, 64),
    }


def check_pages(book, charts, geo):
    breaks = geo["breaks"]
    check("Trends has at most 1,023 manual page breaks (Excel's limit)", len(breaks) <= 1023)

    def page_of(row):
        return sum(1 for b in breaks if b <= row)

    for ch in charts:
        r0, r1 = ch["from"][0], ch["to"][0] - (1 if ch["to"][1] == 0 else 0)
        check("no chart crosses a manual page break", page_of(r0) == page_of(r1),
              f"chart rows {r0 + 1}-{r1 + 1}, breaks before rows {[b + 1 for b in breaks]}")
        # The right edge in pixels, from the columns it spans.
        x = sum(geo["col_px"](c) for c in range(ch["to"][2])) + ch["to"][3] / EMU_PER_PX
        check("every chart fits the printable width at 100%", x * 0.75 <= geo["width"],
              f"right edge {x:.0f} px = {x * 0.75:.0f} pt > {geo['width']:.0f} pt")
    last = max([ch["to"][0] for ch in charts], default=0)
    starts = [0] + breaks + [last + 1]
    repeat = sum(geo["row_pt"](r) for r in geo["repeated"])
    for i in range(len(starts) - 1):
        rows = range(starts[i], starts[i + 1])
        used = sum(geo["row_pt"](r) for r in rows) + (repeat if i > 0 else 0)
        check("every printed page's rows fit its printable height (no automatic break)",
              used <= geo["height"],
              f"page {i + 1}: rows {starts[i] + 1}-{starts[i + 1]} take {used:.0f} pt of "
              f"{geo['height']:.0f}")


def check_series(charts):
    for k, ch in enumerate(charts, 1):
        where = f"chart {k}"
        check("every Trends chart is a scatter chart (dates spaced by time)", ch["scatter"], where)
        check("the x axis shows dates as 'mmm yyyy'", ch["xfmt"] == "mmm yyyy", where)
        check("the x axis has a fixed date range", ch["xmin"] is not None and ch["xmax"] is not None
              and 20000 < ch["xmin"] < ch["xmax"], where)
        check("every chart has series", ch["series"], where)
        for s in ch["series"]:
            name = s["name"] or ""
            check("every series has a name in words", name.strip() != "", where)
            check("no series name is an enum word or a snake_case id",
                  not SNAKE.search(name) and not any(re.search(rf"\b{w}\b", name)
                                                     for w in ENUM_WORDS), name)
            marker_only = name.endswith(": flagged") or name.endswith("form not usable")
            check("the legend shows the lines and cutoffs, not the marker series (the note says "
                  "what they mean)", s["in_legend"] != marker_only, f"{where} {name}")
            xs = [v for v in s["x"] if v is not None]
            check("every point lies on the x axis' range",
                  all(ch["xmin"] <= v <= ch["xmax"] for v in xs), f"{where} {name}: {xs}")
            check("a series has as many x values as y values", len(s["x"]) == len(s["y"]), name)
            if re.search(r" cutoff -?\d+(\.\d+)?$", name):
                ys = [v for v in s["y"] if v is not None]
                check("a cutoff is a dashed line of two points at one value across the axis",
                      s["x"] == [ch["xmin"], ch["xmax"]] and len(ys) == 2 and ys[0] == ys[1]
                      and s["line"] and s["dash"] not in (None, "solid"), f"{where} {name}: {s}")
                check("a cutoff series is named after its value",
                      abs(float(name.rsplit(" ", 1)[1]) - ys[0]) < 0.051, name)
            elif name.endswith(": flagged"):
                check("'flagged' is drawn as red markers without a line",
                      not s["line"] and s["marker"] not in (None, "none") and s["fill"] == "E00000",
                      f"{where} {name}: {s}")
            elif name.endswith("form not usable"):
                check("'form not usable' is drawn as markers without a line",
                      not s["line"] and s["marker"] not in (None, "none"), f"{where} {name}")
            else:
                check("a score's series is a line with markers", s["line"], f"{where} {name}")


def check_blocks(book, charts, links=False):
    """The heading above each block, and Summary's links to them. Returns the blocks:
    [(client id, heading row0, [chart, ...])]."""
    cells = book.cells("Trends")
    blocks = []
    for ch in charts:
        top = ch["from"][0]
        # The block's heading: the nearest row above with a client id in column A.
        r = top - 1
        while r >= 0 and not isinstance(cells.get((r, 0)), str):
            r -= 1
        check("every chart sits below its client's heading", r >= 3, f"chart at row {top + 1}")
        if not blocks or blocks[-1][1] != r:
            blocks.append((cells[(r, 0)], r, []))
        blocks[-1][2].append(ch)
    for client, r, chs in blocks:
        check("a block's first charts start on the row below its heading",
              min(c["from"][0] for c in chs) == r + 1, client)
        for a, b in zip(chs, chs[1:]):
            check("a block's charts are side by side, left to right, then on the next line",
                  (b["from"][0] == a["from"][0] and b["from"][2] > a["to"][2])
                  or (b["from"][0] > a["to"][0] and b["from"][2] == chs[0]["from"][2]), client)
    headings = {r: client for client, r, _ in blocks}
    linked = set()
    if "Summary" in book.sheets:
        ws = book.xml(book.sheets["Summary"])
        scells = book.cells("Summary")
        for hl in ws.iter(q("m", "hyperlink")):
            loc = hl.get("location") or ""
            m = re.match(r"'?Trends'?!\$?A\$?(\d+)$", loc)
            if not m:
                continue
            row0 = int(m.group(1)) - 1
            check("every Summary link to Trends lands on a client's heading", row0 in headings,
                  f"{hl.get('ref')} -> {loc}")
            linked.add(row0)
            check("and on the heading of the client it names",
                  scells.get(cell_index(hl.get("ref"))) == headings[row0],
                  f"{hl.get('ref')}={scells.get(cell_index(hl.get('ref')))!r} -> "
                  f"{headings[row0]!r}")
    if links:
        missing = [client for client, r, _ in blocks if r not in linked]
        check("every client with a block on Trends is linked from the Summary", not missing,
              repr(missing[:5]))
    return blocks


def check_book(path, max_charts=None, ncharts=None, capped=None, links=False):
    book = Book(path)
    check("the workbook has a Trends sheet", "Trends" in book.sheets)
    if "TrendData" in book.sheets:
        check("TrendData is hidden", book.state["TrendData"] == "hidden")
    cells = book.cells("Trends")
    line = next((v for (r, c), v in cells.items() if r < 3 and isinstance(v, str)
                 and "no chart here" in v), None)
    if max_charts is None:
        m = re.search(r"at most ([\d,]+) charts", line or "")
        max_charts = int(m.group(1).replace(",", "")) if m else 150
    charts = read_charts(book, "Trends")
    check(f"at most {max_charts} charts on Trends", len(charts) <= max_charts, str(len(charts)))
    if ncharts is not None:
        check(f"{ncharts} charts on Trends", len(charts) == ncharts, str(len(charts)))
    if capped is not None:
        m = re.match(r"(\d+) clients? ha(?:s|ve) no chart here", line or "")
        got = int(m.group(1)) if m else 0
        check(f"Trends says {capped} clients have no chart here", got == capped, repr(line))
    check_pages(book, charts, page_geometry(book, "Trends"))
    check_series(charts)
    geo = page_geometry(book, "Trends")
    blocks = check_blocks(book, charts, links)
    return {"charts": charts, "blocks": blocks, "line": line, "cells": cells,
            "breaks": geo["breaks"]}


# ---- the unit test's Trends report (tests/unit/test_workbook.c) -------------------------------

def series_by_name(ch):
    out = {}
    for s in ch["series"]:
        out.setdefault(s["name"], s)
    return out


def fixture(got):
    blocks = got["blocks"]
    check("the first six clients have blocks, in order (the seventh would pass 13 charts)",
          [b[0] for b in blocks] == [f"T{k:02d}" for k in range(6)], repr([b[0] for b in blocks]))
    check("each block holds two charts side by side on its first line",
          all(len(b[2]) == 2 and b[2][0]["from"][0] == b[2][1]["from"][0] == b[1] + 1
              for b in blocks), repr([(b[0], [c["from"] for c in b[2]]) for b in blocks]))
    check("blocks follow each other: heading row and 13 chart rows",
          [b[1] for b in blocks] == [3 + 14 * k for k in range(6)], repr([b[1] for b in blocks]))
    check("two blocks per letter page: breaks before rows 32 and 60",
          got["breaks"] == [31, 59], repr(got["breaks"]))
    check("the line says who has no chart and why",
          got["line"] == "3 clients have no chart here (at most 13 charts per workbook; "
          "reports.max_charts in the clinic config).", repr(got["line"]))
    heading = next((v for (r, c), v in got["cells"].items() if r == 3 and c > 0), None)
    check("the heading names the group and the last assessed date",
          heading == "Group G1 \u00b7 last assessed 1 Jun 2026", repr(heading))
    a, b = blocks[0][2]
    sa, sb = series_by_name(a), series_by_name(b)
    check("syn-a's series: each score's line, its unusable form, the flagged score, A's cutoff",
          set(sa) == {"Alpha", "Beta", "Alpha: form not usable", "Beta: form not usable",
                      "Alpha: flagged", "Alpha cutoff 2.00", "form not usable"}, repr(sorted(sa)))
    check("the rings' white centres are drawn both first and last (Excel draws later series on "
          "top, LibreOffice earlier ones)",
          a["series"][0]["name"] == a["series"][-1]["name"] == "form not usable"
          and a["series"][0]["x"] == [46073.0, 46073.0] and a["series"][0]["y"] == [2.5, 3.0]
          and a["series"][0]["fill"] == "FFFFFF", repr(a["series"][0]))
    check("and so are the red dots",
          a["series"][1]["name"] == a["series"][-2]["name"] == "Alpha: flagged",
          repr([s["name"] for s in a["series"]]))
    dates = [46032.0, 46073.0, 46174.0]  # 10 Jan, 20 Feb, 1 Jun 2026 as Excel serials
    check("x values are the forms' dates (a time of day dropped)", sa["Alpha"]["x"] == dates,
          repr(sa["Alpha"]["x"]))
    check("a score's line leaves out the unusable form",
          sa["Alpha"]["y"] == [3.0, None, 1.5] and sa["Beta"]["y"] == [3.5, None, 3.25],
          repr((sa["Alpha"]["y"], sa["Beta"]["y"])))
    check("the unusable form is its own series",
          sa["Alpha: form not usable"]["y"] == [None, 2.5, None], repr(sa["Alpha: form not usable"]))
    check("only the score the flag used is red, only on that form",
          sa["Alpha: flagged"]["y"] == [None, None, 1.5], repr(sa["Alpha: flagged"]["y"]))
    check("the axis starts mid-month before the first form, the same for the client's charts",
          a["xmin"] == b["xmin"] == 46007.0 and a["xmax"] == b["xmax"] and a["xmax"] > dates[-1],
          repr((a["xmin"], a["xmax"], b["xmin"], b["xmax"])))
    check("syn-b (a sum): its line and its cutoff in whole numbers",
          set(sb) == {"Sigma", "Sigma cutoff 9"} and sb["Sigma"]["x"] == [46037.0, 46096.0]
          and sb["Sigma"]["y"] == [6.0, 9.0], repr(sb))


def main(argv):
    opts, files = {}, []
    it = iter(argv[1:])
    for a in it:
        if a in ("--max-charts", "--charts", "--capped"):
            opts[a[2:].replace("-", "_")] = int(next(it))
        elif a in ("--fixture", "--links"):
            opts[a[2:]] = True
        else:
            files.append(a)
    if not files:
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    for path in files:
        try:
            got = check_book(path, opts.get("max_charts"), opts.get("charts"), opts.get("capped"),
                             opts.get("links", False))
            if opts.get("fixture"):
                fixture(got)
        except Failure as e:
            print(f"FAIL: {path}: {e}", file=sys.stderr)
            return 1
        print(f"ok: {path}: {len(got['charts'])} charts in {len(got['blocks'])} client blocks, "
              "none across a page break")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
