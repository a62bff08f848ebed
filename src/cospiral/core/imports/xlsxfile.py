"""Reading an Excel workbook with python-calamine, bounded before memory grows.

Before calamine loads a sheet, its XML is streamed once out of the zip (never whole in
memory) to count its rows and find its widest cell reference, so a small file that
unzips into millions of rows (a "sheet bomb") is refused within the limits, and a cell
with a formula but no saved value is found and located. Old ``.xls`` workbooks are read
by calamine too; a workbook protected by a password is refused with what to do."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from cospiral.core.imports.errors import TableError, TableRejected, rejected
from cospiral.core.imports.limits import (
    Clock,
    Limits,
    too_large_unzipped,
    too_many_columns,
    too_many_rows,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
CHUNK = 1 << 20
_PREFIXED_ROW = re.compile(rb"<\w+:row[\s>]")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")


def _greater(text: str, alphabet: str) -> str:
    """A regular expression matching the words of ``alphabet`` that come after ``text``
    when longer words come after shorter ones (numbers, column letters)."""
    first = "1-9" if alphabet == "0123456789" else f"{alphabet[0]}-{alphabet[-1]}"
    every = f"{alphabet[0]}-{alphabet[-1]}"
    options = [f"[{first}][{every}]{{{len(text)},}}"]
    for place, char in enumerate(text):
        following = alphabet[alphabet.index(char) + 1:]
        if following:
            options.append(re.escape(text[:place]) + f"[{following[0]}-{following[-1]}]"
                           + f"[{every}]{{{len(text) - place - 1}}}")
    return "(?:" + "|".join(options) + ")"


def _patterns(limits: Limits):
    """``(far row, wide cell)``: a row number past the row limit (with 1,000 lines of
    blank rows allowed) and a cell reference past the column limit. Both are found with
    a literal prefix, so a sheet of normal rows is scanned at memory speed."""
    rows = str(limits.max_rows + 1_000)
    letters = column_letters(limits.max_columns - 1)
    far = re.compile(b'<(?:\\w+:)?row r="(' + _greater(rows, "0123456789").encode() + b')"')
    wide = re.compile(b'r="(' + _greater(letters, "ABCDEFGHIJKLMNOPQRSTUVWXYZ").encode()
                      + b')[0-9]')
    return far, wide


def column_letters(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _letters_width(letters: str) -> int:
    width = 0
    for char in letters:
        width = width * 26 + ord(char) - 64
    return width


@dataclass
class SheetScan:
    name: str
    path: str
    rows: int = 0
    formulas: bool = False


def _unreadable(filename: str) -> TableRejected:
    return rejected(filename, _("the file is not a readable Excel workbook (.xlsx)."))


def _check_ole(data: bytes, filename: str) -> None:
    """An OLE file is an old ``.xls`` (read by calamine) or an encrypted workbook."""
    if ENCRYPTED in data[:1 << 22] or ENCRYPTED in data[-(1 << 22):]:
        raise rejected(filename, _(
            "the workbook is protected by a password. Open it in Excel, remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password, leave it empty), save "
            "it and import it again."))


def _sheet_paths(archive: zipfile.ZipFile, filename: str) -> list[tuple[str, str]]:
    """``(sheet name, part path)`` in the workbook's order."""
    try:
        book = ElementTree.fromstring(_small_part(archive, "xl/workbook.xml", filename))
        rels = ElementTree.fromstring(_small_part(archive, "xl/_rels/workbook.xml.rels", filename))
    except (KeyError, ElementTree.ParseError) as exc:
        raise _unreadable(filename) from exc
    # By local names: "Strict Open XML" workbooks use other namespaces.
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter()
               if r.tag.rsplit("}", 1)[-1] == "Relationship"}
    sheets = []
    for sheet in book.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        sheets.append((sheet.get("name", ""), path))
    return sheets


