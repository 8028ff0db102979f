"""Mutation fuzzing of every reader: any bytes give a result or a crmflow error, never a traceback.

Each reader starts from real seed files (the test corpus, the To-Be examples, the shipped rules
and mappings) and reads byte-level mutations of them: bits flipped, bytes deleted, inserted or
repeated, the file cut short, chunks of another seed spliced in. Shared by
``tests/test_fuzz_readers.py`` (a few dozen inputs per reader) and ``bench/fuzz.py`` (a time
budget per reader).
"""

from __future__ import annotations

import random
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from crmflow.errors import CrmflowError

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
SRC = Path(str(files("crmflow")))


def _read_log(path: Path) -> Any:
    from crmflow.sources.reader import read_log
    from crmflow.store.store import EventStore

    with EventStore() as store:
        return read_log(path, store=store).n_events


def _read_ocel(path: Path) -> Any:
    from crmflow.ingest.ocel import read_ocel

    return read_ocel(path)


def _read_bpmn(path: Path) -> Any:
    from crmflow.bpmn.reader import read_bpmn

    return read_bpmn(path)


def _read_tobe(path: Path) -> Any:
    from crmflow.design.loader import load_tobe

    return load_tobe(path)


def _read_rules(path: Path) -> Any:
    from crmflow.findings.rules import load_rules

    return load_rules(path)


def _read_mapping(path: Path) -> Any:
    from crmflow.ingest.columns import load_mapping_file

    return load_mapping_file(path)


def _read_quality_rules(path: Path) -> Any:
    from crmflow.quality.rules import load_quality_rules

    return load_quality_rules(path)


def _xlsx_seed() -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ID сделки", "Стадия", "Дата", "Сумма"])
    for i in range(30):
        ws.append([f"D-{i % 7}", ["Новая", "КП", "Оплата"][i % 3], f"{1 + i % 28:02d}.03.2024 10:00", i * 1000.5])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_seed() -> bytes:
    rows = ["ID сделки;Стадия;Дата;Комментарий"] + [
        f'D-{i % 5};Этап {i % 4};{1 + i % 28:02d}.03.2024 1{i % 10}:00;"текст; с ""кавычками"""' for i in range(30)
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1251")


@dataclass(frozen=True)
class Reader:
    name: str
    suffix: str
    read: Callable[[Path], Any]
    seeds: tuple[bytes, ...]


def readers() -> list[Reader]:
    """Every reader with its seed files."""

    def all_of(folder: Path, pattern: str) -> tuple[bytes, ...]:
        return tuple(p.read_bytes() for p in sorted(folder.glob(pattern)))

    crm = DATA / "crm"
    return [
        Reader("csv", ".csv", _read_log, (_csv_seed(), (crm / "bitrix24" / "deals_ui_cp1251.csv").read_bytes())),
        Reader("xlsx", ".xlsx", _read_log, (_xlsx_seed(),)),
        Reader("xes", ".xes", _read_log, all_of(DATA / "xes", "*.xes")),
        Reader("ocel", ".jsonocel", _read_ocel, all_of(DATA / "ocel", "*.jsonocel")),
        Reader("bpmn", ".bpmn", _read_bpmn, all_of(DATA / "bpmn", "*.bpmn")),
        Reader("tobe", ".yaml", _read_tobe, all_of(SRC / "design" / "examples", "*.yaml")),
        Reader("rules", ".yaml", _read_rules, all_of(SRC / "demo" / "real", "rules_*.yaml")),
        Reader("mapping", ".yaml", _read_mapping, all_of(SRC / "demo" / "real", "*mapping.yaml")),
        Reader("quality-rules", ".yaml", _read_quality_rules, all_of(SRC / "demo", "rules_quality.yaml")),
        Reader("crm-json", ".json", _read_log, all_of(crm / "bitrix24", "*.json") + all_of(crm / "amocrm", "*.json")),
    ]


def mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    """One to four random byte-level edits of ``data`` (``other`` for splices)."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            b = bytearray(other[: rng.randint(0, 64)])
            continue
        i = rng.randrange(len(b))
        op = rng.randrange(7)
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            del b[i : i + rng.randint(1, 64)]
        elif op == 2:
            b[i:i] = bytes(rng.choice(b"\"'<>&;,\n\r\t\x00{}[]:-#*&!%\xff\xd0") for _ in range(rng.randint(1, 8)))
        elif op == 3:
            j = rng.randrange(len(b))
            b[i:i] = b[min(i, j) : max(i, j)][:4096] * rng.randint(1, 3)
        elif op == 4:
            del b[i:]
        elif op == 5:
            j = rng.randrange(max(len(other), 1))
            b[i:i] = other[j : j + rng.randint(1, 512)]
        else:
            b[i] = rng.randrange(256)
    return bytes(b)


@dataclass
class Outcome:
    reader: str
    runs: int = 0
    read: int = 0  # gave a result
    refused: int = 0  # a crmflow error (a clear message)
    tracebacks: list[tuple[int, str]] = field(default_factory=list)  # (input number, last lines)
    slowest_s: float = 0.0


def fuzz(reader: Reader, *, seed: int, runs: int | None = None, budget_s: float | None = None) -> Outcome:
    """Read mutations of ``reader``'s seeds until ``runs`` inputs or ``budget_s`` seconds."""
    rng = random.Random(seed)
    out = Outcome(reader.name)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        path = Path(tmp) / f"input{reader.suffix}"
        while (runs is None or out.runs < runs) and (budget_s is None or time.perf_counter() - start < budget_s):
            data = mutate(rng, rng.choice(reader.seeds), rng.choice(reader.seeds))
            path.write_bytes(data)
            t = time.perf_counter()
            try:
                reader.read(path)
                out.read += 1
            except CrmflowError:
                out.refused += 1
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - that is the finding (a Rust panic is a BaseException)
                out.tracebacks.append((out.runs, "".join(traceback.format_exc().splitlines(keepends=True)[-3:])))
                (Path(tmp).parent / f"fuzz-{reader.name}-{seed}-{out.runs}{reader.suffix}").write_bytes(data)
            out.slowest_s = max(out.slowest_s, time.perf_counter() - t)
            out.runs += 1
    return out
