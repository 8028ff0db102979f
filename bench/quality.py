"""Validity at scale: distinct values judged once, verdicts joined back in DuckDB.

    .venv/bin/python bench/quality.py --rows 1000000

Generates a contact table (phones, e-mails, INN, dates, amounts) with a fixed number of distinct
values per column, runs `assess_quality` on it (duplicates off: they have their own bench) and prints
the time, the peak RSS and the per-value-check count, so the cost can be compared against a naive
row-by-row pass over the same values in Python.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import pyarrow as pa


def contacts(rows: int, distinct: int, seed: int = 7) -> pa.Table:
    rnd = random.Random(seed)
    phones = [
        f"8 (9{rnd.randint(10, 99)}) {rnd.randint(100, 999)}-{rnd.randint(10, 99)}-{rnd.randint(10, 99)}" for _ in range(distinct)
    ] + ["12345", "8916abc4567"]
    emails = [f"user{i}@mail.ru" for i in range(distinct)] + ["bad@", "x@@y.ru"]
    inns = ["7707083893", "7736207543", "500100732259", "1234567895"]
    dates = [f"{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.20{rnd.randint(10, 24)}" for _ in range(2000)]
    pick = rnd.choices
    return pa.table(
        {
            "ID": [str(i) for i in range(rows)],
            "Телефон": pick(phones, k=rows),
            "E-mail": pick(emails, k=rows),
            "ИНН": pick(inns, k=rows),
            "Дата создания": pick(dates, k=rows),
            "Сумма": [f"{rnd.randint(0, 10**6)},{rnd.randint(0, 99):02d}" for _ in range(rows)],
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--distinct", type=int, default=50_000)
    a = ap.parse_args()
    from crmflow.quality.run import assess_quality

    table = contacts(a.rows, a.distinct)
    t0 = time.perf_counter()
    doc = assess_quality([table], duplicates=False).data
    took = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    judged = sum(c["distinct"] for k in ("phone", "email", "inn", "date", "amount") for c in doc["validity"][k]["by_column"])
    print(f"rows {a.rows:,}  values judged {judged:,}  assess_quality {took:.2f} s  peak RSS {rss:.0f} MB")
    for k in ("phone", "email", "inn", "date", "amount"):
        v = doc["validity"][k]
        print(f"  {k:6} checked {v['checked']:,} invalid {v['invalid']:,} ids {len(v['invalid_ids']):,}")


if __name__ == "__main__":
    main()
