#!/usr/bin/env python3
"""Lists the code points Python's re module matches with \\s in a str pattern.

DUET's marker detector (duet_marker_detector.py) compiles its patterns as
str patterns, so \\s there is Unicode whitespace. The Go port translates \\s
to an explicit class; TestPythonWhitespace checks that class against this
list. Standard library only. Run: python3 testdata/pyspace.py > testdata/pyspace.txt
"""
import re
import sys

pat = re.compile(r"\s")
print("# code points matched by Python's re \\s (str pattern), Python %d.%d" % sys.version_info[:2])
for c in range(0x110000):
    if 0xD800 <= c <= 0xDFFF:
        continue
    if pat.fullmatch(chr(c)):
        print("%04X" % c)
