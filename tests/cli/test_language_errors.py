"""One language per output, for errors (issue 17): every error a user can meet on the command line —
Typer's usage errors, bad input files, mappings, rules and To-Be YAML, file types — reads in Russian
under ``--lang ru`` (or ``CRMFLOW_LANG=ru``), checked with the same rules as the deliverables
(:mod:`tests.deliverables.language`): no English word outside the allow-list, no ASCII decimal point.

What is the user's own text is taken out first: quoted values (``'nope.csv'``, ``'--bogus'``), code in
backticks, paths, option names (``--out``) and the words of the input files (their column names). The
usage line (``Использование: crmflow audit [OPTIONS] INPUTS...``) is command syntax, read as code.
Each case also runs in English and must say something different there, so a message that was simply
never translated cannot pass by being the same in both.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmflow.cli.main import app
from crmflow.errors import ColumnMappingError, CrmflowError
from crmflow.i18n import error
from tests.deliverables.language import Piece, problems

runner = CliRunner()
WIDE = {"COLUMNS": "400", "CRMFLOW_LANG": ""}
#: The user's own text in a message: quoted values, code, paths, options, file names.
_USER_TEXT = re.compile(
    r"'[^']*'|\"[^\"]*\"|`[^`]*`|«[^»]*»|(?:[\w.-]*/[\w./-]+)|--[\w-]+|\b[\w-]+\.(?:csv|yaml|xes|json|jsonocel|png|xlsx|parquet)\b"
)
_BOX = re.compile(r"[╭╮╰╯│─━┃]")


def _inputs(tmp: Path) -> dict[str, Path]:
    """The files the error paths read: each is wrong in one way."""
    files: dict[str, Path] = {}
    ok = tmp / "ok.csv"
    ok.write_text("сделка,стадия,дата\n1,Новая,2025-01-01 10:00\n1,Счёт,2025-01-02 10:00\n", encoding="utf-8")
    files["ok"] = ok
    png = tmp / "picture.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    files["png"] = png
    empty = tmp / "empty.csv"
    empty.write_bytes(b"")
    files["empty"] = empty
    nocase = tmp / "nocase.csv"
    nocase.write_text("цвет,вес\nкрасный,1\n", encoding="utf-8")
    files["nocase"] = nocase
    mapping = tmp / "mapping.yaml"
    mapping.write_text("case_id: сделка\nактивность: стадия\n", encoding="utf-8")
    files["mapping"] = mapping
    missing_col = tmp / "missing_col.yaml"
    missing_col.write_text("case_id: сделка\nactivity: этап\ntimestamp: дата\n", encoding="utf-8")
    files["missing_col"] = missing_col
    rules = tmp / "rules.yaml"
    rules.write_text("sla:\n  - name: ответ\n    from: Новая\n    to: Счёт\n    within: скоро\n", encoding="utf-8")
    files["rules"] = rules
    rules_key = tmp / "rules_key.yaml"
    rules_key.write_text("неизвестно: 1\n", encoding="utf-8")
    files["rules_key"] = rules_key
    xes = tmp / "broken.xes"
    xes.write_text("<log><trace>", encoding="utf-8")
    files["xes"] = xes
    ocel = tmp / "broken.jsonocel"
    ocel.write_text('{"objectTypes": [', encoding="utf-8")
    files["ocel"] = ocel
    tobe = tmp / "tobe.yaml"
    tobe.write_text("id: a\nid: b\n", encoding="utf-8")
    files["tobe"] = tobe
    parquet = tmp / "broken.parquet"
    parquet.write_bytes(b"PAR1 not really")
    files["parquet"] = parquet
    tobe_schema = tmp / "tobe_schema.yaml"
    tobe_schema.write_text("id: lead\nname: {ru: Лид, en: Lead}\nprocesses: []\nsteps: 5\n", encoding="utf-8")
    files["tobe_schema"] = tobe_schema
    tobe_types = tmp / "tobe_types.yaml"
    tobe_types.write_text("tobe: 1\nid: 5\nname: yes\nprocesses: [{id: p, name: '', lanes: 3}]\n", encoding="utf-8")
    files["tobe_types"] = tobe_types
    folder = tmp / "folder"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "readme.txt").write_text("текст", encoding="utf-8")
    files["folder"] = folder
    return files


#: (name, command line after ``--lang``) — ``{ok}`` and the like are the files of :func:`_inputs`.
CASES: list[tuple[str, list[str]]] = [
    ("no such option", ["audit", "--bogus"]),
    ("missing argument", ["audit"]),
    ("missing option", ["pack"]),
    ("path does not exist", ["audit", "nope.csv"]),
    ("not an integer", ["simulate", "{ok}", "--replications", "a"]),
    ("out of range", ["simulate", "{ok}", "--replications", "1"]),
    ("not a number", ["simulate", "{ok}", "--days", "x"]),
    ("no such command", ["nocommand"]),
    ("option needs a value", ["audit", "{ok}", "--out"]),
    ("unknown engine", ["audit", "{ok}", "--engine", "x", "--out", "{out}"]),
    ("a PNG named .csv", ["inspect", "{png}"]),
    ("an empty CSV", ["inspect", "{empty}"]),
    ("no case column", ["inspect", "{nocase}"]),
    ("unknown mapping key", ["inspect", "{ok}", "--mapping", "{mapping}"]),
    ("mapped column missing", ["inspect", "{ok}", "--mapping", "{missing_col}"]),
    ("rules: not a duration", ["audit", "{ok}", "--rules", "{rules}", "--out", "{out}"]),
    ("rules: unknown key", ["audit", "{ok}", "--rules", "{rules_key}", "--out", "{out}"]),
    ("XES not well-formed", ["inspect", "{xes}"]),
    ("OCEL JSON cut short", ["inspect", "{ocel}"]),
    ("Parquet that is not", ["inspect", "{parquet}"]),
    ("To-Be key written twice", ["pack", "--tobe", "{tobe}", "--out", "{out}"]),
    ("a folder without Parquet", ["audit", "{folder}", "--out", "{out}"]),
    ("To-Be schema: missing and unknown keys", ["tobe", "compile", "{tobe_schema}", "--out", "{out}"]),
    ("To-Be schema: wrong types", ["tobe", "compile", "{tobe_types}", "--out", "{out}"]),
]


def _run(args: list[str], lang: str, files: dict[str, Path], out: Path, *, env_lang: bool = False) -> tuple[int, str]:
    filled = [a.format(out=out, **files) for a in args]
    env = dict(WIDE)
    if env_lang:
        env["CRMFLOW_LANG"] = lang
        line = filled
    else:
        line = ["--lang", lang, *filled]
    res = runner.invoke(app, line, env=env)
    assert res.exception is None or isinstance(res.exception, SystemExit), f"{args}: {res.exception!r}\n{res.output}"
    return res.exit_code, res.output


def _pieces(output: str) -> list[Piece]:
    pieces = []
    for n, raw in enumerate(output.splitlines()):
        line = " ".join(_BOX.sub(" ", raw).split())
        if not line:
            continue
        code = line.startswith(("Использование:", "Usage:"))
        pieces.append(Piece(f"line {n}", _USER_TEXT.sub(" ", line), code=code))
    return pieces


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _inputs(tmp_path_factory.mktemp("inputs"))


#: Words of the input files (column names, activity names) and of the command: data, not our text.
#: Format and standard names the deliverables' allow-list does not hold yet (Parquet, ISO 8601).
DATA = {
    "parquet",
    "iso",
    "сделка",
    "стадия",
    "дата",
    "цвет",
    "вес",
    "этап",
    "новая",
    "счёт",
    "ответ",
    "скоро",
    "неизвестно",
    "nocommand",
}


@pytest.mark.parametrize(("name", "args"), CASES, ids=[c[0] for c in CASES])
def test_an_error_under_lang_ru_reads_in_russian(name: str, args: list[str], files: dict, tmp_path: Path) -> None:
    code, ru = _run(args, "ru", files, tmp_path / "ru")
    assert code != 0, f"{name}: the command did not fail:\n{ru}"
    assert re.search("[а-яё]{4}", ru, re.I), f"{name}: nothing Russian in\n{ru}"
    found = problems(_pieces(ru), "ru", DATA)
    assert not found, f"{name}: English left in the Russian error:\n" + "\n".join(found) + f"\n--- output ---\n{ru}"
    code_en, en = _run(args, "en", files, tmp_path / "en")
    assert code_en == code, f"{name}: exit code {code_en} in English, {code} in Russian"
    assert en != ru


def test_crmflow_lang_in_the_environment_is_the_language_of_usage_errors(files: dict, tmp_path: Path) -> None:
    code, out = _run(["audit", "--bogus"], "ru", files, tmp_path, env_lang=True)
    assert code == 2 and "Нет такого параметра: --bogus" in out and "Использование:" in out
    code, out = _run(["inspect", "{png}"], "ru", files, tmp_path, env_lang=True)
    assert code == 2 and out.startswith("Ошибка:") and "PNG" in out


def test_english_usage_errors_are_typers_own(files: dict, tmp_path: Path) -> None:
    """Under English nothing of Typer's output changes (the frame, the words, the exit code)."""
    code, out = _run(["audit", "--bogus"], "en", files, tmp_path)
    assert code == 2 and "No such option: --bogus" in out and "Try 'root audit --help' for help." in out
    code, out = _run(["simulate", "{ok}", "--replications", "1"], "en", files, tmp_path)
    assert code == 2 and "Input should be greater than or equal to 2" in " ".join(out.split())


