"""Saved API pages read by DuckDB's JSON reader: pages → one row per record, in the engine.

The Python reader (:mod:`crmflow.sources.pages`) parses a whole file into Python objects and checks
every record in Python; at CRM scale (millions of events) that dominates the load. Here DuckDB's
``read_json_objects`` splits the file into pages (``format='array'`` for a JSON list,
``'unstructured'`` for one response or JSON lines, ``maximum_object_size`` bounded by the file-size
limit), and the records of each page (``result``, ``result.items``, ``_embedded.<collection>``, or
a bare list) are unnested into a table ``(row_no, page, rec_no, line, rec JSON)`` in reading order.
An adapter then checks the records with SQL: records whose keys are all *plain* (strings without
surrounding white space, whole numbers, ISO 8601 times with an offset, …) become events in SQL;
every other record (missing or empty keys, unreadable times, odd types) is handed to the adapter's
own Python check, one record at a time, so the quarantine reasons are exactly those of the Python
path and nothing is lost.

:func:`scan_records` returns ``None`` -- and the adapter reads the file with the Python reader,
which gives the precise error -- when DuckDB cannot read the file (not JSON, not UTF-8, NaN, …) or
a page is not a response of the expected shape. The file-size limit is checked first, the same way.

>>> print(key_path("OWNER_ID"))
'$."OWNER_ID"'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from crmflow.errors import SourceError
from crmflow.i18n import error
from crmflow.sources.messages import MESSAGES
from crmflow.sources.pages import Page, check_size
from crmflow.sources.rows import CANONICAL, EventRows
from crmflow.store.store import EventStore

#: White space ``str.strip()`` removes (a value starting or ending with one is checked in Python).
_SPACE_CLASS = r"[\x{0}-\x{20}\x{7f}-\x{a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]"
#: Line breaks other than ``\n`` that ``str.splitlines`` honours: JSON lines holding them go to Python.
_ODD_BREAKS = (b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
#: ISO 8601 with seconds and an offset: what the engine path converts itself.
_ISO_OFFSET = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}[+-]([01][0-9]|2[0-3]):[0-5][0-9]$"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def key_path(key: str) -> str:
    """The JSON path of a top-level key, quoted: ``$."OWNER_ID"``."""
    return _lit('$."' + key.replace('"', '\\"') + '"')


class Fields:
    """SQL over the top-level keys of a record, each record parsed once.

    :func:`flatten` stores, per record, ``ty`` (the JSON type of each key, NULL when absent) and ``v``
    (its value as text); the expressions below read those lists.

    >>> Fields(("OWNER_ID",)).exists("OWNER_ID")
    '(ty[1] IS NOT NULL)'
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = tuple(dict.fromkeys(keys))
        self._i = {k: i for i, k in enumerate(self.keys, start=1)}

    def paths(self) -> str:
        """The keys' JSON paths as a SQL list (a key starting with ``$`` is a path already)."""
        return "[" + ", ".join(_lit(k) if k.startswith("$") else key_path(k) for k in self.keys) + "]"

    def _tv(self, key: str) -> tuple[str, str]:
        i = self._i[key]
        return f"ty[{i}]", f"v[{i}]"

    def exists(self, key: str) -> str:
        """True when the key is present (even with null)."""
        return f"({self._tv(key)[0]} IS NOT NULL)"

    def text(self, key: str) -> str:
        """The value as text when it is plain (whole number, or string without surrounding white space), else NULL.

        A NULL means "absent, null, empty or odd": the adapter's Python check decides.
        """
        t, v = self._tv(key)
        return (
            f"(CASE WHEN {t} IN ('BIGINT', 'UBIGINT') AND regexp_full_match({v}, '-?[1-9][0-9]*|0') THEN {v} "
            f"WHEN {t} = 'VARCHAR' AND length({v}) > 0 AND NOT regexp_matches({v}, '^{_SPACE_CLASS}|{_SPACE_CLASS}$') "
            f"THEN {v} END)"
        )

    def absent(self, key: str) -> str:
        """True when the key is missing or JSON null (``text_or_none`` gives None)."""
        return f"coalesce({self._tv(key)[0]} = 'NULL', true)"

    def optional(self, key: str) -> tuple[str, str]:
        """(value, plain) for an optional key: the text (NULL when absent), and whether it is plain."""
        return self.text(key), f"({self.absent(key)} OR {self.text(key)} IS NOT NULL)"

    def iso_time(self, key: str) -> str:
        """ISO text (``2024-04-25 14:59:11+03:00``) of a plain ISO 8601 time with offset, else NULL.

        ``-00:00`` is left to Python, which writes it ``+00:00``.
        """
        t, v = self._tv(key)
        return (
            f"(CASE WHEN {t} = 'VARCHAR' AND regexp_full_match({v}, {_lit(_ISO_OFFSET)}) AND NOT ends_with({v}, '-00:00') "
            f"AND try_strptime(substr({v}, 1, 10) || ' ' || substr({v}, 12, 8), '%Y-%m-%d %H:%M:%S') IS NOT NULL "
            f"THEN substr({v}, 1, 10) || ' ' || substr({v}, 12) END)"
        )

    def unix_time(self, key: str) -> str:
        """ISO text in UTC (``2024-01-01 10:00:00+00:00``) of Unix seconds given as a JSON integer, else NULL."""
        t, v = self._tv(key)
        n = f"TRY_CAST({v} AS BIGINT)"
        return (
            f"(CASE WHEN {t} IN ('BIGINT', 'UBIGINT') AND {n} > 0 AND {n} < 100000000000 "
            f"THEN strftime(make_timestamp({n} * 1000000), '%Y-%m-%d %H:%M:%S') || '+00:00' END)"
        )


