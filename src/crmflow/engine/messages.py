"""Russian and English texts of the engine: deploy refusals, run-time incidents, task errors (:mod:`crmflow.i18n`)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- deploy
    "deploy.refused": {
        "en": "{model}: the engine cannot run {count} element(s): {problems}",
        "ru": "{model}: движок не может исполнить элементов: {count}: {problems}",
    },
    "deploy.no_process": {
        "en": "the model has no process with nodes (draw a start event, a task and an end event in a pool)",
        "ru": "в модели нет процесса с элементами (нарисуйте стартовое событие, задачу и конечное событие в пуле)",
    },
    "deploy.task_kind": {
        "en": "a {kind} is not executed (the engine runs no scripts or decision tables); make it a service task with a connector",
        "ru": "{kind} не исполняется (движок не запускает скрипты и таблицы решений); "
        "сделайте её сервисной задачей с коннектором",
    },
    "deploy.call_activity": {
        "en": "call activities are not executed; draw the called process as an embedded sub-process",
        "ru": "вызывающие действия (call activity) не исполняются; нарисуйте вызываемый процесс как встроенный подпроцесс",
    },
    "deploy.subprocess_kind": {
        "en": "a {kind} is not executed; use an embedded sub-process",
        "ru": "{kind} не исполняется; используйте встроенный подпроцесс",
    },
    "deploy.event_subprocess": {
        "en": "event sub-processes are not executed; use a boundary event on the activity",
        "ru": "событийные подпроцессы не исполняются; используйте граничное событие на действии",
    },
    "deploy.complex_gateway": {
        "en": "complex gateways are not executed; use an inclusive or exclusive gateway",
        "ru": "сложные (complex) шлюзы не исполняются; используйте включающий или исключающий шлюз",
    },
    "deploy.loop": {
        "en": "loop and multi-instance activities are not executed; model the repetition with a gateway",
        "ru": "циклические и многоэкземплярные действия не исполняются; смоделируйте повтор шлюзом",
    },
    "deploy.event": {
        "en": "a {position} event with a {trigger} trigger is not executed (supported: {supported})",
        "ru": "{position}-событие с триггером {trigger} не исполняется (поддерживаются: {supported})",
    },
    "deploy.no_message": {
        "en": "the message event has no message name (set messageRef to a <message> with a name)",
        "ru": "у события сообщения нет имени сообщения (укажите messageRef на <message> с именем)",
    },
    "deploy.receive_by_id": {
        "en": "the receive task names no message; it waits for the message `{node}` (its id)",
        "ru": "у задачи получения нет сообщения; она ждёт сообщение `{node}` (свой идентификатор)",
    },
    "deploy.timer": {
        "en": "timer expression cannot be used: {problem}",
        "ru": "выражение таймера нельзя использовать: {problem}",
    },
    "deploy.dynamic_timer": {
        "en": "timer `{expression}` is evaluated by another engine (${{...}}); write an ISO 8601 duration, date or cycle",
        "ru": "таймер `{expression}` вычисляется другим движком (${{...}}); напишите длительность, дату или цикл ISO 8601",
    },
    "deploy.condition": {
        "en": 'condition `{condition}` is not in the safe expression language ({reason}); rewrite it, e.g. lead.source == "web"',
        "ru": 'условие `{condition}` не на безопасном языке выражений ({reason}); перепишите, например lead.source == "web"',
    },
    "deploy.event_gateway_target": {
        "en": "an event-based gateway must lead to catch events (timer or message) or receive tasks; `{target}` is neither",
        "ru": "событийный шлюз должен вести к ловящим событиям (таймер или сообщение) или задачам получения; `{target}` не такой",
    },
    "deploy.no_start": {
        "en": "the {scope} has no start event the engine can start (none, message or timer)",
        "ru": "у {scope} нет стартового события, которое движок может запустить (простое, сообщение или таймер)",
    },
    "deploy.dead_end": {
        "en": "the {what} has no outgoing sequence flow; add one or make it an end event",
        "ru": "у {what} нет исходящего потока; добавьте поток или сделайте элемент конечным событием",
    },
    "deploy.read": {
        "en": "cannot read the model {path}: {reason}",
        "ru": "не удалось прочитать модель {path}: {reason}",
    },
    "deploy.decision": {
        "en": 'condition `{condition}` was not translated; the engine waits for the variable `decision` == "{label}" '
        "(set it when completing the task before the gateway)",
        "ru": 'условие `{condition}` не переведено; движок ждёт переменную `decision` == "{label}" '
        "(задайте её при завершении задачи перед шлюзом)",
    },
    # ---------------------------------------------------------------- run time
    "run.no_branch": {
        "en": "no outgoing flow of gateway `{node}` holds and it has no default flow (variables: {names})",
        "ru": "ни одно условие шлюза `{node}` не выполнено и у него нет потока по умолчанию (переменные: {names})",
    },
    "run.condition": {
        "en": "the condition of flow `{flow}` failed: {reason}",
        "ru": "условие потока `{flow}` не вычислено: {reason}",
    },
    "run.params": {
        "en": (
            "the parameters of step `{node}` could not be computed: {reason}; "
            "fix the run file or the variables and retry the incident"
        ),
        "ru": "параметры шага `{node}` не вычислены: {reason}; исправьте файл запуска или переменные и повторите инцидент",
    },
    "run.uncaught_error": {
        "en": "error `{code}` thrown at `{node}` is caught by no boundary event; the instance failed",
        "ru": "ошибка `{code}` в `{node}` не перехвачена граничным событием; экземпляр завершился с ошибкой",
    },
    "run.no_connector": {
        "en": "no connector named `{connector}` is registered (known: {known}); register it and retry the incident",
        "ru": "коннектор `{connector}` не зарегистрирован (известны: {known}); зарегистрируйте его и повторите инцидент",
    },
    "run.action_failed": {
        "en": "`{connector}.{operation}` failed after {attempts} attempt(s): {detail}",
        "ru": "`{connector}.{operation}` не выполнено после попыток: {attempts}: {detail}",
    },
    "run.publish_failed": {
        "en": "publishing `{event}` failed after {attempts} attempt(s): {detail}",
        "ru": "публикация `{event}` не удалась после попыток: {attempts}: {detail}",
    },
    "run.unknown_process": {
        "en": "no deployed process `{process}` (deployed: {known}); run `crmflow engine deploy MODEL` first",
        "ru": "процесс `{process}` не развёрнут (развёрнуты: {known}); сначала выполните `crmflow engine deploy MODEL`",
    },
    "run.parked": {
        "en": "message `{message}` with {key} = {value} matches no waiting instance; parked",
        "ru": "сообщение `{message}` с {key} = {value} не подходит ни одному ожидающему экземпляру; отложено",
    },
    # ---------------------------------------------------------------- tasks
    "task.unknown": {
        "en": "no task `{task}` (list open tasks with `crmflow engine status` or GET /tasks)",
        "ru": "задачи `{task}` нет (открытые задачи: `crmflow engine status` или GET /tasks)",
    },
    "task.state": {
        "en": "task `{task}` is {status}; only an open or claimed task can be {verb}",
        "ru": "задача `{task}` в статусе {status}; {verb} можно только открытую или взятую задачу",
    },
    "task.claimed_by": {
        "en": "task `{task}` is claimed by `{assignee}`, not by `{user}`",
        "ru": "задача `{task}` взята пользователем `{assignee}`, а не `{user}`",
    },
    "task.not_candidate": {
        "en": "`{user}` is not a candidate of task `{task}` (role `{role}`; candidates: {candidates})",
        "ru": "`{user}` не может взять задачу `{task}` (роль `{role}`; кандидаты: {candidates})",
    },
    "task.variables": {
        "en": "the variables of task `{task}` must be a JSON object of names to values",
        "ru": "переменные задачи `{task}` должны быть JSON-объектом имён и значений",
    },
    # ---------------------------------------------------------------- store and staff
    "store.open": {
        "en": "cannot open the engine store {url}: {reason}",
        "ru": "не удалось открыть хранилище движка {url}: {reason}",
    },
    "store.url": {
        "en": "unknown engine store {url!r}: use a path to a .sqlite file or postgresql://host/dbname",
        "ru": "неизвестное хранилище движка {url!r}: укажите путь к файлу .sqlite или postgresql://host/dbname",
    },
    "staff.invalid": {
        "en": "{path}: staff entry {index}: {reason}",
        "ru": "{path}: сотрудник {index}: {reason}",
    },
}
