#!/usr/bin/env python3
"""check_xml_clean.py - a workbook built from ids and names holding control characters loads.

Usage: check_xml_clean.py FILE.xlsx TITLE

openpyxl loads it, no XML part holds a C0 control other than TAB, LF and CR (XML 1.0), the
document properties hold no bidi control, and the title property is TITLE.
"""
import re
import sys
import zipfile

import openpyxl

path, title = sys.argv[1], sys.argv[2]
openpyxl.load_workbook(path)
z = zipfile.ZipFile(path)
for name in z.namelist():
    text = z.read(name).decode("utf-8")
    bad = re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    assert not bad, "%s holds the control character %r" % (name, bad.group(0))
core = z.read("docProps/core.xml").decode("utf-8")
assert not re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", core), core
assert "<dc:title>%s</dc:title>" % title in core, core
print("ok: %s loads; every XML part is valid XML 1.0 text" % path)
