"""What the report's process map with sliders costs, against pm4py drawing its DFG, in the same run.

    .venv/bin/python bench/map_levels.py

For the demo's Bitrix24 export, helpdesk and BPIC 2012 it times, on a log already loaded and mined:

* ``levels``: :func:`crmflow.report.processmap.render_process_maps` for both views at every
  activity level (what ``report.html`` embeds: one Graphviz layout per level and view);
* ``default``: :func:`render_process_map` of the default level, one view (what the report drew
  before the sliders);
* ``pm4py``: ``pm4py.visualization.dfg`` on the frequency DFG of the same log rendered to SVG
  (one Graphviz run, pm4py's own activity/path filtering at its defaults), the peer.

Prints seconds, the number of layouts and the ratio levels / pm4py, and the load average.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REAL = HERE.parent.parent / "shared" / "data" / "real"


def _best(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    import pm4py
    import yaml
    from pm4py.visualization.dfg import visualizer as dfg_visualizer

    from crmflow.demo.bitrix import generate_bitrix_demo
    from crmflow.mining.dfg import discover_dfg
    from crmflow.mining.statistics import activity_statistics
    from crmflow.report.processmap import levels_of, render_process_map, render_process_maps
    from crmflow.results.audit import AuditDocument
    from crmflow.sources.reader import read_log

    with tempfile.TemporaryDirectory() as tmp:
        demo = generate_bitrix_demo(Path(tmp) / "demo")
        rules = yaml.safe_load(demo.rules_path.read_text(encoding="utf-8"))
        logs = {
            "demo": (read_log(demo.csv_path, timezone="Europe/Moscow"), rules),
            "helpdesk": (read_log(REAL / "helpdesk.xes.gz"), None),
            "bpic2012": (read_log(REAL / "bpic2012.xes.gz"), None),
        }
        print(f"{'log':10} {'levels':>8} {'layouts':>8} {'default':>8} {'pm4py':>8} {'levels/pm4py':>13}")
        for name, (log, log_rules) in logs.items():
            dfg = discover_dfg(log)
            doc = AuditDocument.from_json(
                {
                    "dfg": [e.to_dict() for e in dfg.edges],
                    "start_activities": dfg.start_activities,
                    "end_activities": dfg.end_activities,
                    "activities": [a.to_dict() for a in activity_statistics(log)],
                    "rules": log_rules,
                }
            )
            levels = levels_of(doc)

            def ours(doc: AuditDocument = doc) -> None:
                chosen = levels_of(doc)
                for view in ("frequency", "performance"):
                    render_process_maps(doc, view=view, lang="ru", levels=chosen)

            frame = log.to_pandas()  # XES column names, pm4py's defaults
            pm_dfg, _starts, _ends = pm4py.discover_dfg(frame)

            def peer(pm_dfg: dict = pm_dfg) -> None:  # type: ignore[type-arg]
                gviz = dfg_visualizer.apply(pm_dfg, variant=dfg_visualizer.Variants.FREQUENCY, parameters={"format": "svg"})
                gviz.pipe(format="svg")

            t_levels = _best(ours)
            t_default = _best(lambda doc=doc: render_process_map(doc, view="frequency", lang="ru"))
            t_peer = _best(peer)
            print(
                f"{name:10} {t_levels:8.2f} {2 * len(levels.levels):8d} {t_default:8.2f} {t_peer:8.2f} {t_levels / t_peer:13.1f}"
            )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
