"""The tree of a parsed expression (:mod:`crmflow.design.expressions`): frozen nodes and value types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, order=True)
class DurationValue:
    """A length of time in seconds (the value of ``PT2H``; the difference of two instants)."""

    seconds: float

    def __str__(self) -> str:
        return f"{self.seconds:g}s"


Value = Any  # None | bool | int | float | str | list | DurationValue | datetime


def type_name(v: Value) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, list | tuple):
        return "list"
    if isinstance(v, DurationValue):
        return "duration"
    if isinstance(v, datetime):
        return "date-time"
    return type(v).__name__


# --------------------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Node:
    """A node of the expression tree; ``column`` is 1-based in the source text."""

    column: int


@dataclass(frozen=True)
class Literal(Node):
    value: Value
    text: str


@dataclass(frozen=True)
class Path(Node):
    parts: tuple[str, ...]


@dataclass(frozen=True)
class ListOf(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "not" | "-"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # and or == != < <= > >= in not_in + - * / %
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical(Node):
    op: str  # and | or, over two or more operands (a flat chain stays flat: no deep recursion)
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Logical):
        return node.items
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, ListOf):
        return node.items
    if isinstance(node, Call):
        return node.args
    return ()


__all__ = [
    "Binary",
    "Call",
    "DurationValue",
    "ListOf",
    "Literal",
    "Logical",
    "Node",
    "Path",
    "Unary",
    "Value",
    "children",
    "type_name",
]
