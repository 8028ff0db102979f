"""An entity-relationship diagram inferred from the data: entities, keys, relations, cardinalities.

Given several tables (CSV/TSV, XLSX, Parquet files, or tables already in the store),
:func:`infer_erd` profiles every column in SQL (rows, empty values, distinct values, type), picks
each table's primary key among its *candidate keys* (unique and never empty; names with ``id`` or
the table's own name preferred) and its *near keys* (an id-like name, unique and filled for at
least ``key_min_share`` of the rows: real exports always have a few rows without an id or with an
id written twice; those rows are reported as a :class:`~crmflow.architecture.erd_keys.KeyQuality`
finding, see :mod:`crmflow.architecture.erd_keys`), and finds foreign keys by **inclusion dependencies**: the distinct
values of a column that appear among another table's key values. A column whose name points at the
key (``account`` → ``accounts.account``, ``lead_id`` → ``leads.lead_id``) is accepted from
``min_coverage_named`` of its values on; without such a hint only text columns with at least
``min_coverage`` coverage are. Values that are not found are **orphans**, counted and sampled (a
real data-quality finding, e.g. ``GTXPro`` against ``GTX Pro``), never hidden.

Cardinalities come from the data: how many rows share one key value (1:1 or 1:N), whether the
foreign key is ever empty (the parent is optional) and whether some parents have no child (the
children are optional). Output: Mermaid ``erDiagram`` text (:meth:`Erd.to_mermaid`), an SVG drawn
with Graphviz (:func:`render_erd_svg`, labels escaped) and JSON (:meth:`Erd.to_dict`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from crmflow.architecture.dot import dot_string, html_text, render_dot_svg
from crmflow.architecture.erd_keys import KeyQuality, id_like, key_quality, key_score, near_key, singular, tokens
from crmflow.architecture.error_messages import ERRORS
from crmflow.errors import InputError
from crmflow.i18n import error, text
from crmflow.ingest.raw import RawTable, drop_raw
from crmflow.jsonable import JsonMixin
from crmflow.sources.reader import read_raw
from crmflow.store.queries import ident
from crmflow.store.store import EventStore

ColumnType = Literal["string", "integer", "float", "date", "boolean", "empty"]
_KEY_TYPES = ("string", "integer")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MSG: dict[str, dict[str, str]] = {
    "title": {"en": "Entities and relations found in the data", "ru": "Сущности и связи, найденные в данных"},
    "orphans": {"en": "{n} orphan value(s), {rows} row(s)", "ru": "висячих значений: {n}, строк: {rows}"},
    "rows": {"en": "{n} rows", "ru": "строк: {n}"},
    "keys_title": {"en": "Data quality of the keys", "ru": "Качество ключей"},
    "key_empty": {"en": "{n} row(s) without an id: row {rows}", "ru": "строк без идентификатора: {n}, строка {rows}"},
    "key_dups": {
        "en": "{n} id(s) written more than once ({rows} rows): {sample}",
        "ru": "идентификаторов, записанных повторно: {n} (строк: {rows}): {sample}",
    },
    "key_share": {
        "en": "key kept: {share} of rows have their own id",
        "ru": "ключ принят: у {share} строк свой идентификатор",
    },
}


@dataclass(frozen=True)
class ColumnProfile(JsonMixin):
    """One column: type, counts, and whether it can be a key."""

    name: str
    type: ColumnType
    rows: int
    empty: int
    distinct: int
    key_candidate: bool


@dataclass(frozen=True)
class Entity(JsonMixin):
    """A table as an entity: its columns, candidate keys and the chosen primary key."""

    name: str
    source: str
    rows: int
    columns: tuple[ColumnProfile, ...]
    primary_key: str | None
    key_candidates: tuple[str, ...]
    key_quality: KeyQuality | None = None  # rows that break a primary key accepted as a near key


@dataclass(frozen=True)
class Relation(JsonMixin):
    """A foreign key ``child.child_column`` → ``parent.parent_column`` found by inclusion.

    ``coverage`` is the share of the child column's distinct values found among the parent's key
    values; ``orphans`` / ``orphan_rows`` / ``orphan_sample`` are the values (and rows) not found.
    ``cardinality`` is ``1:1`` when no key value has two children, else ``1:N``; ``parent_optional``
    when the foreign key is sometimes empty; ``children_optional`` when some parents have no child.
    """

    child: str
    child_column: str
    parent: str
    parent_column: str
    coverage: float
    named: bool
    orphans: int
    orphan_rows: int
    orphan_sample: tuple[str, ...]
    empty: int
    cardinality: Literal["1:1", "1:N"]
    parent_optional: bool
    children_optional: bool

    @property
    def notation(self) -> str:
        """Crow's-foot notation as in Mermaid: parent side, then child side (``||--o{``)."""
        left = "|o" if self.parent_optional else "||"
        if self.cardinality == "1:1":
            right = "o|" if self.children_optional else "||"
        else:
            right = "o{" if self.children_optional else "|{"
        return f"{left}--{right}"

    @property
    def label(self) -> str:
        """``1:0..1``-style reading of the notation (parent : child)."""
        parent = "0..1" if self.parent_optional else "1"
        child = (
            ("0..1" if self.children_optional else "1")
            if self.cardinality == "1:1"
            else ("0..N" if self.children_optional else "1..N")
        )
        return f"{parent}:{child}"

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["notation"], d["label"] = self.notation, self.label
        return d


