"""Typer's usage errors ("No such option", "Missing argument", "Invalid value") in the CLI's language.

Typer (0.29) parses with its own copy of Click, whose messages are English f-strings — no gettext, so no
catalogue can be plugged in (Click's gettext domain has no Russian catalogue either). The errors carry
typed parts, and those are worded here from :data:`USAGE_TEXT`: the option asked for and the close
matches (``NoSuchOption``), the parameter missing and its kind (``MissingParameter``), the option that
needs a value (``BadOptionUsage``), the pydantic validation error behind a bad value (its type, input and
limit). Only three messages have no typed part — a path check (``Path 'x' does not exist.``), extra
arguments and an unknown command — and are read by the exact templates of Typer's source
(:data:`_TEMPLATES`), then worded in the same way; a message that fits none is shown as Typer wrote it.

:func:`show_usage_error` draws the error as Typer does (usage line, help hint, red panel) in the
language the command line asks for (:func:`requested_lang`); English keeps Typer's own output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from crmflow.i18n import LANGS, text

USAGE_TEXT: dict[str, dict[str, str]] = {
    "error_title": {"en": "Error", "ru": "Ошибка"},
    "usage": {"en": "Usage:", "ru": "Использование:"},
    "help_hint": {"en": "Try '{command} {option}' for help.", "ru": "Справка: «{command} {option}»."},
    "no_such_option": {"en": "No such option: {option}", "ru": "Нет такого параметра: {option}"},
    "possible_options": {"en": "(Possible options: {options})", "ru": "(возможные параметры: {options})"},
    "missing_argument": {"en": "Missing argument {hint}.", "ru": "Не указан аргумент {hint}."},
    "missing_option": {"en": "Missing option {hint}.", "ru": "Не указан параметр {hint}."},
    "missing_parameter": {"en": "Missing parameter {hint}.", "ru": "Не указано значение {hint}."},
    "choose_from": {"en": "Choose from: {choices}", "ru": "Выберите одно из значений: {choices}"},
    "option_needs_value": {
        "en": "Option {option!r} requires {nargs:an argument|{nargs} arguments}.",
        "ru": "Параметру {option!r} нужно {nargs:значение|{nargs} значения|{nargs} значений}.",
    },
    "invalid_value": {"en": "Invalid value for {hint}: {why}", "ru": "Недопустимое значение {hint}: {why}"},
    "invalid_value_bare": {"en": "Invalid value: {why}", "ru": "Недопустимое значение: {why}"},
    # the reasons of a bad value (pydantic's error types, Typer's path checks)
    "int_parsing": {"en": "{value!r} is not a whole number", "ru": "{value!r} — не целое число"},
    "float_parsing": {"en": "{value!r} is not a number", "ru": "{value!r} — не число"},
    "bool_parsing": {"en": "{value!r} is not yes or no", "ru": "{value!r} — не «да» или «нет» (true/false)"},
    "greater_than_equal": {"en": "{value!r} is less than {limit}", "ru": "{value!r} меньше {limit}"},
    "greater_than": {"en": "{value!r} is not greater than {limit}", "ru": "{value!r} не больше {limit}"},
    "less_than_equal": {"en": "{value!r} is greater than {limit}", "ru": "{value!r} больше {limit}"},
    "less_than": {"en": "{value!r} is not less than {limit}", "ru": "{value!r} не меньше {limit}"},
    "enum": {"en": "{value!r} is not one of {choices}", "ru": "{value!r} — не одно из значений {choices}"},
    "other_value": {"en": "{value!r} cannot be used here", "ru": "значение {value!r} здесь не подходит"},
    "path_missing": {"en": "{kind} {path!r} does not exist.", "ru": "{kind} {path!r} не существует."},
    "path_is_file": {"en": "{kind} {path!r} is a file.", "ru": "{path!r} — файл, а нужна папка."},
    "path_is_dir": {"en": "{kind} {path!r} is a directory.", "ru": "{path!r} — папка, а нужен файл."},
    "path_unreadable": {"en": "{kind} {path!r} is not readable.", "ru": "{path!r} недоступен для чтения."},
    "path_unwritable": {"en": "{kind} {path!r} is not writable.", "ru": "{path!r} недоступен для записи."},
    "kind_file": {"en": "file", "ru": "Файл"},
    "kind_dir": {"en": "dir", "ru": "Папка"},
    "kind_path": {"en": "path", "ru": "Путь"},
    "extra_args": {
        "en": "Got unexpected extra argument(s) ({args})",
        "ru": "Лишние аргументы ({args})",
    },
    "no_such_command": {"en": "No such command {name!r}.", "ru": "Нет команды {name!r}."},
    "missing_command": {"en": "Missing command.", "ru": "Не указана команда."},
}

#: The messages of Typer's source that have no typed part, as Typer writes them (``_param_types.py``,
#: ``_click/core.py``, ``core.py``): each full match names its catalogue key and its parts.
_TEMPLATES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?P<kind>file|dir|path) (?P<path>'.*'|\".*\") does not exist\."), "path_missing"),
    (re.compile(r"(?P<kind>file|dir|path) (?P<path>'.*'|\".*\") is a file\."), "path_is_file"),
    (re.compile(r"(?P<kind>file|dir|path) (?P<path>'.*'|\".*\") is a directory\."), "path_is_dir"),
    (re.compile(r"(?P<kind>file|dir|path) (?P<path>'.*'|\".*\") is not readable\."), "path_unreadable"),
    (re.compile(r"(?P<kind>file|dir|path) (?P<path>'.*'|\".*\") is not writable\."), "path_unwritable"),
    (re.compile(r"Got unexpected extra argument\(s\) \((?P<args>.*)\)"), "extra_args"),
    (re.compile(r"No such command (?P<name>'.*'|\".*\")\."), "no_such_command"),
    (re.compile(r"Missing command\."), "missing_command"),
)


def requested_lang(args: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """The language a command line asks for before it is parsed: the last ``--lang X``/``--lang=X``, else
    ``CRMFLOW_LANG``, else English; an unknown language is left to ``--lang``'s own check (English here).

    >>> requested_lang(["audit", "x.csv", "--lang", "ru"], {}), requested_lang(["--lang=de"], {})
    ('ru', 'en')
    >>> requested_lang(["inspect"], {"CRMFLOW_LANG": "ru"}), requested_lang(["--", "--lang", "ru"], {})
    ('ru', 'en')
    """
    lang = environ.get("CRMFLOW_LANG", "") or "en"
    items = list(args)
    for i, arg in enumerate(items):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(items):
            lang = items[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    return lang if lang in LANGS else "en"


def usage_message(exc: Any, lang: str) -> str:
    """A Typer usage error's message worded in ``lang`` from its typed parts (module docstring)."""
    t = lambda key, **kw: text(USAGE_TEXT, key, lang, **kw)  # noqa: E731
    kind = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    if kind == "NoSuchOption":
        message = t("no_such_option", option=exc.option_name)
        if exc.possibilities:
            message += " " + t("possible_options", options=", ".join(sorted(exc.possibilities)))
        return message
    if kind == "MissingParameter":
        param = exc.param
        hint = _hint(exc, ctx)
        param_type = exc.param_type or (param.param_type_name if param is not None else "parameter")
        key = {"argument": "missing_argument", "option": "missing_option"}.get(param_type, "missing_parameter")
        message = t(key, hint=hint)
        choices = _choices(param)
        return f"{message} {t('choose_from', choices=', '.join(choices))}" if choices else message
    if kind == "BadOptionUsage":
        nargs = next((p.nargs for p in _params(ctx) if exc.option_name in getattr(p, "opts", ())), 1)
        return t("option_needs_value", option=exc.option_name, nargs=max(nargs, 1))
    if kind in ("BadParameter",):
        why = _bad_value(exc, lang)
        hint = _hint(exc, ctx)
        return t("invalid_value", hint=hint, why=why) if hint else t("invalid_value_bare", why=why)
    return _from_template(exc.message, lang) or exc.format_message()


