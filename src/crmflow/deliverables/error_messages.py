"""The deliverables error messages in English and Russian (worded when shown: :func:`crmflow.i18n.error`)."""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "audit_input.expected_keys_missing_write": {
        "en": "{file}: expected the keys {value} (missing {value2}); write it again with crmflow",
        "ru": "{file}: ожидались ключи {value} (нет {value2}); запишите файл заново с помощью crmflow",
    },
    "audit_input.cannot_read_json": {
        "en": "{file}: cannot read it as JSON ({exc})",
        "ru": "{file}: не читается как JSON ({exc})",
    },
    "audit_input.no_there": {
        "en": "{value}: no {name} there",
        "ru": "{value}: там нет {name}",
    },
    "document.table_row_has_cells": {
        "en": "table {value!r}: row {i} has {n_row} cells, the header has {n_header}",
        "ru": "таблица {value!r}: в строке {i} ячеек: {n_row}, а в заголовке: {n_header}",
    },
    "document.sheet_row_has_cells": {
        "en": "sheet {name!r}: row {i} has {n_row} cells, the header has {n_header}",
        "ru": "лист {name!r}: в строке {i} ячеек: {n_row}, а в заголовке: {n_header}",
    },
    "docx.docx_image_does_not": {
        "en": "DOCX: the image {png} does not exist (render the diagram first)",
        "ru": "DOCX: изображения {png} нет (сначала постройте диаграмму)",
    },
    "docx.docx_unknown_block": {
        "en": "DOCX: unknown block {kind}",
        "ru": "DOCX: неизвестный блок {kind}",
    },
    "economics.not_simulation_json_crmflow": {
        "en": "{p}: not a simulation.json of `crmflow simulate` (no `results`)",
        "ru": "{p}: это не simulation.json команды `crmflow simulate` (нет `results`)",
    },
    "economics.simulation_s_notes_are": {
        "en": (
            "the simulation's notes are written in {written_in!r} only (no `note_keys`); run `crmflow simulate` again to put "
            "them into a {asked!r} pack"
        ),
        "ru": (
            "примечания симуляции записаны только на языке {written_in!r} (нет `note_keys`); запустите `crmflow simulate` "
            "снова, чтобы включить их в пакет на языке {asked!r}"
        ),
    },
    "economics.cannot_read_simulation_write": {
        "en": "cannot read the simulation {p}: {value} (write it with `crmflow simulate ... --out DIR`)",
        "ru": "не удалось прочитать симуляцию {p}: {value} (запишите её командой `crmflow simulate ... --out DIR`)",
    },
    "economics.not_json_line_column": {
        "en": "{p}: not JSON at line {lineno}, column {colno}",
        "ru": "{p}: не JSON в строке {lineno}, позиция {colno}",
    },
    "economics.write_again_crmflow_simulate": {
        "en": "{exc} (write it again with `crmflow simulate ... --out DIR`)",
        "ru": "{exc} (запишите файл заново командой `crmflow simulate ... --out DIR`)",
    },
    "pdf.pdf_unknown_block": {
        "en": "PDF: unknown block {kind}",
        "ru": "PDF: неизвестный блок {kind}",
    },
    "pdf.pdf_typst_returned_no": {
        "en": "PDF {name}: Typst returned no document",
        "ru": "PDF {name}: Typst не вернул документ",
    },
    "pdf.pdf_typst_could_not": {
        "en": "PDF {name}: Typst could not typeset the document: {exc}",
        "ru": "PDF {name}: Typst не смог сверстать документ: {exc}",
    },
    "pdf.pdf_image_outside_pack": {
        "en": "PDF: the image {png} is outside the pack folder {root}",
        "ru": "PDF: изображение {png} лежит вне папки пакета {root}",
    },
}
