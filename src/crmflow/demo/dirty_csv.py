"""Generated dirty CSV exports with known records: the ground truth of the row-accounting checks.

Each file has a header and numbered records (the first field is the record's number ``R<k>``);
the generator knows, for every record, how it was written and so what a reader must do with it:

- ``good``: well-formed (values quoted when they hold the separator, a quote or a line break --
  some span several lines); must be loaded;
- ``unclosed``: a value whose closing quote is missing; must be quarantined on its own line and
  cost no other record (the next record is a one-line good record: rule 2 of
  :mod:`crmflow.ingest.record_scan`);
- ``closes_later``: like ``unclosed``, and a record a few lines on has a stray quote that would
  "close" it (the case that silently merged five records into two); the stray-quote record
  (``stray``) may be loaded with the quote kept, or quarantined;
- ``text_after_quote``, ``extra_field``, ``missing_field``, ``malformed_multiline`` (a correctly
  quoted value over several lines, in a record with a field too many or too few): one record each,
  quarantined.

Empty lines are sprinkled between records; encodings UTF-8, UTF-8 with BOM and cp1251; LF or CRLF;
``;``, ``,``, tab or ``|``.

>>> import random
>>> f = dirty_csv(random.Random(7))
>>> f.records == len(f.kinds) and set(f.kinds) <= set(KINDS) | {"stray"}
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: How records are broken (``good`` most often).
KINDS = (
    "good",
    "unclosed",
    "closes_later",
    "text_after_quote",
    "extra_field",
    "missing_field",
    "malformed_multiline",
)
#: Kinds that must end in the quarantine.
QUARANTINED = frozenset(KINDS) - {"good"}
_WORDS = ("Новая", "Счёт выставлен", "Won", "Lost", "Переговоры", "call back", "КП отправлено", "договор", "ok")
_HEADER = ("ID", "Стадия", "Дата", "Сумма", "Комментарий", "Менеджер")


@dataclass(frozen=True)
class DirtyCsv:
    """A generated file and its truth."""

    data: bytes
    delimiter: str
    encoding: str
    newline: str
    kinds: tuple[str, ...]  # per record, in file order (record k is ``R<k>``)
    lines: tuple[int, ...]  # the physical line where each record begins

    @property
    def records(self) -> int:
        """Records after the header."""
        return len(self.kinds)

    def ids(self, *kinds: str) -> set[str]:
        """The ``R<k>`` ids of the records of these kinds."""
        return {f"R{i}" for i, k in enumerate(self.kinds, start=1) if k in kinds}


def _q(value: str, d: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _value(rng: random.Random, d: str, nl: str, *, multiline: bool) -> str:
    """One field of a good record, quoted when it needs to be."""
    roll = rng.random()
    if multiline:
        lines = [rng.choice(_WORDS) for _ in range(rng.randint(2, 4))]
        return _q(nl.join(lines), d)
    if roll < 0.15:
        return _q(f"{rng.choice(_WORDS)}{d} {rng.choice(_WORDS)}", d)
    if roll < 0.25:
        return _q(f'Сказал "{rng.choice(_WORDS)}"', d)
    if roll < 0.35:
        return _q(rng.choice(_WORDS), d)
    if roll < 0.5:
        return f"{rng.randint(1, 31):02d}.{rng.randint(1, 12):02d}.2024 {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    if roll < 0.6:
        return f"{rng.randint(0, 10**6)},{rng.randint(0, 99):02d}" if d != "," else str(rng.randint(0, 10**6))
    return rng.choice(_WORDS)


def _good(rng: random.Random, rid: str, n: int, d: str, nl: str, *, multiline: bool = False) -> list[str]:
    at = rng.randint(1, n - 1) if multiline else -1
    return [rid] + [_value(rng, d, nl, multiline=i == at) for i in range(1, n)]


def dirty_csv(rng: random.Random, *, max_records: int = 40) -> DirtyCsv:
    """A dirty export drawn from ``rng`` (reproducible from its seed)."""
    d = rng.choice([";", ",", "\t", "|"])
    nl = rng.choice(["\n", "\r\n"])
    encoding = rng.choice(["utf-8", "utf-8-sig", "cp1251"])
    n = rng.randint(3, len(_HEADER))
    n_rec = rng.randint(0, max_records)
    plan = ["good"] * n_rec
    for i in range(n_rec):
        if rng.random() < 0.3:
            plan[i] = rng.choice(KINDS[1:])
    # an unclosed quote is followed by a one-line good record (rule 2 needs a record of its own there)
    for i, kind in enumerate(plan):
        if kind in ("unclosed", "closes_later"):
            if i + 1 >= n_rec:
                plan[i] = "good"
            else:
                plan[i + 1] = "good_plain"
                if kind == "closes_later" and i + 3 < n_rec:
                    plan[i + 3] = "stray"
                elif kind == "closes_later":
                    plan[i] = "unclosed"
    out_lines: list[str] = [d.join(_HEADER[:n])]
    kinds: list[str] = []
    starts: list[int] = []
    line_no = 1
    for i, kind in enumerate(plan, start=1):
        rid = f"R{i}"
        if kind == "good":
            fields = _good(rng, rid, n, d, nl, multiline=rng.random() < 0.15)
        elif kind == "good_plain":
            fields = [rid] + [rng.choice(_WORDS) for _ in range(n - 1)]
        elif kind in ("unclosed", "closes_later"):
            fields = [rid] + [rng.choice(_WORDS) for _ in range(n - 1)]
            fields[rng.randint(1, n - 1)] = '"' + rng.choice(_WORDS)
        elif kind == "stray":
            fields = [rid] + [rng.choice(_WORDS) for _ in range(n - 1)]
            fields[rng.randint(1, n - 1)] = rng.choice(_WORDS) + '"'
        elif kind == "text_after_quote":
            fields = _good(rng, rid, n, d, nl)
            fields[rng.randint(1, n - 1)] = _q(rng.choice(_WORDS), d) + "x"
        elif kind == "extra_field":
            fields = [*_good(rng, rid, n, d, nl), rng.choice(_WORDS)]
        elif kind == "missing_field":
            fields = _good(rng, rid, n, d, nl)[:-1]
        else:  # malformed_multiline
            fields = _good(rng, rid, n, d, nl, multiline=True)
            fields = [*fields, "лишнее"] if rng.random() < 0.5 else fields[:-1]
            if all(nl not in f for f in fields):  # the multi-line value was the one cut off: a field short
                fields = [*fields[:-1], _q(f"a{nl}b", d)]
        kinds.append("good" if kind == "good_plain" else kind)
        line_no += 1
        starts.append(line_no)
        text = d.join(fields)
        line_no += text.count(nl)
        out_lines.append(text)
        while rng.random() < 0.1:
            out_lines.append("")
            line_no += 1
    body = nl.join(out_lines) + (nl if rng.random() < 0.9 else "")
    data = body.encode(encoding) if encoding != "cp1251" else body.encode("cp1251", errors="replace")
    return DirtyCsv(data=data, delimiter=d, encoding=encoding, newline=nl, kinds=tuple(kinds), lines=tuple(starts))


def accounting_problems(f: DirtyCsv) -> list[str]:
    """Read ``f`` with the CSV reader and list every broken promise (empty: all kept).

    Rows read = the records written; loaded + quarantined = read; every good record loaded, with
    its physical line; every record of a :data:`QUARANTINED` kind in the quarantine; each
    never-closed quote quarantined on its own line.
    """
    import tempfile
    from pathlib import Path

    from crmflow.ingest.csv import read_csv_raw
    from crmflow.store.store import EventStore

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="crmflow-dirty-") as tmp:
        path = Path(tmp) / "dirty.csv"
        path.write_bytes(f.data)
        with EventStore() as store:
            raw = read_csv_raw(store, path, log_name="log", delimiter=f.delimiter)
            loaded = dict(store.sql(f'SELECT "ID", line FROM {raw.table}').fetchall())
            quarantine = store.rows("SELECT row_no, line, raw, kind FROM quarantine")
    if raw.rows_read != f.records:
        problems.append(f"rows read {raw.rows_read} != {f.records} records written")
    if raw.rows_read != len(loaded) + raw.quarantined or len(quarantine) != raw.quarantined:
        problems.append(f"{len(loaded)} loaded + {raw.quarantined} quarantined != {raw.rows_read} read")
    lines = dict(zip((f"R{i}" for i in range(1, f.records + 1)), f.lines, strict=True))
    lost = sorted(f.ids("good") - set(loaded), key=lambda r: int(r[1:]))
    if lost:
        problems.append(f"good records not loaded: {', '.join(lost[:10])}")
    wrong = [r for r in f.ids("good") & set(loaded) if loaded[r] != lines[r]]
    if wrong:
        problems.append(f"good records with a wrong line: {', '.join(sorted(wrong)[:10])}")
    let_in = f.ids(*QUARANTINED) & set(loaded)
    if let_in:
        problems.append(f"broken records loaded: {', '.join(sorted(let_in)[:10])}")
    q_lines = {q["line"] for q in quarantine}
    missed = [r for r in f.ids("unclosed", "closes_later") if lines[r] not in q_lines]
    if missed:
        problems.append(f"unclosed quotes not quarantined on their line: {', '.join(sorted(missed)[:10])}")
    return problems


__all__ = ["KINDS", "QUARANTINED", "DirtyCsv", "accounting_problems", "dirty_csv"]
