#!/usr/bin/env python3
"""Independent reference implementation of `qscore score` (docs/score.md).

It exists to produce the expected outputs of tests/cases/score/* from first principles, so the C
implementation is checked against numbers it did not produce. It is written for reading, not
speed: every rule of docs/score.md is one small function below, in the order the document uses.

Usage (mirrors qscore; run it in the case folder so `source` names match):
    reference_score.py -i INSTRUMENT [-m MAPPING] [--profile P] [--norms POP]
                       [--format csv|wide|json] [-o OUT] [--quarantine FILE] INPUT...

Needs PyYAML to read .yaml files (only at fixture-generation time; ctest never runs this);
instrument and mapping files may also be given as .json with the same structure.

Decisions where docs/score.md is silent are marked "DECISION:" in the code; in short:
- Encoding: BOM decides (UTF-8, UTF-16LE/BE); without one, UTF-8 if the whole file is valid,
  else Windows-1252 (0x81 0x8D 0x8F 0x90 0x9D invalid). NUL and lone surrogates are invalid.
- Profiles: header rows generic/redcap/google-forms 1, qualtrics 3 (2 without the ImportId row),
  surveymonkey 2; header names come from the first header row. Default id column: qualtrics
  ResponseId, surveymonkey Respondent ID, none (= the line number, as text) otherwise; REDCap's
  record_id is a client, not a response. Default profile: auto. Profiles never pick the
  `administered` column: the fixtures always map it.
- Answers: blank or a `missing` spelling (exact after trimming) is missing; a number must be a
  whole scale value ("4.0" is 4, "4.5" is an error); labels (instrument's and mapping's) match
  case-folded (ASCII) with blanks collapsed.
- Dates: without date_format, ISO 8601 (YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z|+HH:MM]) or slash
  dates A/B/YYYY[ H:MM[:SS][ AM|PM]] whose day/month order is decided from every readable row's
  date cell (a row with both numbers over 12 decides nothing); a file that does not decide it,
  or decides it both ways, is refused whole (exit 2, nothing written for it, not counted).
  Written YYYY-MM-DDTHH:MM:SS (a date alone stays YYYY-MM-DD); impossible dates (Feb 30) do
  not parse; a two-digit year is never read; a blank date is no error. Reasons show a date's
  form (date_form), never its digits.
- Rows: bad bytes or a wrong field count quarantine the record alone (column and value empty);
  else a row answering no item (blank or missing spellings; attention checks do not count) is
  not administered (counted, neither scored nor quarantined); else the problems in column
  order (ids, date, items, attention). Only scored rows' ids count as "seen" for the duplicate
  check. Reasons never hold the value: REASON_* below.
- A file with no row scored and one problem common to every quarantined row, when at least
  three rows were quarantined (common_problem), prints one message and makes the exit status 2.
- min_fraction f of n items: k >= f * n. A sum is prorated as (sum * n) / k.
- irv: sample SD of integer answers as sqrt((n*S2 - S1^2) / (n*(n-1))); the fixtures only use
  rows where this equals two-pass, naive and Welford results in double.
- percentile = 100 * (0.5 * erfc(-z / sqrt(2))); fixtures only use z where the usual variants agree.
- Flags: validity flags (careless, invalid; only conditions whose threshold the instrument sets;
  Kleene `or`) come first, then the instrument's flags in file order. Validity flags have an
  empty severity (null in JSON), the labels and sentences in VALIDITY_FLAGS, CSV detail
  "longstring=36; max_longstring=18", JSON rule "longstring > 18" and values {"longstring":36}.
  Instrument flag detail: referenced fields in order of first appearance, named as written.
- JSON: one object per line, no spaces, non-ASCII as UTF-8; blank or unmapped text fields null.
- CSV text from input (ids, group, therapist, source; every quarantine cell) starting with
  = + - @ TAB CR gets a leading ' unless it is a plain decimal number (sheet_text). JSON as is.
- A mapped column missing from the header is a mapping error (exit 2).
- Wide (docs/score.md "Wide format"): one row per administration; scores in the definition
  file's order; doubles as Python's repr (5.0), the count longstring as an integer; fields with
  , " ; CR or LF quoted; `flags` the raised instrument flags, `validity` the raised validity
  flags, else not_evaluable when one is, else ok. Column names that collide (ignoring case)
  are a usage error.
"""
import datetime
import io
import json
import math
import os
import re
import sys


class UsageError(Exception):
    """Exit status 2: usage, instrument or mapping errors (nothing is written)."""


# --------------------------------------------------------------------------------------------
# Fixed texts. DECISION: docs/score.md does not give the wording of quarantine reasons or of the
# validity flags; these are the texts the fixtures expect.
# --------------------------------------------------------------------------------------------
REASON_FIELD_COUNT = "row has {got} fields but the header has {want}"
REASON_ENCODING = "bytes are not valid {enc} text (not copied here)"
REASON_BLANK_ID = "blank response id"
REASON_BLANK_CLIENT = "blank client id"
# Reasons never repeat the value (docs/score.md "Quarantine CSV"): it has its own column.
REASON_OUTSIDE_SCALE = "answer is outside the scale {lo}..{hi}"
REASON_NOT_WHOLE = "answer is not a whole number on the scale {lo}..{hi}"
REASON_NOT_AN_ANSWER = ("not an answer on the scale {lo}..{hi}, a known label or a listed "
                        "missing spelling")
REASON_BAD_DATE_FMT = "date does not match date_format '{fmt}'"
# Dates without date_format (docs/score.md "Dates"); {form} is the date's form, never its digits.
REASON_DATE_UNREAD = ("not a date read without date_format (YYYY-MM-DD[ HH:MM[:SS]], or "
                      "M/D/YYYY or D/M/YYYY[ H:MM[:SS][ AM|PM]]): set date_format in the mapping "
                      "file")
REASON_DATE_NOT_REAL = "not a real calendar date or time (form {form})"
REASON_DATE_TWO_DIGIT_YEAR = ("two-digit year (form {form}): the century is never guessed: set "
                              "date_format in the mapping file, e.g. date_format: \"%m/%d/%y\"")
REASON_DATE_OTHER_FORM = ("a date of the form {form} is not read without date_format: set "
                          "date_format in the mapping file")
REASON_DUPLICATE = "duplicate response id: first seen at line {line}, which was scored"

# Messages on stderr (qscore's wording; DECISION: docs/score.md gives only the label one whole).
MSG_PROFILE = "{file}: {profile} export, {enc}, '{delim}'-separated, {n} header row{s}"
MSG_NOT_ADMINISTERED = "{file}: {n} row{s} not administered (no item of {inst} answered)"
MSG_NOT_SCORED = "{file}: not scored"
MSG_SUMMARY = ("scored {scored} of {rows} rows from {files} file{s} ({q} quarantined{to}, "
               "{flags} flag{fs} raised)")
MSG_DATES_MIXED = ("{file}: column '{col}' mixes day-first and month-first slash dates (line {dl} "
                   "has a first number over 12, line {ml} a second number over 12), so no order "
                   "reads them all: correct the export, or set date_format in the mapping file if "
                   "one of the forms is wanted (date_format: \"{f1}\" or \"{f2}\")")
MSG_DATES_UNDECIDED = ("{file}: column '{col}': no slash date in the file shows whether the day or "
                       "the month comes first (no first or second number is over 12): {hint}")
HINT_ONE_FORMAT = "add date_format: \"{f}\" to the mapping file"
HINT_TWO_FORMATS = ("add date_format: \"{f1}\" to the mapping file if the day comes first, or "
                    "date_format: \"{f2}\" if the month does")
