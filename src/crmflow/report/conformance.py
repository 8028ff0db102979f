"""The conformance report: ``conformance.json`` rendered as one offline HTML page.

Rendered from the JSON document alone (like the audit report), with Jinja2 autoescaping: every
activity name and case id from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from crmflow.base.numbers import format_number, format_percent
from crmflow.i18n import check_lang, text

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Conformance: log against model", "ru": "Соответствие журнала модели"},
    "model": {"en": "Model", "ru": "Модель"},
    "log": {"en": "Log", "ru": "Журнал"},
    "token_replay": {"en": "Token-based replay", "ru": "Воспроизведение фишек (token replay)"},
    "alignments": {"en": "Optimal alignments", "ru": "Оптимальные выравнивания"},
    "log_fitness": {"en": "Log fitness", "ru": "Соответствие журнала (fitness)"},
    "avg_fitness": {"en": "Average case fitness", "ru": "Среднее соответствие случая"},
    "fit_cases": {"en": "Fitting cases", "ru": "Полностью соответствующие случаи"},
    "activity": {"en": "Activity", "ru": "Действие"},
    "inserted": {"en": "Done though not allowed", "ru": "Выполнено вне модели"},
    "skipped": {"en": "Skipped", "ru": "Пропущено"},
    "missing": {"en": "Missing tokens (out of order)", "ru": "Недостающие фишки (нарушен порядок)"},
    "cases": {"en": "Cases", "ru": "Случаи"},
    "deviations": {"en": "Deviations by activity", "ru": "Отклонения по действиям"},
    "worst": {"en": "Least fitting cases", "ru": "Наименее соответствующие случаи"},
    "case": {"en": "Case", "ru": "Случай"},
    "fitness": {"en": "Fitness", "ru": "Соответствие"},
    "none": {"en": "No deviations.", "ru": "Отклонений нет."},
    "not_run": {"en": "Not computed.", "ru": "Не вычислялось."},
}

_TEMPLATE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ t('title') }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f7fa;color:#1f2933}
header{background:#1f3a5f;color:#fff;padding:20px 32px}h1{margin:0;font-size:22px}
main{padding:16px 32px;max-width:1200px}section{background:#fff;border-radius:8px;padding:16px 20px;margin:14px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}.kpis{display:flex;gap:12px;flex-wrap:wrap}.kpi{border-left:4px solid #1f3a5f;
padding:8px 14px;background:#f8fafc;min-width:160px}.kpi b{display:block;font-size:22px}table{border-collapse:collapse;
width:100%;font-size:14px}th,td{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:left}td.n,th.n{text-align:right}
</style></head><body>
<header><h1>{{ t('title') }}</h1><div>{{ t('model') }}: {{ model }} · {{ t('log') }}: {{ log }}</div></header><main>
{% for key in ['token_replay', 'alignments'] %}{% set r = doc.get(key) %}
<section><h2>{{ t(key) }}</h2>
{% if not r %}<p>{{ t('not_run') }}</p>{% else %}
<div class="kpis">
 <div class="kpi"><b>{{ pct(r.log_fitness) }}</b>{{ t('log_fitness') }}</div>
 <div class="kpi"><b>{{ pct(r.average_trace_fitness) }}</b>{{ t('avg_fitness') }}</div>
 <div class="kpi"><b>{{ pct((r.perc_fit_traces or 0) / 100) }}</b>{{ t('fit_cases') }}</div>
</div>
<h3>{{ t('deviations') }}</h3>
{% set acts = (r.activities or []) | selectattr('cases') | list %}
{% if not acts %}<p>{{ t('none') }}</p>{% else %}
<table><thead><tr><th>{{ t('activity') }}</th><th class="n">{{ t('inserted') }}</th><th class="n">{{ t('skipped') }}</th>
<th class="n">{{ t('missing') }}</th><th class="n">{{ t('cases') }}</th></tr></thead><tbody>
{% for a in acts %}<tr><td>{{ a.activity }}</td><td class="n">{{ num(a.inserted) }}</td><td class="n">{{ num(a.skipped) }}</td>
<td class="n">{{ num(a.missing_tokens) }}</td><td class="n">{{ num(a.cases) }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
<h3>{{ t('worst') }}</h3>
<table><thead><tr><th>{{ t('case') }}</th><th class="n">{{ t('fitness') }}</th></tr></thead><tbody>
{% for c in (r.cases or []) | sort(attribute='fitness') %}{% if loop.index <= 30 %}
<tr><td>{{ c.case_id }}</td><td class="n">{{ pct(c.fitness) }}</td></tr>{% endif %}{% endfor %}
</tbody></table>{% endif %}
</section>{% endfor %}
</main></body></html>
"""


def render_conformance(doc: Mapping[str, Any], *, model: str, log: str, lang: str = "en") -> str:
    """HTML for a ``conformance.json`` document (``ConformanceReport.to_dict()``)."""
    lang = check_lang(lang)
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(_TEMPLATE)
    return template.render(
        doc=doc,
        model=model,
        log=log,
        lang=lang,
        t=lambda key: text(TEXT, key, lang),
        pct=lambda v: format_percent(v, lang) if v is not None else "—",
        num=lambda v: format_number(v, lang),
    )


def write_conformance(doc: Mapping[str, Any], path: str | Path, *, model: str, log: str, lang: str = "en") -> Path:
    out = Path(path)
    out.write_text(render_conformance(doc, model=model, log=log, lang=lang), encoding="utf-8")
    return out
