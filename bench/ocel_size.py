"""A large OCEL 2.0 JSON log (issue 18): time and peak memory of crmflow's streamed reader.

Run by hand (never in the test suite):

    .venv/bin/python bench/ocel_size.py 255          # a ~255 MB file: read_ocel_raw flattened on "order"
    .venv/bin/python bench/ocel_size.py 40 --json    # also json.load of the same file (what the reader did before)
    .venv/bin/python bench/ocel_size.py 255 --items  # also the item-by-item reader (columnar reader off)

Events each relate to an order, two items and a customer, with two attributes; objects carry a
timed attribute. Each measurement runs in a fresh child process (peak RSS is its own); the CPU
seconds of the child are printed beside the wall clock (on a shared machine the wall clock
mostly measures the other jobs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
path, what = sys.argv[1], sys.argv[2]
t0, c0 = time.perf_counter(), time.process_time()
if what == "json":
    doc = json.load(open(path, "rb")); note = f"{len(doc['events']):,} events"
else:
    if what == "items":  # the item-by-item reader alone (the columnar reader switched off)
        from crmflow.ingest import ocel_columns
        ocel_columns.parts_columnar = lambda *_: None
    from crmflow.ingest.ocel import read_ocel_raw
    from crmflow.settings import Settings
    from crmflow.store.store import EventStore
    store = EventStore()
    raw = read_ocel_raw(store, path, log_name="log", object_type="order", max_json_bytes=2**40)
    note = f"{raw.rows_read:,} rows, {raw.info['cases']:,} cases"
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "note": note}))
"""


def write_log(path: Path, megabytes: float) -> int:
    """Write an OCEL 2.0 JSON log of about ``megabytes`` MB; return the number of events."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"objectTypes": [{"name": "order", "attributes": [{"name": "status", "type": "string"}]}, ')
        out.write('{"name": "item", "attributes": []}, {"name": "customer", "attributes": []}], ')
        out.write('"eventTypes": [{"name": "pick", "attributes": [{"name": "qty", "type": "integer"}, ')
        out.write('{"name": "desk", "type": "string"}]}], "objects": [')
        n_orders = max(1, int(megabytes * 1024 * 1024 / 330 / 10))
        for o in range(n_orders):
            sep = "" if o == 0 else ", "
            out.write(f'{sep}{{"id": "o{o}", "type": "order", "attributes": [{{"name": "status", "value": "open", '
                      f'"time": "2024-01-01T00:00:00Z"}}], "relationships": [{{"objectId": "c{o % 1000}", '
                      f'"qualifier": "placed by"}}]}}')  # fmt: skip
        out.write('], "events": [')
        n = 0
        while out.tell() < megabytes * 1024 * 1024:
            sep = "" if n == 0 else ", "
            o = n // 10
            out.write(f'{sep}{{"id": "e{n}", "type": "pick", "time": "2024-01-{1 + n % 28:02d}T10:{n % 60:02d}:00Z", '
                      f'"attributes": [{{"name": "qty", "value": {n % 7}}}, {{"name": "desk", "value": "d{n % 13}"}}], '
                      f'"relationships": [{{"objectId": "o{o % n_orders}", "qualifier": "for"}}, '
                      f'{{"objectId": "i{n}", "qualifier": "item"}}, {{"objectId": "i{n + 1}", "qualifier": "item"}}, '
                      f'{{"objectId": "c{o % 1000}", "qualifier": "customer"}}]}}')  # fmt: skip
            n += 1
        out.write("]}")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("megabytes", type=float)
    parser.add_argument("--json", action="store_true", help="also measure json.load of the same file")
    parser.add_argument("--items", action="store_true", help="also measure the item-by-item reader (columnar reader off)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.jsonocel"
        start = time.perf_counter()
        events = write_log(path, args.megabytes)
        took = time.perf_counter() - start
        print(f"{path.name}: {path.stat().st_size / 2**20:,.0f} MB, {events:,} events (written in {took:.0f} s)")
        for what in (["json"] if args.json else []) + (["items"] if args.items else []) + ["crmflow"]:
            res = subprocess.run([sys.executable, "-c", CHILD, str(path), what], capture_output=True, text=True, check=False)
            if res.returncode != 0:
                print(f"{what:8s} FAILED: {res.stderr.strip().splitlines()[-1] if res.stderr else ''}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"{what:8s} {r['seconds']:8.1f} s wall  {r['cpu']:8.1f} s CPU  peak {r['peak_mb']:7.0f} MB  {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
