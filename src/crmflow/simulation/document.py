"""The shape of ``simulation.json``: one set of dataclasses that ``run_simulation`` writes and the pack reads.

:class:`SimulationDocument` is the whole document — the run (source, replications, days, seed, language),
the log's KPIs and the validation of the discovered As-Is, one :class:`ScenarioSummary` per simulated
result (KPI :class:`~crmflow.simulation.kpis.Estimate` s with their 95 % intervals), the money inputs
(:class:`~crmflow.simulation.economics.EconomicsSpec`) and the yearly P&L rows
(:class:`~crmflow.simulation.economics.PnL`), and the notes (as text in the run's language and as message
keys, so that a document in another language words them again). ``to_dict`` writes it;
:meth:`SimulationDocument.from_dict` reads it back typed and checks every field (pydantic), naming the
first wrong or missing field.

>>> doc = SimulationDocument.from_dict({"source": "log.csv", "replications": 2, "results": [
...     {"id": "baseline", "name": "As-Is", "estimates": {"conversion": {"mean": 0.4, "low": 0.3, "high": 0.5, "n": 2}}}]})
>>> doc.results[0].estimates["conversion"].high, doc.pnl
(0.5, ())
>>> try:
...     SimulationDocument.from_dict({"source": "log.csv", "replications": "ten", "results": []})
... except SimulationError as exc:
...     print(str(exc)[:58])
<simulation.json>: field `replications`: Input should be a
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from crmflow.errors import SimulationError
from crmflow.i18n import error
from crmflow.jsonable import JsonMixin
from crmflow.simulation.economics import EconomicsSpec, PnL
from crmflow.simulation.error_messages import ERRORS
from crmflow.simulation.kpis import Estimate, Kpis
from crmflow.simulation.messages import MESSAGES


@dataclass(frozen=True)
class KpiCheck(JsonMixin):
    """One KPI of the validation: the log's value, the simulated As-Is mean, the difference in % of the log's."""

    log: float | None
    sim: float | None
    error_pct: float | None


@dataclass(frozen=True)
class ScenarioSummary(JsonMixin):
    """One simulated result (the As-Is, a scenario or the To-Be) as the document keeps it.

    ``name`` is in the run's language; ``names`` holds it per language (``ru``, ``en``) where known.
    """

    id: str
    name: str
    estimates: dict[str, Estimate | None]
    people: dict[str, int] = field(default_factory=dict)
    busy_hours: dict[str, float] = field(default_factory=dict)
    paid_hours_per_week: dict[str, float] = field(default_factory=dict)
    cycle_quantiles_h: tuple[float, ...] = ()
    names: dict[str, str] = field(default_factory=dict)

    def name_in(self, lang: str) -> str:
        """The name in ``lang`` (the run's name when the document has none in that language)."""
        return self.names.get(lang, self.name)

    def estimate(self, kpi: str) -> Estimate | None:
        """The estimate of one KPI, or None when the KPI is undefined for this result."""
        return self.estimates.get(kpi)


@dataclass(frozen=True)
class Note(JsonMixin):
    """A note of the model (what it estimates rather than measures) as a message key with its values."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulationDocument(JsonMixin):
    """``simulation.json`` (see the module docstring); ``model`` is the discovered model's own description."""

    source: str
    replications: int
    results: tuple[ScenarioSummary, ...]
    days: float = 0.0
    seed: int = 0
    lang: str = "en"
    log_kpis: Kpis | None = None
    validation: dict[str, KpiCheck] = field(default_factory=dict)
    economics: EconomicsSpec | None = None
    pnl: tuple[PnL, ...] = ()
    model: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    note_keys: tuple[Note, ...] = ()

    def result(self, sid: str) -> ScenarioSummary | None:
        """The result with id ``sid``, or None."""
        return next((r for r in self.results if r.id == sid), None)

    @property
    def currency(self) -> str:
        """The currency of the P&L ('' without economics inputs)."""
        return self.economics.currency if self.economics is not None else ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "<simulation.json>") -> SimulationDocument:
        """Read a parsed ``simulation.json`` back typed.

        Raises
        ------
        SimulationError
            When a field is missing or has the wrong type (the message names ``where`` and the field,
            e.g. ``results[1].estimates.conversion.mean``), or a note's key is not a known note.
        """
        from pydantic import ValidationError

        try:
            doc = _adapter().validate_python(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            shown = "" if first["type"] == "missing" else f" (got {first['input']!r:.60})"
            raise error(
                SimulationError,
                ERRORS,
                "document.field",
                where=where,
                value=_path(first["loc"]),
                first=first["msg"],
                shown=shown,
            ) from None
        for n, note in enumerate(doc.note_keys):
            if not note.key.startswith("note.") or note.key not in MESSAGES:
                raise error(SimulationError, ERRORS, "document.field_note_keys_key", where=where, n=n, key=note.key)
        return doc


@cache
def _adapter() -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(SimulationDocument)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


__all__ = ["KpiCheck", "Note", "ScenarioSummary", "SimulationDocument"]
