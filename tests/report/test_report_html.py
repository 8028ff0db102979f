"""The self-contained HTML report, rendered from the sample audit in both languages."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import lxml.html
import pytest

from crmflow.errors import CrmflowError
from crmflow.report.html import render_report, write_report
from crmflow.results.audit import AuditDocument

SAMPLE = Path(__file__).with_name("sample_audit.json")
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "crmflow" / "report" / "templates"
SECTIONS = [
    "summary",
    "map",
    "variants",
    "findings",
    "sla",
    "funnel",
    "handover",
    "activities",
    "resources",
    "durations",
    "quarantine",
    "warnings",
]
HOSTILE = ["<script>alert(1)</script>", '"onload="x', "&amp;", "]]>", "<img src=x onerror=alert(1)>"]


@pytest.fixture(scope="module")
def audit() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(audit) -> dict[str, str]:
    return {lang: render_report(audit, lang=lang) for lang in ("ru", "en")}


def doc(page: str):
    return lxml.html.fromstring(page)


def kpi(tree, key: str) -> str:
    return tree.xpath(f'//div[@data-kpi="{key}"]/div[@class="kpi-value"]')[0].text_content().replace("\xa0", " ")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_section_is_present(pages, lang):
    tree = doc(pages[lang])
    assert tree.get("lang") == lang
    for section in SECTIONS:
        assert tree.xpath(f'//section[@id="{section}"]/h2'), section
        assert tree.xpath(f'//nav//a[@href="#{section}"]'), section


def test_kpis_in_russian(pages, audit):
    tree = doc(pages["ru"])
    assert kpi(tree, "cases") == "480"
    assert kpi(tree, "events") == "3 642"
    assert kpi(tree, "activities") == "12"
    assert kpi(tree, "variants") == str(audit["log"]["variants"])
    assert kpi(tree, "rows_read") == "3 649"
    assert kpi(tree, "quarantined") == "7"
    assert re.fullmatch(r"\d+ календарн(ый день|ых дня|ых дней)( \d+ ч)?", kpi(tree, "median_duration"))
    rules = AuditDocument.from_json(audit).sla
    assert len(rules) >= 2 and not tree.xpath('//div[@data-kpi="sla_compliance"]')  # never pooled into one tile
    for rule in rules:  # one tile per SLA, named, with its time basis
        assert rule.compliance is not None
        assert kpi(tree, f"sla_compliance:{rule.name}") == f"{rule.compliance * 100:.1f} %".replace(".", ",")
        label = tree.xpath(f'//div[@data-kpi="sla_compliance:{rule.name}"]/div[@class="kpi-label"]')[0].text_content()
        basis = "рабочее время" if rule.time == "working" else "календарное время"
        assert label == f"SLA «{rule.name}» соблюдено ({basis})"
    assert "Аудит процесса" in tree.xpath("//h1")[0].text_content()
    assert "deals_2024H1.csv" in tree.xpath("//header")[0].text_content()


def test_kpis_in_english(pages, audit):
    tree = doc(pages["en"])
    assert kpi(tree, "events") == "3,642"
    assert re.fullmatch(r"\d+ calendar days?( \d+h)?", kpi(tree, "median_duration"))
    first = AuditDocument.from_json(audit).sla[0].name
    assert kpi(tree, f"sla_compliance:{first}").endswith("%") and "," not in kpi(tree, f"sla_compliance:{first}")
    assert "Process audit" in tree.xpath("//h1")[0].text_content()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_process_map_has_both_views(pages, lang):
    tree = doc(pages[lang])
    panels = tree.xpath('//section[@id="map"]//figure[@data-view]')
    assert [p.get("data-view") for p in panels] == ["frequency", "performance"]
    for panel in panels:
        # one drawing per activity level; the default one is shown, the others wait for the slider
        shown = panel.xpath(".//div[contains(@class, 'pm-level')][not(@hidden)]")
        assert len(shown) == 1 and len(shown[0].xpath(".//svg")) == 1 and shown[0].xpath(".//svg//g[@class='node']")
        assert len(panel.xpath(".//svg")) == len(panel.xpath(".//div[contains(@class, 'pm-level')]")) > 1
        caption = panel.xpath(".//figcaption")[0].text_content()
        assert ("12 из 12" in caption) if lang == "ru" else ("12 of 12" in caption)
    assert len(tree.xpath('//input[@name="map-view"]')) == 2


def test_variants_findings_sla_funnel(pages, audit):
    tree = doc(pages["ru"])
    rows = tree.xpath('//section[@id="variants"]//tbody/tr')
    assert len(rows) == 20
    first = rows[0].xpath("./td")
    top = audit["variants"][0]
    assert first[1].text_content() == str(top["count"])
    assert [c.text_content() for c in rows[0].xpath('.//span[starts-with(@class, "chip ")]')] == top["activities"]
    assert len(tree.xpath('//section[@id="findings"]//article')) == len(audit["findings"])
    groups = tree.xpath('//section[@id="findings"]//div[@data-kind]')
    assert groups[0].get("data-kind") == "bottleneck"
    assert tree.xpath('//article[contains(@class, "sev-high")]//span[contains(@class, "badge-high")]')
    assert tree.xpath('//article//details[@class="evidence"]//code[@class="case-id"]')
    sla_rows = tree.xpath('//section[@id="sla"]//table/tbody/tr')
    assert len(sla_rows) == len(audit["sla"])
    assert len(tree.xpath('//section[@id="sla"]//svg[contains(@class, "histogram")]')) == len(audit["sla"])
    assert tree.xpath('//section[@id="funnel"]//svg[contains(@class, "funnel")]')
    assert tree.xpath('//section[@id="handover"]//svg[contains(@class, "heatmap")]')
    quarantine = tree.xpath('//section[@id="quarantine"]')[0].text_content()
    assert "31.02.2024 10:00" in quarantine and "unparseable_timestamp" in quarantine


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_external_resources_or_scripts(pages, lang):
    page = pages[lang]
    tree = doc(page)
    assert not tree.xpath("//link | //iframe | //img | //object | //embed")
    only_own_scripts(tree)
    without_ns = re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", page)
    assert "http://" not in without_ns and "https://" not in without_ns
    assert not [a for el in tree.iter() if isinstance(el.tag, str) for a in el.attrib if a.lower().startswith("on")]


def only_own_scripts(tree) -> None:
    """The page's only scripts are crmflow's own, inline (the map's sliders, the BPMN's zoom), and the
    sliders' numbers as JSON: nothing loaded from elsewhere, nothing taken from the data."""
    own = {(TEMPLATES / name).read_text(encoding="utf-8").strip() for name in ("report_map.js", "report_bpmn.js")}
    for script in tree.xpath("//script"):
        assert script.get("src") is None
        if script.get("type") == "application/json":
            assert script.get("id") == "pm-data"
            data = json.loads(script.text)
            assert set(data) == {"levels", "default"}
        else:
            assert (script.text or "").strip() in own


