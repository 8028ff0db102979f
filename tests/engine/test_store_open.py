"""A worker that starts beside running ones opens the PostgreSQL store without taking table locks."""

from __future__ import annotations

import threading
import time

from crmflow.engine.store import open_store

from .conftest import pg_url


def test_opening_an_existing_store_does_not_wait_for_the_running_workers_row_locks() -> None:
    url = pg_url()
    running = open_store(url)  # creates the schema
    running.conn.execute(
        "INSERT INTO inbox (dedupe_key, kind, body, status, received_at, available_at) VALUES "
        "('k1', 'message', '{}', 'new', 0, 0)"
    )
    running.conn.commit()
    # a running worker's round: row locks (ROW EXCLUSIVE on inbox) held in an open transaction
    running.conn.execute("UPDATE inbox SET status = 'done' WHERE dedupe_key = 'k1'")
    opened: list[float] = []

    def start_worker() -> None:
        t0 = time.perf_counter()
        open_store(url).conn.close()
        opened.append(time.perf_counter() - t0)

    thread = threading.Thread(target=start_worker, daemon=True)
    thread.start()
    thread.join(timeout=10)
    running.conn.rollback()
    thread.join(timeout=10)
    # CREATE INDEX IF NOT EXISTS would have waited for the SHARE lock until the round ended (and could deadlock)
    assert opened and opened[0] < 5, opened
    running.conn.close()
