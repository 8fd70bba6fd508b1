#!/usr/bin/env python3
"""Write bench/RESULTS.md (on stdout) from the measurements bench/run.sh collected.

    report.py META.tsv RUNS.tsv SCALING.tsv CROSSCHECK.md NOTES.txt THREADS.tsv SAME.md PROFILE_DIR KEPT.md

META.tsv: key<TAB>value lines (machine, versions, file, commands).
RUNS.tsv: name, rep, exit status, wall s (ns clock), /usr/bin/time %e s, %M KiB, %U + %S s.
SCALING.tsv: rows, format (long, wide), then the RUNS.tsv columns, for qscore on two file sizes.
THREADS.tsv: format, sha256 of the default run's output, sha256 with --threads 1, then the
  RUNS.tsv columns of the --threads 1 run.
SAME.md: compare_wide.py's section (qscore's wide file against the DuckDB wide peers').
PROFILE_DIR: FORMAT.threads (pid, tid, samples), FORMAT.symbols (`perf report --sort
  pid,dso,symbol`), hz, version, for FORMAT wide and long; empty when not profiled.
KEPT.md: the sections of the previous RESULTS.md other bench scripts wrote, appended as they are.
Standard library only, so the report is written even when pandas is missing.
"""
import os
import re
import statistics
import sys

GOAL_RSS_MIB = 32.0
GOAL_WIDE_VS_PARSE = 2.0  # issue 15: wide <= 2x parse-only
GOAL_LONG_VS_PARSE = 3.5  # issue 15: long <= 3.5x parse-only
PROFILE_TOP = 15  # functions listed per profile
RSS_GROWTH_TOL = 1.10  # the larger file may use at most 10% (+ 1 MiB of noise) more peak RSS
RSS_GROWTH_SLACK_MIB = 1.0


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def ok(name, status):
    return status == 0 or (name.startswith("qscore") and status == 1)


def fmt_s(x):
    return "%.3f" % x


def fmt_int(x):
    return "{:,}".format(int(round(x)))


def read_profile(pdir, fmt):
    """Threads and top functions of one perf profile, or None."""
    tpath = os.path.join(pdir, fmt + ".threads")
    spath = os.path.join(pdir, fmt + ".symbols")
    if not (os.path.exists(tpath) and os.path.exists(spath)):
        return None
    threads = {}
    main_tid = None
    for pid, tid, n in read_tsv(tpath):
        threads[tid] = int(n)
        if pid == tid:
            main_tid = tid
    if not threads:
        return None
    line_re = re.compile(r"^\s*([\d.]+)%\s+(\d+):\S+\s+(\S+)\s+\[(.)\]\s+(.*?)(\s+-\s+-)?\s*$")
    syms = []
    for line in open(spath, encoding="utf-8", errors="replace"):
        m = line_re.match(line)
        if m:
            syms.append((float(m.group(1)), m.group(2), m.group(3), m.group(5)))
    hz = float(open(os.path.join(pdir, "hz")).read().strip())
    return {"threads": threads, "main": main_tid, "syms": syms, "hz": hz}


def dso_kind(dso):
    if dso.startswith("[kernel"):
        return "kernel"
    if dso.startswith("libcsv"):
        return "libcsv"
    if dso.startswith("libc.") or dso.startswith("libm.") or dso.startswith("ld-linux"):
        return "libc"
    if dso == "qscore":
        return "qscore"
    return dso


