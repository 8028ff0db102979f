"""Hostile inputs: entity expansion, external entities, decompression bombs."""

from __future__ import annotations

import gzip
import io
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from crmflow.errors import InputError, UnsafeInputError
from crmflow.ingest.safety import (
    MAX_PROLOG_BYTES,
    check_xml_prolog,
    decompress_to_temp,
    open_decompressed,
    safe_xml_parser,
)
from crmflow.ingest.xes import read_xes_raw
from crmflow.settings import Settings
from crmflow.store.store import EventStore

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE log [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<log><trace><string key="concept:name" value="&lol9;"/>
<event><string key="concept:name" value="&lol9;"/></event></trace></log>
"""

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<log><trace><event><string key="concept:name" value="&x;"/></event></trace></log>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE log SYSTEM "http://attacker.example/evil.dtd">
<log/>
"""


@pytest.fixture
def store() -> EventStore:
    return EventStore()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (BILLION_LAUGHS, "internal subset"),
        (XXE, "internal subset"),
        (EXTERNAL_DTD, "external identifier (SYSTEM)"),
        (b'<!DOCTYPE log PUBLIC "-//x//y" "http://x/y.dtd"><log/>', "external identifier (PUBLIC)"),
        (b'<?xml version="1.0"?><!-- c --><!ENTITY a "b"><log/>', "entity declaration"),
        ("\ufeff<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE l [<!ENTITY a 'b'>]><log/>".encode("utf-16"), "internal subset"),
    ],
)
def test_prolog_check_refuses_dtds_and_entities(tmp_path: Path, data: bytes, found: str) -> None:
    p = _write(tmp_path, "evil.xes", data)
    with pytest.raises(UnsafeInputError) as err:
        check_xml_prolog(p)
    assert "evil.xes" in str(err.value)
    assert found in str(err.value)


def test_prolog_check_accepts_ordinary_prologs(tmp_path: Path) -> None:
    check_xml_prolog(io.BytesIO(b'<?xml version="1.0" encoding="UTF-8" ?>\n<!-- OpenXES -->\n<log/>'))
    check_xml_prolog(io.BytesIO(b"<!DOCTYPE log>\n<log/>"))  # no subset, no identifier: harmless
    check_xml_prolog(io.BytesIO("<?xml version='1.0'?><log/>".encode("utf-16")))


def test_prolog_check_rewinds_a_stream() -> None:
    stream = io.BytesIO(b"<log/>")
    check_xml_prolog(stream)
    assert stream.read() == b"<log/>"


def test_prolog_that_never_reaches_the_root_is_refused() -> None:
    huge_comment = b"<!--" + b"x" * (MAX_PROLOG_BYTES + 10) + b"--><log/>"
    with pytest.raises(UnsafeInputError, match="no root element within"):
        check_xml_prolog(io.BytesIO(huge_comment), name="long.xes")


def test_non_xml_is_an_input_error_not_a_safety_error() -> None:
    with pytest.raises(InputError, match="not an XML document") as err:
        check_xml_prolog(io.BytesIO(b"case,activity\n1,a\n"), name="log.xes")
    assert not isinstance(err.value, UnsafeInputError)


@pytest.mark.parametrize("name,data", [("laughs.xes", BILLION_LAUGHS), ("xxe.xes", XXE)])
def test_xes_reader_refuses_hostile_files_cheaply(store: EventStore, tmp_path: Path, name: str, data: bytes) -> None:
    p = _write(tmp_path, name, data)
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeInputError, match=name):
            read_xes_raw(store, p, log_name="log")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_xes_reader_checks_the_prolog_inside_a_gzip(store: EventStore, tmp_path: Path) -> None:
    p = _write(tmp_path, "xxe.xes.gz", gzip.compress(XXE))
    with pytest.raises(UnsafeInputError, match="xxe.xes.gz"):
        read_xes_raw(store, p, log_name="log")


def test_safe_parser_neither_expands_nor_fetches_entities() -> None:
    # Defence in depth for readers that parse XML the prolog check did not see.
    xxe_text = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    assert b"root:" not in etree.tostring(etree.fromstring(xxe_text, safe_xml_parser()))
    with pytest.raises(etree.XMLSyntaxError, match="external entity"):
        etree.fromstring(XXE, safe_xml_parser())  # in an attribute value libxml2 refuses it outright
    tracemalloc.start()
    try:
        try:
            root = etree.fromstring(BILLION_LAUGHS, safe_xml_parser())
            size = len(etree.tostring(root))
        except etree.XMLSyntaxError:  # libxml2 may also refuse the amplification outright
            size = 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size < 100_000
    assert peak < 5 * 1024 * 1024


@pytest.fixture(scope="module")
def gzip_bomb() -> Path:
    """200 MB of zeros, gzip-compressed (about 200 KB), written in 1 MB steps."""
    directory = Path(tempfile.mkdtemp(prefix="crmflow-bomb-"))
    p = directory / "bomb.xes.gz"
    chunk = b"\0" * (1024 * 1024)
    with gzip.open(p, "wb", compresslevel=9) as fh:
        for _ in range(200):
            fh.write(chunk)
    yield p
    p.unlink()
    directory.rmdir()


def test_gzip_bomb_is_stopped_by_the_ratio_limit(gzip_bomb: Path) -> None:
    settings = Settings()
    tracemalloc.start()
    try:
        with (
            pytest.raises(UnsafeInputError, match="bomb.xes.gz.*decompression bomb"),
            open_decompressed(
                gzip_bomb, max_bytes=settings.max_decompressed_bytes, max_ratio=settings.max_compression_ratio
            ) as fh,
        ):
            while fh.read(1024 * 1024):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_gzip_bomb_is_refused_by_the_xes_reader_and_leaves_no_temp_file(
    gzip_bomb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with EventStore() as store, pytest.raises(UnsafeInputError, match="compressed size"):
        read_xes_raw(store, gzip_bomb, log_name="log")
    assert not list(tmp_path.glob("crmflow-*.xes"))


def test_absolute_limit_applies_to_genuine_files(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.gz", gzip.compress(bytes(range(256)) * 4000))  # ~1 MB, barely compressible
    with pytest.raises(UnsafeInputError, match="decompressed-size limit"):
        decompress_to_temp(p, max_bytes=100_000, max_ratio=1000)
    out = decompress_to_temp(p, max_bytes=2_000_000, max_ratio=1000)
    try:
        assert out.read_bytes() == bytes(range(256)) * 4000
    finally:
        out.unlink()


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    good = gzip.compress(b"<log/>" * 1000)
    p = _write(tmp_path, "cut.xes.gz", good[: len(good) // 2])
    with pytest.raises(InputError, match="cut.xes.gz"):
        decompress_to_temp(p, max_bytes=10**6, max_ratio=1000)
