"""CSV/TSV reading: encodings, dialects, and malformed lines in the quarantine with their numbers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from crmflow.errors import InputError
from crmflow.ingest.csv import read_csv_raw, sniff_dialect
from crmflow.ingest.encoding import detect_encoding, ensure_utf8
from crmflow.settings import Settings
from crmflow.sources.reader import read_log
from crmflow.store.store import EventStore
from tests.conftest import real

B24_ROWS = [
    "ID;Тип;ID сделки;Воронка;Стадия;Группа стадии;Дата",
    "1;Создание;101;Общая;Новая;В работе;01.03.2024 10:00",
    "2;Переход;101;Общая;Подготовка документов;В работе;02.03.2024 11:30",
    "3;Создание;102;Общая;Новая;В работе;31.02.2024 10:00",  # no 31 February
    "4;Переход;;Общая;Счёт;В работе;03.03.2024 09:00",  # no deal id
    "5;Переход;101;Общая;Сделка успешна;Успех;05.03.2024 18:45;лишнее",  # one field too many
    '6;Переход;102;Общая;"Проигрыш;Провал;06.03.2024 12:00',  # quote never closed
    "7;Переход;102;Общая;Проигрыш;Провал;07.03.2024 12:00",
    "8;Переход;103;Продажи;Новая;В работе;08.03.2024 08:00",
]


def _b24(tmp_path: Path, newline: str = "\r\n") -> Path:
    p = tmp_path / "stage_history.csv"
    p.write_bytes((newline.join(B24_ROWS) + newline).encode("cp1251"))
    return p


def _write(tmp_path: Path, text: str, name: str = "f.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_bitrix_stage_history_cp1251(tmp_path: Path, newline: str) -> None:
    store = EventStore()
    log = read_log(_b24(tmp_path, newline), store=store, timezone="Europe/Moscow")
    ing = log.ingestions()[0]
    assert (ing["rows_read"], ing["parsed"], ing["quarantined"]) == (8, 4, 4)
    assert ing["mapping"]["case_id"] == "ID сделки" and ing["mapping"]["activity"] == "Стадия"
    assert ing["mapping"]["info"]["encoding"] == "cp1251"
    events = store.rows(f'SELECT row_no, case_id, activity, ts, "Воронка" FROM {log.events_table} ORDER BY row_no')
    assert [(e["row_no"], e["case_id"], e["activity"]) for e in events] == [
        (1, "101", "Новая"),
        (2, "101", "Подготовка документов"),
        (7, "102", "Проигрыш"),
        (8, "103", "Новая"),
    ]
    assert events[0]["ts"].isoformat() == "2024-03-01T07:00:00+00:00"  # 10:00 Moscow
    assert events[3]["Воронка"] == "Продажи"
    q = {r["row_no"]: r for r in log.quarantine()}
    assert sorted(q) == [3, 4, 5, 6]
    assert q[3]["line"] == 4 and q[3]["column_name"] == "Дата" and q[3]["value"] == "31.02.2024 10:00"
    assert q[3]["reason"] == ("column `Дата` row 3: cannot read '31.02.2024 10:00' as a date (expected dd.mm.yyyy hh:mm)")
    assert q[4]["line"] == 5 and q[4]["column_name"] == "ID сделки" and "the case id is required" in q[4]["reason"]
    assert q[5]["line"] == 6 and "8 fields instead of 7" in q[5]["reason"] and q[5]["raw"].endswith("лишнее")
    assert q[6]["line"] == 7 and "never closed" in q[6]["reason"] and q[6]["raw"].startswith("6;Переход;102")


def test_reasons_in_russian(tmp_path: Path) -> None:
    store = EventStore(settings=Settings(lang="ru"))
    log = read_log(_b24(tmp_path), store=store)
    reasons = {r["row_no"]: r["reason"] for r in log.quarantine()}
    assert reasons[3].startswith("столбец `Дата` строка 3: не удаётся прочитать '31.02.2024 10:00'")
    assert reasons[5].startswith("строка 6: 8 полей вместо 7")


@pytest.mark.parametrize("delim", [";", ",", "\t", "|"])
def test_delimiters(tmp_path: Path, delim: str) -> None:
    rows = [
        ["case", "activity", "timestamp", "comment"],
        ["1", "A", "2024-03-01 10:00", '"x, y; z | w"'],
        ["1", "B", "2024-03-01 11:00", ""],
    ]
    p = _write(tmp_path, "\n".join(delim.join(r) for r in rows) + "\n", "f.tsv" if delim == "\t" else "f.csv")
    store = EventStore()
    raw = read_csv_raw(store, p, log_name="log")
    assert raw.info["delimiter"] == delim and raw.rows_read == 2 and raw.quarantined == 0
    assert raw.format == ("tsv" if delim == "\t" else "csv")
    assert store.sql(f"SELECT comment FROM {raw.table} WHERE row_no = 1").fetchall() == [("x, y; z | w",)]


def test_explicit_delimiter_and_sep_line(tmp_path: Path) -> None:
    assert sniff_dialect("a;b,c\n1;2,3\n", delimiter=",").header == ["a;b", "c"]
    p = _write(tmp_path, "sep=;\r\nID;Стадия;Дата\r\n1;A;01.03.2024\r\n")
    store = EventStore()
    raw = read_csv_raw(store, p, log_name="log")
    assert raw.info["header_line"] == 2
    assert store.rows(f"SELECT * FROM {raw.table}") == [{"row_no": 1, "line": 3, "ID": "1", "Стадия": "A", "Дата": "01.03.2024"}]


def test_header_names_cleaned(tmp_path: Path) -> None:
    d = sniff_dialect("\ufeffID; ;ID;id;row_no;line\n1;2;3;4;5;6\n")
    assert d.header == ["ID", "column_2", "ID_2", "id_3", "row_no_src", "line_src"]


def test_encodings(tmp_path: Path) -> None:
    text = "ID сделки;Стадия;Дата\n1;Новая сделка в работе;01.03.2024\n"
    assert detect_encoding(text.encode("cp1251")) == "cp1251"
    assert detect_encoding(text.encode("koi8_r")) == "koi8_r"
    assert detect_encoding(text.encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding(text.encode("utf-16")) == "utf-16"
    for enc in ("utf-8", "utf-8-sig", "cp1251", "utf-16", "koi8_r"):
        store = EventStore()
        raw = read_csv_raw(store, _write(tmp_path, text, f"{enc}.csv", enc), log_name="log")
        assert store.rows(f'SELECT "ID сделки", "Стадия" FROM {raw.table}') == [
            {"ID сделки": "1", "Стадия": "Новая сделка в работе"}
        ], enc


def test_transcoding_is_streamed_and_cleaned_up(tmp_path: Path) -> None:
    p = _write(tmp_path, "a;b\n" + "Привет;мир\n" * 1000, encoding="cp1251")
    u = ensure_utf8(p)
    assert u.transcoded and u.encoding == "cp1251"
    assert u.path.read_text(encoding="utf-8").count("Привет") == 1000
    u.cleanup()
    assert not u.path.exists()


def test_invalid_utf8_line_is_quarantined(tmp_path: Path) -> None:
    good = "case;activity;ts\n" + "".join(f"{i};Шаг;2024-03-01 10:00\n" for i in range(1, 40))
    p = tmp_path / "f.csv"
    p.write_bytes(good.encode() + b"40;\xff\xfe;2024-03-01 10:00\n41;B;2024-03-01 10:00\n")
    store = EventStore()
    raw = read_csv_raw(store, p, log_name="log")
    assert (raw.rows_read, raw.quarantined, raw.info["encoding"]) == (41, 1, "utf-8")
    q = store.rows("SELECT row_no, line, reason FROM quarantine")
    assert q == [{"row_no": 40, "line": 41, "reason": "line 41: bytes that are not valid utf-8 text"}]


def test_overlong_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "a,b\n1,x\n2," + "y" * 500 + "\n3,z\n")
    store = EventStore(settings=Settings(max_line_bytes=100))
    raw = read_csv_raw(store, p, log_name="log")
    assert (raw.rows_read, raw.quarantined) == (3, 1)
    (q,) = store.rows("SELECT row_no, line, reason FROM quarantine")
    assert (q["row_no"], q["line"]) == (2, 3) and "100 bytes" in q["reason"]


def test_blank_lines_keep_numbers_exact(tmp_path: Path) -> None:
    p = _write(tmp_path, "a,b\n1,x\n\n2,y\n3,z,extra\n\r\n4,w\n\n")
    store = EventStore()
    raw = read_csv_raw(store, p, log_name="log")
    assert raw.info["lines_exact"] and (raw.rows_read, raw.quarantined) == (4, 1)
    assert store.sql(f"SELECT row_no, line, a FROM {raw.table} ORDER BY row_no").fetchall() == [
        (1, 2, "1"),
        (3, 4, "2"),
        (6, 7, "4"),
    ]
    assert store.sql("SELECT row_no, line FROM quarantine").fetchall() == [(4, 5)]


def test_multiline_values(tmp_path: Path) -> None:
    p = _write(tmp_path, 'a,b\n1,"two\nlines"\n2,x,extra\n3,"q ""quoted"""\n')
    store = EventStore()
    raw = read_csv_raw(store, p, log_name="log")
    # rows are numbered as a spreadsheet numbers them (a multi-line record is one row); lines are physical
    assert raw.info["lines_exact"] and (raw.rows_read, raw.quarantined) == (3, 1)
    assert store.sql(f"SELECT row_no, line, b FROM {raw.table} ORDER BY row_no").fetchall() == [
        (1, 2, "two\nlines"),
        (3, 5, 'q "quoted"'),
    ]
    assert store.sql("SELECT row_no, line FROM quarantine").fetchall() == [(2, 4)]


