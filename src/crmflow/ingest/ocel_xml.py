"""The OCEL 2.0 XML layout (``.xmlocel``, ``.xml``): streamed with lxml, screened like XES.

``<log>`` holds ``<object-types>`` and ``<event-types>`` (each ``<attributes>`` of
``<attribute name type/>``), ``<objects>`` (``<object id type>`` with timed
``<attribute name time>value</attribute>`` and ``<objects><relationship object-id qualifier/>``)
and ``<events>`` (``<event id type time>`` with ``<attributes>`` and ``<objects>``). The prolog is
checked for DTDs and entities before parsing (:func:`~crmflow.ingest.safety.check_xml_prolog`),
the parser resolves no entity and reads no network (``SAFE_ITERPARSE_OPTIONS``), and each
object or event is dropped from the tree once read, so memory holds the columns, not the document.

>>> import tempfile, pathlib
>>> xml = (b'<log><object-types><object-type name="order"><attributes/></object-type></object-types>'
...        b'<event-types><event-type name="pay"><attributes/></event-type></event-types>'
...        b'<objects><object id="o1" type="order"/></objects><events><event id="e1" type="pay" '
...        b'time="2024-01-01T10:00:00Z"><objects><relationship object-id="o1" qualifier="q"/></objects>'
...        b'</event></events></log>')
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.xmlocel"
>>> _ = path.write_bytes(xml)
>>> parts = parts_from_xml(path, "log.xmlocel")
>>> parts.events.num_rows, parts.relations.column("oid").to_pylist()
(1, ['o1'])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

from crmflow.errors import InputError
from crmflow.i18n import Phrase, error
from crmflow.ingest.messages import ERRORS
from crmflow.ingest.ocel_parts import OcelParts, _table
from crmflow.ingest.safety import SAFE_ITERPARSE_OPTIONS, check_xml_prolog


def _need(el: etree._Element, attr: str, label: str) -> str:
    value = el.get(attr)
    if value is None:
        raise error(
            InputError,
            ERRORS,
            "ocel_xml.line_has_no_attribute",
            label=label,
            sourceline=el.sourceline,
            localname=etree.QName(el).localname,
            attr=attr,
        )
    return value


def _declared(el: etree._Element, label: str) -> list[tuple[str, str]]:
    return [(_need(a, "name", label), a.get("type", "string")) for a in el.iter("attribute")]


def parts_from_xml(path: Path, label: str) -> OcelParts:
    """Read the OCEL 2.0 XML layout into :class:`OcelParts` (errors name the line).

    Raises
    ------
    UnsafeInputError
        A DTD or entity declaration in the prolog.
    InputError
        Not well-formed XML, a root other than ``<log>``, or an element without its id/type.
    """
    check_xml_prolog(path, name=label)
    declared: dict[str, dict[str, list[tuple[str, str]]]] = {"event-type": {}, "object-type": {}}
    types: dict[str, set[str]] = {}
    ev: dict[str, list[Any]] = {"ord": [], "eid": [], "etype": [], "time": []}
    at: dict[str, list[Any]] = {"ord": [], "name": [], "value": []}
    rel: dict[str, list[Any]] = {"ord": [], "rel_ord": [], "oid": [], "qualifier": []}
    objs: dict[str, list[Any]] = {"oid": [], "otype": []}
    values: dict[str, list[Any]] = {"oid": [], "name": [], "value": [], "time": []}
    o2o: dict[str, list[Any]] = {"source": [], "target": [], "qualifier": []}
    tags = ("log", "global", "event-type", "object-type", "object", "event")
    context = etree.iterparse(str(path), events=("start", "end"), **SAFE_ITERPARSE_OPTIONS)
    depth_ok = False
    try:
        for action, el in context:
            tag = el.tag if isinstance(el.tag, str) else ""
            if not depth_ok and action == "start":
                if tag != "log":
                    raise error(InputError, ERRORS, "ocel_xml.root_element_ocel_xml", label=label, tag=tag)
                depth_ok = True
            if tag not in tags:
                continue
            if action == "start":
                if tag == "global":  # OCEL 1.0 XML declares <global scope="log|event|object">
                    raise error(InputError, ERRORS, "ocel_xml.this_ocel_xml_crmflow", label=label)
                continue
            if tag in declared:
                name = _need(el, "name", label)
                attrs = declared[tag].setdefault(name, [])
                attrs.extend(_declared(el, label))
                if tag == "event-type":
                    for a, t in attrs:
                        types.setdefault(a, set()).add(t)
            elif tag == "object" and el.getparent() is not None and el.getparent().tag == "objects":
                oid = _need(el, "id", label)
                objs["oid"].append(oid)
                objs["otype"].append(_need(el, "type", label))
                for a in el.iterfind("attributes/attribute"):
                    values["oid"].append(oid)
                    values["name"].append(_need(a, "name", label))
                    values["value"].append(a.text or "")
                    values["time"].append(a.get("time"))
                for r in el.iterfind("objects/relationship"):
                    o2o["source"].append(oid)
                    o2o["target"].append(_need(r, "object-id", label))
                    o2o["qualifier"].append(r.get("qualifier"))
            elif tag == "event":
                i = len(ev["ord"])
                ev["ord"].append(i)
                ev["eid"].append(_need(el, "id", label))
                ev["etype"].append(_need(el, "type", label))
                ev["time"].append(el.get("time"))
                for a in el.iterfind("attributes/attribute"):
                    at["ord"].append(i)
                    at["name"].append(_need(a, "name", label))
                    at["value"].append(a.text or "")
                for k, r in enumerate(el.iterfind("objects/relationship")):
                    rel["ord"].append(i)
                    rel["rel_ord"].append(k)
                    rel["oid"].append(_need(r, "object-id", label))
                    rel["qualifier"].append(r.get("qualifier"))
            else:
                continue
            if tag in ("object", "event"):  # drop what was read: memory holds the columns only
                el.clear()
                parent = el.getparent()
                while parent is not None and el.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        line = Phrase(ERRORS, "xml.at_line", line=exc.lineno) if getattr(exc, "lineno", None) else ""
        raise error(InputError, ERRORS, "ocel_xml.this_not_well_formed", label=label, line=line, msg=exc.msg) from exc
    if not depth_ok:
        raise error(InputError, ERRORS, "ocel_xml.no_log_element_expected", label=label)
    s, i64 = pa.string(), pa.int64()
    return OcelParts(
        events=_table({"ord": (ev["ord"], i64), "eid": (ev["eid"], s), "etype": (ev["etype"], s), "time": (ev["time"], s)}),
        attributes=_table({"ord": (at["ord"], i64), "name": (at["name"], s), "value": (at["value"], s)}),
        relations=_table({k: (v, i64 if k in ("ord", "rel_ord") else s) for k, v in rel.items()}),
        objects=_table({"oid": (objs["oid"], s), "otype": (objs["otype"], s)}),
        attribute_types=types,
        object_values=_table({k: (v, s) for k, v in values.items()}),
        o2o=_table({k: (v, s) for k, v in o2o.items()}),
        event_types=declared["event-type"],
        object_types=declared["object-type"],
    )


__all__ = ["parts_from_xml"]