HINT_ANY_FORMAT = ("add a date_format (a strptime format, e.g. \"%d.%m.%Y %H:%M\") that reads "
                   "this form to the mapping file")
HINT_FIX_FORMAT = "correct date_format '{f}' in the mapping file"
# A problem common to every quarantined row of a file (docs/score.md "Quarantine CSV").
FILE_PROBLEM_DATE = ("no date in column '{col}' could be read ({every} has one of the form "
                     "{form}): {fix}")
FILE_PROBLEM_BLANK = ("column '{col}' ({key}) is blank on {every}: map {key} in the mapping file "
                      "to the column that holds the {what}")
FILE_PROBLEM_SCALE = ("{every} holds {v} (first in column '{col}'), outside the scale {lo}..{hi} "
                      "of '{inst}': if it is a missing-data code, add missing: [\"{v}\"] to the "
                      "mapping file; otherwise the export codes its answers on another scale")
FILE_PROBLEM_LABEL = ("{every} answers \"{v}\" (first in column '{col}'), which is not an answer "
                      "of '{inst}': add it to the mapping file as labels: {{\"{v}\": N}} with N "
                      "its value on the scale {lo}..{hi}, or as missing: [\"{v}\"] if it means "
                      "not answered")

VALIDITY_FLAGS = {
    "careless": {
        "label": "Careless responding",
        "because": "The answers show a pattern typical of careless responding (a long run of "
                   "identical answers or too little variation): interpret the scores with "
                   "caution.",
    },
    "invalid": {
        "label": "Invalid administration",
        "because": "Too many items are unanswered or attention checks failed: the scores may "
                   "not be interpretable.",
    },
}

CSV_COLUMNS = ["response_id", "client_id", "instrument", "score", "value", "n_answered",
               "n_items", "z", "t", "percentile", "status", "kind", "severity", "detail",
               "because", "norm", "group", "therapist", "administered", "source", "line",
               "missing_fraction", "longstring", "irv", "attention_failed"]
QUARANTINE_COLUMNS = ["source", "line", "response_id", "column", "value", "reason"]
WIDE_HEAD = ["response_id", "client_id", "instrument", "administered", "group", "therapist"]
WIDE_TAIL = ["flags", "validity", "missing_fraction", "longstring", "irv"]


def wide_columns(inst, normed):
    """The wide header: per score (file order) the value and status, and z, t, percentile
    with a norm."""
    per = ["", "_status"] + (["_z", "_t", "_percentile"] if normed else [])
    cols = list(WIDE_HEAD)
    for s in inst.scores:
        cols += [s["id"] + suffix for suffix in per]
    cols += WIDE_TAIL
    seen = {}
    for c in cols:
        if c.lower() in seen:
            raise UsageError("wide: columns %r and %r collide" % (seen[c.lower()], c))
        seen[c.lower()] = c
    return cols

# profile -> (header rows, default response id column or None for "the line number")
# REDCap: the record id names a record (a client, repeated across events), so the response id
# is "record/event/instance" (the parts that exist), from the raw or the label headers.
PROFILES = {
    "generic": (1, None),
    "qualtrics": (3, "ResponseId"),  # 2 for legacy exports without the ImportId row
    "surveymonkey": (2, "Respondent ID"),
    "redcap": (1, None),
    "google-forms": (1, None),
}
REDCAP_ID_PARTS = [("record_id", "Record ID"), ("redcap_event_name", "Event Name"),
                   ("redcap_repeat_instance", "Repeat Instance")]
ENCODING_NAMES = {"UTF-8": "UTF-8", "utf-8": "UTF-8", "utf-8-bom": "UTF-8", "utf-16le": "UTF-16",
                  "utf-16be": "UTF-16", "windows-1252": "Windows-1252", "cp1252": "Windows-1252"}

MAPPING_KEYS = {"response_id", "client_id", "group", "therapist", "administered", "date_format",
                "items", "item_pattern", "attention", "labels", "missing"}


# --------------------------------------------------------------------------------------------
# Loading instrument and mapping
# --------------------------------------------------------------------------------------------
def load_data_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".json"):
        return json.loads(raw.decode("utf-8"))
    import yaml  # only needed when regenerating fixtures

    return yaml.safe_load(raw.decode("utf-8"))


def find_instrument(name):
    """A path, or an id looked up as ID.yaml in $QSCORE_INSTRUMENTS, then the repo's folder."""
    if os.path.isfile(name):
        return name
    folders = [d for d in os.environ.get("QSCORE_INSTRUMENTS", "").split(":") if d]
    folders.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "instruments"))
    for d in folders:
        p = os.path.join(d, name + ".yaml")
        if os.path.isfile(p):
            return p
    raise UsageError("instrument not found: " + name)


class Instrument:
    def __init__(self, doc):
        self.id = doc["id"]
        self.min = doc["scale"]["min"]
        self.max = doc["scale"]["max"]
        self.labels = {}  # folded text -> value
        for lab in doc["scale"].get("labels", []) or []:
            for t in lab["text"]:
                self.labels[fold(t)] = lab["value"]
        self.items = doc["items"]  # published order
        self.item_ids = [it["id"] for it in self.items]
        self.reverse = {it["id"]: bool(it.get("reverse")) for it in self.items}
        self.scores = doc["scores"]
        self.by_score = {s["id"]: s for s in self.scores}
        self.norms = {n["id"]: n for n in doc.get("norms", []) or []}
        self.flags = doc.get("flags", []) or []
        # Named cutoffs (instruments/README.md): NAME -> {value, source, local_default}; a bare
        # number is {value: NUMBER}. Rules use NAME where they would write the number.
        self.cutoffs = {}
        for name, c in (doc.get("cutoffs", {}) or {}).items():
            self.cutoffs[name] = c if isinstance(c, dict) else {"value": c}
        self.validity = doc.get("validity", {}) or {}
        self.attention = self.validity.get("attention_checks", []) or []

    def evaluation_order(self):
        """File order, except that a composite comes after the parts it needs."""
        done, order = set(), []
        while len(order) < len(self.scores):
            for s in self.scores:
                if s["id"] in done:
                    continue
                parts = composite_parts(self, s)
                if parts is None or all(p in done for p in parts):
                    done.add(s["id"])
                    order.append(s)
                    break
        return order


def composite_parts(inst, s):
    """The part ids of a composite score, or None for an item score."""
    if "scores" not in s:
        return None
    parts = s["scores"]
    if parts == "all" or parts is None:
        return [o["id"] for o in inst.scores if o is not s and "scores" not in o]
    return list(parts)


def score_items(inst, s):
    items = s["items"]
    return list(inst.item_ids) if items == "all" else list(items)


class Mapping:
    def __init__(self, doc, inst):
        doc = doc or {}
        unknown = sorted(set(doc) - MAPPING_KEYS)
        if unknown:
            raise UsageError("mapping: unknown key " + unknown[0])
        if "items" in doc and "item_pattern" in doc:
            raise UsageError("mapping: items and item_pattern both given")
        self.response_id = doc.get("response_id")
        self.client_id = doc.get("client_id", "client_id")
        self.group = doc.get("group")
        self.therapist = doc.get("therapist")
        self.administered = doc.get("administered")
        self.date_format = doc.get("date_format")
        self.items = {}
        given = {int(k): str(v) for k, v in (doc.get("items") or {}).items()}
        for it in inst.items:
            if it["id"] in given:
                self.items[it["id"]] = given[it["id"]]
            elif "item_pattern" in doc:
                self.items[it["id"]] = doc["item_pattern"].replace("{n}", str(it["id"]))
            elif "column" in it:
                self.items[it["id"]] = it["column"]
            else:
                raise UsageError("mapping: no column for item %d" % it["id"])
        att = doc.get("attention") or {}
        self.attention = {a["id"]: att.get(a["id"], a.get("column")) for a in inst.attention}
        self.labels = {}
        for text, value in (doc.get("labels") or {}).items():
            if not (isinstance(value, int) and inst.min <= value <= inst.max):
                raise UsageError("mapping: label outside the scale: " + str(text))
            self.labels[fold(str(text))] = value
        self.missing = [str(m).strip() for m in (doc.get("missing") or [])]


