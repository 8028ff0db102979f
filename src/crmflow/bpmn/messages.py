"""Russian and English text of BPMN lint and soundness problems.

Every message names the BPMN element ids involved and says what to change. Used through
:func:`crmflow.i18n.text`, or :func:`both` for the pair:

>>> both("timer.invalid", event="Timer_1", problem="timeDuration 'PT10X' is wrong")[0]
"Timer event `Timer_1`: timeDuration 'PT10X' is wrong. Write an ISO 8601 expression such as PT10M, \
P1DT2H or R3/PT1H."
"""

from __future__ import annotations

from crmflow.i18n import text

MESSAGES: dict[str, dict[str, str]] = {
    # ----------------------------------------------------------------- structure
    "process.no_start": {
        "en": "Process `{process}` has no start event. Add a start event where the process begins.",
        "ru": "В процессе `{process}` нет стартового события. Добавьте стартовое событие там, где процесс начинается.",
    },
    "process.no_end": {
        "en": "Process `{process}` has no end event. Add an end event where the process finishes.",
        "ru": "В процессе `{process}` нет конечного события. Добавьте конечное событие там, где процесс завершается.",
    },
    "node.unreachable": {
        "en": "`{node}` cannot be reached from any start event, so it never happens. Connect it with a "
        "sequence flow from the step that precedes it, or delete it.",
        "ru": "До `{node}` нельзя дойти ни от одного стартового события, поэтому он никогда не выполнится. "
        "Соедините его потоком управления с предшествующим шагом или удалите.",
    },
    "node.no_end": {
        "en": "From `{node}` no end event can be reached, so a case that gets there never finishes. Add a "
        "sequence flow from it towards an end event.",
        "ru": "От `{node}` нельзя дойти ни до одного конечного события: случай, попавший сюда, не завершится. "
        "Добавьте поток управления от него к конечному событию.",
    },
    "gateway.no_default": {
        "en": "Gateway `{gateway}` chooses by conditions on {flows} but has no default flow: what happens if "
        "no condition is met? Mark one outgoing flow as the default (or make the conditions cover every case).",
        "ru": "Шлюз `{gateway}` выбирает путь по условиям на {flows}, но у него нет потока по умолчанию: что "
        "будет, если ни одно условие не выполнится? Назначьте один исходящий поток потоком по умолчанию "
        "(или сделайте условия исчерпывающими).",
    },
    "gateway.unconditioned_branch": {
        "en": "Gateway `{gateway}`: flows {flows} have no condition while other outgoing flows do, so it is "
        "unclear when they are taken. Add conditions to them or make one of them the default flow.",
        "ru": "Шлюз `{gateway}`: у потоков {flows} нет условия, хотя у других исходящих потоков оно есть, — "
        "неясно, когда они выбираются. Задайте им условия или сделайте один из них потоком по умолчанию.",
    },
    "gateway.default_condition": {
        "en": "Default flow `{flow}` of `{gateway}` has a condition; a default flow is taken exactly when no "
        "other condition holds. Remove its condition.",
        "ru": "У потока по умолчанию `{flow}` шлюза `{gateway}` задано условие, а поток по умолчанию выбирается "
        "именно тогда, когда не выполнено ни одно другое условие. Удалите его условие.",
    },
    "merge.implicit": {
        "en": "`{node}` has {count} incoming sequence flows ({flows}), an implicit exclusive merge. Put an "
        "exclusive gateway before it (or a parallel gateway if the paths run in parallel and must be joined).",
        "ru": "У `{node}` {count} входящих потока ({flows}) — неявное исключающее слияние. Поставьте перед ним "
        "исключающий шлюз (или параллельный, если пути идут параллельно и их нужно дождаться).",
    },
    "merge.parallel_into_exclusive": {
        "en": "Parallel split `{split}` is joined by exclusive gateway `{join}` (flows {flows}): it does not wait "
        "for the other branches, so what follows runs once per branch. Replace `{join}` with a parallel gateway.",
        "ru": "Параллельное разветвление `{split}` сводится исключающим шлюзом `{join}` (потоки {flows}): он не "
        "ждёт остальных веток, и всё, что дальше, выполнится по разу на каждую ветку. Замените `{join}` "
        "параллельным шлюзом.",
    },
    "timer.invalid": {
        "en": "Timer event `{event}`: {problem}. Write an ISO 8601 expression such as PT10M, P1DT2H or R3/PT1H.",
        "ru": "Событие-таймер `{event}`: {problem}. Запишите выражение по ISO 8601, например PT10M, P1DT2H или R3/PT1H.",
    },
    "timer.missing": {
        "en": "Timer event `{event}` has no timeDuration, timeDate or timeCycle. Say when it fires, e.g. timeDuration PT2H.",
        "ru": "У события-таймера `{event}` не задано ни timeDuration, ни timeDate, ни timeCycle. Укажите, когда "
        "оно срабатывает, например timeDuration PT2H.",
    },
    "boundary.no_host": {
        "en": "Boundary event `{event}` is not attached to an activity. Attach it to a task or sub-process (attachedToRef).",
        "ru": "Граничное событие `{event}` не прикреплено к действию. Прикрепите его к задаче или подпроцессу (attachedToRef).",
    },
    "boundary.bad_host": {
        "en": "Boundary event `{event}` is attached to `{host}`, which is not an activity. Attach it to a task or sub-process.",
        "ru": "Граничное событие `{event}` прикреплено к `{host}`, а это не действие. Прикрепите его к задаче или подпроцессу.",
    },
    "boundary.incoming": {
        "en": "Boundary event `{event}` has incoming sequence flows ({flows}); it is triggered by its host "
        "`{host}`, not by a flow. Remove those flows.",
        "ru": "У граничного события `{event}` есть входящие потоки ({flows}), но его запускает действие "
        "`{host}`, а не поток. Удалите эти потоки.",
    },
    "lane.missing": {
        "en": "`{node}` is in no lane although process `{process}` has lanes, so nobody is responsible for it. "
        "Put it in the lane of the role that does it.",
        "ru": "`{node}` не входит ни в одну дорожку, хотя в процессе `{process}` дорожки есть, — за него никто не "
        "отвечает. Поместите его в дорожку роли, которая его выполняет.",
    },
    # ----------------------------------------------------------------- behaviour
    "sound.deadlock": {
        "en": "Deadlock: after {path}, tokens wait at {where} and nothing can continue. Check the gateway "
        "that joins these paths: an exclusive split must be merged by an exclusive gateway, a parallel "
        "split by a parallel one.",
        "ru": "Тупик: после {path} метки ждут в {where}, и ничего не может продолжиться. Проверьте шлюз, "
        "сводящий эти пути: исключающее разветвление сводится исключающим шлюзом, параллельное — "
        "параллельным.",
    },
    "sound.improper": {
        "en": "Improper completion: after {path} the process reaches its end while work is left at {where}. "
        "Join the parallel branches with a parallel gateway before the end event (or end them on purpose "
        "with a terminate end event).",
        "ru": "Неправильное завершение: после {path} процесс доходит до конца, а в {where} остаётся "
        "незавершённая работа. Сведите параллельные ветки параллельным шлюзом перед конечным событием "
        "(или завершайте их намеренно терминирующим событием).",
    },
    "sound.livelock": {
        "en": "No option to complete: after {path}, with tokens at {where}, the process can only loop and never "
        "reach an end event. Add an exit from the loop through {where}.",
        "ru": "Нет возможности завершиться: после {path}, с метками в {where}, процесс может только ходить по "
        "кругу и никогда не дойдёт до конечного события. Добавьте выход из цикла через {where}.",
    },
    "sound.unsafe": {
        "en": "Lack of synchronisation: after {path}, {where} is reached {tokens} times at once, so what follows "
        "runs more than once. Join parallel branches with a parallel gateway, not an exclusive one or a task.",
        "ru": "Нет синхронизации: после {path} в {where} одновременно {tokens} метки, и всё, что дальше, "
        "выполнится несколько раз. Сводите параллельные ветки параллельным шлюзом, а не исключающим "
        "шлюзом или задачей.",
    },
    "sound.unbounded": {
        "en": "Unbounded: after {path} the loop through {where} can add tokens without limit. A parallel split "
        "inside a loop needs a matching parallel join inside the same loop.",
        "ru": "Неограниченность: после {path} цикл через {where} может добавлять метки без предела. "
        "Параллельному разветвлению внутри цикла нужно парное параллельное слияние в том же цикле.",
    },
    "sound.dead": {
        "en": "`{element}` can never happen in any run of the process (dead). Check the conditions and gateways "
        "on the way to it, or delete it.",
        "ru": "`{element}` не может произойти ни в одном прохождении процесса (мёртвый элемент). Проверьте "
        "условия и шлюзы на пути к нему или удалите его.",
    },
    "sound.state_limit": {
        "en": "Soundness of `{process}` was checked on the first {states} states only (the state limit); the "
        "results are incomplete. Raise max_states or split the process into sub-processes.",
        "ru": "Корректность `{process}` проверена только на первых {states} состояниях (предел); результат "
        "неполный. Увеличьте max_states или разбейте процесс на подпроцессы.",
    },
    "sound.start": {"en": "the start", "ru": "старта"},
}


def both(key: str, /, **kwargs: object) -> tuple[str, str]:
    """The ``(English, Russian)`` text of a message."""
    return text(MESSAGES, key, "en", **kwargs), text(MESSAGES, key, "ru", **kwargs)


def ids(elements: object) -> str:
    """Element ids quoted for a message: ```a`, `b```."""
    return ", ".join(f"`{e}`" for e in elements)  # type: ignore[attr-defined]


__all__ = ["MESSAGES", "both", "ids"]
