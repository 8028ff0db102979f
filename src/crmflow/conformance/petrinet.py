"""Workflow nets: the Petri-net semantics behind conformance checking and soundness.

A :class:`PetriNet` has places, transitions (visible ones carry an activity label; silent ones
have ``label=None``), unit-weight arcs, and an initial and a final marking. Markings are tuples of
token counts indexed like ``places`` -- hashable, so search algorithms can keep them in sets.

>>> net = PetriNet.build(
...     places=["i", "p", "o"],
...     transitions=[("t1", "A"), ("t2", "B")],
...     arcs=[("i", "t1"), ("t1", "p"), ("p", "t2"), ("t2", "o")],
...     initial={"i": 1}, final={"o": 1},
... )
>>> m = net.initial_marking
>>> [t.label for t in net.enabled(m)]
['A']
>>> net.fire(net.fire(m, 0), 1) == net.final_marking
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from crmflow.conformance.error_messages import ERRORS
from crmflow.errors import CrmflowError
from crmflow.i18n import error

Marking = tuple[int, ...]


class PetriNetError(CrmflowError):
    """A Petri net is malformed (unknown node on an arc, duplicate names…)."""


@dataclass(frozen=True)
class Transition:
    """A transition: ``name`` is unique; ``label`` is the activity, or None for a silent step."""

    name: str
    label: str | None = None

    @property
    def silent(self) -> bool:
        return self.label is None


@dataclass(frozen=True, eq=False)
class PetriNet:
    """A Petri net with unit-weight arcs and an initial and a final marking.

    Build one with :meth:`build`; ``pre[t]`` and ``post[t]`` are the place indices consumed and
    produced by transition index ``t``.
    """

    places: tuple[str, ...]
    transitions: tuple[Transition, ...]
    pre: tuple[tuple[int, ...], ...]
    post: tuple[tuple[int, ...], ...]
    initial_marking: Marking
    final_marking: Marking
    place_index: Mapping[str, int] = field(repr=False)
    transition_index: Mapping[str, int] = field(repr=False)

    @classmethod
    def build(
        cls,
        *,
        places: Iterable[str],
        transitions: Iterable[tuple[str, str | None] | Transition],
        arcs: Iterable[tuple[str, str]],
        initial: Mapping[str, int],
        final: Mapping[str, int],
    ) -> PetriNet:
        """Build a net from names; an arc is ``(place, transition)`` or ``(transition, place)``."""
        pl = tuple(places)
        tr = tuple(t if isinstance(t, Transition) else Transition(t[0], t[1]) for t in transitions)
        pidx = {p: i for i, p in enumerate(pl)}
        tidx = {t.name: i for i, t in enumerate(tr)}
        if len(pidx) != len(pl):
            raise error(PetriNetError, ERRORS, "petrinet.place_names_must_unique")
        if len(tidx) != len(tr):
            raise error(PetriNetError, ERRORS, "petrinet.transition_names_must_unique")
        if set(pidx) & set(tidx):
            raise error(PetriNetError, ERRORS, "petrinet.names_used_both_place", value=sorted(set(pidx) & set(tidx)))
        pre: list[list[int]] = [[] for _ in tr]
        post: list[list[int]] = [[] for _ in tr]
        for a, b in arcs:
            if a in pidx and b in tidx:
                pre[tidx[b]].append(pidx[a])
            elif a in tidx and b in pidx:
                post[tidx[a]].append(pidx[b])
            else:
                raise error(PetriNetError, ERRORS, "petrinet.arc_must_join_place", a=a, b=b)
        return cls(
            places=pl,
            transitions=tr,
            pre=tuple(tuple(sorted(x)) for x in pre),
            post=tuple(tuple(sorted(x)) for x in post),
            initial_marking=cls._marking(initial, pidx, len(pl)),
            final_marking=cls._marking(final, pidx, len(pl)),
            place_index=pidx,
            transition_index=tidx,
        )

    @staticmethod
    def _marking(tokens: Mapping[str, int], pidx: Mapping[str, int], n: int) -> Marking:
        m = [0] * n
        for p, k in tokens.items():
            if p not in pidx:
                raise error(PetriNetError, ERRORS, "petrinet.marking_names_unknown_place", p=p)
            m[pidx[p]] = int(k)
        return tuple(m)

    def marking(self, tokens: Mapping[str, int]) -> Marking:
        """A marking from ``{place: tokens}``."""
        return self._marking(tokens, self.place_index, len(self.places))

    def describe(self, marking: Marking) -> dict[str, int]:
        """``{place: tokens}`` for the marked places."""
        return {self.places[i]: k for i, k in enumerate(marking) if k}

    def is_enabled(self, marking: Marking, t: int) -> bool:
        return all(marking[p] > 0 for p in self.pre[t])

    def enabled(self, marking: Marking) -> list[Transition]:
        return [self.transitions[t] for t in range(len(self.transitions)) if self.is_enabled(marking, t)]

    def fire(self, marking: Marking, t: int) -> Marking:
        """The marking after firing transition index ``t`` (not checked for enabledness)."""
        m = list(marking)
        for p in self.pre[t]:
            m[p] -= 1
        for p in self.post[t]:
            m[p] += 1
        return tuple(m)

    @property
    def labels(self) -> frozenset[str]:
        """The activity labels of visible transitions."""
        return frozenset(t.label for t in self.transitions if t.label is not None)

    def transitions_with_label(self, label: str) -> list[int]:
        return [i for i, t in enumerate(self.transitions) if t.label == label]
