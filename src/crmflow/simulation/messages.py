"""Russian and English text of the simulation (notes, the HTML page, the P&L section of the pack).

>>> t("kpi.median_cycle_h", "ru"), t("kpi.median_cycle_h", "en")
('Медиана длительности, ч', 'Median cycle time, h')
"""

from __future__ import annotations

from crmflow.i18n import text

# key: (English, Russian)
_PAIRS: dict[str, tuple[str, str]] = {
    "note.estimated_starts": (
        "The log records completions only ({share} % of steps have no start): the time since the previous completion "
        "is counted as waiting and the steps as instant, so staff changes only matter with a processing time given in "
        "the scenario (`processing`).",
        "В журнале только моменты завершения ({share} % шагов без начала): время от предыдущего завершения считается "
        "ожиданием, а шаги — мгновенными, поэтому изменения штата влияют только при заданном в сценарии времени "
        "работы (`processing`).",
    ),
    "note.lifecycle_left_out": (
        "{events} events with other lifecycle values (schedule, suspend, …) were left out of the model.",
        "{events} событий с другими значениями жизненного цикла (schedule, suspend, …) не вошли в модель.",
    ),
    "note.order2": (
        "The log has more than {prefixes} distinct paths: the next step depends on the last two steps only "
        "(a second-order model), so long-range dependencies are approximated.",
        "В журнале больше {prefixes} различных путей: следующий шаг зависит только от двух последних (модель "
        "второго порядка), дальние зависимости приближённые.",
    ),
    "name.discovered": ("As-Is (as discovered)", "Как есть (по журналу)"),
    "name.baseline": ("As-Is", "Как есть"),
    "kpi.cases_per_day": ("Cases per day", "Случаев в день"),
    "kpi.median_cycle_h": ("Median cycle time, h", "Медиана длительности, ч"),
    "kpi.mean_cycle_h": ("Mean cycle time, h", "Средняя длительность, ч"),
    "kpi.p90_cycle_h": ("90th percentile cycle time, h", "90-й процентиль длительности, ч"),
    "kpi.sla_compliance": ("SLA compliance, %", "Соблюдение SLA, %"),
    "kpi.conversion": ("Conversion, %", "Конверсия, %"),
    "html.title": ("Simulation: {name}", "Симуляция: {name}"),
    "html.summary": (
        "{reps:#replication|replications} of {days:#day|days} each; means with 95 % confidence intervals. "
        "Discovered from {source}.",
        "{reps:#прогон|прогона|прогонов} по {days:#дню|дня|дней}; средние с 95 % доверительными интервалами. "
        "Модель получена из {source}.",
    ),
    "html.validation": ("As-Is: the log against the simulated As-Is", "Как есть: журнал и симуляция текущего процесса"),
    "html.scenarios": ("Scenarios", "Сценарии"),
    "html.kpi": ("KPI", "Показатель"),
    "html.log": ("Log", "Журнал"),
    "html.sim": ("Simulated", "Симуляция"),
    "html.error": ("Difference", "Отклонение"),
    "html.error_pct": ("{err} %", "{err} %"),
    "html.cycle": ("Cycle-time distribution (quantiles), h", "Распределение длительности (квантили), ч"),
    "html.pnl": ("Economic effect per year", "Экономический эффект за год"),
    "html.notes": ("What the model estimates rather than measures", "Что модель оценивает, а не измеряет"),
    "html.model": ("Model", "Модель"),
    "pnl.scenario": ("Scenario", "Сценарий"),
    "pnl.margin": ("Margin", "Маржа"),
    "pnl.labour": ("Labour", "Труд"),
    "pnl.delay": ("Cost of delay", "Стоимость задержки"),
    "pnl.result": ("Result", "Результат"),
    "pnl.effect": ("Effect vs As-Is (95 % CI)", "Эффект к «как есть» (95 % ДИ)"),
    "pnl.payback": ("Payback, months", "Окупаемость, мес."),
    "pnl.never": ("does not pay back", "не окупается"),
    "doc.title": ("Simulation and economic effect", "Симуляция и экономический эффект"),
    "doc.intro": (
        "The As-Is was discovered from the event log ({source}) and simulated {reps:#time|times}; each scenario was "
        "simulated with the same random numbers. Amounts are in {currency} per year: margin of won deals, paid hours "
        "of the people in each pool, and the cost of the days cases stay open.",
        "Текущий процесс получен из журнала событий ({source}) и просимулирован {reps:#раз|раза|раз}; "
        "каждый сценарий — с теми же случайными числами. Суммы в {currency} за год: маржа выигранных сделок, "
        "оплачиваемые часы сотрудников каждой группы и стоимость дней, пока случаи открыты.",
    ),
    "doc.interval": ("{mean} [{low}; {high}]", "{mean} [{low}; {high}]"),
    "doc.kpis": ("Predicted KPIs", "Прогноз показателей"),
    "doc.pnl": ("P&L effect and payback", "Эффект на P&L и окупаемость"),
    "doc.method": (
        "Method: arrivals by weekday and hour, branching, waits and durations fitted from the log; working calendars "
        "from when people actually worked. Confidence intervals are of the mean over replications.",
        "Метод: поступления по дням недели и часам, ветвления, ожидания и длительности подобраны по журналу; рабочие "
        "календари — по тому, когда сотрудники действительно работали. Доверительные интервалы — для среднего по прогонам.",
    ),
    "sheet.name": ("Simulation", "Симуляция"),
    "progress.read": ("Reading the log", "Чтение журнала"),
    "progress.discover": ("Discovering the simulation model", "Построение модели симуляции"),
    "progress.simulate": ("Simulating {name}", "Симуляция: {name}"),
    "progress.write": ("Writing simulation.json and simulation.html", "Запись simulation.json и simulation.html"),
}

MESSAGES: dict[str, dict[str, str]] = {k: {"en": en, "ru": ru} for k, (en, ru) in _PAIRS.items()}


def t(key: str, lang: str, /, **kwargs: object) -> str:
    """The text for ``key`` in ``lang``."""
    return text(MESSAGES, key, lang, **kwargs)


__all__ = ["MESSAGES", "t"]
