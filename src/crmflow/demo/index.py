"""``index.html`` of the demo: one offline page linking every result (jinja2, autoescaped).

Links are relative to the demo folder, so it can be moved or zipped; the diagrams (ERD, DFD) are
shown inline from their own SVG files; nothing is fetched from the network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crmflow.base.version import __version__
from crmflow.deliverables.html import render_page
from crmflow.demo.messages import t

#: The index's sections, in order.
GROUPS = ("audits", "quality", "architecture", "pack", "data")


@dataclass(frozen=True)
class DemoOutput:
    """One result of the demo: what it is, the file to open, a one-line summary and related files.

    Attributes
    ----------
    key
        Which step wrote it (``bitrix_audit``, ``quality``, ``erd`` …).
    group
        Its section of the index (one of :data:`GROUPS`).
    label, detail
        What it is and what it found, in the demo's language.
    path
        The file to open.
    extras
        Related files as ``(label, path)``.
    """

    key: str
    group: str
    label: str
    detail: str
    path: Path
    extras: tuple[tuple[str, Path], ...] = ()


_TEMPLATE = """{% extends "page.html" %}
{% block style %}
.card { margin: .8rem 0 1.2rem; } .card a.main { font-weight: 600; font-size: 1.05rem; }
.detail { color: #44505c; margin: .2rem 0; } .extras { font-size: .9rem; color: #6b7785; }
figure { margin: .5rem 0 1.5rem; }
{% endblock %}
{% block body %}
<p class="lead">{{ lead }}</p>
{% for group in groups %}{% if items[group] %}
<section id="{{ group }}">
<h2>{{ headings[group] }}</h2>
{% for o in items[group] %}<div class="card">
<a class="main" href="{{ o.href }}">{{ o.label }}</a> <code>{{ o.href }}</code>
<p class="detail">{{ o.detail }}</p>
{% if o.extras %}<p class="extras">{{ also }}: {% for label, href in o.extras %}<a href="{{ href }}">{{ label }}</a>
{%- if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
{% if o.href.endswith(".svg") %}<figure><a href="{{ o.href }}"><img src="{{ o.href }}" alt="{{ o.label }}"></a>
</figure>{% endif %}
</div>
{% endfor %}</section>
{% endif %}{% endfor %}
{% endblock %}
"""


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


def write_demo_index(out_dir: str | Path, outputs: list[DemoOutput] | tuple[DemoOutput, ...], *, lang: str) -> Path:
    """Write ``out_dir/index.html`` linking ``outputs`` (grouped by section) and return its path."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    items: dict[str, list[dict[str, object]]] = {g: [] for g in GROUPS}
    for o in outputs:
        items.setdefault(o.group, []).append(
            {
                "label": o.label,
                "detail": o.detail,
                "href": _rel(o.path, root),
                "extras": [(label, _rel(p, root)) for label, p in o.extras],
            }
        )
    html = render_page(
        _TEMPLATE,
        lang=lang,
        title=t("html.title", lang),
        lead=t("html.lead", lang),
        groups=GROUPS,
        items=items,
        headings={g: t(f"html.section.{g}", lang) for g in GROUPS},
        also=t("html.also", lang),
        footer=t("html.footer", lang, version=__version__, when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
    )
    path = root / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


__all__ = ["GROUPS", "DemoOutput", "write_demo_index"]