@dataclass(frozen=True)
class Erd(JsonMixin):
    """The entity-relationship model inferred from a set of tables."""

    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]
    settings: dict[str, float] = field(default_factory=dict)

    @property
    def key_findings(self) -> tuple[KeyQuality, ...]:
        """The data-quality findings on primary keys (rows without an id, ids written twice)."""
        return tuple(e.key_quality for e in self.entities if e.key_quality is not None)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["key_findings"] = [{**k.to_dict(), "violations": k.violations} for k in self.key_findings]
        return d

    def entity(self, name: str) -> Entity:
        return next(e for e in self.entities if e.name == name)

    def relation(self, child: str, column: str) -> Relation | None:
        return next((r for r in self.relations if r.child == child and r.child_column == column), None)

    def to_mermaid(self) -> str:
        """Mermaid ``erDiagram`` text (names reduced to Mermaid's identifier characters)."""
        lines = ["erDiagram"]
        for r in self.relations:
            label = f"{r.child_column}" + (f" ({r.orphans} orphan)" if r.orphans else "")
            lines.append(f'    {_mid(r.parent)} {r.notation} {_mid(r.child)} : "{_mstr(label)}"')
        fks = {(r.child, r.child_column) for r in self.relations}
        for e in self.entities:
            lines.append(f"    {_mid(e.name)} {{")
            for c in e.columns:
                keys = [k for k, on in (("PK", c.name == e.primary_key), ("FK", (e.name, c.name) in fks)) if on]
                mark = f" {', '.join(keys)}" if keys else ""
                lines.append(f'        {c.type} {_mid(c.name)}{mark} "{_mstr(c.name)}"')
            lines.append("    }")
        for k in self.key_findings:
            dups = ", ".join(f"{d.value} rows {'/'.join(map(str, d.rows))}" for d in k.duplicate_sample)
            lines.append(
                f"    %% key {_mstr(k.entity)}.{_mstr(k.column)}: {k.empty_rows} row(s) without an id"
                f"{' (row ' + ', '.join(map(str, k.empty_sample)) + ')' if k.empty_sample else ''}, "
                f"{k.duplicate_values} id(s) written twice{' (' + _mstr(dups) + ')' if dups else ''}"
            )
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _mid(name: str) -> str:
    out = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return out if out and out[0].isalpha() else "t_" + out


def _mstr(value: str) -> str:
    return _CONTROL.sub(" ", value).replace('"', "'")


# ---------------------------------------------------------------------------- profiling


