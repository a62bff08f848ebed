"""Reads for statistics: the exact counts of ``coding.CodingCount`` (coded cards per
component; cards entered and counted per group), never a GROUP BY over cards.

A territory's counts are loaded once into small NumPy arrays (one row per
group × question × component cell, plus per-group totals) and kept in this process under the territory's
version token (``stats.models.CountsStamp``), which changes in the same transaction as
every change of the counts: a summary is reused only while it is exact. A page then
aggregates in NumPy whatever its filters (question, group, profile) and scope (a group,
a territory with or without the territories inside it, a set of territories).

Codes are the join keys (components of different grid versions or territories meet on
their code); labels are in the reader's language.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from html import escape

import numpy as np
from django.db import connection
from django.db.models import Q
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cospiral.coding.models import CodingCount
from cospiral.criteria.models import Question
from cospiral.domain import stats as numbers
from cospiral.grid.models import GridEntry
from cospiral.groups.models import Group
from cospiral.stats.models import CountsStamp
from cospiral.territories.models import Membership, Territory

# --- the counts of territories, as arrays, cached by version token ---------------------

_QUESTION_CODES: dict[str, int] = {}  # process-wide index of question codes
_QUESTION_LOCK = threading.Lock()


def _question_index(code: str) -> int:
    with _QUESTION_LOCK:
        return _QUESTION_CODES.setdefault(code, len(_QUESTION_CODES))


def _question_code(index: int) -> str:
    for code, i in _QUESTION_CODES.items():
        if i == index:
            return code
    raise KeyError(index)


@dataclass(frozen=True)
class Cells:
    """Coded-card counts, one row per territory × group × question × component."""

    territory: np.ndarray
    group: np.ndarray
    question: np.ndarray  # index of the question code (``_question_index``)
    component: np.ndarray  # GridEntry id
    count: np.ndarray

    @classmethod
    def empty(cls) -> Cells:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, z, z)

    def __len__(self) -> int:
        return len(self.count)

    def where(self, mask: np.ndarray) -> Cells:
        return Cells(self.territory[mask], self.group[mask], self.question[mask],
                     self.component[mask], self.count[mask])

    @classmethod
    def concatenate(cls, parts: list[Cells]) -> Cells:
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("territory", "group", "question", "component", "count")))


@dataclass(frozen=True)
class Summary:
    """One territory's counts as arrays: the coded cells (``full``), the same summed
    over groups (``summed``), and per group the cards entered and counted (``groups``,
    ``entered``, ``counted``, from the cells without a component)."""

    full: Cells
    summed: Cells
    groups: np.ndarray
    entered: np.ndarray
    counted: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.full) + len(self.summed) + len(self.groups)


class _CellCache:
    """Territory id -> (key, Summary); least recently used dropped beyond ``max_rows``."""

    def __init__(self, max_rows: int = 20_000_000) -> None:
        self.max_rows = max_rows
        self.rows = 0
        self.items: OrderedDict[int, tuple[tuple, Summary]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, territory_id: int, key: tuple) -> Summary | None:
        with self.lock:
            item = self.items.get(territory_id)
            if item is None or item[0] != key:
                return None
            self.items.move_to_end(territory_id)
            return item[1]

    def put(self, territory_id: int, key: tuple, summary: Summary) -> None:
        with self.lock:
            old = self.items.pop(territory_id, None)
            if old is not None:
                self.rows -= old[1].rows
            self.items[territory_id] = (key, summary)
            self.rows += summary.rows
            while self.rows > self.max_rows and len(self.items) > 1:
                _, (_, dropped) = self.items.popitem(last=False)
                self.rows -= dropped.rows

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.rows = 0
        JOINED.clear()  # built from these


CACHE = _CellCache()


# Beyond this many territories, a read by territory id reads every row of the table
# instead and keeps the wanted ones in Python: a network page asks for nearly all of
# them, and building and planning an IN list of a thousand ids costs more than the rows.
MANY = 200


def _keys(territories: list[Territory]) -> dict[int, tuple]:
    """The cache key of each territory: its id's creation time (ids can be reused after a
    rolled-back transaction) and its counts' version token."""
    stamps = CountsStamp.objects.values_list("territory_id", "token")
    if len(territories) <= MANY:
        stamps = stamps.filter(territory_id__in=[t.pk for t in territories])
    tokens = dict(stamps)
    return {t.pk: (t.created_at, tokens.get(t.pk)) for t in territories}


