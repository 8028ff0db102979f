"""Russian and English text of the audit report.

The catalogue :data:`MESSAGES` is used with :func:`crmflow.i18n.text`. Numbers, shares and durations
are written by :mod:`crmflow.base.numbers` (their names stay importable from here).
"""

from __future__ import annotations

from crmflow.base.numbers import MISSING as MISSING
from crmflow.base.numbers import NBSP as NBSP
from crmflow.base.numbers import format_duration as format_duration
from crmflow.base.numbers import format_number as format_number
from crmflow.base.numbers import format_percent as format_percent
from crmflow.i18n import text


def t(key: str, lang: str, /, **kwargs: object) -> str:
    """Shorthand for :func:`crmflow.i18n.text` over :data:`MESSAGES`.

    >>> t("section.variants", "en")
    'Variants'
    """
    return text(MESSAGES, key, lang, **kwargs)


MESSAGES: dict[str, dict[str, str]] = {
    # ----------------------------------------------------------------- page
    "report.title": {"en": "Process audit", "ru": "Аудит процесса"},
    "report.generated": {"en": "Generated {time} by crmflow {version}", "ru": "Сформирован {time}, crmflow {version}"},
    "report.sources": {"en": "Sources", "ru": "Источники"},
    "report.period": {"en": "Period", "ru": "Период"},
    "report.nav": {"en": "Contents", "ru": "Содержание"},
    "report.empty": {"en": "No data.", "ru": "Нет данных."},
    "report.footer": {
        "en": "Self-contained report: opens offline, contains no scripts from outside and no tracking.",
        "ru": "Автономный отчёт: открывается без сети, не содержит внешних скриптов и отслеживания.",
    },
    "report.shown_of": {"en": "showing {shown} of {total}", "ru": "показано {shown} из {total}"},
    "section.summary": {"en": "Summary", "ru": "Сводка"},
    "section.map": {"en": "Process map", "ru": "Карта процесса"},
    "section.bpmn": {"en": "As-Is BPMN with lanes", "ru": "Модель As-Is в BPMN с дорожками"},
    "bpmn.none": {"en": "No BPMN model was discovered for this audit.", "ru": "Модель BPMN для этого аудита не построена."},
    "bpmn.intro": {
        "en": "Discovered with the inductive miner (noise filter {noise}); lanes by each task's dominant role or "
        "resource: {lanes}. The model is also written as asis.bpmn next to this report (opens in bpmn.io).",
        "ru": "Построена индуктивным майнером (фильтр шума {noise}); дорожки по основной роли или исполнителю "
        "каждой задачи: {lanes}. Модель также записана в asis.bpmn рядом с отчётом (открывается в bpmn.io).",
    },
    "bpmn.legend": {
        "en": "How to read it: n = the number of events of a task (under its name) and, beside a flow, how often one "
        "step directly followed the other. A task with a red border and a “!” badge is hit by a high-severity "
        "finding, an orange one by a medium-severity finding: a bottleneck (long waiting before the task) or "
        "rework (the task repeated within a case); the note linked to it says which and how much.",
        "ru": "Как читать: n — число событий задачи (под её названием), а число у стрелки — сколько раз один шаг "
        "непосредственно следовал за другим. Задача с красной рамкой и значком «!» отмечена выводом высокой "
        "важности, с оранжевой — средней: узкое место (долгое ожидание перед задачей) или переделка (задача "
        "повторяется в одном случае); связанная с ней заметка говорит, что именно и сколько.",
    },
    "section.objects": {"en": "CRM objects", "ru": "Объекты CRM"},
    "objects.intro": {
        "en": "Cases are the {type} objects of the CRM tables: {objects} objects, of which {cases} have at least one "
        "dated event. {without} objects ({share}) have no event at all, so the mining above cannot see them.",
        "ru": "Случаи — объекты «{type}» из таблиц CRM: всего {objects}, из них {cases} имеют хотя бы одно событие с "
        "датой. У {without} объектов ({share}) событий нет совсем, поэтому анализ выше их не видит.",
    },
    "objects.role": {"en": "Roles taken from: {role}.", "ru": "Роли взяты из: {role}."},
    "objects.reach": {"en": "Stage reach", "ru": "Достижение этапов"},
    "objects.reach_intro": {
        "en": "How many objects reached each stage of the rules (or a later one).",
        "ru": "Сколько объектов дошли до каждого этапа правил (или дальше).",
    },
    "objects.segments": {"en": "Stage reach by {segment}", "ru": "Достижение этапов по атрибуту {segment}"},
    "objects.other": {"en": "other values", "ru": "прочие значения"},
    "objects.blank": {"en": "(empty)", "ru": "(пусто)"},
    "objects.references": {"en": "References between tables", "ru": "Ссылки между таблицами"},
    "objects.references_intro": {
        "en": "Orphans are reference values that name no object: the link is lost in the data.",
        "ru": "«Сироты» — значения ссылок, которые не указывают ни на один объект: связь в данных потеряна.",
    },
    "col.stage": {"en": "Stage", "ru": "Этап"},
    "col.objects": {"en": "Objects", "ru": "Объекты"},
    "col.without_events": {"en": "Without events", "ru": "Без событий"},
    "col.conversion": {"en": "Conversion", "ru": "Конверсия"},
    "col.reference": {"en": "Reference", "ru": "Ссылка"},
    "col.relations": {"en": "Links", "ru": "Связи"},
    "col.orphans": {"en": "Orphans", "ru": "Сироты"},
    "col.orphan_sample": {"en": "Examples", "ru": "Примеры"},
    "section.variants": {"en": "Variants", "ru": "Варианты"},
    "section.findings": {"en": "Findings", "ru": "Выводы"},
    "section.sla": {"en": "Service levels (SLA)", "ru": "Сроки (SLA)"},
    "section.funnel": {"en": "Funnel", "ru": "Воронка"},
    "section.handover": {"en": "Hand-over of work", "ru": "Передача работы"},
    "section.activities": {"en": "Activities", "ru": "Действия"},
    "section.resources": {"en": "Resources", "ru": "Исполнители"},
    "section.durations": {"en": "Case durations", "ru": "Длительность случаев"},
    "section.quarantine": {"en": "Quarantined rows", "ru": "Карантин строк"},
    "section.warnings": {"en": "Warnings", "ru": "Предупреждения"},
    # ----------------------------------------------------------------- KPIs
    "kpi.cases": {"en": "Cases", "ru": "Случаи"},
    "kpi.events": {"en": "Events", "ru": "События"},
    "kpi.activities": {"en": "Activities", "ru": "Действия"},
    "kpi.variants": {"en": "Variants", "ru": "Варианты"},
    "kpi.resources": {"en": "Resources", "ru": "Исполнители"},
    "kpi.median_duration": {"en": "Median case duration", "ru": "Медиана длительности"},
    "kpi.mean_duration": {"en": "Mean case duration", "ru": "Средняя длительность"},
    "kpi.p90_duration": {"en": "90th percentile duration", "ru": "90-й перцентиль длительности"},
    "kpi.rows_read": {"en": "Rows read", "ru": "Прочитано строк"},
    "kpi.quarantined": {"en": "Rows quarantined", "ru": "Строк в карантине"},
    "kpi.sla_compliance": {"en": "SLA compliance", "ru": "Соблюдение SLA"},
    "kpi.sla_rule": {
        "en": "SLA “{name}” met ({basis})",
        "ru": "SLA «{name}» соблюдено ({basis})",
    },
    "kpi.findings": {"en": "Findings", "ru": "Выводы"},
    # ----------------------------------------------------------------- sources
    "source.file": {"en": "File", "ru": "Файл"},
    "source.format": {"en": "Format", "ru": "Формат"},
    "source.rows_read": {"en": "Rows read", "ru": "Прочитано"},
    "source.parsed": {"en": "Parsed", "ru": "Разобрано"},
    "source.quarantined": {"en": "Quarantined", "ru": "В карантине"},
    "source.mapping": {"en": "Column mapping", "ru": "Сопоставление колонок"},
    "source.info": {"en": "Details", "ru": "Параметры"},
    # ----------------------------------------------------------------- process map
    "map.frequency": {"en": "Frequency", "ru": "Частота"},
    "map.performance": {"en": "Performance", "ru": "Время"},
    "map.start": {"en": "Start", "ru": "Начало"},
    "map.end": {"en": "End", "ru": "Конец"},
    "map.caption": {
        "en": "Showing {shown_activities} of {total_activities} activities, {shown_edges} of "
        "{total_edges} transitions, {coverage} of events.",
        "ru": "Показано {shown_activities} из {total_activities} действий, {shown_edges} из "
        "{total_edges} переходов, {coverage} событий.",
    },
    "map.caption_frequency": {
        "en": "Edge labels: number of transitions; thicker edges and darker boxes are more frequent.",
        "ru": "На стрелках — число переходов; чем толще стрелка и темнее блок, тем чаще.",
    },
    "map.caption_performance": {
        "en": "Edge labels: {stat} waiting time between the two activities; red marks the slowest.",
        "ru": "На стрелках — {stat} время ожидания между действиями; красным отмечены самые медленные.",
    },
    "map.stat_median": {"en": "median", "ru": "медианное"},
    "map.stat_mean": {"en": "mean", "ru": "среднее"},
    "map.no_graphviz": {
        "en": "The process map could not be drawn: {error} The transitions are listed in the table below.",
        "ru": "Карту процесса построить не удалось: {error} Переходы приведены в таблице ниже.",
    },
    "map.graphviz_missing": {
        "en": "Graphviz (the `dot` program) is not installed or not on PATH. Install it with "
        "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or from "
        "graphviz.org (Windows), then run the audit again.",
        "ru": "Graphviz (программа `dot`) не установлен или не найден в PATH. Установите его: "
        "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) или с "
        "graphviz.org (Windows), затем повторите аудит.",
    },
    "map.dfg_table": {"en": "Transitions (top {n})", "ru": "Переходы (первые {n})"},
    "map.empty": {"en": "The log has no transitions to draw.", "ru": "В журнале нет переходов для карты."},
    # the map's sliders (issue 17): what is hidden is always said, and the sliders show it
    "map.hidden": {
        "en": "Hidden: {hidden} of {total} transitions ({moves} moves); the sliders above show them.",
        "ru": "Скрыто переходов: {hidden} из {total} (перемещений: {moves}); ползунки выше показывают их.",
    },
    "map.slider_activities": {"en": "Activities", "ru": "Действия"},
    "map.slider_paths": {"en": "Paths", "ru": "Пути"},
    "map.show_default": {"en": "Default", "ru": "По умолчанию"},
    "map.show_all": {"en": "Show all", "ru": "Показать все"},
    "map.default_note": {
        "en": "By default the map draws every edge into the end, every loop and return to an earlier step, "
        "and every move into an end activity, however rare.",
        "ru": "По умолчанию карта показывает все переходы в конец, все циклы и возвраты на более ранний шаг "
        "и все переходы в конечные действия, даже редкие.",
    },
    "bpmn.zoom_in": {"en": "Zoom in", "ru": "Крупнее"},
    "bpmn.zoom_out": {"en": "Zoom out", "ru": "Мельче"},
    "bpmn.zoom_fit": {"en": "Fit", "ru": "Целиком"},
    "bpmn.zoom_hint": {
        "en": "Drag to move the diagram; Ctrl + wheel zooms.",
        "ru": "Перетаскивайте схему мышью; Ctrl + колесо меняет масштаб.",
    },
    # ----------------------------------------------------------------- columns
    "col.source": {"en": "From", "ru": "Откуда"},
    "col.target": {"en": "To", "ru": "Куда"},
    "col.count": {"en": "Count", "ru": "Количество"},
    "col.cases": {"en": "Cases", "ru": "Случаи"},
    "col.events": {"en": "Events", "ru": "События"},
    "col.share": {"en": "Share", "ru": "Доля"},
    "col.cum_share": {"en": "Cumulative", "ru": "Накопленная"},
    "col.mean": {"en": "Mean", "ru": "Среднее"},
    "col.median": {"en": "Median", "ru": "Медиана"},
    "col.p90": {"en": "P90", "ru": "P90"},
    "col.min": {"en": "Min", "ru": "Мин."},
    "col.max": {"en": "Max", "ru": "Макс."},
    "col.total": {"en": "Total", "ru": "Всего"},
    "col.rank": {"en": "#", "ru": "№"},
    "col.sequence": {"en": "Sequence of activities", "ru": "Последовательность действий"},
    "col.example": {"en": "Example case", "ru": "Пример случая"},
    "col.activity": {"en": "Activity", "ru": "Действие"},
    "col.repeats": {"en": "Repeats", "ru": "Повторы"},
    "col.resources": {"en": "Resources", "ru": "Исполнители"},
    "col.activities": {"en": "Activities", "ru": "Действия"},
    "col.resource": {"en": "Resource", "ru": "Исполнитель"},
    "col.role": {"en": "Role", "ru": "Роль"},
    "col.mean_wait": {"en": "Mean wait", "ru": "Среднее ожидание"},
    "col.median_wait": {"en": "Median wait", "ru": "Медиана ожидания"},
    "col.p90_wait": {"en": "P90 wait", "ru": "P90 ожидания"},
    "col.max_wait": {"en": "Max wait", "ru": "Макс. ожидание"},
    "col.total_wait": {"en": "Total wait", "ru": "Суммарное ожидание"},
    "col.reason": {"en": "Reason", "ru": "Причина"},
    "col.column": {"en": "Column", "ru": "Колонка"},
    "col.rows": {"en": "Rows", "ru": "Строк"},
    "col.row_no": {"en": "Row", "ru": "Строка"},
    "col.line": {"en": "Line", "ru": "Строка файла"},
    "col.value": {"en": "Value", "ru": "Значение"},
    "col.file": {"en": "File", "ru": "Файл"},
    "col.metric": {"en": "Metric", "ru": "Показатель"},
    # ----------------------------------------------------------------- variants
    "variants.intro": {
        "en": "{shown} most frequent of {total} variants; together they cover {coverage} of cases.",
        "ru": "{shown} самых частых из {total} вариантов; вместе они охватывают {coverage} случаев.",
    },
    "variants.steps": {"en": "{n} steps", "ru": "шагов: {n}"},
    # ----------------------------------------------------------------- findings
    "findings.none": {
        "en": "No findings: nothing crossed the audit thresholds.",
        "ru": "Выводов нет: ни один показатель не превысил пороги аудита.",
    },
    "findings.count": {"en": "{n} findings", "ru": "Выводов: {n}"},
    "findings.evidence": {"en": "Evidence", "ru": "Подтверждение"},
    "findings.evidence_cases": {"en": "Cases ({shown} of {total})", "ru": "Случаи ({shown} из {total})"},
    "findings.full_list": {
        "en": "Every case ({rows}) with the values that made it evidence (rows with key “{subject}”):",
        "ru": "Все случаи ({rows}) со значениями, по которым они попали в подтверждение (строки с ключом «{subject}»):",
    },
    "findings.evidence_resources": {"en": "Resources", "ru": "Исполнители"},
    "findings.evidence_activities": {"en": "Activities", "ru": "Действия"},
    "severity.high": {"en": "high", "ru": "высокая"},
    "severity.medium": {"en": "medium", "ru": "средняя"},
    "severity.low": {"en": "low", "ru": "низкая"},
    "severity.label": {"en": "Severity", "ru": "Важность"},
    # ----------------------------------------------------------------- SLA
    "sla.none": {"en": "No SLA rules were configured.", "ru": "Правила SLA не заданы."},
    "sla.rule": {"en": "Rule", "ru": "Правило"},
    "sla.path": {"en": "From → to", "ru": "От → до"},
    "sla.within": {"en": "Limit", "ru": "Норматив"},
    "sla.time": {"en": "Clock", "ru": "Время"},
    "sla.time_working": {"en": "working hours", "ru": "рабочее"},
    "sla.time_calendar": {"en": "calendar", "ru": "календарное"},
    "sla.checked": {"en": "Checked", "ru": "Проверено"},
    "sla.violations": {"en": "Violations", "ru": "Нарушения"},
    "sla.open": {"en": "Open breaches", "ru": "Открытые нарушения"},
    "sla.compliance": {"en": "Compliance", "ru": "Соблюдение"},
    "sla.violating_cases": {"en": "Violating cases ({shown} of {total})", "ru": "Случаи с нарушением ({shown} из {total})"},
    "sla.histogram": {"en": "{name}: time taken", "ru": "{name}: фактическое время"},
    "sla.limit": {"en": "limit {limit}", "ru": "норматив {limit}"},
    # ----------------------------------------------------------------- funnel
    "funnel.none": {"en": "No funnel stages were configured.", "ru": "Этапы воронки не заданы."},
    "funnel.stage": {"en": "Stage", "ru": "Этап"},
    "funnel.share_of_start": {"en": "Of start", "ru": "От начала"},
    "funnel.conversion": {"en": "Conversion", "ru": "Конверсия"},
    "funnel.lost": {"en": "Lost here", "ru": "Потеряно"},
    "funnel.chart": {"en": "Cases reaching each stage", "ru": "Случаи, дошедшие до этапа"},
    # ----------------------------------------------------------------- hand-over
    "handover.resource": {"en": "Between resources", "ru": "Между исполнителями"},
    "handover.role": {"en": "Between roles", "ru": "Между ролями"},
    "handover.heatmap": {"en": "Hand-overs: from (rows) → to (columns)", "ru": "Передачи: от кого (строки) → кому (столбцы)"},
    "handover.from": {"en": "from", "ru": "от кого"},
    "handover.to": {"en": "to", "ru": "кому"},
    "handover.none": {"en": "No hand-overs were recorded.", "ru": "Передач работы не зафиксировано."},
    # ----------------------------------------------------------------- charts
    "chart.cases": {"en": "cases", "ru": "случаев"},
    "chart.events": {"en": "events", "ru": "событий"},
    "chart.duration": {"en": "duration", "ru": "длительность"},
    "chart.duration_hist": {"en": "Distribution of case durations", "ru": "Распределение длительности случаев"},
    "chart.activity_freq": {"en": "Events per activity", "ru": "События по действиям"},
    "chart.activity_wait": {"en": "Median wait before the activity", "ru": "Медиана ожидания перед действием"},
    "chart.resource_load": {"en": "Events per resource", "ru": "События по исполнителям"},
    # ----------------------------------------------------------------- quarantine
    "quarantine.none": {"en": "No rows were quarantined.", "ru": "В карантин не попала ни одна строка."},
    "quarantine.intro": {
        "en": "{n} rows could not be read and were set aside; they are not part of the analysis.",
        "ru": "{n} строк не удалось прочитать; они отложены и не участвуют в анализе.",
    },
    "quarantine.by_reason": {"en": "By reason", "ru": "По причинам"},
    "quarantine.sample": {"en": "Sample rows", "ru": "Примеры строк"},
    "quarantine.example": {"en": "Example (first row)", "ru": "Пример (первая строка)"},
    "warnings.none": {"en": "No warnings.", "ru": "Предупреждений нет."},
    # ----------------------------------------------------------------- metric names
    "value.bool.true": {"en": "yes", "ru": "да"},
    "value.bool.false": {"en": "no", "ru": "нет"},
    "value.level.transition": {"en": "transition", "ru": "переход"},
    "value.level.activity": {"en": "activity", "ru": "действие"},
    "value.level.resource": {"en": "resource", "ru": "исполнитель"},
    "value.level.role": {"en": "role", "ru": "роль"},
    "value.type.repeat": {"en": "repeated activity", "ru": "повтор действия"},
    "value.type.stage_return": {"en": "return to an earlier stage", "ru": "возврат на раннюю стадию"},
    "value.time.working": {"en": "working time", "ru": "рабочее время"},
    "value.time.calendar": {"en": "calendar time", "ru": "календарное время"},
    "metric.count": {"en": "Count", "ru": "Количество"},
    "metric.cases_continuing_after_closing": {
        "en": "Cases with events after closing",
        "ru": "Случаев с событиями после закрытия",
    },
    "metric.closed_breaches": {"en": "Closed past the limit", "ru": "Закрыто сверх срока"},
    "metric.closed_cases": {"en": "Closed cases", "ru": "Закрытых случаев"},
    "metric.elapsed_s": {"en": "Time taken or waited", "ru": "Затрачено или прошло времени"},
    "metric.executions": {"en": "Executions", "ru": "Выполнений"},
    "metric.fair_share": {"en": "Fair share", "ru": "Справедливая доля"},
    "metric.gini": {"en": "Gini index of the load", "ru": "Индекс Джини нагрузки"},
    "metric.hhi": {"en": "Concentration index (HHI)", "ru": "Индекс концентрации (HHI)"},
    "metric.open": {"en": "Still open", "ru": "Ещё открыт"},
    "metric.regular": {"en": "Does it regularly", "ru": "Выполняет регулярно"},
    "metric.regular_resources": {"en": "People doing it regularly", "ru": "Исполнителей, делающих это регулярно"},
    "metric.share_to_fair": {"en": "Times the fair share", "ru": "Во сколько раз больше справедливой доли"},
    "metric.still_open": {"en": "Still in progress there", "ru": "Ещё в работе на этапе"},
    "metric.wait_s": {"en": "Wait", "ru": "Ожидание"},
    "info.encoding": {"en": "encoding", "ru": "кодировка"},
    "info.delimiter": {"en": "delimiter", "ru": "разделитель"},
    "info.timestamp_format": {"en": "date format", "ru": "формат даты"},
    "info.timezone": {"en": "time zone", "ru": "часовой пояс"},
    "info.numeric_columns": {"en": "numeric columns", "ru": "числовые столбцы"},
    "info.sheet": {"en": "sheet", "ru": "лист"},
    "info.format": {"en": "format", "ru": "формат"},
    "metric.a": {"en": "Party A", "ru": "Сторона A"},
    "metric.b": {"en": "Party B", "ru": "Сторона B"},
    "metric.bounces": {"en": "Bounces", "ru": "Возвраты"},
    "metric.pairs": {"en": "Pairs", "ru": "Пары"},
    "metric.pairs_shown": {"en": "Pairs in the table", "ru": "Пар в таблице"},
    "metric.top_pair_cases": {"en": "Cases of the most frequent pair", "ru": "Случаев у самой частой пары"},
    "metric.activities": {"en": "Activities at the hand-overs", "ru": "Действия при передаче"},
    "metric.bus_factor": {"en": "Bus factor", "ru": "Фактор автобуса"},
    "metric.cases_checked": {"en": "Cases checked", "ru": "Проверено случаев"},
    "metric.cases_with_activity": {"en": "Cases with the activity", "ru": "Случаев с действием"},
    "metric.converted": {"en": "Went on", "ru": "Прошли дальше"},
    "metric.drop_rate": {"en": "Drop rate", "ru": "Доля потерь"},
    "metric.extra_executions": {"en": "Extra executions", "ru": "Лишние выполнения"},
    "metric.from": {"en": "From", "ru": "От"},
    "metric.from_stage": {"en": "From stage", "ru": "Со стадии"},
    "metric.late": {"en": "Late", "ru": "С опозданием"},
    "metric.level": {"en": "Level", "ru": "Уровень"},
    "metric.max_executions": {"en": "Most executions in a case", "ru": "Макс. выполнений в случае"},
    "metric.max_idle_s": {"en": "Longest idle", "ru": "Дольше всего без движения"},
    "metric.max_wait_s": {"en": "Longest wait", "ru": "Макс. ожидание"},
    "metric.mean_idle_s": {"en": "Mean idle", "ru": "Среднее время без движения"},
    "metric.mean_wait_s": {"en": "Mean wait", "ru": "Среднее ожидание"},
    "metric.median_age_s": {"en": "Median age", "ru": "Медианный возраст"},
    "metric.median_idle_s": {"en": "Median idle", "ru": "Медиана без движения"},
    "metric.median_wait_s": {"en": "Median wait", "ru": "Медиана ожидания"},
    "metric.next_stage": {"en": "Next stage", "ru": "Следующая стадия"},
    "metric.open_breaches": {"en": "Open past the limit", "ru": "Открыты сверх норматива"},
    "metric.open_cases": {"en": "Open cases", "ru": "Открытых случаев"},
    "metric.p90_idle_s": {"en": "90th percentile idle", "ru": "90-й перцентиль без движения"},
    "metric.p90_wait_s": {"en": "90th percentile wait", "ru": "90-й перцентиль ожидания"},
    "metric.reached": {"en": "Reached", "ru": "Дошли"},
    "metric.resources": {"en": "Resources", "ru": "Исполнителей"},
    "metric.returns": {"en": "Returns", "ru": "Возвратов"},
    "metric.rule": {"en": "Rule", "ru": "Правило"},
    "metric.share_of_cases": {"en": "Share of cases", "ru": "Доля случаев"},
    "metric.share_of_cases_with_activity": {"en": "Share of cases with the activity", "ru": "Доля случаев с действием"},
    "metric.share_of_open": {"en": "Share of open cases", "ru": "Доля открытых случаев"},
    "metric.share_of_start_lost": {"en": "Share of all cases lost here", "ru": "Доля всех случаев, потерянных здесь"},
    "metric.share_of_waiting": {"en": "Share of all waiting", "ru": "Доля всего ожидания"},
    "metric.source": {"en": "From", "ru": "Откуда"},
    "metric.stage": {"en": "Stage", "ru": "Стадия"},
    "metric.stuck_after_s": {"en": "Stuck after", "ru": "Зависание после"},
    "metric.stuck_cases": {"en": "Stuck cases", "ru": "Зависших случаев"},
    "metric.target": {"en": "To", "ru": "Куда"},
    "metric.time": {"en": "Time basis", "ru": "Учёт времени"},
    "metric.to": {"en": "To", "ru": "До"},
    "metric.to_stage": {"en": "To stage", "ru": "На стадию"},
    "metric.top_resource": {"en": "Top resource", "ru": "Основной исполнитель"},
    "metric.top_share": {"en": "Top resource's share", "ru": "Доля основного исполнителя"},
    "metric.total_wait_s": {"en": "Total wait", "ru": "Суммарное ожидание"},
    "metric.type": {"en": "Type", "ru": "Тип"},
    "metric.violation_rate": {"en": "Violation rate", "ru": "Доля нарушений"},
    "metric.cases": {"en": "Cases", "ru": "Случаи"},
    "metric.share": {"en": "Share", "ru": "Доля"},
    "metric.case_share": {"en": "Share of cases", "ru": "Доля случаев"},
    "metric.mean_s": {"en": "Mean time", "ru": "Среднее время"},
    "metric.median_s": {"en": "Median time", "ru": "Медианное время"},
    "metric.p90_s": {"en": "90th percentile time", "ru": "90-й перцентиль времени"},
    "metric.max_s": {"en": "Maximum time", "ru": "Максимальное время"},
    "metric.total_s": {"en": "Total time", "ru": "Суммарное время"},
    "metric.within_s": {"en": "Limit", "ru": "Норматив"},
    "metric.age_s": {"en": "Age", "ru": "Возраст"},
    "metric.repeats": {"en": "Repeats", "ru": "Повторы"},
    "metric.events": {"en": "Events", "ru": "События"},
    "metric.compliance": {"en": "Compliance", "ru": "Соблюдение"},
    "metric.violations": {"en": "Violations", "ru": "Нарушения"},
    "metric.conversion": {"en": "Conversion", "ru": "Конверсия"},
    "metric.lost": {"en": "Lost", "ru": "Потеряно"},
    "metric.resource": {"en": "Resource", "ru": "Исполнитель"},
    "metric.activity": {"en": "Activity", "ru": "Действие"},
    "metric.threshold": {"en": "Threshold", "ru": "Порог"},
    "metric.threshold_s": {"en": "Threshold", "ru": "Порог"},
    "metric.idle_s": {"en": "Idle for", "ru": "Без движения"},
    "metric.case_id": {"en": "Case", "ru": "Случай"},
    "metric.last_activity": {"en": "Last activity", "ru": "Последнее действие"},
    "metric.role": {"en": "Role", "ru": "Роль"},
}
