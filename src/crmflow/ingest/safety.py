"""Guards that run before any parser touches a user's file.

Three threats are handled here, because every XML or compressed input shares them:

* **Entity expansion and external entities** (billion laughs, ``<!ENTITY x SYSTEM "file:///…">``).
  XES and BPMN never need a DTD, so :func:`check_xml_prolog` refuses a document type declaration
  with an internal subset or an external identifier, and any ``<!ENTITY``, *before* a parser sees
  the file. :func:`safe_xml_parser` is the second line of defence for lxml readers.
* **Decompression bombs.** :func:`open_decompressed` streams a ``.gz`` file and stops as soon as
  the output passes an absolute size or a multiple of the compressed size; memory stays bounded.
* **Oversized prologs**: a prolog that does not reach the root element within
  :data:`MAX_PROLOG_BYTES` is refused rather than scanned without end.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from lxml import etree

from crmflow.errors import InputError, UnsafeInputError

#: How far into a file the prolog (everything before the root element) may extend.
MAX_PROLOG_BYTES = 1024 * 1024
#: Below this decompressed size the compression-ratio limit does not apply: tiny, highly
#: repetitive files legitimately compress more than any sensible ratio, and 16 MiB harms nobody.
RATIO_FLOOR_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024

_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_EXTERNAL_ID = re.compile(r"\b(SYSTEM|PUBLIC)\b")


def _decode_head(head: bytes) -> str:
    """Decode the first bytes of an XML document well enough to read its markup."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    if head.startswith(b"\x00<") or head.startswith(b"<\x00"):
        return head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="replace")
    # UTF-8 and every ASCII-compatible single-byte encoding agree on the markup characters.
    return head.decode("utf-8", errors="replace")


def _prolog_finding(text: str) -> tuple[str, bool]:
    """Scan prolog text; return ``(problem or "", reached the root element)``."""
    i, n = 0, len(text)
    if text.startswith("\ufeff"):
        i = 1
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return "", False
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return "", False
            i = end + 3
        elif text.startswith("<!", i):
            end = text.find(">", i)
            decl = text[i : end if end >= 0 else min(n, i + 200)]
            if decl[2:8].upper() == "ENTITY":
                return "an entity declaration (<!ENTITY …>)", True
            if _DOCTYPE.match(decl):
                if "[" in decl:
                    return "a document type declaration with an internal subset (<!DOCTYPE … [ … ]>)", True
                if _EXTERNAL_ID.search(decl):
                    word = _EXTERNAL_ID.search(decl).group(1)  # type: ignore[union-attr]
                    return f"a document type declaration with an external identifier ({word})", True
            else:
                return f"an unexpected markup declaration {decl[:40]!r}", True
            if end < 0:
                return "", False
            i = end + 1
        elif text.startswith("<", i):
            return "", True
        else:
            return "", False
    return "", False


def check_xml_prolog(source: str | Path | BinaryIO, *, name: str | None = None) -> None:
    """Refuse an XML document whose prolog declares entities, an internal DTD or external ids.

    Reads at most :data:`MAX_PROLOG_BYTES` from the start. A stream is read from its current
    position and rewound to it afterwards.

    Parameters
    ----------
    source
        Path of the file, or a seekable binary stream positioned at the document start.
    name
        File name to use in messages (defaults to the path).

    Raises
    ------
    UnsafeInputError
        If the prolog holds ``<!ENTITY``, ``<!DOCTYPE … [`` or ``SYSTEM``/``PUBLIC``, or does not
        reach the root element within the bound.

    Examples
    --------
    >>> import io
    >>> check_xml_prolog(io.BytesIO(b'<?xml version="1.0"?><log/>'))
    >>> try:
    ...     check_xml_prolog(io.BytesIO(b'<!DOCTYPE l [<!ENTITY a "x">]><log/>'), name="evil.xes")
    ... except UnsafeInputError as exc:
    ...     print(str(exc)[:60])
    evil.xes: refused to read this XML file: its prolog contains
    """
    if isinstance(source, str | Path):
        label = name or str(source)
        with open(source, "rb") as fh:
            head = fh.read(MAX_PROLOG_BYTES)
    else:
        label = name or str(getattr(source, "name", "<stream>"))
        pos = source.tell()
        head = source.read(MAX_PROLOG_BYTES)
        source.seek(pos)
    problem, reached_root = _prolog_finding(_decode_head(head))
    if problem:
        raise UnsafeInputError(
            f"{label}: refused to read this XML file: its prolog contains {problem}. Event logs "
            "(XES) and process models (BPMN) never need a DTD or entities, and they are the vehicle "
            "of entity-expansion and file-disclosure attacks; remove the declaration and retry"
        )
    if not reached_root:
        if len(head) < MAX_PROLOG_BYTES or not head.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
            raise InputError(
                f"{label}: this is not an XML document (expected '<?xml …?>' or a root element at the start, found {head[:20]!r})"
            )
        raise UnsafeInputError(
            f"{label}: refused to read this XML file: no root element within the first "
            f"{MAX_PROLOG_BYTES // 1024} KiB (expected a short prolog followed by the root element)"
        )


def safe_xml_parser(**overrides: object) -> etree.XMLParser:
    """An lxml parser that never expands entities, loads a DTD or touches the network.

    Examples
    --------
    >>> from lxml import etree
    >>> etree.fromstring(b"<a>1</a>", safe_xml_parser()).text
    '1'
    """
    options: dict[str, object] = {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
    }
    options.update(overrides)
    return etree.XMLParser(**options)  # type: ignore[arg-type]


