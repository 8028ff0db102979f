"""Russian and English text of the As-Is findings.

Used through :func:`crmflow.i18n.text`; numbers in the titles are written by the compact forms of
:mod:`crmflow.base.numbers`, importable here as ``fmt_duration`` and ``fmt_share``:

>>> from crmflow.i18n import text
>>> text(MESSAGES, "warn.end_missing", "ru", activity="Оплата")
'Завершающее действие «Оплата» ни разу не встречается в журнале'
>>> fmt_duration(5400, "ru"), fmt_duration(5400, "en"), fmt_share(0.256, "ru")
('1,5 ч', '1.5 h', '25,6 %')
"""

from __future__ import annotations

from crmflow.base.numbers import format_duration_compact as fmt_duration
from crmflow.base.numbers import format_share_compact as fmt_share

__all__ = ["MESSAGES", "fmt_duration", "fmt_share"]

MESSAGES: dict[str, dict[str, str]] = {
    # ----------------------------------------------------------------- kinds (findings/kinds.py)
    "kind.bottleneck": {"en": "Bottlenecks", "ru": "Узкие места"},
    "kind.rework": {"en": "Rework", "ru": "Переделки"},
    "kind.ping_pong": {"en": "Ping-pong", "ru": "Пинг-понг"},
    "kind.workload_concentration": {"en": "Workload concentration", "ru": "Концентрация нагрузки"},
    "kind.workload_hero": {"en": "The person the process leans on", "ru": "На ком держится процесс"},
    "kind.stuck_case": {"en": "Stuck cases", "ru": "Зависшие случаи"},
    "kind.sla_violation": {"en": "SLA violations", "ru": "Нарушения SLA"},
    "kind.funnel_drop": {"en": "Funnel drop-offs", "ru": "Потери в воронке"},
    "severity.high": {"en": "high", "ru": "высокая"},
    "severity.medium": {"en": "medium", "ru": "средняя"},
    "severity.low": {"en": "low", "ru": "низкая"},
    # ----------------------------------------------------------------- bottleneck
    "bottleneck.transition.title": {
        "en": "Waiting between “{source}” and “{target}”: {mean} on average, {share} of all waiting time",
        "ru": "Ожидание между «{source}» и «{target}»: в среднем {mean}, {share} всего времени ожидания",
    },
    "bottleneck.transition.description": {
        "en": "{count:# transition|transitions} in {cases:# case|cases}; median wait {median}, 90 % wait less than {p90}, "
        "total {total}.",
        "ru": "{count:# переход|перехода|переходов} в {cases:# случае|случаях|случаях}; медиана ожидания {median}, 90 % ждут "
        "меньше {p90}, всего {total}.",
    },
    "bottleneck.activity.title": {
        "en": "Waiting before “{target}”: {mean} on average, {share} of all waiting time",
        "ru": "Ожидание перед «{target}»: в среднем {mean}, {share} всего времени ожидания",
    },
    "bottleneck.activity.description": {
        "en": "{count:# time|times} in {cases:# case|cases}; median wait {median}, 90 % wait less than {p90}, total {total}.",
        "ru": "{count:# раз|раза|раз} в {cases:# случае|случаях|случаях}; медиана ожидания {median}, 90 % ждут меньше {p90}, "
        "всего {total}.",
    },
    # ----------------------------------------------------------------- rework
    "rework.repeat.title": {
        "en": "“{activity}” is repeated in {cases:# case|cases} ({extra:# extra execution|extra executions})",
        "ru": "«{activity}» повторяется в {cases:# случае|случаях|случаях} (лишних выполнений: {extra:n})",
    },
    "rework.repeat.description": {
        "en": "{share} of the cases with this activity do it more than once; up to {max:# time|times} in one case.",
        "ru": "{share} случаев с этим действием выполняют его больше одного раза; до {max:# раза|раз|раз} в одном случае.",
    },
    "rework.stage_return.title": {
        "en": "Return from stage “{source}” to the earlier stage “{target}” in {cases:# case|cases}",
        "ru": "Возврат с этапа «{source}» на более ранний этап «{target}» в {cases:# случае|случаях|случаях}",
    },
    "rework.stage_return.description": {
        "en": "{returns:# return|returns}; the case goes back in the declared stage order.",
        "ru": "Возвратов: {returns:n}; случай идёт назад по заданному порядку этапов.",
    },
    # ----------------------------------------------------------------- ping-pong
    "ping_pong.resource.title.one": {
        "en": "Work bounces between {x} and {y} in {cases:# case|cases}",
        "ru": "Работа ходит туда-обратно между {x} и {y} в {cases:# случае|случаях|случаях}",
    },
    "ping_pong.resource.title.many": {
        "en": "Work bounces back and forth between {pairs:# pair|pairs} of people in {cases:# case|cases}",
        "ru": "Работа ходит туда-обратно между сотрудниками ({pairs:# пара|пары|пар}) в {cases:# случае|случаях|случаях}",
    },
    "ping_pong.role.title.one": {
        "en": "Work bounces between the roles {x} and {y} in {cases:# case|cases}",
        "ru": "Работа ходит туда-обратно между ролями {x} и {y} в {cases:# случае|случаях|случаях}",
    },
    "ping_pong.role.title.many": {
        "en": "Work bounces back and forth between {pairs:# pair|pairs} of roles in {cases:# case|cases}",
        "ru": "Работа ходит туда-обратно между ролями ({pairs:# пара|пары|пар}) в {cases:# случае|случаях|случаях}",
    },
    "ping_pong.description.one": {
        "en": "{bounces:# time|times} the work went to the other side and came straight back (A → B → A).",
        "ru": "{bounces:# раз|раза|раз} работа уходила другой стороне и сразу возвращалась (A → B → A).",
    },
    "ping_pong.description.many": {
        "en": "{bounces:# time|times} the work went to the other side and came straight back (A → B → A); the most "
        "frequent pair is {x} ↔ {y} ({top_cases:# case|cases}). The table lists the {shown:# pair|pairs} with most cases.",
        "ru": "{bounces:# раз|раза|раз} работа уходила другой стороне и сразу возвращалась (A → B → A); чаще всего — "
        "{x} ↔ {y} ({top_cases:# случай|случая|случаев}). Пар в таблице — {shown:n}, с наибольшим числом случаев.",
    },
    # ----------------------------------------------------------------- workload
    "workload.title": {
        "en": "“{activity}”: {resource} does {share} of the work, {ratio:.1n}× a fair share of {fair}",
        "ru": "«{activity}»: {resource} выполняет {share} работы — в {ratio:.1n} раза больше справедливой доли {fair}",
    },
    "workload.description": {
        "en": "{events:# event|events} by {resources:# person|people}, {regular:n} of them regularly: an even split would give "
        "each {fair}. {bus:# person does|people do} half of it (bus factor): if {resource} is away, this work stalls.",
        "ru": "{events:# событие|события|событий}, исполнителей: {resources:n}, регулярно — {regular:n}: при равном "
        "распределении "
        "каждому досталось бы {fair}. Половина работы приходится на {bus:# исполнителя|исполнителей|исполнителей} "
        "(фактор автобуса): "
        "без {resource} эта работа встанет.",
    },
    "hero.title": {
        "en": "The process leans on {resource}: {share} of all work, {ratio:.1n}× their fair share of {fair}",
        "ru": "Процесс держится на сотруднике {resource}: {share} всей работы — в {ratio:.1n} раза больше справедливой доли "
        "{fair}",
    },
    "hero.description": {
        "en": "{events:n} of {total:# event|events} with a known person ({people:# person|people}). If the activities "
        "{resource} takes part in were split evenly among the people who do them, {resource} would do {fair} "
        "of all work. Most of it: {activities}.",
        "ru": "{events:n} из {total:# события|событий|событий} с известным исполнителем (сотрудников: {people:n}). Если бы "
        "работа "
        "в действиях, где участвует {resource}, делилась поровну между теми, кто их выполняет, на него "
        "приходилось бы {fair} всей работы. Больше всего: {activities}.",
    },
    "hero.role": {
        "en": "In the role “{role}” ({people:# person|people}, fair share {fair}) {resource} does {share} of the role's work.",
        "ru": "В роли «{role}» (сотрудников: {people:n}, справедливая доля {fair}) — {share} работы роли.",
    },
    # ----------------------------------------------------------------- full evidence (findings.csv)
    "evidence.col.finding": {"en": "Finding no.", "ru": "№ находки"},
    "evidence.col.kind": {"en": "Kind", "ru": "Вид"},
    "evidence.col.key": {"en": "Subject", "ru": "Предмет"},
    "evidence.col.case_id": {"en": "Case", "ru": "Случай"},
    "evidence.col.measure": {"en": "Measure", "ru": "Показатель"},
    "evidence.col.value": {"en": "Value", "ru": "Значение"},
    "evidence.col.count": {"en": "Count", "ru": "Количество"},
    "evidence.col.detail": {"en": "Detail", "ru": "Подробности"},
    "evidence.sheet": {"en": "Evidence", "ru": "Подтверждения"},
    "evidence.measure.max_wait_s": {"en": "Longest wait there, s", "ru": "Самое долгое ожидание здесь, с"},
    "evidence.measure.executions": {"en": "Executions", "ru": "Выполнений"},
    "evidence.measure.returns": {"en": "Returns", "ru": "Возвратов"},
    "evidence.measure.bounces": {"en": "Bounces", "ru": "Возвратов туда-обратно"},
    "evidence.measure.person_share": {"en": "The person's share", "ru": "Доля сотрудника"},
    "evidence.measure.idle_s": {"en": "Time since the last event, s", "ru": "Время с последнего события, с"},
    "evidence.measure.elapsed_s": {"en": "Time taken or waited, s", "ru": "Затрачено или прошло времени, с"},
    "evidence.detail.late": {"en": "late", "ru": "с опозданием"},
    "evidence.detail.open": {"en": "still open past the limit", "ru": "открыт сверх срока"},
    "evidence.detail.closed": {"en": "closed past the limit", "ru": "закрыт сверх срока"},
    "evidence.detail.silent": {"en": "silent", "ru": "без движения"},
    # ----------------------------------------------------------------- stuck
    "stuck.title": {
        "en": "{count:# open case has|open cases have} had no activity for more than {after}",
        "ru": "{count:# незавершённый случай|незавершённых случая|незавершённых случаев} без движения дольше {after}",
    },
    "stuck.description": {
        "en": "{share} of the open cases; median time since the last event {median}, the longest {max}. "
        "Most often stuck after “{activity}”.",
        "ru": "{share} незавершённых случаев; медиана времени с последнего события {median}, дольше всего "
        "{max}. Чаще всего застревают после «{activity}».",
    },
    # ----------------------------------------------------------------- SLA
    "sla.title": {
        "en": "SLA “{name}” violated in {violations:n} of {checked:# case|cases} ({rate})",
        "ru": "SLA «{name}» нарушен в {violations:n} из {checked:# случая|случаев|случаев} ({rate})",
    },
    "sla.description": {
        "en": "From “{source}” to “{target}” within {within} ({basis}); {late:n} were late and {open:n} are still "
        "open past the limit. Median {median}, 90 % within {p90}.",
        "ru": "От «{source}» до «{target}» за {within} ({basis}); {late:n} с опозданием и {open:n} ещё открыты "
        "сверх срока. Медиана {median}, 90 % укладываются в {p90}.",
    },
    "sla.basis.working": {"en": "working time", "ru": "рабочее время"},
    "sla.basis.calendar": {"en": "calendar time", "ru": "календарное время"},
    # ----------------------------------------------------------------- funnel
    "funnel.title": {
        "en": "Biggest funnel drop after “{stage}”: {lost:# case|cases} ({rate}) lost before “{next}”",
        "ru": "Наибольшая потеря воронки после «{stage}»: до «{next}» {lost:не дошёл|не дошли|не дошли} {lost:# "
        "случай|случая|случаев} ({rate})",
    },
    "funnel.description": {
        "en": "{reached:# case|cases} reached “{stage}”; {converted:n} went on ({conversion}). Lost: closed there or "
        "silent for longer than the stuck limit; {open:n} more are still in progress there (not counted as lost).",
        "ru": "До «{stage}» {reached:дошёл|дошли|дошли} {reached:# случай|случая|случаев}; дальше прошли {converted:n} "
        "({conversion}). Потеряны — "
        "закрыты на этом этапе или без движения дольше порога зависания; ещё {open:n} в работе на этом "
        "этапе (в потери не включены).",
    },
    # ----------------------------------------------------------------- warnings
    "warn.sla_missing": {
        "en": "SLA rule “{name}”: activity “{activity}” never occurs in the log",
        "ru": "Правило SLA «{name}»: действие «{activity}» ни разу не встречается в журнале",
    },
    "warn.end_missing": {
        "en": "End activity “{activity}” never occurs in the log",
        "ru": "Завершающее действие «{activity}» ни разу не встречается в журнале",
    },
    "warn.closing_missing": {
        "en": "Closing activity “{activity}” never occurs in the log",
        "ru": "Закрывающее действие «{activity}» ни разу не встречается в журнале",
    },
    "warn.after_closing": {
        "en": "{events} events in {cases} cases come after the case was closed: they do not reopen it (it is "
        "neither open nor stuck). {other} of them are steps the case had not done before closing (e.g. support "
        "after payment): waiting, rework and ping-pong leave them out; repeats of earlier steps count as rework",
        "ru": "{events} событий в {cases} случаях идут после закрытия случая: заново его не открывают (он не "
        "считается незавершённым или зависшим). {other} из них — шаги, которых в случае до закрытия не было "
        "(например, поддержка после оплаты): ожидания, повторы и пинг-понг их не учитывают; повтор прежних "
        "шагов считается переделкой",
    },
    "warn.stage_missing": {
        "en": "Stage “{activity}” never occurs in the log",
        "ru": "Этап «{activity}» ни разу не встречается в журнале",
    },
    "warn.auto_end": {
        "en": "No end activities declared: the activities that end at least {share} of the cases count as "
        "end activities: {activities}",
        "ru": "Завершающие действия не заданы: завершающими считаются действия, которыми заканчивается "
        "не менее {share} случаев: {activities}",
    },
    "warn.no_end": {
        "en": "No end activities declared and none ends at least {share} of the cases: stuck cases are not "
        "checked (declare end_activities in the rules)",
        "ru": "Завершающие действия не заданы, и ни одно не завершает хотя бы {share} случаев: зависшие "
        "случаи не проверяются (укажите end_activities в правилах)",
    },
}
