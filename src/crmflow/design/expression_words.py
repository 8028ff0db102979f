"""A safe expression written out in words, in Russian or English, for business prose.

The pack shows a condition as a sentence a client reads (``телефон лида не заполнен или …``) and keeps
the expression itself beside it as a reference in square brackets (:func:`described`), so a developer
still sees exactly what runs. Fields are named from a small vocabulary of CRM objects and fields
(``lead.phone`` → «телефон лида» / “the lead's phone”); a field outside it keeps its name, spaced
(``risk_level`` → “risk level”). Values of enumerations that the vocabulary knows are written in words
(``"unreachable"`` → «недозвон»), other string values are quoted as the CRM stores them.

>>> in_words('lead.source == "partner" or lead.expected_amount >= 1000000', "ru").replace("\\xa0", " ")
'источник лида — «партнёр» или ожидаемая сумма лида не меньше 1 000 000'
>>> in_words("not is_empty(lead.phone) or not is_empty(lead.email)", "en")
"the lead's phone is filled in or the lead's e-mail is filled in"
>>> described("lead.reached == true", "ru")
'с лидом связались — да [lead.reached == true]'
"""

from __future__ import annotations

from crmflow.base.numbers import format_number
from crmflow.design.expression_tree import Binary, Call, ListOf, Literal, Logical, Node, Path, Unary
from crmflow.design.expressions import parse_expression
from crmflow.errors import CrmflowError

#: CRM objects: (English, Russian genitive) — "the lead's phone", «телефон лида».
OBJECTS: dict[str, tuple[str, str]] = {
    "lead": ("the lead's", "лида"),
    "deal": ("the deal's", "сделки"),
    "company": ("the company's", "компании"),
    "contact": ("the contact's", "контакта"),
    "contract": ("the contract's", "договора"),
    "contractor": ("the contractor's", "контрагента"),
    "invoice": ("the invoice's", "счёта"),
    "order": ("the order's", "заказа"),
    "payment": ("the payment's", "платежа"),
    "ticket": ("the ticket's", "обращения"),
    "task": ("the task's", "задачи"),
}
#: CRM fields: (English, Russian).
FIELDS: dict[str, tuple[str, str]] = {
    "amount": ("amount", "сумма"),
    "approved": ("approval", "одобрение"),
    "budget": ("budget", "бюджет"),
    "category": ("category", "категория"),
    "customer_confirmed": ("confirmation by the customer", "подтверждение клиентом"),
    "customer_tier": ("customer tier", "уровень клиента"),
    "decision": ("decision", "решение"),
    "decision_maker": ("decision maker", "лицо, принимающее решение"),
    "discount": ("discount", "скидка"),
    "discount_approved": ("discount approval", "согласование скидки"),
    "email": ("e-mail", "e-mail"),
    "expected_amount": ("expected amount", "ожидаемая сумма"),
    "fns_status": ("status at the tax service", "статус в ФНС"),
    "impact": ("impact", "влияние"),
    "inn": ("INN", "ИНН"),
    "inn_valid": ("INN check", "проверка ИНН"),
    "kpp": ("KPP", "КПП"),
    "legal_status": ("legal review", "юридическая проверка"),
    "loss_reason": ("loss reason", "причина отказа"),
    "name": ("name", "имя"),
    "need": ("need", "потребность"),
    "needs_engineer": ("need for an engineer", "нужен инженер"),
    "paid_amount": ("paid amount", "оплаченная сумма"),
    "payment_status": ("payment status", "статус оплаты"),
    "phone": ("phone", "телефон"),
    "product_line": ("product line", "продуктовая линия"),
    "qualification": ("qualification", "квалификация"),
    "reached": ("contact made", "с лидом связались"),
    "refund_status": ("refund status", "статус возврата"),
    "risk_score": ("risk score", "оценка риска"),
    "source": ("source", "источник"),
    "solvable": ("solvability", "решаемость"),
    "stage": ("stage", "стадия"),
    "status": ("status", "статус"),
    "subject": ("subject", "тема"),
    "terms": ("payment terms", "условия оплаты"),
    "timeline": ("timeline", "сроки"),
}
#: Fields whose Russian name already says whose they are (no genitive of the object after them).
_OWN = {"reached"}
#: Enumeration values a To-Be writes as ids: (English, Russian).
VALUES: dict[str, tuple[str, str]] = {
    "active": ("active", "действующий"),
    "accepted": ("accepted", "принято"),
    "approved": ("approved", "одобрено"),
    "cancelled": ("cancelled", "отменён"),
    "completed": ("completed", "выполнен"),
    "critical": ("critical", "критический"),
    "degraded": ("degraded", "ухудшение"),
    "high": ("high", "высокий"),
    "issued": ("issued", "оформлен"),
    "low": ("low", "низкий"),
    "normal": ("normal", "обычный"),
    "nurture": ("nurture", "дозревание"),
    "outage": ("outage", "отказ"),
    "paid": ("paid", "оплачен"),
    "partner": ("partner", "партнёр"),
    "phone": ("phone", "телефон"),
    "prepay": ("prepayment", "предоплата"),
    "qualified": ("qualified", "квалифицирован"),
    "shipped": ("shipped", "отгружен"),
    "unpaid": ("unpaid", "не оплачен"),
    "unreachable": ("unreachable", "недозвон"),
    "urgent": ("urgent", "срочный"),
    "vip": ("VIP", "VIP"),
    "web": ("website", "сайт"),
}

