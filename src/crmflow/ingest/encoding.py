"""Text encodings of tabular exports: detect from a sample, transcode to UTF-8 in chunks.

Russian CRM exports arrive as UTF-8, UTF-8 with a byte-order mark (Excel "CSV UTF-8"), Windows
cp1251 (Excel "CSV" on a Russian Windows) or UTF-16 (Excel "Unicode text"). Generic detectors
often confuse cp1251 with cp1252 or KOI8-R on short samples, so Cyrillic text is decided here by
letter frequencies: Russian is mostly lowercase, and cp1251 puts lowercase letters at 0xE0-0xFF
while KOI8-R puts them at 0xC0-0xDF.

>>> detect_encoding("Стадия;Дата\\n".encode("cp1251"))
'cp1251'
>>> detect_encoding("Стадия;Дата\\n".encode("utf-8"))
'utf-8'
"""

from __future__ import annotations

import codecs
import tempfile
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from crmflow.errors import InputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS

#: Bytes read to decide the encoding.
SAMPLE_BYTES = 1 << 20
#: Bytes transcoded at a time (bounded memory).
CHUNK_BYTES = 8 << 20

#: The most frequent Russian letters (lowercase), used to score Cyrillic decodings.
_FREQUENT_RU = set("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё")


@dataclass(frozen=True)
class Utf8File:
    """A file ready for DuckDB: UTF-8 (possibly with BOM), either the original or a temp copy."""

    path: Path  # what to read
    encoding: str  # the encoding the source had
    transcoded: bool  # True when ``path`` is a temp copy the caller must delete

    def cleanup(self) -> None:
        """Delete the temp copy, if any."""
        if self.transcoded:
            self.path.unlink(missing_ok=True)


def _ru_score(text: str) -> float:
    """Share of the non-ASCII letters in ``text`` that are frequent lowercase Russian letters."""
    letters = [c for c in text if ord(c) > 127 and c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c in _FREQUENT_RU) / len(letters)


def _valid_utf8(sample: bytes, complete: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 text with a few broken bytes (their lines go to the quarantine, the rest is kept)."""
    decoded = sample.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    good = sum(1 for c in decoded if ord(c) > 127) - bad
    return good > 0 and bad <= 0.05 * good


def detect_encoding(sample: bytes, *, complete: bool = False) -> str:
    """Name the encoding of ``sample`` (the first bytes of a file).

    Parameters
    ----------
    sample
        The first bytes of the file (a megabyte is plenty).
    complete
        True when ``sample`` is the whole file (a truncated multi-byte character at its end is then
        an error rather than the cut of the sample).

    Returns
    -------
    str
        A Python codec name: ``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1251``, ``koi8_r`` or the
        best guess of charset-normalizer for other single-byte text.

    >>> detect_encoding(b"\\xef\\xbb\\xbfa;b")
    'utf-8-sig'
    >>> detect_encoding("Ответственный".encode("koi8_r"))
    'koi8_r'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _valid_utf8(sample, complete) or _mostly_utf8(sample):
        return "utf-8"
    # Not UTF-8: a single-byte code page. Cyrillic first, by letter frequencies.
    head = sample[: 1 << 16]
    if not any(b >= 0xC0 for b in head):
        # No letters outside ASCII, only punctuation such as no-break spaces, dashes and «»,
        # which sit at the same codes in cp1251 and cp1252.
        return "cp1251"
    scores = {enc: _ru_score(head.decode(enc, errors="replace")) for enc in ("cp1251", "koi8_r")}
    best = max(scores, key=lambda e: scores[e])
    if scores[best] >= 0.5:
        return best
    guess = from_bytes(head).best()
    enc = guess.encoding if guess is not None else "cp1251"
    return "cp1251" if enc in ("ascii", "utf_8") else enc


def ensure_utf8(path: Path, *, encoding: str | None = None) -> Utf8File:
    """Return a UTF-8 version of ``path``, transcoding to a temp file when needed.

    Bytes the source encoding cannot decode are copied unchanged; they are not valid UTF-8, so the
    CSV reader puts the rows holding them in the quarantine instead of silently altering them.

    Parameters
    ----------
    path
        The file to read.
    encoding
        The source encoding when known; detected from the first megabyte otherwise.
    """
    try:
        with path.open("rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
            complete = fh.read(1) == b""
    except OSError as exc:
        raise error(InputError, ERRORS, "encoding.cannot_read", path=path, value=exc.strerror or exc) from exc
    enc = encoding or detect_encoding(sample, complete=complete)
    try:
        norm = codecs.lookup(enc).name
    except LookupError as exc:
        raise error(InputError, ERRORS, "encoding.unknown_encoding_try_utf", name=path.name, enc=enc) from exc
    if norm in ("utf-8", "utf-8-sig"):
        return Utf8File(path=path, encoding=norm, transcoded=False)
    tmp = tempfile.NamedTemporaryFile(prefix="crmflow-utf8-", suffix=".csv", delete=False)  # noqa: SIM115
    decoder = codecs.getincrementaldecoder(norm)(errors="surrogateescape")
    try:
        with path.open("rb") as src, tmp:
            while chunk := src.read(CHUNK_BYTES):
                tmp.write(decoder.decode(chunk).encode("utf-8", errors="surrogateescape"))
            tmp.write(decoder.decode(b"", final=True).encode("utf-8", errors="surrogateescape"))
    except BaseException:
        Path(tmp.name).unlink(missing_ok=True)
        raise
    return Utf8File(path=Path(tmp.name), encoding=norm, transcoded=True)
