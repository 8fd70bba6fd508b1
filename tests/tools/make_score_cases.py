#!/usr/bin/env python3
"""Generate the end-to-end cases tests/cases/score/<name>/ for `qscore score`.

    python3 tests/tools/make_score_cases.py          # (re)writes every case folder

Inputs are built here from fixed data and fixed seeds (synthetic ids only: C001, R_0001, T-A,
G1); the expected outputs come from tests/tools/reference_score.py, an independent reading of
docs/score.md, run in the case folder exactly as tests/run_case.cmake runs qscore. Every case
also lists a few values that were checked by hand (about.txt); the generator asserts that those
texts appear in the generated outputs, so a change to the reference cannot silently move them.

Needs PyYAML (the reference reads instrument files). Deterministic: running it twice gives the
same bytes.
"""
import csv
import io
import math
import os
import random
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CASES = os.path.join(ROOT, "tests", "cases", "score")
CASES_STDIN = os.path.join(ROOT, "tests", "cases", "score-stdin")
sys.path.insert(0, HERE)
import reference_score as ref  # noqa: E402

SFCDS = "../../../../instruments/sfcds.yaml"
ECRR = "../../../../instruments/ecr-r.yaml"
DSIR = "../../../../instruments/dsi-r.yaml"
IOS = "../../../../instruments/ios.yaml"
Q = ["--quarantine", "@WORK@/quarantine.csv"]

ECRR_REVERSED = {9, 11, 20, 22, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36}
DSIR_UNREVERSED = {4, 7, 11, 15, 19, 23, 27, 31, 37, 41, 43}
DSIR_SCALES = {
    "ER": [1, 6, 10, 14, 18, 21, 26, 30, 34, 38, 40],
    "IP": [4, 7, 11, 15, 19, 23, 27, 31, 35, 41, 43],
    "EC": [2, 3, 8, 12, 16, 20, 24, 28, 32, 36, 39, 42],
    "FO": [5, 9, 13, 17, 22, 25, 29, 33, 37, 44, 45, 46],
}

ALL_ANSWERS = []  # every scored row's raw answers, for the irv robustness check at the end


# ------------------------------------------------------------------------------------------
# Building inputs
# ------------------------------------------------------------------------------------------
def csv_text(rows, delim=",", eol="\n", quote_all=False):
    out = []
    for row in rows:
        cells = []
        for c in row:
            c = str(c)
            if quote_all or any(x in c for x in (delim, '"', "\r", "\n")) or c != c.strip():
                c = '"' + c.replace('"', '""') + '"'
            cells.append(c)
        out.append(delim.join(cells) + eol)
    return "".join(out)


def sf(pattern):
    """16 SFCDS answers from a compact pattern: digits, '_' for blank."""
    assert len(pattern) == 16, pattern
    return ["" if ch == "_" else ch for ch in pattern]


def keyed_to_raw(keyed, reversed_items, lo, hi):
    """keyed: list (item 1..n) of keyed values or None -> raw answers as ints or None."""
    return [None if k is None else (lo + hi - k if (i + 1) in reversed_items else k)
            for i, k in enumerate(keyed)]


