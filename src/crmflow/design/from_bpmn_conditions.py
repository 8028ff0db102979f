"""Conditions of a drawn BPMN in the crmflow expression language, or kept as documented decisions.

Modelling tools write sequence-flow conditions in several languages: Camunda/Activiti JUEL
(``${amount > 1000 && vip}``), Camunda 8 FEEL (``= priority = "high"``), Signavio/Bizagi XPath-like or
plain text (``priority = 'high'``). :func:`translate_condition` rewrites the simple ones — comparisons,
``and``/``or``/``not``, field paths, literals — into :mod:`crmflow.design.expressions` and checks them
with its parser. Anything else (method calls, free text such as ``Customer is VIP``) is never
evaluated: it becomes the documented decision ``decision == "<label>"`` and a warning carries the
original text, so a reviewer writes the real rule.

>>> translate_condition("${deal.amount > 1000 && !lead.vip}").expression
'deal.amount > 1000 and not lead.vip'
>>> translate_condition('= ticket.priority = "high"').expression
'ticket.priority == "high"'
>>> c = translate_condition("Customer is VIP?", label="VIP")
>>> c.expression, c.translated
('decision == "VIP"', False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmflow.design.expressions import parse_expression
from crmflow.errors import ExpressionError

#: The field a documented (untranslated) decision is written on.
DECISION_FIELD = "decision"

_JUEL_WORDS = {"eq": "==", "ne": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<=", "&&": " and ", "||": " or "}
_STRING = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


@dataclass(frozen=True)
class Condition:
    """A condition as crmflow writes it; ``translated`` is False for a documented decision."""

    expression: str
    original: str
    translated: bool


def _outside_strings(text: str, rewrite: re.Pattern[str], repl: str) -> str:
    """Apply a substitution to the parts of ``text`` that are not string literals."""
    parts = _STRING.split(text)
    return "".join(p if i % 2 else rewrite.sub(repl, p) for i, p in enumerate(parts))


def _candidates(text: str) -> list[str]:
    source = text.strip()
    out: list[str] = []
    if source.startswith(("${", "#{")) and source.endswith("}"):  # JUEL (Camunda 7, Activiti, Flowable)
        source = source[2:-1].strip()
        for word, op in _JUEL_WORDS.items():
            pattern = re.escape(word) if not word.isalpha() else rf"\b{word}\b"
            source = _outside_strings(source, re.compile(pattern), op)
        source = _outside_strings(source, re.compile(r"!(?!=)"), " not ")
    elif source.startswith("="):  # FEEL as Camunda 8 writes it
        source = source[1:].strip()
    out.append(source)
    # FEEL and XPath compare with a single `=`
    out.append(_outside_strings(source, re.compile(r"(?<![<>!=])=(?!=)"), "=="))
    return [_outside_strings(c, re.compile(r"\s+"), " ").strip() for c in out]


def _label(label: str) -> str:
    return re.sub(r"\s+", " ", label.replace('"', "'").replace("\\", "/")).strip()[:80] or "yes"


def translate_condition(text: str, *, label: str = "") -> Condition:
    """The crmflow form of a drawn condition (``label`` names the branch when it cannot be translated).

    The result is always a valid crmflow expression; when ``translated`` is False it is the
    documented decision ``decision == "<label>"`` and the original text must be reviewed.
    """
    for candidate in _candidates(text):
        if not candidate:
            continue
        try:
            parse_expression(candidate)
        except ExpressionError:
            continue
        return Condition(expression=candidate, original=text, translated=True)
    return decision(label or text, original=text)


def decision(label: str, *, original: str = "") -> Condition:
    """A documented decision ``decision == "<label>"`` for a branch without a usable condition."""
    return Condition(expression=f'{DECISION_FIELD} == "{_label(label)}"', original=original, translated=False)


__all__ = ["DECISION_FIELD", "Condition", "decision", "translate_condition"]
