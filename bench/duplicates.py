"""Benchmark of duplicate detection on generated contact and company sets with known clusters.

Run by hand (never in the test suite):

    .venv/bin/python bench/duplicates.py                          # 10 k and 100 k contacts, 10 k companies
    .venv/bin/python bench/duplicates.py --contacts 2000 --companies 0
    .venv/bin/python bench/duplicates.py --contacts 10000 --companies 0 --crowd 0.4   # shared phones
    .venv/bin/python bench/duplicates.py --contacts 10000 --companies 0 --company-contacts 0.5  # B2B colleagues

Each set runs in a fresh subprocess so that peak memory (max RSS) is per run. Prints a Markdown table
for docs/benchmarks.md: pairwise precision, recall and F1 of the clusters against the generator's truth,
the time of :func:`crmflow.quality.duplicates.find_duplicates` (generation and loading not included)
and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

CONTACT_FIELDS = dict(
    phone="phone",
    email="email",
    first_name="first_name",
    last_name="last_name",
    middle_name="middle_name",
    inn="inn",
    company="company",
    updated_at="updated_at",
)
COMPANY_FIELDS = dict(company="name", inn="inn", phone="phone", email="email", updated_at="updated_at")


def _crowd(demo: object, share: float, seed: int) -> None:
    """Give ``share`` of the records outside true clusters one phone, and a quarter as many an office line."""
    import random

    in_cluster = {i for c in demo.true_clusters() for i in c}  # type: ignore[attr-defined]
    singles = [r for r in demo.rows if r["id"] not in in_cluster]  # type: ignore[attr-defined]
    random.Random(seed).shuffle(singles)
    shared, office = int(share * len(demo.rows)), int(share * len(demo.rows) / 4)  # type: ignore[attr-defined]
    for k, row in enumerate(singles[: shared + office]):
        row["phone"] = "8 (800) 555-35-35" if k < shared else "+7 (495) 926-11-00"


def run_one(kind: str, n: int, seed: int, crowd: float = 0.0, company_contacts: float = 0.0) -> dict[str, object]:
    from crmflow.demo.contacts import generate_companies, generate_contacts
    from crmflow.quality.duplicates import DuplicateFields, find_duplicates
    from crmflow.store.store import EventStore

    demo = (
        generate_contacts(n_records=n, seed=seed, company_contacts=company_contacts)
        if kind == "contact"
        else generate_companies(n_records=n, seed=seed)
    )
    if crowd:
        _crowd(demo, crowd, seed)
    store = EventStore()
    demo.load(store, "entities")
    fields = DuplicateFields(**(CONTACT_FIELDS if kind == "contact" else COMPANY_FIELDS))
    start = time.perf_counter()
    report = find_duplicates(store, "entities", entity=kind, id_column="id", fields=fields)
    seconds = time.perf_counter() - start
    score = demo.score(report.clusters)
    inn = {str(r["id"]): r["inn"] for r in demo.rows}
    colleague_pairs = sum(
        1
        for c in report.clusters
        for i, a in enumerate(c)
        for b in c[i + 1 :]
        if demo.truth[int(a)] != demo.truth[int(b)] and inn[a] and inn[a] == inn[b] and len(str(inn[a])) == 10
    )
    return {
        "colleague_false_pairs": colleague_pairs,
        "rejected_pairs": len(getattr(report, "rejected", [])),
        "kind": kind,
        "records": n,
        "seed": seed,
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        "true_pairs": score.true_pairs,
        "predicted_pairs": score.predicted_pairs,
        "clusters": len(report.clusters),
        "true_clusters": len(demo.true_clusters()),
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "prior": report.prior,
        "candidate_pairs": report.candidate_pairs,
        "pair_budget": report.pair_budget,
        "largest_cluster": max((len(c) for c in report.clusters), default=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--companies", type=int, nargs="*", default=[10_000])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--crowd", type=float, default=0.0, help="share of the records (outside true clusters) given one shared phone"
    )
    parser.add_argument(
        "--company-contacts",
        type=float,
        default=0.0,
        help="share of the people who are contacts of B2B client companies of 2-10 contacts (shared INN, name, domain)",
    )
    parser.add_argument("--one", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), args.seed, args.crowd, args.company_contacts)))
        return
    kind_label = {"contact": "contacts", "company": "companies"}
    runs = [("contact", n) for n in args.contacts if n] + [("company", n) for n in args.companies if n]
    print(f"<!-- {platform.python_version()}, {platform.machine()}, seed {args.seed} -->")
    print(
        "| set | records | true pairs | precision | recall | F1 | time, s | peak RSS, MB | candidate pairs | "
        "colleagues merged | pairs rejected |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, n in runs:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                *("--one", kind, str(n), "--seed", str(args.seed), "--crowd", str(args.crowd)),
                *("--company-contacts", str(args.company_contacts)),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        label = kind_label[kind] + (f", {args.crowd:.0%} share a phone" if args.crowd else "")
        if kind == "contact" and args.company_contacts:
            label += f", {args.company_contacts:.0%} B2B colleagues"
        print(
            f"| {label} | {r['records']:,} | {r['true_pairs']:,} | {r['precision']:.3f} | {r['recall']:.3f} | "
            f"{r['f1']:.3f} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | {r['candidate_pairs']:,} | "
            f"{r['colleague_false_pairs']:,} | {r['rejected_pairs']:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