def _profile(store: EventStore, table: str, columns: list[str], types: dict[str, str]) -> list[ColumnProfile]:
    parts: list[str] = []
    kinds: dict[str, ColumnType | None] = {}
    for i, c in enumerate(columns):
        duck = types[c].upper()
        v = f"NULLIF(trim(CAST({ident(c)} AS VARCHAR)), '')"
        parts.append(f"count({v}) AS n{i}, count(DISTINCT {v}) AS d{i}")
        if duck in ("VARCHAR", "TEXT"):
            parts.append(
                f"count(*) FILTER (WHERE regexp_full_match({v}, '[+-]?[0-9]{{1,18}}')) AS i{i}, "
                f"count(TRY_CAST({v} AS DOUBLE)) AS f{i}, "
                f"count(TRY_CAST({v} AS TIMESTAMP)) AS t{i}, "
                f"count(*) FILTER (WHERE lower({v}) IN ('true', 'false')) AS b{i}"
            )
            kinds[c] = None
        else:
            kinds[c] = _duck_kind(duck)
    row = store.rows(f"SELECT count(*) AS rows, {', '.join(parts)} FROM {table}")[0]
    out = []
    for i, c in enumerate(columns):
        n, d = int(row[f"n{i}"]), int(row[f"d{i}"])
        kind = kinds[c]
        if kind is None:
            checks: tuple[tuple[ColumnType, str], ...] = (("integer", "i"), ("float", "f"), ("date", "t"), ("boolean", "b"))
            fits = [k for k, key in checks if row[f"{key}{i}"] == n]
            kind = "empty" if n == 0 else (fits[0] if fits else "string")
        out.append(
            ColumnProfile(
                name=c,
                type=kind,
                rows=int(row["rows"]),
                empty=int(row["rows"]) - n,
                distinct=d,
                key_candidate=n == int(row["rows"]) and d == n and n > 0 and kind in _KEY_TYPES,
            )
        )
    return out


def _duck_kind(duck: str) -> ColumnType:
    if duck in ("BOOLEAN",):
        return "boolean"
    if duck.startswith(("TIMESTAMP", "DATE", "TIME")):
        return "date"
    if duck in ("FLOAT", "DOUBLE", "REAL") or duck.startswith("DECIMAL"):
        return "float"
    if any(duck.startswith(t) for t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "U")):
        return "integer"
    return "string"


def _named(child_col: str, parent: str, parent_col: str) -> bool:
    """Does the child column's name point at the parent key?"""
    c = child_col.lower()
    p = parent_col.lower()
    ent = singular(tokens(parent)[-1]) if tokens(parent) else parent.lower()
    return c == p or c in (f"{ent}_id", f"{ent}id", ent) or (p.endswith("id") and c.endswith(p))


# ---------------------------------------------------------------------------- inference