def test_unterminated_quotes_do_not_swallow_the_rest(tmp_path: Path) -> None:
    lines = ["a,b,c"] + [f"{i},v{i},w" for i in range(1, 11)]
    lines[3] = '3,"open,w'
    lines[7] = '7,"open again,w'
    p = _write(tmp_path, "\n".join(lines) + "\n")
    store = EventStore()
    raw = read_csv_raw(store, p, log_name="log")
    assert (raw.rows_read, raw.quarantined) == (10, 2)
    assert [r[0] for r in store.sql(f"SELECT row_no FROM {raw.table} ORDER BY 1").fetchall()] == [1, 2, 4, 5, 6, 8, 9, 10]
    assert store.sql("SELECT row_no, line, raw FROM quarantine ORDER BY 1").fetchall() == [
        (3, 4, '3,"open,w'),
        (7, 8, '7,"open again,w'),
    ]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_csv_raw(EventStore(), _write(tmp_path, ""), log_name="log")


def test_header_only(tmp_path: Path) -> None:
    store = EventStore()
    raw = read_csv_raw(store, _write(tmp_path, "a;b;c\n"), log_name="log")
    assert (raw.rows_read, raw.quarantined) == (0, 0)
    assert store.columns(raw.table) == ["row_no", "line", "a", "b", "c"]


