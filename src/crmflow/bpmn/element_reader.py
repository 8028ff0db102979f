"""Reading one BPMN element's parts: its id, references, flags, numbers and what is kept as written.

:class:`ElementReader` is the base of the BPMN reader: it turns an attribute into an id, a
reference (a QName reference as the plain id, unless it names an imported document), a boolean or
a finite number, and collects an element's documentation, extension elements, unmodelled children
and other attributes. A malformed value raises :class:`~crmflow.bpmn.model.BpmnError` naming the
element (its id, or its line).
"""

from __future__ import annotations

import math
from typing import Any

from lxml import etree

from crmflow.bpmn.model import BPMN_NS, BpmnError
from crmflow.bpmn.namespaces import canonical_xml


def bpmn_tag(local: str) -> str:
    """The Clark-notation tag of a BPMN element: ``{ns}local``."""
    return f"{{{BPMN_NS}}}{local}"


def bpmn_tags(locals_: set[str]) -> set[str]:
    """The Clark-notation tags of a set of BPMN element names."""
    return {bpmn_tag(t) for t in locals_}


def other_attributes(el: etree._Element, modelled: set[str]) -> tuple[tuple[str, str], ...]:
    """The attributes of an element that the model does not hold (besides its id), as written."""
    return tuple((str(k), str(v)) for k, v in el.attrib.items() if k != "id" and k not in modelled)


class ElementReader:
    """The attribute and child helpers of the BPMN reader, for one document."""

    def __init__(self, label: str, nsmap: dict[str | None, str], imported: frozenset[str] = frozenset()) -> None:
        self.source = label
        self.nsmap = nsmap
        self.imported = imported  # namespaces of <import>ed documents: their QNames are not local ids

    def local(self, el: etree._Element, value: str) -> str:
        """An id reference written as a QName (``bpmn2:_id``, ``tns:Task_1``) as the plain id.

        BPMN's XSD types references as ``xsd:QName``; most tools write bare ids, some prefix
        them. A prefix declared on the element (or an ancestor) is dropped unless it names the
        namespace of an imported document, whose ids this document does not hold.
        """
        prefix, sep, rest = value.partition(":")
        if not sep or not rest or prefix not in el.nsmap or el.nsmap[prefix] in self.imported:
            return value
        return rest

    def fail(self, el: etree._Element, message: str) -> BpmnError:
        local = etree.QName(el).localname
        who = f"<{local} id=`{el.get('id')}`>" if el.get("id") else f"<{local}> on line {el.sourceline}"
        return BpmnError(f"{self.source}: {who}: {message}")

    def ident(self, el: etree._Element, *, required: bool = True) -> str:
        value = el.get("id")
        if value is None or not value.strip():
            if required:
                raise self.fail(el, "has no id (expected an id attribute, which flows and diagrams refer to)")
            return ""
        return value

    def ref(self, el: etree._Element, attr: str, *, required: bool = True) -> str | None:
        value = el.get(attr)
        if value is None or not value.strip():
            if required:
                raise self.fail(el, f"has no {attr} (expected the id of the element it refers to)")
            return None
        return self.local(el, value.strip())

    def flag(self, el: etree._Element, attr: str, default: bool) -> bool:
        value = el.get(attr)
        if value is None:
            return default
        text = value.strip().lower()
        if text not in ("true", "false"):
            raise self.fail(el, f"{attr}={value!r} is not a boolean (expected true or false)")
        return text == "true"

    def number(self, el: etree._Element, attr: str) -> float:
        raw = el.get(attr)
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise self.fail(el, f"{attr}={raw!r} is not a number (expected a coordinate such as 120 or 87.5)") from None
        if not math.isfinite(value):
            raise self.fail(el, f"{attr}={raw!r} is not a finite number")
        return value

    def common(self, el: etree._Element, *, attrs: set[str] = frozenset(), children: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
        """Documentation, extensions, unmodelled children and other attributes of an element."""
        docs: list[str] = []
        extensions: list[str] = []
        unmodelled: list[str] = []
        for child in el:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions
            if child.tag == bpmn_tag("documentation"):
                docs.append("".join(child.itertext()))
            elif child.tag == bpmn_tag("extensionElements"):
                extensions.extend(canonical_xml(c, self.nsmap) for c in child if isinstance(c.tag, str))
            elif child.tag not in children:
                unmodelled.append(canonical_xml(child, self.nsmap))
        other = tuple((str(k), str(v)) for k, v in el.attrib.items() if k != "id" and k not in attrs)
        return {
            "documentation": "\n\n".join(docs),
            "extensions": tuple(extensions),
            "unmodelled": tuple(unmodelled),
            "other_attributes": other,
        }

    @staticmethod
    def kids(el: etree._Element, *locals_: str, ns: str = BPMN_NS) -> list[etree._Element]:
        tags = {f"{{{ns}}}{name}" for name in locals_}
        return [c for c in el if c.tag in tags]


__all__ = ["ElementReader", "bpmn_tag", "bpmn_tags", "other_attributes"]
