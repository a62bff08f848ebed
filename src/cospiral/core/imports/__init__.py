"""The import engine: one way to read every table a person uploads.

``read(data, filename, schema)`` reads a CSV (UTF-8 with or without BOM, Windows-1252,
UTF-16; ``;``, ``,`` or tab) or an Excel workbook (python-calamine), within the limits
of ``Limits`` (settings ``COSPIRAL_IMPORT_MAX_*``), maps the header through the kind's
declared ``Schema`` (English and French column names) and gives the rows keyed by the
English names, or raises ``TableRejected`` with every error located by file, sheet,
line and column. The importers then check their cells and hand the valid rows to the
public service of their kind, which writes them in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cospiral.core.imports.errors import TableError, TableRejected, rejected
from cospiral.core.imports.limits import Clock, Limits, cell_too_long
from cospiral.core.imports.schema import Column, Schema, fold

__all__ = ["Column", "Limits", "Row", "Schema", "Table", "TableError", "TableRejected",
           "fold", "read", "read_raw"]

XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass
class Row:
    line: int
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Table:
    """A file once read: its data rows and how it was read."""

    file: str
    rows: list[Row]
    encoding: str | None = None     # CSV: the encoding detected, e.g. "Windows-1252"
    delimiter: str | None = None    # CSV: "semicolon", "comma" or "tab"
    sheet: str | None = None        # XLSX: the sheet read
    sheets: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __bool__(self):
        return bool(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def described(self) -> str:
        """How the file was read, for the user (« Lu en Windows-1252, séparateur ; »)."""
        if self.sheet:
            return _("read from the sheet “%(sheet)s”") % {"sheet": self.sheet}
        if self.encoding:
            return _("read as %(encoding)s text, cells separated by %(delimiter)s") % {
                "encoding": self.encoding, "delimiter": {
                    "semicolon": _("semicolons"), "comma": _("commas"), "tab": _("tabs"),
                }.get(self.delimiter or "", self.delimiter)}
        return ""


def is_workbook(data: bytes, filename: str) -> bool:
    from cospiral.core.imports.xlsxfile import OLE_MAGIC

    return (filename.lower().endswith(XLSX_SUFFIXES) or data[:4] == b"PK\x03\x04"
            or data[:8] == OLE_MAGIC)


def read_raw(data: bytes, filename: str, *, limits: Limits | None = None, sheet: str | None = None):
    """``(rows, info)``: every non-blank line as ``(line, cells)``; ``info`` is a ``Table``
    without rows saying how the file was read."""
    from cospiral.core.imports.csvfile import read_csv
    from cospiral.core.imports.xlsxfile import read_xlsx

    limits = limits or Limits.from_settings()
    if len(data) > limits.max_bytes:
        raise rejected(filename, _(
            "the file is %(size)s MB; the limit is %(limit)s MB (COSPIRAL_MAX_UPLOAD_BYTES). "
            "Split it into smaller files.")
            % {"size": f"{len(data) / 1e6:.1f}", "limit": f"{limits.max_bytes / 1e6:.0f}"})
    if not data.strip():
        raise rejected(filename, empty_message())
    clock = Clock(filename, limits.max_seconds)
    info = Table(file=filename, rows=[])
    if is_workbook(data, filename):
        raw, info.sheet, info.sheets = read_xlsx(data, filename, limits, clock, sheet)
    else:
        raw, info.encoding, info.delimiter = read_csv(data, filename, limits, clock)
    if not raw:
        raise rejected(filename, empty_message(), sheet=info.sheet)
    return raw, info


def empty_message() -> str:
    return _("the file is empty: write the header line, then one line per row.")


def header_only_message() -> str:
    return _("the file has a header but no data lines: add one line per row under the header.")


def read(data: bytes, filename: str, schema: Schema, *, limits: Limits | None = None,
         sheet: str | None = None, allow_empty: bool = False) -> Table:
    """The file's rows through ``schema``; see the module's description."""
    limits = limits or Limits.from_settings()
    raw, table = read_raw(data, filename, limits=limits, sheet=sheet)
    (header_line, header), body = raw[0], raw[1:]
    kept, errors = schema.header(header, filename, header_line, table.sheet)
    if errors:
        raise TableRejected(errors)
    if not body and not allow_empty:
        raise rejected(filename, header_only_message(), sheet=table.sheet)
    table.columns = [name for _position, name in kept]
    width = len(header)
    for line, values in body:
        if len(values) != width and table.encoding is not None:
            if len(values) < width or "".join(values[width:]).strip():
                errors.append(TableError(filename, line, None, _(
                    "this line has %(found)s cells but the header has %(expected)s columns "
                    "(a missing or extra separator, or an unclosed quote on a line above?).")
                    % {"found": len(values), "expected": width}, sheet=table.sheet))
                continue
        if len(values) < width:
            values = values + [""] * (width - len(values))
        cells = {name: values[position].strip() for position, name in kept}
        for name, value in cells.items():
            if len(value) > limits.max_cell_chars:
                errors.append(TableError(filename, line, name,
                                         cell_too_long(len(value), limits.max_cell_chars),
                                         sheet=table.sheet, field=name))
        table.rows.append(Row(line=line, values=cells))
        if len(errors) > 1000:
            break
    if errors:
        raise TableRejected(errors)
    return table
