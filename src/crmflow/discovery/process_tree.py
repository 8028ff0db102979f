"""Process trees: block-structured models, and their translation into sound workflow nets.

A :class:`ProcessTree` is either a leaf (an activity, or the silent step ``tau``) or an operator
over child trees:

* ``sequence`` ``->( A, B, ... )``: the children one after the other;
* ``xor`` ``X( A, B, ... )``: exactly one of the children;
* ``parallel`` ``+( A, B, ... )``: all children, interleaved;
* ``loop`` ``*( DO, REDO )``: ``DO``, then any number of times ``REDO`` followed by ``DO`` again.

Every process tree is sound by construction; :func:`to_petri_net` keeps that property by building
the workflow net block by block (one source place, one sink place, silent transitions for ``tau``
and for the routing of ``parallel`` and ``loop`` blocks).

>>> t = ProcessTree.sequence(ProcessTree.leaf("a"), ProcessTree.xor(ProcessTree.leaf("b"), ProcessTree.tau()))
>>> print(t)
->( 'a', X( 'b', tau ) )
>>> net = to_petri_net(t)
>>> sorted(net.labels)
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from crmflow.conformance.petrinet import PetriNet, Transition
from crmflow.discovery.error_messages import ERRORS
from crmflow.errors import CrmflowError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin

Operator = Literal["sequence", "xor", "parallel", "loop"]

OPERATORS: tuple[Operator, ...] = ("sequence", "xor", "parallel", "loop")
_SYMBOL: dict[str, str] = {"sequence": "->", "xor": "X", "parallel": "+", "loop": "*"}


class ProcessTreeError(CrmflowError):
    """A process tree is malformed (unknown operator, a leaf with children, a loop without two children…)."""


@dataclass(frozen=True)
class ProcessTree(JsonMixin):
    """A node of a process tree.

    Parameters
    ----------
    operator
        ``"sequence"``, ``"xor"``, ``"parallel"`` or ``"loop"``; ``None`` for a leaf.
    label
        The activity of a leaf; ``None`` on a leaf means the silent step ``tau``. Must be ``None``
        on an operator node.
    children
        The sub-trees of an operator node (at least one; exactly two -- do and redo -- for ``loop``).

    Examples
    --------
    >>> print(ProcessTree.loop(ProcessTree.leaf("a"), ProcessTree.tau()))
    *( 'a', tau )
    >>> ProcessTree.parallel(ProcessTree.leaf("b"), ProcessTree.leaf("c")).activities == {"b", "c"}
    True
    """

    operator: Operator | None = None
    label: str | None = None
    children: tuple[ProcessTree, ...] = ()

    def __post_init__(self) -> None:
        if self.operator is None:
            if self.children:
                raise error(ProcessTreeError, ERRORS, "process_tree.leaf_cannot_have_children", label=self.label)
            return
        if self.operator not in OPERATORS:
            raise error(
                ProcessTreeError,
                ERRORS,
                "process_tree.unknown_operator_expected_one",
                operator=self.operator,
                value=", ".join(OPERATORS),
            )
        if self.label is not None:
            raise error(
                ProcessTreeError,
                ERRORS,
                "process_tree.operator_node_cannot_carry",
                operator=self.operator,
                label=self.label,
            )
        if not self.children:
            raise error(ProcessTreeError, ERRORS, "process_tree.node_needs_least_one", operator=self.operator)
        if self.operator == "loop" and len(self.children) != 2:
            raise error(ProcessTreeError, ERRORS, "process_tree.loop_has_exactly_two", n_children=len(self.children))

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def leaf(cls, label: str) -> ProcessTree:
        """A visible activity."""
        return cls(label=label)

    @classmethod
    def tau(cls) -> ProcessTree:
        """The silent step."""
        return cls()

    @classmethod
    def sequence(cls, *children: ProcessTree) -> ProcessTree:
        """``->( children )``; nested sequences are flattened and a single child is returned as is."""
        return cls._flat("sequence", children)

    @classmethod
    def xor(cls, *children: ProcessTree) -> ProcessTree:
        """``X( children )``; nested choices are flattened and repeated ``tau`` children merged."""
        return cls._flat("xor", children)

    @classmethod
    def parallel(cls, *children: ProcessTree) -> ProcessTree:
        """``+( children )``; nested parallel blocks are flattened."""
        return cls._flat("parallel", children)

    @classmethod
    def loop(cls, do: ProcessTree, redo: ProcessTree) -> ProcessTree:
        """``*( do, redo )``: ``do``, then ``redo`` and ``do`` again, any number of times."""
        return cls(operator="loop", children=(do, redo))

    @classmethod
    def _flat(cls, op: Operator, children: tuple[ProcessTree, ...]) -> ProcessTree:
        flat: list[ProcessTree] = []
        for c in (g for child in children for g in (child.children if child.operator == op else (child,))):
            if op in ("sequence", "parallel") and c.is_tau:
                continue  # a silent step in a sequence or parallel block changes nothing
            elif op == "xor" and c.is_tau and any(f.is_tau for f in flat):
                continue
            else:
                flat.append(c)
        if not flat:
            return cls.tau()
        if len(flat) == 1:
            return flat[0]
        return cls(operator=op, children=tuple(flat))

    # -- queries ------------------------------------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        return self.operator is None

    @property
    def is_tau(self) -> bool:
        return self.operator is None and self.label is None

    @property
    def activities(self) -> frozenset[str]:
        """The activity labels of the visible leaves."""
        return frozenset(n.label for n in self.walk() if n.label is not None)

    def walk(self) -> Iterator[ProcessTree]:
        """Every node, depth first, parents before children."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    @property
    def size(self) -> int:
        """The number of nodes."""
        return sum(1 for _ in self.walk())

    def __str__(self) -> str:
        if self.operator is None:
            return "tau" if self.label is None else "'" + self.label.replace("'", "\\'") + "'"
        return f"{_SYMBOL[self.operator]}( " + ", ".join(str(c) for c in self.children) + " )"

    def to_dict(self) -> dict[str, Any]:
        if self.operator is None:
            return {"label": self.label}
        return {"operator": self.operator, "children": [c.to_dict() for c in self.children]}


