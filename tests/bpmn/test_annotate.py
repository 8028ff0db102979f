"""The annotated As-Is BPMN: frequencies and waiting times from the log, findings flagged on the tasks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import crmflow
from crmflow.asis import asis_model
from crmflow.bpmn.annotate import annotate_bpmn, flow_frequency, reword_notes, task_annotation
from crmflow.bpmn.from_tree import tree_to_bpmn
from crmflow.bpmn.model import Task
from crmflow.bpmn.reader import read_bpmn
from crmflow.bpmn.render import render_svg
from crmflow.bpmn.writer import write_bpmn
from crmflow.demo.bitrix import generate_bitrix_demo
from crmflow.discovery.process_tree import ProcessTree as T
from crmflow.errors import BpmnError
from crmflow.findings.model import Finding
from crmflow.mining.dfg import discover_dfg
from crmflow.mining.statistics import activity_statistics
from crmflow.sources.reader import read_log
from crmflow.store import queries as q
from tests.conftest import make_log, real


@pytest.fixture(scope="module")
def helpdesk():  # type: ignore[no-untyped-def]
    log = read_log(real("helpdesk.xes.gz"))
    return log, asis_model(log)


def test_helpdesk_tasks_carry_the_logs_activity_counts(helpdesk) -> None:  # type: ignore[no-untyped-def]
    log, model = helpdesk
    counted = {
        r["activity"]: (r["n"], r["cases"])
        for r in log.store.rows(
            f"SELECT activity, count(*) AS n, count(DISTINCT case_id) AS cases FROM {q.ev(log.name)} GROUP BY activity"
        )
    }
    tasks = [n for n in model.flow_nodes() if isinstance(n, Task)]
    assert len(tasks) >= 10
    for task in tasks:
        ann = task_annotation(task)
        assert (ann.events, ann.cases) == counted[task.name], task.name
        assert ann.median_wait_s is None or ann.median_wait_s >= 0
    # flows standing for one directly-follows relation carry its frequency
    successions = {
        (r["a"], r["b"]): r["n"]
        for r in log.store.rows(
            f"SELECT activity AS a, next_activity AS b, count(*) AS n FROM {q.ev(log.name)} "
            "WHERE next_activity IS NOT NULL GROUP BY ALL"
        )
    }
    nodes = {n.id: n for n in model.flow_nodes()}
    direct = [f for f in model.process().flows if isinstance(nodes[f.source], Task) and isinstance(nodes[f.target], Task)]
    assert direct
    for f in direct:
        assert flow_frequency(f) == successions[(nodes[f.source].name, nodes[f.target].name)]
    assert sum(flow_frequency(f) is not None for f in model.process().flows) > len(direct)  # through gateways too


def test_annotations_survive_write_and_read_and_are_not_doubled(helpdesk) -> None:  # type: ignore[no-untyped-def]
    log, model = helpdesk
    again = read_bpmn(write_bpmn(model))
    assert again == model
    twice = annotate_bpmn(model, activities=activity_statistics(log), dfg=discover_dfg(log))
    first = model.process().node("Activity_2")
    assert twice.process().node("Activity_2").extensions == first.extensions
    assert [ns for ns in twice.namespaces if ns[0] == "crmflow"] == [ns for ns in model.namespaces if ns[0] == "crmflow"]


def test_findings_flag_their_task_with_a_note_in_both_languages() -> None:
    log = make_log(
        [
            ("c1", "A", "2024-01-01 10:00", "ann"),
            ("c1", "B", "2024-01-03 14:00", "bob"),
            ("c2", "A", "2024-01-02 10:00", "ann"),
            ("c2", "B", "2024-01-02 11:00", "bob"),
            ("c2", "B", "2024-01-02 12:00", "bob"),
        ]
    )
    model = tree_to_bpmn(T.sequence(T.leaf("A"), T.loop(T.leaf("B"), T.tau())), process_name="P")
    slow = Finding(
        kind="bottleneck",
        key="A -> B",
        title="",
        severity="high",
        metrics={"level": "transition", "source": "A", "target": "B", "median_wait_s": 187200.0},
    )
    again = Finding(kind="rework", key="B", title="", severity="medium", metrics={"type": "repeat", "activity": "B", "cases": 1})
    minor = Finding(kind="rework", key="A", title="", severity="low", metrics={"type": "repeat", "activity": "A", "cases": 1})
    stats = activity_statistics(log)
    notes = {}
    for lang in ("en", "ru"):
        d = annotate_bpmn(model, activities=stats, dfg=discover_dfg(log), findings=[slow, again, minor.to_dict()], lang=lang)
        b = next(n for n in d.flow_nodes() if getattr(n, "name", "") == "B")
        a = next(n for n in d.flow_nodes() if getattr(n, "name", "") == "A")
        assert task_annotation(b).findings == (("bottleneck", "high"), ("rework", "medium"))
        assert not task_annotation(a).flagged  # low severity is left out by default
        (note,) = d.process().text_annotations
        assert any(x.source == b.id and x.target == note.id for x in d.process().associations)
        notes[lang] = note.text.replace("\xa0", " ")  # the no-break spaces inside a duration
    # plural forms by the language's rules (issue 17: "1 cases", "в 1 случаях" were wrong)
    assert notes["en"] == "⚠ Bottleneck: median wait 2.2 calendar days\n⚠ Rework: repeated in 1 case"
    assert notes["ru"] == "⚠ Узкое место: медиана ожидания 2,2 календарного дня\n⚠ Переделка: повторяется в 1 случае"
    everything = annotate_bpmn(model, activities=stats, findings=[minor], min_severity="low")
    assert task_annotation(next(n for n in everything.flow_nodes() if getattr(n, "name", "") == "A")).flagged
    with pytest.raises(BpmnError, match="min_severity"):
        annotate_bpmn(model, activities=stats, min_severity="urgent")


def test_svg_shows_frequencies_and_flags(helpdesk) -> None:  # type: ignore[no-untyped-def]
    _log, model = helpdesk
    svg = render_svg(model)
    flagged = [n for n in model.flow_nodes() if task_annotation(n).flagged]
    assert flagged
    for node in flagged:
        assert f'class="task flagged" data-element="{node.id}"' in svg
    assert svg.count('class="frequency"') >= sum(1 for n in model.flow_nodes() if isinstance(n, Task))


@pytest.fixture(scope="module")
def bitrix_audit(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = generate_bitrix_demo(tmp_path_factory.mktemp("bitrix"))
    result = crmflow.audit(data.csv_path, rules=data.rules_path, lang="ru")
    return data, result


def test_demo_audit_flags_the_planted_bottleneck_stage(bitrix_audit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, result = bitrix_audit
    model = read_bpmn(result.data["bpmn"]["xml"].encode("utf-8"))
    worst = [n.name for n in model.flow_nodes() if ("bottleneck", "high") in task_annotation(n).findings]
    assert worst == [data.planted["bottleneck"]["to"]]
    texts = [t.text for t in model.process().text_annotations]
    assert any(t.startswith("⚠ Узкое место: медиана ожидания") for t in texts)
    result.write(tmp_path, lang="ru")
    assert read_bpmn(tmp_path / "asis.bpmn") == model
    assert 'class="task flagged"' in result.data["bpmn"]["svg"]


def test_demo_bpmn_shows_every_lost_deal_and_return_the_model_leaves_out(bitrix_audit) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: the As-Is BPMN drew one way into «Сделка проиграна» of the six the log has."""
    _data, result = bitrix_audit
    model = read_bpmn(result.data["bpmn"]["xml"].encode("utf-8"))
    process = model.process()
    lost = next(n for n in process.nodes if isinstance(n, Task) and n.name == "Сделка проиграна")
    link = next(a for a in process.associations if a.source == lost.id)
    note = next(t.text for t in process.text_annotations if t.id == link.target)
    assert "Также переходят сюда" in note
    listed = dict(
        (line.rsplit(" — ", 1)[0], int(line.rsplit(" — ", 1)[1].replace("\xa0", "").replace(" ", "")))
        for line in note.splitlines()
        if " — " in line
    )
    dfg = {(e.source, e.target): e.count for e in result.dfg}
    assert listed and all(dfg[(source, "Сделка проиграна")] == count for source, count in listed.items())
    assert {"Квалификация", "Первый контакт", "Новая заявка"} <= set(listed)
    # what the note leaves to "прочие" plus what it lists plus the drawn way in make every move into the stage
    others = next((line for line in note.splitlines() if line.startswith("прочие:")), "прочие: 0")
    rest = int(others.split(":")[1].replace("\xa0", "").replace(" ", ""))
    into = sum(c for (_s, d), c in dfg.items() if d == "Сделка проиграна")
    assert sum(listed.values()) + rest < into  # some moves come in by a drawn flow
    assert f">Квалификация — {listed['Квалификация']}</tspan>" in result.data["bpmn"]["svg"]  # drawn in the note


