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
        "ru": "`{node}` недостижим из стартового события процесса `{process}` (направьте на него `next:` или ветку, или удалите)",
    },
    "no_start": {
        "en": "process `{process}` has no start event (add `- id: ..., event: start` first in the flow)",
        "ru": "в процессе `{process}` нет стартового события (добавьте `- id: ..., event: start` в начало flow)",
    },
    "dead_end": {
        "en": "`{node}` is the last node of process `{process}` but not an end event (add `next:` or an end event)",
        "ru": "`{node}` — последний узел процесса `{process}`, но не конечное событие (добавьте `next:` или конечное событие)",
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
        "ru": "SLA `{sla}`: `move_to` может быть только последним действием последнего уровня (там цепочка заканчивается)",
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
    # --- a drawn BPMN read as the To-Be (crmflow.design.from_bpmn): warnings name the element
    "bpmn.event_subprocess": {
        "en": "`{element}`: event sub-process `{name}` is not part of the To-Be flow (model its steps in the main flow)",
        "ru": "`{element}`: событийный подпроцесс `{name}` не вошёл в поток To-Be (перенесите его шаги в основной поток)",
    },
    "bpmn.subprocess_kept": {
        "en": "`{element}`: sub-process `{name}` has no single plain start event, so it is kept as one sub-process step "
        "(its inner tasks get no RACI or SLA)",
        "ru": "`{element}`: у подпроцесса `{name}` нет единственного простого стартового события, он оставлен одним "
        "шагом-подпроцессом (у внутренних задач нет RACI и SLA)",
    },
    "bpmn.loop": {
        "en": "`{element}`: the loop/multi-instance marker of `{name}` is not represented (the step runs once)",
        "ru": "`{element}`: маркер цикла/множественного экземпляра у `{name}` не представлен (шаг выполняется один раз)",
    },
    "bpmn.condition_dropped": {
        "en": "`{element}`: the condition `{condition}` on the flow from `{node}` is dropped (only gateway branches carry "
        "conditions; draw an exclusive gateway)",
        "ru": "`{element}`: условие `{condition}` на потоке из `{node}` отброшено (условия бывают только у веток шлюза; "
        "нарисуйте исключающий шлюз)",
    },
    "bpmn.implicit_split": {
        "en": "`{element}` has {count} outgoing flows: a split gateway `{element}_split` was added (draw it explicitly)",
        "ru": "у `{element}` {count} исходящих потока: добавлен шлюз-разветвитель `{element}_split` (нарисуйте его явно)",
    },
    "bpmn.implicit_end": {
        "en": "`{element}` has no outgoing flow: an end event `{element}_end` was added after it",
        "ru": "у `{element}` нет исходящего потока: после него добавлено конечное событие `{element}_end`",
    },
    "bpmn.implicit_start": {
        "en": "process `{element}` has no start event: one was added",
        "ru": "в процессе `{element}` нет стартового события: оно добавлено",
    },
    "bpmn.no_incoming": {
        "en": "`{element}` has no incoming flow: in BPMN it starts with the process, so a parallel branch from the start "
        "event leads to it (connect it if that is not meant)",
        "ru": "в `{element}` не входит ни один поток: по BPMN он начинается вместе с процессом, поэтому к нему ведёт "
        "параллельная ветка от стартового события (соедините его, если это не так)",
    },
    "bpmn.condition_kept": {
        "en": "`{element}`: the condition `{condition}` of a branch of `{gateway}` cannot be translated; it is kept as the "
        "documented decision `{expression}` with the text as the branch's `description` — write the rule in the "
        "crmflow expression language",
        "ru": "`{element}`: условие `{condition}` ветки шлюза `{gateway}` не переводится; оно сохранено как решение "
        "`{expression}`, а текст — как `description` ветки; запишите правило на языке выражений crmflow",
    },
    "bpmn.decision": {
        "en": "`{element}`: branches {branches} have no condition; each became a documented decision "
        '`decision == "<branch>"` (a choice made by the performer) — write the rules',
        "ru": '`{element}`: у веток {branches} нет условия; каждая стала решением `decision == "<ветка>"` '
        "(выбор исполнителя) — запишите правила",
    },
    "bpmn.call_activity": {
        "en": "`{element}`: the call activity (calls `{called}`) is a sub-process step; the called process is not read",
        "ru": "`{element}`: вызов процесса `{called}` стал шагом-подпроцессом; вызываемый процесс не читается",
    },
    "bpmn.unbounded_cycle": {
        "en": "`{element}`: the timer cycle repeats without end; {count} reminders were written",
        "ru": "`{element}`: цикл таймера бесконечен; записано напоминаний: {count}",
    },
    "bpmn.boundary_no_path": {
        "en": "`{element}`: the {kind} boundary event has no outgoing flow and is dropped (draw where the case goes)",
        "ru": "`{element}`: у граничного события ({kind}) нет исходящего потока, оно отброшено (нарисуйте, куда идёт экземпляр)",
    },
    "bpmn.boundary_non_interrupting": {
        "en": "`{element}`: the non-interrupting {kind} boundary event becomes an exception branch after the step (in BPMN "
        "it runs alongside the step)",
        "ru": "`{element}`: непрерывающее граничное событие ({kind}) стало веткой исключения после шага (в BPMN оно "
        "выполняется параллельно шагу)",
    },
    "bpmn.boundary_timer_path": {
        "en": "`{element}`: the boundary timer `{timer}` is not an ISO 8601 duration or cycle (a date or an engine "
        "expression), so it is no SLA; it became an exception branch",
        "ru": "`{element}`: граничный таймер `{timer}` — не длительность и не цикл ISO 8601 (дата или выражение "
        "движка), поэтому не SLA; он стал веткой исключения",
    },
    "bpmn.complex_gateway": {
        "en": "`{element}`: the complex gateway is read as an inclusive gateway (its activation rule is not represented)",
        "ru": "`{element}`: сложный шлюз прочитан как включающий (его правило активации не представлено)",
    },
    "bpmn.multiple_triggers": {
        "en": "`{element}` has {count} event definitions; only the first is kept",
        "ru": "у `{element}` {count} определений события; сохранено только первое",
    },
    "bpmn.trigger_dropped": {
        "en": "`{element}`: the {kind} trigger is not represented; the event has no trigger",
        "ru": "`{element}`: триггер {kind} не представлен; у события нет триггера",
    },
    "bpmn.timer_cycle_event": {
        "en": "`{element}`: the timer cycle `{timer}` waits one interval here (repetitions are not represented)",
        "ru": "`{element}`: цикл таймера `{timer}` здесь ждёт один интервал (повторы не представлены)",
    },
    "bpmn.timer_dropped": {
        "en": "`{element}`: the timer `{timer}` ({kind}) is not a duration; the event waits without a timer (set one)",
        "ru": "`{element}`: таймер `{timer}` ({kind}) — не длительность; событие ждёт без таймера (задайте его)",
    },
    "bpmn.annotation_dropped": {
        "en": "`{element}`: the documentation or text annotation of an event or gateway is not kept (only steps have "
        "descriptions)",
        "ru": "`{element}`: документация или текстовая аннотация события или шлюза не сохранена (описание есть только у шагов)",
    },
    "bpmn.message_flow_end": {
        "en": "`{element}`: an end of the message flow is not a node or pool that was read; the event keeps what is known",
        "ru": "`{element}`: конец потока сообщений — не прочитанный узел или пул; событие сохраняет то, что известно",
    },
    # the AsyncAPI document of the event catalogue (design/asyncapi.py)
    "api.title": {"en": "{name}: event catalogue", "ru": "{name}: каталог событий"},
    "api.send": {"en": "{party} publishes {event}", "ru": "{party} публикует {event}"},
    "api.receive": {"en": "{party} receives {event}", "ru": "{party} получает {event}"},
}

__all__ = ["MESSAGES"]
