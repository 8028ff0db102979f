"""The text of a BPMN drawing: colours and fonts shared by every shape, names wrapped into lines,
names turned upright in a pool's or lane's header, labels of flows and frequency counts.

Every text from the model goes through :func:`crmflow.base.markup.esc` here, so a name like
``<script>`` is shown, never run.
"""

from __future__ import annotations

from crmflow.base.markup import esc
from crmflow.base.text import fit_lines, text_width, wrap_words
from crmflow.bpmn.model import (
    Bounds,
    SequenceFlow,
)

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
INK = "#22303c"
LINE = "#3c4a57"
TASK_FILL = "#ffffff"
POOL_FILL = "#f7f9fb"
HEADER_FILL = "#e8eef4"
FLAG = "#c0392b"  # tasks flagged by a bottleneck or rework finding
FLAG_MEDIUM = "#d35400"
MUTED = "#5d6d7e"
MARK = "crmflow-bpmn"  # prefix of the marker ids, so several diagrams can share one HTML page


def wrap_text(text: str, width: int) -> list[str]:
    """Split a name into lines of at most ``width`` characters, at spaces (line breaks kept).

    A word longer than a line breaks at a hyphenation point (:func:`crmflow.base.text.wrap_words`),
    never mid-syllable ("Зарегистри-" / "ровать", not "Зарегистрирова" / "ть").

    >>> wrap_text("Create SW anomaly report", 12)
    ['Create SW', 'anomaly', 'report']
    >>> wrap_text("Slow\\nRepeated", 20)
    ['Slow', 'Repeated']
    """
    return wrap_words(text, max(1, width))


def flow_text(flow: SequenceFlow) -> str:
    """What is written beside a sequence flow: its name, else its condition in brackets.

    >>> flow_text(SequenceFlow(id="f", source="a", target="b", condition="amount > 1000"))
    '[amount > 1000]'
    """
    return flow.name or (f"[{flow.condition}]" if flow.condition else "")


def text_block(lines: list[str], cx: float, cy: float, size: float = 12, weight: str = "normal") -> str:
    """Lines of text centred on (cx, cy)."""
    step = size * 1.2
    first = cy - step * (len(lines) - 1) / 2 + size * 0.35
    spans = "".join(f'<tspan x="{cx:.1f}" y="{first + i * step:.1f}">{esc(line)}</tspan>' for i, line in enumerate(lines))
    return f'<text text-anchor="middle" font-size="{size}" font-weight="{weight}">{spans}</text>'


def fit(name: str, width: int, max_lines: int) -> list[str]:
    return fit_lines(name, max(1, width), max_lines)


def fit_px(name: str, width: float, max_lines: int, size: float) -> list[str]:
    """Lines of ``name`` no wider than ``width`` pixels in DejaVu Sans at ``size``."""
    return fit_lines(name, width, max_lines, measure=lambda line: text_width(line, size))


HEADER_CHAR = 7.5  # width of one character of a pool or lane name (12 px, semi-bold)
HEADER_PAD = 16.0


def header_span(name: str) -> float:
    """The height a pool or lane needs for its name upright in the header column, in two lines at most.

    >>> header_span("Website and request forms")
    113.5
    """
    words = name.split()
    for chars in range(max(4, max((len(w) for w in words), default=0)), len(name) + 1):
        if len(wrap_text(name, chars)) <= 2:
            return chars * HEADER_CHAR + HEADER_PAD
    return max(4, len(name)) * HEADER_CHAR + HEADER_PAD


def vertical_label(text: str, b: Bounds, width: float) -> str:
    """A name turned upright (reading bottom to top) in a header column of ``b``."""
    cx, cy = b.x + width / 2, b.y + b.height / 2
    lines = fit(text, max(4, int((b.height - HEADER_PAD) / HEADER_CHAR)), 2)
    return f'<g transform="rotate(-90 {cx:.1f} {cy:.1f})">{text_block(lines, cx, cy, 12, "600")}</g>'


def count_text(n: int) -> str:
    """A count with thin-space thousands (readable in Russian and English)."""
    return f"{n:,}".replace(",", "\u2009")  # thin space: readable in Russian and English


__all__ = [
    "FLAG", "FLAG_MEDIUM", "FONT", "HEADER_FILL", "INK", "LINE", "MARK", "MUTED", "POOL_FILL", "TASK_FILL",
    "count_text", "fit", "fit_px", "flow_text", "header_span", "text_block", "vertical_label", "wrap_text",
]  # fmt: skip
