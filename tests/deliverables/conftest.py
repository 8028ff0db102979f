"""Fixtures of the pack tests: the demo audit (generated once per session) and packs per example and language."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from crmflow.deliverables.pack import PackResult, build_pack

HERE = Path(__file__).parent
MINI = HERE / "data" / "mini_tobe.yaml"
EXAMPLES = sorted(Path(str(files("crmflow.design") / "examples")).glob("*.yaml"))


@pytest.fixture(scope="session")
def demo_audit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The audit of the Bitrix24 demo export (what `crmflow demo` writes to OUT/bitrix24), smaller for speed."""
    from crmflow.asis import audit
    from crmflow.demo.bitrix import generate_bitrix_demo

    root = tmp_path_factory.mktemp("demo")
    data = generate_bitrix_demo(root / "data", n_deals=400, seed=7)
    result = audit(data.csv_path, rules=data.rules_path, lang="ru")
    result.write(root / "bitrix24", lang="ru")
    return root / "bitrix24"


_PACKS: dict[tuple[str, str], PackResult] = {}


@pytest.fixture(scope="session")
def pack_factory(demo_audit: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Build (once) the pack of a To-Be file in a language, with the demo audit."""

    def make(tobe: Path, lang: str) -> PackResult:
        key = (str(tobe), lang)
        if key not in _PACKS:
            out = tmp_path_factory.mktemp(f"pack_{tobe.stem}_{lang}")
            _PACKS[key] = build_pack(tobe, out_dir=out, audit=demo_audit, lang=lang)
        return _PACKS[key]

    return make
