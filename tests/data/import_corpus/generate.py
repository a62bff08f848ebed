"""Files of the import regression corpus that are too large to commit, made at test time.

``sheet_bomb()``: a small .xlsx (about 1.7 MB) whose only sheet unzips into 3 million
rows (issue 14: it was still parsing after 180 s at 419 MB). ``sparse_bomb()``: a
tiny .xlsx with one cell at A1 and one at row 1,048,576 (a reader that allocates the
sheet's whole rectangle would need gigabytes). Both are written in a streaming way, so
making them takes little memory."""

from __future__ import annotations

import io
import zipfile

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '</Relationships>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetData>')
SHEET_END = "</sheetData></worksheet>"


def _workbook(write_sheet) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START.encode())
            write_sheet(sheet)
            sheet.write(SHEET_END.encode())
    return out.getvalue()


def sheet_bomb(rows: int = 3_000_000) -> bytes:
    def write(sheet):
        sheet.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>group</t></is></c>'
                    b'<c r="B1" t="inlineStr"><is><t>question</t></is></c>'
                    b'<c r="C1" t="inlineStr"><is><t>text</t></is></c></row>')
        # Rows without a reference are numbered by their place: identical rows, which
        # deflate about a thousand to one.
        row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
        left = rows - 1
        while left:
            count = min(left, 10_000)
            sheet.write(row * count)
            left -= count
    return _workbook(write)


def sparse_bomb() -> bytes:
    def write(sheet):
        sheet.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>group</t></is></c></row>'
                    b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    return _workbook(write)
