"""Bracketed form bodies: parse(flatten(x)) is x, and hostile bodies are refused with the key named."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmflow.engine.forms import MAX_DEPTH, FormError, flatten_form, parse_form

names = st.text(alphabet=st.characters(blacklist_characters="[]", blacklist_categories=("Cs",)), min_size=1, max_size=8).filter(
    lambda s: not s.isdigit()
)
leaves = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.dictionaries(names, children, min_size=1, max_size=4),
        st.lists(children, min_size=1, max_size=4),
    ),
    max_leaves=20,
)


# nested forms are slow to draw when the machine is loaded (a fresh-clone run at load 4 failed the health check)
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, trees, min_size=1, max_size=5))
def test_flatten_then_parse_is_identity(data: dict[str, object]) -> None:
    pairs = flatten_form(data)
    if any(k.count("[") >= MAX_DEPTH for k, _ in pairs):
        return
    assert parse_form(urlencode(pairs).encode("utf-8")) == data


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"a=1&a[b]=2", "both a value and a group"),
        (b"a[b]=1&a=2", "both a value and a group"),
        (b"a=1&a=2", "given twice"),
        (b"a]b=1", "unbalanced brackets"),
        (b"k" * 300 + b"=1", "longer than 256"),
        (b"\xff\xfe=1", "not UTF-8"),
        (b"a" + b"[x]" * MAX_DEPTH + b"=1", "nests 9 levels"),
        (b"&".join(b"f%d=1" % i for i in range(2001)), "Max number of fields"),
    ],
)
def test_hostile_bodies(body: bytes, words: str) -> None:
    with pytest.raises(FormError, match=words):
        parse_form(body)