def _rows(territory_ids: list[int]) -> np.ndarray:
    """The non-empty ``CodingCount`` rows of these territories as one integer array:
    territory, group, question id, component id (0: none), counted (0/1), count.
    A plain cursor: the ORM's per-row converters (booleans on SQLite) would cost about
    a second per million rows."""
    qn = connection.ops.quote_name
    meta = CodingCount._meta
    column = {f: qn(meta.get_field(f).column) for f in
              ("territory", "group", "question", "component", "counted", "count")}
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(territory_ids), 500):
            chunk = territory_ids[start:start + 500]
            cursor.execute(
                f"SELECT {column['territory']}, {column['group']}, {column['question']}, "  # noqa: S608 (names quoted, values bound)
                f"COALESCE({column['component']}, 0), "
                f"CASE WHEN {column['counted']} THEN 1 ELSE 0 END, {column['count']} "
                f"FROM {qn(meta.db_table)} WHERE {column['count']} > 0 "
                f"AND {column['territory']} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            rows += cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, 6)


def _load(territory_ids: list[int]) -> dict[int, Summary]:
    data = _rows(territory_ids)
    data = data[np.argsort(data[:, 0], kind="stable")]
    # Question ids -> the process-wide index of their code (the join key across territories).
    question_ids = np.unique(data[:, 2])
    codes = dict(Question.objects.filter(pk__in=question_ids.tolist()).values_list("pk", "code"))
    q_index = _lookup(question_ids, np.array([_question_index(codes[q]) for q in question_ids.tolist()],
                                             dtype=np.int64), data[:, 2])
    bounds = np.searchsorted(data[:, 0], np.array(territory_ids, dtype=np.int64), side="left")
    ends = np.searchsorted(data[:, 0], np.array(territory_ids, dtype=np.int64), side="right")
    result = {}
    for t, lo, hi in zip(territory_ids, bounds.tolist(), ends.tolist(), strict=True):
        part, q = data[lo:hi], q_index[lo:hi]
        coded = part[:, 3] > 0  # the other cells are only in the per-group totals
        full = Cells(part[coded, 0], part[coded, 1], q[coded], part[coded, 3], part[coded, 5])
        groups, inverse = np.unique(part[:, 1], return_inverse=True)
        entered = np.bincount(inverse, weights=part[:, 5], minlength=len(groups)).astype(np.int64)
        counted = np.bincount(inverse, weights=part[:, 5] * part[:, 4],
                              minlength=len(groups)).astype(np.int64)
        result[t] = Summary(full, _without_groups(full), groups, entered, counted)
    return result


def _without_groups(cells: Cells) -> Cells:
    """The same counts summed over groups (group -1): fewer rows for pages that do not
    split by group, such as a network of territories."""
    if len(cells) == 0:
        return cells
    key = cells.question * (int(cells.component.max()) + 1) + cells.component
    unique, inverse = np.unique(key, return_inverse=True)
    first = np.zeros(len(unique), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key))[::-1]
    return Cells(cells.territory[first], np.full(len(unique), -1, dtype=np.int64),
                 cells.question[first], cells.component[first],
                 np.bincount(inverse, weights=cells.count).astype(np.int64))


def summaries(territories: list[Territory], *, keys: dict[int, tuple] | None = None
              ) -> dict[int, Summary]:
    """Each territory's ``Summary``: from the cache while its version token is
    unchanged, else read again from ``CodingCount``."""
    territories = sorted({t.pk: t for t in territories}.values(), key=lambda t: t.pk)
    keys = keys or _keys(territories)
    parts, stale = {}, []
    for t in territories:
        found = CACHE.get(t.pk, keys[t.pk])
        if found is None:
            stale.append(t.pk)
        else:
            parts[t.pk] = found
    if stale:
        for t, summary in _load(stale).items():
            CACHE.put(t, keys[t], summary)
            parts[t] = summary
    return parts


