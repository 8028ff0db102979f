"""What is known of an XES file before and beside r4pm's parse, from one read of its bytes.

:func:`one_pass` reads the file once (inflating a ``.xes.gz`` under the bomb guards) into r4pm's copy
(:class:`FastCopy`: the header's ``<global>`` defaults blanked, in a :class:`~crmflow.ingest.safety.ScratchFile`);
:class:`TagCounts` counts the tags that send a file to the careful lxml path in threads while r4pm parses
(Arrow's regex kernels release the GIL); :func:`prescan` turns the counts into the pre-scan the reader trusts
r4pm's frame by; :class:`XesScan`/:func:`scan_xes` are the plain scan of a whole file.
"""

from __future__ import annotations

import array
import io
import mmap
import os
import re
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from crmflow.ingest.safety import (
    MAX_PROLOG_BYTES,
    ScratchFile,
    check_xml_prolog,
    decompress_into,
)

#: The tags the fast path counts, in one regular-expression pass (five ``bytes.count`` passes took 2.7x
#: as long on BPIC 2012). Counting the bare prefix may over-count a tag that merely starts alike (none
#: in XES); an over-count only sends the file to the careful lxml path. No tag contains ``<``, so two
#: matches never overlap and the matches of a stretch of bytes are those of any text around it that
#: lie wholly inside it (what the chunked scan relies on).
_TAG = re.compile(rb"<(event|list|container|global)")
#: A ``<global>`` element, self-closed or not (one literal prefix: the engine skips to each ``<global``, twice as fast).
_GLOBAL = re.compile(rb"<global\b(?:[^>]*?/>|.*?</global\s*>)", re.S)
#: How far the header (everything before the first ``<trace``) may reach for its globals to be blanked.
_HEADER_LIMIT = 64 * 1024 * 1024
_CHUNK = 4 * 1024 * 1024


class XesScan:
    """The pre-scan fed chunk by chunk: tag counts and the file's end, in one read of the bytes.

    :func:`scan_xes` feeds it from a file; :func:`read_xes_raw` feeds it from the decompression stream
    or the file's chunks on their way to r4pm's copy, so the bytes are read once.
    """

    def __init__(self) -> None:
        self._counts: Counter[bytes] = Counter()
        self._first_trace = -1
        self._overlap = b""
        self._offset = 0  # stream offset of the current buffer's first byte
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        buf = self._overlap + chunk
        # A tag cut at the chunk edge is found in the next round thanks to the overlap; tags wholly
        # inside the overlap were counted last round, so they are subtracted.
        self._counts.update(_TAG.findall(buf))
        if self._overlap:
            self._counts.subtract(_TAG.findall(self._overlap))
        if self._first_trace < 0:
            hit = buf.find(b"<trace")
            if hit >= 0:
                self._first_trace = self._offset + hit
        self._tail = chunk[-4096:] if len(chunk) >= 4096 else (self._tail + chunk)[-4096:]
        self._overlap = buf[-16:]
        self._offset += len(buf) - len(self._overlap)

    def result(self) -> dict[str, Any]:
        """See :func:`scan_xes`."""
        tail = re.sub(rb"<!--.*?-->", b"", self._tail, flags=re.S).rstrip()
        return {
            "events": self._counts[b"event"],
            "lists": self._counts[b"list"] + self._counts[b"container"],
            "globals": self._counts[b"global"],
            "first_trace": self._first_trace,
            "complete": tail.endswith(b"</log>"),
        }


def scan_xes(path: str | Path) -> dict[str, Any]:
    """Count the tags the fast path cares about and check the file ends with ``</log>``.

    A byte scan in 4 MiB chunks: bounded memory, no parsing. Tags inside comments are counted
    too, which can only make the fast path look untrustworthy, never the reverse.

    Returns
    -------
    dict
        ``events``, ``lists`` (list/container attributes), ``globals``, ``first_trace`` (byte
        offset of the first ``<trace``, or -1) and ``complete`` (ends with ``</log>``).
    """
    scan = XesScan()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            scan.feed(chunk)
    return scan.result()


def _blank(match: re.Match[bytes]) -> bytes:
    return re.sub(rb"[^\n]", b" ", match.group(0))


