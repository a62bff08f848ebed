"""Reads for statistics: the exact counts of ``coding.CodingCount`` (coded cards per
component; cards entered and counted per group), never a GROUP BY over cards.

A territory's counts are loaded once into small NumPy arrays (one row per
group × question × component cell, plus per-group totals) and kept in this process under
the territory's version token (``stats.cells``). A page then has the domain
(``cospiral.domain.counts``) aggregate whatever its filters (question, group, profile) and
scope (a group, a territory with or without the territories inside it, a set of
territories): this module fetches and labels, the domain computes.

Codes are the join keys (components of different grid versions or territories meet on
their code); labels are in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from html import escape

from django.db.models import Q
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cospiral.cards.models import Question
from cospiral.domain import counts
from cospiral.domain import stats as numbers
from cospiral.domain.counts import Catalogue, Cells
from cospiral.grid.models import GridEntry
from cospiral.groups.models import Group
from cospiral.statistics.cells import (
    _QUESTION_CODES,
    MANY,
    _question_code,
    cells_of,
    summaries,
)
from cospiral.statistics.cells import CACHE as CACHE  # re-exported: the benchmarks clear it
from cospiral.territories.models import Membership, Territory

# --- the grid, as codes and labels -----------------------------------------------------


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
    question = None
    if filters.question:
        index = _QUESTION_CODES.get(filters.question)
        question = index if index is not None else -1
    groups: list[list[int]] = []
    if filters.groups is not None:
        groups.append(filters.groups)
    if filters.profile is not None:
        groups.append([g for g, p in profile_of.items() if p == filters.profile])
    return counts.keep(cells, question=question, groups=groups)


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
    row_totals, pairs = counts.by_question(matrix)
    rows = []
    for i, code in enumerate(codes):
        if skip_empty and row_totals[i] == 0:
            continue
        row = [code, labels.get(code, code)]
        if with_family is not None:
            row.append(with_family[code])
        rows.append(row + pairs[i])
    summary = numbers.summary_sentence(
        {code: row_totals[i] for i, code in enumerate(codes)}, labels, subject,
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
    totals, pairs = counts.by_unit(matrix)
    for i, key in enumerate(unit_keys):
        row = list(unit_labels[i]) + pairs[i]
        row.append(totals[i])
        if extra:
            row += extra[1](key, totals[i])
        rows.append(row)
    family_totals = counts.column_totals(matrix)
    summary = numbers.summary_sentence(
        {f: family_totals[j] for j, f in enumerate(families)}, labels, subject, gettext=_)
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
    questions = _question_order(territories,
                                [_question_code(q) for q in counts.present(cells.question)])
    q_pos = {(_QUESTION_CODES[c]): i for i, c in enumerate(questions)}
    q_index = counts.map_positions(cells.question, q_pos)
    qlabels = question_labels(territories, language)
    fam = counts.families_of(comp, cat.family_index())
    n_c, n_f, n_q = len(cat.components), len(cat.families), len(questions)

    comp_matrix = counts.crosstab(comp, n_c, q_index, n_q, cells.count)
    fam_matrix = counts.crosstab(fam, n_f, q_index, n_q, cells.count)
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
        g_matrix = counts.crosstab(counts.map_positions(cells.group, g_pos), len(group_ids), fam, n_f, cells.count)
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
                                  counts.share(whole, counted.get(g, {}).get("counted", 0))],
            )
        tables.append(_by_unit_table(
            "groups", _("Coded cards of each group by family"), group_ids,
            [(group_info[g][0], group_info[g][1]) for g in group_ids],
            [Column("group", _("Group"), "text"), Column("profile", _("Profile"), "text")],
            cat.families, cat.labels, g_matrix, extra=extra, subject=subject))
        profiles = sorted({profile_of[g] for g in group_ids}, key=str.lower)
        p_pos = {p: i for i, p in enumerate(profiles)}
        group_profile = {g: p_pos[profile_of[g]] for g in group_ids}
        p_matrix = counts.crosstab(counts.map_positions(cells.group, group_profile), len(profiles), fam, n_f, cells.count)
        tables.append(_by_unit_table(
            "profiles", _("Coded cards of each group profile by family"), profiles,
            [(p or _("(no profile)"),) for p in profiles],
            [Column("profile", _("Profile"), "text")], cat.families, cat.labels, p_matrix,
            subject=subject))
    if by_territory:
        names = {t.pk: t for t in territories}
        order = sorted(ids, key=lambda t: (names[t].name.lower(), t))
        t_pos = {t: i for i, t in enumerate(order)}
        t_matrix = counts.crosstab(counts.map_positions(cells.territory, t_pos), len(order), fam, n_f, cells.count)
        tables.append(_by_unit_table(
            "territories", _("Coded cards of each territory by family"), order,
            [(names[t].slug, names[t].name) for t in order],
            [Column("territory", _("Identifier"), "code"), Column("name", _("Territory"), "text")],
            cat.families, cat.labels, t_matrix, subject=subject))
    return Report(title=title, subject=subject, tables=tables, coded=coded,
                  questions=questions, totals=totals)


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
        unit_index = counts.map_positions(cells.group, {g: u_pos[profile_of[g]] for g in chosen})
    else:
        units = chosen
        unit_label = {g: info[g][0] for g in chosen}
        unit_index = counts.map_positions(cells.group, {g: i for i, g in enumerate(units)})
    comp = cat.component_index(cells.component)
    fam = counts.families_of(comp, cat.family_index())
    f_matrix = counts.crosstab(fam, len(cat.families), unit_index, len(units), cells.count)
    c_matrix = counts.crosstab(comp, len(cat.components), unit_index, len(units), cells.count)
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
        totals, pairs = counts.row_totals(matrix), counts.column_shares(matrix)
        rows = []
        for i, code in enumerate(codes):
            if with_family and totals[i] == 0:
                continue
            row = [code, cat.labels.get(code, code)] + ([cat.family_of[code]] if with_family else [])
            rows.append(row + pairs[i])
        return Table(name, caption, columns, rows)

    families = side_by_side("compare_families", _("Share of each family in each group")
                            if not by_profile else _("Share of each family in each profile"),
                            cat.families, f_matrix)
    components = side_by_side("compare_components", _("Coded cards of each component, side by side"),
                              cat.components, c_matrix, with_family=True)
    per_unit = counts.per_column(c_matrix, cat.components, units)
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
    family_totals = counts.row_totals(f_matrix)
    families.summary = numbers.summary_sentence(
        {f: family_totals[i] for i, f in enumerate(cat.families)}, cat.labels, subject,
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
