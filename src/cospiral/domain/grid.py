"""Grid files: validation of rows and local code numbering (pure, no Django).

A grid CSV has the columns ``code,label_fr,label_en,description_fr,description_en,source``
(``GRID_COLUMNS``), one row per family (``A``), component (``A01``) or sub-object
(``A01-11``). Validation returns every problem found as a ``GridIssue`` whose ``message``
is an English template with ``%(name)s`` placeholders; the caller translates it and fills
it with ``params``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cospiral.domain.cells import neutralise
from cospiral.domain.codes import COMPONENT_RE, FAMILY_RE, CodeError, kind_of


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue; the caller translates it."""
    return message


LANGUAGES = ("fr", "en")
GRID_COLUMNS = ("code", "label_fr", "label_en", "description_fr", "description_en", "source")
REQUIRED_COLUMNS = ("code", "label_fr", "label_en")
OPTIONAL_COLUMNS = ("description_fr", "description_en", "source")
SHARED_SOURCES = ("published", "draft", "imported")
LOCAL_SOURCE = "local"
MAX_LOCAL_NUMBER = 99


@dataclass(frozen=True)
class GridIssue:
    line: int | None
    column: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = lambda s: s) -> str:
        text = translate(self.message)
        return str(text % self.params) if self.params else text


@dataclass(frozen=True)
class GridRow:
    """A valid row, ready to store. ``parent_code`` is the family of a component and the
    component of a sub-object (``None`` for a family)."""

    line: int
    code: str
    kind: str
    parent_code: str | None
    labels: dict[str, Any]
    descriptions: dict[str, Any]
    source: str


def _texts(values: Mapping[str, str], prefix: str) -> dict[str, Any]:
    return {
        lang: (values.get(f"{prefix}_{lang}") or "").strip()
        for lang in LANGUAGES
        if (values.get(f"{prefix}_{lang}") or "").strip()
    }


def parse_grid_rows(
    rows: Sequence[tuple[int, Mapping[str, str]]], *, default_source: str = "imported"
) -> tuple[list[GridRow], list[GridIssue]]:
    """Check the rows of a shared grid file; returns the clean rows and every issue.

    Checks: code syntax, duplicate codes (both lines named), a component without its
    family row, a sub-object without its component row, at least one label, local codes
    (``AL01``) refused, unknown source values.
    """
    issues: list[GridIssue] = []
    clean: list[GridRow] = []
    first_line: dict[str, int] = {}
    for line, values in rows:
        code = (values.get("code") or "").strip()
        if not code:
            issues.append(GridIssue(line, "code", gettext_noop("the code is empty.")))
            continue
        try:
            kind = kind_of(code)
        except CodeError:
            issues.append(
                GridIssue(
                    line, "code",
                    gettext_noop("“%(code)s” is not a grid code: use a capital letter for a "
                                 "family (A), a letter and two digits for a component (A01), "
                                 "and a component, a hyphen and two digits for a sub-object "
                                 "(A01-11)."),
                    {"code": code},
                )
            )
            continue
        if code in first_line:
            issues.append(
                GridIssue(
                    line, "code",
                    gettext_noop("the code “%(code)s” appears twice, on line %(first)s and "
                                 "on line %(line)s; each code must appear once."),
                    {"code": code, "first": first_line[code], "line": line},
                )
            )
            continue
        first_line[code] = line
        component = code.split("-", 1)[0]
        shape = COMPONENT_RE.match(component)
        if kind != "family" and shape is not None and shape.group("local"):
            issues.append(
                GridIssue(
                    line, "code",
                    gettext_noop("“%(code)s” is a local code (family letter, L, number): local "
                                 "components belong to one territory and cannot be part of a "
                                 "shared grid file."),
                    {"code": code},
                )
            )
            continue
        labels = _texts(values, "label")
        if not labels:
            issues.append(
                GridIssue(line, "label_fr",
                          gettext_noop("“%(code)s” has no label: fill label_fr or label_en."),
                          {"code": code})
            )
        source = (values.get("source") or "").strip().lower() or default_source
        if source == LOCAL_SOURCE:
            issues.append(
                GridIssue(line, "source",
                          gettext_noop("the source “local” marks a territory's own component; "
                                       "a shared grid file cannot contain it."))
            )
        elif source not in SHARED_SOURCES:
            issues.append(
                GridIssue(line, "source",
                          gettext_noop("unknown source “%(source)s”: use published, draft or "
                                       "imported, or leave the cell empty."),
                          {"source": values.get("source", "")})
            )
        parent = None
        if kind == "component":
            parent = code[0]
        elif kind == "sub_object":
            parent = component
        clean.append(
            GridRow(line=line, code=code, kind=kind, parent_code=parent, labels=labels,
                    descriptions=_texts(values, "description"), source=source)
        )
    # Parents are looked up once every row is read: a family may come after its components.
    for row in clean:
        if row.parent_code is None or row.parent_code in first_line:
            continue
        if row.kind == "component":
            message = gettext_noop("the component “%(code)s” belongs to family “%(parent)s”, "
                                   "which has no row in this file.")
        else:
            message = gettext_noop("the sub-object “%(code)s” belongs to component "
                                   "“%(parent)s”, which has no row in this file.")
        issues.append(GridIssue(row.line, "code", message,
                                {"code": row.code, "parent": row.parent_code}))
    issues.sort(key=lambda issue: (issue.line or 0, GRID_COLUMNS.index(issue.column)
                                   if issue.column in GRID_COLUMNS else 99))
    return clean, issues


def validate_grid_rows(rows: Sequence[tuple[int, Mapping[str, str]]]) -> list[GridIssue]:
    """Every problem of a shared grid file's rows (``(line, {column: value})``)."""
    return parse_grid_rows(rows)[1]


def next_local_code(family: str, existing_codes: Iterable[str]) -> str:
    """The next local component code of ``family``: one more than the highest local code
    already used (``AL01``, ``AL02``...), so a code is never given twice, even after a
    removal. Raises ``CodeError`` when the family has no free local code left."""
    if not FAMILY_RE.match(family or ""):
        raise CodeError("“%(code)s” is not a family letter.", code=str(family))
    highest = 0
    for code in existing_codes:
        match = COMPONENT_RE.match(code or "")
        if match and match.group("local") and match.group("family") == family:
            highest = max(highest, int(match.group("number")))
    if highest >= MAX_LOCAL_NUMBER:
        raise CodeError("Family “%(code)s” has no free local code left (the last is %(code)sL99).",
                        code=family)
    return f"{family}L{highest + 1:02d}"


def write_grid_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """The grid CSV text: UTF-8 (no BOM), comma separated, ``\\n`` line ends, the header
    ``GRID_COLUMNS`` then one line per row. Import then export gives the same bytes. A
    text a spreadsheet would run as a formula gets a leading apostrophe (``cells``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(GRID_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row.get(column, "") or "") for column in GRID_COLUMNS])
    return buffer.getvalue()