def flatten(store: EventStore, scan: ScannedRecords, fields: Fields, *, columns: dict[str, str], plain: str) -> str:
    """A table of the scanned records with ``columns`` (name → SQL over :class:`Fields`) and ``plain``.

    Every record has a row (``rec`` itself stays in the scan's table), so :func:`leftover_records` finds the
    ones that are not plain.
    """
    name = store.new_name("json_flat")
    cols = ", ".join(f"{expr} AS {c}" for c, expr in columns.items())
    store.sql(
        f"CREATE TEMP TABLE {name} AS SELECT row_no, page, rec_no, line, {cols}, coalesce({plain}, false) AS plain "
        f"FROM (SELECT *, json_type(rec) AS rtype, json_type(rec, {fields.paths()}) AS ty, "
        f"json_extract_string(rec, {fields.paths()}) AS v FROM {scan.table})"
    )
    return name


@dataclass(frozen=True)
class ScannedRecords:
    """The records of one saved response file, one row each, in reading order."""

    table: str  # row_no BIGINT (1-based), page INT, rec_no INT, line BIGINT, rec JSON
    pages: int
    records: int


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    return head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")[:1]


def _page_lines(path: Path, n_pages: int) -> list[int] | None:
    """The line of each page of a JSON-lines file, or None when lines and pages do not pair up."""
    data = path.read_bytes()
    if any(b in data for b in _ODD_BREAKS):
        return None
    lines = [n for n, raw in enumerate(data.split(b"\n"), start=1) if raw.strip()]
    return lines if len(lines) == n_pages else None


