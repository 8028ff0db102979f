"""Guards that run before any parser touches a user's file.

XML screening (entities, DTDs, oversized prologs) lives in the base layer, :mod:`crmflow.base.xml`, because
ingest, bpmn and design share it; its names stay importable from here for the readers of this stage.

* **Decompression bombs.** :func:`open_decompressed` streams a ``.gz`` file and stops as soon as
  the output passes an absolute size or a multiple of the compressed size; memory stays bounded.
  :func:`decompress_into` writes that stream into a :class:`ScratchFile` -- kept in memory while it is
  small (Linux ``memfd``), on disk beyond :data:`IN_MEMORY_BYTES` -- so that a parser given its path
  reads the very bytes the guards (and a pre-scan riding on the stream) saw.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from crmflow.base.xml import MAX_PROLOG_BYTES as MAX_PROLOG_BYTES
from crmflow.base.xml import SAFE_ITERPARSE_OPTIONS as SAFE_ITERPARSE_OPTIONS
from crmflow.base.xml import check_xml_prolog as check_xml_prolog
from crmflow.base.xml import safe_xml_parser as safe_xml_parser
from crmflow.errors import InputError, UnsafeInputError
from crmflow.i18n import error
from crmflow.ingest.messages import ERRORS

#: Below this decompressed size the compression-ratio limit does not apply: tiny, highly
#: repetitive files legitimately compress more than any sensible ratio, and 16 MiB harms nobody.
RATIO_FLOOR_BYTES = 16 * 1024 * 1024
#: A :class:`ScratchFile` stays in memory up to this size, then moves to disk (a parser holds several
#: times its input in memory anyway; a copy larger than this would only add to it).
IN_MEMORY_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


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
            raise error(InputError, ERRORS, "safety.cannot_decompress_this_gzip", path=self._path, exc=exc) from exc
        self.produced += len(data)
        if self.produced > self._limit:
            raise error(
                UnsafeInputError,
                ERRORS,
                "safety.refused_decompress_output_passed",
                path=self._path,
                limit=self._limit,
                reason=self._reason,
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


class ScratchFile:
    """A temporary file with a path another library can open, in memory while it is small.

    On Linux the bytes go to an anonymous in-memory file (``memfd``, path ``/proc/self/fd/N``): writing
    it costs a memory copy, where a file in the temporary directory costs the page cache's bookkeeping
    and, on a busy disk, the writes (0.22 s of the 0.53 s that inflating BPIC 2012 took). Past
    :data:`IN_MEMORY_BYTES`, or where ``memfd`` does not exist, it is a file in ``directory`` (the system
    temporary directory by default). :meth:`close` frees or deletes it; nothing is left behind.
    """

    def __init__(self, *, suffix: str = "", directory: str | Path | None = None, in_memory: int = IN_MEMORY_BYTES) -> None:
        self._suffix = suffix
        self._directory = directory
        self._in_memory = in_memory if hasattr(os, "memfd_create") else 0
        self._disk: Path | None = None
        self.size = 0
        if self._in_memory:
            self._fd = os.memfd_create("crmflow" + suffix, getattr(os, "MFD_CLOEXEC", 0))
        else:
            self._fd = self._new_disk_file()

    def _new_disk_file(self) -> int:
        fd, tmp = tempfile.mkstemp(prefix="crmflow-", suffix=self._suffix, dir=self._directory)
        self._disk = Path(tmp)
        return fd

    @property
    def path(self) -> Path:
        """Where other code opens it (valid until :meth:`close`)."""
        return self._disk if self._disk is not None else Path(f"/proc/self/fd/{self._fd}")

    @property
    def in_memory(self) -> bool:
        return self._disk is None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._disk is None and self.size + len(data) > self._in_memory:
            self._spill()
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        self.size += len(data)

    def _spill(self) -> None:
        """Move the bytes written so far from memory to a file on disk (kernel to kernel)."""
        memfd = self._fd
        self._fd = self._new_disk_file()
        try:
            offset = 0
            while offset < self.size:
                sent = os.sendfile(self._fd, memfd, offset, self.size - offset)
                if sent == 0:  # pragma: no cover - the memfd is never shorter than what was written to it
                    raise OSError("short copy of an in-memory scratch file")
                offset += sent
        finally:
            os.close(memfd)

    def write_at(self, offset: int, data: bytes) -> None:
        """Overwrite ``len(data)`` bytes at ``offset`` (the file keeps its size)."""
        view = memoryview(data)
        while view:
            n = os.pwrite(self._fd, view, offset)
            view, offset = view[n:], offset + n

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._disk is not None:
            self._disk.unlink(missing_ok=True)

    def __enter__(self) -> ScratchFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def decompress_into(
    path: str | Path, write: Callable[[bytes], None], *, max_bytes: int, max_ratio: int, chunk: int = 4 * _CHUNK
) -> int:
    """Stream a ``.gz`` file through ``write`` in chunks, under the bomb limits; return the bytes written.

    ``write`` sees every decompressed chunk in order (write it to a file, feed a pre-scan, both); a bomb
    raises :class:`UnsafeInputError` before more than ``chunk`` bytes past the limit are inflated.
    """
    total = 0
    with open_decompressed(path, max_bytes=max_bytes, max_ratio=max_ratio) as src:
        while data := src.read(chunk):
            write(data)
            total += len(data)
    return total


def decompress_to_temp(
    path: str | Path,
    *,
    max_bytes: int,
    max_ratio: int,
    directory: str | Path | None = None,
    suffix: str = "",
    observe: Callable[[bytes], None] | None = None,
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
    observe
        Called with every decompressed chunk, in order, as it is written (a pre-scan that needs no
        second read of the file); the chunks are the bytes of the file only once the call returns.
    """
    fd, tmp = tempfile.mkstemp(prefix="crmflow-", suffix=suffix, dir=directory)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            open_decompressed(path, max_bytes=max_bytes, max_ratio=max_ratio) as src,
        ):
            if observe is None:
                shutil.copyfileobj(src, out, _CHUNK)
            else:
                while chunk := src.read(4 * _CHUNK):
                    observe(chunk)
                    out.write(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


@contextmanager
def decompressed_copy(
    path: str | Path,
    *,
    max_bytes: int,
    max_ratio: int,
    suffix: str = "",
    observe: Callable[[bytes], None] | None = None,
) -> Iterator[Path]:
    """Context manager around :func:`decompress_to_temp` that deletes the copy afterwards."""
    tmp = decompress_to_temp(path, max_bytes=max_bytes, max_ratio=max_ratio, suffix=suffix, observe=observe)
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
    except (zipfile.BadZipFile, NotImplementedError):
        return  # not a bomb, just broken: the reader says it cannot open the file
    limit, why = decompression_limit(p, max_bytes=max_bytes, max_ratio=max_ratio)
    if declared > limit:
        raise error(
            UnsafeInputError, ERRORS, "safety.parts_would_inflate_bytes", name=p.name, declared=declared, why=why, limit=limit
        )


def is_gzip(path: str | Path) -> bool:
    """Whether the file starts with the gzip magic bytes (whatever its name says)."""
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


__all__ = [
    "IN_MEMORY_BYTES",
    "MAX_PROLOG_BYTES",
    "RATIO_FLOOR_BYTES",
    "SAFE_ITERPARSE_OPTIONS",
    "ScratchFile",
    "check_xml_prolog",
    "decompress_into",
    "decompress_to_temp",
    "decompressed_copy",
    "decompression_limit",
    "is_gzip",
    "open_decompressed",
    "safe_xml_parser",
]
