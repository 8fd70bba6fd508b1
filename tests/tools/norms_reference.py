#!/usr/bin/env python3
"""Independent reference values for tests/unit/test_norms.c (src/norms.c, src/change.c).

Computes, from first principles and in exact rational arithmetic (fractions.Fraction of the exact
binary value of every input), what the C code must give for the small samples below, and writes
them as tests/unit/norms_reference.h: the samples themselves and the expected numbers, so the C
test runs without Python and the data cannot drift from the values.

  mean, sample SD (n - 1)        exact mean and variance; the SD is a square root taken with
                                 50 significant digits (decimal), then rounded once to double.
  Cronbach's alpha (pairwise)    C[i][j] = sum over the cases that answered i and j of
                                 (x_i - m_i)(x_j - m_j) / (n_ij - 1), m_i and m_j the means of
                                 those same cases (R: cov(x, use = "pairwise.complete.obs"), what
                                 psych::alpha uses by default); alpha = k/(k-1) (1 - tr C / sum C)
                                 (psych::alpha raw_alpha). A pair with n_ij < 2 has no
                                 covariance (R: NA), so there is no alpha.
  mid-rank percentile            100 (below + equal / 2) / n, exact.
  reliable change                Jacobson & Truax (1991): S_diff = SD sqrt(2 (1 - r)),
                                 RCI = (x2 - x1) / S_diff, as one square root of an exact
                                 rational (SD^2 2 (1 - r)), 50 digits.
  criterion c                    (SD_c M_f + SD_f M_c) / (SD_c + SD_f), 50 digits.

Usage:
  norms_reference.py                write tests/unit/norms_reference.h (next to this script's
                                    ../unit/) and print the values
  norms_reference.py --check-r      also run R's psych::alpha and cov(use = "pairwise") on the
                                    same matrices and fail when they differ by more than 1e-12
"""

import argparse
import decimal
import math
import os
import shutil
import subprocess
import sys
from fractions import Fraction as F

decimal.getcontext().prec = 50
NAN = None  # a missing cell

# ---- the samples (the C test reads them from the generated header) -------------------------

SAMPLES = {
    # a textbook sample: mean 5, SD sqrt(32/7)
    "s_plain": [2, 4, 4, 4, 5, 5, 7, 9],
    # a large offset: naive sum-of-squares loses digits here, the corrected two-pass does not
    "s_offset": [100000001, 100000002, 100000003, 100000004, 100000004.5],
    # decimals that are not exact in binary (the reference uses their exact binary values)
    "s_decimal": [2.3, 1.7, 3.1, 2.9, 2.3, 1.1],
}

MATRICES = {
    # 5 cases x 3 items, complete
    "a_complete": [
        [3, 4, 3],
        [2, 2, 1],
        [4, 4, 4],
        [1, 2, 2],
        [0, 1, 1],
    ],
    # 7 cases x 4 items, one blank in each of four rows: every pair has 5 cases in common,
    # each item 6, 3 complete cases
    "a_missing": [
        [3, 4, 3, 4],
        [2, 2, NAN, 3],
        [4, 4, 4, 3],
        [1, NAN, 2, 1],
        [0, 1, 1, NAN],
        [3, 3, 2, 2],
        [NAN, 2, 3, 3],
    ],
    # items 1 and 3 are answered together by one case only
    "a_short_pair": [
        [1, NAN, 2],
        [2, 3, NAN],
        [NAN, 4, 1],
        [3, 2, NAN],
    ],
    # two items that disagree: alpha is negative
    "a_negative": [
        [1, 4],
        [2, 3],
        [3, 2],
        [4, 2],
    ],
    # perfectly opposite items: sum(C) = 0
    "a_zero_total": [
        [1, 4],
        [2, 3],
        [3, 2],
        [4, 1],
    ],
}

# Mid-rank percentiles: the sample (unsorted on purpose) and the values looked up.
PCT_SAMPLE = [5, 2, 8, 2, 1, 3, 2, 5]
PCT_X = [0, 1, 2, 2.5, 3, 4, 5, 8, 9]

