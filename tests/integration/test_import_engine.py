"""The import engine (cospiral.core.imports) on the regression corpus of issue 14
(tests/data/import_corpus/): every bad file is refused whole with a located, translated
error and never an exception; the bombs are made at test time and refused early."""

from __future__ import annotations

import io
import math
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from cospiral.core.imports import Limits, Schema, read
from cospiral.core.tabular import TableRejected, read_table
from cospiral.domain import plan_table
from cospiral.domain import survey as rules

CORPUS = Path(__file__).resolve().parents[1] / "data" / "import_corpus"
sys.path.insert(0, str(CORPUS))
from generate import sheet_bomb, sparse_bomb  # noqa: E402

CARDS = Schema.of(["group", "question", "text"], aliases={"group": ["groupe"], "text": ["texte"]})


def refuse(name_or_data, filename=None, **limits):
    data = (CORPUS / name_or_data).read_bytes() if isinstance(name_or_data, str) else name_or_data
    with pytest.raises(TableRejected) as exc:
        read(data, filename or name_or_data, CARDS, limits=Limits.from_settings(**limits))
    assert exc.value.errors
    return exc.value.errors


@pytest.mark.parametrize(("name", "line", "words"), [
    ("unclosed_quote.csv", 2, "never closed"),
    ("quote_mid_cell.csv", 2, "middle of a cell"),
    ("ragged_short.csv", 2, "2 cells but the header has 3"),
    ("ragged_long.csv", 2, "4 cells but the header has 3"),
    ("nul.csv", 2, "NUL"),
    ("header_only.csv", None, "no data lines"),
    ("empty.csv", None, "the file is empty"),
    ("blank_lines.csv", None, "the file is empty"),
    ("binary.csv", None, "encoding"),
    ("formula_without_value.xlsx", 2, "formula without a computed value"),
    ("data_on_second_sheet.xlsx", None, "“Cartes”"),
    ("malformed_sheet_xml.xlsx", None, "damaged"),
    ("truncated.xlsx", None, "not a readable Excel workbook"),
    ("password_protected.xlsx", None, "protected by a password"),
])
def test_corpus_file_is_refused_with_a_located_error(name, line, words):
    errors = refuse(name)
    assert errors[0].file == name and errors[0].line == line
    assert words in errors[0].message, errors[0].message


def test_errors_are_translated():
    with translation.override("fr"):
        errors = refuse("unclosed_quote.csv")
        assert "n’est jamais fermé" in errors[0].message
        assert "ligne 2" in str(errors[0])
        assert "feuille «\u00a0Aide\u00a0»" in str(refuse("data_on_second_sheet.xlsx")[0])


def test_header_only_and_empty_read_the_same_everywhere():
    for data, name in ((b"", "e.csv"), (b"group,question,text\r\n", "h.csv")):
        first = refuse(data, name)[0].message
        assert refuse(data, name.replace(".csv", ".txt"))[0].message == first
    wb = Workbook()
    wb.active.append(["group", "question", "text"])
    out = io.BytesIO()
    wb.save(out)
    assert "no data lines" in refuse(out.getvalue(), "h.xlsx")[0].message


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [
    ("french_excel.csv", "Windows-1252", "semicolon"),
    ("utf16_tab.csv", "UTF-16", "tab"),
])
def test_corpus_file_is_read_and_says_how(name, encoding, delimiter):
    table = read((CORPUS / name).read_bytes(), name, CARDS)
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.rows[0].values["text"].startswith(("Un café", "café"))
    assert encoding in table.described()


def test_a_sheet_chosen_by_name_is_read():
    table = read_table((CORPUS / "data_on_second_sheet.xlsx").read_bytes(), "s.xlsx",
                       required=["group", "question", "text"], sheet="cartes")
    assert table.sheet == "Cartes" and table.rows[0].line == 2