def infer_erd(
    tables: Sequence[str | Path | tuple[str, str | Path]],
    *,
    store: EventStore | None = None,
    min_coverage: float = 0.95,
    min_coverage_named: float = 0.5,
    key_min_share: float = 0.99,
    sample: int = 10,
) -> Erd:
    """Infer entities, keys and relations from tables.

    Parameters
    ----------
    tables
        File paths (``.csv .tsv .txt .xlsx .parquet``; the entity is named after the file stem),
        or ``(entity name, path or store table name)`` pairs.
    store
        Where to load them; a new in-memory store when None.
    min_coverage
        Share of a text column's distinct values that must be keys of another table for an
        unnamed foreign key.
    min_coverage_named
        The same for a column whose name points at the key (the rest are reported as orphans).
    key_min_share
        Share of rows an id-like column must tell apart (distinct non-empty ids / rows) to be
        taken as the primary key although some rows have no id or share one; those rows are
        reported in :attr:`Entity.key_quality` and :attr:`Erd.key_findings`. ``1.0`` accepts only
        keys that are unique and never empty.
    sample
        Orphan values listed per relation (and rows listed per key finding).

    Returns
    -------
    Erd
    """
    if not tables:
        raise error(InputError, ERRORS, "erd.give_least_one_table")
    if not 0.0 < key_min_share <= 1.0:
        raise error(InputError, ERRORS, "erd.key_min_share_must", key_min_share=key_min_share)
    store = store or EventStore()
    loaded: list[tuple[str, str, str, RawTable | None]] = []  # entity, source, table, raw
    try:
        for item in tables:
            name, src = item if isinstance(item, tuple) else (Path(item).stem, item)
            if any(n == name for n, *_ in loaded):
                raise error(InputError, ERRORS, "erd.two_tables_are_both", name=name)
            if isinstance(src, str) and not Path(src).exists() and store.has_table(src):
                loaded.append((name, src, src, None))
                continue
            read = read_raw(store, src, log_name=f"erd_{_mid(name)}"[:60])
            loaded.append((name, read.source, read.table, read))
        entities: list[Entity] = []
        for name, source, table, owned in loaded:
            types = {r[0]: str(r[1]) for r in store.sql(f"DESCRIBE {table}").fetchall()}
            # a file read by crmflow has its own row_no/line bookkeeping columns; a store table does not
            cols = [c for c in types if owned is None or c not in ("row_no", "line")]
            prof = _profile(store, table, cols, types)
            cands = [c.name for c in prof if c.key_candidate]
            pk = _primary_key(name, prof, cols, key_min_share)
            quality = (
                key_quality(
                    store,
                    entity=name,
                    table=table,
                    column=pk,
                    numbered=owned is not None,
                    has_lines=owned is not None and "line" in types,
                    sample=sample,
                )
                if pk is not None and pk not in cands
                else None
            )
            entities.append(
                Entity(
                    name=name,
                    source=source,
                    rows=prof[0].rows if prof else 0,
                    columns=tuple(prof),
                    primary_key=pk,
                    key_candidates=tuple(cands),
                    key_quality=quality,
                )
            )
        tables_of = {name: table for name, _, table, _ in loaded}
        relations = _relations(store, entities, tables_of, min_coverage, min_coverage_named, sample)
    finally:
        for *_, done in loaded:
            if done is not None:
                drop_raw(store, done)
    return Erd(
        entities=tuple(entities),
        relations=tuple(relations),
        settings={"min_coverage": min_coverage, "min_coverage_named": min_coverage_named, "key_min_share": key_min_share},
    )


def _primary_key(entity: str, prof: list[ColumnProfile], cols: list[str], min_share: float) -> str | None:
    """The best-named candidate key; an id-like near key competes, losing ties to a strict key."""
    options: list[tuple[tuple[int, bool, int], str]] = []
    for c in prof:
        strict = c.key_candidate
        near = (
            not strict
            and c.type in _KEY_TYPES
            and id_like(c.name)
            and near_key(rows=c.rows, filled=c.rows - c.empty, distinct=c.distinct, min_share=min_share)
        )
        if strict or near:
            score, pos = key_score(entity, c.name, cols.index(c.name))
            options.append(((score, strict, pos), c.name))
    return max(options)[1] if options else None


def _relations(
    store: EventStore,
    entities: list[Entity],
    tables: dict[str, str],
    min_cov: float,
    min_named: float,
    sample: int,
) -> list[Relation]:
    keys = [(e, e.primary_key) for e in entities if e.primary_key]
    keys += [(e, k) for e in entities for k in e.key_candidates if k != e.primary_key]
    found: list[Relation] = []
    for child in entities:
        for col in child.columns:
            if col.type not in _KEY_TYPES or col.distinct == 0:
                continue
            best: tuple[tuple[bool, float], Relation] | None = None
            for parent, key in keys:
                if parent.name == child.name and key == col.name:
                    continue
                named = _named(col.name, parent.name, key)
                if key != parent.primary_key and not named:
                    continue
                kcol = next(c for c in parent.columns if c.name == key)
                if not named and (col.type != "string" or kcol.type != "string" or col.distinct < 2):
                    continue
                rel = _inclusion(store, child, col, tables[child.name], parent, key, tables[parent.name], named, sample)
                if rel is None or rel.coverage < (min_named if named else min_cov):
                    continue
                rank = (named, rel.coverage)
                if best is None or rank > best[0]:
                    best = (rank, rel)
            if best is not None:
                found.append(best[1])
    # a 1:1 pair found both ways (two tables sharing a key): keep the direction from the smaller table
    out = []
    for r in found:
        twin = next(
            (
                x
                for x in found
                if x.child == r.parent
                and x.parent == r.child
                and x.child_column == r.parent_column
                and x.parent_column == r.child_column
            ),
            None,
        )
        if twin is not None:
            rows = {e.name: e.rows for e in entities}
            if (rows[r.child], r.child) > (rows[twin.child], twin.child):
                continue
        out.append(r)
    return out


