"""A small, safe expression language for conditions, data checks and priority rules.

Expressions are parsed once (a LALR grammar, :mod:`lark`) into a tree of frozen dataclasses and
evaluated against a dict; nothing is ever handed to Python's ``eval``. The language:

* literals: numbers (``100000``, ``0.5``), strings (``"web"``, ``'web'``), ``true``/``false``,
  ``null``, durations (``PT2H``, ``P1D``, ``10m``, ``1h30m``) and lists (``["web", "phone"]``);
* field paths: ``deal.amount``, ``lead.source`` (looked up in the context dict, level by level);
* ``==  !=  <  <=  >  >=``, ``in`` / ``not in``, ``and  or  not``, ``+ - * / %``, parentheses;
* functions: ``len(x)``, ``lower(s)``, ``upper(s)``, ``is_empty(x)``, ``matches(s, "regex")`` (a
  bounded pattern), ``now()``, ``working_minutes_since(t)`` (on the definition's calendar).

Inputs are bounded (:data:`MAX_LENGTH` characters, :data:`MAX_DEPTH` levels of nesting) so a
hostile expression cannot exhaust the parser; errors name the column.

>>> e = parse_expression('deal.amount >= 100000 and lead.source in ["web", "phone"]')
>>> e.evaluate({"deal": {"amount": 250000}, "lead": {"source": "web"}})
True
>>> e.to_feel()
'deal.amount >= 100000 and list contains(["web", "phone"], lead.source)'
>>> parse_expression("len(lead.phone) > 0").names()
('lead.phone',)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from crmflow.design.error_messages import ERRORS
from crmflow.design.expression_eval import EvalContext, Evaluator, check_pattern
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
    children,
    type_name,
)
from crmflow.design.feel import render
from crmflow.durations import parse_duration
from crmflow.errors import DurationError, ExpressionError
from crmflow.i18n import error

#: Longest expression accepted, in characters.
MAX_LENGTH = 2000
#: Deepest nesting of the expression tree accepted.
MAX_DEPTH = 48

_GRAMMAR = r"""
?start: or_
?or_: and_ ("or" and_)*          -> or_
?and_: not_ ("and" not_)*        -> and_
?not_: "not" not_                -> not_
     | comparison
?comparison: sum
     | sum COMP sum              -> compare
     | sum "in" sum              -> in_
     | sum "not" "in" sum        -> not_in
?sum: term
     | sum ADD term              -> arith
?term: unary
     | term MUL unary            -> arith
?unary: "-" unary                -> neg
     | atom
?atom: NUMBER                    -> number
     | STRING                    -> string
     | DURATION                  -> duration
     | "true"                    -> true
     | "false"                   -> false
     | "null"                    -> null
     | NAME "(" [or_ ("," or_)*] ")" -> call
     | path
     | "[" [or_ ("," or_)*] "]"  -> list_
     | "(" or_ ")"
path: NAME ("." NAME)*
COMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADD: "+" | "-"
MUL: "*" | "/" | "%"
DURATION.3: /P(?=\d|T\d)(\d+(\.\d+)?[YMWD])*(T(\d+(\.\d+)?[HMS])+)?(?![A-Za-z0-9_])/
          | /\d+(\.\d+)?[wdhms](\d+(\.\d+)?[wdhms])*(?![A-Za-z0-9_])/
