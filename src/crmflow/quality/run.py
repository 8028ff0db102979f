"""``assess_quality``: entity files + rules → the quality report (``quality.json`` and its HTML page).

Every input file is one entity (named by the rules' ``entities`` whose ``source`` matches the file,
else by the file's stem). Each entity gets its validity checks (phones, e-mails, INN, KPP, OGRN,
dates, amounts), completeness rules, references, status matrices and duplicate detection; then
stage-sequence rules and reconciliations run across entities, and every entity is scored
(:mod:`crmflow.quality.score`).

The document's top-level ``validity``, ``completeness`` and ``duplicates`` are those of the
**primary entity** (the first input); every entity, the primary included, is in ``entities``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crmflow.base.version import __version__
from crmflow.errors import InputError, QualityRulesError
from crmflow.i18n import check_lang, error
from crmflow.jsonable import to_jsonable
from crmflow.quality.completeness import check_completeness
from crmflow.quality.consistency import check_matrix, check_sequences
from crmflow.quality.date_order import check_date_order
from crmflow.quality.entities import VALIDATED, EntitySpec, EntityTable, detect_spec, load_entity, quarantine_of
from crmflow.quality.error_messages import ERRORS
from crmflow.quality.reconciliation import reconcile
from crmflow.quality.references import check_reference
from crmflow.quality.rules import DuplicateRule, EntityRules, QualityRules, load_quality_rules, parse_rules
from crmflow.quality.score import DIMENSIONS, entity_score, record_id_list
from crmflow.quality.validity import ValidityCheck, ValidityOptions, check_column_values
from crmflow.sources.reader import read_log
from crmflow.store.store import EventStore

StepFn = Callable[[str], None]

#: The column kinds the duplicate detector uses.
LINKAGE_KINDS = ("phone", "email", "name", "first_name", "last_name", "inn", "company")


@dataclass(frozen=True, eq=False)
class QualityOutputs:
    json_path: Path
    html_path: Path


@dataclass(frozen=True, eq=False)
class QualityReport:
    """The quality assessment: ``data`` is exactly the ``quality.json`` document."""

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def entity(self, name: str) -> dict[str, Any]:
        """One entity's section of the document."""
        for e in self.data["entities"]:
            if e["name"] == name:
                return dict(e)
        raise KeyError(f"no entity {name!r}; entities: {', '.join(e['name'] for e in self.data['entities'])}")

    def write(self, out_dir: str | Path, *, lang: str | None = None) -> QualityOutputs:
        """Write ``quality.json`` and ``quality.html`` into ``out_dir`` (created if needed)."""
        from crmflow.quality.html import write_quality_html

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        json_path = out / "quality.json"
        json_path.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), encoding="utf-8")
        html_path = out / "quality.html"
        write_quality_html(self.data, html_path, lang=check_lang(lang or self.data["lang"]))
        return QualityOutputs(json_path=json_path, html_path=html_path)


def _resolve_rules(rules: QualityRules | str | Path | dict[str, Any] | None) -> QualityRules:
    if rules is None:
        return QualityRules()
    if isinstance(rules, QualityRules):
        return rules
    if isinstance(rules, dict):
        return parse_rules(rules)
    return load_quality_rules(rules)


def _plan(inputs: list[Any], rules: QualityRules) -> list[tuple[str, Any, EntityRules]]:
    """Pair entities with sources: rules' ``source`` (a path, or the name of an input), else the stem."""
    planned: list[tuple[str, Any, EntityRules]] = []
    used: set[int] = set()

    def key(src: Any) -> tuple[str, str]:
        p = Path(src)
        return p.name.lower(), p.name.lower().split(".")[0]

    paths = [(i, src) for i, src in enumerate(inputs) if isinstance(src, str | Path)]
    for name, er in rules.entities.items():
        found = None
        for i, src in paths:
            n, stem = key(src)
            if i not in used and ((er.source and Path(er.source).name.lower() == n) or (not er.source and stem == name.lower())):
                found = (i, src)
                break
        if found is None and er.source:
            p = Path(er.source)
            if not p.is_absolute() and rules.base_dir is not None:
                p = rules.base_dir / p
            if not p.exists():
                raise error(QualityRulesError, ERRORS, "run.entities_source_neither_input", name=name, source=er.source, p=p)
            planned.append((name, p, er))
            continue
        if found is not None:
            used.add(found[0])
            planned.append((name, found[1], er))
    # Inputs the rules do not name become entities of their own, in input order (first = primary).
    order = {id(src): i for i, src in enumerate(inputs)}
    named = {id(src) for _, src, _ in planned}
    taken_names = {n for n, _, _ in planned}
    logs = {Path(q.log).name.lower() for q in rules.sequences}  # stage histories given as INPUT are no entity
    for i, src in enumerate(inputs):
        if i in used or id(src) in named or (isinstance(src, str | Path) and Path(src).name.lower() in logs):
            continue
        base = Path(src).name.split(".")[0] if isinstance(src, str | Path) else f"frame{i + 1}"
        name, k = base, 2
        while name in taken_names:
            name, k = f"{base}_{k}", k + 1
        taken_names.add(name)
        planned.append((name, src, EntityRules()))
    planned.sort(key=lambda t: order.get(id(t[1]), len(inputs)))
    return planned