def test_the_undrawn_moves_are_recorded_on_the_task_and_reworded_from_there(bitrix_audit) -> None:  # type: ignore[no-untyped-def]
    """The "also moves here" note is written from ``<crmflow:arrival>`` extensions, not parsed back from its text."""
    _data, result = bitrix_audit
    model = read_bpmn(result.data["bpmn"]["xml"].encode("utf-8"))
    process = model.process()
    lost = next(n for n in process.nodes if isinstance(n, Task) and n.name == "Сделка проиграна")
    recorded = [x for x in lost.extensions if "arrival" in x and "source=" in x]
    dfg = {(e.source, e.target): e.count for e in result.dfg}
    assert recorded and all(
        f'count="{dfg[(src, "Сделка проиграна")]}"' in x for x in recorded for src in [x.split('source="')[1].split('"')[0]]
    )
    # an English pack of the Russian audit: the note is made anew in English from the extensions, even when its
    # text was edited (nothing is read back from it)
    note_id = next(a.target for a in process.associations if a.source == lost.id)
    edited = replace(
        model,
        processes=(
            replace(
                process,
                text_annotations=tuple(
                    replace(t, text="↪ garbage — 1") if t.id == note_id else t for t in process.text_annotations
                ),
            ),
        ),
    )
    english = reword_notes(edited, result.findings, lang="en").process()
    note = next(t.text for t in english.text_annotations if t.id == note_id)
    assert "Also moves here" in note and "garbage" not in note and "Также" not in note
    moves = [(x.split('source="')[1].split('"')[0], int(x.split('count="')[1].split('"')[0])) for x in recorded]
    assert all(f"{src} — {n:,}" in note for src, n in moves[:4])  # the four largest, English digits