# --------------------------------------------------------------------------------------------
# Reading export files: encoding, delimiter, fields, physical lines
# --------------------------------------------------------------------------------------------
def decode(data):
    """(text, encoding name). Invalid bytes become lone surrogates (U+D800..U+DFFF).

    Without a BOM the whole file is the evidence (docs/score.md, issue 14): it is UTF-8 when
    some valid multi-byte UTF-8 character appears in it, or when every byte is valid UTF-8
    (ASCII); Windows-1252 (whose undefined bytes 0x81 0x8D 0x8F 0x90 0x9D are invalid) only
    when it holds invalid UTF-8 and no valid multi-byte character. Python's UTF-8 codec is
    strict (overlongs and surrogates are errors); surrogateescape turns each byte it rejects
    into U+DC80..U+DCFF, so any other non-ASCII character is a valid multi-byte one."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "surrogateescape"), "utf-8-bom"
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", "surrogatepass"), "utf-16le"
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "surrogatepass"), "utf-16be"
    text = data.decode("utf-8", "surrogateescape")
    escaped = any(0xDC80 <= ord(c) <= 0xDCFF for c in text)
    multibyte = any(ord(c) >= 0x80 and not 0xDC80 <= ord(c) <= 0xDCFF for c in text)
    if multibyte or not escaped:
        return text, "utf-8"
    return data.decode("cp1252", "surrogateescape"), "windows-1252"


def has_bad_text(s):
    return any(0xD800 <= ord(c) <= 0xDFFF or c == "\0" for c in s)


def sniff_delimiter(text):
    """The most frequent of , ; TAB outside quotes in the first record (comma on a tie)."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for c in text:
        if c == '"':
            quoted = not quoted
        elif not quoted and c in "\r\n":
            break
        elif not quoted and c in counts:
            counts[c] += 1
    return max([",", ";", "\t"], key=lambda d: counts[d])


def parse_records(text, delim):
    """RFC 4180 records as (start_line, fields). Lines end in LF, CRLF or CR; blank lines are
    skipped but counted; a quoted field may hold delimiters, quotes ("") and line ends."""
    records = []
    line = 1
    i, n = 0, len(text)
    while i < n:
        # blank line?
        if text[i] in "\r\n":
            i += 2 if text.startswith("\r\n", i) else 1
            line += 1
            continue
        start = line
        fields, field, quoted_field = [], [], False
        while True:
            if i >= n:
                fields.append("".join(field))
                break
            c = text[i]
            if c == '"' and not field and not quoted_field:
                quoted_field = True
                i += 1
                while True:  # inside quotes
                    if i >= n:
                        raise ValueError("unterminated quote at line %d" % start)
                    c = text[i]
                    if c == '"':
                        if text.startswith('""', i):
                            field.append('"')
                            i += 2
                            continue
                        i += 1
                        break
                    if c == "\r" or c == "\n":
                        line += 1
                        if text.startswith("\r\n", i):
                            field.append("\r\n")
                            i += 2
                            continue
                    field.append(c)
                    i += 1
                continue
            if c == delim:
                fields.append("".join(field))
                field, quoted_field = [], False
                i += 1
                continue
            if c in "\r\n":
                fields.append("".join(field))
                i += 2 if text.startswith("\r\n", i) else 1
                line += 1
                break
            field.append(c)
            i += 1
        records.append((start, fields))
    return records


def detect_profile(records):
    """--profile auto: from the tool's first column (docs/score.md)."""
    first = [f.strip() for f in records[0][1]] if records else []
    if first[:1] == ["StartDate"]:
        return "qualtrics"
    if first[:1] == ["Respondent ID"]:
        return "surveymonkey"
    if first[:1] in (["record_id"], ["Record ID"]) or "redcap_event_name" in first or \
            "redcap_repeat_instrument" in first:
        return "redcap"
    if first[:1] == ["Timestamp"]:
        return "google-forms"
    return "generic"


# --------------------------------------------------------------------------------------------
# Answers and dates
# --------------------------------------------------------------------------------------------
def fold(s):
    """Labels match in any case and spacing: trim, collapse blanks, fold ASCII letters only."""
    out = " ".join(s.split())
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in out)


def parse_answer(inst, mapping, text):
    """('missing', None) | ('ok', value) | ('error', (kind, reason)); kind 'scale' (a number
    outside the scale or not whole) or 'label' (any other text)."""
    t = text.strip()
    if t == "" or fold(t) in [fold(m) for m in mapping.missing]:  # any case and spacing
        return "missing", None
    try:
        x = float(t)  # "4" and "4.0" are the number 4; DECISION: "4.5" is not a scale value
    except ValueError:
        x = None
    if x is not None and math.isfinite(x):
        if x != int(x):
            return "error", ("scale", REASON_NOT_WHOLE.format(lo=inst.min, hi=inst.max))
        if not inst.min <= x <= inst.max:
            return "error", ("scale", REASON_OUTSIDE_SCALE.format(lo=inst.min, hi=inst.max))
        return "ok", int(x)
    f = fold(t)
    if f in inst.labels:
        return "ok", inst.labels[f]
    if f in mapping.labels:
        return "ok", mapping.labels[f]
    return "error", ("label", REASON_NOT_AN_ANSWER.format(lo=inst.min, hi=inst.max))


ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})"
                    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")
# A/B/YEAR with an optional time H:MM[:SS] and an optional AM/PM (a blank before it optional).
SLASH_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})"
                      r"(?: +(\d{1,2}):(\d{2})(?::(\d{2}))?( ?)([AaPp][Mm])?)?$")

DAY_FIRST, MONTH_FIRST, UNKNOWN = "day-first", "month-first", None


