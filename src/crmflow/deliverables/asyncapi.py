"""The event catalogue section of the pack; the AsyncAPI 3.0 document itself is :mod:`crmflow.design.asyncapi`."""

from __future__ import annotations

from crmflow.deliverables.document import Paragraph, Section, Table
from crmflow.deliverables.messages import t
from crmflow.design.asyncapi import ASYNCAPI_VERSION, asyncapi_yaml, build_asyncapi, catalogue, key, payload_schema, publishers
from crmflow.design.model import ToBeDefinition


def _step_name(tobe: ToBeDefinition, step_id: str, lang: str) -> str:
    """A publisher (``process/step``) by the step's name."""
    sid = step_id.rsplit("/", 1)[-1]
    return next((s.name.get(lang) for _p, s in tobe.steps() if s.id == sid), step_id)


def build_event_section(tobe: ToBeDefinition, audit: object = None, *, lang: str) -> Section:
    """The event catalogue as a table (the full contract is ``asyncapi.yaml``)."""
    rows = []
    for ev in catalogue(tobe):
        rows.append(
            (
                ev.name,
                ev.description.get(lang),
                tobe.party_name(ev.producer or "crm", lang),
                ", ".join(tobe.party_name(c, lang) for c in ev.consumers) or "—",
                ", ".join(f"{f.name}: {f.type}{'' if f.required else '?'}" for f in ev.payload) or "—",
                ", ".join(_step_name(tobe, s, lang) for s in publishers(tobe, ev.name)) or "—",
            )
        )
    return Section(
        title=t("api.section", lang),
        key="events",
        blocks=(
            Paragraph(t("api.intro", lang, n=len(rows))),
            Table(
                header=(
                    t("api.col.event", lang),
                    t("api.col.description", lang),
                    t("api.col.producer", lang),
                    t("api.col.consumers", lang),
                    t("api.col.payload", lang),
                    t("api.col.published_by", lang),
                ),
                rows=tuple(rows),
                caption=t("api.caption", lang),
            ),
        ),
    )


__all__ = [
    "ASYNCAPI_VERSION",
    "asyncapi_yaml",
    "build_asyncapi",
    "build_event_section",
    "catalogue",
    "key",
    "payload_schema",
    "publishers",
]