def _hint(exc: Any, ctx: Any) -> str:
    if exc.param_hint is not None:
        hints = exc.param_hint
        return hints if isinstance(hints, str) else " / ".join(repr(h) for h in hints)
    if exc.param is not None:
        return str(exc.param.get_error_hint())
    return ""


def _params(ctx: Any) -> list[Any]:
    return list(ctx.command.get_params(ctx)) if ctx is not None else []


def _choices(param: Any) -> list[str]:
    desc = getattr(param, "type_descriptor", None)
    if desc is not None and getattr(desc, "is_choice", False) and desc.choices is not None:
        return [str(c) for c in desc.choices]
    return []


def _bad_value(exc: Any, lang: str) -> str:
    """Why a value was refused: from the pydantic error behind it, or Typer's path check, in ``lang``."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            first = found[0]
            kind, ctx = str(first.get("type", "")), first.get("ctx") or {}
            value = first.get("input")
            limit = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), None)
            if kind in USAGE_TEXT and kind.endswith("_parsing"):
                return text(USAGE_TEXT, kind, lang, value=value)
            if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than") and limit is not None:
                return text(USAGE_TEXT, kind, lang, value=value, limit=limit)
            if kind == "enum":
                return text(USAGE_TEXT, "enum", lang, value=value, choices=ctx.get("expected", ""))
            return text(USAGE_TEXT, "other_value", lang, value=value)
    return _from_template(exc.message, lang) or exc.message


def _from_template(message: str, lang: str) -> str | None:
    """A message Typer writes without typed parts (:data:`_TEMPLATES`) worded in ``lang``; None if none fits."""
    for pattern, key in _TEMPLATES:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        parts: dict[str, object] = dict(match.groupdict())
        for name in ("path", "name"):
            if name in parts:
                parts[name] = str(parts[name])[1:-1]
        if "kind" in parts:
            parts["kind"] = text(USAGE_TEXT, f"kind_{parts['kind']}", lang)
        return text(USAGE_TEXT, key, lang, **parts)
    return None


def is_usage_error(exc: BaseException) -> bool:
    """A usage error of Typer's Click (its classes are private: the one public one is ``typer.BadParameter``)."""
    return any(c.__name__ == "UsageError" for c in type(exc).__mro__) and type(exc).__name__ != "NoArgsIsHelpError"


def show_usage_error(exc: Any, lang: str) -> None:
    """Print a Typer usage error as Typer does — usage line, help hint, the message in a red panel — in ``lang``."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    console = Console(stderr=True)
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        usage = " ".join([text(USAGE_TEXT, "usage", lang), ctx.command_path, *ctx.command.collect_usage_pieces(ctx)])
        console.print(escape(usage), style="yellow", highlight=False)
        if ctx.command.get_help_option(ctx) is not None:
            hint = text(USAGE_TEXT, "help_hint", lang, command=ctx.command_path, option=ctx.help_option_names[0])
            console.print(escape(hint), style="dim", highlight=False)
    title = text(USAGE_TEXT, "error_title", lang)
    panel = Panel(escape(usage_message(exc, lang)), border_style="red", title=title, title_align="left")
    console.print(panel, highlight=False)