def _check_columns(name: str, er: EntityRules, spec: EntitySpec, ent: EntityTable) -> None:
    header = set(ent.header)

    def need(key: str, col: str | None) -> None:
        if col is not None and col not in header:
            raise error(
                QualityRulesError,
                ERRORS,
                "run.entities_column_not_columns",
                name=name,
                key=key,
                col=col,
                source=ent.source,
                value=", ".join(ent.header),
            )

    need("id", er.id)
    for kind, cols in er.columns.items():
        for c in cols:
            need(f"columns.{kind}", c)
    for c in er.required:
        need("required", c)
    for stage, sr in er.stages.items():
        for c in [*sr.required, *sr.empty]:
            need(f"stages.{stage}", c)
    if er.stages and not spec.of("stage"):
        raise error(QualityRulesError, ERRORS, "run.entities_stages_has_no", name=name, source=ent.source)
    for i, m in enumerate(er.matrices):
        for c in m.columns:
            need(f"matrices[{i}].columns", c)
        for j, row in enumerate(m.allowed):
            if len(row) != len(m.columns):
                raise error(
                    QualityRulesError,
                    ERRORS,
                    "run.entities_matrices_allowed_values",
                    name=name,
                    i=i,
                    j=j,
                    n_row=len(row),
                    n_columns=len(m.columns),
                )
    for i, r in enumerate(er.references):
        need(f"references[{i}].column", r.column)


def _duplicates(
    store: EventStore, ent: EntityTable, spec: EntitySpec, step: StepFn, rule: DuplicateRule | None = None
) -> dict[str, Any]:
    empty = {"available": False, "applicable": False, "clusters": [], "pairs": [], "merges": []}
    if not any(spec.of(k) for k in LINKAGE_KINDS if k != "company"):
        return empty
    try:
        from crmflow.quality import duplicates as dup
    except ImportError:
        return {**empty, "applicable": True, "note": "duplicate detection (crmflow.quality.duplicates) is not installed"}
    field_cls = dup.DuplicateFields
    names = {f.name for f in fields(field_cls)}
    kw = {k: spec.of(k)[0] for k in LINKAGE_KINDS if k in names and spec.of(k)}
    updated = [c for c in spec.of("date") if any(w in c.lower() for w in ("измен", "modif", "updat", "редакт"))]
    if updated and "updated_at" in names:
        kw["updated_at"] = updated[0]  # the most recently updated record survives a merge
    report = dup.find_duplicates(
        store,
        ent.table,
        entity=ent.name,
        id_column=spec.id_column or "row_no",
        fields=field_cls(**kw),
        progress=step,
        **({"max_key_records": rule.max_key_records, "max_pairs_per_record": rule.max_pairs_per_record} if rule else {}),
    )
    d = to_jsonable(report)
    if not isinstance(d, dict):
        d = dict(getattr(report, "__dict__", {}))
    clusters = [[str(i) for i in c] for c in d.get("clusters", [])]
    merged: list[str] = []
    for m in d.get("merges", []) or []:
        merged.extend(str(i) for i in (m.get("merged") or []))
    if not merged:  # every member of a cluster but its first is a duplicate
        merged = [i for c in clusters for i in c[1:]]
    record_id_list(store, entity=ent.name, dimension="uniqueness", check="duplicate", ids=sorted(set(merged)))
    return {**d, "available": True, "applicable": True, "clusters": clusters, "duplicate_ids": sorted(set(merged)), "fields": kw}


