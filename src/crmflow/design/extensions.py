"""The To-Be data inside BPMN ``extensionElements`` (the ``crmflow`` namespace), and back.

A compiled BPMN carries the whole definition, so a BPMN round trip loses nothing: the root
``<definitions>`` holds ``<crmflow:tobe>`` (roles, systems, KPIs, event catalogue, calendar), each
``<process>`` holds ``<crmflow:process>`` (owner, lanes, journey stages, process rules), and each
task, gateway and event compiled from the flow holds ``<crmflow:node>`` with its RACI, SLAs,
rules, SIPOC and CJM data. Nodes that compilation adds (SLA timers, escalation steps, joins) hold
``<crmflow:generated>`` instead.

The encoding is generic and readable: a mapping is an element whose text values are attributes
(``<crmflow:name ru="Квалификация" en="Qualification"/>``) and whose other values are child
elements; a list is marked ``crmflow:t="list"`` with ``<crmflow:item>`` children; numbers and
booleans are marked ``crmflow:t="number"`` / ``"boolean"``.

>>> xml = encode("raci", {"R": ["sdr"], "A": ["head"]})
>>> xml[:60]
'<crmflow:raci xmlns:crmflow="https://crmflow.dev/schema/bpmn'
>>> decode_xml(xml)
('raci', {'R': ['sdr'], 'A': ['head']})
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from crmflow.base.xml import safe_xml_parser
from crmflow.bpmn.reader import canonical_xml, document_nsmap
from crmflow.design.error_messages import ERRORS
from crmflow.errors import ToBeError
from crmflow.i18n import error

#: Namespace of crmflow's BPMN extension elements.
CRMFLOW_NS = "https://crmflow.dev/schema/bpmn/1"
PREFIX = "crmflow"
_T = f"{{{CRMFLOW_NS}}}t"
_KEY = f"{{{CRMFLOW_NS}}}key"
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _q(local: str) -> str:
    return f"{{{CRMFLOW_NS}}}{local}"


def _build(parent: etree._Element | None, key: str, value: Any) -> etree._Element:
    tag = _q(key) if _NCNAME.match(key) else _q("entry")
    node = etree.Element(tag, nsmap={PREFIX: CRMFLOW_NS}) if parent is None else etree.SubElement(parent, tag)
    if tag == _q("entry"):
        node.set(_KEY, key)
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and _NCNAME.match(k) and k not in ("t", "key"):
                node.set(k, v)
            else:
                _build(node, k, v)
    elif isinstance(value, list | tuple):
        node.set(_T, "list")
        for item in value:
            _build(node, "item", item)
    elif isinstance(value, bool):
        node.set(_T, "boolean")
        node.text = "true" if value else "false"
    elif isinstance(value, int | float):
        node.set(_T, "number")
        node.text = repr(value)
    elif value is None:
        node.set(_T, "null")
    else:
        node.set(_T, "text")
        node.text = str(value)
    return node


def encode(key: str, value: Any) -> str:
    """One extension element ``<crmflow:{key}>`` holding ``value`` (dicts, lists, text, numbers).

    The text is canonical (exclusive C14N, as :func:`crmflow.bpmn.reader.canonical_xml` keeps
    extensions), so a compiled model equals the model read back from its file.
    """
    return canonical_xml(_build(None, key, value), document_nsmap(((PREFIX, CRMFLOW_NS),)))


def _read(node: etree._Element) -> Any:
    kind = node.get(_T)
    if kind == "list":
        return [_read(c) for c in node if isinstance(c.tag, str)]
    if kind == "boolean":
        return (node.text or "").strip() == "true"
    if kind == "number":
        text = (node.text or "").strip()
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text else number
    if kind == "null":
        return None
    if kind == "text":
        return node.text or ""
    out: dict[str, Any] = {}
    for name, value in node.attrib.items():
        if not name.startswith("{"):
            out[name] = value
    for child in node:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        out[child.get(_KEY, local) if local == "entry" else local] = _read(child)
    return out


def decode(element: etree._Element) -> tuple[str, Any]:
    """``(local name, value)`` of an extension element written by :func:`encode`."""
    return etree.QName(element).localname, _read(element)


def decode_xml(xml: str) -> tuple[str, Any]:
    """Decode the canonical XML text of one extension element (as the BPMN model keeps it)."""
    try:
        element = etree.fromstring(xml.encode("utf-8"), parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise error(ToBeError, ERRORS, "extensions.crmflow_extension_element_not", exc=exc) from None
    return decode(element)


def find(extensions: tuple[str, ...], key: str) -> Any | None:
    """The value of the first ``<crmflow:{key}>`` among an element's extensions, or None."""
    marker = f"{{{CRMFLOW_NS}}}{key}"
    for raw in extensions:
        if CRMFLOW_NS not in raw:
            continue
        element = etree.fromstring(raw.encode("utf-8"), parser=safe_xml_parser())
        if element.tag == marker:
            return decode(element)[1]
    return None


__all__ = ["CRMFLOW_NS", "PREFIX", "decode", "decode_xml", "encode", "find"]
