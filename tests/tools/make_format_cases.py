#!/usr/bin/env python3
"""Generate tests/unit/data/format/repr.txt: doubles and the text qs_format_double must write.

    python3 tests/tools/make_format_cases.py          # (re)writes the file

The digits come from Python's repr() (David Gay's dtoa: the shortest decimal that reads back,
the closest of those), an implementation independent of src/format.c. They are laid out as
docs/score.md and include/qscore/format.h say: printf's %.15g layout (%.16g, %.17g when 16 or
17 digits are needed), whole numbers below 1e15 without a decimal point, "inf".

The values are the classes where the text of the earlier printf-based formatter was not the
shortest, so test_format.c cannot use it as the reference there: every power of two (the
double below is half as far as the one above) and subnormals (fewer significant bits), plus
the powers of ten and a fixed-seed sample of random bit patterns.
Deterministic: same bytes every run. One line per value: 16 hex digits of the bits, a space,
the text.
"""
import decimal
import math
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "tests", "unit", "data", "format", "repr.txt")


def bits_of(v):
    return struct.unpack("<Q", struct.pack("<d", v))[0]


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def text(v):
    """The documented text of a finite, non-NaN double."""
    if v == 0:
        return "0"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if abs(v) < 1e15 and v == int(v):
        return str(int(v))
    _, digits, exp = decimal.Decimal(repr(abs(v))).as_tuple()
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    n = len(digits)
    x = exp + n - 1  # the value is d.ddd * 10^x
    d = "".join(map(str, digits))
    if x < -4 or x >= max(15, n):
        s = d[0] + ("." + d[1:] if n > 1 else "") + "e" + ("-" if x < 0 else "+") + "%02d" % abs(x)
    elif x >= 0:
        s = d + "0" * (x + 1 - n) if n <= x + 1 else d[: x + 1] + "." + d[x + 1 :]
    else:
        s = "0." + "0" * (-x - 1) + d
    return ("-" if v < 0 else "") + s


def main():
    rng = random.Random(15)
    values = []
    for e in range(-1074, 1024):  # every power of two
        values.append(bits_of(math.ldexp(1.0, e)))
    for t in range(1, 201):  # the first subnormals
        values.append(t)
    for _ in range(1000):  # random subnormals
        values.append(rng.randrange(1, 1 << 52))
    for p in range(-323, 309):  # the doubles nearest the powers of ten
        values.append(bits_of(float("1e%d" % p)))
    for _ in range(300):  # random bit patterns, finite
        b = rng.getrandbits(64)
        if (b >> 52) & 0x7FF != 0x7FF:
            values.append(b)
    values.append(bits_of(-math.ldexp(1.0, -24)))
    values.append(bits_of(-5e-324))
    seen = set()
    lines = []
    for b in values:
        b &= (1 << 64) - 1
        if b in seen or (b >> 52) & 0x7FF == 0x7FF:
            continue
        seen.add(b)
        v = from_bits(b)
        t = text(v)
        assert float(t) == v or v == 0, (hex(b), t)
        lines.append("%016x %s\n" % (b, t))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="ascii", newline="\n") as f:
        f.writelines(lines)
    print("wrote %s (%d values)" % (os.path.relpath(OUT, ROOT), len(lines)))


if __name__ == "__main__":
    main()