# Reliable change: the local norm is s_plain with r = alpha(a_missing); x1 -> x2 pairs chosen
# around +-1.96 S_diff. The functional population for criterion c is published (synthetic).
RC_PAIRS = [(10, 11), (10, 11.8), (10, 8.2), (10, 11.7), (10, 8.3), (5, 3), (6, 4), (3, 5)]
FUNCTIONAL = {"mean": F(2), "sd": F(3, 2)}


def exact(x):
    return F(x)  # the exact value of the double (or int)


def mean_var(xs):
    xs = [exact(x) for x in xs]
    n = len(xs)
    m = sum(xs) / n
    v = sum((x - m) ** 2 for x in xs) / (n - 1) if n > 1 else None
    return m, v


def sqrt_float(q):
    """sqrt of an exact non-negative rational, correctly rounded to double (50 digits first)."""
    d = decimal.Decimal(q.numerator) / decimal.Decimal(q.denominator)
    return float(d.sqrt())


def to_float(q):
    return float(q)  # Fraction -> double is correctly rounded


def pairwise_cov(rows, i, j):
    pairs = [(exact(r[i]), exact(r[j])) for r in rows if r[i] is not None and r[j] is not None]
    c = len(pairs)
    if c < 2:
        return None, c
    mi = sum(a for a, _ in pairs) / c
    mj = sum(b for _, b in pairs) / c
    return sum((a - mi) * (b - mj) for a, b in pairs) / (c - 1), c


def alpha(rows):
    k = len(rows[0])
    cov = [[None] * k for _ in range(k)]
    min_n, min_ij = None, (0, 0)
    for i in range(k):
        for j in range(i, k):
            v, c = pairwise_cov(rows, i, j)
            cov[i][j] = cov[j][i] = v
            if min_n is None or c < min_n:
                min_n, min_ij = c, (i, j)
    complete = sum(1 for r in rows if all(v is not None for v in r))
    res = {"k": k, "n": len(rows), "n_complete": complete, "min_pair_n": min_n,
           "min_pair_i": min_ij[0], "min_pair_j": min_ij[1], "cov": cov,
           "alpha": None, "trace": None, "total": None, "why": None}
    if k < 2:
        res["why"] = "one_item"
        return res
    if any(v is None for row in cov for v in row):
        res["why"] = "pair"
        return res
    tr = sum(cov[i][i] for i in range(k))
    tot = sum(sum(row) for row in cov)
    res["trace"], res["total"] = tr, tot
    if tot <= 0:
        res["why"] = "total"
        return res
    res["alpha"] = F(k, k - 1) * (1 - tr / tot)
    return res


def midrank(sample, x):
    below = sum(1 for s in sample if s < x)
    equal = sum(1 for s in sample if s == x)
    return F(100) * (below + F(equal, 2)) / len(sample)


def rci_class(r, better):
    if not abs(r) > 1.96:
        return "QS_RCI_NO_CHANGE"
    if better == "higher":
        return "QS_RCI_IMPROVED" if r > 0 else "QS_RCI_DETERIORATED"
    if better == "lower":
        return "QS_RCI_IMPROVED" if r < 0 else "QS_RCI_DETERIORATED"
    return "QS_RCI_INCREASED" if r > 0 else "QS_RCI_DECREASED"


def c_double(x):
    if x is None:
        return "NAN"
    f = float(x)
    if math.isnan(f):
        return "NAN"
    return repr(f)


def c_array(name, xs):
    return "static const double %s[] = {%s};\n" % (name, ", ".join(c_double(x) for x in xs))


