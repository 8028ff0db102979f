"""The namespace declarations of a BPMN document and the canonical text of the XML kept as written.

A document crmflow writes declares the standard prefixes (``bpmn``, ``bpmndi``, ``dc``, ``di``,
``xsi``) and every other namespace the read document declared, once on the root. Extension
elements and unmodelled children are kept as exclusive-C14N text in the document's prefixes, so
they compare equal after a write→read round trip. The reader, the writer, the As-Is annotation
and the To-Be extensions share these.
"""

from __future__ import annotations

import copy

from lxml import etree

from crmflow.bpmn.model import BPMN_NS, BPMNDI_NS, DC_NS, DI_NS, XSI_NS

#: The prefixes crmflow writes; namespaces using other prefixes are re-declared as found.
STANDARD_PREFIXES: dict[str | None, str] = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS}


def document_nsmap(namespaces: tuple[tuple[str, str], ...]) -> dict[str | None, str]:
    """The namespace declarations of a document crmflow writes (standard + the model's own)."""
    nsmap = dict(STANDARD_PREFIXES)
    for prefix, uri in namespaces:
        nsmap.setdefault(prefix, uri)
    return nsmap


def document_namespaces(root: etree._Element) -> tuple[tuple[str, str], ...]:
    """The ``(prefix, uri)`` declarations of a document besides the standard ones, root first.

    Declarations on inner elements (an extension namespace declared where it is used) are
    collected too, so the writer can declare them once on the root and every prefix survives a
    round trip. A prefix declared twice keeps its first URI.
    """
    reserved = set(STANDARD_PREFIXES.values())
    found: dict[str, str] = {}
    for _event, (prefix, uri) in etree.iterwalk(root, events=("start-ns",)):
        if prefix and uri not in reserved and prefix not in STANDARD_PREFIXES:
            found.setdefault(prefix, uri)
    return tuple(found.items())


def canonical_xml(element: etree._Element, nsmap: dict[str | None, str]) -> str:
    """An element as exclusive-C14N text, with the document's prefixes and without layout whitespace.

    Canonical text makes kept extension XML compare equal after a write→read round trip,
    whatever indentation or prefixes the writer used.
    """
    holder = etree.Element("holder", nsmap=nsmap)  # type: ignore[arg-type]
    clone = copy.deepcopy(element)
    holder.append(clone)  # lxml re-uses the holder's prefix for each namespace it already declares
    clone.tail = None
    for node in clone.iter():
        if len(node) and node.text is not None and not node.text.strip():
            node.text = None
        if node is not clone and node.tail is not None and not node.tail.strip():
            node.tail = None
    try:
        return etree.tostring(clone, method="c14n", exclusive=True, with_comments=True).decode("utf-8")
    except etree.C14NError:
        # C14N refuses relative namespace URIs (xmlns:tns="empty", which some tools write); the
        # plain serialisation keeps them as they are and is just as stable across a round trip.
        return etree.tostring(clone, encoding="unicode", with_tail=False)


__all__ = ["STANDARD_PREFIXES", "canonical_xml", "document_namespaces", "document_nsmap"]
