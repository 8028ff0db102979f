"""``index.html``: one offline page linking every file of the pack (jinja2, autoescaped).

All links are relative, so the pack folder can be zipped and opened anywhere; diagrams are shown
with ``<img>`` from the pack's own SVG files; nothing is fetched from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import DictLoader, Environment, select_autoescape

from crmflow.base.version import __version__
from crmflow.deliverables.messages import t

GROUPS = ("documents", "workbooks", "models", "diagrams", "uat", "integration")


@dataclass(frozen=True)
class PackFile:
    """A file of the pack as the index lists it: its group, label and path relative to the pack folder."""

    group: str
    label: str
    path: str

    @property
    def is_image(self) -> bool:
        return self.path.lower().endswith((".svg", ".png"))


#: The frame every offline crmflow page shares (the pack's and the demo's ``index.html``): a page
#: extends it and fills the ``style`` and ``body`` blocks; ``lang``, ``title`` and ``footer`` are values.
_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #1d2733; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid #d5dbe3; padding-bottom: .2rem; }
.lead { color: #44505c; } a { color: #1f4e79; } code { background: #f2f4f7; padding: 0 .3rem; }
figure img { max-width: 100%; border: 1px solid #d5dbe3; background: #fff; }
footer { margin-top: 3rem; color: #6b7785; font-size: .85rem; }
{% block style %}{% endblock %}
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% block body %}{% endblock %}
<footer>{{ footer }}</footer>
</body>
</html>
"""


def render_page(template: str, /, **values: object) -> str:
    """Render a page template that ``{% extends "page.html" %}`` (the shared offline frame).

    Every value is HTML-escaped (jinja2 autoescape), so CRM data can go in as it is.
    """
    env = Environment(
        loader=DictLoader({"page.html": _PAGE}),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    return env.from_string(template).render(**values)


_TEMPLATE = """{% extends "page.html" %}
{% block style %}
ul { line-height: 1.7; } figure { margin: 1rem 0 2rem; } figcaption { color: #44505c; font-size: .9rem; }
{% endblock %}
{% block body %}
{% for p in summary %}<p class="lead">{{ p }}</p>
{% endfor %}
{% for group in groups %}{% if files[group] %}
<section id="{{ group }}">
<h2>{{ headings[group] }}</h2>
{% if group == "diagrams" %}{% for f in files[group] %}{% if f.path.endswith(".svg") %}
<figure><a href="{{ f.path }}"><img src="{{ f.path }}" alt="{{ f.label }}"></a><figcaption>{{ f.label }}</figcaption></figure>
{% endif %}{% endfor %}
<ul>{% for f in files[group] %}<li><a href="{{ f.path }}">{{ f.label }}</a> <code>{{ f.path }}</code></li>{% endfor %}</ul>
{% else %}
<ul>{% for f in files[group] %}<li><a href="{{ f.path }}">{{ f.label }}</a> <code>{{ f.path }}</code></li>{% endfor %}</ul>
{% endif %}
</section>
{% endif %}{% endfor %}
{% endblock %}
"""


def render_index(*, title: str, summary: list[str], files: list[PackFile], lang: str) -> str:
    """The index page as text (every value is HTML-escaped)."""
    return render_page(
        _TEMPLATE,
        lang=lang, title=title, summary=summary, groups=GROUPS,
        files={g: [f for f in files if f.group == g] for g in GROUPS},
        headings={g: t(f"html.{g}", lang) for g in GROUPS},
        footer=t("html.generated", lang, version=__version__),
    )  # fmt: skip


def write_index(folder: Path, *, title: str, summary: list[str], files: list[PackFile], lang: str) -> Path:
    path = folder / "index.html"
    path.write_text(render_index(title=title, summary=summary, files=files, lang=lang), encoding="utf-8")
    return path


__all__ = ["GROUPS", "PackFile", "render_index", "render_page", "write_index"]