def scan_records(
    store: EventStore, path: str | Path, *, record_paths: Sequence[str], page_keys: Sequence[str]
) -> ScannedRecords | None:
    """Split a saved response file into records in the store, or None when the Python reader must decide.

    Parameters
    ----------
    record_paths
        JSON paths of the records in a page object, tried in order (``$.result``, ``$.result.items``).
    page_keys
        The keys by which a page object is told from a record (``result``, ``_embedded`` …), as in
        :func:`crmflow.sources.pages.is_page`.

    Raises
    ------
    UnsafeInputError
        The file is larger than the store's ``max_ocel_json_bytes`` (as the Python reader says).
    """
    p = Path(path)
    limit = store.settings.max_ocel_json_bytes
    size = check_size(p, max_bytes=limit, lang=store.settings.lang)
    first = _first_char(p)
    if first not in ("[", "{"):
        return None
    fmt = "array" if first == "[" else "unstructured"
    pages = store.new_name("json_pages")
    # DuckDB sizes its read buffers (per thread) by maximum_object_size: the file size would need
    # several times the file in memory, so pages are bounded at 16 MiB (DuckDB 2 still reads a larger one).
    max_obj = min(16 * 2**20, max(size, 1))
    try:
        # each page is parsed once for its type and the types at the keys that tell its shape
        store.sql(
            f"CREATE TEMP TABLE {pages} AS SELECT page, body, json_type(body) AS btype, json_type(body, "
            f"{_page_paths(record_paths, page_keys)}) AS pt FROM (SELECT row_number() OVER () AS page, json AS body "
            f"FROM read_json_objects(?, format='{fmt}', maximum_object_size={int(max_obj)}))",
            [str(p)],
        )
    except duckdb.Error:
        store.sql(f"DROP TABLE IF EXISTS {pages}")
        return None
    try:
        return _records(store, p, pages, fmt=fmt, record_paths=record_paths, page_keys=page_keys)
    finally:
        store.sql(f"DROP TABLE IF EXISTS {pages}")


def _page_paths(record_paths: Sequence[str], page_keys: Sequence[str]) -> str:
    """The paths whose JSON types tell a page's shape: ``$.id``, ``$.ID``, the page keys, the record paths."""
    return "[" + ", ".join([_lit("$.id"), _lit("$.ID"), *(key_path(k) for k in page_keys), *map(_lit, record_paths)]) + "]"


def _records(
    store: EventStore, p: Path, pages: str, *, fmt: str, record_paths: Sequence[str], page_keys: Sequence[str]
) -> ScannedRecords | None:
    n_pages = int(store.scalar(f"SELECT count(*) FROM {pages}"))
    line_of: list[int] | None = None
    if fmt == "array":
        # pt: $.id, $.ID, the page keys, then the record paths (see _page_paths)
        looks = " OR ".join(f"pt[{i}] IS NOT NULL" for i in range(3, 3 + len(page_keys)))
        is_obj = "btype = 'OBJECT'"
        is_page = f"(btype = 'OBJECT' AND pt[1] IS NULL AND pt[2] IS NULL AND ({looks}))"
        all_obj, any_page = store.sql(f"SELECT bool_and({is_obj}), bool_or({is_page}) FROM {pages}").fetchall()[0]
        if not (n_pages and all_obj and any_page):  # a bare list of records: the whole file is one page
            store.sql(f"CREATE OR REPLACE TEMP TABLE {pages} AS SELECT 1 AS page, "
                      f"coalesce(to_json(list(body ORDER BY page)), '[]'::JSON) AS body, 'ARRAY' AS btype, "
                      f"NULL::VARCHAR[] AS pt FROM {pages}")  # fmt: skip
            n_pages = 1
    elif n_pages > 1:
        line_of = _page_lines(p, n_pages)
        if line_of is None:
            return None
    elif n_pages == 0:
        return None
    shapes = ("$", *record_paths)  # a bare list, then each path in order
    first_path = 3 + len(page_keys)
    shape_sql = (
        "CASE WHEN btype = 'ARRAY' THEN 0 "
        + " ".join(f"WHEN pt[{first_path + i - 1}] = 'ARRAY' THEN {i}" for i in range(1, len(record_paths) + 1))
        + " END"
    )
    counts = store.new_name("json_counts")
    store.sql(f"CREATE TEMP TABLE {counts} AS SELECT page, {shape_sql} AS shape, NULL::BIGINT AS n, NULL::BIGINT AS line "
              f"FROM {pages}")  # fmt: skip
    try:
        if store.scalar(f"SELECT count(*) FROM {counts} WHERE shape IS NULL"):
            return None  # a page of another shape: the Python reader names the page and the key
        present = [int(r["shape"]) for r in store.rows(f"SELECT DISTINCT shape FROM {counts} ORDER BY shape")]
        store.sql(
            f"UPDATE {counts} SET n = json_array_length(p.body, CASE {counts}.shape "
            + " ".join(f"WHEN {i} THEN {_lit(shapes[i])}" for i in present)
            + f" END) FROM {pages} p WHERE p.page = {counts}.page"
        )
        if line_of is not None:
            lines = pa.table({"page": pa.array(range(1, len(line_of) + 1), pa.int64()), "line": pa.array(line_of, pa.int64())})
            store.register_arrow("json_page_lines", lines)
            store.sql(f"UPDATE {counts} SET line = l.line FROM json_page_lines l WHERE l.page = {counts}.page")
            store.con.unregister("json_page_lines")
        # one json_extract per page with its own path (a CASE over paths parses pages again and again)
        parts = " UNION ALL ".join(
            f"SELECT page, unnest(l) AS rec, generate_subscripts(l, 1) AS rec_no FROM (SELECT page, "
            f"json_extract(body, {_lit(shapes[i] + '[*]')}) AS l FROM {pages} WHERE page IN "
            f"(SELECT page FROM {counts} WHERE shape = {i}))"
            for i in present
        )
        out = store.new_name("json_records")
        # row_no from each page's offset: no sort of the records themselves
        store.sql(
            f"CREATE TEMP TABLE {out} AS SELECT (c.off + r.rec_no)::BIGINT AS row_no, r.page, r.rec_no, c.line, r.rec "
            f"FROM ({parts}) r JOIN (SELECT page, line, sum(n) OVER (ORDER BY page) - n AS off FROM {counts}) c USING (page)"
        )
    finally:
        store.sql(f"DROP TABLE IF EXISTS {counts}")
    n = int(store.scalar(f"SELECT count(*) FROM {out}"))
    return ScannedRecords(table=out, pages=n_pages, records=n)


