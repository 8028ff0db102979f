"""The As-Is audit of plain CRM tables: an object model, one object type as the case notion.

Many CRM exports are not event logs but tables with timestamp columns (a deal with its engage and
close dates, a lead with its first-contact date). :func:`audit_tables` builds the object-centric
log the object model describes (:func:`crmflow.sources.object_model.build_object_log`), flattens it
on the chosen object type (each object a case, each related timestamp an event; resources from the
events, roles optionally from a related object such as the sales agent's team), runs the ordinary
:func:`crmflow.asis.audit` and adds an ``objects`` section to ``audit.json``:

* how many objects of the case type there are and how many have no dated event at all (they are
  invisible to process mining: a deal still in *Prospecting* has no date);
* per value of a *segment* attribute of the case objects (e.g. the lead's ``origin`` channel or the
  deal's ``deal_stage``): objects, cases and how many reach each of the rules' stages (a case
  reaches a stage when it has an event of that stage or of a later one, as in the funnel);
* the reference checks (relations made, orphans: ids that name no object) and the quarantine of
  the tables.

All log-sized work is SQL over the object-centric tables; Python assembles the summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from crmflow.asis import AuditResult, audit
from crmflow.errors import InputError
from crmflow.findings.rules import AuditRules, load_rules
from crmflow.i18n import check_lang, error
from crmflow.results.error_messages import ERRORS
from crmflow.results.sections import CaseObjectSummary, SegmentRow
from crmflow.sources.object_model import ObjectLogBuild, ObjectModel, build_object_log, load_object_model
from crmflow.store.objects import ObjectCentricLog
from crmflow.store.queries import ident

#: At most this many segment values are listed (largest first); the rest are summed in ``other``.
TOP_SEGMENTS = 50


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def case_object_summary(
    ocl: ObjectCentricLog,
    *,
    object_type: str,
    stages: Sequence[str] = (),
    segment: str | None = None,
    role: str | None = None,
    build: ObjectLogBuild | None = None,
) -> CaseObjectSummary:
    """Objects of ``object_type``: with and without events, reach of ``stages`` per ``segment`` value.

    Parameters
    ----------
    ocl
        The object-centric log.
    object_type
        The case notion.
    stages
        Activities in funnel order (the audit rules' ``stages``); may be empty.
    segment
        An attribute of the objects of ``object_type`` (its latest value) to break the counts down by.
    role
        How roles were taken (recorded only).
    build
        The build result (reference checks, rows read, quarantine counts), when the log came from tables.

    Raises
    ------
    InputError
        If the object type or the segment attribute does not exist.
    """
    types = ocl.object_types()
    if object_type not in types:
        listing = ", ".join(f"{k!r} ({v:,})" for k, v in types.items()) or "none"
        raise error(
            InputError,
            ERRORS,
            "asis_objects.there_no_object_type",
            name=ocl.name,
            object_type=object_type,
            listing=listing,
        )
    store, t = ocl.store, ocl.table
    if segment is not None:
        have = [
            r[0]
            for r in store.sql(
                f"SELECT DISTINCT v.name FROM {t('object_values')} v JOIN {t('objects')} o USING (oid) "
                "WHERE o.otype = ? ORDER BY 1",
                [object_type],
            ).fetchall()
        ]
        if segment not in have:
            raise error(
                InputError,
                ERRORS,
                "asis_objects.objects_type_have_no",
                name=ocl.name,
                object_type=object_type,
                segment=segment,
                value=", ".join(have) or "none",
            )
    stage_list = "[" + ", ".join(_lit(s) for s in stages) + "]::VARCHAR[]"
    seg = (
        f"(SELECT v.value FROM {t('object_values')} v WHERE v.oid = obj.oid AND v.name = {_lit(segment)} "
        "ORDER BY v.ts DESC, v.ord DESC LIMIT 1)"
        if segment is not None
        else "''"
    )
    reach = "".join(f", count(*) FILTER (WHERE ev.furthest >= {k + 1})::BIGINT AS {ident(f'r{k}')}" for k in range(len(stages)))
    rows = store.rows(
        f"""
WITH obj AS (SELECT oid FROM {t("objects")} WHERE otype = ?),
ev AS (
    SELECT r.oid, max(list_position({stage_list}, e.activity)) AS furthest
    FROM {t("e2o")} r JOIN {t("events")} e USING (eid) JOIN obj USING (oid) GROUP BY r.oid
)
SELECT coalesce(NULLIF({seg}, ''), '') AS value, count(*)::BIGINT AS objects, count(ev.oid)::BIGINT AS cases{reach}
FROM obj LEFT JOIN ev USING (oid) GROUP BY 1 ORDER BY objects DESC, value
""",
        [object_type],
    )

    def row(value: str, rs: list[dict[str, Any]], *, other: bool = False) -> SegmentRow:
        objects = sum(int(r["objects"]) for r in rs)
        cases = sum(int(r["cases"]) for r in rs)
        reached = tuple(sum(int(r[f"r{k}"]) for r in rs) for k in range(len(stages)))
        return SegmentRow(
            value=value,
            objects=objects,
            cases=cases,
            without_events=objects - cases,
            reached=reached,
            conversion=reached[-1] / objects if reached and objects else None,
            other=other,
        )

    listed = [row(str(r["value"]), [r]) for r in rows[:TOP_SEGMENTS]]
    if len(rows) > TOP_SEGMENTS:
        listed.append(row("", rows[TOP_SEGMENTS:], other=True))
    total = row("", rows)
    quarantine = store.rows(
        "SELECT coalesce(kind, 'other') AS kind, source, column_name, count(*)::BIGINT AS rows, "
        "arg_min(reason, row_no) AS reason FROM quarantine WHERE log_name = ? GROUP BY ALL ORDER BY rows DESC",
        [ocl.name],
    )
    return CaseObjectSummary(
        object_type=object_type,
        role=role,
        segment=segment,
        objects=total.objects,
        cases=total.cases,
        without_events=total.without_events,
        stages=tuple(stages),
        reached=total.reached,
        segments=tuple(listed) if segment is not None else (),
        segments_total=len(rows) if segment is not None else 0,
        object_types=types,
        counts=ocl.counts().to_dict(),
        references=tuple(r.to_dict() for r in build.references) if build else (),
        rows_read=build.rows_read if build else 0,
        rows_without_id=build.rows_without_id if build else 0,
        bad_timestamps=build.bad_timestamps if build else 0,
        quarantine=tuple(quarantine),
    )


def audit_tables(
    inputs: Sequence[str | Path],
    *,
    model: ObjectModel | str | Path,
    case: str,
    role: str | None = None,
    segment: str | None = None,
    rules: Any = None,
    timezone_name: str | None = None,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
    quality: Any = None,
) -> AuditResult:
    """Audit plain CRM tables through an object model, with objects of type ``case`` as cases.

    Parameters
    ----------
    inputs
        The table files (CSV/XLSX/Parquet) the object model names.
    model
        An :class:`~crmflow.sources.object_model.ObjectModel` or its YAML path.
    case
        The object type used as the case notion (e.g. ``deal``).
    role
        Event attribute holding the role, or ``<object type>.<attribute>`` (e.g. ``agent.manager``:
        the manager of the sales agent related to each event); see
        :meth:`~crmflow.store.objects.ObjectCentricLog.flatten`.
    segment
        Attribute of the case objects to break objects, cases and the funnel down by (e.g. ``origin``).
    rules
        Audit rules (YAML path, dict, ``AuditRules``) or None for the defaults.
    timezone_name
        Zone of naive timestamps (default: the rules' calendar, then the model's).
    lang
        ``ru`` or ``en``.
    progress
        Called with a step key (``reading``, ``mining``, ``findings``, ``bpmn``, ``report``) or a short note.
    quality
        A ``quality.json`` document or its path: the report includes its summary.

    Returns
    -------
    AuditResult
        As :func:`crmflow.asis.audit`, with ``data["objects"]`` (a :class:`CaseObjectSummary`).
    """
    lang = check_lang(lang)
    step = progress or (lambda _msg: None)
    audit_rules = rules if isinstance(rules, AuditRules) else load_rules(rules) if rules is not None else AuditRules()
    m = load_object_model(model) if isinstance(model, (str, Path)) else model
    if m.spec(case) is None:
        declared = ", ".join(o.object_type for o in m.objects)
        raise error(InputError, ERRORS, "asis_objects.case_object_model_declares", case=case, declared=declared)
    tz = timezone_name or (audit_rules.calendar.timezone if rules is not None else None)
    build = build_object_log(m, inputs, timezone=tz, progress=step)
    return audit_objects(
        build.log,
        case=case,
        role=role,
        segment=segment,
        rules=audit_rules,
        lang=lang,
        progress=step,
        quality=quality,
        build=build,
    )


def audit_objects(
    ocl: ObjectCentricLog,
    *,
    case: str,
    role: str | None = None,
    segment: str | None = None,
    rules: Any = None,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
    quality: Any = None,
    build: ObjectLogBuild | None = None,
) -> AuditResult:
    """Audit an object-centric log (OCEL 2.0 or built from tables) flattened on object type ``case``.

    The parameters are those of :func:`audit_tables`; ``build`` is the table build's result (its
    reference checks and counts go into ``data["objects"]``). Returns the audit with
    ``data["objects"]`` (a :class:`CaseObjectSummary`).
    """
    audit_rules = rules if isinstance(rules, AuditRules) else load_rules(rules) if rules is not None else AuditRules()
    log = ocl.flatten(case, role=role)
    result = audit(log, rules=audit_rules, lang=lang, progress=progress, quality=quality)
    summary = case_object_summary(ocl, object_type=case, stages=audit_rules.stages, segment=segment, role=role, build=build)
    return dataclasses.replace(result, objects=summary, present=result.present | {"objects"})


__all__ = ["TOP_SEGMENTS", "CaseObjectSummary", "SegmentRow", "audit_objects", "audit_tables", "case_object_summary"]
