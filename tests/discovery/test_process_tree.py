"""Process trees: notation, validation, and the workflow nets they translate into.

The helpers at the top (``accepts``, ``language``, ``assert_sound``) replay traces on a net by
search and explore its reachability graph; test_inductive.py uses them too.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmflow.conformance.petrinet import Marking, PetriNet
from crmflow.discovery.process_tree import ProcessTree, ProcessTreeError, to_petri_net


def _tau_closure(net: PetriNet, markings: set[Marking]) -> set[Marking]:
    seen = set(markings)
    todo = list(markings)
    while todo:
        m = todo.pop()
        for t, tr in enumerate(net.transitions):
            if tr.silent and net.is_enabled(m, t):
                m2 = net.fire(m, t)
                if m2 not in seen:
                    seen.add(m2)
                    todo.append(m2)
    return seen


def accepts(net: PetriNet, trace: Sequence[str]) -> bool:
    """True if the net can fire ``trace`` (with any silent steps) from the initial to the final marking."""
    current = _tau_closure(net, {net.initial_marking})
    for a in trace:
        step = {net.fire(m, t) for m in current for t in net.transitions_with_label(a) if net.is_enabled(m, t)}
        if not step:
            return False
        current = _tau_closure(net, step)
    return net.final_marking in current


def language(net: PetriNet, max_len: int) -> set[tuple[str, ...]]:
    """Every trace of length <= ``max_len`` that the net accepts."""
    out: set[tuple[str, ...]] = set()
    start = (net.initial_marking, ())
    seen = {start}
    queue = deque([start])
    while queue:
        m, prefix = queue.popleft()
        if m == net.final_marking:
            out.add(prefix)
        for t, tr in enumerate(net.transitions):
            if not net.is_enabled(m, t):
                continue
            nxt = prefix if tr.silent else (*prefix, tr.label)
            if len(nxt) > max_len:
                continue
            state = (net.fire(m, t), nxt)
            if state not in seen:
                seen.add(state)
                queue.append(state)
    return out


def reachable(net: PetriNet) -> dict[Marking, list[tuple[int, Marking]]]:
    """The reachability graph ``{marking: [(transition, next marking)]}`` (the net must be bounded)."""
    graph: dict[Marking, list[tuple[int, Marking]]] = {}
    todo = [net.initial_marking]
    while todo:
        m = todo.pop()
        if m in graph:
            continue
        graph[m] = [(t, net.fire(m, t)) for t in range(len(net.transitions)) if net.is_enabled(m, t)]
        if len(graph) > 100_000:
            raise AssertionError("reachability graph too large: is the net unbounded?")
        todo.extend(m2 for _, m2 in graph[m] if m2 not in graph)
    return graph


def assert_sound(net: PetriNet) -> None:
    """Option to complete, proper completion, safeness and no dead transitions."""
    graph = reachable(net)
    assert net.final_marking in graph
    back: dict[Marking, set[Marking]] = {m: set() for m in graph}
    for m, succ in graph.items():
        assert max(m) <= 1, f"not safe: {net.describe(m)}"
        for _, m2 in succ:
            back[m2].add(m)
    can_finish = {net.final_marking}
    todo = [net.final_marking]
    while todo:
        for p in back[todo.pop()]:
            if p not in can_finish:
                can_finish.add(p)
                todo.append(p)
    stuck = [net.describe(m) for m in graph if m not in can_finish]
    assert not stuck, f"markings that cannot complete: {stuck[:3]}"
    sink = net.place_index["sink"]
    for m in graph:
        if m[sink]:
            assert m == net.final_marking, f"improper completion: {net.describe(m)}"
    fired = {t for succ in graph.values() for t, _ in succ}
    assert fired == set(range(len(net.transitions))), "dead transitions"


# -- a reference semantics of process trees, bounded by trace length ---------------------------

Lang = set[tuple[str, ...]]


def _shuffle(x: tuple[str, ...], y: tuple[str, ...]) -> Lang:
    if not x or not y:
        return {x + y}
    return {(x[0], *r) for r in _shuffle(x[1:], y)} | {(y[0], *r) for r in _shuffle(x, y[1:])}


def tree_language(tree: ProcessTree, max_len: int) -> Lang:
    """The traces of ``tree`` of length <= ``max_len``, straight from the operator definitions."""
    if tree.is_leaf:
        return {()} if tree.label is None else {(tree.label,)}
    kids = [tree_language(c, max_len) for c in tree.children]
    if tree.operator == "xor":
        return set().union(*kids)
    if tree.operator in ("sequence", "parallel"):
        acc: Lang = {()}
        for k in kids:
            if tree.operator == "sequence":
                acc = {x + y for x in acc for y in k if len(x) + len(y) <= max_len}
            else:
                acc = {z for x in acc for y in k if len(x) + len(y) <= max_len for z in _shuffle(x, y)}
        return acc
    do, redo = kids
    acc, frontier = set(do), set(do)
    while frontier:  # do (redo do)*: grow until nothing new fits the bound
        frontier = {x + r + d for x in frontier for r in redo for d in do if len(x) + len(r) + len(d) <= max_len} - acc
        acc |= frontier
    return acc


A, B, C, D = (ProcessTree.leaf(x) for x in "abcd")
TAU = ProcessTree.tau()


def test_notation_is_pm4py_like() -> None:
    t = ProcessTree.sequence(A, ProcessTree.xor(B, TAU), ProcessTree.parallel(C, ProcessTree.loop(D, TAU)))
    assert str(t) == "->( 'a', X( 'b', tau ), +( 'c', *( 'd', tau ) ) )"
    assert t.activities == {"a", "b", "c", "d"}
    assert t.size == 10


def test_constructors_flatten_and_simplify() -> None:
    assert ProcessTree.sequence(A, ProcessTree.sequence(B, C)) == ProcessTree.sequence(A, B, C)
    assert ProcessTree.sequence(A, TAU) == A
    assert ProcessTree.parallel(TAU, TAU).is_tau
    assert str(ProcessTree.xor(TAU, ProcessTree.xor(TAU, A))) == "X( tau, 'a' )"
    assert ProcessTree.xor(B) == B


def test_to_dict_is_nested_json() -> None:
    t = ProcessTree.loop(A, ProcessTree.xor(B, TAU))
    assert t.to_dict() == {
        "operator": "loop",
        "children": [{"label": "a"}, {"operator": "xor", "children": [{"label": "b"}, {"label": None}]}],
    }


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"operator": "loop", "children": (A, B, C)}, "exactly two"),
        ({"operator": "choice", "children": (A, B)}, "unknown operator"),
        ({"label": "a", "children": (B,)}, "cannot have children"),
        ({"operator": "xor", "label": "a", "children": (B,)}, "cannot carry a label"),
        ({"operator": "sequence"}, "at least one child"),
    ],
)
def test_malformed_trees_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ProcessTreeError, match=message):
        ProcessTree(**kwargs)


def test_net_is_a_workflow_net_with_silent_routing() -> None:
    net = to_petri_net(ProcessTree.sequence(A, ProcessTree.parallel(B, C)))
    assert net.describe(net.initial_marking) == {"source": 1}
    assert net.describe(net.final_marking) == {"sink": 1}
    assert sorted(t.label for t in net.transitions if t.label) == ["a", "b", "c"]
    assert sum(t.silent for t in net.transitions) == 2  # the parallel split and join
    src, sink = net.place_index["source"], net.place_index["sink"]
    assert not any(src in post for post in net.post) and not any(sink in pre for pre in net.pre)


@pytest.mark.parametrize(
    "tree, expected",
    [
        (ProcessTree.sequence(A, ProcessTree.parallel(B, C)), {("a", "b", "c"), ("a", "c", "b")}),
        (ProcessTree.sequence(A, ProcessTree.xor(B, TAU)), {("a",), ("a", "b")}),
        (ProcessTree.loop(A, B), {("a",), ("a", "b", "a"), ("a", "b", "a", "b", "a")}),
        (ProcessTree.loop(A, TAU), {("a",) * n for n in range(1, 6)}),
        (
            ProcessTree.loop(TAU, ProcessTree.xor(A, B)),  # the flower model: any sequence of a and b
            {t for n in range(6) for t in itertools.product("ab", repeat=n)},
        ),
    ],
)
def test_small_nets_accept_exactly_the_tree_language(tree: ProcessTree, expected: Lang) -> None:
    net = to_petri_net(tree)
    assert language(net, 5) == expected == tree_language(tree, 5)
    assert_sound(net)


def _trees(depth: int) -> st.SearchStrategy[ProcessTree]:
    leaves = st.sampled_from([A, B, C, D, TAU])
    if depth == 0:
        return leaves
    sub = _trees(depth - 1)
    ops = st.builds(
        lambda op, kids: ProcessTree(operator=op, children=tuple(kids)),
        st.sampled_from(["sequence", "xor", "parallel"]),
        st.lists(sub, min_size=1, max_size=3),
    )
    loops = st.builds(ProcessTree.loop, sub, sub)
    return st.one_of(leaves, ops, loops)


@settings(max_examples=120, deadline=None)
@given(_trees(3))
def test_every_tree_becomes_a_sound_net_with_the_same_language(tree: ProcessTree) -> None:
    net = to_petri_net(tree)
    assert_sound(net)
    assert language(net, 4) == tree_language(tree, 4)
    for trace in tree_language(tree, 4):
        assert accepts(net, trace)
