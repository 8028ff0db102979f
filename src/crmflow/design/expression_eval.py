"""Evaluating a parsed expression: values, operators, functions and the bounds that keep it safe.

:mod:`crmflow.design.expressions` parses text into a tree (:mod:`crmflow.design.expression_tree`); this module
walks that tree against the data. Numbers stay within :data:`MAX_NUMBER`, joined text within
:data:`MAX_MATCH_TEXT`, and a ``matches`` pattern is checked before it runs (:func:`check_pattern`: its length,
its syntax and how much it can backtrack).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from re import _constants as _sre_c  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import Any

from crmflow.design.error_messages import ERRORS
from crmflow.design.expression_tree import (
    Binary,
    Call,
    DurationValue,
    ListOf,
    Literal,
    Logical,
    Node,
    Path,
    Unary,
    Value,
    type_name,
)
from crmflow.errors import ExpressionError
from crmflow.i18n import error

#: Longest regular expression accepted by ``matches``, and longest text it is run on.
MAX_PATTERN = 200
MAX_MATCH_TEXT = 10_000


@dataclass(frozen=True)
class EvalContext:
    """What evaluation may use besides the data: the current time and working-time arithmetic."""

    now: datetime | None = None
    working_seconds: Callable[[datetime, datetime], float] | None = None


#: Largest magnitude of a number an expression computes (far above any CRM amount; bounds big-integer work).
MAX_NUMBER = 10**30
_RANGE_HINT = f"numbers in a condition must stay within ±{MAX_NUMBER:.0e} (check the field's unit)"


#: Backtracking budget of ``matches``: with ``k`` open-ended repeats a pattern can take about ``n**k`` steps on
#: ``n`` characters, so the text is limited to ``MATCH_STEPS ** (1/k)`` characters (and to :data:`MAX_MATCH_TEXT`).
MATCH_STEPS = 10**8
_REPEATS = (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, _sre_c.POSSESSIVE_REPEAT)


def _open_repeats(items: Any, *, pattern: str, column: int, in_repeat: bool = False) -> int:
    """How many variable-length repeats ``items`` (a parsed pattern) holds; refuse the shapes that backtrack
    exponentially: a variable repeat or an alternation inside a repeat, and back-references."""
    count = 0
    for op, av in items:
        if op in _REPEATS:
            low, high, sub = av
            variable = low != high
            if in_repeat and variable:
                raise error(ExpressionError, ERRORS, "expressions.column_pattern_has_repeated", column=column, pattern=pattern)
            count += variable + _open_repeats(sub, pattern=pattern, column=column, in_repeat=in_repeat or high > 1)
        elif op is _sre_c.BRANCH:
            if in_repeat:
                raise error(ExpressionError, ERRORS, "expressions.column_pattern_has_repeated_2", column=column, pattern=pattern)
            count += sum(_open_repeats(b, pattern=pattern, column=column, in_repeat=in_repeat) for b in av[1])
        elif op is _sre_c.SUBPATTERN:
            count += _open_repeats(av[3], pattern=pattern, column=column, in_repeat=in_repeat)
        elif op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT):
            count += _open_repeats(av[1], pattern=pattern, column=column, in_repeat=in_repeat)
        elif op is _sre_c.ATOMIC_GROUP:
            count += _open_repeats(av, pattern=pattern, column=column, in_repeat=in_repeat)
        elif op in (_sre_c.GROUPREF, _sre_c.GROUPREF_EXISTS):
            raise error(ExpressionError, ERRORS, "expressions.column_pattern_has_back", column=column, pattern=pattern)
    return count


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    max_text: int  # longest text it is run on


@functools.lru_cache(maxsize=256)
def check_pattern(pattern: str, column: int) -> _Pattern:
    if len(pattern) > MAX_PATTERN:
        raise error(ExpressionError, ERRORS, "expressions.column_pattern_matches_longer", column=column, MAX_PATTERN=MAX_PATTERN)
    try:
        regex = re.compile(pattern)
        parsed = _sre_parser.parse(pattern)
    except re.error as exc:
        raise error(
            ExpressionError,
            ERRORS,
            "expressions.column_not_valid_regular",
            column=column,
            pattern=pattern,
            exc=exc,
        ) from None
    k = _open_repeats(parsed, pattern=pattern, column=column)
    return _Pattern(regex, MAX_MATCH_TEXT if k <= 1 else min(MAX_MATCH_TEXT, int(MATCH_STEPS ** (1 / k))))


class Evaluator:
    def __init__(self, source: str, data: Mapping[str, Any], context: EvalContext) -> None:
        self.source, self.data, self.context = source, data, context

    def fail(self, node: Node, message: str) -> ExpressionError:
        return ExpressionError(f"{self.source!r}: column {node.column}: {message}")

    def eval(self, node: Node) -> Value:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Path):
            return self.lookup(node)
        if isinstance(node, ListOf):
            return [self.eval(i) for i in node.items]
        if isinstance(node, Unary):
            if node.op == "not":
                return not self.boolean(node.operand)
            v = self.eval(node.operand)
            if isinstance(v, DurationValue):
                return DurationValue(-v.seconds)
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise self.fail(node, f"cannot negate {type_name(v)} {v!r}")
            return -v
        if isinstance(node, Logical):
            if node.op == "and":
                return all(self.boolean(i) for i in node.items)
            return any(self.boolean(i) for i in node.items)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise self.fail(node, "unknown node")  # pragma: no cover

    def boolean(self, node: Node) -> bool:
        v = self.eval(node)
        if not isinstance(v, bool):
            raise self.fail(node, f"expected true/false, got {type_name(v)} {v!r}")
        return v

    def lookup(self, node: Path) -> Value:
        cur: Any = self.data
        for i, part in enumerate(node.parts):
            if not isinstance(cur, Mapping) or part not in cur:
                where = ".".join(node.parts[:i]) or "the data"
                known = sorted(cur)[:12] if isinstance(cur, Mapping) else []
                raise self.fail(
                    node,
                    f"unknown field `{'.'.join(node.parts)}` (`{part}` is not in {where}; "
                    f"known: {', '.join(map(str, known)) or 'none'})",
                )
            cur = cur[part]
        if isinstance(cur, tuple):
            return list(cur)
        return cur

    def binary(self, node: Binary) -> Value:
        op = node.op
        left, right = self.eval(node.left), self.eval(node.right)
        if op in ("==", "!="):
            same = _equal(left, right)
            return same if op == "==" else not same
        if op in ("in", "not_in"):
            if isinstance(right, list):
                found = any(_equal(left, x) for x in right)
            elif isinstance(right, str) and isinstance(left, str):
                found = left in right
            else:
                raise self.fail(node, f"`in` needs a list or text on the right, got {type_name(right)} {right!r}")
            return found if op == "in" else not found
        if op in ("<", "<=", ">", ">="):
            if not _comparable(left, right):
                raise self.fail(node, f"cannot compare {type_name(left)} {left!r} with {type_name(right)} {right!r}")
            return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
        return self.arith(node, left, right)

    def arith(self, node: Binary, left: Value, right: Value) -> Value:
        try:
            value = self._arith(node, left, right)
        except (OverflowError, ArithmeticError) as exc:  # e.g. int / int beyond the float range
            raise self.fail(node, f"`{node.op}` overflows ({exc}); {_RANGE_HINT}") from None
        number = value.seconds if isinstance(value, DurationValue) else value
        if (isinstance(number, float) and not math.isfinite(number)) or (isinstance(number, int) and abs(number) > MAX_NUMBER):
            raise self.fail(node, f"`{node.op}` gives a number out of range; {_RANGE_HINT}")
        return value

    def _arith(self, node: Binary, left: Value, right: Value) -> Value:
        op = node.op
        if _number(left) and _number(right):
            if op in ("/", "%") and right == 0:
                raise self.fail(node, "division by zero")
            return {
                "+": left + right,
                "-": left - right,
                "*": left * right,
                "/": left / right if right else 0,
                "%": left % right if right else 0,
            }[op]
        if op == "+" and isinstance(left, str) and isinstance(right, str):
            if len(left) + len(right) > MAX_MATCH_TEXT:
                raise self.fail(node, f"the joined text is longer than {MAX_MATCH_TEXT} characters")
            return left + right
        if isinstance(left, DurationValue) and isinstance(right, DurationValue) and op in "+-":
            return DurationValue(left.seconds + right.seconds if op == "+" else left.seconds - right.seconds)
        if isinstance(left, datetime) and isinstance(right, datetime) and op == "-":
            return DurationValue((_aware(left) - _aware(right)).total_seconds())
        if isinstance(left, DurationValue) and _number(right) and op in "*/":
            if op == "/" and right == 0:
                raise self.fail(node, "division by zero")
            return DurationValue(left.seconds * right if op == "*" else left.seconds / right)
        raise self.fail(node, f"cannot apply `{op}` to {type_name(left)} {left!r} and {type_name(right)} {right!r}")

    def call(self, node: Call) -> Value:
        args = [self.eval(a) for a in node.args]
        name = node.name
        if name == "len":
            if not isinstance(args[0], str | list):
                raise self.fail(node, f"len() needs text or a list, got {type_name(args[0])}")
            return len(args[0])
        if name in ("lower", "upper"):
            if not isinstance(args[0], str):
                raise self.fail(node, f"{name}() needs text, got {type_name(args[0])}")
            return args[0].lower() if name == "lower" else args[0].upper()
        if name == "is_empty":
            return (
                args[0] is None
                or (isinstance(args[0], str | list) and len(args[0]) == 0)
                or (isinstance(args[0], str) and not args[0].strip())
            )
        if name == "matches":
            text, pattern = args
            if not isinstance(text, str) or not isinstance(pattern, str):
                raise self.fail(node, "matches() needs text and a pattern")
            checked = check_pattern(pattern, node.column)
            if len(text) > checked.max_text:
                raise self.fail(
                    node,
                    f"matches() with the pattern {pattern!r} is run on text of at most "
                    f"{checked.max_text} characters (got {len(text)})",
                )
            return checked.regex.fullmatch(text) is not None
        if name == "now":
            return self.context.now or datetime.now(UTC)
        if name == "working_minutes_since":
            since = args[0]
            if isinstance(since, str):
                try:
                    since = datetime.fromisoformat(since)
                except ValueError:
                    raise self.fail(node, f"{since!r} is not an ISO 8601 date-time") from None
            if not isinstance(since, datetime):
                raise self.fail(node, f"working_minutes_since() needs a date-time, got {type_name(since)}")
            if self.context.working_seconds is None:
                raise self.fail(node, "working_minutes_since() needs the calendar (evaluate with a context)")
            return self.context.working_seconds(_aware(since), _aware(self.context.now or datetime.now(UTC))) / 60
        raise self.fail(node, f"unknown function `{name}`")  # pragma: no cover


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _number(v: Value) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _equal(a: Value, b: Value) -> bool:
    if _number(a) and _number(b):
        return bool(a == b)
    if type(a) is not type(b) and not (isinstance(a, list) and isinstance(b, list)):
        return False
    return bool(a == b)


def _comparable(a: Value, b: Value) -> bool:
    if _number(a) and _number(b):
        return True
    if isinstance(a, datetime) and isinstance(b, datetime):
        return (a.tzinfo is None) == (b.tzinfo is None)
    return type(a) is type(b) and isinstance(a, str | DurationValue)