#: Keyword arguments that make :func:`lxml.etree.iterparse` as safe as :func:`safe_xml_parser`.
SAFE_ITERPARSE_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}


class _BoundedGzip(io.RawIOBase):
    """A read-only stream over a gzip file that refuses to inflate past a limit."""

    def __init__(self, path: Path, limit: int, reason: str) -> None:
        self._raw = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._gz = gzip.GzipFile(fileobj=self._raw, mode="rb")
        self._path = path
        self._limit = limit
        self._reason = reason
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        # Never ask for more than one byte beyond the limit, so a bomb is stopped before it
        # is inflated into memory.
        want = min(len(buffer), self._limit - self.produced + 1)
        try:
            data = self._gz.read(want)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self._path}: cannot decompress this gzip file: {exc}") from exc
        self.produced += len(data)
        if self.produced > self._limit:
            raise UnsafeInputError(
                f"{self._path}: refused to decompress: the output passed {self._limit:,} bytes "
                f"({self._reason}); this looks like a decompression bomb. If the file is genuine, "
                "raise CRMFLOW_MAX_DECOMPRESSED_BYTES / CRMFLOW_MAX_COMPRESSION_RATIO"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._gz.close()
        finally:
            self._raw.close()
            super().close()


def decompression_limit(path: str | Path, *, max_bytes: int, max_ratio: int) -> tuple[int, str]:
    """The most bytes ``path`` may inflate to, and which limit sets it (for messages)."""
    compressed = os.path.getsize(path)
    by_ratio = max(max_ratio * compressed, RATIO_FLOOR_BYTES)
    if by_ratio < max_bytes:
        return by_ratio, f"{max_ratio}× its compressed size of {compressed:,} bytes"
    return max_bytes, "the decompressed-size limit"


def open_decompressed(path: str | Path, *, max_bytes: int, max_ratio: int) -> IO[bytes]:
    """Open a ``.gz`` file for streaming reads that stop at the bomb limits.

    Parameters
    ----------
    path
        The gzip file.
    max_bytes
        Largest decompressed size accepted (``settings.max_decompressed_bytes``).
    max_ratio
        Largest accepted ratio of decompressed to compressed size
        (``settings.max_compression_ratio``); not applied below :data:`RATIO_FLOOR_BYTES`.

    Returns
    -------
    IO[bytes]
        A buffered binary stream; reading past the limit raises :class:`UnsafeInputError`,
        a corrupt file raises :class:`InputError`.

    Examples
    --------
    >>> import gzip, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.gz")
    >>> with gzip.open(p, "wb") as fh:
    ...     _ = fh.write(b"hello")
    >>> with open_decompressed(p, max_bytes=10**6, max_ratio=100) as fh:
    ...     fh.read()
    b'hello'
    """
    p = Path(path)
    limit, reason = decompression_limit(p, max_bytes=max_bytes, max_ratio=max_ratio)
    return io.BufferedReader(_BoundedGzip(p, limit, reason), buffer_size=_CHUNK)


def decompress_to_temp(
    path: str | Path,
    *,
    max_bytes: int,
    max_ratio: int,
    directory: str | Path | None = None,
    suffix: str = "",
) -> Path:
    """Decompress a ``.gz`` file into a new temporary file under the bomb limits.

    The caller owns the returned file and must delete it. On any failure the partial file is
    removed before the error propagates.

    Parameters
    ----------
    path, max_bytes, max_ratio
        As for :func:`open_decompressed`.
    directory
        Where to create the file (default: the system temporary directory).
    suffix
        File-name suffix of the temporary file (e.g. ``".xes"``).
    """
    fd, tmp = tempfile.mkstemp(prefix="crmflow-", suffix=suffix, dir=directory)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            open_decompressed(path, max_bytes=max_bytes, max_ratio=max_ratio) as src,
        ):
            shutil.copyfileobj(src, out, _CHUNK)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


@contextmanager
def decompressed_copy(path: str | Path, *, max_bytes: int, max_ratio: int, suffix: str = "") -> Iterator[Path]:
    """Context manager around :func:`decompress_to_temp` that deletes the copy afterwards."""
    tmp = decompress_to_temp(path, max_bytes=max_bytes, max_ratio=max_ratio, suffix=suffix)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def check_zip_archive(path: str | Path, *, max_bytes: int, max_ratio: int) -> None:
    """Refuse a ZIP container (``.xlsx``) whose members would inflate past the bomb limits.

    Reads only the central directory (declared sizes); the streaming readers that follow never
    hold a whole member in memory.
    """
    import zipfile

    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            declared = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        return  # not a bomb, just broken: the reader says it cannot open the file
    limit, why = decompression_limit(p, max_bytes=max_bytes, max_ratio=max_ratio)
    if declared > limit:
        raise UnsafeInputError(
            f"{p.name}: its parts would inflate to {declared:,} bytes, more than {why} "
            f"({limit:,} bytes); refusing a possible decompression bomb "
            "(raise CRMFLOW_MAX_DECOMPRESSED_BYTES / CRMFLOW_MAX_COMPRESSION_RATIO if the file is trusted)"
        )


def is_gzip(path: str | Path) -> bool:
    """Whether the file starts with the gzip magic bytes (whatever its name says)."""
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


__all__ = [
    "MAX_PROLOG_BYTES",
    "RATIO_FLOOR_BYTES",
    "SAFE_ITERPARSE_OPTIONS",
    "check_xml_prolog",
    "decompress_to_temp",
    "decompressed_copy",
    "decompression_limit",
    "is_gzip",
    "open_decompressed",
    "safe_xml_parser",
]
