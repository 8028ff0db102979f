"""The RACI matrix: one row per task, one column per role, checked (exactly one A, at least one R).

>>> from crmflow.design.model import Process, Raci, Role, Step, Text, ToBeDefinition
>>> step = Step(id="call", name=Text.of("Call"), lane="sdr", raci=Raci(responsible=("sdr",), accountable=("sdr", "head")))
>>> tobe = ToBeDefinition(id="x", name=Text.of("X"), roles=(Role(id="sdr", name=Text.of("SDR")),),
...                       processes=(Process(id="p", name=Text.of("P"), flow=(step,)),))
>>> [p.code for p in raci_problems(tobe)]
['raci.accountable_count']
"""

from __future__ import annotations

from dataclasses import dataclass

from crmflow.deliverables.document import Block, Paragraph, Section, Sheet, Table
from crmflow.deliverables.messages import MSG, t
from crmflow.design.checks import raci_problems as step_raci_problems
from crmflow.design.model import Step, ToBeDefinition
from crmflow.errors import PackError
from crmflow.i18n import error

LETTERS = ("R", "A", "C", "I")


@dataclass(frozen=True)
class RaciProblem:
    """A task whose RACI breaks a rule (``code`` as in :mod:`crmflow.design.checks`)."""

    process: str
    step: str
    code: str
    text: dict[str, str]

    @property
    def problem(self) -> str:
        return self.code.split(".", 1)[-1]

    def message(self, lang: str) -> str:
        return self.text.get(lang) or self.text["en"]


def raci_problems(tobe: ToBeDefinition) -> list[RaciProblem]:
    """Every task without exactly one accountable role or without a responsible role.

    The rule itself is the design package's (:func:`crmflow.design.checks.raci_problems`), so the
    loader and the pack agree; this also catches definitions built in code, which skip the loader.
    """
    out: list[RaciProblem] = []
    for i, process in enumerate(tobe.processes):
        for j, node in enumerate(process.flow):
            if isinstance(node, Step):
                for p in step_raci_problems(node, ("processes", i, "flow", j)):
                    out.append(RaciProblem(process.id, node.id, p.code, {"en": p.message("en"), "ru": p.message("ru")}))
    return out


def check_raci(tobe: ToBeDefinition, *, lang: str = "en") -> None:
    """Raise :class:`PackError` listing every RACI problem (the pack is not generated from a broken RACI)."""
    problems = raci_problems(tobe)
    if problems:
        lines = "; ".join(f"{p.process}/{p.step}: {p.message(lang)}" for p in problems)
        raise error(PackError, MSG, "raci.rejected", lang, source=tobe.source or tobe.id, problems=lines)


def raci_roles(tobe: ToBeDefinition) -> list[str]:
    """Role ids that appear in any RACI, in the order of the definition's roles."""
    used: set[str] = set()
    for _process, step in tobe.steps():
        used.update((*step.raci.responsible, *step.raci.accountable, *step.raci.consulted, *step.raci.informed))
    return [r.id for r in tobe.roles if r.id in used]


def raci_rows(tobe: ToBeDefinition, lang: str) -> tuple[list[str], list[list[str]]]:
    """Header (process, task, roles…) and one row per task with the RACI letters of each role."""
    roles = raci_roles(tobe)
    header = [t("col.process", lang), t("col.task", lang), *(tobe.party_name(r, lang) for r in roles)]
    rows = []
    for process, step in tobe.steps():
        rows.append([process.name.get(lang), step.name.get(lang), *(step.raci.letters(r) for r in roles)])
    return header, rows


def build_raci(tobe: ToBeDefinition, audit: object = None, *, lang: str) -> Section:
    """The RACI section: the rule, the matrix, and the count of tasks and roles."""
    header, rows = raci_rows(tobe, lang)
    n_roles = len(header) - 2
    blocks: list[Block] = [
        Paragraph(t("raci.intro", lang, tasks=len(rows), roles=n_roles)),
        Table(header=tuple(header), rows=tuple(tuple(r) for r in rows), caption=t("raci.caption", lang)),
        Paragraph(t("raci.legend", lang), style="note"),
    ]
    return Section(title=t("raci.title", lang), blocks=tuple(blocks), key="raci")


def raci_sheet(tobe: ToBeDefinition, *, lang: str) -> Sheet:
    """The RACI matrix as a worksheet (letters coloured, each cell limited to R/A/C/I combinations)."""
    header, rows = raci_rows(tobe, lang)
    role_cols = tuple(header[2:])
    combos = ("R", "A", "RA", "C", "I", "")
    return Sheet(
        name=t("raci.sheet", lang),
        header=tuple(header),
        rows=tuple(tuple(r) for r in rows),
        raci=role_cols,
        choices={c: tuple(x for x in combos if x) for c in role_cols},
    )


__all__ = ["LETTERS", "RaciProblem", "build_raci", "check_raci", "raci_problems", "raci_rows", "raci_sheet"]
