"""The pictures of docs/bpmn.md: the annotated As-Is BPMN of two real logs, as bpmn-js and as crmflow draw them.

Run by hand after ``make setup`` (which installs Chromium and web/bpmnjs), or ``make screenshots``:

    .venv/bin/python bench/screenshots.py

For helpdesk and BPIC 2012 it discovers the As-Is model the audit puts in its report, imports it
into bpmn-js (web/bpmnjs/check.mjs, headless Chromium) and saves bpmn-js's screenshot as
``docs/img/asis-<log>-bpmnjs.png``; it refuses to save one when bpmn-js reported a warning or an
element without a shape. crmflow's own drawing of the helpdesk model (SVG rendered to PNG by
Typst) goes to ``docs/img/asis-helpdesk-crmflow.png``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = ROOT.parent / "shared" / "data" / "real"
IMG = ROOT / "docs" / "img"
CHECK = ROOT / "web" / "bpmnjs" / "check.mjs"
LOGS = {"helpdesk": "helpdesk.xes.gz", "bpic2012": "bpic2012.xes.gz"}


def main() -> int:
    from crmflow.asis import asis_model
    from crmflow.bpmn.render import render_png
    from crmflow.bpmn.writer import write_bpmn
    from crmflow.sources.reader import read_log

    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        args = ["node", str(CHECK)]
        for name, file in LOGS.items():
            model = asis_model(read_log(REAL / file))
            path = Path(tmp) / f"{name}.bpmn"
            path.write_bytes(write_bpmn(model))
            args += [str(path), "--png", str(Path(tmp) / f"{name}.png")]
            if name == "helpdesk":
                render_png(model, IMG / "asis-helpdesk-crmflow.png", ppi=96)
                print(f"wrote {IMG / 'asis-helpdesk-crmflow.png'}")
        env = dict(os.environ, CRMFLOW_CHROMIUM=os.environ.get("CRMFLOW_CHROMIUM", "/usr/bin/chromium"))
        done = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            print(f"bpmn-js check failed: {done.stderr.strip()}", file=sys.stderr)
            return 1
        status = 0
        for name, result in zip(LOGS, json.loads(done.stdout), strict=True):
            if not result["ok"] or result["warnings"] or result["missing"]:
                print(f"{name}: bpmn-js did not import it cleanly: {json.dumps(result, ensure_ascii=False)}", file=sys.stderr)
                status = 1
                continue
            target = IMG / f"asis-{name}-bpmnjs.png"
            target.write_bytes(Path(result["png"]).read_bytes())
            print(f"wrote {target} ({result['elements']} elements, no warnings)")
    return status


if __name__ == "__main__":
    sys.exit(main())