def _inclusion(
    store: EventStore,
    child: Entity,
    col: ColumnProfile,
    ctable: str,
    parent: Entity,
    key: str,
    ptable: str,
    named: bool,
    sample: int,
) -> Relation | None:
    cv = f"NULLIF(trim(CAST(c.{ident(col.name)} AS VARCHAR)), '')"
    pv = f"NULLIF(trim(CAST(p.{ident(key)} AS VARCHAR)), '')"
    r = store.rows(
        f"""WITH c AS (SELECT {cv} AS v, count(*) AS n FROM {ctable} c GROUP BY 1),
        p AS (SELECT DISTINCT {pv} AS v FROM {ptable} p WHERE {pv} IS NOT NULL)
        SELECT count(*) FILTER (WHERE c.v IS NOT NULL) AS values,
               count(*) FILTER (WHERE c.v IS NOT NULL AND p.v IS NOT NULL) AS found,
               coalesce(sum(c.n) FILTER (WHERE c.v IS NOT NULL AND p.v IS NULL), 0) AS orphan_rows,
               coalesce(max(c.n) FILTER (WHERE p.v IS NOT NULL), 0) AS max_children,
               coalesce(sum(c.n) FILTER (WHERE c.v IS NULL), 0) AS empty,
               (SELECT count(*) FROM p) AS parents
        FROM c LEFT JOIN p ON p.v = c.v"""
    )[0]
    if not r["values"] or not r["found"]:
        return None
    orphans = int(r["values"]) - int(r["found"])
    sample_rows = (
        store.sql(
            f"SELECT DISTINCT {cv} AS v FROM {ctable} c WHERE {cv} IS NOT NULL AND {cv} NOT IN "
            f"(SELECT {pv} FROM {ptable} p WHERE {pv} IS NOT NULL) ORDER BY v LIMIT {int(sample)}"
        ).fetchall()
        if orphans
        else []
    )
    return Relation(
        child=child.name,
        child_column=col.name,
        parent=parent.name,
        parent_column=key,
        coverage=int(r["found"]) / int(r["values"]),
        named=named,
        orphans=orphans,
        orphan_rows=int(r["orphan_rows"]),
        orphan_sample=tuple(str(x[0]) for x in sample_rows),
        empty=int(r["empty"]),
        cardinality="1:1" if int(r["max_children"]) <= 1 else "1:N",
        parent_optional=int(r["empty"]) > 0,
        children_optional=int(r["found"]) < int(r["parents"]),
    )


# ---------------------------------------------------------------------------- drawing


