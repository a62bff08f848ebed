import io

import pytest
from openpyxl import Workbook

from cospiral.core.tabular import TableRejected, read_table


def read(data, name="cards.csv", **kw):
    kw.setdefault("required", ["group", "text"])
    kw.setdefault("optional", ["ref"])
    return read_table(data, name, **kw)


def test_reads_csv_with_semicolons_bom_and_skips_empty_lines():
    rows = read("\ufeffGroup;Text\n\nJeunes;« la santé »\n;;\n".encode())
    assert [(r.line, r.values) for r in rows] == [(3, {"group": "Jeunes", "text": "« la santé »"})]


def test_multiline_cell_reports_its_first_line():
    rows = read(b'group,text\nA,"two\nlines"\nB,x\n')
    assert [r.line for r in rows] == [2, 4]


def test_windows_1252_is_read_and_named():
    rows = read("group;text\r\nJeunes;« santé » à 2,5 km\r\n".encode("cp1252"))
    assert rows[0].values == {"group": "Jeunes", "text": "« santé » à 2,5 km"}
    assert (rows.encoding, rows.delimiter) == ("Windows-1252", "semicolon")


def test_a_file_that_is_no_text_is_refused():
    with pytest.raises(TableRejected) as exc:
        read(bytes(range(256)) * 4)
    assert "encoding" in exc.value.errors[0].message or "NUL" in exc.value.errors[0].message


def test_missing_unknown_and_duplicate_columns_are_all_reported():
    with pytest.raises(TableRejected) as exc:
        read(b"group,colour,colour\nx,y,z\n")
    found = {(e.column, e.line) for e in exc.value.errors}
    assert found == {("colour", 1), ("text", 1)}
    assert len(exc.value.errors) == 3


def test_extra_cells_and_long_cells():
    with pytest.raises(TableRejected) as exc:
        read(("group,text\nA,b,c\nB," + "x" * 10_001 + "\n").encode())
    assert [(e.line, e.column) for e in exc.value.errors] == [(2, None), (3, "text")]


def test_size_limit_and_empty_file():
    with pytest.raises(TableRejected, match="limit"):
        read(b"group,text\n" + b"a,b\n" * 100, max_bytes=50)
    with pytest.raises(TableRejected, match="empty"):
        read(b"  \n")


def test_xlsx_and_broken_xlsx():
    wb = Workbook()
    ws = wb.active
    ws.append(["group", "text", "ref"])
    ws.append(["Jeunes", "le sport", 12])
    buf = io.BytesIO()
    wb.save(buf)
    rows = read(buf.getvalue(), "cards.xlsx")
    assert rows[0].line == 2 and rows[0].values == {"group": "Jeunes", "text": "le sport", "ref": "12"}
    with pytest.raises(TableRejected, match="Excel"):
        read(b"PK\x03\x04garbage", "cards.xlsx")