def test_an_error_is_worded_when_shown_from_its_key_and_typed_params() -> None:
    catalog = {"k": {"en": "{file} line {line:n}: expected {expected}", "ru": "{file}, строка {line:n}: ожидалось {expected}"}}
    exc = error(ColumnMappingError, catalog, "k", file="a.csv", line=12345, expected="`case_id`")
    assert str(exc) == "a.csv line 12,345: expected `case_id`"
    assert exc.in_language("ru") == "a.csv, строка 12\u00a0345: ожидалось `case_id`"
    assert exc.key == "k" and exc.params == {"file": "a.csv", "line": 12345, "expected": "`case_id`"}
    wrapped = error(CrmflowError, {"w": {"en": "cannot read: {why}", "ru": "не читается: {why}"}}, "w", why=exc)
    assert wrapped.in_language("ru") == "не читается: a.csv, строка 12\u00a0345: ожидалось `case_id`"
    assert error(CrmflowError, catalog, "k", "ru", file="b", line=1, expected="x").args[0].startswith("b, строка 1")


def test_every_catalogued_error_has_both_languages_with_the_same_fields() -> None:
    """The error catalogues of every area: an entry in both languages, naming the same parameters."""
    import importlib
    import string

    areas = [
        "ingest.messages",
        "sources.error_messages",
        "design.error_messages",
        "findings.error_messages",
        "deliverables.error_messages",
        "quality.error_messages",
        "store.error_messages",
        "bpmn.error_messages",
        "simulation.error_messages",
        "architecture.error_messages",
        "results.error_messages",
        "report.error_messages",
        "engine.error_messages",
        "mining.error_messages",
        "discovery.error_messages",
        "conformance.error_messages",
        "web.error_messages",
    ]
    checked = 0

    def fields(template: str) -> set[str]:
        out: set[str] = set()
        for _lit, name, spec, _conv in string.Formatter().parse(template):
            if name:
                out.add(name)
            if spec:
                out |= fields(spec)
        return out

    for area in areas:
        catalog: dict[str, dict[str, str]] = importlib.import_module(f"crmflow.{area}").ERRORS
        for key, entry in catalog.items():
            assert set(entry) == {"en", "ru"}, f"{area}: {key}"
            words = re.sub(r"\{[^{}]*\}|`[^`]*`", "", entry["en"])
            assert not re.search("[a-z]{3}", words) or re.search("[а-яё]", entry["ru"], re.I), f"{area}: {key}: no Russian"
            assert fields(entry["ru"]) <= fields(entry["en"]), f"{area}: {key} names other fields in Russian"
            checked += 1
    assert checked > 250