NUMBER.2: /\d+(\.\d+)?/
STRING: /"([^"\\\n]|\\.)*"/ | /'([^'\\\n]|\\.)*'/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
%import common.WS
%ignore WS
"""

_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def _col(meta_or_token: Any) -> int:
    return int(getattr(meta_or_token, "column", 0) or 0)


class _Build(Transformer[Token, Node]):
    def number(self, t: list[Token]) -> Node:
        text = str(t[0])
        return Literal(_col(t[0]), float(text) if "." in text else int(text), text)

    def string(self, t: list[Token]) -> Node:
        raw = str(t[0])[1:-1]
        # only quotes, backslash, \n and \t are escapes; other backslashes stay (regex patterns keep theirs)
        value = re.sub(r"\\([\\\"'nt])", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw)
        return Literal(_col(t[0]), value, str(t[0]))

    def duration(self, t: list[Token]) -> Node:
        text = str(t[0])
        try:
            seconds = parse_duration(text).length()
        except DurationError as exc:
            raise error(ExpressionError, ERRORS, "expressions.column", value=_col(t[0]), exc=exc) from None
        return Literal(_col(t[0]), DurationValue(seconds), text)

    def true(self, _: list[Token]) -> Node:
        return Literal(0, True, "true")

    def false(self, _: list[Token]) -> Node:
        return Literal(0, False, "false")

    def null(self, _: list[Token]) -> Node:
        return Literal(0, None, "null")

    def path(self, t: list[Token]) -> Node:
        return Path(_col(t[0]), tuple(str(x) for x in t))

    def list_(self, items: list[Node]) -> Node:
        return ListOf(items[0].column - 1 if items else 0, tuple(items))

    def call(self, items: list[Any]) -> Node:
        name = items[0]
        return Call(_col(name), str(name), tuple(items[1:]))

    def neg(self, items: list[Node]) -> Node:
        return Unary(items[0].column, "-", items[0])

    def not_(self, items: list[Node]) -> Node:
        return Unary(items[0].column, "not", items[0])

    def or_(self, items: list[Node]) -> Node:
        return items[0] if len(items) == 1 else Logical(items[0].column, "or", tuple(items))

    def and_(self, items: list[Node]) -> Node:
        return items[0] if len(items) == 1 else Logical(items[0].column, "and", tuple(items))

    def compare(self, items: list[Any]) -> Node:
        return Binary(items[0].column, str(items[1]), items[0], items[2])

    def in_(self, items: list[Node]) -> Node:
        return Binary(items[0].column, "in", items[0], items[1])

    def not_in(self, items: list[Node]) -> Node:
        return Binary(items[0].column, "not_in", items[0], items[1])

    def arith(self, items: list[Any]) -> Node:
        return Binary(items[0].column, str(items[1]), items[0], items[2])


FUNCTIONS: dict[str, tuple[int, int]] = {  # name -> (min args, max args)
    "len": (1, 1),
    "lower": (1, 1),
    "upper": (1, 1),
    "is_empty": (1, 1),
    "matches": (2, 2),
    "now": (0, 0),
    "working_minutes_since": (1, 1),
}


# ------------------------------------------------------------------------------ the expression


@dataclass(frozen=True)
class Expression:
    """A parsed expression: evaluate it, list the fields it reads, render it as text or FEEL."""

    source: str
    tree: Node

    def evaluate(self, data: Mapping[str, Any], *, context: EvalContext | None = None) -> Value:
        """The value of the expression for ``data`` (nested dicts: ``{"deal": {"amount": 5}}``).

        Raises
        ------
        ExpressionError
            On an unknown field, a type mismatch (``"a" < 5``) or a bad function call, naming the column.
        """
        try:
            return Evaluator(self.source, data, context or EvalContext()).eval(self.tree)
        except (OverflowError, ArithmeticError, ValueError) as exc:  # a safety net; arith() names the column
            raise error(ExpressionError, ERRORS, "expressions.cannot_computed_this_data", source=self.source, exc=exc) from None

    def holds(self, data: Mapping[str, Any], *, context: EvalContext | None = None) -> bool:
        """Evaluate a condition; it must give a boolean."""
        value = self.evaluate(data, context=context)
        if not isinstance(value, bool):
            raise error(
                ExpressionError,
                ERRORS,
                "expressions.gives_not_true_false",
                source=self.source,
                value=type_name(value),
                value2=value,
            )
        return value

    def names(self) -> tuple[str, ...]:
        """The field paths the expression reads, in order of first use."""
        out: list[str] = []
        stack: list[Node] = [self.tree]
        while stack:
            node = stack.pop()
            if isinstance(node, Path):
                name = ".".join(node.parts)
                if name not in out:
                    out.append(name)
            stack.extend(reversed(children(node)))
        return tuple(out)

    def to_text(self) -> str:
        """The expression in canonical crmflow syntax."""
        return render(self.tree, feel=False)

    def to_feel(self) -> str:
        """The expression in DMN FEEL, for a BPMN ``conditionExpression``."""
        return render(self.tree, feel=True)


def _depth(tree: Tree[Token]) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(node, Tree):
            stack.extend((c, d + 1) for c in node.children)
    return deepest


def _paren_depth(text: str) -> int:
    depth = deepest = 0
    quote = ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]":
            depth -= 1
    return deepest


@functools.lru_cache(maxsize=2048)
def parse_expression(text: str) -> Expression:
    """Parse an expression once (cached); see the module docstring for the language.

    Raises
    ------
    ExpressionError
        If the text is too long or too deep, does not parse (the message names the column and what
        was expected there), or calls an unknown function.
    """
    if not isinstance(text, str):
        raise error(ExpressionError, ERRORS, "expressions.expression_must_text_got", kind=type(text).__name__, text=text)
    if len(text) > MAX_LENGTH:
        raise error(
            ExpressionError,
            ERRORS,
            "expressions.expression_characters_long_most",
            n_text=len(text),
            MAX_LENGTH=MAX_LENGTH,
        )
    if not text.strip():
        raise error(ExpressionError, ERRORS, "expressions.expression_empty_write_condition")
    if _paren_depth(text) > MAX_DEPTH // 2 or len(re.findall(r"\bnot\b|-", text)) > MAX_DEPTH:
        raise error(ExpressionError, ERRORS, "expressions.expression_nests_too_deeply", value=MAX_DEPTH // 2)
    try:
        tree = _parser().parse(text)
    except UnexpectedCharacters as exc:
        raise error(
            ExpressionError,
            ERRORS,
            "expressions.column_unexpected_character",
            text=text,
            column=exc.column,
            text2=text[exc.pos_in_stream or 0],
        ) from None
    except UnexpectedEOF:
        raise error(ExpressionError, ERRORS, "expressions.expression_ends_too_early", text=text) from None
    except UnexpectedToken as exc:
        expected = sorted(_pretty(e) for e in exc.expected)[:8]
        what = "end of the expression" if exc.token.type == "$END" else repr(str(exc.token))
        raise error(
            ExpressionError,
            ERRORS,
            "expressions.column_unexpected_expected",
            text=text,
            column=exc.column,
            what=what,
            value=", ".join(expected),
        ) from None
    except UnexpectedInput as exc:  # pragma: no cover - the three above are its subclasses
        raise error(ExpressionError, ERRORS, "expressions.column_cannot_parse", text=text, column=exc.column) from None
    except LarkError as exc:  # pragma: no cover
        raise error(ExpressionError, ERRORS, "expressions.cannot_parse_2", text=text, exc=exc) from None
    if _depth(tree) > MAX_DEPTH * 3:
        raise error(ExpressionError, ERRORS, "expressions.expression_nests_too_deeply_2", MAX_DEPTH=MAX_DEPTH)
    try:
        node = _Build().transform(tree)
    except VisitError as exc:  # lark wraps what the builder raises (a bad duration such as `P1Y`)
        if isinstance(exc.orig_exc, ExpressionError):
            raise error(ExpressionError, ERRORS, "expressions.message_2", text=text, orig_exc=exc.orig_exc) from None
        raise error(ExpressionError, ERRORS, "expressions.cannot_parse_3", text=text, orig_exc=exc.orig_exc) from None
    if not isinstance(node, Node):  # a bare token (cannot happen with this grammar)
        raise error(ExpressionError, ERRORS, "expressions.cannot_parse", text=text)
    levels: list[tuple[Node, int]] = [(node, 1)]
    while levels:  # evaluation recurses once per level: bound it
        n, d = levels.pop()
        if d > MAX_DEPTH * 2:
            raise error(ExpressionError, ERRORS, "expressions.expression_nests_too_deeply_3", value=MAX_DEPTH * 2)
        levels.extend((c, d + 1) for c in children(n))
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            if n.name not in FUNCTIONS:
                raise error(
                    ExpressionError,
                    ERRORS,
                    "expressions.column_unknown_function_available",
                    text=text,
                    column=n.column,
                    name=n.name,
                    value=", ".join(sorted(FUNCTIONS)),
                )
            lo, hi = FUNCTIONS[n.name]
            if not lo <= len(n.args) <= hi:
                raise error(
                    ExpressionError,
                    ERRORS,
                    "expressions.column_takes_argument_s",
                    text=text,
                    column=n.column,
                    name=n.name,
                    lo=lo,
                    n_args=len(n.args),
                )
            if n.name == "matches" and isinstance(n.args[1], Literal) and isinstance(n.args[1].value, str):
                check_pattern(n.args[1].value, n.column)
        if isinstance(n, Path) and n.parts[0] in _KEYWORDS:  # pragma: no cover - the lexer prevents it
            raise error(ExpressionError, ERRORS, "expressions.column_keyword", text=text, column=n.column, parts=n.parts[0])
        stack.extend(children(n))
    return Expression(text, node)


_PRETTY = {
    "COMP": "a comparison",
    "ADD": "+ or -",
    "MUL": "* / %",
    "NAME": "a field name",
    "NUMBER": "a number",
    "STRING": "a string",
    "DURATION": "a duration",
    "LPAR": "(",
    "RPAR": ")",
    "LSQB": "[",
    "RSQB": "]",
    "COMMA": ",",
    "DOT": ".",
}


def _pretty(terminal: str) -> str:
    return _PRETTY.get(terminal, terminal.lower().removeprefix("__anon_").strip("_") or terminal)


# ---------------------------------------------------------------------------------- evaluation


__all__ = ["MAX_DEPTH", "MAX_LENGTH", "DurationValue", "EvalContext", "Expression", "parse_expression"]
