"""Every CSV and XLSX download of cospiral goes through ``response``.

Three formats, one code path:

- ``csv``: the standard CSV: UTF-8 (with a byte-order mark unless the export is a
  byte-exact round-trip format such as the grid), comma separated, decimal point, the
  header row of stable column codes (for scripts and to import the file again);
- ``excel-fr``: « Excel (français) », the CSV French Excel opens as it is: semicolon
  separated, UTF-8 with a byte-order mark, decimal comma, headers and labels in French
  (column names in words when the export gives them, codes otherwise);
- ``xlsx``: every sheet of the export in one workbook (column codes in the header row;
  numbers stay numbers).

In every format a text cell that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@``, tab, carriage return at its start) gets a leading apostrophe
(``cospiral.domain.cells``); numbers are never touched. The open-data package
(``cospiral.domain.package``) is not written here: it is a standard, byte-deterministic
Frictionless package whose cells must stay exactly the data.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cospiral.domain.cells import neutralise

CSV = "csv"
EXCEL_FR = "excel-fr"
XLSX = "xlsx"
FORMATS = (CSV, EXCEL_FR, XLSX)
LABELS = {CSV: _("CSV"), EXCEL_FR: _("Excel (français)"), XLSX: _("XLSX")}
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_575  # rows of one sheet, after its header
_CHUNK = 20_000  # rows per streamed piece of a large CSV


@dataclass
class Sheet:
    """One table: ``header`` holds the stable column codes, ``labels`` (optional) the
    column names in words, in the language the sheet was built in; ``rows`` is any
    iterable of rows or a NumPy integer matrix."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence] | object
    labels: Sequence[str] | None = None


def check_format(format: str) -> str:
    """``format`` if it is one of ``FORMATS``; otherwise the page does not exist."""
    if format not in FORMATS:
        raise Http404
    return format


def requested_format(request, default: str = CSV) -> str:
    """The ``?format=`` of a download whose address names no format."""
    return check_format(request.GET.get("format", default) or default)


def language(format: str):
    """The language an export of ``format`` is written in: French for « Excel
    (français) », the user's otherwise. Build the sheets inside it."""
    if format == EXCEL_FR:
        return translation.override("fr")
    return contextlib.nullcontext()


def filename(name: str, format: str) -> str:
    if format == XLSX:
        return f"{name}.xlsx"
    if format == EXCEL_FR:
        return f"{name}-excel-fr.csv"
    return f"{name}.csv"


# --- cells -------------------------------------------------------------------------------


def _is_matrix(rows) -> bool:
    return hasattr(rows, "dtype") and hasattr(rows, "tolist")


def _french(value):
    """A cell for « Excel (français) »: decimal comma, safe texts."""
    if isinstance(value, float | Decimal):  # NumPy's float64 is a float
        return str(value).replace(".", ",")
    return neutralise(value)


def _xlsx_cell(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


# --- files -------------------------------------------------------------------------------


def _csv_chunks(sheet: Sheet, format: str, *, bom: bool, lineterminator: str) -> Iterator[bytes]:
    french = format == EXCEL_FR
    delimiter = ";" if french else ","
    cell = _french if french else neutralise
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    if bom or french:
        buffer.write("\ufeff")
    header = sheet.labels if (french and sheet.labels) else sheet.header
    writer.writerow([neutralise(str(h)) for h in header])
    if _is_matrix(sheet.rows):
        import numpy as np

        yield buffer.getvalue().encode("utf-8")
        matrix = sheet.rows
        for start in range(0, len(matrix), _CHUNK):
            chunk = io.StringIO()
            np.savetxt(chunk, matrix[start:start + _CHUNK], fmt="%d", delimiter=delimiter,
                       newline=lineterminator)
            yield chunk.getvalue().encode("utf-8")
        return
    for n, row in enumerate(sheet.rows, start=1):
        writer.writerow([cell(v) for v in row])
        if n % _CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_bytes(sheet: Sheet, format: str = CSV, *, bom: bool = True,
              lineterminator: str = "\r\n") -> bytes:
    return b"".join(_csv_chunks(sheet, format, bom=bom, lineterminator=lineterminator))


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.name[:31])
        ws.append([_xlsx_cell(str(h)) for h in sheet.header])
        rows = sheet.rows.tolist() if _is_matrix(sheet.rows) else sheet.rows
        for row in rows:
            ws.append([_xlsx_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(name: str, sheets: Sequence[Sheet] | Callable[[], Sequence[Sheet]], format: str, *,
             bom: bool = True, lineterminator: str = "\r\n", stream: bool | None = None) -> HttpResponse:
    """The download ``name`` in ``format``: the first sheet as CSV (standard or « Excel
    (français) »), or every sheet as one XLSX workbook. ``sheets`` may be a function:
    it is then called in the export's language (see ``language``). A CSV whose rows are
    a NumPy matrix is streamed."""
    check_format(format)
    if callable(sheets):
        with language(format):
            sheets = list(sheets())
    if format == EXCEL_FR:
        with translation.override("fr"):
            sheets = [Sheet(s.name, [str(h) for h in s.header], s.rows,
                            [str(label) for label in s.labels] if s.labels else None)
                      for s in sheets]
    if format == XLSX:
        result = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    else:
        sheet = sheets[0]
        chunks = _csv_chunks(sheet, format, bom=bom, lineterminator=lineterminator)
        if stream if stream is not None else _is_matrix(sheet.rows):
            result = StreamingHttpResponse(chunks, content_type=CSV_TYPE)
        else:
            result = HttpResponse(b"".join(chunks), content_type=CSV_TYPE)
    result["Content-Disposition"] = f'attachment; filename="{filename(name, format)}"'
    return result


LINK_COLUMNS = ("token", "url", "label", "status", "created")


def links_response(name: str, links: Iterable, format: str, *, url: Callable[[str], str],
                   state: Callable[[object], str]) -> HttpResponse:
    """Personal links (a survey's respondent links, a round's voter links) for a mail merge
    or printing: code, address (``url(token)``), label, ``state(link)``, creation time."""
    rows = ([link.token, url(link.token), link.label, state(link),
             timezone.localtime(link.created_at).strftime("%Y-%m-%d %H:%M")] for link in links)
    with language(format):
        labels = [_("Link code"), _("Address"), _("Label"), _("State"), _("Created on")]
        return response(name, [Sheet("links", LINK_COLUMNS, rows, [str(x) for x in labels])],
                        format)