def test_simulate_prints_its_kpis_with_the_languages_numbers(tmp_path: Path) -> None:
    """``crmflow simulate``'s console lines (KPI of the log, simulated, error) in Russian numbers: a decimal
    comma, a true minus, ``%`` after a space — not Python's ``{:.3g}`` / ``{:+.1f} %``."""
    import pyarrow.parquet as pq

    from tests.simulation.test_simulation import as_event_table, known_model

    src = tmp_path / "log.parquet"
    pq.write_table(as_event_table(known_model(), days=20, seed=4, with_starts=True), src)
    args = ["simulate", str(src), "--replications", "2", "--days", "10", "--out", str(tmp_path / "out")]
    res = runner.invoke(app, ["--lang", "ru", *args], env=WIDE)
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if "журнал" in ln and "симуляция" in ln]
    assert lines, res.output
    kpis = [re.sub(r"^[^:]*:", "", ln) for ln in lines]  # the model's name may hold anything
    assert not [k for k in kpis if re.search(r"\d\.\d", k)], kpis
    assert any(re.search(r"\d,\d", k) for k in kpis) and any(re.search(r"\d\u00a0%", k) for k in kpis), kpis
    en = runner.invoke(app, ["--lang", "en", *args], env=WIDE)
    assert any(re.search(r"\d\.\d", ln) for ln in en.output.splitlines() if "log" in ln and "simulated" in ln)