class FastCopy:
    """The bytes r4pm reads, written in the same pass as the pre-scan: the header's ``<global>``s blanked.

    XES globals declare default values, and r4pm fills every missing attribute with them -- an event
    without ``time:timestamp`` would get the default date (often 1970-01-01) instead of staying empty for
    the quarantine. pm4py ignores the defaults too. The header (everything before the first ``<trace``)
    is held until it ends, its globals blanked with spaces (newlines kept: no offset or line moves), and
    the rest passes through. A decompressed log always needs the copy (``always``); a plain file only
    when its header has globals to blank -- otherwise r4pm reads the file itself and nothing is written.
    ``blanked`` is False when a ``<global`` would survive the blanking: r4pm is then not trusted.
    """

    def __init__(self, open_scratch: Callable[[], ScratchFile], *, always: bool) -> None:
        self._open = open_scratch
        self._always = always
        self._held = bytearray()
        self._in_header = True
        self.scratch: ScratchFile | None = None
        self.header_globals = 0  # ``<global`` tags before the first ``<trace``
        self.blanked = False  # what r4pm reads has its header's globals blanked
        self._original_header = b""
        self._removed: Counter[bytes] = Counter()  # the counted tags inside the blanked globals
        self._restored = False

    @property
    def settled(self) -> bool:
        """The header has ended: from here on the bytes only pass through (when there is a copy at all)."""
        return not self._in_header

    def feed(self, chunk: bytes) -> None:
        if not self._in_header:
            if self.scratch is not None:
                self.scratch.write(chunk)
            return
        if not self._held and (end := chunk.find(b"<trace")) >= 0:
            self._end_header(chunk, end)  # the usual case: the header ends in the first chunk (no copy of it)
            return
        start = max(0, len(self._held) - len(b"<trace") + 1)
        self._held += chunk
        end = self._held.find(b"<trace", start)
        if end >= 0:
            self._end_header(bytes(self._held), end)
        elif len(self._held) > _HEADER_LIMIT:
            self._end_header(bytes(self._held), -1)  # too long a header: no blanking (r4pm is not trusted with globals)

    def finish(self) -> None:
        """The stream ended: a log without any trace is all header."""
        if self._in_header:
            self._end_header(bytes(self._held), len(self._held))

    def _end_header(self, held: bytes, end: int) -> None:
        self._in_header = False
        self._held = bytearray()
        header = held[:end] if end >= 0 else b""
        self.header_globals = header.count(b"<global")
        blanked = _GLOBAL.sub(self._blank_counted, header) if self.header_globals else header
        self.blanked = bool(self.header_globals) and b"<global" not in blanked
        if not (self.blanked or self._always):
            return
        self.scratch = self._open()
        if self.blanked:
            self._original_header = header
            self.scratch.write(blanked)
            self.scratch.write(memoryview(held)[len(header) :])
        else:
            self.scratch.write(held)

    def _blank_counted(self, match: re.Match[bytes]) -> bytes:
        self._removed.update(_TAG.findall(match.group(0)))
        return _blank(match)

    def blanked_tags(self) -> Counter[bytes]:
        """The counted tags the blanking took out of the header: the log's own counts less those of r4pm's copy."""
        return Counter(self._removed) if self.blanked else Counter()

    def restore(self) -> None:
        """Put the header back as it was, for the lxml path (which must read the file's own bytes)."""
        if self.scratch is not None and self.blanked and not self._restored:
            self.scratch.write_at(0, self._original_header)
            self._restored = True


