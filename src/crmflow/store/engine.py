"""The SQL engine under the store: DuckDB embedded by default, Apache Spark for logs that outgrow one machine.

All log-sized work of crmflow is SQL text written in DuckDB's dialect (:mod:`crmflow.store.queries`,
:mod:`crmflow.store.finding_queries`). An :class:`SqlEngine` runs such a statement and hands back a small
:class:`Result`; the store, mining and findings never talk to a database driver directly. Two engines:

* :class:`DuckDBEngine` -- the embedded default (one file per project, or in memory);
* :class:`crmflow.store.spark_engine.SparkEngine` -- the same statements rendered for Spark SQL
  (``local[*]`` or any master URL / Spark Connect), results collected as Arrow.

>>> eng = DuckDBEngine.open(None, memory_limit="256MB", threads=1, temp_directory=None)
>>> eng.execute("SELECT 40 + ? AS x", [2]).fetchall()
[(42,)]
>>> eng.columns_of("(SELECT 1 AS a, 'b' AS b)")
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb
import pyarrow as pa

from crmflow.errors import StoreError
from crmflow.i18n import error
from crmflow.store.error_messages import ERRORS

EngineName = Literal["duckdb", "spark"]

__all__ = ["ArrowResult", "DuckDBEngine", "EngineName", "Result", "SqlEngine"]


class Result(Protocol):
    """What a statement returns: the few cursor methods the store uses."""

    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def to_arrow_table(self) -> pa.Table: ...


class SqlEngine(Protocol):
    """Runs DuckDB-dialect SQL on some engine."""

    name: EngineName

    def execute(self, query: str, params: Any = None) -> Result:
        """Run one statement (DuckDB dialect; ``?`` or ``$name`` parameters)."""
        ...

    def arrow(self, query: str, params: Any = None) -> pa.Table:
        """Run a query and return its whole (summary-sized) result as Arrow."""
        ...

    def register(self, name: str, data: pa.Table) -> None:
        """Make an Arrow table visible to SQL as ``name``."""
        ...

    def unregister(self, name: str) -> None: ...

    def columns_of(self, relation: str) -> list[str]:
        """Column names of a table name or a parenthesised query."""
        ...

    def has_table(self, table: str) -> bool: ...

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run an ``INSERT … VALUES (?, …)`` once per row (bookkeeping tables only)."""
        ...

    def close(self) -> None: ...


class ArrowResult:
    """A :class:`Result` over an Arrow table that is already in memory (engines that collect results)."""

    def __init__(self, table: pa.Table | None) -> None:
        self._table = table
        self._rows: list[tuple[Any, ...]] | None = None
        self._next = 0

    @property
    def description(self) -> list[tuple[str, str]] | None:
        if self._table is None:
            return None
        return [(f.name, str(f.type)) for f in self._table.schema]

    def _all(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            if self._table is None:
                self._rows = []
            else:
                cols = [c.to_pylist() for c in self._table.columns]
                self._rows = list(zip(*cols, strict=True)) if cols else []
        return self._rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._all()[self._next :]
        self._next = len(self._all())
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._all()
        if self._next >= len(rows):
            return None
        self._next += 1
        return rows[self._next - 1]

    def to_arrow_table(self) -> pa.Table:
        return self._table if self._table is not None else pa.table({})


class DuckDBEngine:
    """The embedded default: a DuckDB connection (a project file, or in memory)."""

    name: EngineName = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @classmethod
    def open(cls, path: str | Path | None, *, memory_limit: str, threads: int, temp_directory: str | None) -> DuckDBEngine:
        """Open (or create) a DuckDB database with crmflow's session settings."""
        try:
            con = duckdb.connect(str(path) if path else ":memory:")
        except duckdb.Error as exc:
            raise error(StoreError, ERRORS, "engine.cannot_open_project_store", path=path, exc=exc) from exc
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")  # progress is ours to show (Rich, in the CLI)
        con.execute(f"SET memory_limit = '{memory_limit}'")
        if temp_directory:
            con.execute(f"SET temp_directory = '{temp_directory}'")
        if threads > 0:
            con.execute(f"SET threads = {int(threads)}")
        return cls(con)

    def execute(self, query: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(query, params) if params is not None else self.con.execute(query)

    def worker(self) -> duckdb.DuckDBPyConnection:
        """A second connection to the same database, for a statement run beside others in its own transaction.

        It shares the database's settings (memory limit, threads) and sees its tables, views and types, but
        not the temporary ones of :attr:`con`. The caller closes it.
        """
        cur = self.con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    def arrow(self, query: str, params: Any = None) -> pa.Table:
        if params is None:  # the relational API avoids DuckDB's extra-copy warning
            return self.con.sql(query).to_arrow_table()
        return self.execute(query, params).to_arrow_table()

    def register(self, name: str, data: pa.Table) -> None:
        # DuckDB 2 refuses to register while a result is only partly fetched: finish it first.
        self.con.execute("SELECT 1").fetchall()
        self.con.register(name, data)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def columns_of(self, relation: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {relation}").fetchall()]

    def has_table(self, table: str) -> bool:
        found = self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table])
        return bool(found.fetchall()[0][0])

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        self.con.executemany(query, rows)

    def close(self) -> None:
        self.con.close()
