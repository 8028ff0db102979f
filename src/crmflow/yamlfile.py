"""Reading a YAML settings file safely, with errors that name the file, the line and the column.

Every YAML file crmflow reads (column mappings, audit rules, quality rules, object models,
integration inventories, To-Be definitions) goes through the safe loader; a syntax error is
reported as ``file: not valid YAML at line L, column C: <problem> (check indentation and
quotes)`` in the error class of the area that reads it.

>>> try:
...     yaml.safe_load("a: [1, 2")
... except yaml.YAMLError as exc:
...     print(YamlProblem.of(exc))
YamlProblem(line=1, column=9, problem="expected ',' or ']', but got '<stream end>'")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crmflow.errors import CrmflowError

#: What to check first when YAML does not parse.
YAML_HINT = "check indentation and quotes"
_TEXT: dict[str, dict[str, str]] = {
    "too_big": {
        "en": "{p}: {size:,} bytes is more than the {limit:,} bytes a {what} may have",
        "ru": "{p}: {size:,} байт — больше {limit:,} байт, допустимых для этого файла ({what})",
    },
    "unreadable": {"en": "cannot read the {what} {p}: {why}", "ru": "не удаётся прочитать файл {p} ({what}): {why}"},
    "not_utf8": {
        "en": "{p}: byte {at} is not UTF-8 (save the {what} as UTF-8)",
        "ru": "{p}: байт {at} — не UTF-8 (сохраните файл в кодировке UTF-8)",
    },
    "not_yaml": {
        "en": "{p}: not valid YAML: {problem} (" + YAML_HINT + ")",
        "ru": "{p}: это не корректный YAML: {problem} (проверьте отступы и кавычки)",
    },
    "not_yaml_at": {
        "en": "{p}: not valid YAML at line {line}, column {column}: {problem} (" + YAML_HINT + ")",
        "ru": "{p}: некорректный YAML в строке {line}, столбце {column}: {problem} (проверьте отступы и кавычки)",
    },
}
#: Largest settings file read (they are a few hundred lines; this bounds a hostile input).
MAX_YAML_BYTES = 10 * 1024**2


#: Deepest nesting of lists and mappings read (settings nest a dozen levels; PyYAML recurses per level and
#: would end in a ``RecursionError`` near 300).
MAX_YAML_DEPTH = 64


class DepthLimitedLoader(yaml.SafeLoader):
    """The safe loader refusing nesting deeper than :data:`MAX_YAML_DEPTH` levels, with the line and column."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            if self._depth >= MAX_YAML_DEPTH:
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"lists and mappings nest more than {MAX_YAML_DEPTH} levels deep here (flatten the structure)",
                    event.start_mark,
                )
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A YAML date or time; one that looks like a date but is none (``2026-03-00``) is a clear error, not a
    ``ValueError`` from :mod:`datetime` (found by ``bench/fuzz.py``)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a date or a time ({exc}; put it in quotes if it is text)", node.start_mark
        ) from None


DepthLimitedLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class _NoAliasLoader(DepthLimitedLoader):
    """The safe loader without anchors and aliases: ``*alias`` nested in lists expands a small file into
    billions of values once the data is walked or validated ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed (write the value out)", event.start_mark
            )
        return super().compose_node(parent, index)


def compose_fast(text: str) -> yaml.Node | None:
    """The node tree of a plain YAML document by libyaml (C), or ``None`` when the slow path must decide.

    The C composer is about six times faster than :class:`DepthLimitedLoader` but recurses without a
    limit and words its errors differently, so the document is first screened on libyaml's events
    (about a tenth of the compose): nesting deeper than :data:`MAX_YAML_DEPTH`, an alias, a syntax
    error or a missing libyaml give ``None``, and the caller composes with :class:`DepthLimitedLoader`,
    which refuses the document with the usual file, line and column. Tags are resolved by the same
    resolver, so the tree is the one :class:`DepthLimitedLoader` builds.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                return None
        return yaml.compose(text, Loader=loader)  # type: ignore[no-any-return]
    except yaml.YAMLError:
        return None


@dataclass(frozen=True)
class YamlProblem:
    """A YAML syntax error: where it is (1-based line and column, when PyYAML knows) and what it is."""

    line: int | None
    column: int | None
    problem: str

    @classmethod
    def of(cls, exc: yaml.YAMLError) -> YamlProblem:
        """The position and the short description of ``exc``."""
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is None:
            return cls(line=None, column=None, problem=problem)
        return cls(line=mark.line + 1, column=mark.column + 1, problem=problem)


def read_yaml(
    path: str | Path,
    *,
    what: str,
    error: type[CrmflowError],
    read_error: type[CrmflowError] | None = None,
) -> Any:
    """Read a YAML file with the safe loader (UTF-8, with or without a BOM).

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"rules file"``, ``"object model"``).
    error
        The error class raised when the file is not valid YAML.
    read_error
        The error class raised when the file cannot be read (default: ``error``).

    Returns
    -------
    Any
        The plain data (``None`` for an empty file); the caller checks its shape.

    Raises
    ------
    CrmflowError
        ``read_error`` if the file cannot be read or is not UTF-8; ``error`` if it is not valid YAML.
    """
    p = Path(path)
    try:
        if p.stat().st_size > MAX_YAML_BYTES:
            raise (read_error or error).localized(_TEXT, "too_big", p=p, size=p.stat().st_size, limit=MAX_YAML_BYTES, what=what)
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise (read_error or error).localized(_TEXT, "unreadable", p=p, what=what, why=exc.strerror or exc) from exc
    except UnicodeDecodeError as exc:
        raise (read_error or error).localized(_TEXT, "not_utf8", p=p, at=exc.start, what=what) from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        bad = YamlProblem.of(exc)
        if bad.line is None:
            raise error.localized(_TEXT, "not_yaml", p=p, problem=bad.problem) from None
        raise error.localized(_TEXT, "not_yaml_at", p=p, line=bad.line, column=bad.column, problem=bad.problem) from None


__all__ = ["MAX_YAML_BYTES", "MAX_YAML_DEPTH", "YAML_HINT", "DepthLimitedLoader", "YamlProblem", "compose_fast", "read_yaml"]
