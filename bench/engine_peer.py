"""The peer of ``bench/engine.py throughput``: a minimal own loop on the same workload and the same store.

This is the kind of loop the issue's 2,159 events/s figure came from (``shared/docs/dependencies.md``):
instance state in one table, an inbox read with ``FOR UPDATE SKIP LOCKED``, outbox rows written in the
same transaction, group commit (``--batch`` inbox rows per transaction), worker processes. It runs
the incoming-lead workload with the same shape as the engine's: ``lead.created`` starts an instance,
two connector calls (register, assign) go through the outbox and their answers come back through the
inbox, the rep's task opens, ``call.logged`` closes it and the qualification task opens -- four inbox
events, two outbox rows and two task rows per lead, like the engine. What it leaves out is what the
engine adds: BPMN semantics, timers, the event log, correlation tables, routing, JSON state of tokens.

    python bench/engine_peer.py worker --store URL --batch 50      # one worker (the bench spawns them)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import time
from typing import Any

DDL = (
    "CREATE TABLE IF NOT EXISTS p_inbox (id {serial}, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
    "body TEXT NOT NULL, status TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS p_inbox_new ON p_inbox (id) WHERE status = 'new'",
    "CREATE TABLE IF NOT EXISTS p_instances (id TEXT PRIMARY KEY, state TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS p_outbox (id {serial}, key TEXT NOT NULL UNIQUE, instance_id TEXT NOT NULL, "
    "body TEXT NOT NULL, status TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS p_outbox_new ON p_outbox (id) WHERE status = 'new'",
    "CREATE TABLE IF NOT EXISTS p_tasks (id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, node TEXT NOT NULL, "
    "status TEXT NOT NULL)",
)


class Db:
    """One connection, ``?`` placeholders on both back ends."""

    def __init__(self, url: str) -> None:
        self.pg = url.startswith("postgresql://")
        if self.pg:
            import psycopg

            self.conn: Any = psycopg.connect(url, autocommit=False)
        else:
            self.conn = sqlite3.connect(url, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
        self.lock = " FOR UPDATE SKIP LOCKED" if self.pg else ""

    def sql(self, s: str) -> str:
        return s.replace("?", "%s") if self.pg else s

    def q(self, s: str, p: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        cur = self.conn.execute(self.sql(s), tuple(p))
        return list(cur.fetchall()) if cur.description is not None else []

    def many(self, s: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.pg:
            with self.conn.cursor() as cur:
                cur.executemany(self.sql(s), rows)
        else:
            self.conn.executemany(s, rows)

    def begin(self) -> None:
        if not self.pg:
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.pg:
            self.conn.commit()
        elif self.conn.in_transaction:
            self.conn.execute("COMMIT")


def create(url: str) -> None:
    db = Db(url)
    serial = "BIGSERIAL PRIMARY KEY" if db.pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
    db.begin()
    for s in DDL:
        db.q(s.format(serial=serial))
    db.commit()


def accept(url: str, rows: list[tuple[str, str, str]]) -> None:
    """Insert inbox rows (key, kind, body) in one transaction per 1,000 (the webhooks' inserts)."""
    db = Db(url)
    for k in range(0, len(rows), 1000):
        db.begin()
        insert = "INSERT INTO p_inbox (key, kind, body, status) VALUES (?, ?, ?, 'new') ON CONFLICT (key) DO NOTHING"
        db.many(insert, rows[k : k + 1000])
        db.commit()


def step(db: Db, batch: int, answers: list[tuple[Any, ...]]) -> tuple[int, list[tuple[Any, ...]]]:
    """One transaction: the previous answers, a batch of the inbox, the next outbox rows claimed."""
    db.begin()
    db.many(
        "INSERT INTO p_inbox (key, kind, body, status) VALUES (?, 'answer', ?, 'new') ON CONFLICT (key) DO NOTHING",
        [(f"answer:{key}", json.dumps({"key": key, "instance": iid})) for key, iid in answers],
    )
    db.many("UPDATE p_outbox SET status = 'done' WHERE key = ?", [(key,) for key, _ in answers])
    rows = db.q("SELECT id, kind, body FROM p_inbox WHERE status = 'new' ORDER BY id LIMIT ?" + db.lock, (batch,))
    work = [(int(i), str(k), json.loads(str(b))) for i, k, b in rows]
    ids = sorted({d["instance"] for _, k, d in work if k != "start"})
    states: dict[str, dict[str, Any]] = {}
    if ids:
        marks = ", ".join("?" * len(ids))
        found = db.q(f"SELECT id, state FROM p_instances WHERE id IN ({marks})" + db.lock, ids)
        states = {str(i): json.loads(str(s)) for i, s in found}
    new, changed, outbox, tasks, closes, done = [], set(), [], [], [], []
    for inbox_id, kind, data in work:
        iid = data["instance"]
        if kind == "start":
            states[iid] = {"stage": "register", "vars": data["vars"], "n": 1}
            new.append(iid)
            outbox.append((f"{iid}:a1", iid, json.dumps({"op": "register", "vars": data["vars"]})))
        elif iid not in states:
            continue  # another worker holds it: the row stays new
        elif kind == "answer":
            st = states[iid]
            if st["stage"] == "register":
                st["stage"], st["n"] = "assign", st["n"] + 1
                outbox.append((f"{iid}:a{st['n']}", iid, json.dumps({"op": "assign", "vars": st["vars"]})))
            elif st["stage"] == "assign":
                st["stage"] = "call"
                tasks.append((f"{iid}:t1", iid, "first_contact", "open"))
            changed.add(iid)
        elif kind == "call":
            st = states[iid]
            if st["stage"] == "call":
                st["stage"] = "qualify"
                st["vars"].update(data["vars"])
                closes.append(("done", f"{iid}:t1"))
                tasks.append((f"{iid}:t2", iid, "qualify", "open"))
            changed.add(iid)
        done.append((inbox_id,))
    db.many("INSERT INTO p_instances (id, state) VALUES (?, ?)", [(i, json.dumps(states[i])) for i in new])
    db.many("UPDATE p_instances SET state = ? WHERE id = ?", [(json.dumps(states[i]), i) for i in sorted(changed)])
    db.many("INSERT INTO p_outbox (key, instance_id, body, status) VALUES (?, ?, ?, 'new') ON CONFLICT (key) DO NOTHING", outbox)
    db.many("INSERT INTO p_tasks (id, instance_id, node, status) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING", tasks)
    db.many("UPDATE p_tasks SET status = ? WHERE id = ?", closes)
    db.many("UPDATE p_inbox SET status = 'done' WHERE id = ?", done)
    claimed = db.q("SELECT key, instance_id FROM p_outbox WHERE status = 'new' ORDER BY id LIMIT ?" + db.lock, (batch,))
    db.many("UPDATE p_outbox SET status = 'sending' WHERE key = ?", [(k,) for k, _ in claimed])
    db.commit()
    # the connector answers at once (in memory), as the engine bench's Counter does
    return len(work) + len(answers) + len(claimed), [(str(k), str(i)) for k, i in claimed]


def serve(url: str, batch: int) -> None:
    db = Db(url)
    answers: list[tuple[Any, ...]] = []
    while True:
        did, answers = step(db, batch, answers)
        if not did:
            time.sleep(0.005)


def lead_rows(n: int) -> list[tuple[str, str, str]]:
    return [(f"b24:{i}", "start", json.dumps({"instance": f"L{i}", "vars": {"source": "web"}})) for i in range(n)]


def call_rows(n: int) -> list[tuple[str, str, str]]:
    return [(f"tel:{i}", "call", json.dumps({"instance": f"L{i}", "vars": {"reached": True}})) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cmd", choices=["worker"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    serve(args.store, args.batch)


if __name__ == "__main__":
    sys.exit(main())