class _Joined:
    """The last few concatenations of many territories' cells, each under the cache keys
    of all its territories: reused only while none of them changed (a change rebuilds it
    from the per-territory summaries, only the changed territory being read again)."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.items: OrderedDict[tuple, Cells] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Cells | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple, cells: Cells) -> None:
        with self.lock:
            self.items[key] = cells
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


JOINED = _Joined()


def cells_of(territories: list[Territory], *, by_group: bool = True) -> Cells:
    """The coded counts of these territories (see ``summaries``). Without ``by_group``,
    the counts are summed over groups (group -1)."""
    territories = sorted({t.pk: t for t in territories}.values(), key=lambda t: t.pk)
    if len(territories) == 1:
        summary = summaries(territories)[territories[0].pk]
        return summary.full if by_group else summary.summed
    keys = _keys(territories)
    joined_key = (by_group, tuple((t.pk, keys[t.pk]) for t in territories))
    found = JOINED.get(joined_key)
    if found is not None:
        return found
    parts = summaries(territories, keys=keys)
    cells = Cells.concatenate([parts[t.pk].full if by_group else parts[t.pk].summed
                               for t in territories])
    JOINED.put(joined_key, cells)
    return cells


def _bincount(index: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.bincount(index, weights=weights, minlength=size).astype(np.int64)


# --- the grid, as codes and labels -----------------------------------------------------

@dataclass
class Catalogue:
    """Families and components of the territories' grids, keyed by code."""

    families: list[str]  # family codes in grid order
    components: list[str]  # component codes in grid order
    labels: dict[str, str]  # code -> label in the reader's language
    family_of: dict[str, str]  # component code -> family code
    entry_code: dict[int, str]  # GridEntry id -> component code (sub-objects -> component)

    def component_index(self, entry_ids: np.ndarray) -> np.ndarray:
        """Position in ``components`` of each GridEntry id (unknown ids: -1)."""
        lookup = getattr(self, "_lookup", None)
        if lookup is None:
            position = {code: i for i, code in enumerate(self.components)}
            ids = np.array(sorted(self.entry_code), dtype=np.int64)
            pos = np.array([position[self.entry_code[i]] for i in ids], dtype=np.int64)
            lookup = self._lookup = (ids, pos)
        ids, pos = lookup
        return _lookup(ids, pos, entry_ids)

    def family_index(self) -> np.ndarray:
        """For each component position, the position of its family."""
        position = {code: i for i, code in enumerate(self.families)}
        return np.array([position[self.family_of[c]] for c in self.components], dtype=np.int64)


def catalogue(territories: list[Territory], language: str | None = None) -> Catalogue:
    language = language or translation.get_language()
    versions = {t.grid_version_id for t in territories}
    ids = {t.pk for t in territories}
    entries = GridEntry.objects.filter(version_id__in=versions)
    if len(ids) <= MANY:
        entries = entries.filter(Q(territory__isnull=True) | Q(territory_id__in=ids))
    entries = [
        e for e in entries.order_by("position", "code")
        .values("pk", "code", "kind", "parent_id", "labels", "territory_id")
        if e["territory_id"] is None or e["territory_id"] in ids
    ]
    by_id = {e["pk"]: e for e in entries}
    families: list[str] = []
    components: list[str] = []
    labels: dict[str, str] = {}
    family_of: dict[str, str] = {}
    entry_code: dict[int, str] = {}
    from cospiral.grid.models import pick_language

    def add(codes: list[str], entry) -> None:
        if entry["code"] not in labels:
            codes.append(entry["code"])
            labels[entry["code"]] = pick_language(entry["labels"], language)

    for e in entries:
        if e["kind"] == GridEntry.Kind.FAMILY:
            add(families, e)
    for e in entries:
        if e["kind"] == GridEntry.Kind.COMPONENT:
            add(components, e)
            parent = by_id.get(e["parent_id"])
            family_of.setdefault(e["code"], parent["code"] if parent else e["code"][:1])
            entry_code[e["pk"]] = e["code"]
    for e in entries:
        if e["kind"] == GridEntry.Kind.SUB_OBJECT:
            parent = by_id.get(e["parent_id"])
            if parent is not None and parent["code"] in family_of:
                entry_code[e["pk"]] = parent["code"]
    for code in list(family_of.values()):
        if code not in labels:  # a component whose family is missing from the grid
            families.append(code)
            labels[code] = code
    return Catalogue(families, components, labels, family_of, entry_code)


# --- tables ----------------------------------------------------------------------------

PAGE_ROWS = 100  # table rows shown at once on a page (a network has a row per territory)


@dataclass
class Column:
    key: str
    label: str
    kind: str  # "code", "text", "count" or "share"
    group: str = ""  # the heading a count and its share share (e.g. the question)


