"""Parameters of a service task's connector call, fixed or computed from the instance's variables.

A run file (or ``Engine(bindings=…)``) gives each service task its connector, operation and
``params``. A value written as ``{expr: TEXT}`` is an expression of the safe expression language
(:mod:`crmflow.design.expressions`), evaluated on the instance's variables when the step starts; every
other value is sent as written. Mappings and lists nest::

    actions:
      assign_lead:
        connector: bitrix24
        operation: tasks.task.add
        params: {fields: {TITLE: {expr: 'lead.title'}, RESPONSIBLE_ID: 1, UF_CRM_TASK: [{expr: 'lead.crm_id'}]}}

:func:`compile_params` parses the expressions once (an error names the key, e.g.
``params.fields.TITLE.expr``, and the column); :func:`resolve_params` evaluates them for one instance.

>>> p = compile_params({"ownerId": {"expr": "lead.id"}, "fields": {"TITLE": "Lead", "SUM": {"expr": "deal.amount * 2"}}})
>>> resolve_params(p, {"lead": {"id": 7}, "deal": {"amount": 50}})
{'ownerId': 7, 'fields': {'TITLE': 'Lead', 'SUM': 100}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crmflow.design.expressions import EvalContext, Expression, parse_expression
from crmflow.engine.error_messages import ERRORS
from crmflow.errors import EngineError, ExpressionError
from crmflow.i18n import error

__all__ = ["ParamExpression", "compile_params", "resolve_params"]


@dataclass(frozen=True)
class ParamExpression:
    """A parameter computed when the step starts; ``key`` is where it stands (``params.fields.TITLE``)."""

    key: str
    expression: Expression


def _compile(value: Any, key: str) -> Any:
    if isinstance(value, ParamExpression):
        return value
    if isinstance(value, Mapping):
        if set(value) == {"expr"}:
            text = value["expr"]
            if not isinstance(text, str):
                raise error(EngineError, ERRORS, "params.expr_expected_text_expression", key=key, text=text)
            try:
                return ParamExpression(key, parse_expression(text))
            except ExpressionError as exc:
                raise error(EngineError, ERRORS, "params.expr", key=key, exc=exc) from None
        return {str(k): _compile(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_compile(v, f"{key}[{i}]") for i, v in enumerate(value)]
    return value


def compile_params(params: Mapping[str, Any], *, key: str = "params") -> dict[str, Any]:
    """``params`` with every ``{expr: TEXT}`` parsed.

    Raises
    ------
    EngineError
        When an expression does not parse or is not text; the message names the key and the column.
    """
    return {str(k): _compile(v, f"{key}.{k}") for k, v in params.items()}


def _resolve(value: Any, data: Mapping[str, Any], context: EvalContext | None) -> Any:
    if isinstance(value, ParamExpression):
        try:
            out = value.expression.evaluate(data, context=context)
        except ExpressionError as exc:
            raise error(ExpressionError, ERRORS, "params.message", key=value.key, exc=exc) from None
        return out.isoformat() if isinstance(out, datetime) else out
    if isinstance(value, dict):
        return {k: _resolve(v, data, context) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, data, context) for v in value]
    return value


def resolve_params(params: Mapping[str, Any], data: Mapping[str, Any], *, context: EvalContext | None = None) -> dict[str, Any]:
    """The parameters for one instance: each expression evaluated on ``data`` (the instance's variables).

    Raises
    ------
    ExpressionError
        When an expression cannot be evaluated on this data (an unknown field, a type mismatch); the
        message names the parameter's key.
    """
    return {k: _resolve(v, data, context) for k, v in params.items()}