def test_the_three_million_row_sheet_bomb_is_refused_early():
    data = sheet_bomb()
    started = time.perf_counter()
    errors = refuse(data, "bomb.xlsx")
    assert "COSPIRAL_IMPORT_MAX_ROWS" in errors[0].message and errors[0].sheet == "Sheet1"
    assert time.perf_counter() - started < 60  # the benchmark measures it: about 1 s


def test_a_far_cell_is_refused_before_calamine_allocates_its_rectangle():
    assert "COSPIRAL_IMPORT_MAX_ROWS" in refuse(sparse_bomb(), "sparse.xlsx")[0].message


@pytest.mark.parametrize(("limit", "value", "setting"), [
    ("max_rows", 2, "COSPIRAL_IMPORT_MAX_ROWS"),
    ("max_columns", 2, "COSPIRAL_IMPORT_MAX_COLUMNS"),
    ("max_cell_chars", 3, "COSPIRAL_IMPORT_MAX_CELL_CHARS"),
    ("max_bytes", 10, "COSPIRAL_MAX_UPLOAD_BYTES"),
    ("max_seconds", -1, "COSPIRAL_IMPORT_MAX_SECONDS"),
])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_limit_is_refused_naming_its_setting(limit, value, setting, kind):
    lines = [["group", "question", "text"]] + [["Jeunes", "Q1", f"idée {n}"] for n in range(5000)]
    if kind == "csv":
        data = "\n".join(",".join(cells) for cells in lines).encode()
    else:
        wb = Workbook()
        for cells in lines:
            wb.active.append(cells)
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    errors = refuse(data, f"big.{kind}", **{limit: value})
    assert any(setting in e.message for e in errors), errors[0].message


def test_an_unzipped_size_over_the_limit_is_refused_before_reading():
    data = (CORPUS / "good.xlsx").read_bytes()
    assert "COSPIRAL_IMPORT_MAX_UNCOMPRESSED_BYTES" in refuse(
        data, "g.xlsx", max_uncompressed=1000)[0].message


def test_a_zip_entry_in_an_unknown_compression_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert "not a readable Excel workbook" in refuse(out.getvalue(), "b.xlsx")[0].message


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999", "NaN", float("inf"),
                                   float("nan"), "1" + "0" * 400])
def test_levels_that_are_no_numbers_are_refused(value):
    with pytest.raises(rules.AnswerError):
        rules.parse_level(value)


def test_whole_numbers_of_310_digits_are_refused_not_overflowing():
    for text in ["1" + "0" * 310 + ".0", "9" * 400, "9" * 5000]:
        with pytest.raises(plan_table.CellError):
            plan_table.whole(text, low=0, high=100)
    assert plan_table.whole("40,0") == 40 and plan_table.whole("007") == 7
    assert not math.isnan(plan_table.whole("3.00"))


def test_the_survey_importer_refuses_inf_nan_and_1e999_at_their_cells(world, make_wave):
    from cospiral.surveys.imports import import_responses

    made = make_wave(world.alpha, indicators=3, profile_questions=())
    text = (CORPUS / "levels_inf_nan.csv").read_text()
    for n, indicator in enumerate(made.indicators, start=1):
        text = text.replace(f"I{n}", indicator.code, 1)
    with pytest.raises(TableRejected) as exc:
        import_responses(made.wave, text.encode(), "levels.csv",
                         user=world.alpha.users["coordinator"])
    assert {(e.line, e.column) for e in exc.value.errors} == {
        (2, i.code) for i in made.indicators}


def test_the_plan_importer_refuses_310_digit_numbers_at_their_cells(world):
    from cospiral.actions import tabular

    with pytest.raises(TableRejected) as exc:
        tabular.import_file(world.alpha.territory, "actions",
                            (CORPUS / "huge_number.csv").read_bytes(), "huge.csv",
                            user=world.alpha.users["coordinator"])
    assert {(e.line, e.column) for e in exc.value.errors} == {(2, "id"), (3, "progress")}
