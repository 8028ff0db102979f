"""The package's imports follow the layer order written once, in ``docs/architecture.md``.

Every ``import`` and ``from … import`` of every module under ``src/crmflow/`` is read with :mod:`ast` —
module-level, inside functions and under ``TYPE_CHECKING`` alike — and checked against the ``layers``
block of the architecture page: a unit (a folder of the package, or a top-level module) may import
itself and any unit on a lower line of the block, never a unit on its own line or above. There is no
list of exceptions: an import against the order is fixed in the code, or the order is changed in the
documentation, where a reader sees it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "crmflow"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
BLOCK = re.compile(r"<!-- layers:begin -->\s*```text\n(?P<body>.*?)```\s*<!-- layers:end -->", re.S)


def read_layers(text: str) -> list[list[str]]:
    """The layer block of the architecture page, bottom first: one list of unit names per line.

    >>> read_layers("<!-- layers:begin -->\\n```text\\ncli  # top\\nstore\\nerrors\\n```\\n<!-- layers:end -->")
    [['errors'], ['store'], ['cli']]
    """
    match = BLOCK.search(text)
    if match is None:
        raise AssertionError("docs/architecture.md has no ```text block between <!-- layers:begin/end -->")
    lines = [line.split("#", 1)[0].split() for line in match["body"].splitlines()]
    return [units for units in reversed(lines) if units]


def unit_of(module: str) -> str:
    """The unit of a dotted module name: its folder (or top-level module) under ``crmflow``.

    >>> unit_of("crmflow.store.queries"), unit_of("crmflow.asis"), unit_of("crmflow")
    ('store', 'asis', 'crmflow')
    """
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "crmflow"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported crmflow module (or package)
    line: int
    path: Path

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.module} imports {self.target}"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in(source: str, name: str, *, is_package: bool = False, path: Path = PACKAGE) -> list[Import]:
    """Every crmflow import in a module's source, wherever it is written (relative imports resolved)."""
    package = name if is_package else name.rsplit(".", 1)[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base)
                targets = [f"{prefix}.{node.module}"] if node.module else [f"{prefix}.{a.name}" for a in node.names]
            elif node.module == "crmflow":  # `from crmflow import x`: x is a unit, or a name of the facade
                targets = [f"crmflow.{a.name}" if _is_unit(a.name) else "crmflow" for a in node.names]
            elif node.module:
                targets = [node.module]
        found += [Import(name, t, node.lineno, path) for t in targets if t == "crmflow" or t.startswith("crmflow.")]
    return found


def _is_unit(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def imports_of(path: Path) -> list[Import]:
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py", path=path)


LAYERS = read_layers(ARCHITECTURE.read_text(encoding="utf-8"))
FLOOR = {unit: floor for floor, units in enumerate(LAYERS) for unit in units}
MODULES = sorted(PACKAGE.rglob("*.py"))
IMPORTS = [imp for path in MODULES for imp in imports_of(path)]


def test_every_unit_of_the_package_has_its_floor() -> None:
    units = {unit_of(module_name(p)) for p in MODULES}
    missing = sorted(units - FLOOR.keys())
    assert not missing, f"units without a line in the layers block of docs/architecture.md: {missing}"


def test_each_unit_is_on_one_line_only() -> None:
    names = [u for units in LAYERS for u in units]
    assert len(names) == len(set(names)), sorted({u for u in names if names.count(u) > 1})


def test_the_layer_block_holds_the_stages_being_built() -> None:
    # the engine, the web app and the simulation are built in parallel; their floor is decided here
    assert FLOOR["design"] < FLOOR["engine"] < FLOOR["simulation"] < FLOOR["web"] < FLOOR["cli"]
    assert FLOOR["store"] < FLOOR["engine"] and FLOOR["sources"] < FLOOR["engine"]
    assert FLOOR["findings"] < FLOOR["engine"] and FLOOR["mining"] < FLOOR["simulation"]
    assert max(FLOOR.values()) == FLOOR["cli"]


def test_the_reader_sees_every_kind_of_import() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from crmflow.store import queries\n"
        "from crmflow import durations, read_log\n"
        "if TYPE_CHECKING:\n    from crmflow.bpmn.model import Definitions\n"
        "def f():\n    from ..mining.dfg import discover_dfg\n    import crmflow.ingest.raw\n"
        "    from . import rules\n"
    )
    found = imports_in(source, "crmflow.findings.example")
    assert [(i.target, i.line) for i in found] == [
        ("crmflow.store", 2),
        ("crmflow.durations", 3),
        ("crmflow", 3),
        ("crmflow.bpmn.model", 5),
        ("crmflow.mining.dfg", 7),
        ("crmflow.ingest.raw", 8),
        ("crmflow.findings.rules", 9),
    ]
    assert [unit_of(i.target) for i in found] == ["store", "durations", "crmflow", "bpmn", "mining", "ingest", "findings"]


def test_an_upward_import_is_reported() -> None:
    wrong = violations(imports_in("def f():\n    from crmflow.report.html import write_report\n", "crmflow.store.x"))
    assert len(wrong) == 1 and "crmflow.report.html" in wrong[0]
    sibling = violations(imports_in("from crmflow.quality.run import assess_quality\n", "crmflow.mining.x"))
    assert len(sibling) == 1  # beside each other on one line: neither imports the other
    assert violations(imports_in("from crmflow.store.store import EventLog\n", "crmflow.mining.x")) == []


def violations(imports: list[Import]) -> list[str]:
    wrong = []
    for imp in imports:
        here, there = unit_of(imp.module), unit_of(imp.target)
        if there != here and FLOOR.get(there, len(LAYERS)) >= FLOOR.get(here, -1):
            wrong.append(f"{imp.where()} ({here} is on floor {FLOOR.get(here)}, {there} on {FLOOR.get(there)})")
    return wrong


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layer_order(path: Path) -> None:
    wrong = violations(imports_of(path))
    assert not wrong, "imports against the layer order of docs/architecture.md:\n" + "\n".join(wrong)
