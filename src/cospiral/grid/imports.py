"""The grid importer: a grid CSV/XLSX file read through the import engine, checked by
the domain's rules, then handed to ``services.create_version`` (its one write path).

The file's columns are ``domain.grid.REQUIRED_COLUMNS`` and ``OPTIONAL_COLUMNS`` (the
format ``export_grid_csv`` writes), with the French names of ``COLUMN_ALIASES``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cospiral.core.tabular import TableError, TableRejected, read_table
from cospiral.domain.grid import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, GridRow, parse_grid_rows
from cospiral.grid import services
from cospiral.grid.models import GridVersion

#: French names accepted for the grid file's columns.
COLUMN_ALIASES = {
    "label_fr": ("libellé_fr", "intitulé_fr"), "label_en": ("libellé_en", "intitulé_en"),
    "source": ("origine",),
}


def read_grid(data: bytes, filename: str) -> list[GridRow]:
    """The rows of a shared grid file; raises ``TableRejected`` with every error."""
    table = read_table(data, filename, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS,
                       aliases=COLUMN_ALIASES)
    rows, issues = parse_grid_rows([(row.line, row.values) for row in table])
    if issues:
        raise TableRejected([TableError(file=filename, line=issue.line, column=issue.column,
                                        message=issue.render(_)) for issue in issues])
    return rows


def import_grid(data: bytes, filename: str, *, slug: str, name: str,
                based_on: GridVersion | None = None, user=None) -> GridVersion:
    """A new grid version from a grid file: all rows or nothing.

    Raises ``TableRejected`` with every error (file, line, column, reason): problems of
    the file (encoding, columns...), of its rows (codes, duplicates, parents, labels,
    sources), an identifier already taken and a missing name."""
    errors: list[TableError] = []
    slug, name = (slug or "").strip(), (name or "").strip()
    problem = services.slug_problem(slug)
    if problem:
        errors.append(TableError(file=filename, line=None, column=None, message=problem))
    if not name:
        errors.append(TableError(file=filename, line=None, column=None,
                                 message=_("the grid version needs a name.")))
    try:
        rows = read_grid(data, filename)
    except TableRejected as rejected:
        errors.extend(rejected.errors)
    if errors:
        raise TableRejected(errors)
    try:
        return services.create_version(slug=slug, name=name, rows=rows, based_on=based_on,
                                       user=user, origin=filename)
    except services.GridError as error:
        raise TableRejected([TableError(file=filename, line=None, column=None,
                                        message=str(error))]) from error