@dataclass
class Table:
    """One table of a statistics page: the same columns on the page, in CSV and XLSX."""

    name: str
    caption: str
    columns: list[Column]
    rows: list[list]
    summary: str = ""
    chart: dict | None = None  # Vega-Lite spec (see ``charts``)
    svg: str = ""
    sentences: list[str] = field(default_factory=list)
    page: int = 1  # the rows shown on the page, PAGE_ROWS at a time (exports hold all)
    page_links: dict = field(default_factory=dict)  # "previous"/"next" -> URL (views)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // PAGE_ROWS))

    @property
    def first_row(self) -> int:
        """1-based number of the first row shown on the page."""
        return (self.page - 1) * PAGE_ROWS + 1

    @property
    def last_row(self) -> int:
        return min(len(self.rows), self.page * PAGE_ROWS)

    @cached_property
    def _html(self) -> tuple[list[dict], list[str]]:
        return self.html(self.rows[self.first_row - 1:self.last_row])

    @property
    def html_heads(self) -> list[dict]:
        return self._html[0]

    @property
    def html_head_row(self) -> str:
        """The column headings as one escaped ``<tr>``: side-by-side tables have hundreds
        of columns, which the template engine would loop over slowly."""
        numeric = ' class="num"'
        cells = "".join(f'<th scope="col"{numeric if h["numeric"] else ""}>'
                        f'{escape(str(h["label"]))}</th>' for h in self.html_heads)
        return mark_safe(f"<tr>{cells}</tr>")  # noqa: S308 (labels escaped above)

    @property
    def html_rows(self) -> list[str]:
        return self._html[1]

    def html(self, rows: list[list] | None = None) -> tuple[list[dict], list[str]]:
        """Headings and cells for the page (of ``rows``, by default every row): a count
        and the share that follows it in the same group are shown in one cell, e.g.
        "12 (34%)"."""
        heads, plan = [], []
        i = 0
        cols = self.columns
        while i < len(cols):
            c = cols[i]
            paired = (c.kind == "count" and i + 1 < len(cols) and cols[i + 1].kind == "share"
                      and cols[i + 1].group == c.group)
            heads.append({"label": c.group if paired and c.group else c.label,
                          "numeric": c.kind in ("count", "share")})
            plan.append((i, paired))
            i += 2 if paired else 1
        # Rows are built as escaped HTML here: a network's table has thousands of cells,
        # which the template engine would take ~0.1 s to loop over.
        body = []
        for row in self.rows if rows is None else rows:
            parts = []
            for n, (i, paired) in enumerate(plan):
                value, kind = row[i], cols[i].kind
                if paired:
                    text = f"{value} ({numbers.percent(row[i + 1])})".replace("<", "&lt;")
                elif kind == "share":
                    text = numbers.percent(value).replace("<", "&lt;")
                elif kind == "count":
                    text = str(value)
                else:
                    text = escape("" if value is None else str(value))  # names, labels
                if n == 0:
                    parts.append(f'<th scope="row">{text}</th>')
                elif kind in ("count", "share"):
                    parts.append(f'<td class="num">{text}</td>')
                else:
                    parts.append(f"<td>{text}</td>")
            body.append(mark_safe("<tr>" + "".join(parts) + "</tr>"))  # noqa: S308 (escaped above)
        return heads, body


@dataclass
class Report:
    title: str
    subject: str
    tables: list[Table]
    coded: int
    questions: list[str]  # question codes present, in order
    totals: dict | None = None  # cards entered / counted / coded (one territory)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


def _question_order(territories: list[Territory], present: list[str]) -> list[str]:
    order = {}
    # The first territories give the order (Q1–Q4 everywhere; custom codes after them).
    for code, position in (Question.objects.filter(territory_id__in=[t.pk for t in territories[:20]])
                           .values_list("code", "position").order_by("position", "code")):
        order.setdefault(code, position)
    return sorted(present, key=lambda c: (order.get(c, 10_000), c))


def question_labels(territories: list[Territory], language: str | None = None) -> dict[str, str]:
    """Question code -> text in the reader's language (from the first territory that has
    the question)."""
    result: dict[str, str] = {}
    for q in Question.objects.filter(territory_id__in=[t.pk for t in territories[:1]]).order_by("position"):
        result.setdefault(q.code, q.text(language))
    return result


@dataclass
class Filters:
    question: str | None = None  # a question code
    groups: list[int] | None = None  # group ids (of the page's territory)
    profile: str | None = None