class _NetBuilder:
    """Collects places, transitions and arcs while a tree is unfolded block by block."""

    def __init__(self) -> None:
        self.places: list[str] = []
        self.transitions: list[Transition] = []
        self.arcs: list[tuple[str, str]] = []

    def place(self, name: str | None = None) -> str:
        name = name or f"p{len(self.places)}"
        self.places.append(name)
        return name

    def transition(self, label: str | None, pre: list[str], post: list[str]) -> None:
        name = f"t{len(self.transitions)}" if label is not None else f"tau{len(self.transitions)}"
        self.transitions.append(Transition(name, label))
        self.arcs.extend((p, name) for p in pre)
        self.arcs.extend((name, p) for p in post)

    def block(self, tree: ProcessTree, source: str, sink: str) -> None:
        """Add the net of ``tree`` between the existing places ``source`` and ``sink``."""
        op = tree.operator
        if op is None:
            self.transition(tree.label, [source], [sink])
        elif op == "sequence":
            places = [source] + [self.place() for _ in tree.children[:-1]] + [sink]
            for child, a, b in zip(tree.children, places[:-1], places[1:], strict=True):
                self.block(child, a, b)
        elif op == "xor":
            # Sharing source and sink between the branches is safe: every block is entered and left
            # through its own places (loops and parallel blocks route through silent transitions).
            for child in tree.children:
                self.block(child, source, sink)
        elif op == "parallel":
            starts = [self.place() for _ in tree.children]
            ends = [self.place() for _ in tree.children]
            self.transition(None, [source], starts)
            for child, a, b in zip(tree.children, starts, ends, strict=True):
                self.block(child, a, b)
            self.transition(None, ends, [sink])
        else:  # loop: source -tau-> p_do -DO-> p_redo -tau-> sink, and p_redo -REDO-> p_do
            do, redo = tree.children
            p_do, p_redo = self.place(), self.place()
            self.transition(None, [source], [p_do])
            self.block(do, p_do, p_redo)
            self.block(redo, p_redo, p_do)
            self.transition(None, [p_redo], [sink])


def to_petri_net(tree: ProcessTree) -> PetriNet:
    """Translate a process tree into a sound workflow net.

    The net has one place ``source`` (marked initially) and one place ``sink`` (marked finally);
    every visible leaf becomes a transition labelled with its activity, every ``tau`` leaf and the
    split/join of ``parallel`` blocks and the entry/exit of ``loop`` blocks a silent transition.
    The net accepts exactly the traces the tree describes.

    Parameters
    ----------
    tree
        The process tree.

    Returns
    -------
    PetriNet
        A safe, sound workflow net.

    Examples
    --------
    >>> t = ProcessTree.parallel(ProcessTree.leaf("b"), ProcessTree.leaf("c"))
    >>> net = to_petri_net(t)
    >>> [t.label for t in net.transitions]
    [None, 'b', 'c', None]
    >>> net.describe(net.initial_marking), net.describe(net.final_marking)
    ({'source': 1}, {'sink': 1})
    """
    b = _NetBuilder()
    source, sink = b.place("source"), b.place("sink")
    b.block(tree, source, sink)
    return PetriNet.build(places=b.places, transitions=b.transitions, arcs=b.arcs, initial={source: 1}, final={sink: 1})


__all__ = ["OPERATORS", "Operator", "ProcessTree", "ProcessTreeError", "to_petri_net"]