class SlashDate:
    """The parts of a slash date as written (nothing checked but the shape)."""

    def __init__(self, m):
        self.a, self.b, self.year = m.group(1), m.group(2), m.group(3)
        self.hour, self.minute, self.second = m.group(4), m.group(5), m.group(6)
        self.ampm_blank, self.ampm = m.group(7) or "", m.group(8)

    def evidence(self):
        """(day-first, month-first): a first number over 12 is a day, a second one a day too.
        DECISION: a date with both over 12 (13/13/2026) is no date in either order and tells
        nothing (it is quarantined as not a real date)."""
        a, b = int(self.a) > 12, int(self.b) > 12
        return (False, False) if a and b else (a, b)

    def form(self, order):
        d, m = ("D", "M") if order == DAY_FIRST else ("M", "D") if order == MONTH_FIRST \
            else ("N", "N")
        out = d * len(self.a) + "/" + m * len(self.b) + "/" + "Y" * len(self.year)
        if self.hour is not None:
            out += " " + "H" * len(self.hour) + ":MM" + (":SS" if self.second else "")
            if self.ampm:
                out += self.ampm_blank + "AM|PM"
        return out

    def strptime_format(self, order):
        if order is UNKNOWN:
            return None
        out = "%d/%m/" if order == DAY_FIRST else "%m/%d/"
        out += "%Y" if len(self.year) == 4 else "%y"
        if self.hour is not None:
            out += (" %I:%M" if self.ampm else " %H:%M") + (":%S" if self.second else "")
            if self.ampm:
                out += self.ampm_blank + "%p"
        return out

    def to_iso(self, order):
        """ISO text, or None when not a real date and time (12-hour clock: hour 1..12)."""
        month, day = (int(self.b), int(self.a)) if order == DAY_FIRST else \
            (int(self.a), int(self.b))
        try:
            date = datetime.date(int(self.year), month, day)
        except ValueError:
            return None
        if self.hour is None:
            return date.isoformat()
        h, mi, se = int(self.hour), int(self.minute), int(self.second or 0)
        if self.ampm:
            if not 1 <= h <= 12:
                return None
            h = h % 12 + (12 if self.ampm.upper() == "PM" else 0)
        if h > 23 or mi > 59 or se > 59:
            return None
        return "%sT%02d:%02d:%02d" % (date.isoformat(), h, mi, se)


def slash_date(text):
    """A SlashDate with a four-digit year, or None."""
    m = SLASH_RE.match(text.strip())
    return SlashDate(m) if m and len(m.group(3)) == 4 else None


def parse_iso(t):
    """ISO 8601 as docs/score.md reads it: 'ok' text, 'bad' (the form but no such date/time), or
    None (another form). A zone (Z, +HH:MM; DECISION: also -HH:MM) is kept as given; fractions of
    a second are dropped."""
    m = ISO_RE.match(t)
    if not m:
        return None
    y, mo, d, h, mi, se, zone = m.groups()
    try:
        date = datetime.date(int(y), int(mo), int(d))
    except ValueError:
        return "bad"
    if h is None:
        return "ok", date.isoformat()
    if int(h) > 23 or int(mi) > 59 or int(se or 0) > 59:
        return "bad"
    return "ok", "%sT%s:%s:%s%s" % (date.isoformat(), h, mi, se or "00", zone or "")


def date_form(text, order):
    """A date's form for messages, never its digits: M/D/YYYY H:MM:SS, YYYY-MM-DD HH:MM, else
    every digit N and every letter a."""
    t = text.strip()
    m = SLASH_RE.match(t)
    if m:
        return SlashDate(m).form(order)
    m = ISO_RE.match(t)
    if m:
        y, mo, d, h, mi, se, zone = m.groups()
        out = "YYYY-MM-DD"
        if h is not None:
            out += t[10] + "HH:MM" + (":SS" if se is not None else "")
            frac = t[19:len(t) - len(zone or "")] if se is not None else ""
            out += "".join("N" if c.isdigit() else c for c in frac)
            out += "Z" if zone == "Z" else (zone[0] + "HH:MM" if zone else "")
        return out
    m = DATE_SHAPE_RE.match(t)
    if m:  # three numbers with one separator: their roles where the form tells them
        g1, sep, g2, g3 = m.groups()
        if len(g1) == 4:
            roles = ("Y", "M", "D")
        else:
            roles = ("D", "M", "Y") if order == DAY_FIRST else ("M", "D", "Y") \
                if order == MONTH_FIRST else ("N", "N", "Y")
        head = sep.join(r * len(g) for r, g in zip(roles, (g1, g2, g3)))
        return head + generic_form(t[m.end():])
    return generic_form(t)


# The start of a date in some other form (2026/03/01, 01.03.2026, 2026-5-20): DECISION: such a
# text gets "a date of the form F is not read" (a hint that date_format can read it), any other
# text the general "not a date" reason.
DATE_SHAPE_RE = re.compile(r"^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})")


def generic_form(t):
    """docs: other text with every digit shown as N and every letter as a."""
    return "".join("N" if "0" <= c <= "9" else "a" if c.isalpha() else c for c in t)


def date_hint(text, order):
    """The fix for a date of this form: one date_format line, both orders, or a general hint."""
    m = SLASH_RE.match(text.strip())
    if m is None:
        return HINT_ANY_FORMAT
    sd = SlashDate(m)
    if order is not UNKNOWN:
        return HINT_ONE_FORMAT.format(f=sd.strptime_format(order))
    return HINT_TWO_FORMATS.format(f1=sd.strptime_format(DAY_FIRST),
                                   f2=sd.strptime_format(MONTH_FIRST))


def decide_date_order(values):
    """The day/month order of a file's slash dates, from every value of its date column
    (line, text): (order, None), or (None, (day-first line, month-first line)) when the file
    does not decide it (either line None) or decides it both ways."""
    day_line = month_line = None
    for line, text in values:
        sd = slash_date(text)
        if sd is None:
            continue
        day, month = sd.evidence()
        if day and day_line is None:
            day_line = (line, sd)
        if month and month_line is None:
            month_line = (line, sd)
    if day_line and not month_line:
        return DAY_FIRST, None
    if month_line and not day_line:
        return MONTH_FIRST, None
    return None, (day_line, month_line)


def parse_date(text, date_format, order=UNKNOWN):
    """(ISO 8601 text, None) or (None, reason). A blank date is '' (no error).
    Without date_format: ISO 8601, or a slash date in the file's day/month order (decided before,
    from the whole file)."""
    t = text.strip()
    if t == "":
        return "", None  # DECISION: a blank date is not a parse error; administered stays empty
    if date_format:
        try:
            d = datetime.datetime.strptime(t, date_format)
        except ValueError:
            return None, REASON_BAD_DATE_FMT.format(fmt=date_format)
        has_time = any(x in date_format for x in ("%H", "%I", "%M", "%S", "%T", "%R"))
        return (d.strftime("%Y-%m-%dT%H:%M:%S") if has_time else d.strftime("%Y-%m-%d")), None
    iso = parse_iso(t)
    if iso is not None:
        if iso == "bad":
            return None, REASON_DATE_NOT_REAL.format(form=date_form(t, order))
        return iso[1], None
    m = SLASH_RE.match(t)
    if m and len(m.group(3)) == 4:
        got = SlashDate(m).to_iso(order)
        if got is None:
            return None, REASON_DATE_NOT_REAL.format(form=date_form(t, order))
        return got, None
    if m:
        return None, REASON_DATE_TWO_DIGIT_YEAR.format(form=date_form(t, order))
    if DATE_SHAPE_RE.match(t):
        return None, REASON_DATE_OTHER_FORM.format(form=date_form(t, order))
    return None, REASON_DATE_UNREAD


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------
def min_needed(missing, n):
    """The fewest answered items (or parts) out of n that still give a score."""
    if "min_answered" in missing:
        return missing["min_answered"]
    if "min_fraction" in missing:
        return missing["min_fraction"] * n  # k >= fraction * n
    return n


