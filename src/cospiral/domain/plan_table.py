"""The co-responsibility plan as a table (export, edit in a spreadsheet, re-import by
id): the columns, how each cell is written and read, and the check of the whole
resulting hierarchy. Pure Python, no Django: the import service
(``cospiral.actions.tabular``) turns the ``CellError`` codes into translated messages
and applies the plan's own rules (``cospiral.actions.services``).

Cells:

- ``id``: empty = a new row; otherwise the whole number of an existing row;
- whole numbers (``parent_id``, ``action_id``, ``progress``, the five scores): empty =
  none (not measured, not assessed); spreadsheets' ``3.0`` (French ``3,0``) is read as 3;
- dates: ``YYYY-MM-DD`` (a spreadsheet's date-time at midnight is read as its date);
- yes/no cells: yes, y, true, 1, x, oui, o (yes) or no, n, false, 0, non, empty (no);
- families: grid family codes separated by spaces (or commas, semicolons);
- a text the export protected from spreadsheets' formulas (a leading ``'`` before
  ``= + - @``) is read back without that quote.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from cospiral.domain import evaluation as ev
from cospiral.domain import plan

ACTION_COLUMNS: tuple[str, ...] = (
    "id", "parent_id", "axis", "title", "description", "origin", "status", "progress",
    "lead", "families", *ev.QUESTIONS, "demonstrative", *plan.DEMONSTRATIVE_TESTS,
    "starts_on", "ends_on", "review_on",
)
#: Columns an action file must have (the others may be left out: they keep their value).
ACTION_REQUIRED: tuple[str, ...] = ("id", "title")
COMMITMENT_COLUMNS: tuple[str, ...] = (
    "id", "action_id", "party_kind", "organisation", "group", "person", "what", "resource",
    "amount", "unit", "due_on", "accepted_on", "signed_on", "outcome", "evidence",
)
COMMITMENT_REQUIRED: tuple[str, ...] = ("id", "action_id", "party_kind", "what")

YES = frozenset({"yes", "y", "true", "1", "x", "oui", "o", "vrai"})
NO = frozenset({"no", "n", "false", "0", "non", "faux", ""})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SPLIT = re.compile(r"[\s,;]+")
_WHOLE = re.compile(r"^[+]?\d+(?:[.,]0+)?$")  # "3.0" and French "3,0" are 3


class CellError(ValueError):
    """A cell that cannot be read: ``code`` says why (``whole``, ``date``, ``yes_no``,
    ``range``), ``params`` what was found."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")


# --- Writing cells ---------------------------------------------------------------------

def protect(value: object) -> object:
    """A text that starts like a formula gets a leading quote (spreadsheets would run it)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def yes_no(value: bool | None) -> str:
    """"yes" or "no"; "" for None (a demonstrative test not assessed yet)."""
    if value is None:
        return ""
    return "yes" if value else "no"


def optional_boolean(value: str) -> bool | None:
    """``boolean``, but an empty cell is None (not assessed), not "no"."""
    return None if not (value or "").strip() else boolean(value)


def date_cell(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def number_cell(value: object) -> str:
    return "" if value is None else str(value)


def codes_cell(codes: Iterable[str]) -> str:
    return " ".join(codes)


# --- Reading cells ---------------------------------------------------------------------

def text(value: str) -> str:
    """The cell's text, without the quote ``protect`` added."""
    value = (value or "").strip()
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def whole(value: str, *, low: int | None = None, high: int | None = None) -> int | None:
    """A whole number (empty = ``None``), within ``low``–``high`` when given."""
    value = (value or "").strip()
    if not value:
        return None
    if not _WHOLE.match(value):
        raise CellError("whole", value=value)
    # Never through float: "1" followed by 310 zeros and ".0" overflows a float; and a
    # number of more than 18 digits is out of every range a plan's cell has.
    digits = re.split(r"[.,]", value, maxsplit=1)[0].lstrip("+")
    if len(digits.lstrip("0")) > 18:
        raise CellError("range", value=value[:20] + "…", low=low, high=high)
    number = int(digits)
    if (low is not None and number < low) or (high is not None and number > high):
        raise CellError("range", value=value, low=low, high=high)
    return number


def identifier(value: str) -> int | None:
    """An id: empty = ``None`` (a new row), else a whole number from 1."""
    return whole(value, low=1)


def date(value: str) -> dt.date | None:
    """A date ``YYYY-MM-DD`` (empty = ``None``); a date-time at midnight reads as its date."""
    value = (value or "").strip()
    if not value:
        return None
    head, tail = value[:10], value[10:]
    if tail and not (tail[0] in "T " and tail[1:].strip("0:.Z") == ""):
        raise CellError("date", value=value)
    if len(head) != 10 or head[4] != "-" or head[7] != "-":
        raise CellError("date", value=value)
    try:
        return dt.date.fromisoformat(head)
    except ValueError:
        raise CellError("date", value=value) from None


def boolean(value: str) -> bool:
    folded = (value or "").strip().casefold()
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise CellError("yes_no", value=value)


def codes(value: str) -> list[str]:
    """Codes separated by spaces, commas or semicolons, in the order given, once each."""
    seen: list[str] = []
    for code in _SPLIT.split((value or "").strip()):
        if code and code not in seen:
            seen.append(code)
    return seen


# --- The whole hierarchy ---------------------------------------------------------------

@dataclass(frozen=True)
class Cycle:
    """``node`` would be its own ancestor: ``chain`` runs from ``node`` up to itself."""

    node: Hashable
    chain: tuple[Hashable, ...]


def cycles(parent_of: Mapping[Hashable, Hashable | None]) -> list[Cycle]:
    """Every node of the resulting hierarchy ``parent_of`` (each node → its parent) that
    sits in a cycle, by ``plan.cycle_path``, in the mapping's order."""
    found = []
    for node, parent in parent_of.items():
        path = plan.cycle_path(node, parent, parent_of)
        if path is not None:
            found.append(Cycle(node, (node, *path)))
    return found


def root_of(node: Hashable, parent_of: Mapping[Hashable, Hashable | None]) -> Hashable:
    """The top ancestor of ``node`` (``node`` itself without a parent); the hierarchy
    must have no cycle."""
    seen = {node}
    while parent_of.get(node) is not None:
        node = parent_of[node]
        if node in seen:
            raise ValueError("the hierarchy has a cycle")
        seen.add(node)
    return node


def changed(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """The keys of ``after`` whose value differs from ``before``'s."""
    return [key for key, value in after.items() if before.get(key) != value]
