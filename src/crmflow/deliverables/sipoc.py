"""SIPOC per process: suppliers, inputs, process steps, outputs, customers — from the steps' inputs/outputs."""

from __future__ import annotations

from typing import Any

from crmflow.deliverables.document import Paragraph, Section, Table
from crmflow.deliverables.messages import t
from crmflow.design.model import Io, Process, ToBeDefinition


def _ordered(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _io(io: Io, lang: str) -> str:
    return io.name.get(lang) + (f" [{io.data}]" if io.data else "")


def sipoc_rows(tobe: ToBeDefinition, process: Process, lang: str) -> list[tuple[str, str, str, str, str]]:
    """One row per step: suppliers, inputs, step, outputs, customers."""
    rows = []
    for step in process.steps:
        suppliers = _ordered([tobe.party_name(i.supplier, lang) for i in step.inputs if i.supplier])
        customers = _ordered([tobe.party_name(o.customer, lang) for o in step.outputs if o.customer])
        rows.append(  # a cell the To-Be leaves empty says so in words, never a bare dash
            (
                ", ".join(suppliers) or t("sipoc.no_supplier" if step.inputs else "sipoc.no_inputs", lang),
                "; ".join(_io(i, lang) for i in step.inputs) or t("sipoc.no_inputs", lang),
                step.name.get(lang),
                "; ".join(_io(o, lang) for o in step.outputs) or t("sipoc.no_outputs", lang),
                ", ".join(customers) or t("sipoc.no_customer" if step.outputs else "sipoc.no_outputs", lang),
            )
        )
    return rows


def build_sipoc(tobe: ToBeDefinition, audit: object = None, *, lang: str) -> Section:
    """A SIPOC table per process, with the distinct suppliers and customers summarised."""
    blocks: list[Any] = [Paragraph(t("sipoc.intro", lang, n=len(tobe.processes)))]
    header = (t("sipoc.s", lang), t("sipoc.i", lang), t("sipoc.p", lang), t("sipoc.o", lang), t("sipoc.c", lang))
    for process in tobe.processes:
        suppliers = _ordered([tobe.party_name(i.supplier, lang) for s in process.steps for i in s.inputs if i.supplier])
        customers = _ordered([tobe.party_name(o.customer, lang) for s in process.steps for o in s.outputs if o.customer])
        blocks.append(
            Section(
                title=process.name.get(lang),
                blocks=(
                    Paragraph(
                        t("sipoc.summary", lang, suppliers=", ".join(suppliers) or "—", customers=", ".join(customers) or "—")
                    ),
                    Table(
                        header=header,
                        rows=tuple(sipoc_rows(tobe, process, lang)),
                        caption=t("sipoc.caption", lang, process=process.name.get(lang)),
                    ),
                ),
            )
        )
    return Section(title=t("sipoc.title", lang), blocks=tuple(blocks), key="sipoc")


__all__ = ["build_sipoc", "sipoc_rows"]