def score_all(inst, answers, norm):
    """answers: item id -> raw answer or None. Returns {score id: dict} in evaluation order."""
    results = {}
    for s in inst.evaluation_order():
        missing = s.get("missing", {}) or {}
        parts = composite_parts(inst, s)
        if parts is None:
            ids = score_items(inst, s)
            n = len(ids)
            keyed = [inst.min + inst.max - answers[i] if inst.reverse[i] else answers[i]
                     for i in ids if answers[i] is not None]
            k = len(keyed)
            r = {"n_answered": k, "n_items": n, "value": None}
            if k == 0 or k < min_needed(missing, n):
                r["status"] = "insufficient"
            else:
                total = sum(keyed)  # integers: exact
                if s["method"] == "mean":
                    r["value"] = total / k
                elif k == n:
                    r["value"] = total
                elif missing.get("prorate"):
                    r["value"] = total * n / k  # (sum * n) / k, as written in docs/score.md
                else:
                    r["status"] = "insufficient"
                if r["value"] is not None:
                    r["status"] = "ok" if k == n else "prorated"
        else:
            got = [results[p] for p in parts]
            p, usable = len(got), [g for g in got if g["value"] is not None]
            c = len(usable)
            r = {"n_answered": sum(g["n_answered"] for g in got),
                 "n_items": sum(g["n_items"] for g in got), "value": None}
            if c == 0 or c < min_needed(missing, p) or \
                    (s["method"] == "sum" and c < p and not missing.get("prorate")):
                r["status"] = "insufficient"
            else:
                total = 0.0
                for g in usable:  # in part order
                    total += g["value"]
                if s["method"] == "mean":
                    r["value"] = total / c
                else:
                    r["value"] = total if c == p else total * p / c
                any_short = c < p or any(g["status"] == "prorated" for g in usable)
                r["status"] = "prorated" if any_short else "ok"
        r["z"] = r["t"] = r["percentile"] = None
        if norm is not None and r["value"] is not None and s["id"] in (norm.get("scores") or {}):
            m = norm["scores"][s["id"]]
            z = (r["value"] - m["mean"]) / m["sd"]
            r["z"], r["t"] = z, 50 + 10 * z
            r["percentile"] = 100 * (0.5 * math.erfc(-z / math.sqrt(2)))
        results[s["id"]] = r
    return results


def validity_indices(inst, answers, attention_answers):
    raw = [answers[i] for i in inst.item_ids]  # published order
    answered = [a for a in raw if a is not None]
    v = {"missing_fraction": (len(raw) - len(answered)) / len(raw)}
    longest = run = 0
    prev = None
    for a in raw:
        if a is None:
            run, prev = 0, None
            continue
        run = run + 1 if a == prev else 1
        prev = a
        longest = max(longest, run)
    v["longstring"] = longest
    n = len(answered)
    if n >= 2:
        # Exact for integer answers: var = (n*sum(x^2) - sum(x)^2) / (n*(n-1)), one rounding.
        s1, s2 = sum(answered), sum(a * a for a in answered)
        v["irv"] = math.sqrt((n * s2 - s1 * s1) / (n * (n - 1)))
    else:
        v["irv"] = None
    if inst.attention:
        failed = 0
        for a in inst.attention:
            ans = attention_answers.get(a["id"])
            if ans is None or ans not in a["expect"]:
                failed += 1
        v["attention_failed"] = failed
    return v


def validity_rules(inst):
    """The validity flags as (id, [(index, op, threshold, threshold key)]) for the thresholds
    the instrument sets."""
    val = inst.validity
    careless, invalid = [], []
    if "max_longstring" in val:
        careless.append(("longstring", ">", val["max_longstring"], "max_longstring"))
    if "min_irv" in val:
        careless.append(("irv", "<", val["min_irv"], "min_irv"))
    if "max_missing_fraction" in val:
        invalid.append(("missing_fraction", ">", val["max_missing_fraction"],
                        "max_missing_fraction"))
    if inst.attention:  # max_failed_checks defaults to 0 when there are checks
        invalid.append(("attention_failed", ">", val.get("max_failed_checks", 0),
                        "max_failed_checks"))
    return [("careless", careless), ("invalid", invalid)]


# --------------------------------------------------------------------------------------------
# Flag rules: a small recursive-descent parser and three-valued (Kleene) evaluation.
# True / False / None (unknown).
# --------------------------------------------------------------------------------------------
def tokenize(rule):
    toks, i = [], 0
    while i < len(rule):
        c = rule[i]
        if c.isspace():
            i += 1
        elif rule[i:i + 2] in ("<=", ">=", "==", "!="):
            toks.append(rule[i:i + 2])
            i += 2
        elif c in "<>()":
            toks.append(c)
            i += 1
        else:
            j = i
            while j < len(rule) and (rule[j].isalnum() or rule[j] in "._-"):
                j += 1
            if j == i:
                raise ValueError("bad rule: " + rule)
            toks.append(rule[i:j])
            i = j
    return toks


def cutoff_text(c):
    """A cutoff's number as the YAML file wrote it (PyYAML keeps 5.0 a float, 5 an int)."""
    return str(c["value"])


def cutoff_origin(c):
    """{NAME.origin}: where a cutoff's value comes from (instruments/README.md)."""
    if c.get("source"):
        return " ".join(c["source"].split()) + ("; used as a local default"
                                                 if c.get("local_default") else "")
    if c.get("local_default"):
        return "a local default, not a published norm"
    return "no source given"


def fill_text(text, cutoffs):
    """A because/cutoff text with {NAME} and {NAME.origin} placeholders filled in."""
    def one(m):
        name = m.group(1)
        if name.endswith(".origin"):
            return cutoff_origin(cutoffs[name[:-len(".origin")]])
        return cutoff_text(cutoffs[name])
    return re.sub(r"\{([^}]*)\}", one, text)


def rule_in_numbers(rule, cutoffs):
    """The rule with every cutoff name written as its number (what outputs show)."""
    return re.sub(r"(?<![\w.])[A-Za-z_]\w*(?![\w.])",
                  lambda m: cutoff_text(cutoffs[m.group(0)]) if m.group(0) in cutoffs
                  else m.group(0), rule)


def parse_rule(rule, cutoffs=None):
    toks = tokenize(rule)
    if cutoffs:  # a named cutoff is its number
        toks = [cutoff_text(cutoffs[t]) if t in cutoffs else t for t in toks]
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take():
        pos[0] += 1
        return toks[pos[0] - 1]

    def p_or():
        node = p_and()
        while peek() == "or":
            take()
            node = ("or", node, p_and())
        return node

    def p_and():
        node = p_not()
        while peek() == "and":
            take()
            node = ("and", node, p_not())
        return node

    def p_not():
        if peek() == "not":
            take()
            return ("not", p_not())
        return p_cmp()

    def operand(tok):
        try:
            return ("num", float(tok))
        except ValueError:
            return ("ref", tok)

    def p_cmp():
        if peek() == "(":
            take()
            node = p_or()
            assert take() == ")"
            return node
        left = operand(take())
        op = take()
        right = operand(take())
        return ("cmp", op, left, right)

    tree = p_or()
    assert pos[0] == len(toks), rule
    return tree


def ref_names(tree, out):
    """Referenced score fields in order of first appearance (for `detail`)."""
    if tree[0] == "cmp":
        for side in tree[2:]:
            if side[0] == "ref" and side[1] not in out:
                out.append(side[1])
    else:
        for sub in tree[1:]:
            ref_names(sub, out)
    return out


def ref_value(name, results):
    score, _, field = name.partition(".")
    r = results[score]
    return r["value"] if field in ("", "value") else r[field]


CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
       ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def evaluate(tree, lookup):
    kind = tree[0]
    if kind == "cmp":
        vals = [side[1] if side[0] == "num" else lookup(side[1]) for side in tree[2:]]
        if any(v is None for v in vals):
            return None
        return CMP[tree[1]](vals[0], vals[1])
    if kind == "not":
        v = evaluate(tree[1], lookup)
        return None if v is None else not v
    a, b = evaluate(tree[1], lookup), evaluate(tree[2], lookup)
    if kind == "and":
        if a is False or b is False:
            return False
        return True if (a and b) else None
    if a is True or b is True:  # or
        return True
    return False if (a is False and b is False) else None


