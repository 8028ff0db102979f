"""The crmflow properties of a To-Be element, as the modeler's properties panel reads and edits them.

A compiled node carries its To-Be data in ``<crmflow:node>`` (:mod:`crmflow.design.extensions`):
:func:`node_properties` reads its RACI, SLAs and rules; :func:`set_node_properties` replaces any of
them through the extension's own encoder, leaving the rest of the document as it was. What the
panel edits:

* **RACI** — the roles per letter;
* **SLAs** — each SLA's ``within`` (a duration: ``10m``, ``2h``, ``PT10M``), ``time`` (working or
  calendar), ``applies_when`` and ``resolved_when`` (safe expressions), ``resume_at``,
  ``interrupting`` and its name in the user's language; an SLA's escalation chain is kept by id (it
  is edited in the YAML); SLAs can be added and removed;
* **rules** — the mandatory fields of the step's own stage and the data checks (id, expression,
  severity, message in the user's language); routing and priority rules are kept as they are.

Nothing is evaluated here: the saved model goes through the To-Be checks
(:func:`crmflow.web.modeler_checks.check_model`), which mark a bad duration or expression on the element.

>>> from crmflow.bpmn.writer import write_bpmn
>>> from crmflow.web.modeler import example_model
>>> xml = write_bpmn(example_model())
>>> node_properties(xml, "qualify")["raci"]["R"]
['sales_manager']
>>> out = set_node_properties(xml, "first_contact", slas=[{"id": "first_contact_10m", "within": "15m"}], lang="en")
>>> [(s["within"], len(s["escalations"])) for s in node_properties(out, "first_contact")["slas"]]
[('15m', 3)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

from crmflow.base.xml import safe_xml_parser
from crmflow.errors import WebError, WebNotFoundError
from crmflow.i18n import error
from crmflow.web.error_messages import ERRORS

RACI_KEYS = ("R", "A", "C", "I")
_BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: The SLA fields the panel edits (the rest of an SLA — its escalations — is kept).
SLA_FIELDS = ("within", "time", "applies_when", "resolved_when", "resume_at")


def _node_extension(root: etree._Element, element_id: str) -> tuple[etree._Element, etree._Element | None]:
    from crmflow.design.extensions import CRMFLOW_NS

    hits = [
        e for e in root.iter() if isinstance(e.tag, str) and e.get("id") == element_id and e.tag.startswith(f"{{{_BPMN_NS}}}")
    ]
    if not hits:
        raise error(WebNotFoundError, ERRORS, "modeler_props.no_element", element_id=element_id)
    element = hits[0]
    node = element.find(f"{{{_BPMN_NS}}}extensionElements/{{{CRMFLOW_NS}}}node")
    return element, node


def _stage_fields(rules: Mapping[str, Any], stage: str) -> list[str]:
    return [f for m in rules.get("mandatory_fields") or [] if m.get("stage") == stage for f in m.get("fields") or []]


def node_properties(xml: bytes, element_id: str) -> dict[str, Any]:
    """The RACI, SLAs and rules of a node (empty for an element without ``<crmflow:node>``)."""
    from crmflow.design.extensions import decode

    root = etree.fromstring(xml, safe_xml_parser())
    element, node = _node_extension(root, element_id)
    data: dict[str, Any] = decode(node)[1] if node is not None else {}
    raci = data.get("raci") or {}
    rules = data.get("rules") or {}
    return {
        "id": element_id,
        "type": etree.QName(element).localname,
        "name": element.get("name", ""),
        "crmflow": node is not None,
        "task": "task" in data,  # SLAs and rules belong to tasks
        "raci": {k: list(raci.get(k) or []) for k in RACI_KEYS},
        "slas": list(data.get("sla") or []),
        "rules": {
            "mandatory_fields": _stage_fields(rules, element_id),
            "checks": list(rules.get("checks") or []),
            "routing": rules.get("routing"),
            "priorities": list(rules.get("priorities") or []),
        },
    }


def _with_lang(old: Any, new: str, lang: str) -> Any:
    """A text with ``new`` in ``lang``; the other language kept when the old text had both."""
    if isinstance(old, dict):
        return {**old, ("ru" if lang == "ru" else "en"): new}
    return new


def merge_slas(existing: Sequence[Mapping[str, Any]], edited: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The node's SLAs after the panel's edit (order and set of ``edited``; escalations kept by id).

    >>> a, b = merge_slas([{"id": "a", "name": {"ru": "А", "en": "A"}, "within": "1h", "escalations": [{"after": "1h"}]}],
    ...                   [{"id": "a", "within": "2h", "name": "A2"}, {"id": "b", "within": "1d"}], "en")
    >>> a
    {'id': 'a', 'name': {'ru': 'А', 'en': 'A2'}, 'within': '2h', 'escalations': [{'after': '1h'}]}
    >>> b
    {'id': 'b', 'within': '1d', 'name': 'b'}
    """
    old = {str(s.get("id")): dict(s) for s in existing}
    ids = [str(s.get("id") or "").strip() for s in edited]
    if len(set(ids)) < len(ids) or not all(ids):
        raise error(WebError, ERRORS, "modeler_props.sla_ids")
    out = []
    for sid, s in zip(ids, edited, strict=True):
        sla = old.get(sid, {"id": sid})
        sla["id"] = sid
        for key in SLA_FIELDS:
            value = s.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                sla.pop(key, None)
            else:
                sla[key] = value.strip() if isinstance(value, str) else value
        if s.get("interrupting"):
            sla["interrupting"] = True
        else:
            sla.pop("interrupting", None)
        name = str(s.get("name") or "").strip()
        if name:
            sla["name"] = _with_lang(sla.get("name"), name, lang)
        elif "name" not in sla:
            sla["name"] = sid
        out.append(sla)
    return out


