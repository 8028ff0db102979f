"""An independent generator of a messy B2B deal log with its ground truth (issue 10's hard cases).

Written for the tests only, without any crmflow code, so that the audit is checked against a truth
computed here in plain Python:

* deals go Lead created → Qualification → Proposal sent → Negotiation → Contract signed → Invoice
  sent → Payment received, or end in Deal lost at any stage;
* **events after closing**: a share of the paid deals get support tickets 10–90 days after the
  payment (opened and closed by a support desk, sometimes several), a share of the lost deals a
  reminder weeks later — none of them reopens the deal;
* open deals stop mid-way, some long ago (stuck), some recently (in progress);
* four account executives, one of whom — the **hero** — does about half of all qualifications and
  negotiations (twice the fair share of ¼); two lawyers at about **51/49**; two accountants evenly;
  three support agents evenly;
* exactly ``n_rework`` (default 287, more than the 200-case sample) deals negotiate twice.
"""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

STAGES = ("Lead created", "Qualification", "Proposal sent", "Negotiation", "Contract signed", "Invoice sent", "Payment received")
LOST, TICKET, TICKET_DONE, REMINDER = "Deal lost", "Support ticket opened", "Support ticket closed", "Reminder"
HERO = "Anna Hero"
AES = (HERO, "Boris AE", "Clara AE", "Dmitri AE")
LAWYERS = ("Lena Lawyer", "Mark Lawyer")
ACCOUNTANTS = ("Olga Accountant", "Petr Accountant")
SUPPORT = ("Sam Support", "Tina Support", "Uma Support")
ROLE = {
    **dict.fromkeys(AES, "Account executive"),
    **dict.fromkeys(LAWYERS, "Lawyer"),
    **dict.fromkeys(ACCOUNTANTS, "Accountant"),
    **dict.fromkeys(SUPPORT, "Support"),
}
START = datetime(2024, 1, 1, 9, 0)
RULES = {
    "end_activities": ["Payment received", "Deal lost"],
    "stuck_after": "30d",
    "stages": list(STAGES),
    "sla": [{"name": "invoice", "from": "Contract signed", "to": "Invoice sent", "within": "2d", "time": "calendar"}],
    "thresholds": {"ping_pong_min": 1000},  # not what this log is about
}