# --------------------------------------------------------------------------------------------
# Output formatting
# --------------------------------------------------------------------------------------------
def fmt_num(x):
    """Shortest round-trip text (Python repr); integral values without a decimal point."""
    if x is None:
        return ""
    if isinstance(x, bool):
        raise TypeError(x)
    if isinstance(x, int):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def csv_field(s):
    s = "" if s is None else str(s)
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


# docs/score.md "Spreadsheet safety": text from the input (ids, group, therapist, file names, and
# every cell of the quarantine CSV) that a spreadsheet would run as a formula -- first character
# one of = + - @ TAB CR (the OWASP rule) -- gets a leading apostrophe, unless the whole text is a
# plain decimal number ("-99", "+1", "2.5e-3"), which a spreadsheet reads as that number only.
# Numbers the scorer computes are never passed through this.
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def sheet_text(s):
    s = "" if s is None else str(s)
    if s[:1] in ("=", "@", "\t", "\r"):
        return "'" + s
    if s[:1] in ("+", "-") and not PLAIN_NUMBER.fullmatch(s):
        return "'" + s
    return s


def csv_line(fields):
    return ",".join(csv_field(f) for f in fields) + "\n"


def wide_num(x):
    """A double of the wide format: Python's repr of the float (5.0, 0.25); empty when
    missing."""
    return "" if x is None else repr(float(x))


def wide_line(fields):
    def one(f):
        f = "" if f is None else str(f)
        return '"' + f.replace('"', '""') + '"' if any(c in f for c in ',";\r\n') else f
    return ",".join(one(f) for f in fields) + "\n"


def json_num(x):
    return "null" if x is None else fmt_num(x)


def json_str(s):
    return "null" if s is None or s == "" else json.dumps(s, ensure_ascii=False)


def fmt_rule_number(x):
    return fmt_num(float(x)) if not isinstance(x, int) else str(x)


# --------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------
def column_index(header, name, what):
    if name.startswith("#") and name[1:].isdigit():
        i = int(name[1:]) - 1
        if not 0 <= i < len(header):
            raise UsageError("mapping: %s: no column %s" % (what, name))
        return i
    for i, h in enumerate(header):
        if h == name:
            return i
    raise UsageError("mapping: %s: no column '%s' in the header" % (what, name))


