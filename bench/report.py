#!/usr/bin/env python3
"""Write bench/RESULTS.md (on stdout) from the measurements bench/run.sh collected.

    report.py META.tsv RUNS.tsv SCALING.tsv CROSSCHECK.md NOTES.txt

META.tsv: key<TAB>value lines (machine, versions, file, commands).
RUNS.tsv: name, rep, exit status, wall s (ns clock), /usr/bin/time %e s, %M KiB, %U + %S s.
SCALING.tsv: rows, then the RUNS.tsv columns, for qscore on two file sizes.
Standard library only, so the report is written even when pandas is missing.
"""
import statistics
import sys

GOAL_RSS_MIB = 32.0
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


def main():
    meta_path, runs_path, scale_path, check_path, notes_path = sys.argv[1:6]
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

    q = stats.get("qscore")
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
    w("| contender | runs | median s | min–max s | CPU s | rows/s | MB/s | peak RSS MiB (median; max) | output MB | time ÷ qscore |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in order:
        s = stats[name]
        if s is None:
            st = [r[0] for r in runs.get(name, [])]
            w("| %s | FAILED (exit status %s, see Notes) | | | | | | | | |" % (name, ",".join(map(str, st)) or "?"))
            continue
        ratio = "%.2f×" % (s["median"] / q["median"]) if q else "n/a"
        rss = "%.1f; %.1f" % (s["rss_med"], s["rss_max"]) if s["rss_med"] is not None else "n/a"
        osz = "%.1f" % (outsize[name] / 1e6) if name in outsize else "–"
        cpu = "%.2f" % s["cpu"] if s["cpu"] is not None else "n/a"
        w("| %s | %d | %s | %s–%s | %s | %s | %.1f | %s | %s | %s |" % (
            name, s["n"], fmt_s(s["median"]), fmt_s(s["min"]), fmt_s(s["max"]), cpu,
            fmt_int(rows / s["median"]), mbytes / s["median"], rss, osz, ratio))
    if meta.get("qscore_ok") != "1":
        w("| qscore | NOT RUN: %s | | | | | | | | |" % meta.get("qscore_why", ""))
    w("")
    w("`time ÷ qscore` is the contender's median time divided by qscore's: 15× means qscore is 15 times faster. "
      "MB/s is input bytes (10^6) per second of wall time. `CPU s` is the median user + system time over all threads (above the wall time: more than one core used). `output MB` is the size of the file the contender wrote "
      "(qscore writes the long format of docs/score.md: one row per administration and measure, with validity and "
      "flags; the peers write one row of 5 means per administration).")
    w("")

    # Memory scaling.
    scale = {}
    for row in read_tsv(scale_path):
        n, name, rep, status, wall, e, rss = row[:7]
        if ok(name, int(status)) and rss != "NA":
            scale.setdefault(int(n), []).append(int(rss) / 1024)
    w("## Memory scaling (qscore)")
    w("")
    if len(scale) >= 2:
        w("| rows | runs | peak RSS MiB (median; max) |")
        w("|---:|---:|---:|")
        for n in sorted(scale):
            w("| %s | %d | %.1f; %.1f |" % (fmt_int(n), len(scale[n]), statistics.median(scale[n]), max(scale[n])))
    else:
        w("Not measured (qscore did not run).")
    w("")

    # Goal checks.
    w("## Goal checks")
    w("")

    def goal(title, other, test, text):
        o = stats.get(other) if other else True
        if q is None:
            w("- N/A %s: qscore did not run" % title)
        elif o is None:
            w("- N/A %s: %s did not run" % (title, other))
        else:
            w("- %s %s: %s" % ("PASS" if test(o) else "FAIL", title, text(o)))

    goal("faster than DuckDB with 2 threads", "DuckDB-2T",
         lambda o: q["median"] < o["median"],
         lambda o: "qscore %s s vs DuckDB-2T %s s (DuckDB-2T takes %.2f× qscore's time; goal > 1)"
         % (fmt_s(q["median"]), fmt_s(o["median"]), o["median"] / q["median"]))
    goal("≥ 15× faster than R psych::scoreItems", "R-scoreItems",
         lambda o: o["median"] / q["median"] >= 15,
         lambda o: "R-scoreItems %s s / qscore %s s = %.1f× (goal ≥ 15×)"
         % (fmt_s(o["median"]), fmt_s(q["median"]), o["median"] / q["median"]))
    goal("≥ 6× faster than pandas", "pandas",
         lambda o: o["median"] / q["median"] >= 6,
         lambda o: "pandas %s s / qscore %s s = %.1f× (goal ≥ 6×)"
         % (fmt_s(o["median"]), fmt_s(q["median"]), o["median"] / q["median"]))
    goal("within 3× of the parse-only libcsv loop", "parse-only",
         lambda o: q["median"] / o["median"] <= 3,
         lambda o: "qscore %s s / parse-only %s s = %.2f× (goal ≤ 3×)"
         % (fmt_s(q["median"]), fmt_s(o["median"]), q["median"] / o["median"]))
    all_rss = ([q["rss_max"]] if q and q["rss_max"] is not None else []) + [x for v in scale.values() for x in v]
    if q is None:
        w("- N/A peak RSS under %g MiB: qscore did not run" % GOAL_RSS_MIB)
    else:
        worst = max(all_rss)
        w("- %s peak RSS under %g MiB: largest over all qscore runs %.1f MiB"
          % ("PASS" if worst < GOAL_RSS_MIB else "FAIL", GOAL_RSS_MIB, worst))
    if len(scale) >= 2:
        small, large = min(scale), max(scale)
        a, b = statistics.median(scale[small]), statistics.median(scale[large])
        w("- %s peak RSS does not grow with rows: %s rows %.1f MiB, %s rows %.1f MiB (%.2f×; allowed ≤ %.2f× + %g MiB)"
          % ("PASS" if b <= a * RSS_GROWTH_TOL + RSS_GROWTH_SLACK_MIB else "FAIL", fmt_int(small), a,
             fmt_int(large), b, b / a, RSS_GROWTH_TOL, RSS_GROWTH_SLACK_MIB))
    elif q is not None:
        w("- N/A peak RSS does not grow with rows: scaling run missing")
    w("")

    w("## Cross-check (first 1000 rows)")
    w("")
    w(open(check_path, encoding="utf-8").read().rstrip())
    w("")
    notes = [line.rstrip() for line in open(notes_path, encoding="utf-8")]
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
    print("\n".join(out))


if __name__ == "__main__":
    main()
