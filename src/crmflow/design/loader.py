"""Loading a To-Be definition: YAML with line marks → JSON Schema → model → semantic checks.

:func:`load_tobe` reads a YAML file, validates it against the published schema
(``tobe.schema.json``) and the semantic checks (:mod:`crmflow.design.checks`), and returns a
:class:`~crmflow.design.model.ToBeDefinition`. Every problem names the file, the line and the key
and says what to write instead::

    incoming_lead.yaml:57: `processes[0].flow[3].raci.A`: step `first_contact` has 2 accountable
    roles (sales_manager, head_of_sales); a step has exactly one A — keep one, move the others to C or I

The YAML is composed node by node (``yaml.compose``) so that each value keeps its position;
anchors and aliases are refused (they could expand a small file into a huge one).

>>> from importlib.resources import files
>>> d = load_tobe(files("crmflow.design") / "examples" / "incoming_lead.yaml")
>>> d.id, d.processes[0].id
('incoming_lead', 'lead_processing')
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from crmflow.design.build import build_definition
from crmflow.design.checks import Problem, check_definition
from crmflow.design.error_messages import ERRORS
from crmflow.design.model import ToBeDefinition
from crmflow.errors import ToBeError
from crmflow.i18n import Phrase, text
from crmflow.i18n import error as localized_error
from crmflow.yamlfile import YAML_HINT, DepthLimitedLoader, YamlProblem, compose_fast

#: Largest To-Be file read (a definition is a few hundred lines; this bounds a hostile input).
MAX_BYTES = 2_000_000
#: How many problems one error message lists.
MAX_LISTED = 20

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Located:
    """Plain YAML data and, for each path into it, the 1-based line and column where it is written."""

    data: Any
    marks: dict[PathKey, tuple[int, int]]

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path`` or of its nearest written ancestor."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.marks:
                return self.marks[path[:n]][0]
        return None


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The published JSON Schema of the To-Be format."""
    return json.loads((files("crmflow.design") / "tobe.schema.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def dotted(path: Sequence[str | int]) -> str:
    """``("processes", 0, "flow")`` → ``processes[0].flow``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


# ----------------------------------------------------------------------------- YAML with marks


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TEXT: dict[str, dict[str, str]] = {
    "not_yaml": {
        "en": "{where}: not valid YAML: {problem} (" + YAML_HINT + ")",
        "ru": "{where}: это не корректный YAML: {problem} (проверьте отступы и кавычки)",
    },
    "empty": {
        "en": "{where}: the file is empty (expected a To-Be definition starting with `tobe: 1`)",
        "ru": "{where}: файл пуст (ожидается определение To-Be, начинающееся с `tobe: 1`)",
    },
}


def compose_located(text: str, *, where: str) -> Located:
    """Parse YAML text into plain data with the position of every key and value.

    Raises
    ------
    ToBeError
        On a YAML syntax error, an alias, a duplicate key or a non-string key.
    """
    try:
        root = compose_fast(text)  # libyaml; None sends deep, aliased or broken YAML to the checking loader
        if root is None:
            root = yaml.compose(text, Loader=DepthLimitedLoader)
    except yaml.YAMLError as exc:
        bad = YamlProblem.of(exc)
        at = f":{bad.line}" if bad.line is not None else ""
        raise localized_error(ToBeError, _TEXT, "not_yaml", where=f"{where}{at}", problem=bad.problem) from None
    if root is None:
        raise localized_error(ToBeError, _TEXT, "empty", where=where)
    marks: dict[PathKey, tuple[int, int]] = {}
    seen: set[int] = set()

    def construct(node: yaml.Node) -> Any:
        try:
            return _CONSTRUCTOR.construct_object(node)
        except yaml.YAMLError as exc:  # an unknown tag (`!en:`, found by bench/fuzz.py), a bad value
            bad = YamlProblem.of(exc)
            at = f":{bad.line}" if bad.line is not None else f":{node.start_mark.line + 1}"
            raise localized_error(ToBeError, _TEXT, "not_yaml", where=f"{where}{at}", problem=bad.problem) from None

    def walk(node: yaml.Node, path: PathKey) -> Any:
        if id(node) in seen:
            raise localized_error(
                ToBeError,
                ERRORS,
                "loader.yaml_anchors_aliases_are",
                where=where,
                value=node.start_mark.line + 1,
                value2=dotted(path),
            )
        seen.add(id(node))
        marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise localized_error(
                        ToBeError, ERRORS, "loader.merge_keys_are_not", where=where, value=key_node.start_mark.line + 1
                    )
                key = construct(key_node)
                if not isinstance(key, str):
                    raise localized_error(
                        ToBeError,
                        ERRORS,
                        "loader.key_not_text_quote",
                        where=where,
                        value=key_node.start_mark.line + 1,
                        value2=dotted(path),
                        key=key,
                    )
                if key in out:
                    raise localized_error(
                        ToBeError,
                        ERRORS,
                        "loader.written_twice_keep_one",
                        where=where,
                        value=key_node.start_mark.line + 1,
                        value2=dotted((*path, key)),
                    )
                marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = walk(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [walk(child, (*path, i)) for i, child in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:timestamp":
            # dates stay as written (the schema says where text is expected); not constructed, so that one
            # that is no date (2026-03-00) is not a ValueError from datetime (found by bench/fuzz.py)
            return str(node.value)
        return construct(node)

    return Located(walk(root, ()), marks)


# ----------------------------------------------------------------------------- schema errors


def _fix(error: ValidationError) -> str:
    """A sentence that says what to write instead (English; :func:`_fix_phrase` words it in any language)."""
    return str(_fix_phrase(error))


def _fix_phrase(error: ValidationError) -> Phrase:
    """What to write instead, as a phrase of :data:`ERRORS` with the schema's typed parts."""
    v, inst, sch = error.validator, error.instance, error.validator_value
    say = functools.partial(Phrase, ERRORS)
    if v == "required":
        missing = [k for k in sch if isinstance(inst, dict) and k not in inst]
        return say("schema.required", key=missing[0] if missing else sch)
    if v == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in inst if k not in allowed] if isinstance(inst, dict) else []
        hints = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            hints.append(
                say("schema.unknown_key_close", key=key, close=close[0]) if close else say("schema.unknown_key", key=key)
            )
        return say("schema.unknown_keys", hints=_joined(hints, "; "), allowed=", ".join(allowed))
    if v == "enum":
        close = difflib.get_close_matches(str(inst), [str(x) for x in sch], n=1)
        enum_hint = say("schema.enum_close", close=close[0]) if close else ""
        return say("schema.enum", value=inst, hint=enum_hint, expected=", ".join(map(str, sch)))
    if v == "const":
        return say("schema.const", value=inst, expected=sch)
    if v == "type":
        expected = sch if isinstance(sch, str) else " or ".join(sch)
        return say("schema.type", value=inst, expected=expected)
    if v == "pattern":
        what = error.schema.get("description") or say("schema.pattern_what", pattern=sch)
        return say("schema.pattern", value=inst, what=what)
    if v in ("minItems", "maxLength"):
        return say(f"schema.{v}", n=sch)
    if v in ("minLength", "minProperties"):
        return say(f"schema.{v}")
    if v == "oneOf" and isinstance(inst, dict) and "id" in inst:
        return say("schema.node_kind")
    if v == "oneOf" and error.schema.get("description", "").startswith("A text"):
        hint: Phrase | str = ""
        if isinstance(inst, dict) and any(value is None for value in inst.values()):
            hint = say("schema.text_comma")
        elif isinstance(inst, bool) or (isinstance(inst, dict) and any(isinstance(v, bool) for v in inst.values())):
            hint = say("schema.text_yes_no")
        return say("schema.not_text", value=inst, hint=hint)
    if v == "oneOf":
        return say("schema.not_valid_here", value=inst, what=error.schema.get("description") or say("schema.see_schema"))
    return Phrase.using(lambda _lang: str(error.message))  # jsonschema's own sentence: no other wording of it


def _joined(parts: list[Phrase], sep: str) -> Phrase:
    return Phrase.using(lambda lang: sep.join(p.in_language(lang) for p in parts))


def _error_path(error: ValidationError) -> PathKey:
    path: PathKey = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            path = (*path, extra[0])
    return path


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The most specific errors under ``allOf``/``if-then`` wrappers (``oneOf`` of texts stays whole)."""
    if error.validator in ("allOf",) and error.context:
        out: list[ValidationError] = []
        for sub in error.context:
            out.extend(_leaves(sub))
        return out
    return [error]


def schema_problems(located: Located) -> list[tuple[PathKey, str]]:
    """The schema violations of plain data, as ``(path, sentence)`` in document order."""
    return [(path, str(phrase)) for path, phrase in _schema_phrases(located)]


def _schema_phrases(located: Located) -> list[tuple[PathKey, Phrase]]:
    validator = Draft202012Validator(schema())
    found: list[tuple[PathKey, Phrase]] = []
    for error in validator.iter_errors(located.data):
        for leaf in _leaves(error):
            found.append((_error_path(leaf), _fix_phrase(leaf)))
    found.sort(key=lambda p: (located.line_of(p[0]) or 0, dotted(p[0])))
    unique: list[tuple[PathKey, Phrase]] = []
    seen: set[tuple[PathKey, str]] = set()
    for path, phrase in found:
        if (path, str(phrase)) not in seen:
            seen.add((path, str(phrase)))
            unique.append((path, phrase))
    return unique


def _report(
    where: str, located: Located | None, problems: Sequence[tuple[PathKey, Phrase]], title: Phrase, lang: str
) -> ToBeError:
    """The problems of one definition, one line each with its file, line and key, worded when shown."""

    def render(shown: str) -> str:
        lines = []
        for path, message in problems[:MAX_LISTED]:
            line = located.line_of(path) if located is not None else None
            at = f"{where}:{line}" if line is not None else where
            lines.append(f"{at}: `{dotted(path)}`: {message.in_language(shown)}")
        left = len(problems) - MAX_LISTED
        more = "\n" + text(ERRORS, "loader.and_more", shown, n=left) if left > 0 else ""
        head = text(ERRORS, "loader.report", shown, title=title.in_language(shown), n=len(problems))
        return head + "\n" + "\n".join(lines) + more

    return ToBeError(render(lang)).worded("loader.report", {"where": where, "problems": len(problems)}, render)


# ----------------------------------------------------------------------------- entry points


def load_tobe_data(data: Any, *, where: str = "<definition>", located: Located | None = None, lang: str = "en") -> ToBeDefinition:
    """Validate plain data (the YAML shape) and build the definition.

    Raises
    ------
    ToBeError
        Listing every schema or semantic problem with its key (and line, when ``located`` is given).
    """
    loc = located if located is not None else Located(data, {})
    problems = _schema_phrases(loc)
    if problems:
        raise _report(where, located, problems, Phrase(ERRORS, "loader.not_schema", where=where), lang)
    definition = build_definition(data)
    errors = [p for p in check_definition(definition) if p.severity == "error"]
    if errors:
        title = Phrase(ERRORS, "loader.not_valid_model", where=where)
        raise _report(where, located, [(p.path, Phrase.using(p.message)) for p in errors], title, lang)
    return definition


def read_tobe_text(text: str, *, where: str, lang: str = "en") -> ToBeDefinition:
    """Load a definition from YAML text (``where`` names it in messages, ``lang`` is their language)."""
    located = compose_located(text, where=where)
    return replace(load_tobe_data(located.data, where=where, located=located, lang=lang), source=where)


def load_tobe(path: str | Path | Any, *, lang: str = "en") -> ToBeDefinition:
    """Load and check a To-Be definition file.

    Raises
    ------
    ToBeError
        If the file cannot be read, is too large, is not YAML, breaks the schema or the semantic
        checks; the message lists each problem as ``file:line: `key`: what to do``.
    """
    where = str(path)
    if where.lower().endswith(".bpmn"):  # a BPMN (compiled by crmflow or drawn elsewhere) is a To-Be too
        from crmflow.design.from_bpmn import read_tobe_bpmn

        return read_tobe_bpmn(where).definition
    try:
        raw = Path(str(path)).read_bytes() if not hasattr(path, "read_bytes") else path.read_bytes()
    except OSError as exc:
        raise localized_error(ToBeError, ERRORS, "loader.cannot_read_file_2", where=where, value=exc.strerror or exc) from None
    if len(raw) > MAX_BYTES:
        raise localized_error(
            ToBeError, ERRORS, "loader.bytes_definition_most_split", where=where, n_raw=len(raw), MAX_BYTES=MAX_BYTES
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise localized_error(ToBeError, ERRORS, "loader.byte_not_utf_save", where=where, start=exc.start) from None
    return read_tobe_text(text, where=where, lang=lang)


@dataclass(frozen=True)
class Validation:
    """A loaded definition with its warnings (errors raise instead)."""

    definition: ToBeDefinition
    warnings: tuple[Problem, ...]


def validate_tobe(path: str | Path | Any, *, lang: str = "en") -> Validation:
    """Load a To-Be file and collect its warnings (e.g. a gateway without a default branch).

    Raises
    ------
    ToBeError
        As :func:`load_tobe`.
    """
    if str(path).lower().endswith(".bpmn"):  # warnings also say what the drawing could not express
        from crmflow.design.from_bpmn import read_tobe_bpmn

        drawn = read_tobe_bpmn(str(path))
        return Validation(definition=drawn.definition, warnings=drawn.warnings)
    definition = load_tobe(path, lang=lang)
    warnings = tuple(p for p in check_definition(definition) if p.severity == "warning")
    return Validation(definition=definition, warnings=warnings)


__all__ = [
    "Located",
    "Problem",
    "Validation",
    "compose_located",
    "dotted",
    "load_tobe",
    "load_tobe_data",
    "read_tobe_text",
    "schema",
    "schema_problems",
    "validate_tobe",
]
