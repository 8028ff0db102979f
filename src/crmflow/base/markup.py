"""Escaping of any value for HTML, SVG and XML, shared by the report's charts and the BPMN renderer.

CRM data (activity, resource, stage names) goes through :func:`esc` in element text and in attributes
alike, so a name such as ``<script>`` or ``"onload="x`` is shown, never run.
"""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(value: object) -> str:
    """Escape any value for SVG/XML text or a quoted attribute (control characters dropped).

    >>> esc('<b a="1">]]>&')
    '&lt;b a=&quot;1&quot;&gt;]]&gt;&amp;'
    """
    return html.escape(_CONTROL.sub("", str(value)), quote=True)