class TagCounts:
    """The pre-scan's counts over a whole file, made by Arrow's RE2 kernels on the other core while r4pm parses.

    r4pm holds the GIL for its whole parse (a Python loop in another thread barely moves), so a Python
    scan cannot overlap it; an Arrow kernel releases the GIL. The file is mapped (no copy) as one binary
    value, and two threads -- ``<event`` and the rare tags, one kernel call each, since a thread needs
    the GIL back between calls -- are started just before r4pm and joined after it: on BPIC 2012 the
    0.1 s of counting is then hidden behind r4pm's 0.9 s. The patterns count what :class:`XesScan`
    counts (the bare prefixes); ``rare`` is lists, containers and globals together.
    """

    _PATTERNS = {"events": "<event", "rare": "<(?:list|container|global)"}

    def __init__(self, path: Path) -> None:
        self._counts: dict[str, int] = {}
        self._errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._fd = os.open(path, os.O_RDONLY)
        size = os.fstat(self._fd).st_size
        self._map = mmap.mmap(self._fd, size, access=mmap.ACCESS_READ) if size else None
        data = pa.py_buffer(self._map) if self._map is not None else pa.py_buffer(b"")
        offsets = pa.py_buffer(array.array("q", [0, size]).tobytes())
        self._value: pa.Array | None = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, data])

    def start(self) -> TagCounts:
        for key, pattern in self._PATTERNS.items():
            entered = threading.Event()
            thread = threading.Thread(target=self._count, args=(key, pattern, entered), daemon=True)
            self._threads.append(thread)
            thread.start()
            entered.wait()  # the thread holds the GIL until the kernel releases it: then r4pm may take it
        return self

    def _count(self, key: str, pattern: str, entered: threading.Event) -> None:
        try:
            entered.set()
            self._counts[key] = int(pc.count_substring_regex(self._value, pattern=pattern)[0].as_py())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._errors.append(exc)

    def result(self) -> dict[str, int]:
        self.close()
        if self._errors:
            raise self._errors[0]
        return dict(self._counts)

    def close(self) -> None:
        for thread in self._threads:
            thread.join()
        self._value = None  # the last reference to the mapped buffer: the map may close
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def one_pass(path: Path, label: str, copy: FastCopy, *, gz: bool, max_bytes: int, max_ratio: int) -> bytes:
    """Read the bytes once for r4pm's copy: inflate them (under the bomb guards), blank the header's globals.

    A plain file is read only up to the end of its header unless a copy is needed. A ``.gz`` log's prolog
    is checked on its first decompressed bytes -- the log's own, not the copy's -- once the stream has
    passed the bomb guards, before any parser opens the copy (a plain file's was checked before). Returns
    the last 4 KiB of the log's own bytes (to see that it ends with ``</log>``).
    """
    head = bytearray()
    tail = b""

    def feed(chunk: bytes) -> None:
        nonlocal tail
        if len(head) < MAX_PROLOG_BYTES:
            head.extend(chunk[: MAX_PROLOG_BYTES - len(head)])
        tail = chunk[-4096:] if len(chunk) >= 4096 else (tail + chunk)[-4096:]
        copy.feed(chunk)

    if gz:
        decompress_into(path, feed, max_bytes=max_bytes, max_ratio=max_ratio, chunk=_CHUNK)
        check_xml_prolog(io.BytesIO(bytes(head)), name=label)
    else:
        with open(path, "rb") as fh:
            while (not copy.settled or copy.scratch is not None) and (chunk := fh.read(_CHUNK)):
                feed(chunk)
            size = os.fstat(fh.fileno()).st_size
            tail = os.pread(fh.fileno(), 4096, max(0, size - 4096))
    copy.finish()
    return tail


def prescan(fast: Path, counts: dict[str, int], tail: bytes, copy: FastCopy, original: Path) -> dict[str, Any]:
    """The pre-scan of the log's own bytes from the counts over ``fast`` (which may have a blanked header).

    The tags the blanking took out of the header are added back. When the rare tags are not just the
    header's globals (the file will leave the fast path), the exact split -- lists or globals -- comes from
    a full :class:`XesScan` of the original bytes, for the reason's words.
    """
    events, rare = counts["events"], counts["rare"]
    if copy.blanked:
        removed = copy.blanked_tags()
        events += removed[b"event"]
        rare += removed[b"list"] + removed[b"container"] + removed[b"global"]
    complete = re.sub(rb"<!--.*?-->", b"", tail, flags=re.S).rstrip().endswith(b"</log>")
    if rare == copy.header_globals:  # no list or container, no global outside the header
        return {"events": events, "lists": 0, "globals": copy.header_globals, "complete": complete}
    copy.restore()
    exact = scan_xes(original)
    return {**exact, "complete": complete}


__all__ = ["FastCopy", "TagCounts", "XesScan", "one_pass", "prescan", "scan_xes"]
