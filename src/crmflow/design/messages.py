"""Russian and English texts of the To-Be checks and compilation (see :mod:`crmflow.i18n`)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "duplicate": {
        "en": "{what} `{id}` is defined twice (ids must be unique; rename one)",
        "ru": "{what} `{id}` определён дважды (идентификаторы должны быть уникальны; переименуйте один)",
    },
    "unknown_ref": {
        "en": "{what} `{ref}` is not defined{hint} (known: {known})",
        "ru": "{what} `{ref}` не определён{hint} (известны: {known})",
    },
    "raci.accountable_count": {
        "en": "step `{step}` has {count} accountable roles ({roles}); a step has exactly one A — keep one, "
              "move the others to C or I",
        "ru": "у шага `{step}` {count} подотчётных ролей (A: {roles}); у шага ровно одна A — оставьте одну, "
              "остальные перенесите в C или I",
    },
    "raci.no_responsible": {
        "en": "step `{step}` has no responsible role (R); name at least one role that does the work",
        "ru": "у шага `{step}` нет исполнителя (R); укажите хотя бы одну роль, которая выполняет работу",
    },
    "unreachable": {
        "en": "`{node}` cannot be reached from a start event of process `{process}` (point a `next:` or a branch to it, "
              "or remove it)",
        "ru": "`{node}` недостижим из стартового события процесса `{process}` (направьте на него `next:` или ветку, "
              "или удалите)",
    },
    "no_start": {
        "en": "process `{process}` has no start event (add `- id: ..., event: start` first in the flow)",
        "ru": "в процессе `{process}` нет стартового события (добавьте `- id: ..., event: start` в начало flow)",
    },
    "dead_end": {
        "en": "`{node}` is the last node of process `{process}` but not an end event (add `next:` or an end event)",
        "ru": "`{node}` — последний узел процесса `{process}`, но не конечное событие (добавьте `next:` или конечное "
              "событие)",
    },
    "no_end_reached": {
        "en": "no end event can be reached from `{node}` in process `{process}` (the case would never finish)",
        "ru": "из `{node}` процесса `{process}` не достижимо ни одно конечное событие (экземпляр не завершится)",
    },
    "gateway.incomplete": {
        "en": "gateway `{gateway}` has no default branch and branch(es) {branches} have no condition; give every "
              "branch a `when:` or mark one `default: true`",
        "ru": "у шлюза `{gateway}` нет ветки по умолчанию, а у веток {branches} нет условия; задайте каждой ветке "
              "`when:` или отметьте одну `default: true`",
    },
    "gateway.no_default": {
        "en": "gateway `{gateway}` has no default branch: when no condition holds the case gets stuck (mark one "
              "branch `default: true`)",
        "ru": "у шлюза `{gateway}` нет ветки по умолчанию: если ни одно условие не выполнено, экземпляр зависнет "
              "(отметьте одну ветку `default: true`)",
    },
    "gateway.two_defaults": {
        "en": "gateway `{gateway}` has {count} default branches (keep exactly one)",
        "ru": "у шлюза `{gateway}` {count} ветки по умолчанию (оставьте ровно одну)",
    },
    "gateway.default_condition": {
        "en": "the default branch of gateway `{gateway}` has a condition (a default branch has none; remove `when:`)",
        "ru": "у ветки по умолчанию шлюза `{gateway}` есть условие (у ветки по умолчанию его нет; удалите `when:`)",
    },
    "gateway.parallel_condition": {
        "en": "parallel gateway `{gateway}` has conditions or a default (all branches of a parallel gateway run; "
              "use an exclusive or inclusive gateway)",
        "ru": "у параллельного шлюза `{gateway}` есть условия или ветка по умолчанию (выполняются все ветки; "
              "используйте исключающий или включающий шлюз)",
    },
    "gateway.one_branch": {
        "en": "gateway `{gateway}` splits into only one branch (add branches or use `next:`)",
        "ru": "шлюз `{gateway}` ведёт только в одну ветку (добавьте ветки или используйте `next:`)",
    },
    "expression": {
        "en": "{problem}",
        "ru": "{problem}",
    },
    "event.trigger_field": {
        "en": "event `{event}` has trigger `{trigger}` but no `{field}:` (add it)",
        "ru": "у события `{event}` триггер `{trigger}`, но нет `{field}:` (добавьте)",
    },
    "escalation.move_not_last": {
        "en": "SLA `{sla}`: `move_to` may only be the last action of the last level (the chain ends there)",
        "ru": "SLA `{sla}`: `move_to` может быть только последним действием последнего уровня (там цепочка "
              "заканчивается)",
    },
    "escalation.resume_needs_interrupting": {
        "en": "SLA `{sla}` has `resolved_when`/`resume_at` but is not interrupting (set `interrupting: true` so "
              "the case continues at one place)",
        "ru": "у SLA `{sla}` есть `resolved_when`/`resume_at`, но он не прерывающий (задайте `interrupting: true`, "
              "чтобы экземпляр продолжался в одном месте)",
    },
    "escalation.action_field": {
        "en": "SLA `{sla}`: action `{action}` needs `{field}:` (add it)",
        "ru": "SLA `{sla}`: действию `{action}` нужен `{field}:` (добавьте)",
    },
    "sla.zero": {
        "en": "SLA `{sla}`: `within` must be longer than zero",
        "ru": "SLA `{sla}`: `within` должен быть больше нуля",
    },
    "compile.unsound": {
        "en": "the BPMN compiled from `{source}` is not sound: {problems}",
        "ru": "BPMN, собранный из `{source}`, некорректен: {problems}",
    },
}

__all__ = ["MESSAGES"]
