"""Declared row schemas: what each import's file holds, column by column.

A ``Schema`` names its columns (the English name the exports write, and the French
names French users type), which are required, and how each cell is read. Reading a
file through a schema gives ``Row`` objects keyed by the English names, or refuses the
file with every problem located (file, sheet, line, column, field)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from cospiral.core.imports.errors import TableError

_SPACES = re.compile(r"[\s\u00a0\u202f_\-'’.]+")


def fold(name: str) -> str:
    """A column name as matched: case, accents, spaces, ``_`` and ``-`` ignored
    (« Séance », "seance" and "SEANCE" are the same column)."""
    name = unicodedata.normalize("NFKD", (name or "").strip()).encode("ascii", "ignore").decode()
    return _SPACES.sub("_", name.casefold()).strip("_")


@dataclass(frozen=True)
class Column:
    name: str                       # the English name, as exports write it
    required: bool = False
    aliases: tuple[str, ...] = ()   # other accepted names (French first)
    help: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Schema:
    columns: tuple[Column, ...]
    lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        lookup = {}
        for column in self.columns:
            for name in column.names():
                lookup.setdefault(fold(name), column.name)
        object.__setattr__(self, "lookup", lookup)

    @classmethod
    def of(cls, required: Iterable[str], optional: Iterable[str] = (),
           aliases: dict[str, Iterable[str]] | None = None) -> Schema:
        """A schema of text columns; names are lower-cased (the rows' keys)."""
        aliases = {k.lower(): tuple(v) for k, v in (aliases or {}).items()}
        return cls(tuple(
            [Column(n.lower(), True, aliases.get(n.lower(), ())) for n in required]
            + [Column(n.lower(), False, aliases.get(n.lower(), ())) for n in optional]))

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def header(self, cells: list[str], filename: str, line: int, sheet=None):
        """``([(position, field)], errors)`` for the header ``cells``."""
        kept, errors, seen = [], [], set()
        for position, cell in enumerate(cells):
            if not cell.strip():
                continue
            name = self.lookup.get(fold(cell))
            if name is None:
                errors.append(TableError(filename, line, cell.strip(), _(
                    "unknown column. Expected columns: %(columns)s.")
                    % {"columns": ", ".join(self.names)}, sheet=sheet))
            elif name in seen:
                errors.append(TableError(filename, line, cell.strip(),
                                         _("this column appears twice."), sheet=sheet, field=name))
            else:
                seen.add(name)
                kept.append((position, name))
        for name in self.required:
            if name not in seen:
                errors.append(TableError(filename, line, name,
                                         _("this required column is missing."), sheet=sheet,
                                         field=name))
        return kept, errors


# --- Cells -----------------------------------------------------------------------------

class CellProblem(ValueError):
    """A cell that cannot be read; ``str()`` is the translated reason."""


_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(?:[.,]\d+)?$")


def decimal(value: str, *, places: int | None = None, low=None, high=None) -> Decimal | None:
    """A number as people write it: ``1234.5``, ``1234,5`` (French decimal comma),
    ``1 234,50`` (thousands separated by spaces); empty = None. Never ``inf``/``nan``."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 40 or not _NUMBER.match(text):
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": text[:40]})
    compact = re.sub(r"[ \u00a0\u202f]", "", text)
    if "," in compact:
        compact = compact.replace(".", "").replace(",", ".")
    elif compact.count(".") > 1 or re.search(r"\.\d{3}$", compact) and " " in text:
        compact = compact.replace(".", "")
    try:
        number = Decimal(compact)
    except InvalidOperation:
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": text}) from None
    if places is not None and -number.as_tuple().exponent > places:
        raise CellProblem(_("“%(value)s” has more than %(places)s decimals.")
                          % {"value": text, "places": places})
    if (low is not None and number < low) or (high is not None and number > high):
        raise CellProblem(_("%(value)s is out of range: from %(low)s to %(high)s.")
                          % {"value": text, "low": low, "high": high})
    return number


Reader = Callable[[str], object]
