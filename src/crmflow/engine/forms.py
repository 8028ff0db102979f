"""Form bodies with bracketed keys (``data[FIELDS][ID]=5``), as Bitrix24 and amoCRM send their webhooks.

PHP's convention: ``a[b][c]=v`` is ``{"a": {"b": {"c": "v"}}}`` and a group whose keys are all
numbers (``leads[status][0]``, ``[1]``…) is a list in the order of its indexes. The body is split by
:func:`urllib.parse.parse_qsl` (strict, UTF-8, a bounded number of fields); the nesting is built here
with a bounded depth and key length, and a key that is both a value and a group is refused instead of
one silently overwriting the other. :func:`flatten_form` is the inverse (the fake CRM sends its webhooks
with it).

>>> parse_form(b"event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=42")
{'event': 'ONCRMDEALUPDATE', 'data': {'FIELDS': {'ID': '42'}}}
>>> parse_form(b"leads[status][0][id]=1&leads[status][1][id]=2")["leads"]["status"]
[{'id': '1'}, {'id': '2'}]
>>> flatten_form({"auth": {"domain": "x"}, "ids": ["1", "2"]})
[('auth[domain]', 'x'), ('ids[0]', '1'), ('ids[1]', '2')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

#: Most fields one form may have, deepest nesting, longest key (a webhook has tens of fields).
MAX_FIELDS = 2000
MAX_DEPTH = 8
MAX_KEY = 256

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


class FormError(ValueError):
    """A form body that cannot be read; the message says which key and why."""


def _split(key: str) -> list[str]:
    if len(key) > MAX_KEY:
        raise FormError(f"key {key[:40]!r}… is longer than {MAX_KEY} characters")
    m = _KEY.match(key)
    if not m:
        raise FormError(f"key {key!r} has unbalanced brackets (expected name[part][part])")
    parts = [m.group(1), *_PART.findall(m.group(2))]
    if len(parts) > MAX_DEPTH:
        raise FormError(f"key {key!r} nests {len(parts)} levels (at most {MAX_DEPTH})")
    return parts


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out = {k: _listify(v) for k, v in node.items()}
    if out and all(k.isdigit() and len(k) <= 9 for k in out):
        return [out[k] for k in sorted(out, key=int)]
    return out


def parse_form(body: bytes, *, max_fields: int = MAX_FIELDS) -> dict[str, Any]:
    """A form body as nested dicts and lists of strings.

    Raises
    ------
    FormError
        Not UTF-8, more than ``max_fields`` fields, a malformed pair or key, too deep, or a key that is
        both a value and a group (``a=1&a[b]=2``).
    """
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormError(f"byte {exc.start} is not UTF-8") from None
    try:
        pairs = parse_qsl(decoded, keep_blank_values=True, strict_parsing=bool(decoded), max_num_fields=max_fields)
    except ValueError as exc:
        raise FormError(str(exc)) from None
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _split(key)
        node = root
        for depth, part in enumerate(parts[:-1]):
            part = part or str(len(node))  # ``a[][b]`` starts a new group
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise FormError(f"key {key!r}: `{'.'.join(parts[: depth + 1])}` is both a value and a group")
            node = child
        last = parts[-1] if parts[-1] else str(len(node))
        if last in node:
            if isinstance(node[last], dict):
                raise FormError(f"key {key!r} is both a value and a group")
            raise FormError(f"key {key!r} is given twice")
        node[last] = value
    result = _listify(root)
    assert isinstance(result, dict)
    return result


def flatten_form(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts and lists as bracketed form pairs, in order (the inverse of :func:`parse_form`)."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, Mapping):
            out.extend(flatten_form(value, name))
        elif isinstance(value, list | tuple):
            out.extend(flatten_form({str(i): v for i, v in enumerate(value)}, name))
        elif value is None:
            out.append((name, ""))
        elif isinstance(value, bool):
            out.append((name, "Y" if value else "N"))
        else:
            out.append((name, str(value)))
    return out


__all__ = ["MAX_DEPTH", "MAX_FIELDS", "MAX_KEY", "FormError", "flatten_form", "parse_form"]