def test_volvo_closed_problems() -> None:
    store = EventStore()
    raw = read_csv_raw(store, real("bpic2013-volvo-itsm/BPI_Challenge_2013_closed_problems.csv"), log_name="log")
    assert (raw.rows_read, raw.quarantined, raw.info["delimiter"], raw.info["encoding"]) == (6660, 0, ",", "utf-8")
    first = store.rows(f'SELECT row_no, line, "Case ID", "Activity" FROM {raw.table} WHERE row_no = 1')
    assert first == [{"row_no": 1, "line": 2, "Case ID": "1-109135791", "Activity": "Queued-Awaiting Assignment"}]


@pytest.mark.parametrize(("seed", "stage"), [(0, "Invalid Input Error"), (5, "no header line could be split")])
def test_binary_file_named_csv_is_a_clear_input_error(tmp_path: Path, seed: int, stage: str) -> None:
    # Regression: a binary file named .csv ended in a traceback instead of an InputError — from DuckDB's parser
    # (the retry after the line-end repair was not guarded; seed 0) or from Python's csv module while the
    # header was sniffed (stray CR bytes; seed 5).
    junk = tmp_path / "export.csv"
    junk.write_bytes(random.Random(seed).randbytes(3000))
    with pytest.raises(InputError, match=r"export\.csv: cannot be read as CSV \(.*\); expected a text export") as info:
        read_csv_raw(EventStore(), junk, log_name="log")
    assert stage in str(info.value)
    assert "crmflow-lf-" not in str(info.value) and "\n" not in str(info.value)
