"""Synthetic CRM tables lead → deal → invoice → payment → ticket, with the journey's ground truth.

:func:`generate_journeys` writes five CSV files with foreign keys and timestamps, as a CRM plus its
neighbours would export them (each row says which system produced it: website forms, telephony,
the CRM, ERP/1C, billing, helpdesk), an object model YAML (with a ``journey:`` section) that turns
them into an object-centric log, and returns the exact truth of the customer journey computed from
the rows it wrote: per stage the customers reaching it (ordered), drop-offs, skips, the median and
90th percentile of days from the first event and from the previous stage, touchpoints and
channels. Planted problems: a deal whose lead does not exist (an orphan reference), a deal row
without an id, a ticket of a customer who never paid (a skipped stage), one unreadable date.
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["JourneyDemo", "StageTruth", "STAGES", "generate_journeys", "quantile"]

#: The journey's stages (name, object type, activity) as written into the model's ``journey:`` section.
STAGES: tuple[tuple[str, str | None, str | None], ...] = (
    ("Lead", "lead", None),
    ("Deal", "deal", None),
    ("Won", None, "Win deal"),
    ("Invoice", "invoice", None),
    ("Paid", "payment", None),
    ("Ticket", "ticket", None),
)
CHANNELS = ("website", "phone", "referral", "email")
_START = datetime(2024, 1, 8, 9, 0, 0)


def quantile(values: list[float], q: float) -> float | None:
    """Linear-interpolation quantile (as DuckDB's ``quantile_cont`` and NumPy's default)."""
    if not values:
        return None
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class StageTruth:
    """What the journey must report for one stage."""

    reached: int
    dropped: int
    skipped: int
    days_from_start: tuple[int, float | None, float | None]  # n, median, p90
    days_from_previous: tuple[int, float | None, float | None]
    touchpoints: tuple[int, float | None, float | None]
    channels: dict[str, int]


@dataclass(frozen=True)
class JourneyDemo:
    """The files written and the ground truth."""

    tables: dict[str, Path]  # leads, deals, invoices, payments, tickets
    model: Path
    customers: int
    truth: dict[str, StageTruth]
    orphan_deal_leads: tuple[str, ...]
    rows_without_id: int
    bad_dates: int
    events_by_system: dict[str, int] = field(default_factory=dict)


def _fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _days(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 86400.0


def generate_journeys(out_dir: str | Path, *, customers: int = 400, seed: int = 7) -> JourneyDemo:
    """Write the tables and the object model into ``out_dir`` and return the truth.

    >>> import tempfile
    >>> demo = generate_journeys(tempfile.mkdtemp(), customers=50)
    >>> demo.truth["Lead"].reached
    50
    """
    rng = random.Random(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("leads", "deals", "invoices", "payments", "tickets")}
    # per customer: stage -> time, channel, all event times
    stage_at: dict[str, dict[str, datetime]] = {}
    channel: dict[str, str] = {}
    events: dict[str, list[datetime]] = {}
    by_system: Counter[str] = Counter()
    n_inv = n_pay = n_tic = 0
    for i in range(1, customers + 1):
        lead = f"L{i:05d}"
        ch = rng.choice(CHANNELS)
        channel[lead] = ch
        created = _START + timedelta(hours=rng.randint(0, 24 * 180), minutes=rng.randint(0, 59))
        system = "website" if ch in ("website", "email") else "telephony"
        rows["leads"].append({"lead_id": lead, "created_at": _fmt(created), "channel": ch, "system": system})
        by_system[system] += 1
        st = {"Lead": created}
        ev = [created]
        if rng.random() < 0.6:
            deal = f"D{i:05d}"
            d_created = created + timedelta(hours=rng.randint(2, 24 * 10))
            st["Deal"] = d_created
            ev.append(d_created)
            won = rng.random() < 0.55
            closed = d_created + timedelta(hours=rng.randint(24, 24 * 40))
            ev.append(closed)
            rows["deals"].append(
                {
                    "deal_id": deal,
                    "lead_id": lead,
                    "created_at": _fmt(d_created),
                    "won_at": _fmt(closed) if won else "",
                    "lost_at": "" if won else _fmt(closed),
                    "amount": rng.randint(10, 500) * 1000,
                    "system": "crm",
                }
            )
            by_system["crm"] += 2
            if won:
                st["Won"] = closed
                first_invoice = None
                first_paid = None
                for _ in range(1 if rng.random() < 0.7 else 2):
                    if rng.random() < 0.1 and first_invoice is not None:
                        break
                    n_inv += 1
                    inv = f"INV{n_inv:05d}"
                    issued = closed + timedelta(hours=rng.randint(1, 24 * 5))
                    first_invoice = min(first_invoice or issued, issued)
                    ev.append(issued)
                    rows["invoices"].append({"invoice_id": inv, "deal_id": deal, "issued_at": _fmt(issued), "system": "1c"})
                    by_system["1c"] += 1
                    if rng.random() < 0.8:
                        n_pay += 1
                        paid = issued + timedelta(hours=rng.randint(1, 24 * 20))
                        first_paid = min(first_paid or paid, paid)
                        ev.append(paid)
                        rows["payments"].append(
                            {"payment_id": f"PAY{n_pay:05d}", "invoice_id": inv, "paid_at": _fmt(paid), "system": "billing"}
                        )
                        by_system["billing"] += 1
                if first_invoice is not None:
                    st["Invoice"] = first_invoice
                if first_paid is not None:
                    st["Paid"] = first_paid
            ticket_p = 0.35 if "Paid" in st else (0.08 if not won else 0.0)
            if rng.random() < ticket_p:
                n_tic += 1
                base = st.get("Paid", closed)
                opened = base + timedelta(hours=rng.randint(1, 24 * 30))
                done = opened + timedelta(hours=rng.randint(1, 72))
                st["Ticket"] = opened
                ev += [opened, done]
                rows["tickets"].append(
                    {
                        "ticket_id": f"T{n_tic:05d}",
                        "deal_id": deal,
                        "opened_at": _fmt(opened),
                        "closed_at": _fmt(done),
                        "system": "helpdesk",
                    }
                )
                by_system["helpdesk"] += 2
        stage_at[lead] = st
        events[lead] = ev
    # planted problems (not part of any customer's journey)
    orphan = ("L99999",)
    rows["deals"].append(
        {
            "deal_id": "D99999",
            "lead_id": orphan[0],
            "created_at": _fmt(_START),
            "won_at": "",
            "lost_at": _fmt(_START + timedelta(days=3)),
            "amount": 1000,
            "system": "crm",
        }
    )
    rows["deals"].append(
        {
            "deal_id": "",
            "lead_id": "L00001",
            "created_at": _fmt(_START),
            "won_at": "",
            "lost_at": "",
            "amount": 0,
            "system": "crm",
        }
    )
    rows["tickets"].append(
        {
            "ticket_id": "T99999",
            "deal_id": "D99999",
            "opened_at": "31.02.2024 10:00",
            "closed_at": _fmt(_START + timedelta(days=5)),
            "system": "helpdesk",
        }
    )
    by_system["crm"] += 2
    by_system["helpdesk"] += 1
    tables = {}
    for name, data in rows.items():
        p = out / f"{name}.csv"
        with open(p, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(data[0]))
            w.writeheader()
            w.writerows(data)
        tables[name] = p
    model = out / "objects.yaml"
    model.write_text(_MODEL, encoding="utf-8")
    return JourneyDemo(
        tables=tables,
        model=model,
        customers=customers,
        truth=_truth(stage_at, channel, events),
        orphan_deal_leads=orphan,
        rows_without_id=1,
        bad_dates=1,
        events_by_system=dict(by_system),
    )


def _truth(
    stage_at: dict[str, dict[str, datetime]], channel: dict[str, str], events: dict[str, list[datetime]]
) -> dict[str, StageTruth]:
    names = [s[0] for s in STAGES]
    out: dict[str, StageTruth] = {}
    prev_reached = set(stage_at)
    for i, name in enumerate(names):
        has = {c for c, st in stage_at.items() if name in st}
        reached = {c for c in prev_reached if name in stage_at[c]}
        start = [_days(min(events[c]), stage_at[c][name]) for c in reached]
        prev = [_days(stage_at[c][names[i - 1]], stage_at[c][name]) for c in reached] if i else []
        touch = [float(sum(1 for t in events[c] if t <= stage_at[c][name])) for c in reached]
        out[name] = StageTruth(
            reached=len(reached),
            dropped=len(prev_reached - reached),
            skipped=len(has - reached),
            days_from_start=(len(start), quantile(start, 0.5), quantile(start, 0.9)),
            days_from_previous=(len(prev), quantile(prev, 0.5), quantile(prev, 0.9)),
            touchpoints=(len(touch), quantile(touch, 0.5), quantile(touch, 0.9)),
            channels=dict(Counter(channel[c] for c in reached)),
        )
        prev_reached = reached
    return out


_MODEL = """\
# Object model of the synthetic CRM tables (crmflow demo): which table is which object type,
# which timestamp columns are events, which columns reference other objects.
timezone: UTC
objects:
  lead:
    table: leads
    id: lead_id
    attributes: [channel]
    events:
      - {column: created_at, activity: Create lead, attributes: [system, channel]}
  deal:
    table: deals
    id: deal_id
    attributes: [amount]
    events:
      - {column: created_at, activity: Create deal, attributes: [system]}
      - {column: won_at, activity: Win deal, attributes: [system, amount]}
      - {column: lost_at, activity: Lose deal, attributes: [system]}
    references:
      - {column: lead_id, type: lead, qualifier: converted from}
  invoice:
    table: invoices
    id: invoice_id
    events:
      - {column: issued_at, activity: Issue invoice, attributes: [system]}
    references:
      - {column: deal_id, type: deal, qualifier: bills}
  payment:
    table: payments
    id: payment_id
    events:
      - {column: paid_at, activity: Receive payment, attributes: [system]}
    references:
      - {column: invoice_id, type: invoice, qualifier: pays}
  ticket:
    table: tickets
    id: ticket_id
    events:
      - {column: opened_at, activity: Open ticket, attributes: [system]}
      - {column: closed_at, activity: Close ticket, attributes: [system]}
    references:
      - {column: deal_id, type: deal, qualifier: about}
journey:
  anchor: lead
  channel: channel
  stages:
    - {name: Lead, object_type: lead}
    - {name: Deal, object_type: deal}
    - {name: Won, activity: Win deal}
    - {name: Invoice, object_type: invoice}
    - {name: Paid, object_type: payment}
    - {name: Ticket, object_type: ticket}
"""
