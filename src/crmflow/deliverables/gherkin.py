"""Gherkin feature files (Russian or English keywords) from the UAT scenarios.

>>> KEYWORDS["ru"]["feature"], KEYWORDS["ru"]["given"], KEYWORDS["en"]["and"]
('Функция', 'Дано', 'And')
"""

from __future__ import annotations

import re

from crmflow.deliverables.uat import Scenario, UatSuite
from crmflow.design.model import Process, ToBeDefinition

#: Gherkin keywords per language (Cucumber's ``ru`` and ``en`` dialects).
KEYWORDS: dict[str, dict[str, str]] = {
    "ru": {"feature": "Функция", "scenario": "Сценарий", "given": "Дано", "when": "Когда", "then": "Тогда", "and": "И"},
    "en": {"feature": "Feature", "scenario": "Scenario", "given": "Given", "when": "When", "then": "Then", "and": "And"},
}


def one_line(value: str) -> str:
    """Text safe on one Gherkin line: no line breaks, no leading ``#``/``@``/``|`` that Gherkin would parse."""
    flat = " ".join(value.split())
    return ("\\" + flat) if flat[:1] in ("#", "@", "|") else flat


#: Keywords that open a block when a line starts with ``keyword:`` (Cucumber's ``ru`` and ``en`` dialects).
BLOCK_KEYWORDS = frozenset(
    {
        "Функция",
        "Функционал",
        "Функциональность",
        "Свойство",
        "Предыстория",
        "Контекст",
        "Сценарий",
        "Пример",
        "Структура сценария",
        "Шаблон сценария",
        "Примеры",
        "Правило",
        "Feature",
        "Business Need",
        "Ability",
        "Background",
        "Scenario",
        "Example",
        "Scenario Outline",
        "Scenario Template",
        "Examples",
        "Scenarios",
        "Rule",
    }
)


def description_line(value: str) -> str:
    """A free-text line under ``Feature:``: as :func:`one_line`, and a leading ``Scenario:``-like keyword
    (which Gherkin would read as a new block) is escaped.

    >>> print(description_line("Scenario: approve everything"))
    \\Scenario: approve everything
    """
    flat = one_line(value)
    head = flat.split(":", 1)[0].strip() if ":" in flat else ""
    return ("\\" + flat) if head in BLOCK_KEYWORDS else flat


def tag(value: str) -> str:
    """A Gherkin tag: no spaces or ``@``."""
    return "@" + re.sub(r"[^\w.\-:/>]+", "_", value)


def scenario_text(scenario: Scenario, lang: str) -> list[str]:
    kw = KEYWORDS[lang]
    lines = [
        "  " + " ".join([tag(scenario.kind), tag(scenario.id), *(tag(c) for c in scenario.covers)]),
        f"  {kw['scenario']}: {one_line(scenario.name)}",
    ]
    previous = ""
    for word, body in scenario.steps:
        keyword = kw["and"] if word == previous else kw[word]
        previous = word
        lines.append(f"    {keyword} {one_line(body)}")
    return lines


def feature_text(tobe: ToBeDefinition, process: Process, suite: UatSuite, *, lang: str) -> str:
    """The ``.feature`` file of one process (``# language:`` header, one scenario per path/escalation/rule)."""
    kw = KEYWORDS[lang]
    lines = [f"# language: {lang}", f"{kw['feature']}: {one_line(process.name.get(lang))}"]
    if process.description:
        lines.append("  " + description_line(process.description.get(lang)))
    for scenario in suite.scenarios:
        if scenario.process == process.id:
            lines.append("")
            lines += scenario_text(scenario, lang)
    return "\n".join(lines) + "\n"


def parse_feature(text: str) -> dict[str, object]:
    """A minimal reader for checking generated files: language, feature name, scenarios and their steps.

    Raises ``ValueError`` on a line that is not a comment, tag, keyword line or description.
    """
    lang = "en"
    m = re.match(r"#\s*language:\s*(\w+)", text)
    if m:
        lang = m.group(1)
    kw = KEYWORDS[lang]
    step_words = {kw[w] for w in ("given", "when", "then", "and")}
    feature = ""
    scenarios: list[dict[str, object]] = []
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("@"):
            continue
        if line.startswith(kw["feature"] + ":"):
            feature = line.split(":", 1)[1].strip()
        elif line.startswith(kw["scenario"] + ":"):
            scenarios.append({"name": line.split(":", 1)[1].strip(), "steps": []})
        elif line.split(" ", 1)[0] in step_words and scenarios:
            scenarios[-1]["steps"].append(line)  # type: ignore[attr-defined]
        elif not scenarios:
            continue  # feature description
        else:
            raise ValueError(f"line {no}: not a Gherkin step: {raw!r}")
    return {"language": lang, "feature": feature, "scenarios": scenarios}


__all__ = ["BLOCK_KEYWORDS", "KEYWORDS", "description_line", "feature_text", "one_line", "parse_feature", "scenario_text", "tag"]