_OPS: dict[str, tuple[str, str]] = {
    "==": ("{a} is {b}", "{a} — {b}"),
    "!=": ("{a} is not {b}", "{a} — не {b}"),
    "<": ("{a} is less than {b}", "{a} меньше {b}"),
    "<=": ("{a} is at most {b}", "{a} не больше {b}"),
    ">": ("{a} is more than {b}", "{a} больше {b}"),
    ">=": ("{a} is at least {b}", "{a} не меньше {b}"),
    "in": ("{a} is one of {b}", "{a} — одно из: {b}"),
    "not_in": ("{a} is none of {b}", "{a} — ни одно из: {b}"),
}
_CALLS: dict[str, tuple[str, str]] = {
    "is_empty": ("{0} is empty", "не заполнено поле «{0}»"),
    "not_is_empty": ("{0} is filled in", "заполнено поле «{0}»"),
    "matches": ("{0} matches the pattern {1}", "{0} соответствует шаблону {1}"),
    "len": ("the length of {0}", "длина значения «{0}»"),
    "lower": ("{0}", "{0}"),
    "upper": ("{0}", "{0}"),
    "now": ("now", "сейчас"),
    "working_minutes_since": ("working minutes since {0}", "рабочих минут с момента «{0}»"),
}


def value_words(value: str, lang: str) -> str:
    """An enumeration value (a status, a priority) in words; one the vocabulary lacks is returned as written.

    >>> value_words("unreachable", "ru"), value_words("high", "en"), value_words("custom", "ru")
    ('недозвон', 'high', 'custom')
    """
    words = VALUES.get(value)
    return value if words is None else words[1 if lang == "ru" else 0]


def field_words(path: str, lang: str) -> str:
    """A field path in words: ``lead.phone`` → «телефон лида» / “the lead's phone”.

    >>> field_words("deal.amount", "ru"), field_words("order.risk_level", "en")
    ('сумма сделки', "the order's risk level")
    """
    parts = path.split(".")
    ru = lang == "ru"
    obj, field = (parts[0], ".".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
    name = FIELDS.get(field, (field.replace("_", " "), field.replace("_", " ")))[1 if ru else 0]
    owner = OBJECTS.get(obj)
    if owner is None:
        return name if not obj else f"{obj.replace('_', ' ')}: {name}"
    if ru:
        return name if field in _OWN else f"{name} {owner[1]}"
    return f"{owner[0]} {name}"


def in_words(expression: str, lang: str) -> str:
    """The expression as a phrase in ``lang``; an expression that does not parse is returned as written."""
    try:
        tree = parse_expression(expression).tree
    except CrmflowError:
        return expression
    return _words(tree, lang, top=True)


def described(expression: str | None, lang: str) -> str:
    """The expression in words followed by the expression itself in square brackets (the reference);
    no expression gives ``—``."""
    if not expression:
        return "—"
    words = in_words(expression, lang)
    return words if words == expression else f"{words} [{expression}]"


def _literal(node: Literal, lang: str) -> str:
    ru = lang == "ru"
    value = node.value
    if isinstance(value, bool):
        return ("да" if value else "нет") if ru else ("yes" if value else "no")
    if isinstance(value, int | float):
        return format_number(value, lang, digits=0 if float(value).is_integer() else 2)
    if isinstance(value, str):
        word = value_words(value, lang)
        return f"«{word}»" if ru else f"“{word}”"
    return node.text


def _words(node: Node, lang: str, *, top: bool = False) -> str:
    ru = lang == "ru"
    if isinstance(node, Literal):
        return _literal(node, lang)
    if isinstance(node, Path):
        return field_words(".".join(node.parts), lang)
    if isinstance(node, ListOf):
        return ", ".join(_words(i, lang) for i in node.items)
    if isinstance(node, Logical):
        joiner = {"and": (" and ", " и "), "or": (" or ", " или ")}[node.op][1 if ru else 0]
        out = joiner.join(_words(i, lang) for i in node.items)
        return out if top else f"({out})"
    if isinstance(node, Unary):
        if node.op == "not" and isinstance(node.operand, Call) and node.operand.name == "is_empty":
            return _call("not_is_empty", node.operand.args, lang)
        if node.op == "not":
            inner = _words(node.operand, lang, top=True)
            return f"неверно, что {inner}" if ru else f"not ({inner})"
        return f"−{_words(node.operand, lang)}"
    if isinstance(node, Binary):
        if node.op in _OPS:
            template = _OPS[node.op][1 if ru else 0]
            return template.format(a=_words(node.left, lang), b=_words(node.right, lang))
        if node.op in ("and", "or"):
            return _words(Logical(node.column, node.op, (node.left, node.right)), lang, top=top)
        return f"{_words(node.left, lang)} {node.op} {_words(node.right, lang)}"
    if isinstance(node, Call):
        return _call(node.name, node.args, lang)
    return str(node)


def _call(name: str, args: tuple[Node, ...], lang: str) -> str:
    template = _CALLS.get(name)
    rendered = [_words(a, lang) if not (name == "matches" and k == 1) else _pattern(a) for k, a in enumerate(args)]
    if template is None:
        return f"{name}({', '.join(rendered)})"
    return template[1 if lang == "ru" else 0].format(*rendered)


def _pattern(node: Node) -> str:
    return f"`{node.value}`" if isinstance(node, Literal) and isinstance(node.value, str) else str(node)


__all__ = ["FIELDS", "OBJECTS", "VALUES", "described", "field_words", "in_words", "value_words"]
