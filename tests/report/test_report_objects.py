"""The report's CRM-objects section, the As-Is BPMN legend and the table of contents for optional sections."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import lxml.html
import pytest

from crmflow.report.html import render_report

SAMPLE = Path(__file__).with_name("sample_audit.json")
EVIL = "<script>alert(1)</script>"

OBJECTS = {
    "object_type": "deal",
    "role": "deal.owner",
    "segment": "source",
    "objects": 1200,
    "cases": 1000,
    "without_events": 200,
    "stages": ["New", "Qualified", "Won"],
    "reached": [1000, 600, 150],
    "segments": [
        {
            "value": "web",
            "objects": 800,
            "cases": 700,
            "without_events": 100,
            "reached": [700, 450, 120],
            "conversion": 0.15,
            "other": False,
        },
        {
            "value": EVIL,
            "objects": 300,
            "cases": 250,
            "without_events": 50,
            "reached": [250, 120, 25],
            "conversion": 25 / 300,
            "other": False,
        },
        {
            "value": "",
            "objects": 100,
            "cases": 50,
            "without_events": 50,
            "reached": [50, 30, 5],
            "conversion": 0.05,
            "other": True,
        },
    ],
    "segments_total": 60,
    "references": [
        {
            "object_type": "deal",
            "column": "contact_id",
            "target_type": "contact",
            "relations": 1150,
            "orphans": 50,
            "orphan_sample": ["C-404", EVIL],
        },
    ],
}
QUALITY = {
    "entities": [
        {
            "name": "contact",
            "records": 10,
            "failing_records": 2,
            "overall": 0.8,
            "dimensions": {"validity": 0.9, "completeness": 0.8, "uniqueness": 1.0, "consistency": 0.7},
        }
    ],
    "primary": {"name": "contact", "invalid": {"phone": 2}, "missing": 1, "duplicate_clusters": 1},
    "consistency": {"matrix_violations": 0, "reference_orphans": 0, "sequence_violating_cases": 0},
    "reconciliation": [],
}


@pytest.fixture(scope="module")
def audit() -> dict:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["objects"] = OBJECTS
    data["quality"] = QUALITY
    data["bpmn"] = {"svg": '<svg xmlns="http://www.w3.org/2000/svg"></svg>', "noise_threshold": 0.2, "lanes": ["Sales"]}
    return data


def _tree(audit: dict, lang: str):
    return lxml.html.fromstring(render_report(audit, lang=lang))


def _rows(tree, table_class: str) -> list[list[str]]:
    return [
        [c.text_content().replace("\xa0", " ").strip() for c in tr.xpath("./td")]
        for tr in tree.xpath(f'//table[contains(@class, "{table_class}")]/tbody/tr')
    ]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_objects_section_with_reach_segments_and_orphans(audit, lang):
    tree = _tree(audit, lang)
    (section,) = tree.xpath('//section[@id="objects"]')
    intro = section.xpath("./p")[0].text_content().replace("\xa0", " ")
    assert ("1 200" if lang == "ru" else "1,200") in intro and "200" in intro
    assert ("16,7 %" if lang == "ru" else "16.7%") in intro, "share of objects without events"
    assert "deal.owner" in section.text_content()
    assert _rows(tree, "objects-reach") == [
        ["New", "1 000" if lang == "ru" else "1,000", "83,3 %" if lang == "ru" else "83.3%"],
        ["Qualified", "600", "50 %" if lang == "ru" else "50%"],
        ["Won", "150", "12,5 %" if lang == "ru" else "12.5%"],
    ]
    segs = _rows(tree, "objects-segments")
    assert [r[0] for r in segs] == ["web", EVIL, "прочие значения" if lang == "ru" else "other values"]
    assert segs[0][1:] == ["800", "700", "100", "700", "450", "120", "15 %" if lang == "ru" else "15%"]
    (ref,) = _rows(tree, "objects-references")
    assert ref[0] == "deal.contact_id → contact" and ref[2] == "50" and "C-404" in ref[3]
    assert tree.xpath('//nav//a[@href="#objects"]') and tree.xpath('//nav//a[@href="#quality"]')
    links = [a.get("href") for a in tree.xpath("//nav//a")]
    assert links.index("#quarantine") < links.index("#objects") < links.index("#quality") < links.index("#warnings")


def test_crm_values_in_the_objects_section_are_escaped(audit):
    page = render_report(audit, lang="en")
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_without_objects_or_quality_there_is_no_section_and_no_contents_entry(audit):
    bare = copy.deepcopy(audit)
    del bare["objects"], bare["quality"]
    tree = _tree(bare, "en")
    assert not tree.xpath('//section[@id="objects"]') and not tree.xpath('//nav//a[@href="#objects"]')
    assert not tree.xpath('//section[@id="quality"]') and not tree.xpath('//nav//a[@href="#quality"]')
    assert tree.xpath('//nav//a[@href="#warnings"]')


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["n = the number of events", "red border", "orange", "bottleneck", "rework"]),
        ("ru", ["n — число событий", "красной рамкой", "оранжевой", "узкое место", "переделка"]),
    ],
)
def test_bpmn_section_explains_the_annotations(audit, lang, words):
    (legend,) = _tree(audit, lang).xpath('//section[@id="bpmn"]/p[@class="legend"]')
    text = legend.text_content()
    for word in words:
        assert word in text