def _filtered(cells: Cells, filters: Filters, profile_of: dict[int, str]) -> Cells:
    mask = np.ones(len(cells), dtype=bool)
    if filters.question:
        index = _QUESTION_CODES.get(filters.question)
        mask &= cells.question == (index if index is not None else -1)
    if filters.groups is not None:
        mask &= np.isin(cells.group, np.array(filters.groups, dtype=np.int64))
    if filters.profile is not None:
        ids = [g for g, p in profile_of.items() if p == filters.profile]
        mask &= np.isin(cells.group, np.array(ids, dtype=np.int64))
    return cells if mask.all() else cells.where(mask)


def _crosstab(rows: np.ndarray, n_rows: int, cols: np.ndarray, n_cols: int,
              weights: np.ndarray) -> np.ndarray:
    """Counts in an ``n_rows × n_cols`` matrix (rows or columns < 0 are left out)."""
    keep = (rows >= 0) & (cols >= 0)
    flat = rows[keep] * n_cols + cols[keep]
    return _bincount(flat, weights[keep], n_rows * n_cols).reshape(n_rows, n_cols)


def _count_share_pairs(matrix: np.ndarray, denominators: np.ndarray,
                       row_totals: np.ndarray | None = None, whole: int = 0) -> list[list]:
    """Each row of ``matrix`` as [count, share, count, share, ...] (shares rounded to 4
    places, 0 where the denominator is 0), then [total, share of whole] if ``row_totals``
    is given: computed for every cell at once."""
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(denominators > 0, matrix / np.where(denominators > 0, denominators, 1), 0.0)
    blocks = [matrix, np.round(shares, 4)]
    if row_totals is not None:
        total_share = np.round(row_totals / whole, 4) if whole else np.zeros(len(row_totals))
        matrix = np.column_stack([matrix, row_totals])
        blocks = [matrix, np.column_stack([np.round(shares, 4), total_share])]
    counts, rounded = blocks[0].tolist(), blocks[1].tolist()
    return [[v for pair in zip(c, r, strict=True) for v in pair] for c, r in zip(counts, rounded, strict=True)]


def _by_question_table(name, caption, codes, labels, matrix, questions, qlabels, *,
                       with_family=None, skip_empty=False, subject="") -> Table:
    """Rows ``codes`` × columns ``questions``: count and share of each question's cards,
    then the total."""
    columns = [Column("code", _("Code"), "code"), Column("label", _("Label"), "text")]
    if with_family is not None:
        columns.append(Column("family", _("Family"), "code"))
    for q in questions:
        heading = f"{q} · {qlabels.get(q, '')}".rstrip(" ·")
        columns += [Column(f"{q}_count", _("%(question)s cards") % {"question": q}, "count", heading),
                    Column(f"{q}_share", _("%(question)s share") % {"question": q}, "share", heading)]
    columns += [Column("total_count", _("Cards"), "count", _("All questions")),
                Column("total_share", _("Share"), "share", _("All questions"))]
    row_totals = matrix.sum(axis=1).tolist()
    whole = int(sum(row_totals))
    pairs = _count_share_pairs(matrix, matrix.sum(axis=0)[np.newaxis, :],
                               matrix.sum(axis=1), whole)
    rows = []
    for i, code in enumerate(codes):
        if skip_empty and row_totals[i] == 0:
            continue
        row = [code, labels.get(code, code)]
        if with_family is not None:
            row.append(with_family[code])
        rows.append(row + pairs[i])
    summary = numbers.summary_sentence(
        {code: int(row_totals[i]) for i, code in enumerate(codes)}, labels, subject,
        gettext=_)
    return Table(name, caption, columns, rows, summary=summary)


def _by_unit_table(name, caption, unit_keys, unit_labels, first_columns, families, labels,
                   matrix, *, extra=None, subject="") -> Table:
    """Rows units (groups, profiles, territories) × columns families: count and share of
    the unit's coded cards; then the unit's total."""
    columns = list(first_columns)
    for f in families:
        heading = f"{f} · {labels.get(f, f)}"
        columns += [Column(f"{f}_count", _("%(family)s cards") % {"family": f}, "count", heading),
                    Column(f"{f}_share", _("%(family)s share") % {"family": f}, "share", heading)]
    columns.append(Column("coded", _("Coded cards"), "count"))
    if extra:
        columns += extra[0]
    rows = []
    totals = matrix.sum(axis=1)
    pairs = _count_share_pairs(matrix, totals[:, np.newaxis])
    totals = totals.tolist()
    for i, key in enumerate(unit_keys):
        row = list(unit_labels[i]) + pairs[i]
        row.append(totals[i])
        if extra:
            row += extra[1](key, totals[i])
        rows.append(row)
    family_totals = matrix.sum(axis=0).tolist()
    summary = numbers.summary_sentence(
        {f: int(family_totals[j]) for j, f in enumerate(families)}, labels, subject, gettext=_)
    return Table(name, caption, columns, rows, summary=summary)


