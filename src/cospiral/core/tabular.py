"""Reading uploaded tables (CSV or XLSX) for imports, with errors that say where.

Every import in cospiral reads its file through ``read_table``: the same checks of
encoding, size, header and empty lines, and errors given by file, line and column.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

MAX_CELL_CHARS = 10_000


@dataclass(frozen=True)
class TableError:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}"


class TableRejected(Exception):
    """The whole file is refused; ``errors`` says every reason found."""

    def __init__(self, errors: Iterable[TableError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5]))


@dataclass
class Row:
    line: int
    values: dict[str, str] = field(default_factory=dict)


def _csv_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise TableRejected(
            [
                TableError(
                    filename, line, None,
                    _(
                        "the file is not UTF-8 text (unreadable byte 0x%(byte)02X at "
                        "character %(column)s). Save it as “CSV UTF-8” or as an Excel "
                        "workbook (.xlsx) and import it again."
                    ) % {"byte": data[exc.start], "column": column},
                )
            ]
        ) from exc
    if "\x00" in text:
        raise TableRejected(
            [TableError(filename, None, None, _("the file contains NUL characters: it is not a text CSV file."))]
        )
    # The delimiter is the one the header line uses most (Excel in French writes ";").
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count)

    class dialect(csv.excel):
        pass

    dialect.delimiter = delimiter
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = []
    try:
        for values in reader:
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise TableRejected(
            [TableError(filename, reader.line_num, None, _("the CSV is malformed: %(reason)s") % {"reason": exc})]
        ) from exc
    # csv's line_num is the line where a record ends; report where it starts instead.
    fixed, previous_end = [], 0
    for end, values in rows:
        fixed.append((previous_end + 1, values))
        previous_end = end
    return fixed


def _xlsx_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableRejected(
            [TableError(filename, None, None, _("the file is not a readable Excel workbook (.xlsx)."))]
        ) from exc
    sheet = workbook.worksheets[0]
    rows = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = []
        for cell in cells:
            if cell is None:
                values.append("")
            elif isinstance(cell, float) and cell.is_integer():
                values.append(str(int(cell)))
            elif hasattr(cell, "isoformat"):
                values.append(cell.isoformat())
            else:
                values.append(str(cell))
        rows.append((number, values))
    workbook.close()
    return rows


def read_table(
    data: bytes,
    filename: str,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    max_bytes: int | None = None,
) -> list[Row]:
    """Rows of a CSV (UTF-8; comma, semicolon or tab) or XLSX file, keyed by header.

    Column names are matched case-insensitively after stripping spaces. Fully empty
    lines are skipped. Raises ``TableRejected`` with every problem of the header, or
    with the first problem that makes the file unreadable.
    """
    required = [c.lower() for c in required]
    optional = [c.lower() for c in optional]
    max_bytes = max_bytes or settings.COSPIRAL_MAX_UPLOAD_BYTES
    if len(data) > max_bytes:
        raise TableRejected(
            [
                TableError(
                    filename, None, None,
                    _("the file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.")
                    % {"size": f"{len(data) / 1e6:.1f}", "limit": f"{max_bytes / 1e6:.0f}"},
                )
            ]
        )
    if not data.strip():
        raise TableRejected([TableError(filename, None, None, _("the file is empty."))])
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"
    raw = _xlsx_rows(data, filename) if is_xlsx else _csv_rows(data, filename)
    raw = [(line, values) for line, values in raw if "".join(values).strip()]
    if not raw:
        raise TableRejected([TableError(filename, None, None, _("the file is empty."))])
    header_line, header = raw[0]
    names = [h.strip().lower() for h in header]
    errors = []
    seen = set()
    for name in names:
        if not name:
            continue
        if name in seen:
            errors.append(TableError(filename, header_line, name, _("this column appears twice.")))
            continue
        seen.add(name)
        if name not in required and name not in optional:
            errors.append(
                TableError(
                    filename, header_line, name,
                    _("unknown column. Expected columns: %(columns)s.")
                    % {"columns": ", ".join(required + optional)},
                )
            )
    for name in required:
        if name not in seen:
            errors.append(TableError(filename, header_line, name, _("this required column is missing.")))
    if errors:
        raise TableRejected(errors)
    rows = []
    width = len(names)
    # Columns kept, as (position, name); blank header cells are ignored.
    kept = [(index, name) for index, name in enumerate(names) if name]
    for line, values in raw[1:]:
        if len(values) > width:
            if "".join(values[width:]).strip():
                errors.append(
                    TableError(
                        filename, line, None,
                        _("this line has %(found)s cells but the header has %(expected)s columns.")
                        % {"found": len(values), "expected": width},
                    )
                )
                continue
        elif len(values) < width:
            values = values + [""] * (width - len(values))
        cells = {name: values[index].strip() for index, name in kept}
        if max(map(len, cells.values()), default=0) > MAX_CELL_CHARS:
            for name, value in cells.items():
                if len(value) > MAX_CELL_CHARS:
                    errors.append(
                        TableError(
                            filename, line, name,
                            _("the cell has %(length)s characters; at most %(limit)s are allowed.")
                            % {"length": len(value), "limit": MAX_CELL_CHARS},
                        )
                    )
        rows.append(Row(line=line, values=cells))
    if errors:
        raise TableRejected(errors)
    return rows