@dataclass
class MessyLog:
    """The rows (case_id, activity, timestamp, resource, role) and the truth derived from them."""

    rows: list[tuple[str, str, datetime, str, str]]
    truth: dict[str, Any] = field(default_factory=dict)

    def write_csv(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(("case_id", "activity", "timestamp", "resource", "role"))
            for case, act, ts, res, role in self.rows:
                w.writerow((case, act, ts.strftime("%Y-%m-%d %H:%M:%S"), res, role))
        return path


def _ae(rng: random.Random, activity: str) -> str:
    if activity in ("Qualification", "Negotiation"):  # the hero does half of it
        return HERO if rng.random() < 0.5 else rng.choice(AES[1:])
    return rng.choice(AES)


def generate(*, n_deals: int = 1500, seed: int = 10, n_rework: int = 287) -> MessyLog:
    """A messy deal log with its ground truth (see the module docstring)."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, datetime, str, str]] = []
    rework_ids = set(rng.sample(range(n_deals), n_rework))
    for i in range(n_deals):
        case = f"D{i + 1:05d}"
        t = START + timedelta(days=rng.uniform(0, 300), hours=rng.uniform(0, 8))
        fate = rng.random()  # < 0.55 won, < 0.80 lost, else left open
        stop = len(STAGES) if fate < 0.55 else rng.randint(1, len(STAGES) - 1)
        if i in rework_ids:
            stop = max(stop, 5)  # reaches the contract after the second negotiation
        for k, stage in enumerate(STAGES[:stop]):
            if k:
                t += timedelta(hours=rng.uniform(2, 72))
            who = LAWYERS[0] if stage == "Contract signed" and rng.random() < 0.51 else None
            if stage == "Contract signed" and who is None:
                who = LAWYERS[1]
            if stage in ("Invoice sent", "Payment received"):
                who = rng.choice(ACCOUNTANTS)
            who = who or _ae(rng, stage)
            rows.append((case, stage, t, who, ROLE[who]))
            if stage == "Negotiation" and i in rework_ids:
                t += timedelta(hours=rng.uniform(2, 48))
                who = _ae(rng, stage)
                rows.append((case, stage, t, who, ROLE[who]))
        if stop == len(STAGES):
            if rng.random() < 0.45:  # support after the payment: does not reopen the deal
                for _ in range(rng.choice((1, 1, 2, 3))):
                    t += timedelta(days=rng.uniform(10, 90))
                    agent = rng.choice(SUPPORT)
                    rows.append((case, TICKET, t, agent, ROLE[agent]))
                    t += timedelta(hours=rng.uniform(1, 30))
                    rows.append((case, TICKET_DONE, t, agent, ROLE[agent]))
        elif fate < 0.80 and i not in rework_ids:
            t += timedelta(hours=rng.uniform(2, 72))
            who = rng.choice(AES)
            rows.append((case, LOST, t, who, ROLE[who]))
            if rng.random() < 0.2:
                t += timedelta(days=rng.uniform(20, 60))
                rows.append((case, REMINDER, t, who, ROLE[who]))
    rows.sort(key=lambda r: (r[0], r[2]))
    log = MessyLog(rows)
    log.truth = _truth(rows)
    return log


def _truth(rows: list[tuple[str, str, datetime, str, str]]) -> dict[str, Any]:
    by_case: dict[str, list[tuple[str, datetime, str]]] = defaultdict(list)
    for case, act, ts, res, _role in rows:
        by_case[case].append((act, ts, res))
    log_end = max(r[2] for r in rows)
    ends = {"Payment received", LOST}
    closed = {
        c: next(i for i, e in enumerate(evs) if e[0] in ends) for c, evs in by_case.items() if any(e[0] in ends for e in evs)
    }
    open_cases = [c for c in by_case if c not in closed]
    idle = {c: (log_end - by_case[c][-1][1]).total_seconds() for c in by_case}
    stuck = sorted(c for c in open_cases if idle[c] > 30 * 86400)
    naive_stuck = sorted(c for c, evs in by_case.items() if evs[-1][0] not in ends and idle[c] > 30 * 86400)
    after = {c: len(by_case[c]) - 1 - k for c, k in closed.items() if len(by_case[c]) - 1 > k}
    per_activity: dict[str, Counter[str]] = defaultdict(Counter)
    for _case, act, _ts, res, _role in rows:
        per_activity[act][res] += 1
    shares = {a: {p: n / sum(c.values()) for p, n in c.items()} for a, c in per_activity.items()}
    rework = sorted(c for c, evs in by_case.items() if sum(1 for e in evs if e[0] == "Negotiation") > 1)
    # the invoice SLA: contract -> invoice within 2 days; a lost deal's clock stops when it is lost
    sla_violations = {}
    for c, evs in by_case.items():
        acts = [e[0] for e in evs]
        if "Contract signed" not in acts:
            continue
        k = acts.index("Contract signed")
        t0 = evs[k][1]
        to = next((e[1] for e in evs[k + 1 :] if e[0] == "Invoice sent"), None)
        stop = to or (evs[closed[c]][1] if c in closed and closed[c] >= k else log_end)
        if (stop - t0).total_seconds() > 2 * 86400:
            sla_violations[c] = (stop - t0).total_seconds()
    return {
        "log_end": log_end,
        "cases": len(by_case),
        "closed": len(closed),
        "open": len(open_cases),
        "stuck": stuck,
        "stuck_idle_s": {c: idle[c] for c in stuck},
        "naive_stuck": naive_stuck,
        "events_after_closing": sum(after.values()),
        "cases_after_closing": len(after),
        "shares": shares,
        "rework": rework,
        "sla_violations": sla_violations,
    }
