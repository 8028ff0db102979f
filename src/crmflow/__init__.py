"""crmflow: audit and re-engineer business processes around a CRM, from the CRM's own data.

Three lines from a file to an audit::

    import crmflow
    log = crmflow.read_log("deals.csv")          # CSV/TSV, XLSX, XES(.gz), Parquet, OCEL 2.0
    crmflow.audit(log, rules="rules.yaml").write("out/")

Plain CRM tables (a deal table with engage and close dates…) are audited through an object model::

    crmflow.audit_tables(["sales_pipeline.csv", "sales_teams.csv"], model="objects.yaml", case="deal")

Mining functions are named like pm4py's verbs and return typed, JSON-serialisable results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmflow.base.version import __version__ as __version__

# Public names -> defining module. Imported on first use so `import crmflow` stays light.
_EXPORTS = {
    "AuditResult": "crmflow.asis",
    "ColumnMapping": "crmflow.ingest.columns",
    "CrmflowError": "crmflow.errors",
    "DirectlyFollowsGraph": "crmflow.mining.dfg",
    "EventLog": "crmflow.store.store",
    "EventLogSchema": "crmflow.store.schema",
    "EventStore": "crmflow.store.store",
    "Finding": "crmflow.findings.model",
    "HandoverNetwork": "crmflow.mining.handover",
    "ObjectCentricLog": "crmflow.store.objects",
    "VariantTable": "crmflow.mining.variants",
    "activity_statistics": "crmflow.mining.statistics",
    "audit": "crmflow.asis",
    "audit_objects": "crmflow.asis_objects",
    "audit_tables": "crmflow.asis_objects",
    "build_object_log": "crmflow.sources.object_model",
    "case_duration_stats": "crmflow.mining.durations",
    "detect_findings": "crmflow.findings.detect",
    "discover_customer_journey": "crmflow.mining.journey",
    "discover_dfd": "crmflow.architecture.dfd",
    "discover_dfg": "crmflow.mining.dfg",
    "discover_handover": "crmflow.mining.handover",
    "filter_attribute_values": "crmflow.mining.filters",
    "filter_case_performance": "crmflow.mining.filters",
    "filter_time_range": "crmflow.mining.filters",
    "filter_variants_top_k": "crmflow.mining.filters",
    "get_all_case_durations": "crmflow.mining.durations",
    "get_case_durations": "crmflow.mining.durations",
    "get_end_activities": "crmflow.mining.dfg",
    "get_start_activities": "crmflow.mining.dfg",
    "get_variants": "crmflow.mining.variants",
    "infer_erd": "crmflow.architecture.erd",
    "load_rules": "crmflow.findings.rules",
    "open_event_dataset": "crmflow.store.dataset",
    "read_log": "crmflow.sources.reader",
    "read_ocel": "crmflow.ingest.ocel",
    "resource_statistics": "crmflow.mining.statistics",
    "write_event_dataset": "crmflow.store.dataset",
    "write_ocel": "crmflow.store.ocel_export",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'crmflow' has no attribute {name!r}")


if TYPE_CHECKING:  # pragma: no cover
    from crmflow.architecture.dfd import discover_dfd
    from crmflow.architecture.erd import infer_erd
    from crmflow.asis import AuditResult, audit
    from crmflow.asis_objects import audit_objects, audit_tables
    from crmflow.errors import CrmflowError
    from crmflow.findings.detect import detect_findings
    from crmflow.findings.model import Finding
    from crmflow.findings.rules import load_rules
    from crmflow.ingest.columns import ColumnMapping
    from crmflow.ingest.ocel import read_ocel
    from crmflow.mining.dfg import DirectlyFollowsGraph, discover_dfg, get_end_activities, get_start_activities
    from crmflow.mining.durations import case_duration_stats, get_all_case_durations, get_case_durations
    from crmflow.mining.filters import (
        filter_attribute_values,
        filter_case_performance,
        filter_time_range,
        filter_variants_top_k,
    )
    from crmflow.mining.handover import HandoverNetwork, discover_handover
    from crmflow.mining.journey import discover_customer_journey
    from crmflow.mining.statistics import activity_statistics, resource_statistics
    from crmflow.mining.variants import VariantTable, get_variants
    from crmflow.sources.object_model import build_object_log
    from crmflow.sources.reader import read_log
    from crmflow.store.dataset import open_event_dataset, write_event_dataset
    from crmflow.store.objects import ObjectCentricLog
    from crmflow.store.ocel_export import write_ocel
    from crmflow.store.schema import EventLogSchema
    from crmflow.store.store import EventLog, EventStore