def leftover_records(
    store: EventStore, scan: ScannedRecords, flat: str, *, source: str, lang: str
) -> Iterator[tuple[int, Page, int, Any]]:
    """``(row_no, page, record number, record)`` of each record of :func:`flatten`'s table that is not plain.

    Raises
    ------
    SourceError
        A record nested too deeply for Python (the message names the file and the page or line).
    """
    cur = store.sql(
        f"SELECT s.row_no, s.page, s.rec_no, s.line, s.rec::VARCHAR FROM {scan.table} s "
        f"JOIN (SELECT row_no FROM {flat} WHERE NOT plain) USING (row_no) ORDER BY s.row_no"
    )
    while batch := cur.fetchmany(10000):
        for row_no, page, rec_no, line, text in batch:
            try:
                rec = json.loads(text)
            except RecursionError:
                where = f"line {line}" if line is not None else f"page {page}, record {rec_no}"
                raise error(SourceError, MESSAGES, "bad_json", lang, source=source, error=f"{where}: nested too deeply") from None
            yield int(row_no), Page(index=int(page), line=line, body=None), int(rec_no), rec


_NAME_OK = re.compile(r"^[a-z_:]+$")


def finish_events(store: EventStore, scan: ScannedRecords, *, select: str, leftovers: EventRows) -> tuple[str, int]:
    """Create the raw table: the engine's events (``select``) and the Python-checked ones, by ``row_no``.

    ``select`` yields ``row_no, line`` and the canonical columns and attributes of ``leftovers`` (all
    text). The leftovers' rejected records go to the quarantine. Returns (table, quarantined).
    """
    cols = ["row_no", "line", *CANONICAL, *leftovers.attributes]
    assert all(_NAME_OK.match(c) for c in leftovers.attributes)
    side = store.new_name("json_side")
    store.temp_table_from_arrow(side, leftovers.to_arrow())
    quoted = ", ".join(f'"{c}"' for c in cols)
    name = store.new_name("raw_src")
    store.sql(
        f"CREATE TEMP TABLE {name} AS SELECT {quoted} FROM (SELECT {quoted} FROM ({select}) "
        f"UNION ALL SELECT {quoted} FROM {side}) ORDER BY row_no"
    )
    store.sql(f"DROP TABLE {side}")
    store.sql(f"DROP TABLE {scan.table}")
    quarantined = leftovers.quarantine(store)
    return name, quarantined
