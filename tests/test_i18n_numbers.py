"""Numbers as each language writes them: the cached pattern gives what Babel's ``format_decimal`` gives."""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from crmflow.i18n import number


@given(
    value=st.one_of(st.integers(-(10**15), 10**15), st.floats(-1e12, 1e12, allow_nan=False)),
    lang=st.sampled_from(["ru", "en"]),
    digits=st.integers(0, 3),
)
def test_number_is_babels_format_decimal(value: float, lang: str, digits: int) -> None:
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    want = format_decimal(value, format=fmt, locale=Locale.parse(lang)).replace("-", "−")
    assert number(value, lang, digits=digits) == want
