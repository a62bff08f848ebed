"""Reading uploaded tables (CSV or XLSX) for imports, with errors that say where.

Every table import in cospiral reads its file through the import engine
(``cospiral.core.imports``): the same encodings, limits, header rules and errors given
by file, sheet, line and column. ``read_table`` is its short form for an importer that
names its columns (English names, optional French ``aliases``)."""

from __future__ import annotations

from collections.abc import Iterable

from cospiral.core.imports import Limits, Row, Schema, Table, read
from cospiral.core.imports.errors import TableError, TableRejected

__all__ = ["Row", "Table", "TableError", "TableRejected", "read_table"]


def read_table(
    data: bytes,
    filename: str,
    *,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    aliases: dict[str, Iterable[str]] | None = None,
    schema: Schema | None = None,
    max_bytes: int | None = None,
    sheet: str | None = None,
) -> Table:
    """The rows of a CSV or XLSX file, keyed by the English column names.

    Column names are matched ignoring case, accents, spaces and underscores. Blank lines
    are skipped. An empty file and a file with a header but no data line are refused
    (the same messages for every importer). Raises ``TableRejected`` with every
    problem found."""
    schema = schema or Schema.of(required, optional, aliases)
    return read(data, filename, schema, limits=Limits.from_settings(max_bytes=max_bytes),
                sheet=sheet)