def _profiles_of(territory_ids: list[int]) -> tuple[dict[int, str], dict[int, tuple]]:
    groups = Group.objects.filter(territory_id__in=territory_ids).values_list(
        "pk", "name", "profile", "territory_id").order_by("kind", "name")
    info = {pk: (name, profile, t) for pk, name, profile, t in groups}
    return {pk: v[1] for pk, v in info.items()}, info


def group_totals(territory: Territory, group_ids: list[int] | None = None) -> dict[int, dict]:
    """Cards entered (alive) and counted per group of one territory, from the counts
    table (its cells without a component), never from the cards."""
    summary = summaries([territory])[territory.pk]
    wanted = None if group_ids is None else set(group_ids)
    return {g: {"entered": e, "counted": c}
            for g, e, c in zip(summary.groups.tolist(), summary.entered.tolist(),
                               summary.counted.tolist(), strict=True)
            if wanted is None or g in wanted}


def report(territories: list[Territory], *, subject: str, title: str, filters: Filters | None = None,
           by_group: bool = True, by_territory: bool = False, language: str | None = None,
           totals_of: Territory | None = None) -> Report:
    """Counts and shares of the coded cards of ``territories`` (filtered): by family and
    by component, split by question; by group and profile (``by_group``); by territory
    (``by_territory``). ``totals_of``: also the cards entered and counted per group of
    that one territory (``group_totals``, from the same cached counts)."""
    filters = filters or Filters()
    ids = [t.pk for t in territories]
    cat = catalogue(territories, language)
    profile_of, group_info = _profiles_of(ids) if (by_group or filters.profile is not None) else ({}, {})
    grouped = by_group or filters.groups is not None or filters.profile is not None
    cells = _filtered(cells_of(territories, by_group=grouped), filters, profile_of)
    comp = cat.component_index(cells.component)
    known = comp >= 0
    present_q = np.flatnonzero(np.bincount(cells.question)).tolist() if len(cells) else []
    questions = _question_order(territories, [_question_code(q) for q in present_q])
    q_pos = {(_QUESTION_CODES[c]): i for i, c in enumerate(questions)}
    q_index = _map(cells.question, q_pos)
    qlabels = question_labels(territories, language)
    fam_of_comp = cat.family_index()
    fam = np.where(known, fam_of_comp[np.where(known, comp, 0)], -1) if len(fam_of_comp) else comp
    n_c, n_f, n_q = len(cat.components), len(cat.families), len(questions)

    comp_matrix = _crosstab(comp, n_c, q_index, n_q, cells.count)
    fam_matrix = _crosstab(fam, n_f, q_index, n_q, cells.count)
    coded = int(comp_matrix.sum())
    tables = [
        _by_question_table("families", _("Coded cards by family and question"), cat.families,
                           cat.labels, fam_matrix, questions, qlabels, subject=subject),
        _by_question_table("components", _("Coded cards by component and question"),
                           cat.components, cat.labels, comp_matrix, questions, qlabels,
                           with_family=cat.family_of, skip_empty=True, subject=subject),
    ]
    totals = None
    if by_group and group_info:
        group_ids = sorted(group_info, key=lambda g: (group_info[g][0].lower(), g))
        if filters.groups is not None:
            group_ids = [g for g in group_ids if g in set(filters.groups)]
        if filters.profile is not None:
            group_ids = [g for g in group_ids if profile_of[g] == filters.profile]
        g_pos = {g: i for i, g in enumerate(group_ids)}
        g_matrix = _crosstab(_map(cells.group, g_pos), len(group_ids), fam, n_f, cells.count)
        extra = None
        if totals_of is not None:
            counted = group_totals(totals_of, group_ids)
            totals = {
                "entered": sum(v["entered"] for v in counted.values()),
                "counted": sum(v["counted"] for v in counted.values()),
                "coded": coded,
            }
            extra = (
                [Column("counted", _("Counted cards"), "count"),
                 Column("coded_share", _("Share coded"), "share")],
                lambda g, whole: [counted.get(g, {}).get("counted", 0),
                                  round(whole / counted[g]["counted"], 4)
                                  if counted.get(g, {}).get("counted") else 0.0],
            )
        tables.append(_by_unit_table(
            "groups", _("Coded cards of each group by family"), group_ids,
            [(group_info[g][0], group_info[g][1]) for g in group_ids],
            [Column("group", _("Group"), "text"), Column("profile", _("Profile"), "text")],
            cat.families, cat.labels, g_matrix, extra=extra, subject=subject))
        profiles = sorted({profile_of[g] for g in group_ids}, key=str.lower)
        p_pos = {p: i for i, p in enumerate(profiles)}
        group_profile = {g: p_pos[profile_of[g]] for g in group_ids}
        p_matrix = _crosstab(_map(cells.group, group_profile), len(profiles), fam, n_f, cells.count)
        tables.append(_by_unit_table(
            "profiles", _("Coded cards of each group profile by family"), profiles,
            [(p or _("(no profile)"),) for p in profiles],
            [Column("profile", _("Profile"), "text")], cat.families, cat.labels, p_matrix,
            subject=subject))
    if by_territory:
        names = {t.pk: t for t in territories}
        order = sorted(ids, key=lambda t: (names[t].name.lower(), t))
        t_pos = {t: i for i, t in enumerate(order)}
        t_matrix = _crosstab(_map(cells.territory, t_pos), len(order), fam, n_f, cells.count)
        tables.append(_by_unit_table(
            "territories", _("Coded cards of each territory by family"), order,
            [(names[t].slug, names[t].name) for t in order],
            [Column("territory", _("Identifier"), "code"), Column("name", _("Territory"), "text")],
            cat.families, cat.labels, t_matrix, subject=subject))
    return Report(title=title, subject=subject, tables=tables, coded=coded,
                  questions=questions, totals=totals)


