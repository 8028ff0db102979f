"""The quality report: one offline HTML page rendered from the ``quality.json`` document alone.

No network, no JavaScript; the score bars are inline SVG drawn by the template. Every string from
the data (values, ids, column names) is escaped by Jinja2's autoescaping.

>>> page = render_quality_html({"entities": [], "lang": "en"}, lang="ru")
>>> page.startswith("<!DOCTYPE html>") and "Качество данных" in page
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader

from crmflow.base.numbers import MISSING, format_number, format_percent
from crmflow.i18n import check_lang
from crmflow.quality.clusters import duplicate_clusters
from crmflow.quality.duplicate_messages import report_text
from crmflow.quality.messages import t

#: How many ids a table cell shows before "… n more".
IDS_SHOWN = 30
#: How many duplicate clusters an entity's section shows side by side (the rest stay in quality.json).
CLUSTERS_SHOWN = 100
#: How many of them are open when the page loads.
CLUSTERS_OPEN = 10


def _environment(lang: str) -> Environment:
    env = Environment(loader=PackageLoader("crmflow.quality", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(
        t=lambda key, **kw: t(key, lang, **kw),
        dt=lambda key, **kw: report_text(key, lang, **kw),  # the duplicate section's own labels
        num=lambda v, digits=0: format_number(v, lang, digits=digits) if isinstance(v, int | float) else MISSING,
        pct=lambda v: format_percent(v, lang) if isinstance(v, int | float) else MISSING,
        clusters=lambda dup, name: duplicate_clusters(dup, entity=name, lang=lang, limit=CLUSTERS_SHOWN),
        lang=lang,
        IDS_SHOWN=IDS_SHOWN,
        CLUSTERS_SHOWN=CLUSTERS_SHOWN,
        CLUSTERS_OPEN=CLUSTERS_OPEN,
        MISSING=MISSING,
    )
    return env


def render_quality_html(data: Mapping[str, Any], *, lang: str) -> str:
    """Render the quality document as one HTML page in ``lang`` (``ru``/``en``)."""
    lang = check_lang(lang)
    return _environment(lang).get_template("quality.html.j2").render(q=data)


def write_quality_html(data: Mapping[str, Any], path: str | Path, *, lang: str) -> Path:
    """Render and write the page as UTF-8; return the path."""
    target = Path(path)
    target.write_text(render_quality_html(data, lang=lang), encoding="utf-8")
    return target
