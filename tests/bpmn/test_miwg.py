"""The BPMN MIWG conformance corpus (tests/data/miwg, CC BY 3.0): read, write → read, lint, render.

The whole suite (831 files) runs in ``bench/miwg.py``; this is the part checked in CI: every
Reference model and a sample of tool exports, including four that break a BPMN rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.bpmn.lint import lint
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.render import render_svg
from crmflow.bpmn.writer import write_bpmn
from crmflow.errors import BpmnError

CORPUS = Path(__file__).resolve().parents[1] / "data" / "miwg"
REFUSED = {
    "Bizagi_Modeler_2.8.0.8__A.4.0-roundtrip.bpmn": "messageRef `Message_1373649949207` does not exist",
    "ADONIS_17.0__C.4.0-export.bpmn": "bpmnElement `_6dcf774a-4cd7-4e95-a984-cfb934f96402` does not exist",
    "SAP_Signavio_Process_Manager_19.9.0__B.2.0-roundtrip.bpmn": "is a flow node of another process",
    "Visual_Paradigm_11.1__A.3.0-roundtrip.bpmn": "must not cross the boundary of a sub-process",
}
FILES = sorted(CORPUS.glob("*/*.bpmn"))


def test_the_corpus_is_there() -> None:
    assert len(list((CORPUS / "Reference").glob("*.bpmn"))) == 21
    assert len(FILES) >= 35


@pytest.mark.parametrize("path", [p for p in FILES if p.name not in REFUSED], ids=lambda p: p.name)
def test_read_write_read_lint_render(path: Path) -> None:
    model = read_bpmn(path)
    assert read_bpmn(write_bpmn(model)) == model
    report = lint(model, max_states=20_000)
    assert "unreachable" not in report.codes(), [p.message_en for p in report.problems if p.code == "unreachable"]
    for i in range(len(model.diagrams)):
        svg = render_svg(model, diagram=i)
        drawn = {s.element for s in model.diagrams[i].plane.shapes if s.element}
        assert all(f'data-element="{e}"' in svg for e in drawn if '"' not in e and "&" not in e and "<" not in e)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_files_that_break_a_rule_are_refused_with_it(name: str) -> None:
    with pytest.raises(BpmnError, match=REFUSED[name].replace("(", r"\(").replace(")", r"\)")):
        read_bpmn(CORPUS / "tools" / name)


def test_second_collaboration_and_every_diagram_survive_a_round_trip() -> None:
    model = read_bpmn(CORPUS / "Reference" / "C.4.0.bpmn")
    assert len(model.collaborations) == 4  # one per diagram of the reference model
    again = read_bpmn(write_bpmn(model))
    assert [c.id for c in again.collaborations] == [c.id for c in model.collaborations]
    assert [d.plane.element for d in again.diagrams] == [d.plane.element for d in model.diagrams]


def test_relative_namespace_uris_are_kept() -> None:
    # an extension element declares xmlns:xml_6="@boc-eu.com/…", a relative URI that C14N refuses
    model = read_bpmn(CORPUS / "Reference" / "C.8.0.bpmn")
    assert ("xml_6", "@boc-eu.com/boc-is/ado.xmllight;1") in model.namespaces
    assert b'xmlns:xml_6="@boc-eu.com/boc-is/ado.xmllight;1"' in write_bpmn(model)


def test_qname_references_resolve() -> None:
    model = read_bpmn(CORPUS / "tools" / "GenMyModel_0.47__A.4.0-export.bpmn")
    refs = [p.process_ref for c in model.collaborations for p in c.participants if p.process_ref]
    assert refs and all(":" not in r for r in refs)
    assert set(refs) <= {p.id for p in model.processes}


def test_event_sub_processes_are_not_unreachable() -> None:
    model = read_bpmn(CORPUS / "Reference" / "C.9.0.bpmn")
    assert any(n.triggered_by_event for n in model.flow_nodes() if hasattr(n, "triggered_by_event"))
    assert "unreachable" not in lint(model).codes()
