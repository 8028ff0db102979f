"""The BPMN elements crmflow keeps as raw XML, found by id: what the diagram may still draw.

The model interprets what CRM processes need; the rest of BPMN 2.0 (data stores, data inputs and
outputs, data associations, groups, choreographies, conversations, ``ioSpecification``…) is kept
verbatim in the ``unmodelled`` children of the element that holds it, so a round trip loses
nothing. Diagrams draw those elements too, and a drawing needs to know what an id is:
:func:`raw_elements` parses the kept XML once and indexes every element with an id.

>>> from crmflow.bpmn.model import Definitions, Process
>>> raw = '<bpmn:dataStoreReference xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="DS" name="CRM"/>'
>>> found = raw_elements(Definitions(id="D", processes=(Process(id="P", unmodelled=(raw,)),)))
>>> found["DS"].kind, found["DS"].name
('dataStoreReference', 'CRM')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from crmflow.bpmn.model import Definitions
from crmflow.ingest.safety import safe_xml_parser


@dataclass(frozen=True)
class RawElement:
    """An element kept as XML: its local name, ``name`` attribute and the attributes a drawing uses.

    ``value`` is the ``value`` of a ``categoryValue`` (a group's label) and
    ``category_value`` the ``categoryValueRef`` of a group.
    """

    id: str
    kind: str
    name: str = ""
    value: str = ""
    category_value: str = ""


def _strings(defs: Definitions) -> Iterable[str]:
    yield from defs.unmodelled
    for element in defs.elements():
        yield from getattr(element, "unmodelled", ())
        plane = getattr(element, "plane", None)
        if plane is not None:
            yield from plane.unmodelled


def raw_elements(defs: Definitions) -> dict[str, RawElement]:
    """Every element with an id inside the kept XML of a model, by id (the first one wins).

    Parameters
    ----------
    defs
        The model.

    Returns
    -------
    dict[str, RawElement]
        Id → what the element is; empty when the model keeps no raw XML.
    """
    parser = safe_xml_parser()
    found: dict[str, RawElement] = {}
    for text in _strings(defs):
        if ' id="' not in text:
            continue
        try:
            root = etree.fromstring(text.encode("utf-8"), parser)
        except etree.XMLSyntaxError:  # kept XML came from a parsed document: cannot happen, but never fail a drawing
            continue
        for el in root.iter():
            ident = el.get("id") if isinstance(el.tag, str) else None
            if not ident or ident in found:
                continue
            ref = el.get("categoryValueRef", "")
            found[ident] = RawElement(
                id=ident,
                kind=etree.QName(el).localname,
                name=el.get("name", ""),
                value=el.get("value", ""),
                category_value=ref.partition(":")[2] or ref,
            )
    return found


__all__ = ["RawElement", "raw_elements"]