def assess_quality(
    inputs: list[Any] | tuple[Any, ...] = (),
    *,
    rules: QualityRules | str | Path | dict[str, Any] | None = None,
    lang: str = "en",
    duplicates: bool = True,
    store: EventStore | None = None,
    progress: StepFn | None = None,
) -> QualityReport:
    """Assess the data quality of CRM entity files.

    Parameters
    ----------
    inputs
        Entity files (``.csv .tsv .txt .xlsx .parquet .json``) or frames; each is one entity.
    rules
        A rules YAML path, a parsed document, a :class:`QualityRules`, or None (detect everything,
        no mandatory fields).
    lang
        ``ru`` or ``en``: language of the report written from the result.
    duplicates
        Run duplicate detection on entities with name/phone/e-mail/INN columns.
    store
        Where to load the entities (a new in-memory store when None).
    progress
        Called with a short description of each step.

    Returns
    -------
    QualityReport
        ``data`` is the ``quality.json`` document (``docs/quality.schema.json``).
    """
    lang = check_lang(lang)
    step = progress or (lambda _msg: None)
    qr = _resolve_rules(rules)
    store = store or EventStore()
    plan = _plan(list(inputs), qr)
    if not plan:
        raise error(InputError, ERRORS, "run.no_entity_assess_give")
    v = qr.validity
    options = ValidityOptions(
        default_region=v.default_region,
        min_date=v.min_date,
        max_future_days=v.max_future_days,
        as_of=v.as_of,
        allow_negative_amounts=v.allow_negative_amounts,
    )
    loaded: dict[str, tuple[EntityTable, EntitySpec, EntityRules]] = {}
    for name, src, er in plan:
        step(f"loading {name}")
        ent = load_entity(store, src, name=name, progress=step)
        overrides = {k: tuple(c) for k, c in er.columns.items()}
        spec = (
            detect_spec(name, ent.header, id_column=er.id, overrides=overrides)
            if er.detect
            else EntitySpec(name=name, id_column=er.id, columns=overrides)
        )
        _check_columns(name, er, spec, ent)
        loaded[name] = (ent, spec, er)
    tables = {n: t[0] for n, t in loaded.items()}
    sections: list[dict[str, Any]] = []
    for name, (ent, spec, er) in loaded.items():
        step(f"checking {name}")
        dims: set[str] = set()
        validity: dict[str, Any] = {}
        for kind in VALIDATED:
            cols = spec.of(kind)
            if cols:
                res = check_column_values(store, ent, spec, kind=kind, columns=cols, options=options)
                validity[kind] = {**res.to_dict(), "applicable": True}
                dims.add("validity")
            else:
                validity[kind] = {**ValidityCheck(kind, [], 0, 0, 0, 0, []).to_dict(), "applicable": False}
        stages = {s: (list(r.required), list(r.empty)) for s, r in er.stages.items()}
        comp = check_completeness(store, ent, spec, required=list(er.required), stages=stages)
        if er.required or any(r.required for r in er.stages.values()):
            dims.add("completeness")
        if any(r.empty for r in er.stages.values()):
            dims.add("consistency")
        refs = []
        for i, r in enumerate(er.references):
            if r.entity not in tables:
                raise error(
                    QualityRulesError,
                    ERRORS,
                    "run.entities_references_entity_no",
                    name=name,
                    i=i,
                    entity=r.entity,
                    value=", ".join(tables),
                )
            if r.key not in tables[r.entity].header:
                raise error(
                    QualityRulesError,
                    ERRORS,
                    "run.entities_references_key_column",
                    name=name,
                    i=i,
                    key=r.key,
                    source=tables[r.entity].source,
                )
            refs.append(check_reference(store, ent, spec, column=r.column, target=tables[r.entity], target_key=r.key).to_dict())
            dims.add("consistency")
        matrices = []
        for i, m in enumerate(er.matrices):
            matrices.append(
                check_matrix(store, ent, spec, name=m.name or f"matrix {i + 1}", columns=m.columns, allowed=m.allowed).to_dict()
            )
            dims.add("consistency")
        enabled = er.duplicates if isinstance(er.duplicates, bool) else er.duplicates.enabled
        dup = {"available": False, "applicable": False, "clusters": [], "pairs": [], "merges": []}
        if duplicates and enabled:
            step(f"duplicates in {name}")
            dup = _duplicates(store, ent, spec, step, None if isinstance(er.duplicates, bool) else er.duplicates)
            if dup.get("available"):
                dims.add("uniqueness")
        sections.append(
            {
                "name": name,
                "source": ent.source,
                "format": ent.format,
                "id_column": spec.id_column,
                "records": ent.rows,
                "rows_read": ent.rows_read,
                "quarantined": ent.quarantined,
                "quarantine_sample": quarantine_of(store, ent),
                "encoding": ent.info.get("encoding"),
                "delimiter": ent.info.get("delimiter"),
                "spec": spec.to_dict(),
                "validity": validity,
                "completeness": comp.to_dict(),
                "references": refs,
                "matrices": matrices,
                "duplicates": dup,
                "_dims": dims,
            }
        )
    sequences = []
    for i, s in enumerate(qr.sequences):
        step("sequences")
        p = Path(s.log)
        named = [Path(x) for x in inputs if isinstance(x, str | Path) and Path(x).name == p.name]
        if not p.exists() and named:
            p = named[0]  # the log was given as an INPUT too
        if not p.is_absolute() and qr.base_dir is not None and not p.exists():
            p = qr.base_dir / p
        if not p.exists():
            raise error(QualityRulesError, ERRORS, "run.sequences_log_no_file", i=i, log=s.log)
        mapping = None
        if s.mapping:
            mapping = Path(s.mapping) if Path(s.mapping).is_absolute() or qr.base_dir is None else qr.base_dir / s.mapping
        log = read_log(p, store=store, log_name=f"qseq_{i + 1}", mapping=mapping, lang=lang)
        if s.entity is not None and s.entity not in loaded:
            raise error(
                QualityRulesError,
                ERRORS,
                "run.sequences_entity_no_entity",
                i=i,
                entity=s.entity,
                value=", ".join(loaded),
            )
        seq = check_sequences(log, name=s.name or p.name, forbidden=s.forbidden, allowed=s.allowed, entity=s.entity)
        sequences.append({**seq.to_dict(), "source": p.name, "entity": s.entity})
        if s.entity is not None:
            for sec in sections:
                if sec["name"] == s.entity:
                    sec["_dims"].add("consistency")
    orders = []
    for i, o in enumerate(qr.date_order):
        step("date order")
        for side in ("earlier", "later"):
            if getattr(o, side).entity not in loaded:
                raise error(
                    QualityRulesError,
                    ERRORS,
                    "run.date_order_entity_no",
                    i=i,
                    side=side,
                    entity=getattr(o, side).entity,
                    value=", ".join(loaded),
                )
        e, lt = loaded[o.earlier.entity], loaded[o.later.entity]
        join = (
            (o.join, o.join)
            if isinstance(o.join, str)
            else ((o.join.get("earlier", ""), o.join.get("later", "")) if o.join else None)
        )
        order = check_date_order(
            store,
            name=o.name or f"{o.earlier.column} ≤ {o.later.column}",
            earlier=(e[0], e[1], o.earlier.column),
            later=(lt[0], lt[1], o.later.column),
            join=join,
            where_key=f"date_order[{i}]",
        )
        orders.append({**order.to_dict(), "entity": o.later.entity})
        next(sec for sec in sections if sec["name"] == o.later.entity)["_dims"].add("consistency")
    recon = []
    for i, rec in enumerate(qr.reconciliation):
        step("reconciliation")
        recon.append(reconcile(store, rec, tables, where_key=f"reconciliation[{i}]").to_dict())
    step("scores")
    for sec in sections:
        applied = sec.pop("_dims")
        scored = tuple(d for d in DIMENSIONS if d in applied)
        # Scored per distinct id: an id shared by several rows (events of one case) is one record.
        ent, spec, _ = loaded[sec["name"]]
        n_ids = int(store.scalar(f"SELECT count(DISTINCT {ent.id_sql(spec)}) FROM {ent.table}"))
        sec["distinct_ids"] = n_ids
        sec["score"] = entity_score(store, entity=sec["name"], records=n_ids, dimensions=scored).to_dict()
    primary = sections[0]
    data: dict[str, Any] = {
        "crmflow_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "lang": lang,
        "primary": primary["name"],
        "id_column": primary["id_column"],
        "validity": primary["validity"],
        "completeness": primary["completeness"],
        "duplicates": primary["duplicates"],
        "score": primary["score"],
        "entities": sections,
        "consistency": {
            "matrices": [{"entity": s["name"], **m} for s in sections for m in s["matrices"]],
            "references": [{"entity": s["name"], **r} for s in sections for r in s["references"]],
            "sequences": sequences,
            "date_order": orders,
        },
        "reconciliation": recon,
        "scores": [s["score"] for s in sections],
    }
    return QualityReport(data=to_jsonable(data))