def poisoned(audit: dict) -> dict:
    """The sample with hostile strings in every place that comes from the data."""
    bad = copy.deepcopy(audit)
    evil = {name: HOSTILE[i % len(HOSTILE)] + f" {i}" for i, name in enumerate(a["activity"] for a in bad["activities"])}
    rename = lambda n: evil.get(n, n)  # noqa: E731
    for edge in bad["dfg"]:
        edge["source"], edge["target"] = rename(edge["source"]), rename(edge["target"])
    bad["start_activities"] = {rename(k): v for k, v in bad["start_activities"].items()}
    bad["end_activities"] = {rename(k): v for k, v in bad["end_activities"].items()}
    for a in bad["activities"]:
        a["activity"] = rename(a["activity"])
    for v in bad["variants"]:
        v["activities"] = [rename(a) for a in v["activities"]]
        v["example_case_id"] = HOSTILE[0]
    for r in bad["resources"]:
        r["resource"] = HOSTILE[1] + r["resource"]
    for level in bad["handover"].values():
        for p in level:
            p["source"] = HOSTILE[4] + p["source"]
    for f in bad["findings"]:
        f["title"] = HOSTILE[0] + f["title"]
        f["description"] = HOSTILE[1]
        f["metrics"][HOSTILE[4]] = HOSTILE[0]
        f["evidence"]["case_ids"] = [HOSTILE[3], HOSTILE[0]] + f["evidence"]["case_ids"][:3]
        f["evidence"]["rows"] = [{HOSTILE[2]: HOSTILE[1], "idle_s": 3600}]
    bad["sla"][0]["name"] = HOSTILE[0]
    bad["funnel"]["stages"][1]["stage"] = HOSTILE[4]
    bad["input"]["sources"][0]["source"] = HOSTILE[0] + ".csv"
    bad["input"]["sources"][0]["mapping"]["case_id"] = HOSTILE[1]
    bad["quarantine"]["sample"][0]["value"] = HOSTILE[3] + HOSTILE[0]
    bad["warnings"].append(HOSTILE[4])
    return bad


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_hostile_strings_are_shown_escaped_never_run(audit, lang):
    page = render_report(poisoned(audit), lang=lang)
    tree = doc(page)
    assert not tree.xpath("//img")
    only_own_scripts(tree)
    assert not any(text in script.text for script in tree.xpath("//script") for text in HOSTILE)
    assert not [a for el in tree.iter() if isinstance(el.tag, str) for a in el.attrib if a.lower().startswith("on")]
    assert HOSTILE[0] not in page and "<img" not in page  # the page's own <script> tags are checked above
    body = tree.text_content()
    for text in HOSTILE:
        assert text in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the process maps still render with the hostile activity names (the default level of each view)
    assert len(tree.xpath('//section[@id="map"]//div[contains(@class, "pm-level")][not(@hidden)]//svg')) == 2


def test_missing_graphviz_falls_back_to_a_notice_and_the_transition_table(audit, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    tree = doc(render_report(audit, lang="en"))
    notice = tree.xpath('//section[@id="map"]//div[@class="notice"]')[0].text_content()
    assert "apt-get install graphviz" in notice and "brew install graphviz" in notice
    rows = tree.xpath('//section[@id="map"]//table[contains(@class, "dfg")]/tbody/tr')
    assert len(rows) == min(30, len(audit["dfg"]))
    assert not tree.xpath('//section[@id="map"]//svg')


def test_minimal_audit_renders_with_empty_sections():
    tree = doc(render_report({"log": {"cases": 0, "events": 0}, "funnel": None}, lang="ru"))
    for section in SECTIONS:
        assert tree.xpath(f'//section[@id="{section}"]')
    assert "Этапы воронки не заданы" in tree.xpath('//section[@id="funnel"]')[0].text_content()
    assert "Правила SLA не заданы" in tree.xpath('//section[@id="sla"]')[0].text_content()


def test_write_report(tmp_path, audit):
    out = write_report(audit, tmp_path / "report.html", lang="ru")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_unknown_language_is_refused(audit):
    with pytest.raises(CrmflowError, match="unknown language"):
        render_report(audit, lang="de")
