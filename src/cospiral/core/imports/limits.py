"""The limits of an import, each a setting; each refusal names the limit it met."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from cospiral.core.imports.errors import rejected


@dataclass(frozen=True)
class Limits:
    max_bytes: int            # the uploaded file (COSPIRAL_MAX_UPLOAD_BYTES)
    max_uncompressed: int     # an XLSX's parts once unzipped
    max_rows: int             # data lines, the header not counted
    max_columns: int
    max_cell_chars: int
    max_seconds: float

    @classmethod
    def from_settings(cls, **overrides) -> Limits:
        values = {
            "max_bytes": settings.COSPIRAL_MAX_UPLOAD_BYTES,
            "max_uncompressed": settings.COSPIRAL_IMPORT_MAX_UNCOMPRESSED_BYTES,
            "max_rows": settings.COSPIRAL_IMPORT_MAX_ROWS,
            "max_columns": settings.COSPIRAL_IMPORT_MAX_COLUMNS,
            "max_cell_chars": settings.COSPIRAL_IMPORT_MAX_CELL_CHARS,
            "max_seconds": settings.COSPIRAL_IMPORT_MAX_SECONDS,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def too_many_rows(filename: str, limit: int, sheet: str | None = None):
    return rejected(filename, _(
        "the file has more than %(limit)s lines, the limit of one import "
        "(COSPIRAL_IMPORT_MAX_ROWS). Split it into smaller files.") % {"limit": f"{limit:,}"},
        sheet=sheet)


def too_many_columns(filename: str, found: int, limit: int, *, line=None, sheet=None):
    return rejected(filename, _(
        "the file has %(found)s columns; at most %(limit)s are allowed "
        "(COSPIRAL_IMPORT_MAX_COLUMNS).") % {"found": found, "limit": limit},
        line=line, sheet=sheet)


def too_large_unzipped(filename: str, limit: int):
    return rejected(filename, _(
        "once unzipped, the workbook holds more than %(limit)s MB, the limit of one import "
        "(COSPIRAL_IMPORT_MAX_UNCOMPRESSED_BYTES). Split it into smaller files.")
        % {"limit": f"{limit / 1e6:.0f}"})


def cell_too_long(length: int, limit: int) -> str:
    return _("the cell has %(length)s characters; at most %(limit)s are allowed "
             "(COSPIRAL_IMPORT_MAX_CELL_CHARS).") % {"length": f"{length:,}", "limit": f"{limit:,}"}


class Clock:
    """The time limit of one import (COSPIRAL_IMPORT_MAX_SECONDS)."""

    def __init__(self, filename: str, seconds: float):
        self.filename = filename
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise rejected(self.filename, _(
                "reading the file took more than %(seconds)s seconds, the limit of one import "
                "(COSPIRAL_IMPORT_MAX_SECONDS). Split it into smaller files.")
                % {"seconds": f"{self.seconds:g}"})