def main():
    meta_path, runs_path, scale_path, check_path, notes_path = sys.argv[1:6]
    threads_path, same_path, prof_dir, kept_path = sys.argv[6:10]
    meta = {}
    cmds = []
    outsize = {}
    for row in read_tsv(meta_path):
        key, value = row[0], row[1] if len(row) > 1 else ""
        if key.startswith("cmd:"):
            cmds.append((key[4:], value))
        elif key.startswith("out:"):
            outsize[key[4:]] = int(value)
        else:
            meta[key] = value
    rows = int(meta["rows"])
    mbytes = int(meta["bytes"]) / 1e6

    runs = {}
    order = []
    raw = []
    for name, rep, status, wall, e, rss, cpu in read_tsv(runs_path):
        raw.append((name, rep, status, wall, e, cpu, rss))
        if name not in order:
            order.append(name)
        runs.setdefault(name, []).append((int(status), float(wall), int(rss) if rss != "NA" else None,
                                          float(cpu) if cpu != "NA" else None))
    for name, _ in cmds:
        if name not in order:
            order.append(name)

    stats = {}
    for name in order:
        rs = runs.get(name, [])
        good = [r for r in rs if ok(name, r[0])]
        failed = len(good) != len(rs) or not rs
        if good and not failed:
            walls = [r[1] for r in good]
            rss = [r[2] for r in good if r[2] is not None]
            cpu = [r[3] for r in good if r[3] is not None]
            stats[name] = {
                "n": len(good),
                "median": statistics.median(walls),
                "min": min(walls),
                "max": max(walls),
                "rss_med": statistics.median(rss) / 1024 if rss else None,
                "rss_max": max(rss) / 1024 if rss else None,
                "cpu": statistics.median(cpu) if cpu else None,
            }
        else:
            stats[name] = None

    ql = stats.get("qscore-long")
    qw = stats.get("qscore-wide")
    po = stats.get("parse-only")
    out = []
    w = out.append
    w("# qscore benchmark results")
    w("")
    w("Written by `bench/run.sh` (`make bench`) on %s. Do not edit: rerun `make bench`." % meta["date"])
    w("Real measurements of one run; see bench/README.md for what each contender does.")
    w("")
    w("## Machine and software")
    w("")
    w("- CPU: %s, %s logical cores (nproc)" % (meta["cpu"], meta["nproc"]))
    w("- RAM: %s; OS: %s" % (meta["ram"], meta["os"]))
    w("- Load average (1, 5, 15 min) at the start of the run: %s; at the end: %s. The machine is shared:"
      " other work running at the same time slows every contender, which the interleaving spreads evenly."
      % (meta.get("load_start") or "unknown", meta.get("load_end") or "unknown"))
    w("- qscore: commit %s, build dir `%s`" % (meta["commit"], meta["build"]))
    w("- R: %s" % (meta.get("r") or "not available"))
    w("- pandas: %s" % (meta.get("pandas") or "not available"))
    w("- DuckDB: %s" % (meta.get("duckdb") or "not available"))
    w("- libcsv (parse-only): %s" % (meta.get("libcsv") or "unknown version"))
    w("")
    w("## Input")
    w("")
    w("- `%s`: %s data rows (+ header), 48 columns (2 ids + 46 items), %s bytes (%.1f MB)"
      % (meta["file"], fmt_int(rows), fmt_int(int(meta["bytes"])), mbytes))
    w("- sha256 `%s` (bench/gen_export.c is deterministic: same rows, same bytes)" % meta["sha256"])
    w("- %s" % meta["keynote"])
    w("- %s timed runs per contender, interleaved round-robin (rep 1 of every contender, then rep 2, ...),"
      " page cache warm (the file is read once before the first run)." % meta["reps"])
    w("- Time: wall clock around each process (nanosecond clock; `/usr/bin/time -f '%e %M %U %S'` %e, "
      "10 ms resolution, is in the raw table); CPU time: %U + %S. Peak RSS: `/usr/bin/time` %M (the largest resident "
      "set of the process, or of its largest waited-for child), in MiB.")
    w("")
    w("## Results")
    w("")
    w("| contender | writes | runs | median s | min–max s | CPU s | rows/s | MB/s | peak RSS MiB (median; max) | output MB | time ÷ qscore-wide | time ÷ parse-only |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    writes = {
        "qscore-long": "long format (docs/score.md)",
        "qscore-wide": "`--format wide`, 21 columns",
        "DuckDB-wide-1T": "the same 21 columns and values",
        "DuckDB-wide-2T": "the same 21 columns and values",
        "parse-only": "nothing",
    }
    for name in order:
        s = stats[name]
        what = writes.get(name, "ids + 5 means")
        if s is None:
            st = [r[0] for r in runs.get(name, [])]
            w("| %s | %s | FAILED (exit status %s, see Notes) | | | | | | | | | |"
              % (name, what, ",".join(map(str, st)) or "?"))
            continue
        r_w = "%.2f×" % (s["median"] / qw["median"]) if qw else "n/a"
        r_p = "%.2f×" % (s["median"] / po["median"]) if po else "n/a"
        rss = "%.1f; %.1f" % (s["rss_med"], s["rss_max"]) if s["rss_med"] is not None else "n/a"
        osz = "%.1f" % (outsize[name] / 1e6) if name in outsize else "–"
        cpu = "%.2f" % s["cpu"] if s["cpu"] is not None else "n/a"
        w("| %s | %s | %d | %s | %s–%s | %s | %s | %.1f | %s | %s | %s | %s |" % (
            name, what, s["n"], fmt_s(s["median"]), fmt_s(s["min"]), fmt_s(s["max"]), cpu,
            fmt_int(rows / s["median"]), mbytes / s["median"], rss, osz, r_w, r_p))
    if meta.get("qscore_ok") != "1":
        w("| qscore | | NOT RUN: %s | | | | | | | | | |" % meta.get("qscore_why", ""))
    w("")
    w("`time ÷ qscore-wide` is the contender's median time divided by qscore-wide's: 3× means qscore --format wide is "
      "3 times faster. MB/s is input bytes (10^6) per second of wall time. `CPU s` is the median user + system time over "
      "all threads (above the wall time: more than one core used). `output MB` is the size of the file the contender wrote. "
      "What is computed: qscore-long and qscore-wide do everything `qscore score` does (docs/score.md: header matching, "
      "value checks, quarantine, duplicate ids, the 80% rule, validity indices and flags, the instrument's flags); "
      "qscore-long writes one row per administration and measure with the validity indices and flag sentences on every "
      "row, qscore-wide one row per administration. DuckDB-wide-1T/2T (`bench/peer_duckdb_wide.mjs`) compute and write "
      "the same 21 columns: per score the mean with the 80% rule and its status, the raised flags, validity, "
      "missing_fraction, longstring and irv (section \"Same values\" checks every field against qscore's); they do not "
      "check values, quarantine, detect duplicate ids or guard text against formulas. DuckDB-1T/2T, R and pandas compute "
      "only the five means (no minimum of answered items) and write ids + 5 columns.")
    w("")

    # Memory scaling.
    scale = {}
    for row in read_tsv(scale_path):
        n, fmt, name, rep, status, wall, e, rss = row[:8]
        if ok(name, int(status)) and rss != "NA":
            scale.setdefault((fmt, int(n)), []).append(int(rss) / 1024)
    w("## Memory scaling (qscore)")
    w("")
    if scale:
        w("| format | rows | runs | peak RSS MiB (median; max) |")
        w("|---|---:|---:|---:|")
        for fmt, n in sorted(scale):
            v = scale[(fmt, n)]
            w("| %s | %s | %d | %.1f; %.1f |" % (fmt, fmt_int(n), len(v), statistics.median(v), max(v)))
    else:
        w("Not measured (qscore did not run).")
    w("")

    # Threads.
    thr = read_tsv(threads_path) if os.path.exists(threads_path) else []
    w("## Threads: `--threads 1` against the default")
    w("")
    if thr:
        w("qscore writes its output on a second thread by default on this %s-core machine; one more run of each "
          "format with `--threads 1` after the timed runs, its output's sha256 against the last timed run's."
          % meta["nproc"])
        w("")
        w("| format | sha256, default threads | sha256, `--threads 1` | same bytes | `--threads 1` wall s | CPU s | peak RSS MiB |")
        w("|---|---|---|---|---:|---:|---:|")
        for row in thr:
            fmt, h2, h1 = row[0], row[1], row[2]
            name, rep, status, wall, e, rss, cpu = row[3:10]
            w("| %s | `%s` | `%s` | %s | %s | %s | %s |" % (
                fmt, h2[:16] + "…", (h1[:16] + "…") if h1 else "(none)", "yes" if h1 and h1 == h2 else "NO",
                fmt_s(float(wall)), cpu, "%.1f" % (int(rss) / 1024) if rss != "NA" else "n/a"))
    else:
        w("Not measured (qscore did not run).")
    w("")

    # Goal checks.
    w("## Goal checks")
    w("")
    w("Issue 15 (the wide format and a writer that keeps up with the parser):")
    w("")

    def line(test, title, text):
        w("- %s %s: %s" % ("PASS" if test else "FAIL", title, text))

    def need(title, *names):
        missing = [n for n in names if stats.get(n) is None]
        if missing:
            w("- N/A %s: %s did not run" % (title, ", ".join(missing)))
            return False
        return True

    t = "qscore --format wide ≤ %g× parse-only" % GOAL_WIDE_VS_PARSE
    if need(t, "qscore-wide", "parse-only"):
        r = qw["median"] / po["median"]
        line(r <= GOAL_WIDE_VS_PARSE, t, "qscore-wide %s s / parse-only %s s = %.2f×"
             % (fmt_s(qw["median"]), fmt_s(po["median"]), r))
    t = "qscore --format wide faster than DuckDB with 2 threads computing and writing the same values"
    if need(t, "qscore-wide", "DuckDB-wide-2T"):
        o = stats["DuckDB-wide-2T"]
        line(qw["median"] < o["median"], t, "qscore-wide %s s vs DuckDB-wide-2T %s s (DuckDB takes %.2f× qscore's time; "
             "goal > 1)" % (fmt_s(qw["median"]), fmt_s(o["median"]), o["median"] / qw["median"]))
    t = "qscore long format ≤ %g× parse-only" % GOAL_LONG_VS_PARSE
    if need(t, "qscore-long", "parse-only"):
        r = ql["median"] / po["median"]
        line(r <= GOAL_LONG_VS_PARSE, t, "qscore-long %s s / parse-only %s s = %.2f×"
             % (fmt_s(ql["median"]), fmt_s(po["median"]), r))
    all_rss = [x for n in ("qscore-long", "qscore-wide") if stats.get(n) and stats[n]["rss_max"] is not None
               for x in [stats[n]["rss_max"]]]
    all_rss += [x for v in scale.values() for x in v]
    all_rss += [int(row[8]) / 1024 for row in thr if row[8] != "NA"]
    t = "peak RSS under %g MiB" % GOAL_RSS_MIB
    if all_rss:
        line(max(all_rss) < GOAL_RSS_MIB, t, "largest over all %d qscore runs (long and wide, both sizes, --threads 1) "
             "%.1f MiB" % (len(all_rss), max(all_rss)))
    else:
        w("- N/A %s: qscore did not run" % t)
    for fmt in ("long", "wide"):
        sizes = sorted(n for f, n in scale if f == fmt)
        t = "peak RSS flat in rows (%s)" % fmt
        if len(sizes) >= 2:
            a = statistics.median(scale[(fmt, sizes[0])])
            b = statistics.median(scale[(fmt, sizes[-1])])
            line(b <= a * RSS_GROWTH_TOL + RSS_GROWTH_SLACK_MIB, t,
                 "%s rows %.1f MiB, %s rows %.1f MiB (%.2f×; allowed ≤ %.2f× + %g MiB)"
                 % (fmt_int(sizes[0]), a, fmt_int(sizes[-1]), b, b / a, RSS_GROWTH_TOL, RSS_GROWTH_SLACK_MIB))
        else:
            w("- N/A %s: scaling runs missing" % t)
    t = "outputs byte-identical with 1 or 2 threads"
    if thr:
        same = all(row[2] and row[1] == row[2] for row in thr)
        line(same and len(thr) == 2, t, "; ".join("%s %s" % (row[0], "same sha256" if row[2] and row[1] == row[2]
                                                             else "DIFFERENT sha256") for row in thr)
             + ("" if len(thr) == 2 else " (one format not compared)"))
    else:
        w("- N/A %s: not measured" % t)
    w("")
    w("Earlier goals, for `qscore score`'s default (long) format, kept as they are still measured"
      " (the wide format's figure in brackets):")
    w("")

    def vs(title, other, test, goal_text):
        if not need(title, "qscore-long", other):
            return
        o = stats[other]
        wtxt = " [wide: %.2f×]" % (o["median"] / qw["median"]) if qw else ""
        line(test(o["median"] / ql["median"]), title, "%s %s s / qscore-long %s s = %.2f×%s (goal %s)"
             % (other, fmt_s(o["median"]), fmt_s(ql["median"]), o["median"] / ql["median"], wtxt, goal_text))

    vs("faster than DuckDB with 2 threads (DuckDB writing 5 means)", "DuckDB-2T", lambda r: r > 1, "> 1")
    vs("≥ 15× faster than R psych::scoreItems", "R-scoreItems", lambda r: r >= 15, "≥ 15×")
    vs("≥ 6× faster than pandas", "pandas", lambda r: r >= 6, "≥ 6×")
    t = "within 3× of the parse-only libcsv loop (superseded by ≤ 3.5× for long above)"
    if need(t, "qscore-long", "parse-only"):
        r = ql["median"] / po["median"]
        wtxt = " [wide: %.2f×]" % (qw["median"] / po["median"]) if qw else ""
        line(r <= 3, t, "qscore-long %s s / parse-only %s s = %.2f×%s" % (fmt_s(ql["median"]), fmt_s(po["median"]), r, wtxt))
    w("")

    w("## Same values (qscore --format wide and the DuckDB wide peers, every row)")
    w("")
    w(open(same_path, encoding="utf-8").read().rstrip() if os.path.exists(same_path) else "Not compared.")
    w("")
    w("## Cross-check (first 1000 rows)")
    w("")
    w(open(check_path, encoding="utf-8").read().rstrip())
    w("")

    # Profile.
    w("## Where the time goes (perf profile)")
    w("")
    profs = {fmt: read_profile(prof_dir, fmt) for fmt in ("wide", "long")} if prof_dir else {}
    if not any(profs.values()):
        w("Not profiled (perf missing or not permitted, or BENCH_NO_PROFILE set).")
        w("")
    else:
        ver = open(os.path.join(prof_dir, "version")).read().strip() if os.path.exists(os.path.join(prof_dir, "version")) else "perf"
        hz = next(p for p in profs.values() if p)["hz"]
        w("One more run of each format on the same file, after the timed runs, under `perf record -F %d` (%s; "
          "software cpu-clock sampling, no call graphs): every function's self time, as a share of all samples of the "
          "process (both threads), and in CPU seconds (samples ÷ %d). The main thread reads, checks and scores; "
          "the writer thread formats and writes the output (`--threads 2`, the default here). A function's share "
          "in the thread on the critical path (the busier one) is what bounds the wall time. perf adds some overhead, "
          "so CPU seconds here are a little above the timed runs'." % (hz, ver, hz))
        w("")
        for fmt in ("wide", "long"):
            p = profs.get(fmt)
            if not p:
                continue
            total = sum(p["threads"].values())

            def role(tid):
                if tid == p["main"]:
                    return "main"
                return "writer" if len(p["threads"]) == 2 else "thread %s" % tid

            timed = stats.get("qscore-" + fmt)
            w("### %s (%s samples = %.2f CPU s; timed median %s s wall)" % (
                "qscore --format wide" if fmt == "wide" else "qscore long format (--format csv)",
                fmt_int(total), total / p["hz"], fmt_s(timed["median"]) if timed else "n/a"))
            w("")
            w("| thread | CPU s | share of samples | qscore | libcsv | libc | kernel | other |")
            w("|---|---:|---:|---:|---:|---:|---:|---:|")
            for tid in sorted(p["threads"], key=lambda t: -p["threads"][t]):
                kinds = {}
                for pct, stid, dso, sym in p["syms"]:
                    if stid == tid:
                        k = dso_kind(dso)
                        k = k if k in ("qscore", "libcsv", "libc", "kernel") else "other"
                        kinds[k] = kinds.get(k, 0.0) + pct
                n = p["threads"][tid]
                w("| %s | %.2f | %.1f%% | %s |" % (role(tid), n / p["hz"], 100.0 * n / total, " | ".join(
                    "%.1f%%" % kinds.get(k, 0.0) for k in ("qscore", "libcsv", "libc", "kernel", "other"))))
            w("")
            w("| # | function | library | thread | share of samples | CPU s |")
            w("|---:|---|---|---|---:|---:|")
            for k, (pct, tid, dso, sym) in enumerate(p["syms"][:PROFILE_TOP], 1):
                w("| %d | `%s` | %s | %s | %.1f%% | %.2f |" % (k, sym, dso_kind(dso), role(tid), pct,
                                                               pct / 100.0 * total / p["hz"]))
            rest = sum(x[0] for x in p["syms"][PROFILE_TOP:])
            w("| | everything else (%d functions) | | | %.1f%% | %.2f |" % (max(len(p["syms"]) - PROFILE_TOP, 0), rest,
                                                                         rest / 100.0 * total / p["hz"]))
            w("")

    notes = [line_.rstrip() for line_ in open(notes_path, encoding="utf-8")]
    w("## Notes")
    w("")
    if any(n.strip() for n in notes):
        for n in notes:
            w(n if n.startswith("    ") else "- " + n)
    else:
        w("- Every contender ran.")
    w("")
    w("## Commands (run from the top of the repository)")
    w("")
    for name, cmd in cmds:
        w("- %s: `%s`" % (name, cmd))
    w("")
    w("## Raw measurements")
    w("")
    w("| contender | rep | exit | wall s | /usr/bin/time %e | CPU s (%U + %S) | peak RSS KiB |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for r in sorted(raw, key=lambda r: (int(r[1]), order.index(r[0]))):
        w("| %s |" % " | ".join(r))
    kept = open(kept_path, encoding="utf-8").read().strip() if os.path.exists(kept_path) else ""
    if kept:
        w("")
        w("The sections below are written by `bench/incremental.sh`, `bench/workbook.sh` and `bench/export.sh`, which "
          "`make bench` runs after `bench/run.sh`; run.sh keeps them as they were, so a section below may come from an "
          "earlier run (and commit) than the measurements above.")
        w("")
        w(kept)
    print("\n".join(out))


if __name__ == "__main__":
    main()
