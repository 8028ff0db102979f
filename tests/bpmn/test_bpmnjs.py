"""Acceptance: every BPMN file crmflow writes opens in bpmn-js (headless Chromium) without warnings.

bpmn-js's ``importXML`` must report no warning, every semantic element (flow nodes, flows, lanes,
pools, message flows, artifacts) must have a shape, and a screenshot is taken (a PNG with content).
``make test`` installs Chromium and bpmn-js first; without them these tests skip, saying why.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import crmflow
from crmflow.asis import asis_bpmn
from crmflow.bpmn.annotate import task_annotation
from crmflow.bpmn.from_tree import dominant_lanes, tree_to_bpmn
from crmflow.bpmn.layout import layout
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.writer import write_bpmn
from crmflow.demo.bitrix import generate_bitrix_demo
from crmflow.discovery.inductive import discover_process_tree
from crmflow.sources.reader import read_log
from tests.bpmn.bpmnjs import Import, import_into_bpmnjs, missing_tools
from tests.bpmn.crafted import crafted_model
from tests.conftest import real

pytestmark = pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools()))

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_clean(result: Import, *, min_elements: int) -> None:
    assert result.ok, result.error
    assert result.warnings == []
    assert result.missing == []
    assert result.page_errors == []
    assert result.elements >= min_elements
    assert result.png is not None
    data = result.png.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 5_000  # a drawn diagram, not an empty page


def discovered(log_file: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The As-Is BPMN of the audit (lanes, annotations) and the plain discovered one, as files."""
    log = read_log(log_file)
    asis = asis_bpmn(log)
    assert asis is not None and asis["lanes"]
    annotated = tmp_path / "asis.bpmn"
    annotated.write_text(asis["xml"], encoding="utf-8")
    plain = tmp_path / "plain.bpmn"
    tree = discover_process_tree(log, noise_threshold=0.2)
    plain.write_bytes(write_bpmn(layout(tree_to_bpmn(tree, process_name="As-Is", lanes=dominant_lanes(log)))))
    return annotated, plain


@pytest.mark.parametrize("name", ["helpdesk.xes.gz", "bpic2012.xes.gz"])
def test_discovered_asis_models_import_cleanly(name: str, tmp_path: Path) -> None:
    annotated, plain = discovered(real(name), tmp_path)
    model = read_bpmn(plain)
    n_elements = sum(1 for _ in model.flow_nodes()) + sum(1 for p in model.processes for _ in p.all_flows())
    results = import_into_bpmnjs([(annotated, tmp_path / "asis.png"), (plain, tmp_path / "plain.png")])
    for result in results:
        assert_clean(result, min_elements=n_elements)
    assert results[0].elements > results[1].elements  # the annotated one adds notes and their associations


def test_crafted_model_with_every_element_kind_imports_cleanly(tmp_path: Path) -> None:
    model = layout(crafted_model())
    path = tmp_path / "crafted.bpmn"
    path.write_bytes(write_bpmn(model))
    assert read_bpmn(path) == model
    (result,) = import_into_bpmnjs([(path, tmp_path / "crafted.png")])
    # 2 pools + the black-box pool, 4 lanes (2 nested), the client's 3 nodes and 2 flows, the CRM nodes and flows,
    # the sub-process content (3 nodes, 2 flows), 2 message flows, data reference, note, 2 associations
    crm = model.process("Process_Crm")
    expected = 3 + 4 + 5 + len(crm.nodes) + len(crm.flows) + 5 + 2 + 1 + 1 + 2
    assert result.elements == expected
    assert_clean(result, min_elements=expected)


def test_receipt_round_trip_imports_cleanly(tmp_path: Path) -> None:
    original = read_bpmn(real("receipt.bpmn"))
    path = tmp_path / "receipt.bpmn"
    path.write_bytes(write_bpmn(original))
    assert read_bpmn(path) == original
    (result,) = import_into_bpmnjs([(path, tmp_path / "receipt.png")])
    assert_clean(result, min_elements=sum(1 for _ in original.flow_nodes()))


def test_the_check_sees_a_missing_shape_and_a_broken_reference(tmp_path: Path) -> None:
    model = layout(crafted_model())
    plane = model.diagrams[0].plane
    without_task = replace(plane, shapes=tuple(s for s in plane.shapes if s.element != "Task_task"))
    dropped = tmp_path / "dropped.bpmn"
    dropped.write_bytes(
        write_bpmn(replace(model, diagrams=(replace(model.diagrams[0], plane=without_task), *model.diagrams[1:])))
    )
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(write_bpmn(model).replace(b'bpmnElement="Flow_1"', b'bpmnElement="Flow_nowhere"'))
    missing, warned = import_into_bpmnjs([(dropped, None), (broken, None)])
    assert "Task_task" in missing.missing
    assert any("Flow_nowhere" in w for w in warned.warnings)
    assert "Flow_1" in warned.missing


def test_annotated_demo_audit_model_imports_cleanly(tmp_path: Path) -> None:
    data = generate_bitrix_demo(tmp_path / "data")
    crmflow.audit(data.csv_path, rules=data.rules_path, lang="ru").write(tmp_path / "audit", lang="ru")
    path = tmp_path / "audit" / "asis.bpmn"
    model = read_bpmn(path)
    assert any(task_annotation(n).flagged for n in model.flow_nodes())
    assert b"crmflow:statistics" in path.read_bytes()
    (result,) = import_into_bpmnjs([(path, tmp_path / "demo.png")])
    assert_clean(result, min_elements=sum(1 for _ in model.flow_nodes()) + len(model.process().text_annotations))


def test_collaboration_notes_empty_lane_and_loop_markers_import_cleanly(tmp_path: Path) -> None:
    from crmflow.bpmn.model import (
        Association,
        Collaboration,
        Definitions,
        Event,
        Lane,
        LaneSet,
        MessageFlow,
        Participant,
        Process,
        SequenceFlow,
        Task,
        TextAnnotation,
    )

    loop = '<bpmn:standardLoopCharacteristics xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'
    nodes = (
        Event(id="S"),
        Task(id="A", name="Send the offer", kind="sendTask", unmodelled=(loop,)),
        Event(id="E", position="end"),
    )
    p = Process(
        id="P",
        nodes=nodes,
        flows=(SequenceFlow(id="f1", source="S", target="A"), SequenceFlow(id="f2", source="A", target="E")),
        lane_sets=(
            LaneSet(
                id="LS",
                lanes=(Lane(id="L1", name="Sales", flow_node_refs=("S", "A", "E")), Lane(id="L2", name="Nobody works here")),
            ),
        ),
    )
    collab = Collaboration(
        id="C",
        participants=(
            Participant(id="Us", name="Company", process_ref="P"),
            Participant(id="Web", name="Website and request forms"),
        ),
        message_flows=(MessageFlow(id="m", source="A", target="Web"),),
        text_annotations=(TextAnnotation(id="T1", text="Within 10 minutes"), TextAnnotation(id="T2", text="Outside")),
        associations=(Association(id="a1", source="T1", target="A"), Association(id="a2", source="T2", target="Web")),
    )
    path = tmp_path / "collab.bpmn"
    path.write_bytes(write_bpmn(layout(Definitions(id="D", collaboration=collab, processes=(p,)))))
    (result,) = import_into_bpmnjs([(path, tmp_path / "collab.png")])
    # 2 pools, 2 lanes, 3 nodes, 2 flows, 1 message flow, 2 annotations, 2 associations
    assert_clean(result, min_elements=14)
