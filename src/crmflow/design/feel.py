"""Writing a parsed expression back as text: canonical crmflow syntax, or DMN FEEL for BPMN conditions.

>>> from crmflow.design.expressions import parse_expression
>>> render(parse_expression("a == 1 and b in [2, 3]").tree, feel=True)
'a = 1 and list contains([2, 3], b)'
"""

from __future__ import annotations

from crmflow.design.expression_tree import Binary, Call, DurationValue, ListOf, Literal, Logical, Node, Path, Unary
from crmflow.durations import iso_duration

# ------------------------------------------------------------------------------------ rendering

_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "not": 3,
    "==": 4,
    "!=": 4,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "in": 4,
    "not_in": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
    "neg": 7,
}
_FEEL_CALLS = {"len": "string length", "lower": "lower case", "upper": "upper case", "matches": "matches", "now": "now"}


def render(node: Node, *, feel: bool, parent: int = 0) -> str:
    def sub(n: Node, prec: int) -> str:
        return render(n, feel=feel, parent=prec)

    if isinstance(node, Literal):
        if isinstance(node.value, DurationValue):
            iso = node.text if node.text.startswith("P") else _iso(node.value.seconds)
            return f'duration("{iso}")' if feel else node.text
        if isinstance(node.value, str):
            return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return node.text
    if isinstance(node, Path):
        return ".".join(node.parts)
    if isinstance(node, ListOf):
        return "[" + ", ".join(sub(i, 0) for i in node.items) + "]"
    if isinstance(node, Call):
        if feel and node.name == "is_empty":
            x = sub(node.args[0], 4)
            out = f'({x} = null or {x} = "")'
            return out
        if feel and node.name == "working_minutes_since":
            return f'(now() - {sub(node.args[0], 5)}) / duration("PT1M")'
        name = _FEEL_CALLS.get(node.name, node.name) if feel else node.name
        return f"{name}(" + ", ".join(sub(a, 0) for a in node.args) + ")"
    if isinstance(node, Unary):
        if node.op == "not":
            text = f"not({sub(node.operand, 0)})" if feel else f"not {sub(node.operand, 3)}"
            prec = 3
        else:
            text, prec = f"-{sub(node.operand, 7)}", 7
        return f"({text})" if prec < parent else text
    if isinstance(node, Logical):
        prec = _PRECEDENCE[node.op]
        text = f" {node.op} ".join(sub(i, prec + 1) for i in node.items)
        return f"({text})" if prec < parent else text
    assert isinstance(node, Binary)
    prec = _PRECEDENCE[node.op]
    # comparisons do not chain (`a == b == c` does not parse): a comparison operand in brackets
    left, right = sub(node.left, prec + 1 if prec == _PRECEDENCE["=="] else prec), sub(node.right, prec + 1)
    if node.op in ("in", "not_in") and feel:
        text = f"list contains({right if right.startswith('[') else sub(node.right, 0)}, {sub(node.left, 0)})"
        if node.op == "not_in":
            text = f"not({text})"
        return text
    op = {"not_in": "not in"}.get(node.op, node.op)
    if feel:
        op = {"==": "=", "%": "mod"}.get(op, op)
        if op == "mod":
            return f"modulo({sub(node.left, 0)}, {sub(node.right, 0)})"
    text = f"{left} {op} {right}"
    return f"({text})" if prec < parent else text


def _iso(seconds: float) -> str:
    return iso_duration(seconds)


__all__ = ["render"]
