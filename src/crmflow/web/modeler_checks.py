"""The modeler's checks of a saved To-Be BPMN: lint, soundness and the To-Be checks, each problem on its elements.

:func:`check_model` reads the XML (no external entities), runs :func:`crmflow.bpmn.lint.lint` (which
runs the soundness check of every process too) and the To-Be checks. For a model compiled by crmflow
(it carries ``<crmflow:tobe>``) the To-Be data is recovered from the extension elements
(:func:`crmflow.design.from_bpmn.recovered_data`) and checked here problem by problem — the schema
(:func:`crmflow.design.loader.schema_problems`) and then the semantic checks
(:func:`crmflow.design.checks.check_definition`) — so a problem whose YAML path goes into a flow node
(``processes[0].flow[4].raci.R``: an unknown role) names that node's element and the page marks it
there; a problem of the model as a whole (a KPI, the roles) names none. A drawn model is derived by
:func:`crmflow.design.from_bpmn.derive_tobe`, whose warnings name their element.

>>> check_model(b"<not-bpmn").ok
False
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree

from crmflow.errors import BpmnError, ToBeError


@dataclass(frozen=True)
class ModelProblem:
    """One problem of the edited model: where (element ids), what, and the fix in the user's language."""

    severity: str
    code: str
    elements: tuple[str, ...]
    message: str
    source: str  # "bpmn" (reading), "lint", "soundness", "tobe"


@dataclass(frozen=True)
class ModelCheck:
    """The result of checking a saved model."""

    problems: tuple[ModelProblem, ...]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the API."""
        return {"ok": self.ok, "problems": [asdict(p) for p in self.problems]}


def element_of(data: dict[str, Any], path: tuple[str | int, ...]) -> str | None:
    """The element a YAML path of recovered To-Be data is about: the flow node, else the process.

    >>> data = {"processes": [{"id": "p", "flow": [{"id": "a"}, {"id": "b"}]}]}
    >>> element_of(data, ("processes", 0, "flow", 1, "raci", "R")), element_of(data, ("processes", 0, "name"))
    ('b', 'p')
    >>> element_of(data, ("kpis", 0)) is None
    True
    """
    if len(path) < 2 or path[0] != "processes" or not isinstance(path[1], int):
        return None
    try:
        process = data["processes"][path[1]]
        if len(path) >= 4 and path[2] == "flow" and isinstance(path[3], int):
            return str(process["flow"][path[3]]["id"])
        return str(process["id"])
    except (IndexError, KeyError, TypeError):
        return None


def _compiled_problems(data: dict[str, Any], ids: set[str], lang: str) -> list[ModelProblem]:
    from crmflow.design.build import build_definition
    from crmflow.design.checks import check_definition
    from crmflow.design.loader import Located, dotted, schema_problems

    def where(path: tuple[str | int, ...], element: str = "") -> tuple[str, ...]:
        found = element_of(data, path) or (element if element in ids else None)
        return (found,) if found else ()

    schema = schema_problems(Located(data, {}))
    if schema:
        return [ModelProblem("error", "schema", where(path), f"`{dotted(path)}`: {msg}", "tobe") for path, msg in schema]
    try:
        definition = build_definition(data)
    except ToBeError as exc:
        return [ModelProblem("error", "tobe", (), str(exc), "tobe")]
    # a compiled model's warnings are its author's (the YAML's); the errors stop compilation
    return [
        ModelProblem("error", p.code, where(p.path, p.element), f"`{dotted(p.path)}`: {p.message(lang)}", "tobe")
        for p in check_definition(definition)
        if p.severity == "error"
    ]


def _tobe_problems(defs: Any, lang: str) -> list[ModelProblem]:
    from crmflow.design.from_bpmn import derive_tobe, recovered_data

    try:
        data = recovered_data(defs)
        if data is not None:
            ids = {p.id for p in defs.processes} | {n.id for p in defs.processes for n in p.nodes}
            return _compiled_problems(data, ids, lang)
        drawn = derive_tobe(defs)
    except ToBeError as exc:
        return [ModelProblem("error", "tobe", (), str(exc), "tobe")]
    return [ModelProblem(w.severity, w.code, (w.element,) if w.element else (), w.message(lang), "tobe") for w in drawn.warnings]


def check_model(xml: bytes, *, lang: str = "en") -> ModelCheck:
    """Read, lint, check soundness and run the To-Be checks of a BPMN document.

    >>> from crmflow.bpmn.writer import write_bpmn
    >>> from crmflow.web.modeler import example_model
    >>> check_model(write_bpmn(example_model())).ok
    True
    """
    from crmflow.bpmn.lint import lint
    from crmflow.bpmn.reader import read_bpmn

    try:
        defs = read_bpmn(xml)
    except (BpmnError, etree.XMLSyntaxError, ValueError) as exc:
        return ModelCheck((ModelProblem("error", "unreadable", (), str(exc), "bpmn"),))
    problems: list[ModelProblem] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    report = lint(defs)
    for p in report.problems:
        seen.add((p.code, p.elements))
        problems.append(ModelProblem(p.severity, p.code, p.elements, p.message(lang), "lint"))
    for s in report.soundness:
        for q in s.problems:
            if (q.code, q.elements) not in seen:
                seen.add((q.code, q.elements))
                problems.append(ModelProblem("error", q.code, q.elements, q.message(lang), "soundness"))
    problems.extend(_tobe_problems(defs, lang))
    return ModelCheck(tuple(problems))


__all__ = ["ModelCheck", "ModelProblem", "check_model", "element_of"]
