#!/usr/bin/env python3
"""golden_parts.py - compare a workbook's XML parts with committed expected parts.

Usage: golden_parts.py [--update] EXPECTED_DIR FILE.xlsx...

For each FILE.xlsx, its layout parts (sheets, charts, drawings, shared strings, styles and
workbook.xml: what a therapist sees, not the document properties) are compared with
EXPECTED_DIR/<FILE without .xlsx>/<part>, the way libxlsxwriter's functional tests compare
against files made by Excel. Parts are stored one XML element per line, so a layout change is a
readable diff. The one volatile value, the run's start time on About, becomes @RUN_STARTED@.
--update rewrites the expected parts instead (see golden.sh for when and how).
Exit status 0: every part equal; 1: a difference (a diff per part is printed); 2: usage.
Only the standard library: python3 is enough.
"""
import difflib
import os
import re
import shutil
import sys
import zipfile

PARTS = re.compile(r"xl/(worksheets/sheet\d+|charts/chart\d+|drawings/drawing\d+|sharedStrings"
                   r"|styles|workbook)\.xml$")
RUN_STARTED = re.compile(r"<t>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</t>")


def parts(path):
    """{part name: normalised text} of the workbook at path."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if PARTS.match(name):
                text = z.read(name).decode("utf-8")
                text = RUN_STARTED.sub("<t>@RUN_STARTED@</t>", text)
                out[name] = text.replace("><", ">\n<").rstrip("\n") + "\n"
    return out


def expected(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            full = os.path.join(root, f)
            with open(full, encoding="utf-8", newline="") as fp:
                out[os.path.relpath(full, folder).replace(os.sep, "/")] = fp.read()
    return out


def main(argv):
    update = argv[:1] == ["--update"]
    if update:
        argv = argv[1:]
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    exp_dir, books = argv[0], argv[1:]
    bad = 0
    for book in books:
        stem = os.path.basename(book)[: -len(".xlsx")]
        folder = os.path.join(exp_dir, stem)
        got = parts(book)
        if update:
            shutil.rmtree(folder, ignore_errors=True)
            for name, text in got.items():
                os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
                with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as fp:
                    fp.write(text)
            print(f"updated {folder}: {len(got)} parts")
            continue
        want = expected(folder)
        before = bad
        if not want:
            print(f"FAIL: no expected parts for {stem} in {folder}")
            bad += 1
            continue
        for name in sorted(set(got) | set(want)):
            if name not in got:
                print(f"FAIL: {stem}: {name} is expected but the workbook has no such part")
                bad += 1
            elif name not in want:
                print(f"FAIL: {stem}: {name} is new (no expected part)")
                bad += 1
            elif got[name] != want[name]:
                print(f"FAIL: {stem}: {name} differs from the expected part:")
                diff = difflib.unified_diff(want[name].splitlines(), got[name].splitlines(),
                                            f"expected/{name}", f"got/{name}", lineterm="", n=2)
                for i, line in enumerate(diff):
                    if i == 60:
                        print("   ... (diff cut)")
                        break
                    print("   " + line[:200])
                bad += 1
        if bad == before:
            print(f"ok: {stem}: {len(got)} parts as expected")
    for stem in sorted(set(os.listdir(exp_dir)) if os.path.isdir(exp_dir) and not update else []):
        if stem not in {os.path.basename(b)[: -len(".xlsx")] for b in books}:
            print(f"FAIL: expected parts for {stem}, but no such workbook was written")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