def _map(values: np.ndarray, positions: dict[int, int]) -> np.ndarray:
    """Replace each value by its position in ``positions`` (-1 when absent), vectorised."""
    keys = np.fromiter(positions.keys(), dtype=np.int64, count=len(positions))
    pos = np.fromiter(positions.values(), dtype=np.int64, count=len(positions))
    return _lookup(keys, pos, values)


def _lookup(keys: np.ndarray, positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``positions[i]`` where ``values == keys[i]``, else -1: a dense table indexed by
    value (ids are small non-negative integers), one gather per value."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(keys) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    top = int(max(keys.max(), values.max()))
    if keys.min() < 0 or values.min() < 0 or top > 50_000_000:
        order = np.argsort(keys)
        keys, positions = keys[order], positions[order]
        at = np.clip(np.searchsorted(keys, values), 0, len(keys) - 1)
        return np.where(keys[at] == values, positions[at], -1)
    table = np.full(top + 1, -1, dtype=np.int64)
    table[keys] = positions
    return table[values]


# --- groups side by side --------------------------------------------------------------

def comparison(territory: Territory, *, group_ids: list[int] | None, by_profile: bool,
               question: str | None = None, language: str | None = None, top: int = 3) -> Report:
    """Groups (or group profiles) side by side: the share of each family and component
    in each, and the components most over-represented in each compared with the others."""
    cat = catalogue([territory], language)
    profile_of, info = _profiles_of([territory.pk])
    chosen = sorted(info, key=lambda g: (info[g][0].lower(), g)) if group_ids is None \
        else [g for g in sorted(info, key=lambda g: (info[g][0].lower(), g)) if g in set(group_ids)]
    cells = _filtered(cells_of([territory]),
                      Filters(question=question, groups=chosen), profile_of)
    if by_profile:
        units = sorted({profile_of[g] for g in chosen}, key=str.lower)
        unit_label = {u: (u or _("(no profile)")) for u in units}
        u_pos = {u: i for i, u in enumerate(units)}
        unit_index = _map(cells.group, {g: u_pos[profile_of[g]] for g in chosen})
    else:
        units = chosen
        unit_label = {g: info[g][0] for g in chosen}
        unit_index = _map(cells.group, {g: i for i, g in enumerate(units)})
    comp = cat.component_index(cells.component)
    fam_of_comp = cat.family_index()
    fam = np.where(comp >= 0, fam_of_comp[np.where(comp >= 0, comp, 0)], -1) \
        if len(fam_of_comp) else comp
    f_matrix = _crosstab(fam, len(cat.families), unit_index, len(units), cells.count)
    c_matrix = _crosstab(comp, len(cat.components), unit_index, len(units), cells.count)
    subject = territory.name
    unit_heading = _("Profile") if by_profile else _("Group")

    def side_by_side(name, caption, codes, matrix, with_family=False):
        columns = [Column("code", _("Code"), "code"), Column("label", _("Label"), "text")]
        if with_family:
            columns.append(Column("family", _("Family"), "code"))
        for u in units:
            # Keys name the unit (a profile or a group's name): headers readers recognise.
            columns += [Column(f"{unit_label[u]} cards", _("%(unit)s cards") % {"unit": unit_label[u]},
                               "count", unit_label[u]),
                        Column(f"{unit_label[u]} share", _("%(unit)s share") % {"unit": unit_label[u]},
                               "share", unit_label[u])]
        unit_totals = matrix.sum(axis=0).tolist()
        rows = []
        for i, code in enumerate(codes):
            if with_family and matrix[i].sum() == 0:
                continue
            row = [code, cat.labels.get(code, code)] + ([cat.family_of[code]] if with_family else [])
            for j in range(len(units)):
                n = int(matrix[i, j])
                row += [n, round(n / unit_totals[j], 4) if unit_totals[j] else 0.0]
            rows.append(row)
        return Table(name, caption, columns, rows)

    families = side_by_side("compare_families", _("Share of each family in each group")
                            if not by_profile else _("Share of each family in each profile"),
                            cat.families, f_matrix)
    components = side_by_side("compare_components", _("Coded cards of each component, side by side"),
                              cat.components, c_matrix, with_family=True)
    per_unit = {u: {cat.components[i]: int(c_matrix[i, j]) for i in range(len(cat.components))
                    if c_matrix[i, j]} for j, u in enumerate(units)}
    over = numbers.overrepresented(per_unit, top=top)
    over_rows, sentences = [], []
    for u in units:
        for o in over[u]:
            over_rows.append([unit_label[u], o.key, cat.labels.get(o.key, o.key), o.count,
                              round(o.share, 4), round(o.others_share, 4),
                              round(o.difference * 100, 1)])
        sentences.append(numbers.comparison_sentence(unit_label[u], over[u], cat.labels, gettext=_))
    over_table = Table(
        "overrepresented", _("Components most over-represented in each, compared with the others"),
        [Column("unit", unit_heading, "text"), Column("code", _("Code"), "code"),
         Column("label", _("Component"), "text"), Column("count", _("Cards"), "count"),
         Column("share", _("Share in it"), "share"),
         Column("others_share", _("Share in the others"), "share"),
         Column("points", _("Difference (points)"), "text")],
        over_rows, sentences=sentences)
    family_totals = f_matrix.sum(axis=1).tolist()
    families.summary = numbers.summary_sentence(
        {f: int(family_totals[i]) for i, f in enumerate(cat.families)}, cat.labels, subject,
        gettext=_)
    families.sentences = sentences
    return Report(title=_("Groups side by side"), subject=subject,
                  tables=[families, over_table, components], coded=int(f_matrix.sum()),
                  questions=[question] if question else [], totals=None)


# --- whom may read what ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TerritoryRef:
    """The fields of a territory that statistics read (cheaper than model instances
    for the thousands of territories of a network)."""

    pk: int
    slug: str
    name: str
    parent_id: int | None
    grid_version_id: int
    created_at: object


def readable_territories(user) -> list[TerritoryRef]:
    """The territories where ``user`` has a role (every territory for a superuser)."""
    qs = Territory.objects.all() if user.is_superuser else Territory.objects.filter(
        pk__in=Membership.objects.filter(user=user).values("territory_id"))
    return [TerritoryRef(*row) for row in
            qs.order_by("name", "pk").values_list("pk", "slug", "name", "parent_id",
                                                  "grid_version_id", "created_at")]


def inside(territory: Territory, readable: list[Territory]) -> list[Territory]:
    """The readable territories inside ``territory`` (children, their children...)."""
    by_parent: dict[int | None, list[Territory]] = {}
    for t in readable:
        by_parent.setdefault(t.parent_id, []).append(t)
    found, seen, todo = [], {territory.pk}, [territory.pk]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            if child.pk not in seen:
                seen.add(child.pk)
                found.append(child)
                todo.append(child.pk)
    return found


def profiles(territory: Territory) -> list[str]:
    return sorted(set(Group.objects.of(territory).values_list("profile", flat=True)), key=str.lower)


def groups(territory: Territory) -> list[Group]:
    return list(Group.objects.of(territory).order_by("kind", "name"))


def questions(territory: Territory) -> list[Question]:
    return list(Question.objects.of(territory).order_by("position", "code"))
