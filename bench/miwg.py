"""The OMG BPMN MIWG test suite through crmflow: read, write → read identity, lint, render.

Run by hand (never in the test suite; the suite's Reference files and a sample of tool exports
are checked in CI by ``tests/bpmn/test_miwg.py``):

    .venv/bin/python bench/miwg.py /path/to/bpmn-miwg-test-suite            # prints the table
    .venv/bin/python bench/miwg.py /path/to/suite --write-docs               # and puts it in docs/bpmn.md
    .venv/bin/python bench/miwg.py /path/to/suite --details /tmp/miwg.tsv    # one row per file

The suite is https://github.com/bpmn-miwg/bpmn-miwg-test-suite (CC BY 3.0). Each ``.bpmn`` file is:

* **read** -- ``read``: accepted; ``refused``: a :class:`~crmflow.errors.CrmflowError` naming the rule
  broken; ``traceback``: any other exception (a bug);
* **written and read back** -- ``identity`` when ``read_bpmn(write_bpmn(m)) == m``;
* **linted** -- ``lint`` when :func:`~crmflow.bpmn.lint.lint` finishes (problems are the file's, not
  crmflow's); the count of files where lint reports ``unreachable`` is shown separately;
* **rendered** -- ``render`` when :func:`~crmflow.bpmn.render.render_svg` draws every diagram of the
  file (a file without diagram interchange is laid out by :func:`~crmflow.bpmn.layout.layout` first).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

from crmflow.bpmn.layout import layout  # noqa: E402
from crmflow.bpmn.lint import lint  # noqa: E402
from crmflow.bpmn.reader import read_bpmn  # noqa: E402
from crmflow.bpmn.render import render_svg  # noqa: E402
from crmflow.bpmn.writer import write_bpmn  # noqa: E402
from crmflow.errors import CrmflowError  # noqa: E402

BEGIN = "<!-- miwg-table:begin -->"
END = "<!-- miwg-table:end -->"


@dataclass
class FileResult:
    """What happened to one file."""

    folder: str
    path: str
    read: str = ""  # read / refused / traceback
    identity: str = ""  # same / differs / traceback / ""
    lint: str = ""  # ok / unreachable / traceback / ""
    render: str = ""  # ok / refused / traceback / ""
    detail: str = ""


@dataclass
class FolderRow:
    """Counts of one tool folder."""

    files: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _fail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def check_file(path: Path, folder: str) -> FileResult:
    """Read, write → read, lint and render one file; never raises."""
    r = FileResult(folder=folder, path=str(path))
    try:
        model = read_bpmn(path)
        r.read = "read"
    except CrmflowError as exc:
        r.read, r.detail = "refused", _fail(exc)
        return r
    except Exception as exc:  # noqa: BLE001 - counting bugs is the point
        r.read, r.detail = "traceback", _fail(exc) + " | " + traceback.format_exc().splitlines()[-3].strip()
        return r
    try:
        r.identity = "same" if read_bpmn(write_bpmn(model)) == model else "differs"
    except Exception as exc:  # noqa: BLE001
        r.identity, r.detail = "traceback", _fail(exc)
    try:
        report = lint(model, max_states=20_000)
        r.lint = "unreachable" if "unreachable" in report.codes() else "ok"
    except Exception as exc:  # noqa: BLE001
        r.lint, r.detail = "traceback", r.detail or _fail(exc)
    try:
        if model.diagrams:
            for i in range(len(model.diagrams)):  # every diagram of the file, not only the first
                render_svg(model, diagram=i)
        else:  # a file without DI: laid out by crmflow, as `crmflow bpmn render` does
            render_svg(layout(model))
        r.render = "ok"
    except CrmflowError as exc:
        r.render, r.detail = "refused", r.detail or _fail(exc)
    except Exception as exc:  # noqa: BLE001
        r.render, r.detail = "traceback", r.detail or _fail(exc)
    return r


def run_suite(suite: Path) -> list[FileResult]:
    """Every ``.bpmn`` file of the suite, by tool folder (``Reference`` first)."""
    results = []
    for path in sorted(suite.rglob("*.bpmn"), key=lambda p: (p.relative_to(suite).parts[0] != "Reference", str(p))):
        folder = path.relative_to(suite).parts[0]
        results.append(check_file(path, folder))
    return results


def table(results: list[FileResult]) -> str:
    """The Markdown table of counts per tool folder, with a total row."""
    rows: dict[str, FolderRow] = defaultdict(FolderRow)
    for r in results:
        for key in (r.folder, "**total**"):
            row = rows[key]
            row.files += 1
            for name, value in (("read", r.read), ("identity", r.identity), ("lint", r.lint), ("render", r.render)):
                row.counts[f"{name}:{value}"] += 1
    cols = [
        ("read", "read:read"),
        ("refused", "read:refused"),
        ("traceback", None),
        ("write→read same", "identity:same"),
        ("lint ran", None),
        ("lint 'unreachable'", "lint:unreachable"),
        ("rendered", "render:ok"),
        ("render failed", None),
    ]
    lines = ["| tool folder | files | " + " | ".join(c for c, _ in cols) + " |", "|---|" + "---:|" * (len(cols) + 1)]
    order = sorted((k for k in rows if k != "**total**"), key=lambda k: (k != "Reference", k.lower()))
    for key in [*order, "**total**"]:
        row, c = rows[key], rows[key].counts
        tracebacks = sum(v for k, v in c.items() if k.endswith(":traceback"))
        cells = []
        for title, counter in cols:
            if title == "traceback":
                cells.append(tracebacks)
            elif title == "lint ran":
                cells.append(c["lint:ok"] + c["lint:unreachable"])
            elif title == "render failed":
                cells.append(c["render:refused"] + c["render:traceback"])
            else:
                cells.append(c[counter or ""])
        lines.append(f"| {key} | {row.files} | " + " | ".join(str(x) for x in cells) + " |")
    return "\n".join(lines)


def write_docs(text: str) -> None:
    """Replace the table between the markers in ``docs/bpmn.md``."""
    doc = ROOT / "docs" / "bpmn.md"
    body = doc.read_text(encoding="utf-8")
    start, end = body.index(BEGIN) + len(BEGIN), body.index(END)
    doc.write_text(body[:start] + "\n" + text + "\n" + body[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", type=Path, help="a checkout of bpmn-miwg/bpmn-miwg-test-suite")
    parser.add_argument("--write-docs", action="store_true", help="replace the table in docs/bpmn.md")
    parser.add_argument("--details", type=Path, help="write one tab-separated row per file here")
    args = parser.parse_args(argv)
    results = run_suite(args.suite)
    text = table(results)
    print(text)
    if args.details:
        with args.details.open("w", encoding="utf-8") as out:
            for r in results:
                print(r.folder, Path(r.path).name, r.read, r.identity, r.lint, r.render, r.detail, sep="\t", file=out)
    if args.write_docs:
        write_docs(text)
    bad = [r for r in results if "traceback" in (r.read, r.identity, r.lint, r.render)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
