"""xcsv.py - aggregates.csv rows as the red-team audits of tests/e2e/export.sh read them.

Since export format 3 a hidden statistic is NaN and a boolean TRUE or FALSE (docs/export.md);
the audits (attack.py, attack_waves.py, attack_flags.py) were written against format 2, where a
hidden statistic was an empty field and a boolean true or false. This maps the one onto the
other, so their reasoning is unchanged. check_aggregates.py checks the format-3 spelling itself.
"""
import csv

_MAP = {"NaN": "", "TRUE": "true", "FALSE": "false"}


def rows(path):
    """aggregates.csv's rows as dicts, NaN as '' and TRUE/FALSE as true/false."""
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: _MAP.get(v, v) for k, v in r.items()} for r in csv.DictReader(f)]
