"""The outline of an OCEL 2.0 JSON document from its bytes: nesting screen, top-level tokens, item cuts.

One pass of array operations (numpy) over the bytes, chunk by chunk, finds the structural
characters outside strings (``[ ] { } , :``; a quote after an odd run of backslashes is escaped)
and steps the depth with them. It refuses nesting deeper than :data:`MAX_DEPTH` (no OCEL log nests
like that) before anything is built, and keeps

* the tokens of the top level (the document's braces, its commas and colons, and where each
  top-level value that is a list or an object opens and closes): :attr:`Outline.tokens`;
* the commas one level further down, which cut the top-level lists into their items:
  :attr:`Outline.cuts`;
* the number of keys (colons) below the top level up to each token: :attr:`Outline.keys`;
* whether a comma stands right before a closing bracket (a trailing comma: DuckDB's JSON reader
  accepts it, JSON does not): :attr:`Outline.trailing_comma`.

The columnar reader (:mod:`crmflow.ingest.ocel_columns`) reads the items from these cuts.

>>> import io
>>> doc = b'{"events": [{"id": "e1"}, {"id": "e2"}], "objects": []}'
>>> o = outline(lambda: io.BytesIO(doc), "log.json")
>>> o.cuts.tolist(), bytes(doc[o.cuts[0] - 12 : o.cuts[0]])
([24], b'{"id": "e1"}')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import numpy as np

from crmflow.errors import UnsafeInputError

#: Deepest nesting accepted (an OCEL 2.0 document nests 5 levels).
MAX_DEPTH = 64
#: Bytes read at a time.
CHUNK = 4 * 1024 * 1024
#: Top-level tokens kept at most (an OCEL document has a few keys); past this the outline gives up.
MAX_TOKENS = 10_000

_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_COMMA, _COLON = ord(","), ord(":")
_WS = b" \t\r\n"


@dataclass(frozen=True)
class Outline:
    """Where the top level of a JSON document is cut (absolute byte offsets)."""

    #: Offsets of the top-level tokens: ``{``/``}`` of the document, ``,``/``:`` inside it, and
    #: the opening and closing bracket of each top-level value that is a list or an object.
    tokens: np.ndarray
    #: The byte at each token.
    kinds: np.ndarray
    #: Colons (keys) below the top level read up to each token: between two tokens, the keys of a value.
    keys: np.ndarray
    #: Offsets of the commas directly inside a top-level list or object (they cut it into items).
    cuts: np.ndarray
    #: A comma right before a closing bracket somewhere (not JSON; the strict reader decides).
    trailing_comma: bool
    #: False when the document has too many top-level tokens or cuts to be an OCEL log (the tokens
    #: and cuts are then partial; the nesting screen is still whole).
    complete: bool


def _unescaped(a: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """The quotes not escaped by an odd run of backslashes just before them."""
    if not len(quotes):
        return quotes
    before = quotes - 1
    maybe = before >= 0
    maybe[maybe] = a[before[maybe]] == 92
    if not maybe.any():
        return quotes
    slash = a == 92
    not_slash = np.where(slash, -1, np.arange(len(a), dtype=np.int64))
    last = np.maximum.accumulate(not_slash)  # the last byte that is not a backslash, up to here
    run = np.where(before >= 0, before - last[np.maximum(before, 0)], 0)
    return quotes[run % 2 == 0]


def outline(opener: Callable[[], IO[bytes]], label: str) -> Outline:
    """Scan the bytes once: refuse deep nesting, return the top-level tokens and the item cuts.

    Raises
    ------
    UnsafeInputError
        Nesting deeper than :data:`MAX_DEPTH` (before any item is built).
    """
    inside = False  # whether the chunk starts inside a string
    depth = 0
    offset = 0  # absolute offset of data[0]
    pending = b""
    tokens: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    cuts: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    n_tokens = n_cuts = 0
    max_cuts = 2**27  # 1 GB of offsets; an OCEL item is more than 16 bytes, so 2 GB of items
    n_keys = 0
    trailing = False
    open_comma = False  # the last structural character read is a comma followed by white space only
    too_deep = UnsafeInputError(f"{label}: the JSON is nested too deeply to be an OCEL 2.0 log")
    with opener() as fh:
        while chunk := fh.read(CHUNK):
            data = pending + chunk
            cut = len(data.rstrip(b"\\"))  # an escape is never cut in two
            data, pending = data[:cut], data[cut:]
            a = np.frombuffer(data, dtype=np.uint8)
            quotes = _unescaped(a, np.flatnonzero(a == 34))
            pos = np.flatnonzero((a == 44) | (a == 58) | (a == 91) | (a == 93) | (a == 123) | (a == 125))
            if len(quotes) and len(pos):
                pos = pos[(np.searchsorted(quotes, pos) + inside) % 2 == 0]  # outside strings
            elif inside:
                pos = pos[:0]
            if len(pos):
                c = a[pos]
                step = _STEP[c]
                after = np.cumsum(step, dtype=np.int64) + depth
                if int(after.max()) > MAX_DEPTH:
                    raise too_deep
                before = after - step
                closer = step < 0
                # a comma right before a closer, with only white space between: a trailing comma
                if open_comma and closer[0]:
                    trailing |= not data[: pos[0]].strip(_WS)
                nxt = np.flatnonzero((c[:-1] == _COMMA) & closer[1:])
                for i in nxt.tolist():
                    trailing |= not data[pos[i] + 1 : pos[i + 1]].strip(_WS)
                open_comma = bool(c[-1] == _COMMA) and not data[pos[-1] + 1 :].strip(_WS)
                keep = ((step > 0) & (before <= 1)) | (closer & (after <= 1)) | ((step == 0) & (before == 1))
                deep = np.cumsum((c == _COLON) & (before >= 2), dtype=np.int64) + n_keys
                n_keys = int(deep[-1])
                if keep.any() and n_tokens <= MAX_TOKENS:  # past that, only the screen goes on
                    tokens.append(pos[keep] + offset)
                    kinds.append(c[keep])
                    keys.append(deep[keep])
                    n_tokens += int(keep.sum())
                sep = (c == _COMMA) & (before == 2)
                if sep.any() and n_tokens <= MAX_TOKENS and n_cuts <= max_cuts:
                    cuts.append(pos[sep] + offset)
                    n_cuts += int(sep.sum())
                depth = int(after[-1])
            elif open_comma:
                open_comma = not data.strip(_WS)
            inside = bool((len(quotes) + inside) % 2)
            offset += len(data)

    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    complete = n_tokens <= MAX_TOKENS and n_cuts <= max_cuts
    return Outline(
        joined(tokens, np.int64), joined(kinds, np.uint8), joined(keys, np.int64), joined(cuts, np.int64), trailing, complete
    )


__all__ = ["CHUNK", "MAX_DEPTH", "MAX_TOKENS", "Outline", "outline"]
