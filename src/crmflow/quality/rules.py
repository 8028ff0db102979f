"""The data-quality rules (YAML): entities, their checks, status matrices, sequences, reconciliations.

The file is validated as a whole before anything runs; an error names the key (``entities.deals.
stages.Won.required``) and says what is expected. The full format, with an example, is in
``docs/quality.md``; shipped examples are in ``crmflow/quality/examples/``.

>>> rules = parse_rules({"entities": {"deals": {"id": "ID", "required": ["Сумма"]}}})
>>> rules.entities["deals"].required
['Сумма']
>>> parse_rules({"entities": {"deals": {"stages": {"Won": {"requird": ["x"]}}}}})
Traceback (most recent call last):
...
crmflow.errors.QualityRulesError: rules: key `entities.deals.stages.Won.requird`: unknown key; allowed here: empty, required
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crmflow.errors import QualityRulesError
from crmflow.i18n import error
from crmflow.quality.entities import KINDS
from crmflow.quality.error_messages import ERRORS
from crmflow.yamlfile import read_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


class ValidityRules(_Model):
    """``validity:`` — settings of the value checks (defaults shown)."""

    default_region: str = "RU"
    min_date: date = date(1990, 1, 1)
    max_future_days: int = Field(default=0, ge=0)
    as_of: date | None = None
    allow_negative_amounts: bool = False


class StageRule(_Model):
    """``stages.<stage>:`` — fields a record in this stage must have, and fields it must not have."""

    required: list[str] = []
    empty: list[str] = []

    _lists = field_validator("required", "empty", mode="before")(_as_list)


class ReferenceRule(_Model):
    """``references:`` — every non-empty value of ``column`` must exist in ``entity.key``."""

    column: str
    entity: str
    key: str


class MatrixRule(_Model):
    """``matrices:`` — the allowed combinations of two or more status columns."""

    name: str | None = None
    columns: list[str] = Field(min_length=2)
    allowed: list[list[str | None]] = Field(min_length=1)


class DuplicateRule(_Model):
    """``duplicates:`` — record linkage on this entity (on by default when name/phone/e-mail columns exist)."""

    enabled: bool = True
    #: a phone, e-mail, INN, name… shared by more records is not used to find duplicates (and is reported)
    max_key_records: int = Field(default=50, ge=2)
    #: the candidate pairs are kept under this many × records (the most frequent keys are dropped first)
    max_pairs_per_record: int = Field(default=50, ge=1)


class EntityRules(_Model):
    """``entities.<name>:`` — one CRM entity (a file) and its checks."""

    source: str | None = None
    id: str | None = None
    detect: bool = True
    columns: dict[str, list[str]] = {}
    required: list[str] = []
    stages: dict[str, StageRule] = {}
    references: list[ReferenceRule] = []
    matrices: list[MatrixRule] = []
    duplicates: DuplicateRule | bool = True

    _req = field_validator("required", mode="before")(_as_list)

    @field_validator("columns", mode="before")
    @classmethod
    def _columns(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out = {}
        for k, cols in v.items():
            kind = {"phones": "phone", "emails": "email", "dates": "date", "amounts": "amount"}.get(k, k)
            if kind not in KINDS:
                raise ValueError(f"unknown column kind `{k}`; use one of {', '.join(KINDS)}")
            out[kind] = _as_list(cols)
        return out

    @field_validator("stages", mode="before")
    @classmethod
    def _stage_keys(cls, v: Any) -> Any:
        return {str(k): s for k, s in v.items()} if isinstance(v, dict) else v


class SequenceRule(_Model):
    """``sequences:`` — stage-sequence rules checked on an event log (stage history)."""

    name: str | None = None
    log: str
    entity: str | None = None  # the entity whose ids are the log's case ids (for its score)
    forbidden: list[list[str]] = []
    allowed: list[list[str]] | None = None
    mapping: str | None = None

    @field_validator("forbidden", "allowed")
    @classmethod
    def _pairs(cls, v: list[list[str]] | None) -> list[list[str]] | None:
        for pair in v or []:
            if len(pair) != 2:
                raise ValueError(f"each transition is a pair [from, to]; got {pair}")
        return v


class DateRef(_Model):
    """One side of a date-order rule: which entity and which date column."""

    entity: str
    column: str


class DateOrderRule(_Model):
    """``date_order:`` — ``later`` must not come before ``earlier`` (by day); ``join`` links two entities."""

    name: str | None = None
    earlier: DateRef
    later: DateRef
    join: str | dict[str, str] | None = None  # a key column in both, or {earlier: col, later: col}


class ReconSide(_Model):
    """One side of a reconciliation: which entity, which records, which amount, date and grouping."""

    entity: str
    amount: str | None = None  # None: count records
    date: str | None = None
    by: str | None = None  # e.g. the manager column
    key: str | None = None  # record key, to list records found on one side only
    where: dict[str, str | list[str]] = {}
    lookup: dict[str, str] | None = None  # {entity, key, value}: amount taken from another entity


class Tolerance(_Model):
    absolute: float = Field(default=0.005, ge=0)
    relative: float = Field(default=0.0, ge=0)


class ReconciliationRule(_Model):
    """``reconciliation:`` — totals of two sources compared by period and by a grouping column."""

    name: str
    left: ReconSide
    right: ReconSide
    period: Literal["day", "month", "quarter", "year", "none"] = "month"
    tolerance: Tolerance = Tolerance()


class QualityRules(_Model):
    """The whole rules file."""

    version: int = 1
    lang: Literal["ru", "en"] | None = None
    validity: ValidityRules = ValidityRules()
    entities: dict[str, EntityRules] = {}
    sequences: list[SequenceRule] = []
    date_order: list[DateOrderRule] = []
    reconciliation: list[ReconciliationRule] = []

    #: The folder relative paths in the file are resolved against (None: the working directory).
    base_dir: Path | None = None


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys allowed at ``loc`` (for "unknown key" messages)."""
    current: Any = model
    container = False  # the next part is a dict key or list index, not a field
    for part in loc[:-1]:
        if container:
            container = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        f = current.model_fields.get(str(part))
        if f is None:
            return None
        current = f.annotation
        origin = getattr(current, "__origin__", None)
        container = origin in (dict, list)
        for arg in getattr(current, "__args__", ()) or ():  # dict[str, X], list[X], X | None
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(k for k in current.model_fields if k != "base_dir")
    return None


def parse_rules(doc: Any, *, source: str = "rules", base_dir: Path | None = None) -> QualityRules:
    """Validate a rules document (the parsed YAML); raise :class:`QualityRulesError` naming the key."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise error(QualityRulesError, ERRORS, "rules.expected_mapping_keys_such", source=source, kind=type(doc).__name__)
    if "base_dir" in doc:
        raise error(QualityRulesError, ERRORS, "rules.key_base_dir_unknown", source=source)
    try:
        rules = QualityRules.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        key = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(QualityRules, loc)
            hint = f"unknown key; allowed here: {', '.join(allowed)}" if allowed else "unknown key"
        else:
            got = err.get("input")
            hint = f"{err['msg']} (got {got!r})" if not isinstance(got, dict | list) else err["msg"]
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise error(QualityRulesError, ERRORS, "rules.key", source=source, key=key, hint=hint, more=more) from None
    return rules.model_copy(update={"base_dir": base_dir})


def load_quality_rules(path: str | Path) -> QualityRules:
    """Read and validate a rules YAML file."""
    p = Path(path)
    doc = read_yaml(p, what="quality rules file", error=QualityRulesError)
    return parse_rules(doc, source=p.name, base_dir=p.resolve().parent)