def erd_dot(erd: Erd, *, lang: str = "en") -> str:
    """Graphviz DOT source of the ERD (HTML-like labels, every name escaped)."""
    fks = {(r.child, r.child_column) for r in erd.relations}
    lines = [
        "digraph erd {",
        "  graph [rankdir=LR, fontname=Helvetica, fontsize=11, nodesep=0.5, ranksep=1.0,",
        f"         label={dot_string(text(MSG, 'title', lang))}, labelloc=t];",
        "  node [shape=plaintext, fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Helvetica, fontsize=9, dir=both];",
    ]
    ids = {e.name: f"e{i}" for i, e in enumerate(erd.entities)}
    for e in erd.entities:
        rows = [
            f'<tr><td bgcolor="#dbe8f5" colspan="3"><b>{html_text(e.name)}</b><br/>'
            f'<font point-size="8">{html_text(text(MSG, "rows", lang, n=f"{e.rows:,}"))}</font></td></tr>'
        ]
        for c in e.columns:
            mark = "PK" if c.name == e.primary_key else ("FK" if (e.name, c.name) in fks else "")
            if mark == "PK" and e.key_quality is not None:
                mark = '<font color="#b00020">PK ⚠</font>'
            rows.append(
                f'<tr><td port="{html_text(_mid(c.name))}" align="left">{html_text(c.name)}</td>'
                f'<td align="left"><font color="#555555">{html_text(c.type)}</font></td>'
                f"<td>{f'<b>{mark}</b>' if mark else ' '}</td></tr>"
            )
        lines.append(f'  {ids[e.name]} [label=<<table border="0" cellborder="1" cellspacing="0">{"".join(rows)}</table>>];')
    for r in erd.relations:
        tail = "teeodot" if r.parent_optional else "teetee"
        if r.cardinality == "1:1":
            head = "teeodot" if r.children_optional else "teetee"
        else:
            head = "crowodot" if r.children_optional else "crowtee"
        label = f"{r.child_column} → {r.parent_column}  {r.label}"
        colour = "#b00020" if r.orphans else "#333333"
        if r.orphans:
            label += "\n" + text(MSG, "orphans", lang, n=r.orphans, rows=f"{r.orphan_rows:,}")
        lines.append(
            f"  {ids[r.parent]} -> {ids[r.child]} [arrowtail={tail}, arrowhead={head}, color={dot_string(colour)}, "
            f"fontcolor={dot_string(colour)}, label={dot_string(label)}];"
        )
    if erd.key_findings:
        lines.append(f"  legend [label=<{_key_legend(erd, lang)}>];")
    lines.append("}")
    return "\n".join(lines)


def _key_legend(erd: Erd, lang: str) -> str:
    """An HTML-like table listing the broken rows of near keys (every value escaped)."""
    rows = [f'<tr><td bgcolor="#f8d7da" align="left"><b>{html_text(text(MSG, "keys_title", lang))}</b></td></tr>']
    for k in erd.key_findings:
        items = [f"<b>{html_text(k.entity)}.{html_text(k.column)}</b>"]
        if k.empty_rows:
            sample = ", ".join(map(str, k.empty_sample)) + ("…" if k.empty_rows > len(k.empty_sample) else "")
            items.append(html_text(text(MSG, "key_empty", lang, n=k.empty_rows, rows=sample)))
        if k.duplicate_values:
            dups = "; ".join(f"{d.value} ({', '.join(map(str, d.rows))})" for d in k.duplicate_sample)
            dups += "…" if k.duplicate_values > len(k.duplicate_sample) else ""
            items.append(html_text(text(MSG, "key_dups", lang, n=k.duplicate_values, rows=k.duplicate_rows, sample=dups)))
        items.append(html_text(text(MSG, "key_share", lang, share=f"{k.share:.1%}")))
        br = '<br align="left"/>'
        rows.append(f'<tr><td align="left">{br.join(items)}{br}</td></tr>')
    return f'<table border="0" cellborder="1" cellspacing="0">{"".join(rows)}</table>'


def render_erd_svg(erd: Erd, *, lang: str = "en") -> str:
    """The ERD as SVG (Graphviz)."""
    return render_dot_svg(erd_dot(erd, lang=lang), lang=lang)


def write_erd(erd: Erd, out_dir: str | Path, *, lang: str = "en") -> dict[str, Path]:
    """Write ``erd.mmd`` (Mermaid), ``erd.svg`` and ``erd.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"mermaid": out / "erd.mmd", "svg": out / "erd.svg", "json": out / "erd.json"}
    paths["mermaid"].write_text(erd.to_mermaid(), encoding="utf-8")
    paths["svg"].write_text(render_erd_svg(erd, lang=lang), encoding="utf-8")
    paths["json"].write_text(erd.to_json(), encoding="utf-8")
    return paths


__all__ = [
    "ColumnProfile",
    "Entity",
    "Erd",
    "Relation",
    "erd_dot",
    "infer_erd",
    "render_erd_svg",
    "write_erd",
]
