"""Turning crmflow's typed results into JSON-ready values."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime
from enum import Enum
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Convert dataclasses, tuples, datetimes, enums and NaN into plain JSON values.

    >>> to_jsonable({"a": (1, 2.5, float("nan"))})
    {'a': [1, 2.5, None]}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        custom = getattr(type(value), "to_dict", None)
        if custom is not None and custom is not JsonMixin.to_dict:  # a result that shapes its own JSON
            return custom(value)
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


class JsonMixin:
    """Adds ``to_dict()`` to a frozen result dataclass."""

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return out