def values_with_sum(rng, n, total, lo, hi):
    """n whole numbers in lo..hi adding up to total, spread at random (deterministic)."""
    vals = [total // n] * n
    for i in range(total - sum(vals)):
        vals[i] += 1
    for _ in range(n * 3):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b and vals[a] < hi and vals[b] > lo:
            vals[a] += 1
            vals[b] -= 1
    rng.shuffle(vals)
    assert sum(vals) == total and all(lo <= v <= hi for v in vals)
    return vals


def longstring(raw):
    best = run = 0
    prev = None
    for a in raw:
        if a is None:
            run, prev = 0, None
            continue
        run = run + 1 if a == prev else 1
        prev = a
        best = max(best, run)
    return best


def irv_variants(a):
    """The sample SD of integer answers by four textbook algorithms (a set of doubles)."""
    a = [int(x) for x in a if x is not None]
    n = len(a)
    if n < 2:
        return {None}
    s1, s2 = sum(a), sum(x * x for x in a)
    exact = math.sqrt((n * s2 - s1 * s1) / (n * (n - 1)))
    mean = sum(float(x) for x in a) / n
    twopass = math.sqrt(sum((x - mean) ** 2 for x in a) / (n - 1))
    naive = math.sqrt((float(s2) - float(s1) * s1 / n) / (n - 1))
    m = q = 0.0
    for i, x in enumerate(a, 1):
        d = x - m
        m += d / i
        q += d * (x - m)
    welford = math.sqrt(q / (n - 1))
    return {exact, twopass, naive, welford}


def irv_robust(raw):
    return len(irv_variants(raw)) == 1


def cells(raw):
    return ["" if a is None else str(a) for a in raw]


def note_answers(raw):
    ALL_ANSWERS.append([int(a) for a in raw if a not in (None, "")])


# ------------------------------------------------------------------------------------------
# Writing and running a case
# ------------------------------------------------------------------------------------------
def write_case(name, about, inputs, args, mapping=None, extra=None, checks=(), want_status=None,
               keep_stderr=False, expect_stdout=True, rows=(), cases=CASES, status_file=False,
               error_by_hand=None):
    """inputs: {file name: bytes} (a file named "stdin" is fed to the command). args: the command
    line after `qscore` (one per line). checks: texts that must occur in the outputs; rows:
    (response_id, score, {column: text}) that must hold for the CSV row of that administration
    and score (or flag) id. keep_stderr: also expect stderr (file `error`, the scratch folder
    written @WORK@). about None: no about.txt. status_file: write `status` even for 0.
    error_by_hand: the expected stderr as qscore words it, for usage and mapping errors whose
    wording the reference does not model (a failing case must check its message, not only its
    status: tests/CMakeLists.txt); the reference still decides the status."""
    d = os.path.join(cases, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    for fname, data in inputs.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
    if mapping is not None:
        with open(os.path.join(d, "mapping.yaml"), "w", encoding="utf-8", newline="\n") as f:
            f.write(mapping)
    for fname, text in (extra or {}).items():
        with open(os.path.join(d, fname), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    with open(os.path.join(d, "args"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(a + "\n" for a in args))

    # Run the reference like run_case.cmake runs qscore: in the case folder, @WORK@ = scratch.
    work = tempfile.mkdtemp(prefix="qscore-ref-")
    old_cwd, old_env = os.getcwd(), os.environ.get("QSCORE_INSTRUMENTS")
    try:
        os.chdir(d)
        os.environ["QSCORE_INSTRUMENTS"] = os.path.relpath(os.path.join(ROOT, "instruments"), d)
        argv = [a.replace("@WORK@", work) for a in args[1:]]  # args[0] is the command `score`
        out = io.StringIO()
        status, err = ref.run(argv, out, stdin_data=inputs.get("stdin", b""))
    finally:
        os.chdir(old_cwd)
        if old_env is None:
            os.environ.pop("QSCORE_INSTRUMENTS", None)
        else:
            os.environ["QSCORE_INSTRUMENTS"] = old_env
    if want_status is not None:
        assert status == want_status, (name, status, err)
    produced = {}
    # qscore writes its output unless it stopped before reading an input (usage, instrument or
    # mapping errors); a file that does not fit the mapping (status 2) still gets the header.
    if expect_stdout and (status != 2 or out.getvalue()):
        produced["expected"] = out.getvalue()
    if keep_stderr:
        produced["error"] = err.replace(work, "@WORK@")
    if error_by_hand is not None:
        produced["error"] = error_by_hand
    if status != 0 or status_file:
        with open(os.path.join(d, "status"), "w") as f:
            f.write("%d\n" % status)
    for fname in sorted(os.listdir(work)):
        with open(os.path.join(work, fname), encoding="utf-8", newline="") as f:
            produced["files/" + fname] = f.read()
    shutil.rmtree(work)
    for rel, text in produced.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    everything = "".join(produced.values()) + err  # hand checks may quote stderr too
    for c in checks:
        assert c in everything, "%s: hand-checked text not in the output: %r" % (name, c)
    csv_text_out = produced.get("files/scores.csv") or produced.get("expected", "")
    table = list(csv.DictReader(io.StringIO(csv_text_out)))
    for rid, score, want in rows:
        got = [r for r in table if r["response_id"] == rid and r["score"] == score]
        assert len(got) == 1, (name, rid, score, len(got))
        for k, v in want.items():
            assert got[0][k] == v, "%s: %s %s %s = %r, hand check says %r" % (
                name, rid, score, k, got[0][k], v)
    if about is not None:
        with open(os.path.join(d, "about.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(about.strip() + "\n")
    return produced


# ------------------------------------------------------------------------------------------
# The cases
# ------------------------------------------------------------------------------------------
GENERIC_HEADER = ["response_id", "client_id", "group", "therapist", "date"] + \
    ["SFCDS_%d" % i for i in range(1, 17)]
GENERIC_ROWS = [
    ["R_0001", "C001", "G1", "T-A", "2026-03-01 09:15"] + sf("3425235432435234"),
    ["R_0002", "C002", "G1", "T-A", "2026-03-02 14:30:05"] + sf("45_4165534_53353"),
    ["R_0003", "C003", "G2", "T-B", "2026-03-03T08:00:00"] + sf("3_343_434_353_43"),
    ["R_0004", "C004", "G2", "T-B", "2026-03-04 10:00"] + sf("5565162665656565"),
    ["R_0005", "C001", "G1", "T-A", "2026-03-08 09:15"] + sf("545434346441446_"),
]
GENERIC_MAPPING = """\
# Synthetic export: one header row, the instrument's own item columns (SFCDS_1..SFCDS_16).
response_id: response_id
client_id: client_id
group: group
therapist: therapist
administered: date
"""
GENERIC_ABOUT = """\
Plain one-header export ({variant}), sfcds (16 items 1-6, items 5 and 7 reversed as 7 - x, total =
sum, min 13 answered, prorated; flag high-codependency: total >= 67.2; invalid when
missing_fraction > 0.2). Dates without date_format: ISO forms, written back with seconds.
The validity indices are the last four columns of every row (attention_failed empty: sfcds has
no attention checks).

Checked by hand:
- R_0001 answers 3 4 2 5 2 3 5 4 3 2 4 3 5 2 3 4: raw sum 54; item 5: 7-2=5 (+3), item 7:
  7-5=2 (-3) -> total 54, ok. longstring 1 (no two equal neighbours).
- R_0002: items 3 and 11 blank; answers 4 5 _ 4 1 6 5 5 3 4 _ 5 3 3 5 3: raw sum 56; item 5:
  7-1=6 (+5), item 7: 7-5=2 (-3) -> keyed sum 58 of 14 answered -> prorated 58*16/14 =
  66.28571428571429, status prorated, below 67.2: no flag. missing_fraction 2/16 = 0.125.
- R_0003: items 2, 6, 10, 14 blank: 12 answered < 13 -> total insufficient (value empty);
  missing_fraction 4/16 = 0.25 > 0.2 -> flag invalid raised (detail missing_fraction=0.25);
  high-codependency is not_evaluable (detail total=missing).
- R_0004 answers 5 5 6 5 1 6 2 6 6 5 6 5 6 5 6 5: raw sum 80; item 5: 7-1=6 (+5), item 7:
  7-2=5 (+3) -> total 88 >= 67.2 -> high-codependency raised (detail total=88).
- R_0005: item 16 blank; answers 5 4 5 4 3 4 3 4 6 4 4 1 4 4 6: raw 61; items 5 and 7 answered
  3: 7-3=4 (+1 each) -> keyed 63 -> prorated 63*16/15 = 1008/15 = 67.2, exactly the cutoff ->
  raised (>=). longstring 2 (items 10-11 and 13-14).
"""


def case_generic():
    for a in GENERIC_ROWS:
        note_answers(a[5:])
    checks = ["R_0002,C002,sfcds,total,66.28571428571429,14,16,,,,prorated,score",
              "R_0003,C003,sfcds,total,,12,16,,,,insufficient,score",
              "R_0003,C003,sfcds,invalid,,,,,,,raised,flag,medium,missing_fraction=0.25,",
              "R_0003,C003,sfcds,high-codependency,,,,,,,not_evaluable,flag,medium,total=missing,",
              "R_0004,C004,sfcds,total,88,16,16,,,,ok,score",
              "R_0004,C004,sfcds,high-codependency,,,,,,,raised,flag,medium,total=88,",
              "R_0005,C001,sfcds,total,67.2,15,16,,,,prorated,score",
              "R_0005,C001,sfcds,high-codependency,,,,,,,raised,flag,medium,total=67.2,",
              "R_0001,C001,sfcds,total,54,16,16,,,,ok,score",
              "2026-03-02T14:30:05"]
    rows = [("R_0005", "total", {"longstring": "2", "missing_fraction": "0.0625"}),
            ("R_0001", "total", {"longstring": "1", "missing_fraction": "0",
                                 "attention_failed": ""}),
            ("R_0002", "total", {"missing_fraction": "0.125"}),
            ("R_0003", "invalid", {"missing_fraction": "0.25", "group": "G2"})]
    about = GENERIC_ABOUT
    text = csv_text([GENERIC_HEADER] + GENERIC_ROWS)
    write_case("generic-utf8", about.format(variant="UTF-8, LF, no BOM"),
               {"export.csv": text.encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=GENERIC_MAPPING, checks=checks, rows=rows, want_status=0)
    text = csv_text([GENERIC_HEADER] + GENERIC_ROWS, eol="\r\n")
    write_case("generic-crlf-bom",
               about.format(variant="UTF-8 with BOM, CRLF line ends; same data and expected "
                                    "output as generic-utf8"),
               {"export.csv": b"\xef\xbb\xbf" + text.encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=GENERIC_MAPPING, checks=checks, rows=rows, want_status=0)


def case_excel_cp1252():
    header = ["Client", "Group", "Therapist", "Date"] + ["SFCDS_%d" % i for i in range(1, 17)]
    rows = [
        ["C101", "G1 élan", "T-A", "01.03.2026 09:15"] + sf("2323434523232323"),
        ["C102", "G2 Übung", "T-B", "02.03.2026 17:45"] + sf("4555616545444545"),
        ["C103", "G1 élan", "T-A", "03.03.2026 08:05"] + sf("1212525212121212"),
    ]
    for r in rows:
        note_answers(r[4:])
    mapping = """\
# Excel "CSV" in a German/French locale: Windows-1252, ';' delimiter, CRLF, day-first dates.
# No response_id column: the response id is the line number.
client_id: Client
group: Group
therapist: Therapist
administered: Date
date_format: "%d.%m.%Y %H:%M"
"""
    about = """\
Excel "CSV" export from a European locale: Windows-1252 bytes (group "G1 élan" has 0xE9, "G2
Übung" has 0xDC), ';' delimiter, CRLF. Output is UTF-8 ("G1 élan"). No response_id in the
mapping or profile: response_id = the record's line number (2, 3, 4). date_format %d.%m.%Y %H:%M.

Checked by hand:
- line 2 (C101) answers 2 3 2 3 4 3 4 5 2 3 2 3 2 3 2 3: raw sum 46; item 5: 7-4=3 (-1),
  item 7: 7-4=3 (-1) -> total 44, ok.
- line 3 (C102) answers 4 5 5 5 6 1 6 5 4 5 4 4 4 5 4 5: raw sum 72; item 5: 7-6=1 (-5),
  item 7: 7-6=1 (-5) -> total 62 < 67.2: no flag.
- line 4 (C103) answers 1 2 1 2 5 2 5 2 1 2 1 2 1 2 1 2: raw sum 32; items 5, 7: 7-5=2 (-3 each)
  -> total 26.
"""
    checks = ["2,C101,sfcds,total,44,16,16", "3,C102,sfcds,total,62,16,16",
              "4,C103,sfcds,total,26,16,16", "G1 élan", "G2 Übung", "2026-03-02T17:45:00"]
    text = csv_text([header] + rows, delim=";", eol="\r\n")
    write_case("excel-cp1252-semicolon", about, {"export.csv": text.encode("cp1252")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=0)


def case_utf8_one_bad_byte():
    header = ["client_id", "date", "comment"] + ["SFCDS_%d" % i for i in range(1, 17)]
    rows = [
        ["Zoë-01", "2026-03-01 09:00", "it@@92@@s fine"] + sf("3434343434343434"),
        ["Zoë-01", "2026-03-08 09:00", ""] + sf("2323232323232323"),
    ]
    for r in rows:
        note_answers(r[3:])
    mapping = """\
client_id: client_id
administered: date
"""
    about = """\
The red-team file of issue 14: a UTF-8 export without BOM whose first row has one byte 0x92 (a
Windows-1252 apostrophe pasted into it) in the comment column, which the mapping does not read.
The file holds valid multi-byte UTF-8 ("Zoë-01"), so it is UTF-8: the client stays "Zoë-01" (not
"ZoÃ«-01"), and the bad byte, outside every mapped column, is ignored: both rows are scored,
exit status 0. No response_id: the line numbers (2, 3).

Checked by hand:
- line 2 answers 3 4 3 4 ...: raw 56; items 5 and 7 (3): +1 each -> 58.
- line 3 answers 2 3 2 3 ...: raw 40; items 5 and 7 (2): +3 each -> 46.
"""
    text = csv_text([header] + rows)
    data = text.encode("utf-8").replace(b"@@92@@", b"\x92")
    checks = ["2,Zoë-01,sfcds,total,58,16,16", "3,Zoë-01,sfcds,total,46,16,16",
              "export.csv: generic export, utf-8,"]
    write_case("utf8-one-bad-byte", about, {"export.csv": data},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=0, keep_stderr=True)


def case_excel_utf16le():
    header = ["client_id", "note"] + ["SFCDS_%d" % i for i in range(1, 17)]
    rows = [
        ["C201", "première séance"] + sf("3334333433343325"),
        ["C202", "ok"] + sf("6666616666666666"),
        ["C203", ""] + sf("2_23525222_22122"),
    ]
    for r in rows:
        note_answers(r[2:])
    about = """\
Excel "Unicode Text": UTF-16LE with BOM, TAB-separated, CRLF. No mapping file: the instrument's
own columns SFCDS_1..16 and the column client_id; response_id = line number. The instrument is
given by id (sfcds), found through QSCORE_INSTRUMENTS. An unmapped column with non-ASCII text is
ignored.

Checked by hand:
- line 2 (C201) answers 3 3 3 4 3 3 3 4 3 3 3 4 3 3 2 5: raw sum 52; items 5 and 7: 7-3=4 (+1
  each) -> total 54. longstring 3.
- line 3 (C202) answers 6 6 6 6 6 1 6 6 6 6 6 6 6 6 6 6: raw 91; item 5: 7-6=1 (-5), item 7:
  7-6=1 (-5) -> total 81 -> high-codependency raised. longstring: items 7-16 = 10.
- line 4 (C203) items 2 and 11 blank: answered 2 2 3 5 2 5 2 2 2 2 2 1 2 2 (14); raw 34;
  items 5 and 7: 7-5=2 (-3 each) -> 28; prorated 28*16/14 = 32.
  longstring: items 8-10 -> 3.
"""
    checks = ["2,C201,sfcds,total,54,16,16", "3,C202,sfcds,total,81,16,16",
              "4,C203,sfcds,total,32,14,16,,,,prorated"]
    vrows = [("3", "total", {"longstring": "10"}), ("4", "total", {"longstring": "3"}),
             ("2", "total", {"longstring": "3"})]
    text = csv_text([header] + rows, delim="\t", eol="\r\n")
    write_case("excel-utf16le-tab", about,
               {"export.txt": b"\xff\xfe" + text.encode("utf-16-le")},
               ["score", "-i", "sfcds"] + Q + ["export.txt"], checks=checks, rows=vrows,
               want_status=0)


def ecrr_row(rng, anxiety_sum, avoidance_sum, blanks=()):
    """ECR-R raw answers (36) whose keyed anxiety/avoidance sums are given (None: random)."""
    while True:
        anx = values_with_sum(rng, 18, anxiety_sum, 1, 7)
        avo = values_with_sum(rng, 18, avoidance_sum, 1, 7)
        raw = keyed_to_raw(anx + avo, ECRR_REVERSED, 1, 7)
        for b in blanks:
            raw[b - 1] = None
        if longstring(raw) <= 6 and irv_robust(raw):
            return raw


def case_utf16be():
    rng = random.Random(1603)
    header = ["id", "client", "group", "ECRR_%d" % 1] + ["ECRR_%d" % i for i in range(2, 37)]
    a1 = ecrr_row(rng, 72, 54)
    a2 = ecrr_row(rng, 99, 45)
    a3 = ecrr_row(rng, 36, 108)
    rows = [["R_0301", "C301", "G2 ñ 😀"] + cells(a1),
            ["R_0302", "C302", "G2 ñ 😀"] + cells(a2),
            ["R_0303", "C303", "G3"] + cells(a3)]
    for a in (a1, a2, a3):
        note_answers(a)
    mapping = """\
response_id: id
client_id: client
group: group
"""
    about = """\
UTF-16BE with BOM, comma-separated, LF; ecr-r (36 items 1-7; anxiety = items 1-18, avoidance =
19-36, means after reversal 8 - x). The group "G2 ñ 😀" needs a surrogate pair in UTF-16.
Answers are random (seed 1603) under fixed keyed sums.

Checked by hand:
- R_0301: keyed anxiety sum 72 / 18 = 4; avoidance 54 / 18 = 3. Not >= 5: no flag.
- R_0302: keyed anxiety 99 / 18 = 5.5 >= 5 -> high-attachment-anxiety raised; avoidance
  45 / 18 = 2.5 <= 3 -> anxious-dependent-profile raised (detail anxiety=5.5; avoidance=2.5).
- R_0303: anxiety 36 / 18 = 2, avoidance 108 / 18 = 6: no flag.
"""
    checks = ["R_0301,C301,ecr-r,anxiety,4,18,18", "R_0301,C301,ecr-r,avoidance,3,18,18",
              "R_0302,C302,ecr-r,anxiety,5.5,18,18", "R_0302,C302,ecr-r,avoidance,2.5,18,18",
              "anxious-dependent-profile,,,,,,,raised,flag,medium,anxiety=5.5; avoidance=2.5,",
              "R_0303,C303,ecr-r,avoidance,6,18,18", "G2 ñ 😀"]
    text = csv_text([header] + rows)
    write_case("utf16be", about, {"export.csv": b"\xfe\xff" + text.encode("utf-16-be")},
               ["score", "-i", ECRR, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=0)


def qualtrics_headers(item_cols, item_text, import_ids):
    meta = [("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Berlin"}'),
            ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Berlin"}'),
            ("Status", "Response Type", '{"ImportId":"status"}'),
            ("Progress", "Progress", '{"ImportId":"progress"}'),
            ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
            ("Finished", "Finished", '{"ImportId":"finished"}'),
            ("RecordedDate", "Recorded Date",
             '{"ImportId":"recordedDate","timeZone":"Europe/Berlin"}'),
            ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
            ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
            ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
            ("ClientID", "Client code (from your therapist)", '{"ImportId":"QID1_TEXT"}'),
            ("Therapist", "Therapist", '{"ImportId":"QID2"}')]
    r1 = [m[0] for m in meta] + item_cols
    r2 = [m[1] for m in meta] + item_text
    r3 = [m[2] for m in meta] + import_ids
    return [r1, r2, r3]


def qualtrics_meta(start, end, recorded, rid, client, therapist):
    return [start, end, "0", "100", "812", "1", recorded, rid, "anonymous", "EN", client,
            therapist]


def case_qualtrics_numeric():
    cols = ["SF_%d" % i for i in range(1, 17)]
    text_row = ["How true is each statement for you?\n(1 = strongly disagree, 6 = strongly agree)"
                " - Statement %d" % i for i in range(1, 17)]
    ids = ['{"ImportId":"QID3_%d"}' % i for i in range(1, 17)]
    rows = qualtrics_headers(cols, text_row, ids) + [
        qualtrics_meta("2026-03-01 09:01:30", "2026-03-01 09:15:00", "2026-03-01 09:15:00",
                       "R_0401", "C401", "T-A") + sf("4343434343434343"),
        qualtrics_meta("2026-03-01 10:00:00", "2026-03-01 10:12:13", "2026-03-01 10:12:14",
                       "R_0402", "C402", "T-B") + sf("5656156565656565"),
        qualtrics_meta("2026-03-02 18:40:00", "2026-03-02 18:52:00", "2026-03-02 18:52:01",
                       "R_0403", "C403", "T-A") + sf("2122615_12512312"),
    ]
    for r in rows[3:]:
        note_answers(r[12:])
    mapping = """\
# Qualtrics numeric export; the response id comes from the profile (ResponseId).
client_id: ClientID
therapist: Therapist
administered: RecordedDate
item_pattern: "SF_{n}"
"""
    about = """\
Qualtrics CSV (numeric values) with a UTF-8 BOM, 3 header rows, detected by --profile auto:
row 1 export tags, row 2 question text with an embedded newline in EVERY item column (16 cells ->
row 2 spans physical lines 2-18), row 3 {"ImportId":...}. Data records start on physical lines
20, 21, 22. ResponseId is the response id (profile default); RecordedDate "2026-03-01 09:15:00"
-> 2026-03-01T09:15:00.

Checked by hand:
- R_0401 answers 4 3 4 3 4 3 4 3 4 3 4 3 4 3 4 3: raw 56; item 5: 7-4=3 (-1), item 7: 7-4=3
  (-1) -> 54; line 20.
- R_0402 answers 5 6 5 6 1 5 6 5 6 5 6 5 6 5 6 5: raw 83; item 5: 7-1=6 (+5), item 7: 7-6=1
  (-5) -> 83 -> high-codependency raised; line 21.
- R_0403 item 8 blank; answered 2 1 2 2 6 1 5 1 2 5 1 2 3 1 2: raw 36; item 5: 7-6=1 (-5),
  item 7: 7-5=2 (-3) -> 28; prorated 28*16/15 = 29.866666666666667; line 22.
"""
    checks = ["R_0401,C401,sfcds,total,54,16,16", ",2026-03-01T09:15:00,export.csv,20,",
              "R_0402,C402,sfcds,total,83,16,16", ",2026-03-01T10:12:14,export.csv,21,",
              "R_0403,C403,sfcds,total,29.866666666666667,15,16,,,,prorated",
              ",export.csv,22,"]
    text = csv_text(rows)
    write_case("qualtrics-numeric", about,
               {"export.csv": b"\xef\xbb\xbf" + text.encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml", "--profile", "auto"] + Q +
               ["export.csv"], mapping=mapping, checks=checks, want_status=0)


DSIR_LABELS = {
    1: ["Not at all true of me", "NOT AT ALL TRUE OF ME", "  not at all true of me"],
    2: ["Mostly not true of me", "mostly NOT true of me"],
    3: ["Somewhat not true of me", "Somewhat  not  true of me"],
    4: ["Somewhat true of me", "SOMEWHAT TRUE OF ME "],
    5: ["Mostly true of me", "mostly  true of me"],
    6: ["Very true of me", "  very TRUE of me"],
}


def dsir_row(rng, means, blanks=()):
    """46 raw DSI-R answers whose subscale keyed sums are means[scale] * n (whole numbers)."""
    while True:
        keyed = [None] * 46
        for scale, items in DSIR_SCALES.items():
            vals = values_with_sum(rng, len(items), int(means[scale] * len(items)), 1, 6)
            for i, v in zip(items, vals):
                keyed[i - 1] = v
        rev = set(range(1, 47)) - DSIR_UNREVERSED
        raw = keyed_to_raw(keyed, rev, 1, 6)
        for b in blanks:
            raw[b - 1] = None
        if irv_robust(raw) and longstring(raw) <= 6:
            return raw


def case_qualtrics_labels():
    rng = random.Random(2026)
    cols = ["DSI_%d" % i for i in range(1, 47)]
    text_row = ["Please rate how true each statement is of you. - Statement %d" % i
                for i in range(1, 47)]
    ids = ['{"ImportId":"QID4_%d"}' % i for i in range(1, 47)]
    # keyed subscale sums: ER 11 items, IP 11, EC 12, FO 12
    r1 = dsir_row(rng, {"ER": 2, "IP": 3, "EC": 3, "FO": 2})           # fused + reactive
    r2 = dsir_row(rng, {"ER": 5, "IP": 4, "EC": 4.5, "FO": 5})         # no flag
    r3 = dsir_row(rng, {"ER": 2, "IP": 3, "EC": 3, "FO": 4}, blanks=(5, 9, 13))   # FO 9/12
    r4 = dsir_row(rng, {"ER": 4, "IP": 4, "EC": 4, "FO": 4}, blanks=(22, 25, 29))  # FO 9/12

    def labelled(raw):
        return ["" if a is None else rng.choice(DSIR_LABELS[a]) for a in raw]

    rows = qualtrics_headers(cols, text_row, ids) + [
        qualtrics_meta("2026-03-05 09:00:00", "2026-03-05 09:20:00", "2026-03-05 09:20:00",
                       "R_0501", "C501", "T-A") + labelled(r1),
        qualtrics_meta("2026-03-05 11:00:00", "2026-03-05 11:21:00", "2026-03-05 11:21:30",
                       "R_0502", "C502", "T-B") + labelled(r2),
        qualtrics_meta("2026-03-06 16:00:00", "2026-03-06 16:19:00", "2026-03-06 16:19:02",
                       "R_0503", "C503", "T-A") + labelled(r3),
        qualtrics_meta("2026-03-07 08:30:00", "2026-03-07 08:50:00", "2026-03-07 08:50:45",
                       "R_0504", "C504", "T-B") + labelled(r4),
    ]
    for r in (r1, r2, r3, r4):
        note_answers(r)
    mapping = """\
# Qualtrics "choice text" export of the DSI-R. The instrument ships labels for 1 and 6 only;
# the clinic's survey labelled the middle points as below.
client_id: ClientID
therapist: Therapist
administered: RecordedDate
item_pattern: "DSI_{n}"
labels:
  "Mostly not true of me": 2
  "Somewhat not true of me": 3
  "Somewhat true of me": 4
  "Mostly true of me": 5
"""
    about = """\
Qualtrics CSV with choice text (labels), UTF-8 BOM, --profile qualtrics, dsi-r (46 items 1-6;
35 reversed as 7 - x; subscale means; min 80% answered per subscale). "Not at all true of me"
(1) and "Very true of me" (6) come from the instrument, 2-5 from the mapping's labels; the data
use odd case and spacing ("  very TRUE of me", "Somewhat  not  true of me", "SOMEWHAT TRUE OF ME ")
which must match (case-folded, blanks collapsed). Answers random (seed 2026) under fixed keyed
subscale sums. No header row has embedded newlines: data start on line 4.

Checked by hand:
- R_0501: keyed ER sum 22 / 11 = 2, FO 24 / 12 = 2 -> high-fusion (FO <= 2.5), high-reactivity
  (ER <= 2.5) and fusion-reactivity-profile all raised; total = (22+33+36+24)/46 = 115/46 =
  2.5 exactly.
- R_0502: ER 55/11 = 5, IP 44/11 = 4, EC 54/12 = 4.5, FO 60/12 = 5; total 213/46 =
  4.630434782608695. No flag.
- R_0503: FO items 5, 9, 13 blank: 9 of 12 < 9.6 -> FO insufficient; ER 2 -> high-reactivity
  raised; high-fusion not_evaluable (FO=missing); fusion-reactivity-profile: unknown and true ->
  not_evaluable (detail FO=missing; ER=2). total: 43 of 46 answered (>= 36.8) -> a mean of the
  43 keyed answers with status prorated ("computed from fewer items"; a mean is not scaled up).
- R_0504: FO insufficient again but ER = 4: high-fusion not_evaluable; fusion-reactivity-profile:
  unknown and false = false -> no row (Kleene).
"""
    checks = ["R_0501,C501,dsi-r,ER,2,11,11", "R_0501,C501,dsi-r,FO,2,12,12",
              "R_0501,C501,dsi-r,total,2.5,46,46",
              "R_0502,C502,dsi-r,total,4.630434782608695,46,46",
              "R_0503,C503,dsi-r,FO,,9,12,,,,insufficient",
              "R_0503,C503,dsi-r,fusion-reactivity-profile,,,,,,,not_evaluable,flag,high,"
              "FO=missing; ER=2,",
              "R_0504,C504,dsi-r,high-fusion,,,,,,,not_evaluable"]
    text = csv_text(rows)
    produced = write_case("qualtrics-labels", about,
                          {"export.csv": b"\xef\xbb\xbf" + text.encode("utf-8")},
                          ["score", "-i", DSIR, "-m", "mapping.yaml", "--profile", "qualtrics"]
                          + Q + ["export.csv"], mapping=mapping, checks=checks, want_status=0)
    assert "R_0504,C504,dsi-r,fusion-reactivity-profile" not in produced["expected"]


def case_surveymonkey():
    r1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
          "Email Address", "First Name", "Last Name", "Custom Data 1", "Client code",
          "How true is each statement for you?"] + [""] * 15
    r2 = [""] * 9 + ["Open-Ended Response"] + ["Statement %d" % i for i in range(1, 17)]

    def row(rid, start, end, client, pattern):
        return [rid, "400000001", start, end, "", "", "", "", "", client] + sf(pattern)

    rows = [r1, r2,
            row("100000000001", "03/01/2026 09:02:11 AM", "03/01/2026 09:15:00 AM", "C601",
                "3323332333233323"),
            row("100000000002", "03/01/2026 12:40:00 PM", "03/01/2026 12:55:30 PM", "C602",
                "6565565656565656"),
            row("100000000003", "03/02/2026 07:00:00 PM", "03/02/2026 07:10:09 PM", "C603",
                "1_1141_111111111")]
    for r in rows[2:]:
        note_answers(r[10:])
    mapping = """\
# SurveyMonkey: row 1 has the matrix question only above its first column, so the items are
# mapped by column number (#11 .. #26). Respondent ID is the response id (profile default).
client_id: Client code
administered: End Date
date_format: "%m/%d/%Y %I:%M:%S %p"
items:
""" + "".join("  %d: \"#%d\"\n" % (i, i + 10) for i in range(1, 17))
    about = """\
SurveyMonkey export, --profile surveymonkey: 2 header rows (row 2 = sub-labels "Open-Ended
Response", "Statement N"); the 16 matrix columns have blank row-1 headers (15 of them) and are
mapped as "#11".."#26". Respondent ID is the response id. End Date in US 12-hour form
(%m/%d/%Y %I:%M:%S %p): "03/01/2026 12:55:30 PM" -> 2026-03-01T12:55:30. Data start on line 3.

Checked by hand:
- 100000000001 answers 3 3 2 3 3 3 2 3 3 3 2 3 3 3 2 3: raw 44; item 5: 7-3=4 (+1), item 7: 7-2=5
  (+3) -> 48.
- 100000000002 answers 6 5 6 5 5 6 5 6 5 6 5 6 5 6 5 6: raw 88; item 5: 7-5=2 (-3), item 7:
  7-5=2 (-3) -> 82 -> high-codependency raised.
- 100000000003 items 2 and 7 blank; answered 1 1 1 4 1 1 1 1 1 1 1 1 1 1 (14): raw 17; item 5:
  7-4=3 (-1) -> 16; prorated 16*16/14 = 256/14 = 18.285714285714285. longstring: items 8-16
  -> 9.
"""
    checks = ["100000000001,C601,sfcds,total,48,16,16", "100000000002,C602,sfcds,total,82",
              "100000000003,C603,sfcds,total,18.285714285714285,14,16,,,,prorated",
              "2026-03-01T12:55:30,export.csv,4,"]
    vrows = [("100000000003", "total", {"longstring": "9", "missing_fraction": "0.125"})]
    write_case("surveymonkey", about, {"export.csv": csv_text(rows).encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml", "--profile", "surveymonkey"] + Q +
               ["export.csv"], mapping=mapping, checks=checks, rows=vrows, want_status=0)


def case_redcap_raw():
    header = ["record_id", "redcap_event_name", "redcap_repeat_instrument",
              "redcap_repeat_instance", "therapist", "sfcds_timestamp"] + \
        ["sfcds_%d" % i for i in range(1, 17)] + ["sfcds_complete"]
    rows = [
        ["C701", "baseline_arm_1", "", "", "T-A", "2026-03-01 09:15:22"] +
        sf("4444144444444444") + ["2"],
        ["C701", "week_8_arm_1", "", "", "T-A", "2026-04-26 09:20:00"] +
        sf("3343233333323333") + ["2"],
        ["C702", "baseline_arm_1", "", "", "T-B", "2026-03-02 10:00:05"] +
        sf("5_5_5_5555555555") + ["2"],
    ]
    for r in rows:
        note_answers(r[6:22])
    mapping = """\
# REDCap raw export; record_id identifies the client and repeats across events.
client_id: record_id
therapist: therapist
administered: sfcds_timestamp
item_pattern: "sfcds_{n}"
"""
    about = """\
REDCap "raw" export (codes), no --profile (default auto -> redcap). Longitudinal: record C701 has
a baseline and a week-8 row. record_id repeats across events, so the response id is
record/event[/instance]: C701/baseline_arm_1, C701/week_8_arm_1, C702/baseline_arm_1, and the
two C701 rows are NOT duplicates.
redcap_event_name / repeat columns / sfcds_complete are not scored.

Checked by hand:
- line 2 (C701 baseline) answers 4 4 4 4 1 4 4 4 4 4 4 4 4 4 4 4: raw 61; item 5: 7-1=6 (+5),
  item 7: 7-4=3 (-1) -> 65 < 67.2: no flag. longstring: items 6-16 are all 4 -> 11.
- line 3 (C701 week 8) answers 3 3 4 3 2 3 3 3 3 3 3 2 3 3 3 3: raw 47; item 5: 7-2=5 (+3),
  item 7: 7-3=4 (+1) -> 51. longstring: items 6-11 -> 6.
- line 4 (C702) items 2, 4, 6 blank: 13 answered = the minimum; raw 13*5 = 65; items 5 and 7:
  7-5=2 (-3 each) -> 59; prorated 59*16/13 = 72.61538461538461 -> high-codependency raised.
  missing_fraction 3/16 = 0.1875 (not invalid).
"""
    checks = ["C701/baseline_arm_1,C701,sfcds,total,65,16,16",
              "C701/week_8_arm_1,C701,sfcds,total,51,16,16",
              "C702/baseline_arm_1,C702,sfcds,total,72.61538461538461,13,16,,,,prorated",
              "2026-04-26T09:20:00"]
    vrows = [("C702/baseline_arm_1", "total", {"missing_fraction": "0.1875"}),
             ("C701/baseline_arm_1", "total", {"longstring": "11"}),
             ("C701/week_8_arm_1", "total", {"longstring": "6"})]
    write_case("redcap-raw", about, {"export.csv": csv_text([header] + rows).encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, rows=vrows, want_status=0)


def case_redcap_labels():
    header = ["Record ID", "Event Name", "Repeat Instrument", "Repeat Instance", "Therapist",
              "Survey Timestamp"] + ["SFCDS item %d" % i for i in range(1, 17)] + ["Complete?"]
    names = {1: "Strongly disagree", 2: "Moderately disagree", 3: "Slightly disagree",
             4: "Slightly agree", 5: "Moderately agree", 6: "Strongly agree"}
    p1 = "2345432123454321"
    p2 = "6656166664656566"
    p3 = "3434343434343434"

    def lab(p):
        return [names[int(c)] for c in p]

    rows = [
        ["C801", "Baseline (Arm 1: Arm 1)", "", "", "T-A", "2026-03-03 11:11:11"] + lab(p1) +
        ["Complete"],
        ["C802", "Baseline (Arm 1: Arm 1)", "", "", "T-B", "2026-03-04 12:12:12"] + lab(p2) +
        ["Complete"],
        ["C801", "Week 8 (Arm 1: Arm 1)", "", "", "T-A", "2026-04-28 13:13:13"] + lab(p3) +
        ["Complete"],
    ]
    for p in (p1, p2, p3):
        note_answers(list(p))
    mapping = """\
# REDCap export with labels: the header holds field labels, answers are choice labels.
client_id: Record ID
therapist: Therapist
administered: Survey Timestamp
items:
""" + "".join('  %d: "SFCDS item %d"\n' % (i, i) for i in range(1, 17)) + """\
labels:
""" + "".join('  "%s": %d\n' % (names[v], v) for v in range(1, 7))
    about = """\
REDCap export "labels" variant (UTF-8 BOM, header = field labels, answers = choice labels),
--profile redcap; items mapped one by one (items:), all six answer labels from the mapping
(the sfcds instrument ships none). The label headers "Record ID" / "Event Name" give the
response id record/event: "C801/Baseline (Arm 1: Arm 1)" and so on.

Checked by hand:
- line 2 (C801) answers 2 3 4 5 4 3 2 1 2 3 4 5 4 3 2 1: raw 48; item 5: 7-4=3 (-1), item 7:
  7-2=5 (+3) -> 50. longstring 1.
- line 3 (C802) answers 6 6 5 6 1 6 6 6 6 4 6 5 6 5 6 6: raw 86; item 5: 7-1=6 (+5), item 7:
  7-6=1 (-5) -> 86 -> raised.
- line 4 (C801 week 8) answers 3 4 3 4 3 4 3 4 ...: raw 56; item 5: 7-3=4 (+1), item 7: 7-3=4
  (+1) -> 58.
"""
    checks = ["C801/Baseline (Arm 1: Arm 1),C801,sfcds,total,50,16,16",
              "C802/Baseline (Arm 1: Arm 1),C802,sfcds,total,86,16,16",
              "C801/Week 8 (Arm 1: Arm 1),C801,sfcds,total,58,16,16"]
    text = csv_text([header] + rows)
    write_case("redcap-labels", about, {"export.csv": b"\xef\xbb\xbf" + text.encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml", "--profile", "redcap"] + Q +
               ["export.csv"], mapping=mapping, checks=checks, want_status=0)


def case_google_forms():
    rng = random.Random(77)
    header = ["Timestamp", "Client code", "Therapist"] + \
        ["Relationship feelings [Item %d]" % i for i in range(1, 37)]
    a1 = ecrr_row(rng, 63, 63)
    a2 = ecrr_row(rng, 90, 72, blanks=(30,))
    a3 = ecrr_row(rng, 45, 30)
    rows = [["2026/03/01 9:15:00 AM GMT+1", "C901", "T-A"] + cells(a1),
            ["2026/03/01 2:05:30 PM GMT+1", "C902", "T-B"] + cells(a2),
            ["2026/03/02 11:59:59 PM GMT+1", "C903", "T-A"] + cells(a3)]
    for a in (a1, a2, a3):
        note_answers(a)
    mapping = """\
# Google Forms "Download responses (.csv)": every field quoted, Timestamp first, grid questions
# as "Question [Row]". All responses were collected in one time zone (GMT+1): the zone is
# matched as literal text and the local time is kept (no conversion).
client_id: Client code
therapist: Therapist
administered: Timestamp
date_format: "%Y/%m/%d %I:%M:%S %p GMT+1"
item_pattern: "Relationship feelings [Item {n}]"
"""
    about = """\
Google Forms CSV, --profile google-forms: every field quoted, first column Timestamp
("2026/03/01 9:15:00 AM GMT+1"), ecr-r grid headers "Relationship feelings [Item N]" mapped with
item_pattern. DECISION: strptime cannot express a zone offset portably, so date_format matches
" GMT+1" as literal text and administered is the local time as written: 2:05:30 PM ->
2026-03-01T14:05:30, 11:59:59 PM -> 2026-03-02T23:59:59. response_id = line number.
Answers random (seed 77) under fixed keyed sums.

Checked by hand:
- line 2 (C901): anxiety 63/18 = 3.5, avoidance 63/18 = 3.5.
- line 3 (C902): anxiety raw 4 5 7 7 7 4 3 4 6 4 1 4 3 7 6 7 7 2 = 88; item 9: 8-6=2 (-4), item
  11: 8-1=7 (+6) -> 90 / 18 = 5 -> high-attachment-anxiety raised (detail anxiety=5).
  Avoidance: item 30 blank; keyed 6 1 1 7 7 5 3 6 5 7 3 _ 1 5 4 2 5 3 (items 19-36, reversed
  ones as 8 - x) = 71 over 17 answered = 4.176470588235294, status prorated (a mean over the
  answered items; 17 >= 14.4).
- line 4 (C903): anxiety 45/18 = 2.5, avoidance 30/18 = 1.6666666666666667.
"""
    checks = ["2,C901,ecr-r,anxiety,3.5,18,18", "3,C902,ecr-r,anxiety,5,18,18",
              "3,C902,ecr-r,high-attachment-anxiety,,,,,,,raised,flag,medium,anxiety=5,",
              "4,C903,ecr-r,avoidance,1.6666666666666667,18,18", "2026-03-01T14:05:30",
              "3,C902,ecr-r,avoidance,4.176470588235294,17,18,,,,prorated",
              "2026-03-02T23:59:59", "2026-03-01T09:15:00"]
    write_case("google-forms", about,
               {"export.csv": csv_text([header] + rows, quote_all=True).encode("utf-8")},
               ["score", "-i", ECRR, "-m", "mapping.yaml", "--profile", "google-forms"] + Q +
               ["export.csv"], mapping=mapping, checks=checks, want_status=0)


def case_missing_spellings():
    header = ["response_id", "client_id"] + ["SFCDS_%d" % i for i in range(1, 17)]

    def ans(pattern, **special):
        a = sf(pattern)
        for k, v in special.items():
            a[int(k[1:]) - 1] = v
        return a

    rows = [
        ["R_1001", "C1001"] + ans("4444444444444444", i3="N/A", i9="-99"),
        ["R_1002", "C1002"] + ans("3232323232524_32", i1=".", i8="N/A"),
        ["R_1003", "C1003"] + ans("4444444444444444", i6="NA"),
        ["R_1004", "C1004"] + ans("4444444444444444", i11="99"),
        ["R_1005", "C1005"] + ["-99"] * 16,
        ["R_1006", "C1006"] + ans("5555555555555555"),
    ]
    for r in (rows[0], rows[1], rows[5]):
        note_answers([a for a in r[2:] if a.isdigit()])
    mapping = """\
client_id: client_id
response_id: response_id
missing: ["N/A", "-99", "."]
"""
    about = """\
Missing-value spellings: mapping missing ["N/A", "-99", "."] plus blanks are "not answered";
anything else that is not a scale value stays an error (never guessed to be missing).

Checked by hand:
- R_1001: items 3 (N/A) and 9 (-99) missing: 14 answered, all 4; items 5 and 7: 7-4=3 (-1 each)
  -> 56 - 2 = 54; prorated 54*16/14 = 61.714285714285715. missing_fraction 0.125.
- R_1002: items 1 (.), 8 (N/A) and 14 (blank) missing: 13 answered = minimum. Answered raw
  (items 2-7, 9-13, 15-16) 2 3 2 3 2 3 3 2 5 2 4 3 2 = 36; item 5 (3): 7-3=4 (+1), item 7 (3):
  7-3=4 (+1) -> 38; prorated 38*16/13 = 608/13 = 46.76923076923077. longstring 1 (items 7 and
  9 are both 3, but the missing item 8 between them ends the run).
- R_1003: "NA" is not listed (only "N/A") -> quarantined, column SFCDS_6, line 4.
- R_1004: "99" is not "-99" -> outside the scale 1-6, column SFCDS_11, line 5.
- R_1005: every item "-99" -> no item answered: not administered (counted on stderr, not
  quarantined).
- R_1006: all 5; items 5 and 7: 7-5=2 -> 14*5 + 4 = 74 -> raised. longstring 16, irv 0.
Exit status 1 (rows quarantined).
"""
    checks = ["R_1001,C1001,sfcds,total,61.714285714285715,14,16,,,,prorated",
              "R_1002,C1002,sfcds,total,46.76923076923077,13,16,,,,prorated",
              "export.csv,4,R_1003,SFCDS_6,NA,\"item 6: not an answer on the scale 1..6, a known "
              "label or a listed missing spelling\"",
              "export.csv,5,R_1004,SFCDS_11,99,item 11: answer is outside the scale 1..6",
              "qscore: export.csv: 1 row not administered (no item of sfcds answered)",
              "R_1006,C1006,sfcds,total,74,16,16"]
    vrows = [("R_1006", "total", {"irv": "0", "longstring": "16"}),
             ("R_1002", "total", {"longstring": "1", "missing_fraction": "0.1875"}),
             ("R_1001", "total", {"missing_fraction": "0.125"})]
    write_case("missing-spellings", about,
               {"export.csv": csv_text([header] + rows).encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, rows=vrows, want_status=1, keep_stderr=True)


def case_quarantine_mix():
    header = ["response_id", "client_id", "date", "note"] + \
        ["SFCDS_%d" % i for i in range(1, 17)]
    good = sf("3434343434343434")
    a_out = sf("3474343434343434")   # item 3 = 7
    a_lab = sf("3434343434343434")
    a_lab[8] = "often"
    a_zero = sf("3434343434343434")
    a_zero[11] = "0"
    rows = [
        ["R_0001", "C001", "2026-03-01 09:00", ""] + good,                       # line 2
        ["R_0002", "C002", "2026-03-01 10:00", "first line\nsecond line"] +
        sf("2323232323232323"),                                                    # lines 3-4
        ["R_0003", "C003", "2026-03-01 11:00", ""] + a_out,                       # line 5
        ["R_0004", "C004", "2026-03-01 12:00", ""] + a_lab,                       # line 6
        ["R_0005", "", "2026-03-01 13:00", ""] + a_zero,                          # line 7
        ["R_0006", "C006", "2026-03-01 14:00", ""] + good[:-1],                   # line 8
        ["R_0001", "C001", "2026-03-01 15:00", ""] + good,                        # line 9
        ["R_0008", "C008", "2026-03-01 16:00", ""] + [""] * 16,                   # line 10
        ["R_0009", "C009", "2026-02-30 10:00", ""] + good,                        # line 11
        None,                                                                     # line 12 blank
        ["R_0010", "C010", "2026-03-02 09:00", "seen tw@@E9@@ice"] +
        sf("5454545454545454"),                                                    # line 13
        ["R_0011", "C011@@E9@@", "2026-03-02 10:00", ""] + good,                  # line 14
        ["R_0012", "C012", "2026-03-02 11:00", ""] + sf("1212121212121212"),      # line 15
    ]
    text = "".join("\n" if r is None else csv_text([r]) for r in [header] + rows)
    data = b"\xef\xbb\xbf" + text.encode("utf-8").replace(b"@@E9@@", b"\xe9")
    for r in (rows[0], rows[1], rows[10], rows[12]):
        note_answers(r[4:])
    mapping = """\
response_id: response_id
client_id: client_id
administered: date
"""
    about = """\
Planted bad rows in a UTF-8 file (with BOM, so the encoding is certain; the rest is ASCII).
Physical lines: 1 header; 2 R_0001 ok; 3-4 R_0002 ok with a quoted note holding a newline (so
every later record's line is one more than its record number); 5 R_0003 item 3 = 7 (outside
1-6); 6 R_0004 item 9 = "often" (no such label); 7 R_0005 blank client id AND item 12 = 0: two
quarantine lines, in column order; 8 R_0006 19 fields instead of 20; 9 R_0001 again: duplicate
(first on line 2); 10 R_0008 no item answered: not administered, counted on stderr and
neither scored nor quarantined; 11 R_0009 date 2026-02-30 (no such day); 12 a
blank line (skipped, but counted); 13 R_0010 ok although its note (a column the mapping does
not read) holds the byte 0xE9: bad bytes outside mapped columns are ignored; 14 R_0011 byte 0xE9
(Latin-1 "é") in the client id: invalid UTF-8 in a mapped column, value and response id left
empty (the bytes are not trusted); 15 R_0012 ok (reading recovers after the bad bytes).
Scored: R_0001, R_0002, R_0010, R_0012 (4 of 12 rows); exit status 1.

Checked by hand:
- R_0001 answers 3 4 3 4 ... (8 x 3 + 8 x 4 = 56); item 5 (3): 7-3=4 (+1), item 7 (3): +1 -> 58.
- R_0002 answers 2 3 2 3 ...: raw 40; items 5 and 7 (2): 7-2=5 (+3 each) -> 46.
- R_0010 answers 5 4 5 4 ...: raw 72; items 5 and 7 (5): 7-5=2 (-3 each) -> 66 (< 67.2).
- R_0012 answers 1 2 1 2 ...: raw 24; items 5 and 7 (1): 7-1=6 (+5 each) -> 34.
"""
    checks = ["R_0001,C001,sfcds,total,58,16,16", "R_0002,C002,sfcds,total,46,16,16",
              "R_0010,C010,sfcds,total,66,16,16", "R_0012,C012,sfcds,total,34,16,16",
              "export.csv,5,R_0003,SFCDS_3,7,item 3: answer is outside the scale 1..6\n",
              "export.csv,6,R_0004,SFCDS_9,often,\"item 9: not an answer on the scale 1..6, a known "
              "label or a listed missing spelling\"\n",
              "export.csv,7,R_0005,client_id,,blank client id\n"
              "export.csv,7,R_0005,SFCDS_12,0,item 12: answer is outside the scale 1..6\n",
              "export.csv,8,R_0006,,,row has 19 fields but the header has 20\n",
              "export.csv,9,R_0001,response_id,R_0001,\"duplicate response id: first seen at line 2, "
              "which was scored\"\n",
              "qscore: export.csv: 1 row not administered (no item of sfcds answered)\n",
              "export.csv,11,R_0009,date,2026-02-30 10:00,not a real calendar date or time "
              "(form YYYY-MM-DD HH:MM)\n",
              "export.csv,14,,,,bytes are not valid UTF-8 text (not copied here)\n",
              ",export.csv,13,", ",export.csv,15,"]
    produced = write_case("quarantine-mix", about, {"export.csv": data},
                          ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
                          mapping=mapping, checks=checks, want_status=1, keep_stderr=True)
    assert ",R_0008," not in "".join(produced.values())


def case_formula_text():
    header = GENERIC_HEADER
    calc = "=cmd|' /C calc'!A0"
    link = '=HYPERLINK("http://evil.example/?x","open me")'
    bad_answers = sf("3434343434343434")
    bad_answers[0] = calc
    bad_answers[1] = "@SUM(1)"
    bad_answers[2] = "-2"
    rows = [
        [calc, "@SUM(1)", "+1", link, "2026-03-01 09:00"] + sf("3434343434343434"),   # line 2
        ["-2", "-2", "-G", "+1", "2026-03-01 10:00"] + sf("2323232323232323"),        # line 3
        [link, "C3", "@G", "\tT", "2026-03-01 11:00"] + bad_answers,                  # line 4
        ["+R4", "=1+1", "G", "-T", "2026-03-01 12:00"] + sf("1212121212121212"),      # line 5
    ]
    for r in (rows[0], rows[1], rows[3]):
        note_answers(r[5:])
    about = """\
Formula-like text (CSV injection) in ids, names and answers, sfcds with the generic mapping.
docs/score.md "Spreadsheet safety": text from the input that starts with = + - @ TAB or CR is
written with a leading apostrophe in the scores CSV (response_id, client_id, group, therapist,
source) and in every text cell of the quarantine CSV -- unless the whole text is a plain decimal
number ("-2", "+1"), which stays as it is. Computed numbers are never touched. Exit status 1.

Checked by hand:
- line 2: response id =cmd|' /C calc'!A0 -> '=cmd|' /C calc'!A0; client @SUM(1) -> '@SUM(1);
  group +1 stays +1 (a number); therapist =HYPERLINK("...","open me") holds a comma and quotes:
  quoted, with the apostrophe inside the quotes. Answers 3 4 3 4 ...: total 58.
- line 3: response id and client -2 stay -2 (numbers); group -G -> '-G; therapist +1 stays.
  Answers 2 3 2 3 ...: total 46.
- line 4: quarantined, three lines in column order: SFCDS_1 '=cmd|' /C calc'!A0 (not a scale
  value or label), SFCDS_2 '@SUM(1), SFCDS_3 -2 (outside the scale; a plain number, no
  apostrophe); the response id (=HYPERLINK...) gets its apostrophe inside the quotes.
- line 5: response id +R4 -> '+R4, client =1+1 -> '=1+1, therapist -T -> '-T. Answers 1 2 1 2
  ...: total 34.
"""
    checks = ["'=cmd|' /C calc'!A0,'@SUM(1),sfcds,total,58,16,16",
              ",+1,\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"open me\"\")\",",
              "-2,-2,sfcds,total,46,16,16", ",'-G,+1,",
              "'+R4,'=1+1,sfcds,total,34,16,16", ",G,'-T,",
              "export.csv,4,\"'=HYPERLINK(", ",SFCDS_1,'=cmd|' /C calc'!A0,",
              ",SFCDS_2,'@SUM(1),", ",SFCDS_3,-2,item 3: answer is outside the scale 1..6\n"]
    write_case("formula-text", about, {"export.csv": csv_text([header] + rows).encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=GENERIC_MAPPING, checks=checks, want_status=1, keep_stderr=True)


def case_ecrr_flags():
    rng = random.Random(36)
    header = ["response_id", "client_id", "therapist"] + ["ECRR_%d" % i for i in range(1, 37)]
    e1 = ecrr_row(rng, 90, 81)                                   # anxiety 5.0, avoidance 4.5
    e2 = ecrr_row(rng, 108, 45)                                  # 6.0 / 2.5
    e3 = ecrr_row(rng, 108, 36, blanks=(1, 2, 3, 4))             # anxiety 14/18; avoid. 2
    e4 = ecrr_row(rng, 108, 90, blanks=(15, 16, 17, 18))         # anxiety 14/18; avoid. 5
    e5 = [4] * 36                                                # careless
    e6 = ecrr_row(rng, 72, 72, blanks=(2, 4, 6, 8, 20, 22, 24, 26))  # invalid
    e7 = ecrr_row(rng, 36, 54)
    e8 = [None] * 9 + [7] * 19 + [None] * 8                      # longstring 19 > 18
    raws = [e1, e2, e3, e4, e5, e6, e7, e8]
    rows = [["R_%04d" % (1100 + i + 1), "C%04d" % (1100 + i + 1), "T-A" if i % 2 else "T-B"] +
            cells(r) for i, r in enumerate(raws)]
    for r in raws:
        note_answers(r)
    mapping = """\
response_id: response_id
client_id: client_id
therapist: therapist
"""
    # keyed sums of the partly answered rows, for the hand checks below
    def keyed_sum(raw, items):
        return sum((8 - raw[i - 1]) if i in ECRR_REVERSED else raw[i - 1]
                   for i in items if raw[i - 1] is not None)
    ks = {n: (keyed_sum(r, range(1, 19)), keyed_sum(r, range(19, 37)))
          for n, r in (("e3", e3), ("e4", e4), ("e6", e6))}
    about = """\
ecr-r flags (three-valued) and validity (careless: longstring > 18; invalid: missing_fraction >
0.2). Scores need 80%% of their 18 items: 15 (14.4 rounded up); 14 answered is insufficient.

Checked by hand:
- R_1101: anxiety 90/18 = 5 (>= 5.0, the boundary) -> high-attachment-anxiety raised;
  avoidance 81/18 = 4.5 > 3 -> anxious-dependent-profile false (no row).
- R_1102: anxiety 108/18 = 6, avoidance 45/18 = 2.5 -> both flags raised
  (detail anxiety=6; avoidance=2.5).
- R_1103: items 1-4 blank -> anxiety 14/18 insufficient; avoidance 36/18 = 2 (<= 3 true):
  high-attachment-anxiety not_evaluable (anxiety=missing); anxious-dependent-profile: unknown
  and true = unknown -> not_evaluable (anxiety=missing; avoidance=2). missing_fraction 4/36 =
  0.1111111111111111, not invalid.
- R_1104: items 15-18 blank -> anxiety insufficient; avoidance 90/18 = 5 (<= 3 false):
  high-attachment-anxiety not_evaluable; anxious-dependent-profile: unknown and false = false ->
  no row.
- R_1105: every answer 4: longstring 36 > 18 -> careless raised (detail longstring=36);
  irv 0;
  anxiety: items 9 and 11 reversed 8-4=4 -> 4; avoidance 4.
- R_1106: 8 blanks (4 per scale) -> missing_fraction 8/36 = 0.2222222222222222 > 0.2 -> invalid
  raised; both scales 14/18 insufficient -> both flags not_evaluable (unknown and unknown).
- R_1107: anxiety 36/18 = 2, avoidance 54/18 = 3: no flag.
- R_1108: items 10-28 answered 7, the rest blank: longstring 19 > 18 -> careless; 17 blanks ->
  invalid (17/36 = 0.4722222222222222); anxiety items 10-18 (9 answered: 9, 11 reversed -> 1)
  insufficient; irv over 19 equal answers = 0.
Keyed sums of the partly answered rows (anxiety, avoidance): R_1103 %s, R_1104 %s, R_1106 %s.
""" % (ks["e3"], ks["e4"], ks["e6"])
    checks = ["R_1101,C1101,ecr-r,anxiety,5,18,18",
              "R_1101,C1101,ecr-r,high-attachment-anxiety,,,,,,,raised",
              "R_1102,C1102,ecr-r,anxious-dependent-profile,,,,,,,raised,flag,medium,"
              "anxiety=6; avoidance=2.5,",
              "R_1103,C1103,ecr-r,anxiety,,14,18,,,,insufficient",
              "R_1103,C1103,ecr-r,avoidance,2,18,18",
              "R_1103,C1103,ecr-r,anxious-dependent-profile,,,,,,,not_evaluable,flag,medium,"
              "anxiety=missing; avoidance=2,",

              "R_1104,C1104,ecr-r,high-attachment-anxiety,,,,,,,not_evaluable",
              "R_1105,C1105,ecr-r,careless,,,,,,,raised,flag,medium,longstring=36,",
              "R_1106,C1106,ecr-r,invalid,,,,,,,raised,flag,medium,"
              "missing_fraction=0.2222222222222222,",
              "R_1108,C1108,ecr-r,careless,,,,,,,raised,flag,medium,longstring=19,"]
    vrows = [("R_1103", "anxiety", {"missing_fraction": "0.1111111111111111"}),
             ("R_1105", "careless", {"irv": "0", "longstring": "36"}),
             ("R_1108", "invalid", {"longstring": "19", "irv": "0",
                                    "missing_fraction": "0.4722222222222222"})]
    produced = write_case("ecr-r-flags-and-validity", about,
                          {"export.csv": csv_text([header] + rows).encode("utf-8")},
                          ["score", "-i", "ecr-r", "-m", "mapping.yaml"] + Q + ["export.csv"],
                          mapping=mapping, checks=checks, rows=vrows, want_status=0)
    exp = produced["expected"]
    assert "R_1101,C1101,ecr-r,anxious-dependent-profile" not in exp
    assert "R_1104,C1104,ecr-r,anxious-dependent-profile" not in exp

    # The same export in the wide format: no norm, so no z, t, percentile columns.
    wide_about = """\
The export of ecr-r-flags-and-validity, --format wide (docs/score.md "Wide format"): one row per
administration; no --norms, so per score only <score> and <score>_status. Doubles carry a
decimal point (5.0), longstring is a count. `flags` lists the instrument's raised flags in file
order, quoted when two (the field holds ';'); `validity` the raised validity flags, else ok.

Checked by hand (the same values as ecr-r-flags-and-validity):
- R_1101: anxiety 5.0 ok, avoidance 4.5 ok, flags high-attachment-anxiety, validity ok.
- R_1102: anxiety 6.0, avoidance 2.5, both flags raised:
  "high-attachment-anxiety;anxious-dependent-profile".
- R_1103: anxiety empty, insufficient; avoidance 2.0; both flags not evaluable: flags empty;
  missing_fraction 0.1111111111111111.
- R_1105: validity careless (longstring 36), irv 0.0.
- R_1108: validity "careless;invalid", missing_fraction 0.4722222222222222, longstring 19.
"""
    wide = write_case("wide-ecr-r", wide_about,
                      {"export.csv": csv_text([header] + rows).encode("utf-8")},
                      ["score", "-i", "ecr-r", "-m", "mapping.yaml", "--format", "wide"] + Q +
                      ["export.csv"], mapping=mapping, want_status=0, checks=[
                          "response_id,client_id,instrument,administered,group,therapist,"
                          "anxiety,anxiety_status,avoidance,avoidance_status,flags,validity,"
                          "missing_fraction,longstring,irv\n",
                          "R_1101,C1101,ecr-r,,,T-B,5.0,ok,4.5,ok,high-attachment-anxiety,ok,",
                          "R_1102,C1102,ecr-r,,,T-A,6.0,ok,2.5,ok,"
                          "\"high-attachment-anxiety;anxious-dependent-profile\",ok,",
                          "R_1103,C1103,ecr-r,,,T-B,,insufficient,2.0,ok,,ok,0.1111111111111111,",
                          ",careless,0.0,36,0.0\n",
                          "R_1108,C1108,ecr-r,,,T-A,,insufficient,,insufficient,,"
                          "\"careless;invalid\",0.4722222222222222,19,0.0\n"])
    assert wide["expected"].count("\n") == 1 + len(rows)


def case_json():
    rng = random.Random(4646)
    header = ["response_id", "client_id", "group", "therapist", "when"] + \
        ["DSIR_%d" % i for i in range(1, 47)]
    j1 = dsir_row(rng, {"ER": 3, "IP": 4, "EC": 3.5, "FO": 2})
    j2 = dsir_row(rng, {"ER": 2, "IP": 3, "EC": 3, "FO": 3}, blanks=(9, 17, 33))
    j3 = dsir_row(rng, {"ER": 4, "IP": 4, "EC": 4, "FO": 4},
                  blanks=(2, 3, 8, 12, 16, 20, 24, 28, 32, 36))
    rows = [["R_1201", "C1201", "G1", "T-A", "2026-01-15 10:20"] + cells(j1),
            ["R_1202", "C1202", "G2", "T-B", "2026-01-16 11:00:30"] + cells(j2),
            ["R_1203", "C1203", "G1", "T-A", "2026-01-17 08:45"] + cells(j3)]
    for r in (j1, j2, j3):
        note_answers(r)
    mapping = """\
response_id: response_id
client_id: client_id
group: group
therapist: therapist
administered: when
"""
    about = """\
--format json: one JSON object per administration on one line, keys in the order of
docs/score.md (response_id, client_id, instrument, source, line, group, therapist,
administered, norm, scores, validity, flags), null for missing values, numbers as in the CSV
(5 not 5.0). attention_failed is null (dsi-r has no attention checks). Validity flags are listed
in "flags" too (severity null, rule built from the thresholds).

Checked by hand:
- R_1201: FO 24/12 = 2 -> high-fusion raised, "values":{"FO":2}; ER 33/11 = 3 -> no
  reactivity flag; profile: true and false -> false (absent).
- R_1202: FO items 9, 17, 33 blank -> 9 of 12 < 9.6 -> "FO":{"value":null,...,"status":
  "insufficient"}; ER 22/11 = 2 -> high-reactivity raised; high-fusion and the profile
  not_evaluable with "values":{"FO":null} and {"FO":null,"ER":2}.
- R_1203: 10 EC items blank: EC 2 of 12 insufficient; missing_fraction 10/46 =
  0.21739130434782608 > 0.2 -> invalid raised, rule "missing_fraction > 0.2".
"""
    checks = ['{"response_id":"R_1201","client_id":"C1201","instrument":"dsi-r",'
              '"source":"export.csv","line":2,"group":"G1","therapist":"T-A",'
              '"administered":"2026-01-15T10:20:00","norm":null,"scores":{"ER":{"value":3,'
              '"n_answered":11,"n_items":11,"z":null,"t":null,"percentile":null,"status":"ok"}',
              '"FO":{"value":2,"n_answered":12,"n_items":12,',
              '{"id":"high-fusion","label":"High fusion with others","severity":"high",'
              '"status":"raised","rule":"FO <= 2.5","values":{"FO":2},"because":"Fusion with Others (FO) is',
              '"FO":{"value":null,"n_answered":9,"n_items":12,"z":null,"t":null,'
              '"percentile":null,"status":"insufficient"}',
              '"values":{"FO":null,"ER":2}',
              '{"id":"invalid","label":"Invalid administration","severity":"medium",'
              '"status":"raised","rule":"missing_fraction > 0.2",'
              '"values":{"missing_fraction":0.21739130434782608}',
              '"attention_failed":null}']
    write_case("json-output", about, {"export.csv": csv_text([header] + rows).encode("utf-8")},
               ["score", "-i", "dsi-r", "-m", "mapping.yaml", "--format", "json"] + Q +
               ["export.csv"], mapping=mapping, checks=checks, want_status=0)


def case_output_file():
    header = ["client_id"] + ["SFCDS_%d" % i for i in range(1, 17)]
    a = [["C1301"] + sf("4545454545454545"), ["C1302"] + sf("2323232323232323")]
    b = [["C1303"] + sf("6666666666666666"), ["C1304"] + sf("3333333333333333"),
         ["C1305"] + sf("6565656565656565")]
    for r in a + b:
        note_answers(r[1:])
    about = """\
-o @WORK@/scores.csv with two inputs and no --quarantine: stdout is empty, the scores go to
scores.csv and the quarantine to the default beside it, scores.quarantine.csv (header only:
"always written"). The summary on stderr should read "qscore: scored 5 of 5 rows from 2 files
(0 quarantined, 3 flags raised)" but is not checked (stderr also names each input's profile,
encoding and delimiter in words of the implementer's choosing). No mapping:
response_id = line number, per file (a.csv lines 2-3, b.csv lines 2-4).

Checked by hand:
- a.csv line 2 (C1301) 4 5 4 5 ...: raw 72; items 5 and 7 (4): 7-4=3 (-1 each) -> 70 -> raised.
- a.csv line 3 (C1302) 2 3 2 3 ...: raw 40; items 5, 7 (2): +3 each -> 46.
- b.csv line 2 (C1303) all 6: 14*6 + 1 + 1 = 86 -> raised.
- b.csv line 3 (C1304) all 3: 14*3 + 4 + 4 = 50.
- b.csv line 4 (C1305) 6 5 6 5 ...: raw 88; items 5, 7 (6): 7-6=1 (-5 each) -> 78 >= 67.2 ->
  raised: 3 flags raised in all (C1301, C1303, C1305), as the summary says.
"""
    produced = write_case(
        "output-file", about,
        {"a.csv": csv_text([header] + a).encode("utf-8"),
         "b.csv": csv_text([header] + b).encode("utf-8")},
        ["score", "-i", SFCDS, "-o", "@WORK@/scores.csv", "a.csv", "b.csv"],
        checks=["2,C1301,sfcds,total,70,16,16", "3,C1302,sfcds,total,46,16,16",
                "2,C1303,sfcds,total,86,16,16", "3,C1304,sfcds,total,50,16,16",
                "4,C1305,sfcds,total,78,16,16", ",b.csv,4,"],
        want_status=0)
    assert produced["expected"] == ""
    assert produced["files/scores.quarantine.csv"] == "source,line,response_id,column,value,reason\n"


DEMO_INSTRUMENT = """\
# A synthetic 4-item instrument for the score tests: a composite, norms, an attention check and
# both validity flags. Not a real questionnaire; no item wording.
id: demo-scale
name: Demo Scale
version: "1.0"
citation: >-
  Synthetic test instrument (qscore tests/cases/score/custom-composite-norms); no publication.
license: Synthetic; no item wording.
notes: >-
  Norm means and SDs chosen so that every z in the test is a multiple of 1/8 for which all the
  usual formulas of the normal CDF give the same double.
scale:
  min: 1
  max: 5
  labels:
    - {value: 1, text: ["Never"]}
    - {value: 5, text: ["Always"]}
items:
  - {id: 1, column: D1}
  - {id: 2, column: D2, reverse: true}
  - {id: 3, column: D3}
  - {id: 4, column: D4, reverse: true}
scores:
  - id: A
    name: Subscale A
    items: [1, 2]
    method: mean
    missing: {min_fraction: 0.5}
    higher_means: More A.
  - id: B
    name: Subscale B
    items: [3, 4]
    method: sum
    missing: {min_answered: 1, prorate: true}
    higher_means: More B.
  - id: total
    name: Total
    scores: [A, B]
    method: mean
    higher_means: More of both.
norms:
  - id: adults-test
    name: Synthetic adults
    source: "Synthetic, for tests only"
    kind: general
    n: 100
    scores:
      A: {mean: 3, sd: 4}
      B: {mean: 6, sd: 8}
      total: {mean: 3.5, sd: 4}
flags:
  - id: high-a
    label: High A
    severity: high
    rule: A.t >= 55 and not (B < 4)
    because: A is well above the synthetic mean, and B is not low.
    cutoff: T >= 55 on adults-test (synthetic).
    local_default: false
  - id: low-total
    label: Low total
    severity: low
    rule: total <= 2 or total.z <= -0.5
    because: The total is low.
    cutoff: total <= 2 or z <= -0.5 (synthetic).
    local_default: true
validity:
  attention_checks:
    - {id: AC1, column: ATTN_1, expect: [5]}
  max_failed_checks: 0
  max_longstring: 3
  min_irv: 0.3
  max_missing_fraction: 0.25
"""


def case_custom():
    header = ["rid", "client", "D1", "D2", "D3", "D4", "check"]
    rows = [["R_1401", "C1401", "5", "1", "", "3", "5"],
            ["R_1402", "C1402", "5", "1", "", "", "5"],
            ["R_1403", "C1403", "3", "3", "3", "3", "1"],
            ["R_1404", "C1404", "", "5", "Never", "", "Always"],
            ["R_1405", "C1405", "2", "4", "4", "2", ""]]
    for r in rows:
        note_answers([{"Never": "1"}.get(x, x) for x in r[2:6]])
    mapping = """\
response_id: rid
client_id: client
attention:
  AC1: check
"""
    about = """\
A synthetic instrument in the case folder (demo-scale.yaml, 4 items 1-5, items 2 and 4 reversed
as 6 - x): composite score (total = mean of A and B), --norms adults-test (z, t, percentile on
every normed score; the norm id on every row of the administration), an attention check mapped
to another column (attention: AC1: check), careless (longstring > 3 or irv < 0.3) and invalid
(missing_fraction > 0.25 or attention_failed > 0). Norms: A mean 3 sd 4, B mean 6 sd 8, total
mean 3.5 sd 4. percentile = 100 * Phi(z); DECISION (robustness): every z here is one of
0, +-0.25, 0.375, +-0.5, where 100*0.5*erfc(-z/sqrt(2)), 50*(1+erf(z/sqrt(2))) and the
M_SQRT1_2 variants all give the same double (for z = -2 or -3 they differ in the last digit).

Checked by hand:
- R_1401: D3 blank, keyed 5 5 _ 3 (D2 1 -> 6-1 = 5, D4 3 -> 3): A = 5, z = (5-3)/4 = 0.5,
  t = 55, percentile 100*Phi(0.5) = 69.14624612740131; B from one item: 3*2/1 = 6, prorated,
  z 0, t 50, percentile 50; total = (5+6)/2 = 5.5, prorated (a part is), n_answered 3 of 4,
  z = 2/4 = 0.5. high-a: A.t 55 >= 55 and not (6 < 4) -> raised (detail A.t=55; B=6).
  missing_fraction 1/4 = 0.25 = the maximum: not invalid (> only). irv of 5 1 3 = 2.
- R_1402: D3, D4 blank: A = (5 + 6-1)/2 = 5, t 55; B insufficient (0 of 2 < 1); total: 1 of 2
  parts < 2 -> insufficient, n_answered 2 + 0 = 2, n_items 4. high-a: true and not(unknown) ->
  not_evaluable (A.t=55; B=missing); low-total not_evaluable (total=missing; total.z=missing).
  missing_fraction 0.5 > 0.25 -> invalid (missing_fraction=0.5 > 0.25;
  attention_failed=0).
- R_1403: all 3, check 1: careless raised (longstring=4 > 3; irv=0 < 0.3), invalid raised
  (missing_fraction=0; attention_failed=1 > 0). A 3 (z 0, t 50), B 6, total 4.5 (z 0.25, t 52.5,
  percentile 59.87063256829237).
- R_1404: D1 blank, D2 5 -> 6-5 = 1: A = 1 from 1 of 2 items (min_fraction 0.5 -> 1 needed),
  status prorated, z -0.5, t 45, percentile 30.853753872598688; D3 "Never" (a label) = 1, D4
  blank: B = 1*2/1 = 2, prorated, z -0.5; total (1+2)/2 = 1.5, prorated, n_answered 2 of 4,
  z = -2/4 = -0.5 -> low-total raised (total=1.5; total.z=-0.5). check "Always" = 5: passes.
  missing_fraction 0.5 > 0.25 -> invalid (missing_fraction=0.5; attention_failed=0). irv of 5 1 =
  sqrt(8) = 2.8284271247461903.
- R_1405: check blank -> attention_failed 1 -> invalid. keyed 2 2 4 4: A 2 (z -0.25, t 47.5,
  percentile 40.12936743170763), B 8 (z 0.25, t 52.5), total 5 (z 0.375, t 53.75, percentile
  64.61697666727237).
"""
    checks = ["R_1401,C1401,demo-scale,A,5,2,2,0.5,55,69.14624612740131,ok,score",
              "R_1401,C1401,demo-scale,B,6,1,2,0,50,50,prorated,score",
              "R_1401,C1401,demo-scale,total,5.5,3,4,0.5,55,69.14624612740131,prorated,score",
              "R_1401,C1401,demo-scale,high-a,,,,,,,raised,flag,high,A.t=55; B=6,",

              "R_1402,C1402,demo-scale,total,,2,4,,,,insufficient,score",
              "R_1402,C1402,demo-scale,high-a,,,,,,,not_evaluable,flag,high,A.t=55; B=missing,",
              "low-total,,,,,,,not_evaluable,flag,low,total=missing; total.z=missing,",
              "R_1402,C1402,demo-scale,invalid,,,,,,,raised,flag,medium,missing_fraction=0.5; "
              "attention_failed=0,",
              "R_1403,C1403,demo-scale,careless,,,,,,,raised,flag,medium,"
              "longstring=4; irv=0,",
              "R_1403,C1403,demo-scale,total,4.5,4,4,0.25,52.5,59.87063256829237,ok",

              "R_1404,C1404,demo-scale,A,1,1,2,-0.5,45,30.853753872598688,prorated",
              "R_1404,C1404,demo-scale,B,2,1,2,-0.5,45,30.853753872598688,prorated,score",
              "R_1404,C1404,demo-scale,total,1.5,2,4,-0.5,45,30.853753872598688,prorated,score",
              "R_1404,C1404,demo-scale,low-total,,,,,,,raised,flag,low,total=1.5; total.z=-0.5,",

              "R_1405,C1405,demo-scale,A,2,2,2,-0.25,47.5,40.12936743170763,ok",
              "R_1405,C1405,demo-scale,total,5,4,4,0.375,53.75,64.61697666727237,ok",
              ",adults-test,,,,export.csv,6,0,2,1.1547005383792515,1\n"]
    vrows = [("R_1401", "A", {"irv": "2", "missing_fraction": "0.25", "longstring": "1",
                              "attention_failed": "0", "norm": "adults-test"}),
             ("R_1403", "invalid", {"attention_failed": "1", "irv": "0", "longstring": "4"}),
             ("R_1404", "low-total", {"irv": "2.8284271247461903",
                                      "missing_fraction": "0.5"}),
             ("R_1402", "B", {"irv": "2.8284271247461903", "norm": "adults-test"})]
    produced = write_case(
        "custom-composite-norms", about,
        {"export.csv": csv_text([header] + rows).encode("utf-8")},
        ["score", "-i", "demo-scale.yaml", "-m", "mapping.yaml", "--norms", "adults-test"] + Q +
        ["export.csv"], mapping=mapping, extra={"demo-scale.yaml": DEMO_INSTRUMENT},
        checks=checks, rows=vrows, want_status=0)
    assert "R_1401,C1401,demo-scale,invalid" not in produced["expected"]


# demo-scale with the composite defined first (the wide format follows the file, the long one
# the evaluation order) and invalid only above 0.8 missing, so that a row with one answer has a
# careless flag that cannot be evaluated (irv needs two answers).
WIDE_INSTRUMENT = DEMO_INSTRUMENT.replace(
    "custom-composite-norms", "wide-norms-flags").replace("""\
scores:
  - id: A
    name: Subscale A
    items: [1, 2]
    method: mean
    missing: {min_fraction: 0.5}
    higher_means: More A.
  - id: B
    name: Subscale B
    items: [3, 4]
    method: sum
    missing: {min_answered: 1, prorate: true}
    higher_means: More B.
  - id: total
    name: Total
    scores: [A, B]
    method: mean
    higher_means: More of both.
""", """\
scores:
  - id: total
    name: Total
    scores: [A, B]
    method: mean
    higher_means: More of both.
  - id: A
    name: Subscale A
    items: [1, 2]
    method: mean
    missing: {min_fraction: 0.5}
    higher_means: More A.
  - id: B
    name: Subscale B
    items: [3, 4]
    method: sum
    missing: {min_answered: 1, prorate: true}
    higher_means: More B.
""").replace("max_missing_fraction: 0.25", "max_missing_fraction: 0.8")
assert WIDE_INSTRUMENT.index("- id: total") < WIDE_INSTRUMENT.index("- id: A")


def case_wide():
    header = ["rid", "client", "group", "therapist", "date", "D1", "D2", "D3", "D4", "check"]
    rows = [["R_1401", "C1401", "G1, evening", "T-A", "2026-01-15 10:20", "5", "1", "", "3", "5"],
            ["R_1402", "C1402", "G2; late", "-T", "2026-01-16", "5", "1", "", "", "5"],
            ["R_1403", "C1403", "G1", "T-A", "2026-01-17 08:45:30", "3", "3", "3", "3", "1"],
            ["R_1404", "C1404", "G1", "T-B", "", "", "5", "Never", "", "Always"],
            ["R_1405", "C1405", "G2", "T-B", "2026-01-18", "2", "4", "4", "2", ""],
            ["R_1406", "C1406", "G2", "T-B", "2026-01-19", "5", "", "", "", "5"]]
    for r in rows:
        note_answers([{"Never": "1"}.get(x, x) for x in r[5:9]])
    mapping = """\
response_id: rid
client_id: client
group: group
therapist: therapist
administered: date
attention:
  AC1: check
"""
    about = """\
--format wide with --norms (docs/score.md "Wide format"), on demo-scale (as in
custom-composite-norms) with the composite `total` defined first, so the wide columns are
total, A, B (the file's order) where the long format has A, B, total; and invalid only above
missing_fraction 0.8. Per score <score>, <score>_status, <score>_z, <score>_t,
<score>_percentile. Doubles with a decimal point (55.0), longstring a count, empty when missing.
Fields holding , or ; are quoted ("G1, evening", "G2; late", "careless;invalid"); the therapist
-T gets the formula guard ('-T) as in the long format.

Checked by hand (values as in custom-composite-norms):
- R_1401: total 5.5 prorated, z 0.5, t 55.0, percentile 69.14624612740131; A 5.0 ok 0.5 55.0;
  B 6.0 prorated 0.0 50.0 50.0; flags high-a; missing_fraction 0.25, not invalid: validity ok;
  longstring 1, irv 2.0.
- R_1402: total and B insufficient (empty z, t, percentile); high-a and low-total not
  evaluable: flags empty; missing_fraction 0.5 <= 0.8: validity ok; irv 2.8284271247461903.
- R_1403: careless and invalid raised: validity "careless;invalid"; irv 0.0, longstring 4.
- R_1404: low-total raised (total 1.5, z -0.5); no date: administered empty.
- R_1405: check blank: validity invalid; total 5.0, z 0.375, t 53.75.
- R_1406: only D1 (5): A 5.0 prorated (1 of 2 items, min_fraction 0.5), t 55.0; B and total
  insufficient; high-a not evaluable (B missing); irv empty (one answer), longstring 1 <= 3:
  careless not evaluable, missing_fraction 0.75 <= 0.8: validity not_evaluable.
"""
    head = ("response_id,client_id,instrument,administered,group,therapist,total,total_status,"
            "total_z,total_t,total_percentile,A,A_status,A_z,A_t,A_percentile,B,B_status,B_z,"
            "B_t,B_percentile,flags,validity,missing_fraction,longstring,irv\n")
    checks = [head,
              "R_1401,C1401,demo-scale,2026-01-15T10:20:00,\"G1, evening\",T-A,5.5,prorated,0.5,"
              "55.0,69.14624612740131,5.0,ok,0.5,55.0,69.14624612740131,6.0,prorated,0.0,50.0,"
              "50.0,high-a,ok,0.25,1,2.0\n",
              "R_1402,C1402,demo-scale,2026-01-16,\"G2; late\",'-T,,insufficient,,,,5.0,ok,0.5,"
              "55.0,69.14624612740131,,insufficient,,,,,ok,0.5,1,2.8284271247461903\n",
              ",\"careless;invalid\",0.0,4,0.0\n",
              "R_1404,C1404,demo-scale,,G1,T-B,1.5,prorated,-0.5,45.0,30.853753872598688,",
              ",low-total,ok,0.5,1,2.8284271247461903\n",
              "R_1405,C1405,demo-scale,2026-01-18,G2,T-B,5.0,ok,0.375,53.75,64.61697666727237,",
              "R_1406,C1406,demo-scale,2026-01-19,G2,T-B,,insufficient,,,,5.0,prorated,0.5,55.0,"
              "69.14624612740131,,insufficient,,,,,not_evaluable,0.75,1,\n"]
    produced = write_case(
        "wide-norms-flags", about,
        {"export.csv": csv_text([header] + rows).encode("utf-8")},
        ["score", "-i", "demo-scale.yaml", "-m", "mapping.yaml", "--norms", "adults-test",
         "--format", "wide"] + Q + ["export.csv"], mapping=mapping,
        extra={"demo-scale.yaml": WIDE_INSTRUMENT}, checks=checks, want_status=0)
    assert produced["expected"].startswith(head)

    # A score id that takes another column's name: refused before anything is written.
    clash = WIDE_INSTRUMENT.replace("""\
  - id: B
    name: Subscale B""", """\
  - id: a_T
    name: Subscale B""").replace("B: {mean: 6, sd: 8}", "a_T: {mean: 6, sd: 8}").replace(
        "not (B < 4)", "not (a_T < 4)").replace("scores: [A, B]", "scores: [A, a_T]").replace(
        "wide-norms-flags", "wide-column-clash")
    write_case("wide-column-clash",
               "--format wide with --norms: the score a_T and the T score column of score A "
               "(A_t) would be one column for DuckDB, which ignores case in column names: "
               "refused before anything is written, exit status 2, naming both and the score "
               "to rename (scores[2] in the file). Without --norms, or with --format csv, the "
               "instrument is scored.",
               {"export.csv": csv_text([header] + rows[:1]).encode("utf-8")},
               ["score", "-i", "demo-scale.yaml", "-m", "mapping.yaml", "--norms",
                "adults-test", "--format", "wide"] + Q + ["export.csv"], mapping=mapping,
               extra={"demo-scale.yaml": clash}, want_status=2,
               error_by_hand="qscore: demo-scale.yaml: scores[2].id: the wide format cannot "
               "write 'demo-scale': the T score of score 'A' and score 'a_T' would both be "
               "column 'a_T' (column names must differ, also ignoring case)\n"
               "qscore: use --format csv or json for this instrument\n")


def case_usage_errors():
    header = ["client_id"] + ["SFCDS_%d" % i for i in range(1, 17)]
    data = csv_text([header, ["C1501"] + sf("3333333333333333")]).encode("utf-8")
    common = {"export.csv": data}
    write_case("usage-missing-instrument",
               "No -i: a usage error, exit status 2 (the message's wording is qscore's, written by "
               "hand here; the reference decides the status).",
               common, ["score"] + Q + ["export.csv"], want_status=2,
               error_by_hand="qscore: score needs an instrument: -i ID|FILE (see 'qscore help score')\n")
    write_case("usage-unknown-profile",
               "--profile spss is not a profile: usage error, exit status 2.",
               common, ["score", "-i", SFCDS, "--profile", "spss"] + Q + ["export.csv"],
               want_status=2,
               error_by_hand="qscore: unknown profile 'spss' (expected auto, generic, qualtrics, redcap, surveymonkey or google-forms)\n")
    write_case("usage-unknown-format",
               "--format xlsx is not a format: usage error, exit status 2, naming the three.",
               common, ["score", "-i", SFCDS, "--format", "xlsx"] + Q + ["export.csv"],
               want_status=2,
               error_by_hand="qscore: unknown format 'xlsx' (expected csv, wide or json)\n")
    write_case("usage-unknown-instrument",
               "-i no-such-instrument: an instrument error, exit status 2.",
               common, ["score", "-i", "no-such-instrument"] + Q + ["export.csv"],
               want_status=2,
               error_by_hand="qscore: instrument 'no-such-instrument' is not installed (searched ../../../../instruments:@PREFIX@/share/qscore/instruments)\n")
    write_case("usage-unknown-norm",
               "--norms nope: sfcds has no such norm population: exit status 2.",
               common, ["score", "-i", SFCDS, "--norms", "nope"] + Q + ["export.csv"],
               want_status=2,
               error_by_hand="qscore: 'sfcds' has no norm population 'nope' (it has no norms)\n")
    write_case("mapping-unknown-key",
               "The mapping has a typo'd key (item_patern): unknown keys are never ignored, "
               "a mapping error, exit status 2.",
               common, ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping='client_id: client_id\nitem_patern: "SFCDS_{n}"\n', want_status=2,
               error_by_hand="qscore: mapping.yaml:2:1: item_patern: unknown key 'item_patern' (expected one of: response_id, client_id, group, therapist, administered, date_format, items, item_pattern, attention, labels, missing, covariates, encoding)\n")
    write_case("mapping-unfilled-label",
               "A draft mapping of qscore map with a label whose value was not filled in "
               "(\"?\"): refused with a message naming each such label, exit status 2.",
               common, ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping='client_id: client_id\nitem_pattern: "SFCDS_{n}"\nlabels:\n'
                       '  "Somewhat untrue of me": "?"   # 12 answers: fill in the value\n'
                       '  "Very true of me": "?"\n', want_status=2,
               error_by_hand="qscore: mapping.yaml:4:28: labels.Somewhat untrue of me: label 'Somewhat untrue of me' has no value yet (\"?\"): replace it with the answer's value on the scale, or list the text under missing: if it means not answered\n"
                             "qscore: mapping.yaml:5:22: labels.Very true of me: label 'Very true of me' has no value yet (\"?\"): replace it with the answer's value on the scale, or list the text under missing: if it means not answered\n")
    lower = csv_text([["record_id"] + ["sfcds_%d" % i for i in range(1, 17)],
                      ["C1501"] + sf("3333333333333333")]).encode("utf-8")
    write_case("mapping-items-not-found",
               "A REDCap export whose mapping names no items, and whose item columns are in lower "
               "case (sfcds_1, not the instrument's SFCDS_1): one message for the 16 missing columns, naming the "
               "item_pattern that fits the header, instead of one per item; nothing is scored, "
               "so the output file is not written (exit status 2).",
               {"export.csv": lower},
               ["score", "-i", SFCDS, "-m", "mapping.yaml", "-o", "@WORK@/scores.csv"] + Q +
               ["export.csv"], mapping="client_id: record_id\n", want_status=2,
               error_by_hand="qscore: ../../../../instruments/sfcds.yaml: 16 of the 16 item columns of 'sfcds' not found in 'export.csv' (looked for 'SFCDS_1' .. 'SFCDS_16'): add item_pattern: \"sfcds_{n}\" to the mapping file (it names all 16 items in header row 1), or run 'qscore map -i sfcds export.csv' to draft a mapping\n"
                             "qscore: export.csv: not scored\n"
                             "qscore: nothing scored: '@WORK@/scores.csv' not written\n"
                             "qscore: scored 0 of 0 rows from 0 files (0 quarantined, 0 flags raised)\n")
    write_case("mapping-missing-column",
               "DECISION: a mapped column that the file's header lacks (client_id: Client) is a "
               "mapping error: exit status 2, nothing scored.",
               common, ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping="client_id: Client\n", want_status=2,
               error_by_hand="qscore: mapping.yaml:1:12: column 'Client' for client_id not found in 'export.csv': row 1 (17 columns) is not a known export's header, so its cells are not shown (it may be data); check the file's header row, or name columns by number, e.g. \"#1\"\nqscore: export.csv: not scored\nqscore: scored 0 of 0 rows from 0 files (0 quarantined, 0 flags raised)\n")


# ------------------------------------------------------------------------------------------
# Cases of the ingest rules of 2026-12 (docs/score.md "Dates", not-administered rows, a problem
# common to every row). Their inputs were first written by hand; they are built here so that
# the reference checks their expected outputs too, stderr included (its wording is qscore's).
# ------------------------------------------------------------------------------------------

def case_bundled():
    data = """\
response_id,client_id,date,SFCDS_1,SFCDS_2,SFCDS_3,SFCDS_4,SFCDS_5,SFCDS_6,SFCDS_7,SFCDS_8,SFCDS_9,SFCDS_10,SFCDS_11,SFCDS_12,SFCDS_13,SFCDS_14,SFCDS_15,SFCDS_16,IOS_1
R1,C1,2026-03-01,3,4,3,4,3,4,3,4,3,4,3,4,3,4,3,4,
R2,C2,2026-03-02,,,,,,,,,,,,,,,,,5
R3,,2026-03-03,,,,,,,,,,,,,,,,,2
R4,C4,2026-03-04,2,3,2,3,2,3,2,3,2,3,2,3,2,3,2,3,6
R5,C5,2026-03-05,,,,,,,,,,,,,,,,,
R6,C6,2026-03-06,,,,,,,,,,,,,,,,x,3
"""
    mapping = """\
response_id: response_id
client_id: client_id
administered: date
"""
    about = """\
One export carrying the SFCDS (SFCDS_1..16) and the IOS (IOS_1), each client answering one or
both; scored for sfcds. Rows answering no SFCDS item are not administered: counted on stderr
("3 rows not administered"), neither scored nor quarantined, even R3 with its blank client id
(not this instrument's business). R6 attempted item 16 ("x"): quarantined. Scored: R1
(3 4 ... : raw 56, items 5 and 7 reversed 7-3=4: +1 each -> 58) and R4 (2 3 ...: raw 40, +3
each -> 46). Exit status 1 (R6 quarantined).
"""
    checks = ['R1,C1,sfcds,total,58,16,16,,,,ok',
              'R4,C4,sfcds,total,46,16,16,,,,ok',
              'qscore: export.csv: 3 rows not administered (no item of sfcds answered)',
              'export.csv,7,R6,SFCDS_16,x,',
              'scored 2 of 6 rows from 1 file (1 quarantined']
    write_case('bundled-two-instruments', about, {'export.csv': data.encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=1, keep_stderr=True)


def case_dates_conflicting():
    data = """\
client_id,date,IOS_1
C1,3/4/2026 10:00:00,2
C2,25/4/2026 10:00:00,3
C3,4/25/2026 10:00:00,3
"""
    mapping = """\
client_id: client_id
administered: date
"""
    about = """\
Line 3 has a first number over 12 (day first), line 4 a second number over 12 (month first):
no order reads the column. The file is refused (exit status 2) naming the two lines, never
the dates.
"""
    checks = ['(line 3 has a first number over 12, line 4 a second number over 12)',
              'scored 0 of 0 rows from 0 files']
    write_case('dates-conflicting', about, {'export.csv': data.encode("utf-8")},
               ["score", "-i", IOS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=2, keep_stderr=True)


def case_dates_day_first():
    data = """\
client_id,date,IOS_1
C1,3/4/2026 14:05,2
C2,20/05/2026 14:05:09,3
C3,1/6/2026,5
C4,2026-06-02 08:30,6
"""
    mapping = """\
# Excel (outside the US) saved the dates as D/M/YYYY; no date_format.
client_id: client_id
administered: date
"""
    about = """\
Slash dates as Excel saves them outside the US (day first), with and without a time, and one
ISO date, without date_format. Line 3 (20/05/2026) has a first number over 12: the file is
day-first, so 3/4/2026 is 3 April and 1/6/2026 is 1 June. Exit status 0.
"""
    checks = ['2026-04-03T14:05:00',
              '2026-05-20T14:05:09',
              '2026-06-01,',
              '2026-06-02T08:30:00']
    write_case('dates-day-first', about, {'export.csv': data.encode("utf-8")},
               ["score", "-i", IOS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=0, keep_stderr=True,
               status_file=True)


def case_dates_google_forms_us():
    data = """\
"Timestamp","Client code","How close are you?"
"5/3/2026 9:00:00","C1","4"
"5/20/2026 14:05:09","C2","No overlap"
"12/31/2026 23:59:59","C3","7"
"""
    mapping = """\
# Google Forms (US account) without date_format: the Timestamp column is M/D/YYYY H:MM:SS.
client_id: Client code
administered: Timestamp
items:
  1: "How close are you?"
"""
    about = """\
A Google Forms export from a US account, scored without date_format. Timestamps are
M/D/YYYY H:MM:SS without leading zeros. Line 2 (5/3/2026) could be read either way; line 3
(5/20/2026) has a second number over 12, so the whole file is month-first and line 2 is
May 3. Output dates are ISO: 2026-05-03T09:00:00, 2026-05-20T14:05:09, 2026-12-31T23:59:59.
Exit status 0.
"""
    checks = ['2026-05-03T09:00:00',
              '2026-05-20T14:05:09',
              '2026-12-31T23:59:59']
    write_case('dates-google-forms-us', about, {'export.csv': data.encode("utf-8")},
               ["score", "-i", IOS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=0, keep_stderr=True,
               status_file=True)


def case_dates_undecidable():
    data = """\
client_id,date,IOS_1
C1,3/4/2026 10:00:00,2
C2,12/11/2026 9:00:00,3
"""
    mapping = """\
client_id: client_id
administered: date
"""
    about = """\
Slash dates whose numbers are all 12 or less: nothing in the file says whether the day or the
month comes first, and qscore never guesses. The file is refused (exit status 2, no row
scored or quarantined) with one message giving the date_format line for either order; the
message shows no date.
"""
    checks = ['date_format: "%d/%m/%Y %H:%M:%S" to the mapping file if the day comes first, or date_format: "%m/%d/%Y %H:%M:%S" if the month does',
              'scored 0 of 0 rows from 0 files']
    write_case('dates-undecidable', about, {'export.csv': data.encode("utf-8")},
               ["score", "-i", IOS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=2, keep_stderr=True)


def case_file_problem_unknown_label():
    data = """\
response_id,client_id,date,SFCDS_1,SFCDS_2,SFCDS_3,SFCDS_4,SFCDS_5,SFCDS_6,SFCDS_7,SFCDS_8,SFCDS_9,SFCDS_10,SFCDS_11,SFCDS_12,SFCDS_13,SFCDS_14,SFCDS_15,SFCDS_16
R1,C1,2026-03-01,3,Strongly agre,4,4,4,4,4,4,4,4,4,4,4,4,4,4
R2,C2,2026-03-01,Strongly agre,Strongly agre,Strongly agre,2,2,2,2,2,2,2,2,2,2,2,2,2
R3,C3,2026-03-01,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,strongly agre
"""
    mapping = """\
# The form says "Strongly agre" (a typo in the survey tool); the mapping lists
# "Strongly agree", so no row can be scored.
response_id: response_id
client_id: client_id
administered: date
labels:
  "Strongly agree": 6
  "Strongly disagree": 1
"""
    about = """\
Every row answers "Strongly agre", a label the mapping lacks (it has "Strongly agree"): the
mapping does not fit the file, so besides the quarantine lines (one per cell) qscore prints
ONE message naming the column, the text and the labels: line to add, and exits with status 2.
Showing the text is allowed: seen on every row it is the form's wording, not an answer of one
client.
"""
    checks = ['qscore: export.csv: SFCDS_2: every quarantined row answers "Strongly agre" (first in column \'SFCDS_2\')',
              'export.csv,4,R3,SFCDS_16,strongly agre,']
    write_case('file-problem-unknown-label', about, {'export.csv': data.encode("utf-8")},
               ["score", "-i", SFCDS, "-m", "mapping.yaml"] + Q + ["export.csv"],
               mapping=mapping, checks=checks, want_status=2, keep_stderr=True)


def case_from_stdin():
    data = """\
client_id,IOS_1
C1,3
C2,7
C3,9
C4,
"""
    checks = ['(stdin),4,4,IOS_1,9,item 1: answer is outside the scale 1..7',
              'qscore: (stdin): 1 row not administered (no item of ios answered)',
              '2,C1,ios,ios,3,1,1,,,,ok']
    write_case('from-stdin', None, {'stdin': data.encode("utf-8")},
               ["score", "-i", "ios"] + Q + ["-"],
               mapping=None, checks=checks, want_status=1, keep_stderr=True,
               cases=CASES_STDIN)


def case_stdin_slash_dates():
    data = """\
client_id,date,IOS_1
C1,3/4/2026,3
C2,20/4/2026 9:05 PM,7
"""
    mapping = """\
client_id: client_id
administered: date
"""
    about = """\
Slash dates on standard input, without date_format: standard input is read into memory so the
day/month order can be decided from the whole file (line 3 is day-first), then scored:
3 April and 20 April 21:05. Exit status 0.
"""
    checks = ['2026-04-03,(stdin),2',
              '2026-04-20T21:05:00,(stdin),3']
    write_case('slash-dates', about, {'stdin': data.encode("utf-8")},
               ["score", "-i", "ios"] + Q + ["-m", "mapping.yaml", "-"],
               mapping=mapping, checks=checks, want_status=0,
               keep_stderr=True, status_file=True, cases=CASES_STDIN)


# ------------------------------------------------------------------------------------------
def check_irv_robust():
    """irv must not depend on the summation algorithm for our data: every scored row's answers
    give the same double by the exact formula, two-pass, naive sum of squares and Welford."""
    bad = 0
    for a in ALL_ANSWERS:
        v = irv_variants(a)
        if len(v) > 1:
            bad += 1
            print("irv differs by algorithm: %r -> %r" % (a, sorted(v)))
    return bad


def main():
    os.makedirs(CASES, exist_ok=True)
    case_generic()
    case_excel_cp1252()
    case_utf8_one_bad_byte()
    case_excel_utf16le()
    case_utf16be()
    case_qualtrics_numeric()
    case_qualtrics_labels()
    case_surveymonkey()
    case_redcap_raw()
    case_redcap_labels()
    case_google_forms()
    case_missing_spellings()
    case_quarantine_mix()
    case_formula_text()
    case_ecrr_flags()
    case_json()
    case_output_file()
    case_custom()
    case_wide()
    case_usage_errors()
    case_bundled()
    case_dates_conflicting()
    case_dates_day_first()
    case_dates_google_forms_us()
    case_dates_undecidable()
    case_file_problem_unknown_label()
    case_from_stdin()
    case_stdin_slash_dates()
    bad = check_irv_robust()
    print("cases written to %s and %s; irv rows depending on the algorithm: %d"
          % (CASES, CASES_STDIN, bad))


if __name__ == "__main__":
    main()
