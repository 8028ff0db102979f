"""Findings worded from their typed metrics: the same words as the detectors, in either language."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmflow.findings.kinds import FINDING_KINDS
from crmflow.findings.wording import WORDINGS, finding_description, finding_title
from crmflow.results.audit import AuditDocument


def test_every_kind_has_a_wording() -> None:
    assert set(WORDINGS) == set(FINDING_KINDS)


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AuditDocument]:
    from crmflow.asis import audit
    from crmflow.demo.bitrix import generate_bitrix_demo

    root = tmp_path_factory.mktemp("wording")
    data = generate_bitrix_demo(root / "data", n_deals=300, seed=11)
    out = {}
    for lang in ("ru", "en"):
        audit(data.csv_path, rules=data.rules_path, lang=lang).write(root / lang, lang=lang)
        out[lang] = AuditDocument.from_json(Path(root / lang))
    return out


def test_rewording_audit_json_gives_the_detectors_words(audits: dict[str, AuditDocument]) -> None:
    """Read back from audit.json, every finding is worded exactly as the detector wrote it, in both languages,
    and the other language's audit gives the same words for the same finding."""
    for lang, doc in audits.items():
        assert {f.kind for f in doc.findings} >= {"bottleneck", "sla_violation", "rework", "workload_concentration"}
        for f in doc.findings:
            assert finding_title(f, lang) == f.title
            assert finding_description(f, lang) == f.description
    ru, en = audits["ru"].findings, audits["en"].findings
    assert [f.key for f in ru] == [f.key for f in en]
    for f_ru, f_en in zip(ru, en, strict=True):
        assert finding_title(f_en, "ru") == f_ru.title and finding_title(f_ru, "en") == f_en.title
