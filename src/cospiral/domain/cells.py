"""Spreadsheet cells that cannot run: the rule every CSV and XLSX export applies.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(...)``, ``-2+3``, ``@SUM(...)``), and some also after a tab or a carriage
return: such a text gets a leading apostrophe, which spreadsheets read as "this is
text" (OWASP's CSV injection advice). Real numbers (``-2``, ``+3.5``, ``-1,5``) and
non-text values are never touched. ``restore`` gives the text back, for importers."""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?\Z")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START) and not _NUMBER.match(text)


def neutralise(value: object) -> object:
    """``value`` with a leading apostrophe when it is a text a spreadsheet would run."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text ``neutralise`` was given (a cell read back from an exported file)."""
    if len(value) > 1 and value[0] == "'" and is_formula_like(value[1:]):
        return value[1:]
    return value
