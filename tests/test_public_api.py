"""The public API: one sorted `__all__`, every name importable, no pm4py inside the package."""

from __future__ import annotations

import ast
from pathlib import Path

import crmflow

SRC = Path(crmflow.__file__).resolve().parent


def test_all_is_sorted_and_resolves() -> None:
    assert crmflow.__all__ == sorted(crmflow.__all__)
    for name in crmflow.__all__:
        assert getattr(crmflow, name) is not None, name


def test_the_package_never_imports_pm4py() -> None:
    # pm4py is AGPL-3.0: a test and benchmark dependency only.
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "pm4py" or n.startswith("pm4py.") for n in names), path


def test_user_text_is_never_evaluated() -> None:
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & {"eval", "exec"}, path


def test_object_centric_and_architecture_entry_points_are_public() -> None:
    # name -> the module that defines it (the lazy loader must hand out the real object)
    expected = {
        "ObjectCentricLog": "crmflow.store.objects",
        "audit_objects": "crmflow.asis_objects",
        "audit_tables": "crmflow.asis_objects",
        "build_object_log": "crmflow.sources.object_model",
        "discover_customer_journey": "crmflow.mining.journey",
        "discover_dfd": "crmflow.architecture.dfd",
        "infer_erd": "crmflow.architecture.erd",
        "read_ocel": "crmflow.ingest.ocel",
        "write_ocel": "crmflow.store.ocel_export",
    }
    for name, module in expected.items():
        assert name in crmflow.__all__, name
        assert getattr(crmflow, name).__module__ == module, name
