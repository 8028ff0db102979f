"""BPMN task labels wrap at word boundaries, and a word breaks only at a hyphenation point.

Regression for issue 17: "Зарегистрирова|ть" in the PNG/PDF of the As-Is BPMN (textwrap broke
long words at the line width).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from crmflow.asis import asis_model
from crmflow.base.text import fit_lines, hyphen_points, text_width, wrap_words
from crmflow.bpmn.render import render_svg
from crmflow.demo.bitrix import generate_bitrix_demo
from crmflow.sources.reader import read_log
from tests.conftest import real

SVG = "{http://www.w3.org/2000/svg}"
RUSSIAN = [
    "Зарегистрировать обращение",
    "Коммерческое предложение",
    "Согласование коммерческого предложения с руководителем",
    "Переквалификация",
    "Сделка проиграна",
    "Высокоприоритетный",
    "Счёт-фактура выставлена",
]


def assert_breaks_only_at_words_or_hyphens(text: str, lines: list[str]) -> None:
    """Joining the lines gives the text back; every break inside a word is a hyphenation point."""
    words = text.split()
    rebuilt: list[str] = []
    carry = ""
    for line in lines:
        parts = line.split()
        if carry:
            parts[0] = carry + parts[0]
            carry = ""
        if line.endswith("-"):
            stem = parts.pop()
            word = next((w for w in words if w.startswith(stem[:-1]) and w != stem), None)
            if word is not None and not word.startswith(stem):  # a hyphen we added, not the word's own
                assert len(stem) - 1 in hyphen_points(word), f"{word!r} broken at {len(stem) - 1} ({lines})"
                carry = stem[:-1]
            else:
                carry = stem
        rebuilt += parts
    if carry:
        rebuilt.append(carry)
    assert rebuilt == words, f"{text!r} → {lines}"


@pytest.mark.parametrize("width", range(6, 25))
def test_russian_names_break_at_words_or_hyphenation_points(width):
    for name in RUSSIAN:
        lines = wrap_words(name, width)
        assert_breaks_only_at_words_or_hyphens(name, lines)
        assert all(len(line) <= width for line in lines)


def test_the_issue_example_is_hyphenated_not_cut():
    lines = wrap_words("Зарегистрировать", 14)
    assert lines == ["Зарегистриро-", "вать"]  # "Зарегистрирова|ть" (the issue) is not a hyphenation point
    assert 14 not in hyphen_points("Зарегистрировать")


def test_lines_measured_in_pixels_fit_and_long_names_end_with_an_ellipsis():
    measure = lambda s: text_width(s, 12)  # noqa: E731
    lines = fit_lines("Согласование коммерческого предложения с руководителем", 90, 3, measure=measure)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(measure(line) <= 90 for line in lines)


def _task_labels(svg: str) -> list[tuple[str, list[str], float]]:
    root = etree.fromstring(svg.encode("utf-8"))
    out = []
    for g in root.iter(f"{SVG}g"):
        if "task" not in (g.get("class") or "") or g.find(f"{SVG}rect") is None:
            continue
        title = g.findtext(f"{SVG}title") or ""
        texts = [t for t in g.iter(f"{SVG}text") if t.get("class") != "frequency" and t.find(f"{SVG}tspan") is not None]
        if not texts:
            continue
        lines = [ts.text or "" for ts in texts[-1].iter(f"{SVG}tspan")]
        out.append((title, lines, float(g.find(f"{SVG}rect").get("width"))))
    return out


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    demo = generate_bitrix_demo(tmp_path_factory.mktemp("demo"), n_deals=400, seed=7)
    return {
        "demo": asis_model(read_log(demo.csv_path)),
        "helpdesk": asis_model(read_log(real("helpdesk.xes.gz"))),
        "bpic2012": asis_model(read_log(real("bpic2012.xes.gz"))),
    }


@pytest.mark.parametrize("name", ["demo", "helpdesk", "bpic2012"])
def test_bpmn_task_labels_break_only_at_words_or_hyphenation_points(models, name):
    labels = _task_labels(render_svg(models[name]))
    assert labels
    for title, lines, width in labels:
        name_text = re.sub(r"\s+", " ", title.split(" · ")[0]).strip()
        if lines[-1].endswith("…"):  # cut with an ellipsis: the shown lines are a prefix of the name
            lines = lines[:-1]
        else:
            assert_breaks_only_at_words_or_hyphens(name_text, lines)
        size = 11.0 if any(len(x) for x in lines) else 12.0
        for line in lines:
            assert text_width(line, size) <= width - 10 + 0.5 or text_width(line, 12) <= width - 10 + 0.5


def test_tobe_labels_overlap_no_other_label():
    """Issue 17: in the demo's To-Be an end event's label ("Эскалация: …") covered a gateway's label."""
    from importlib.resources import files

    from crmflow.deliverables.tobe_bpmn import compile_definitions
    from crmflow.design.loader import load_tobe

    for example in ("incoming_lead",):
        tobe = load_tobe(Path(str(files("crmflow.design") / "examples" / f"{example}.yaml")))
        for lang in ("ru", "en"):
            plane = compile_definitions(tobe, lang=lang).definitions.diagrams[0].plane
            labels = [s.label for s in plane.shapes if s.label is not None] + [
                e.label for e in plane.edges if e.label is not None
            ]
            for i, a in enumerate(labels):
                for b in labels[i + 1 :]:
                    overlap = a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height
                    assert not overlap, f"{example} ({lang}): labels at {a} and {b} overlap"
