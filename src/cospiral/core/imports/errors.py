"""The errors of an import: every one says where (file, sheet, line, column, field)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class TableError:
    file: str
    line: int | None
    column: str | None
    message: str
    sheet: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(_("sheet “%(sheet)s”") % {"sheet": self.sheet})
        if self.line is not None:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}"

    def as_dict(self) -> dict:
        """The error as the jobs' ``ctx.fail(errors=[...])`` takes it."""
        return {**asdict(self), "field": self.field or self.column}


class TableRejected(Exception):
    """The whole file is refused; ``errors`` says every reason found."""

    def __init__(self, errors: Iterable[TableError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5]))


def rejected(filename: str, message: str, *, line=None, column=None, sheet=None) -> TableRejected:
    """A refusal with one error."""
    return TableRejected([TableError(filename, line, column, message, sheet=sheet)])