def compute():
    out = {"samples": {}, "alphas": {}, "pct": [], "rc": []}
    for name, xs in SAMPLES.items():
        m, v = mean_var(xs)
        out["samples"][name] = (xs, m, v)
    for name, rows in MATRICES.items():
        out["alphas"][name] = alpha(rows)
    out["pct"] = [(x, midrank([exact(s) for s in PCT_SAMPLE], exact(x))) for x in PCT_X]

    m, v = out["samples"]["s_plain"][1:]
    r = out["alphas"]["a_missing"]["alpha"]
    s_diff_sq = v * 2 * (1 - r)
    s_diff = sqrt_float(s_diff_sq)
    out["local"] = {"mean": m, "var": v, "r": r, "s_diff": s_diff}
    dec_sdiff = decimal.Decimal(s_diff_sq.numerator) / decimal.Decimal(s_diff_sq.denominator)
    dec_sdiff = dec_sdiff.sqrt()
    for x1, x2 in RC_PAIRS:
        ch = exact(x2) - exact(x1)
        rci = decimal.Decimal(ch.numerator) / decimal.Decimal(ch.denominator) / dec_sdiff
        rf = float(rci)
        out["rc"].append((x1, x2, rf, {b: rci_class(rf, b) for b in ("higher", "lower", "unknown")}))
    # criterion c with the local sample as the clinical population
    sd_c = decimal.Decimal(v.numerator) / decimal.Decimal(v.denominator)
    sd_c = sd_c.sqrt()
    mf, sf = FUNCTIONAL["mean"], FUNCTIONAL["sd"]
    dm = lambda q: decimal.Decimal(q.numerator) / decimal.Decimal(q.denominator)  # noqa: E731
    cut = (sd_c * dm(mf) + dm(sf) * dm(m)) / (sd_c + dm(sf))
    out["cutoff"] = float(cut)
    return out


def header(out):
    h = []
    h.append("/* norms_reference.h - GENERATED by tests/tools/norms_reference.py: do not edit.\n"
             " * The samples of tests/unit/test_norms.c and their values computed independently\n"
             " * in exact rational arithmetic (square roots to 50 digits, rounded once). */\n")
    h.append("#ifndef QS_NORMS_REFERENCE_H\n#define QS_NORMS_REFERENCE_H\n\n#include <math.h>\n\n")
    for name, (xs, m, v) in out["samples"].items():
        h.append(c_array(name, xs))
        h.append("#define %s_MEAN %s\n" % (name.upper(), c_double(m)))
        h.append("#define %s_SD %s\n\n" % (name.upper(), c_double(sqrt_float(v)) if v is not None
                                             else "NAN"))
    for name, a in out["alphas"].items():
        rows = MATRICES[name]
        h.append("#define %s_N %d\n#define %s_K %d\n" % (name.upper(), len(rows), name.upper(),
                                                       a["k"]))
        h.append(c_array(name, [v for r in rows for v in r]))
        h.append(c_array(name + "_cov", [v for r in a["cov"] for v in r]))
        for key in ("alpha", "trace", "total"):
            h.append("#define %s_%s %s\n" % (name.upper(), key.upper(), c_double(a[key])))
        for key in ("n_complete", "min_pair_n", "min_pair_i", "min_pair_j"):
            h.append("#define %s_%s %d\n" % (name.upper(), key.upper(), a[key]))
        h.append("\n")
    h.append(c_array("pct_sample", PCT_SAMPLE))
    h.append(c_array("pct_x", PCT_X))
    h.append(c_array("pct_expected", [p for _, p in out["pct"]]))
    h.append("\n")
    loc = out["local"]
    h.append("#define LOCAL_R %s /* alpha of a_missing */\n" % c_double(loc["r"]))
    h.append("#define LOCAL_S_DIFF %s /* SD(s_plain) sqrt(2 (1 - LOCAL_R)) */\n"
             % repr(loc["s_diff"]))
    h.append("#define FUNCTIONAL_MEAN %s\n#define FUNCTIONAL_SD %s\n"
             % (c_double(FUNCTIONAL["mean"]), c_double(FUNCTIONAL["sd"])))
    h.append("#define CUTOFF_C %s /* (SD_local M_f + SD_f M_local) / (SD_local + SD_f) */\n\n"
             % repr(out["cutoff"]))
    h.append("static const struct rc_case {\n    double x1, x2, rci;\n"
             "    int higher, lower, unknown;\n} rc_cases[] = {\n")
    for x1, x2, rf, cls in out["rc"]:
        h.append("    {%s, %s, %s, %s, %s, %s},\n" % (c_double(x1), c_double(x2), repr(rf),
                                                    cls["higher"], cls["lower"], cls["unknown"]))
    h.append("};\n\n#endif\n")
    return "".join(h)