def process_file(path, inst, mapping, profile_opt, norm_id, norm, out_rows, out_json,
                 quarantine, counts, messages, stdin_data=None, out_wide=None):
    """Score one input. Appends to out_rows/out_json/quarantine, adds to counts and appends
    stderr lines to messages. Returns 2 when the file does not fit the mapping, else 0."""
    display = "(stdin)" if path == "-" else path
    if path == "-":
        data = stdin_data if stdin_data is not None else sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    text, enc = decode(data)
    records = parse_records(text, sniff_delimiter(text))
    profile = detect_profile(records) if profile_opt == "auto" else profile_opt
    nhead, id_col = PROFILES[profile]
    if profile == "qualtrics" and not (len(records) > 2 and
                                       records[2][1][0].strip().startswith('{"ImportId"')):
        nhead = 2  # legacy export: tags and question text only
    header = [h.strip() for h in records[0][1]]
    rows = records[nhead:]

    col = {}
    rid_name = mapping.response_id or (id_col if id_col in header else None)
    rid_parts = []
    if rid_name:
        col["response_id"] = column_index(header, rid_name, "response_id")
    elif profile == "redcap":
        for raw, label in REDCAP_ID_PARTS:
            for name in (raw, label):
                if name in header:
                    rid_parts.append(header.index(name))
                    break
            if len(rid_parts) == 0:
                break  # no record id column: the line number
    col["client_id"] = column_index(header, mapping.client_id, "client_id")
    for key in ("group", "therapist", "administered"):
        if getattr(mapping, key):
            col[key] = column_index(header, getattr(mapping, key), key)
    item_col = {i: column_index(header, c, "item %d" % i) for i, c in mapping.items.items()}
    att_col = {a: column_index(header, c, "attention " + a) for a, c in mapping.attention.items()}

    def read_id(fields):
        if "response_id" in col:
            return fields[col["response_id"]].strip() if col["response_id"] < len(fields) else ""
        if rid_parts:
            parts = [fields[c].strip() for c in rid_parts if c < len(fields)]
            return "/".join([parts[0]] + [x for x in parts[1:] if x])
        return None

    delim = sniff_delimiter(text)
    messages.append(MSG_PROFILE.format(file=display, profile=profile, enc=enc,
                                       delim="\\t" if delim == "\t" else delim, n=nhead,
                                       s="" if nhead == 1 else "s"))

    # Bad bytes count only in the columns the mapping reads; elsewhere (a comment, a name the
    # mapping does not name) they are ignored.
    mapped = set(col.values()) | set(rid_parts) | set(item_col.values()) | set(att_col.values())

    def bad_mapped(fields):
        return any(has_bad_text(f) for c, f in enumerate(fields) if c in mapped)

    def readable(fields):
        return not bad_mapped(fields) and len(fields) == len(header)

    def item_states(fields):
        return {i: parse_answer(inst, mapping, fields[item_col[i]]) for i in inst.item_ids}

    def administered_row(fields):
        """docs/score.md: a row answering no item (blank or a missing spelling; attention
        checks do not count) is not administered. A cell that is not an answer counts."""
        return any(st != "missing" for st, _ in item_states(fields).values())

    # Slash dates without date_format: the day/month order is decided from the whole file, at
    # the first slash date the rows reach (a row whose date is checked: readable, administered).
    # DECISION: the evidence is every readable row's date cell (a row with bad bytes or a wrong
    # field count is not trusted). A file that does not decide the order, or decides it both
    # ways, is refused as a whole: nothing of it is scored, quarantined or counted. (docs: rows
    # with ISO dates before the first slash date would have been written; no fixture has them.)
    order = UNKNOWN
    if "administered" in col and not mapping.date_format:
        c = col["administered"]
        if any(readable(f) and administered_row(f) and slash_date(f[c]) for _, f in rows):
            order, lines = decide_date_order([(ln, f[c]) for ln, f in rows if readable(f)])
            if order is UNKNOWN:
                day, month = lines
                if day and month:
                    messages.append(MSG_DATES_MIXED.format(
                        file=display, col=header[c], dl=day[0], ml=month[0],
                        f1=day[1].strptime_format(DAY_FIRST),
                        f2=month[1].strptime_format(MONTH_FIRST)))
                else:
                    first = next(f[c] for _, f in rows if readable(f) and slash_date(f[c]))
                    messages.append(MSG_DATES_UNDECIDED.format(
                        file=display, col=header[c], hint=date_hint(first, UNKNOWN)))
                messages.append(MSG_NOT_SCORED.format(file=display))
                return 2
    counts["files"] += 1

    seen_ids = {}  # ids of SCORED rows only: the first scored row wins
    not_administered = scored_here = 0
    quarantined_rows = []  # the problems of each quarantined row, for the file-level check
    for line, fields in rows:
        counts["rows"] += 1
        rid = read_id(fields)
        has_id_col = rid is not None
        problems = []  # (kind, column, value, reason), in the binary's order

        def quarantine_row(row_id):
            counts["quarantined"] += 1
            quarantined_rows.append(list(problems))
            for _, c, v, why in problems:
                quarantine.append([sheet_text(display), line, sheet_text(row_id),
                                   sheet_text(c), sheet_text(v), sheet_text(why)])

        if bad_mapped(fields):
            # the record's bytes cannot be trusted: nothing of it is copied, not even its id
            problems.append(("encoding", "", "",
                             REASON_ENCODING.format(enc=ENCODING_NAMES[enc])))
            quarantine_row("")
            continue
        if len(fields) != len(header):
            problems.append(("row", "", "",
                             REASON_FIELD_COUNT.format(want=len(header), got=len(fields))))
            quarantine_row(rid if has_id_col else "")
            continue
        if not has_id_col:
            rid = str(line)
        # Not administered comes before every other check of the row.
        states = item_states(fields)
        if all(st == "missing" for st, _ in states.values()):
            not_administered += 1
            continue
        # Problems in this order: response id, client id, date, items by number, attention.
        rid_header = header[col["response_id"]] if "response_id" in col else \
            (header[rid_parts[0]] if rid_parts else "")
        if has_id_col and rid == "":
            problems.append(("response-id", rid_header, "", REASON_BLANK_ID))
        client = fields[col["client_id"]].strip()
        if client == "":
            problems.append(("client-id", header[col["client_id"]], "", REASON_BLANK_CLIENT))
        administered = ""
        if "administered" in col:
            cell = fields[col["administered"]]
            administered, why = parse_date(cell, mapping.date_format, order)
            if administered is None:
                problems.append(("date", header[col["administered"]], cell.strip(), why))
        answers = {}
        for i in inst.item_ids:
            state, v = states[i]
            answers[i] = v if state == "ok" else None
            if state == "error":
                problems.append((v[0], header[item_col[i]], fields[item_col[i]].strip(),
                                 "item %d: %s" % (i, v[1])))
        att_answers = {}
        for a, c in att_col.items():
            state, v = parse_answer(inst, mapping, fields[c])
            att_answers[a] = v if state == "ok" else None
            if state == "error":
                problems.append(("attention", header[c], fields[c].strip(),
                                 "attention check '%s': %s" % (a, v[1])))
        # the duplicate check runs on rows that are otherwise fine
        if not problems and has_id_col:
            if rid in seen_ids:
                problems.append(("duplicate", rid_header, rid,
                                 REASON_DUPLICATE.format(line=seen_ids[rid])))
            else:
                seen_ids[rid] = line
        if problems:
            quarantine_row(rid)
            continue

        scored_here += 1
        counts["scored"] += 1
        carried = {
            "group": fields[col["group"]].strip() if "group" in col else "",
            "therapist": fields[col["therapist"]].strip() if "therapist" in col else "",
            "administered": administered,
        }
        results = score_all(inst, answers, norm)
        validity = validity_indices(inst, answers, att_answers)

        # flags: the instrument's flags in file order, then careless, then invalid
        flags = []
        for fl in inst.flags:
            tree = parse_rule(fl["rule"], inst.cutoffs)
            outcome = evaluate(tree, lambda name: ref_value(name, results))
            if outcome is False:
                continue
            flags.append({
                "id": fl["id"], "label": fl["label"], "severity": fl["severity"],
                "status": "raised" if outcome else "not_evaluable",
                "rule": rule_in_numbers(fl["rule"], inst.cutoffs),
                "values": [(nm, ref_value(nm, results)) for nm in ref_names(tree, [])],
                "because": " ".join(fill_text(fl["because"], inst.cutoffs).split())})
        for fid, conds in validity_rules(inst):
            if not conds:
                continue
            vals = [validity[ix] for ix, _, _, _ in conds]
            outcome = False
            for (ix, op, thr, _), v in zip(conds, vals):
                one = None if v is None else CMP[op](v, thr)
                outcome = True if (outcome is True or one is True) else \
                    (None if (outcome is None or one is None) else False)
            if outcome is False:
                continue
            flags.append({
                "id": fid, "label": VALIDITY_FLAGS[fid]["label"], "severity": "medium",
                "status": "raised" if outcome else "not_evaluable",
                "rule": " or ".join("%s %s %s" % (ix, op, fmt_rule_number(thr))
                                    for ix, op, thr, _ in conds),
                "values": [(ix, v) for (ix, _, _, _), v in zip(conds, vals)],
                "because": VALIDITY_FLAGS[fid]["because"]})
        counts["flags"] += sum(1 for f in flags if f["status"] == "raised")

        tail = [norm_id or "", sheet_text(carried["group"]), sheet_text(carried["therapist"]),
                carried["administered"], sheet_text(display), line] + [fmt_num(validity.get(ix)) for ix in
                               ("missing_fraction", "longstring", "irv", "attention_failed")]
        head = [sheet_text(rid), sheet_text(client), inst.id]
        for s in inst.evaluation_order():
            r = results[s["id"]]
            out_rows.append(head + [s["id"], fmt_num(r["value"]), r["n_answered"], r["n_items"],
                                    fmt_num(r["z"]), fmt_num(r["t"]), fmt_num(r["percentile"]),
                                    r["status"], "score", "", "", ""] + tail)
        for f in flags:
            detail = f.get("detail") or "; ".join(
                "%s=%s" % (nm, "missing" if v is None else fmt_num(v)) for nm, v in f["values"])
            out_rows.append(head + [f["id"], "", "", "", "", "", "", f["status"], "flag",
                                    f["severity"], detail, f["because"]] + tail)

        # Wide row (docs/score.md "Wide format")
        if out_wide is not None:
            wide = [sheet_text(rid), sheet_text(client), inst.id, carried["administered"],
                    sheet_text(carried["group"]), sheet_text(carried["therapist"])]
            for s in inst.scores:  # the definition file's order
                r = results[s["id"]]
                wide += [wide_num(r["value"]), r["status"]]
                if norm_id:
                    wide += [wide_num(r["z"]), wide_num(r["t"]), wide_num(r["percentile"])]
            vids = ("careless", "invalid")
            raised_v = [f["id"] for f in flags if f["id"] in vids and f["status"] == "raised"]
            unknown_v = any(f["id"] in vids and f["status"] != "raised" for f in flags)
            wide += [";".join(f["id"] for f in flags
                              if f["id"] not in vids and f["status"] == "raised"),
                     ";".join(raised_v) or ("not_evaluable" if unknown_v else "ok"),
                     wide_num(validity["missing_fraction"]), str(validity["longstring"]),
                     wide_num(validity.get("irv"))]
            out_wide.append(wide)

        # JSON Lines object, keys in the order of docs/score.md
        scores_json = ",".join(
            '%s:{"value":%s,"n_answered":%d,"n_items":%d,"z":%s,"t":%s,"percentile":%s,'
            '"status":%s}' % (json.dumps(s["id"]), json_num(results[s["id"]]["value"]),
                              results[s["id"]]["n_answered"], results[s["id"]]["n_items"],
                              json_num(results[s["id"]]["z"]), json_num(results[s["id"]]["t"]),
                              json_num(results[s["id"]]["percentile"]),
                              json.dumps(results[s["id"]]["status"]))
            for s in inst.evaluation_order())
        validity_json = ",".join('"%s":%s' % (ix, json_num(validity.get(ix)))
                                 for ix in ("missing_fraction", "longstring", "irv",
                                            "attention_failed"))
        flags_json = ",".join(
            '{"id":%s,"label":%s,"severity":%s,"status":%s,"rule":%s,"values":{%s},'
            '"because":%s}' % (json_str(f["id"]), json_str(f["label"]), json_str(f["severity"]),
                               json_str(f["status"]), json_str(f["rule"]),
                               ",".join("%s:%s" % (json.dumps(nm), json_num(v))
                                        for nm, v in f["values"]),
                               json_str(f["because"]))
            for f in flags)
        out_json.append(
            '{"response_id":%s,"client_id":%s,"instrument":%s,"source":%s,"line":%d,'
            '"group":%s,"therapist":%s,"administered":%s,"norm":%s,"scores":{%s},'
            '"validity":{%s},"flags":[%s]}\n'
            % (json_str(rid), json_str(client), json_str(inst.id), json_str(display), line,
               json_str(carried["group"]), json_str(carried["therapist"]),
               json_str(carried["administered"]), json_str(norm_id), scores_json,
               validity_json, flags_json))

    if not_administered:
        messages.append(MSG_NOT_ADMINISTERED.format(file=display, n=not_administered,
                                                    s="" if not_administered == 1 else "s",
                                                    inst=inst.id))
    if scored_here == 0 and len(quarantined_rows) >= FILE_PROBLEM_MIN_ROWS:
        msg = common_problem(quarantined_rows, inst, mapping, order)
        if msg:
            messages.append("%s: %s" % (display, msg))
            return 2
    return 0


