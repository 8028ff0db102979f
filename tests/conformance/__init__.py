"""Conformance tests; the small hand-built nets with known answers live here."""

from __future__ import annotations

from crmflow.conformance.petrinet import PetriNet


def sequence() -> PetriNet:
    """i -A-> p1 -B-> p2 -C-> o."""
    return PetriNet.build(
        places=["i", "p1", "p2", "o"],
        transitions=[("a", "A"), ("b", "B"), ("c", "C")],
        arcs=[("i", "a"), ("a", "p1"), ("p1", "b"), ("b", "p2"), ("p2", "c"), ("c", "o")],
        initial={"i": 1},
        final={"o": 1},
    )


def choice() -> PetriNet:
    """A, then B or C, then D."""
    return PetriNet.build(
        places=["i", "p1", "p2", "o"],
        transitions=[("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")],
        arcs=[("i", "a"), ("a", "p1"), ("p1", "b"), ("p1", "c"), ("b", "p2"), ("c", "p2"), ("p2", "d"), ("d", "o")],
        initial={"i": 1},
        final={"o": 1},
    )


def loop() -> PetriNet:
    """A, then B once or more (a silent transition loops back), then C."""
    return PetriNet.build(
        places=["i", "p1", "p2", "o"],
        transitions=[("a", "A"), ("b", "B"), ("back", None), ("c", "C")],
        arcs=[("i", "a"), ("a", "p1"), ("p1", "b"), ("b", "p2"), ("p2", "back"), ("back", "p1"), ("p2", "c"), ("c", "o")],
        initial={"i": 1},
        final={"o": 1},
    )


def parallel() -> PetriNet:
    """A, then B and C in any order, then D."""
    return PetriNet.build(
        places=["i", "p1", "p2", "p3", "p4", "o"],
        transitions=[("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")],
        arcs=[
            ("i", "a"),
            ("a", "p1"),
            ("a", "p2"),
            ("p1", "b"),
            ("b", "p3"),
            ("p2", "c"),
            ("c", "p4"),
            ("p3", "d"),
            ("p4", "d"),
            ("d", "o"),
        ],
        initial={"i": 1},
        final={"o": 1},
    )


def skip() -> PetriNet:
    """A, then B or a silent skip, then C."""
    return PetriNet.build(
        places=["i", "p1", "p2", "o"],
        transitions=[("a", "A"), ("b", "B"), ("tau", None), ("c", "C")],
        arcs=[("i", "a"), ("a", "p1"), ("p1", "b"), ("p1", "tau"), ("b", "p2"), ("tau", "p2"), ("p2", "c"), ("c", "o")],
        initial={"i": 1},
        final={"o": 1},
    )