R_SCRIPT = r"""
suppressPackageStartupMessages(library(psych))
args <- commandArgs(trailingOnly = TRUE)
lines <- readLines(args[1])
for (ln in lines) {
  p <- strsplit(ln, "\t")[[1]]
  k <- as.integer(p[2])
  v <- as.numeric(ifelse(p[-(1:2)] == "NA", NA, p[-(1:2)]))
  m <- matrix(v, ncol = k, byrow = TRUE)
  C <- cov(m, use = "pairwise")
  a <- suppressWarnings(tryCatch(
    psych::alpha(as.data.frame(m), check.keys = FALSE, warnings = FALSE)$total$raw_alpha,
    error = function(e) NA))
  cat(p[1], sprintf("%.17g", a), sprintf("%.17g", as.vector(t(C))), sep = "\t")
  cat("\n")
}
"""


def check_r(out):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "m.tsv")
        with open(data, "w") as f:
            for name, rows in MATRICES.items():
                cells = ["NA" if v is None else repr(float(v)) for r in rows for v in r]
                f.write("\t".join([name, str(len(rows[0]))] + cells) + "\n")
        script = os.path.join(d, "check.R")
        with open(script, "w") as f:
            f.write(R_SCRIPT)
        res = subprocess.run(["Rscript", script, data], capture_output=True, text=True,
                             check=True)
    bad = 0
    for ln in res.stdout.splitlines():
        p = ln.split("\t")
        if p[0] not in MATRICES:  # psych prints notes ("Likely variables with missing ...")
            continue
        name, ra = p[0], float("nan") if p[1] == "NA" else float(p[1])
        a = out["alphas"][name]
        ours = float(a["alpha"]) if a["alpha"] is not None else float("nan")
        # Where we refuse (sum(C) <= 0) R may still print a number: only compare the matrix.
        if a["why"] != "total" and not (math.isnan(ra) and math.isnan(ours)) and \
                not abs(ra - ours) <= 1e-12:
            print("MISMATCH %s alpha: reference %.17g, psych %.17g" % (name, ours, ra))
            bad += 1
        rc = [float("nan") if x == "NA" else float(x) for x in p[2:]]
        ref = [float(v) if v is not None else float("nan") for r in a["cov"] for v in r]
        for x, y in zip(ref, rc):
            if not ((math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-12):
                print("MISMATCH %s cov: reference %.17g, R %.17g" % (name, x, y))
                bad += 1
        print("R psych %s: alpha %.17g (reference %s)" % (name, ra, a["alpha"]
                                                          and float(a["alpha"])))
    if not bad:
        print("R agrees with the reference within 1e-12 (alpha and every covariance)")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-r", action="store_true")
    ap.add_argument("-o", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "..", "unit", "norms_reference.h"))
    args = ap.parse_args()
    out = compute()
    with open(args.o, "w") as f:
        f.write(header(out))
    # The suite checks every header under tests/ against .clang-format (tests/check_format.sh).
    if shutil.which("clang-format"):
        subprocess.run(["clang-format", "-i", args.o], check=True)
    for name, (xs, m, v) in out["samples"].items():
        print("%s: mean %r sd %r" % (name, float(m), sqrt_float(v)))
    for name, a in out["alphas"].items():
        print("%s: alpha %s (%s) min pair n %d at (%d,%d), complete %d" % (
            name, a["alpha"] and float(a["alpha"]), a["alpha"], a["min_pair_n"],
            a["min_pair_i"], a["min_pair_j"], a["n_complete"]))
    print("percentiles:", [(x, float(p)) for x, p in out["pct"]])
    print("local: r %r S_diff %r cutoff %r" % (float(out["local"]["r"]), out["local"]["s_diff"],
                                              out["cutoff"]))
    for x1, x2, rf, cls in out["rc"]:
        print("  %s -> %s: RCI %r %s" % (x1, x2, rf, cls))
    if args.check_r:
        return 1 if check_r(out) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