def merge_rules(existing: Mapping[str, Any], stage: str, edited: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The node's rules after the panel's edit: its stage's mandatory fields and the data checks replaced.

    >>> r = merge_rules({"mandatory_fields": [{"stage": "q", "fields": ["a"]}], "routing": {"strategy": "least_loaded"}},
    ...                 "q", {"mandatory_fields": ["a", "b"], "checks": [{"id": "c", "expression": "x > 0", "message": "X"}]},
    ...                 "en")
    >>> r["mandatory_fields"], r["routing"]
    ([{'stage': 'q', 'fields': ['a', 'b']}], {'strategy': 'least_loaded'})
    >>> r["checks"]
    [{'id': 'c', 'expression': 'x > 0', 'message': 'X', 'severity': 'error'}]
    """
    rules = {k: v for k, v in existing.items()}
    others = [m for m in rules.get("mandatory_fields") or [] if m.get("stage") != stage]
    fields = [f.strip() for f in edited.get("mandatory_fields") or [] if f.strip()]
    mandatory = [*others, *([{"stage": stage, "fields": fields}] if fields else [])]
    if mandatory:
        rules["mandatory_fields"] = mandatory
    else:
        rules.pop("mandatory_fields", None)
    old = {str(c.get("id")): c for c in rules.get("checks") or []}
    checks = []
    for c in edited.get("checks") or []:
        cid = str(c.get("id") or "").strip()
        if not cid:
            raise error(WebError, ERRORS, "modeler_props.check_id")
        message = str(c.get("message") or "").strip() or cid
        checks.append(
            {
                "id": cid,
                "expression": str(c.get("expression") or "").strip(),
                "message": _with_lang(old.get(cid, {}).get("message"), message, lang),
                "severity": "warning" if c.get("severity") == "warning" else "error",
            }
        )
    if checks:
        rules["checks"] = checks
    else:
        rules.pop("checks", None)
    return rules


def set_node_properties(
    xml: bytes,
    element_id: str,
    *,
    raci: Mapping[str, Sequence[str]] | None = None,
    slas: Sequence[Mapping[str, Any]] | None = None,
    rules: Mapping[str, Any] | None = None,
    lang: str = "en",
) -> bytes:
    """Replace the RACI, the SLAs and/or the rules of a node's ``<crmflow:node>``; the rest is kept.

    Raises
    ------
    WebNotFoundError
        If there is no such element or it carries no crmflow node (draw-only elements have none).
    WebError
        SLAs or rules on a node that is not a task, or an SLA/check without an id.
    """
    from crmflow.design.extensions import decode, encode

    root = etree.fromstring(xml, safe_xml_parser())
    element, node = _node_extension(root, element_id)
    if node is None:
        raise error(WebNotFoundError, ERRORS, "modeler_props.no_properties", element_id=element_id)
    key, data = decode(node)
    if (slas or rules) and "task" not in data:
        raise error(WebError, ERRORS, "modeler_props.not_task", element_id=element_id)
    if raci is not None:
        clean = {k: [v.strip() for v in raci.get(k, []) if v.strip()] for k in RACI_KEYS}
        data["raci"] = {k: v for k, v in clean.items() if v}
    if slas is not None:
        merged = merge_slas(data.get("sla") or [], slas, lang)
        if merged:
            data["sla"] = merged
        else:
            data.pop("sla", None)
    if rules is not None:
        new_rules = merge_rules(data.get("rules") or {}, element_id, rules, lang)
        if new_rules:
            data["rules"] = new_rules
        else:
            data.pop("rules", None)
    fresh = etree.fromstring(encode(key, data).encode(), safe_xml_parser())
    parent = node.getparent()
    assert parent is not None
    parent.replace(node, fresh)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


__all__ = ["RACI_KEYS", "SLA_FIELDS", "merge_rules", "merge_slas", "node_properties", "set_node_properties"]
