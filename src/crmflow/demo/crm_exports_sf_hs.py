"""The deal set of :mod:`crmflow.demo.crm_exports`, exported as Salesforce and HubSpot would export it.

* :func:`write_salesforce_exports`: ``OpportunityHistory.csv`` as the weekly Data Export writes it
  (every field quoted, ``yyyy-mm-dd hh:mm:ss`` in UTC, 18-character ids) -- including the rows an
  Amount change adds without a stage change -- and a ``Task.csv`` with one logged call per deal;
* :func:`write_hubspot_exports`: ``/crm/v3/objects/deals`` pages with
  ``propertiesWithHistory.dealstage`` (newest version first, ISO 8601 ``…Z``), the
  ``/crm/v3/pipelines/deals`` answer that names the custom stage ids, and ``/crm/v3/owners``.

Read back with the source adapters, both give the same directly-follows graph and variants as the
generic event log of the same deals.

>>> opportunity_id(1000)
'0065g00000000G8AAI'
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from crmflow.demo.crm_exports import DealSet
from crmflow.sources.salesforce import OPPORTUNITY_HISTORY_FIELDS
from crmflow.sources.salesforce_ids import sf_id18

__all__ = [
    "HubSpotExport",
    "SalesforceExport",
    "hubspot_stage_ids",
    "opportunity_id",
    "write_hubspot_exports",
    "write_salesforce_exports",
]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _b62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def opportunity_id(deal_id: int) -> str:
    """The 18-character Salesforce id given to a generated deal (key prefix ``006``)."""
    return sf_id18("0065g" + _b62(deal_id, 10))


def _user_id(user_id: int) -> str:
    return sf_id18("0055g" + _b62(user_id, 10))


def hubspot_stage_ids(deals: DealSet) -> dict[str, str]:
    """Stage code -> the numeric-string id HubSpot gives the stages of a custom pipeline."""
    return {s.code: str(3206386900 + i) for i, s in enumerate(deals.stages)}


@dataclass(frozen=True)
class SalesforceExport:
    opportunity_history: Path
    tasks: Path


def write_salesforce_exports(deals: DealSet, folder: str | Path, *, seed: int = 5) -> SalesforceExport:
    """``OpportunityHistory.csv`` (stage rows plus Amount-only rows) and ``Task.csv`` for the deals."""
    rng = random.Random(seed)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    hist = out / "OpportunityHistory.csv"
    n = 0
    with hist.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(OPPORTUNITY_HISTORY_FIELDS)
        for d in deals.deals:
            amount = 10_000 * rng.randint(1, 50)
            for i, m in enumerate(d.moves):
                prob = {"S": 100, "F": 0}.get(m.stage.semantic, 10 + 15 * min(i, 5))
                close = (d.moves[-1].at.date()).isoformat()
                for change in (0, 1) if i < len(d.moves) - 1 and rng.random() < 0.3 else (0,):
                    n += 1
                    at = m.at if not change else m.at.replace(microsecond=0) + (d.moves[i + 1].at - m.at) / 2
                    if change:
                        amount += 5_000
                    ts = at.strftime("%Y-%m-%d %H:%M:%S")
                    w.writerow(
                        [
                            sf_id18("0085g" + _b62(n, 10)),
                            opportunity_id(d.deal_id),
                            _user_id(m.user_id),
                            ts,
                            m.stage.name,
                            amount,
                            amount * prob // 100,
                            close,
                            prob,
                            {"S": "Closed", "F": "Omitted"}.get(m.stage.semantic, "Pipeline"),
                            ts,
                            0,
                        ]
                    )
    tasks = out / "Task.csv"
    with tasks.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(
            [
                "Id",
                "WhoId",
                "WhatId",
                "Subject",
                "Status",
                "OwnerId",
                "IsClosed",
                "CreatedDate",
                "CompletedDateTime",
                "TaskSubtype",
                "CallType",
            ]
        )
        for k, d in enumerate(deals.deals, start=1):
            first = d.moves[0]
            done = first.at.replace(microsecond=0)
            ts = done.strftime("%Y-%m-%d %H:%M:%S")
            w.writerow(
                [
                    sf_id18("00T5g" + _b62(k, 10)),
                    "",
                    opportunity_id(d.deal_id),
                    "Первый звонок",
                    "Completed",
                    _user_id(first.user_id),
                    1,
                    ts,
                    ts,
                    "Call",
                    "Outbound",
                ]
            )
    return SalesforceExport(opportunity_history=hist, tasks=tasks)


@dataclass(frozen=True)
class HubSpotExport:
    deals: list[Path]
    pipelines: Path
    owners: Path


def write_hubspot_exports(deals: DealSet, folder: str | Path, *, page_size: int = 50) -> HubSpotExport:
    """Deal pages with the stage history, the pipelines and the owners, as saved from the API."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stage_ids = hubspot_stage_ids(deals)
    pipeline_id = "3206386899"
    users = {m.user_id: m.user for d in deals.deals for m in d.moves}
    records = []
    for d in deals.deals:
        last = d.moves[-1]
        history = [
            {
                "value": stage_ids[m.stage.code],
                "timestamp": m.at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "sourceType": "CRM_UI",
                "sourceId": f"userId:{m.user_id}",
                "updatedByUserId": m.user_id,
            }
            for m in reversed(d.moves)
        ]
        records.append(
            {
                "id": str(d.deal_id),
                "properties": {
                    "dealname": f"Сделка {d.deal_id}",
                    "dealstage": stage_ids[last.stage.code],
                    "pipeline": pipeline_id,
                    "createdate": history[-1]["timestamp"],
                    "hs_lastmodifieddate": history[0]["timestamp"],
                    "hubspot_owner_id": str(d.moves[0].user_id),
                },
                "propertiesWithHistory": {"dealstage": history},
                "createdAt": history[-1]["timestamp"],
                "updatedAt": history[0]["timestamp"],
                "archived": False,
            }
        )
    pages = []
    for k, start in enumerate(range(0, max(len(records), 1), page_size), start=1):
        page: dict[str, object] = {"results": records[start : start + page_size]}
        if start + page_size < len(records):
            page["paging"] = {"next": {"after": str(start + page_size)}}
        path = out / f"deals.{k:05d}.json"
        path.write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8")
        pages.append(path)
    pipelines = out / "pipelines.json"
    pipelines.write_text(
        json.dumps(
            {
                "results": [
                    {
                        "id": pipeline_id,
                        "label": "Продажи",
                        "displayOrder": 1,
                        "archived": False,
                        "stages": [
                            {
                                "id": stage_ids[s.code],
                                "label": s.name,
                                "displayOrder": i,
                                "archived": False,
                                "metadata": {
                                    "isClosed": str(s.semantic != "P").lower(),
                                    "probability": {"S": "1.0", "F": "0.0"}.get(s.semantic, "0.5"),
                                },
                            }
                            for i, s in enumerate(deals.stages)
                        ],
                    }
                ]
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    owners = out / "owners.json"
    owners.write_text(
        json.dumps(
            {
                "results": [
                    {
                        "id": str(uid),
                        "userId": uid,
                        "email": f"user{uid}@example.com",
                        "firstName": name.split()[-1],
                        "lastName": name.split()[0],
                        "archived": False,
                    }
                    for uid, name in sorted(users.items())
                ]
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return HubSpotExport(deals=pages, pipelines=pipelines, owners=owners)
