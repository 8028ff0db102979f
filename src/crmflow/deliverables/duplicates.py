"""The pack's "Duplicate records" section: each cluster's records side by side, each pair's score and why.

The clusters come typed from :func:`crmflow.quality.clusters.quality_clusters` (the same evidence the
quality page shows); the first :data:`CLUSTERS_IN_PACK` clusters of each entity are written, and the
section says where the rest are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from crmflow.base.numbers import MISSING, format_number
from crmflow.deliverables.audit_input import AuditInput
from crmflow.deliverables.document import Paragraph, Section, Table
from crmflow.deliverables.messages import t
from crmflow.quality.clusters import DuplicateCluster
from crmflow.quality.duplicate_messages import report_text

#: Clusters of each entity written into the pack (a client checks examples; quality.json has all).
CLUSTERS_IN_PACK = 10


def cluster_blocks(cluster: DuplicateCluster, lang: str) -> list[Any]:
    """The cluster's title, a table of its records (the survivor first) and each pair's score and why.

    The table leaves out the time of the last update (the merge reason says it when it decided) so
    that the fields a person compares fit across a page.
    """
    shown = [i for i, f in enumerate(cluster.fields) if f != "updated_at"]
    header = (report_text("cluster.record", lang), *(cluster.headers[i] for i in shown))
    rows = tuple(
        (
            f"{r.id} ({report_text('cluster.survivor' if r.survivor else 'cluster.merged', lang)})",
            *(r.values[i] or MISSING for i in shown),
        )
        for r in cluster.records
    )
    blocks: list[Any] = [Paragraph(cluster.title(lang)), Table(header=header, rows=rows)]
    for p in cluster.pairs:
        blocks.append(Paragraph(f"{p.id_a} ↔ {p.id_b}: {p.score} — " + "; ".join(p.reasons), style="note"))
    if cluster.merge_reason:
        blocks.append(Paragraph(cluster.merge_reason, style="note"))
    return blocks


def build_duplicates(audit: AuditInput | None, *, lang: str) -> Section | None:
    """The section, or None without data-quality results or without duplicate clusters."""
    if audit is None or not audit.quality:
        return None
    clusters = audit.duplicate_clusters(lang)
    if not clusters:
        return None
    totals = Counter(c.entity for c in clusters)
    blocks: list[Any] = [Paragraph(t("doc.duplicates_text", lang))]
    for entity, total in totals.items():
        shown = [c for c in clusters if c.entity == entity][:CLUSTERS_IN_PACK]
        n, n_shown = format_number(total, lang), format_number(len(shown), lang)
        blocks.append(Paragraph(t("doc.duplicates_entity", lang, entity=entity, n=n, shown=n_shown), style="lead"))
        for c in shown:
            blocks += cluster_blocks(c, lang)
        if total > len(shown):
            blocks.append(Paragraph(report_text("cluster.more", lang, n=format_number(total - len(shown), lang)), style="note"))
    return Section(title=t("doc.duplicates", lang), blocks=tuple(blocks), key="duplicates")


__all__ = ["CLUSTERS_IN_PACK", "build_duplicates", "cluster_blocks"]
