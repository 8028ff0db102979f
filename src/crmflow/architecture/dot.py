"""Graphviz for the architecture diagrams: escaping of labels and running ``dot`` to SVG.

Every name in an ERD or DFD comes from the client's data; it is escaped here before it reaches an
HTML-like DOT label or a quoted DOT string, so a column named ``<script>`` stays text.
"""

from __future__ import annotations

import html
import re

import graphviz

from crmflow.architecture.error_messages import ERRORS
from crmflow.errors import GraphvizNotFoundError, ProcessMapError
from crmflow.i18n import error

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MSG: dict[str, dict[str, str]] = {
    "graphviz_missing": {
        "en": "Graphviz's `dot` is not installed: install the `graphviz` package (apt install graphviz, brew install graphviz)",
        "ru": "Не установлен Graphviz (`dot`): установите пакет graphviz (apt install graphviz, brew install graphviz)",
    },
}


def html_text(value: object) -> str:
    """Escape text for an HTML-like DOT label (backslashes doubled, or dot reads ``\\N`` as the node id).

    >>> html_text('a<b> & "c"')
    'a&lt;b&gt; &amp; &quot;c&quot;'
    """
    return html.escape(_CONTROL.sub(" ", str(value)), quote=True).replace("\\", "\\\\")


def dot_string(value: str) -> str:
    """A quoted DOT string (newlines become centred line breaks).

    >>> dot_string('say "hi"')
    '"say \\\\"hi\\\\""'
    """
    clean = _CONTROL.sub(" ", value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + clean.replace("\n", "\\n") + '"'


def render_dot_svg(source: str, *, lang: str = "en") -> str:
    """Run Graphviz ``dot`` on DOT source and return the SVG text."""
    try:
        return str(graphviz.Source(source, engine="dot").pipe(format="svg", encoding="utf-8", quiet=True))
    except graphviz.ExecutableNotFound as exc:
        raise error(GraphvizNotFoundError, MSG, "graphviz_missing", lang) from exc
    except graphviz.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else exc.stderr
        raise error(ProcessMapError, ERRORS, "dot.graphviz_dot_failed_diagram", value=str(detail).strip()) from exc


__all__ = ["dot_string", "html_text", "render_dot_svg"]