def _small_part(archive: zipfile.ZipFile, name: str, filename: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > 20 * 1024 * 1024:
        raise _unreadable(filename)
    return archive.read(name)


def _check_entries(archive: zipfile.ZipFile, filename: str, limits: Limits) -> None:
    total = 0
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise rejected(filename, _(
                "the workbook is protected by a password. Open it in Excel, remove the "
                "password, save it and import it again."))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable(filename)
        total += info.file_size
    if total > limits.max_uncompressed:
        raise too_large_unzipped(filename, limits.max_uncompressed)


def _count_rows(window: bytes, head: int) -> int:
    """Row tags in ``window`` that end after its first ``head`` bytes (seen before)."""
    found = window.count(b"<row ") + window.count(b"<row>")
    found -= window[:head].count(b"<row ") + window[:head].count(b"<row>")
    if b":row" in window:  # a namespace prefix (<x:row>), as some libraries write
        found += sum(1 for m in _PREFIXED_ROW.finditer(window) if m.end() > head)
    return found


def _has_formula(window: bytes) -> bool:
    return (b"<f>" in window or b"<f " in window
            or (b":f" in window and _FORMULA_TAG.search(window) is not None))


def _scan_sheet(archive, scan: SheetScan, filename: str, limits: Limits, clock: Clock) -> None:
    """Stream the sheet's XML once: rows, highest row number, too wide, formulas."""
    tail = b""
    read = 0
    far, wide_ref = _patterns(limits)
    with archive.open(scan.path) as part:
        while chunk := part.read(CHUNK):
            read += len(chunk)
            if read > limits.max_uncompressed:
                raise too_large_unzipped(filename, limits.max_uncompressed)
            window = tail + chunk
            scan.rows += _count_rows(window, len(tail))
            # A far row number makes a reader allocate the whole rectangle up to it.
            if scan.rows > limits.max_rows + 1 or far.search(window):
                raise too_many_rows(filename, limits.max_rows, sheet=scan.name)
            wide = wide_ref.search(window)
            if wide:
                raise too_many_columns(filename, _letters_width(wide.group(1).decode()),
                                       limits.max_columns, sheet=scan.name)
            scan.formulas = scan.formulas or _has_formula(window)
            tail = chunk[-64:]
            clock.check()


def _formula_errors(archive, scan: SheetScan, filename: str) -> list[TableError]:
    """Cells with a formula and no saved value (a file written by a program that does not
    compute formulas): calamine would read them as empty."""
    xml = archive.read(scan.path)
    errors = []
    for match in _CELL.finditer(xml):
        inner = match.group(2) or b""
        if not _FORMULA_TAG.search(inner) or _VALUE.search(inner):
            continue
        ref = _REF.search(match.group(1))
        line = int(ref.group(2)) if ref else None
        column = ref.group(1).decode() if ref else None
        errors.append(TableError(filename, line, column, _(
            "this cell holds a formula without a computed value (the file was not saved by "
            "a spreadsheet that computes it). Open the file in Excel or LibreOffice, save it, "
            "and import it again; or type the value instead of the formula."), sheet=scan.name))
        if len(errors) >= 20:
            break
    return errors


def _cell_text(cell) -> str:
    if cell is None or cell == "":
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e16:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    if isinstance(cell, dt.timedelta):
        return str(cell)
    return str(cell)


def _load(data: bytes, filename: str, names: list[str], index: int):
    """The cells of sheet ``index`` by calamine, as text rows."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return book.get_sheet_by_index(index).to_python(skip_empty_area=False)
    except BaseException as exc:  # calamine's Rust panics are BaseExceptions
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise rejected(filename, _(
            "the sheet cannot be read: its content is damaged (%(reason)s). Open the file in "
            "Excel or LibreOffice, save it again as .xlsx and import it again.")
            % {"reason": str(exc)[:200] or type(exc).__name__},
            sheet=names[index] if index < len(names) else None) from exc


def _rows_of(cells, filename, sheet, limits: Limits, clock: Clock):
    rows = []
    for number, values in enumerate(cells, start=1):
        if len(values) > limits.max_columns:
            raise too_many_columns(filename, len(values), limits.max_columns, sheet=sheet)
        text = [v if type(v) is str else _cell_text(v) for v in values]
        if any(t.strip() for t in text):
            rows.append((number, text))
        if number % 5000 == 0:
            clock.check()
    return rows


def _choose(scans: list[SheetScan], filename: str, sheet: str | None) -> int:
    """The sheet to read: ``sheet`` by name, else the first; refuses an empty first sheet
    when the data is on another one, naming it."""
    names = [s.name for s in scans]
    if sheet:
        folded = [n.casefold() for n in names]
        if sheet.casefold() not in folded:
            raise rejected(filename, _("the workbook has no sheet “%(sheet)s”; its sheets are "
                                       "%(sheets)s.") % {"sheet": sheet,
                                                        "sheets": ", ".join(f"“{n}”" for n in names)})
        return folded.index(sheet.casefold())
    if not scans:
        raise _unreadable(filename)
    if scans[0].rows == 0:
        others = [s.name for s in scans[1:] if s.rows]
        if others:
            raise rejected(filename, _(
                "the first sheet is empty; the data is on the sheet %(sheets)s. Move it to the "
                "first sheet (cospiral reads the first sheet) and import the file again.")
                % {"sheets": ", ".join(f"“{n}”" for n in others)}, sheet=scans[0].name)
    return 0


def read_xlsx(data: bytes, filename: str, limits: Limits, clock: Clock, sheet: str | None = None):
    """``(rows, sheet name, sheet names)``; rows are ``(line, cells)`` without blank lines."""
    if data.startswith(OLE_MAGIC):
        _check_ole(data, filename)
        rows = _rows_of(_load(data, filename, [], 0), filename, None, limits, clock)
        if len(rows) > limits.max_rows + 1:
            raise too_many_rows(filename, limits.max_rows)
        return rows, None, []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_entries(archive, filename, limits)
        scans = [SheetScan(name, path) for name, path in _sheet_paths(archive, filename)]
        for scan in scans:
            _scan_sheet(archive, scan, filename, limits, clock)
        index = _choose(scans, filename, sheet)
        chosen = scans[index]
        if chosen.formulas:
            errors = _formula_errors(archive, chosen, filename)
            if errors:
                raise TableRejected(errors)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        raise _unreadable(filename) from exc
    names = [s.name for s in scans]
    rows = _rows_of(_load(data, filename, names, index), filename, chosen.name, limits, clock)
    return rows, chosen.name, names