# docs/score.md: one or two rows sharing a problem are the rows' own, not the mapping's.
FILE_PROBLEM_MIN_ROWS = 3
COMMON_BY_COLUMN = ("response-id", "client-id", "date")
COMMON_BY_VALUE = ("label", "scale", "attention")


def common_problem(rows, inst, mapping, order):
    """docs/score.md: no row of the file scored and one problem common to every quarantined row
    (the same kind in the same column: a date, a blank id; or the same answer text or
    out-of-scale number, in any item column) -> "COLUMN: message", else None.
    DECISION: answer texts compare as labels do (any case and spacing); the first such problem
    of the first quarantined row is named."""
    def same(p, q):
        if p[0] != q[0]:
            return False
        if p[0] in COMMON_BY_COLUMN:
            return p[1] == q[1]
        return fold(p[2]) == fold(q[2])

    every = "the only quarantined row" if len(rows) == 1 else "every quarantined row"
    for p in rows[0]:
        if p[0] not in COMMON_BY_COLUMN + COMMON_BY_VALUE:
            continue
        if not all(any(same(p, q) for q in r) for r in rows[1:]):
            continue
        kind, column, value = p[0], p[1], p[2]
        if kind == "date":
            day = month = False
            for r in rows:
                for q in r:
                    m = SLASH_RE.match(q[2]) if same(p, q) else None
                    if m:
                        d, mo = SlashDate(m).evidence()
                        day, month = day or d, month or mo
            dorder = DAY_FIRST if day and not month else MONTH_FIRST if month and not day \
                else UNKNOWN
            fix = HINT_FIX_FORMAT.format(f=mapping.date_format) if mapping.date_format else \
                date_hint(value, dorder)
            msg = FILE_PROBLEM_DATE.format(col=column, every=every,
                                           form=date_form(value, dorder), fix=fix)
        elif kind in ("response-id", "client-id"):
            key = kind.replace("-", "_")
            msg = FILE_PROBLEM_BLANK.format(col=column, key=key, every=every,
                                            what=kind.replace("-", " "))
        else:
            v = value.replace("\\", "\\\\").replace('"', '\\"')
            text = FILE_PROBLEM_SCALE if kind == "scale" else FILE_PROBLEM_LABEL
            msg = text.format(every=every, v=v, col=column, lo=inst.min, hi=inst.max,
                              inst=inst.id)
        return "%s: %s" % (column, msg)
    return None


def parse_args(argv):
    opts = {"instrument": None, "mapping": None, "profile": "auto", "norms": None,
            "format": "csv", "out": None, "quarantine": None, "inputs": []}
    names = {"-i": "instrument", "-m": "mapping", "--profile": "profile", "--norms": "norms",
             "--format": "format", "-o": "out", "--quarantine": "quarantine"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in names:
            if i + 1 >= len(argv):
                raise UsageError("option %s needs a value" % a)
            opts[names[a]] = argv[i + 1]
            i += 2
        elif a.startswith("-") and a != "-":
            raise UsageError("unknown option " + a)
        else:
            opts["inputs"].append(a)
            i += 1
    if not opts["instrument"]:
        raise UsageError("-i INSTRUMENT is required")
    if not opts["inputs"]:
        raise UsageError("no INPUT given")
    if opts["profile"] not in ("auto",) + tuple(PROFILES):
        raise UsageError("unknown profile " + opts["profile"])
    if opts["format"] not in ("csv", "wide", "json"):
        raise UsageError("unknown format " + opts["format"])
    return opts


def run(argv, stdout, stdin_data=None):
    """Run one command line; returns (exit status, stderr text). Writes files like qscore.
    stdin_data: the bytes of standard input for an INPUT "-" (default: read sys.stdin)."""
    messages = []
    status = 0
    try:
        opts = parse_args(argv)
        inst = Instrument(load_data_file(find_instrument(opts["instrument"])))
        mapping = Mapping(load_data_file(opts["mapping"]) if opts["mapping"] else None, inst)
        norm = None
        if opts["norms"]:
            if opts["norms"] not in inst.norms:
                raise UsageError("unknown norm population " + opts["norms"])
            norm = inst.norms[opts["norms"]]
        rows, jrows, wrows, quarantine = [], [], [], []
        if opts["format"] == "wide":
            wcols = wide_columns(inst, bool(opts["norms"]))
        counts = {"files": 0, "rows": 0, "scored": 0, "quarantined": 0, "flags": 0}
        for path in opts["inputs"]:
            status = max(status, process_file(path, inst, mapping, opts["profile"],
                                              opts["norms"], norm, rows, jrows, quarantine,
                                              counts, messages, stdin_data, wrows))
    except UsageError as e:
        return 2, "qscore: %s\n" % e

    if opts["format"] == "csv":
        body = csv_line(CSV_COLUMNS) + "".join(csv_line(r) for r in rows)
    elif opts["format"] == "wide":
        body = wide_line(wcols) + "".join(wide_line(r) for r in wrows)
    else:
        body = "".join(jrows)
    qbody = csv_line(QUARANTINE_COLUMNS) + "".join(csv_line(r) for r in quarantine)
    if opts["out"]:
        # Nothing scored: no output file (one holding only a header would look like a result).
        if counts["scored"]:
            with open(opts["out"], "w", encoding="utf-8", newline="") as f:
                f.write(body)
        else:
            messages.append("nothing scored: '%s' not written" % opts["out"])
        qpath = opts["quarantine"] or os.path.splitext(opts["out"])[0] + ".quarantine.csv"
    else:
        stdout.write(body)
        qpath = opts["quarantine"] or "qscore-quarantine.csv"
    with open(qpath, "w", encoding="utf-8", newline="") as f:
        f.write(qbody)
    q = counts["quarantined"]
    messages.append(MSG_SUMMARY.format(
        scored=counts["scored"], rows=counts["rows"], files=counts["files"],
        s="" if counts["files"] == 1 else "s", q=q, to=" to " + qpath if q else "",
        flags=counts["flags"], fs="" if counts["flags"] == 1 else "s"))
    if q:
        status = max(status, 1)
    return status, "".join("qscore: %s\n" % m for m in messages)


def main():
    out = io.StringIO()
    status, err = run(sys.argv[1:], out)
    sys.stdout.buffer.write(out.getvalue().encode("utf-8"))
    sys.stderr.write(err)
    return status


if __name__ == "__main__":
    sys.exit(main())
