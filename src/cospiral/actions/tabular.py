"""The plan in a spreadsheet: export the territory's actions and commitments as CSV or
XLSX, edit them, import them back by id.

An import is accepted whole or refused whole: every problem is given by file, line and
column, and nothing is stored unless the whole file is valid. A row with an id changes
that action (or commitment) of this territory; a row with an empty id creates one; an
id that is not one of this territory's is refused at its line, in the column ``id``.
The values are checked by the same rules as the pages (``cospiral.actions.services``):
statuses and progress, the five scores, a demonstrative action's four tests, dates in
order, parties of the territory, outcomes after acceptance with evidence. The whole
resulting hierarchy of actions is checked for cycles (``cospiral.domain.plan``), and a
sub-action stays in its parent's strategic axis. Importing an unchanged export changes
nothing and says so. Cells are read by ``cospiral.domain.plan_table``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cospiral.actions import services
from cospiral.actions.models import Action, Axis, Commitment
from cospiral.actions.tabular_export import KINDS
from cospiral.actions.tabular_export import column_help as column_help  # re-exported
from cospiral.actions.tabular_export import response as response  # re-exported
from cospiral.core.access import role_in
from cospiral.core.tabular import TableError, TableRejected, read_table
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.domain import plan_table as table
from cospiral.territories.models import Organisation, Role

# --- Import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int
    unchanged: int
    read_as: str = ""   # how the file was read (encoding and separator, or sheet)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _check_coordinator(territory, user) -> None:
    if role_in(user, territory) != Role.COORDINATOR:
        raise PermissionDenied(_("Only coordinators may import the plan."))


class _Errors:
    def __init__(self, filename: str):
        self.filename = filename
        self.items: list[TableError] = []

    def add(self, line, column, message) -> None:
        self.items.append(TableError(self.filename, line, column, str(message)))

    def cell(self, line, column, error: table.CellError) -> None:
        p = error.params
        if error.code == "date":
            message = _("“%(value)s” is not a date: write it as YYYY-MM-DD (for example "
                        "2026-03-31).") % p
        elif error.code == "yes_no":
            message = _("“%(value)s” is neither yes nor no.") % p
        elif column in ("id", "parent_id", "action_id"):
            message = _("“%(value)s” is not a number of cospiral: write the whole number "
                        "of the export, or leave the cell empty.") % p
        else:
            message = _("“%(value)s” is not a whole number.") % p
        self.add(line, column, message)

    def service(self, line, errors: dict, columns: dict) -> None:
        """The service's errors at ``line``, by column; a cell already reported is not
        reported twice."""
        done = {(e.line, e.column) for e in self.items}
        for field, message in errors.items():
            column = columns.get(field, field)
            if (line, column) not in done:
                self.add(line, column, message)


_BAD = object()  # a cell that could not be read, where None is a value (not assessed)


def _read(errors: _Errors, line, column, reader, value, default=None):
    try:
        return reader(value)
    except table.CellError as error:
        errors.cell(line, column, error)
        return default


def _amount(text: str) -> str | None:
    """An amount as French spreadsheets write it (« 1 234,50 ») in the service's form; a
    text that is no number goes to the service as typed, which refuses it."""
    from cospiral.core.imports.schema import CellProblem, decimal

    try:
        number = decimal(text)
    except CellProblem:
        return text.replace(",", ".")
    return None if number is None else str(number)


#: French names accepted for the plan's columns (matched ignoring case and accents).
ACTION_ALIASES = {
    "parent_id": ("id_parent",), "axis": ("axe",), "title": ("titre",), "status": ("statut",),
    "progress": ("avancement", "progression"), "lead": ("pilote",), "families": ("familles",),
    "demonstrative": ("démonstrative",), "starts_on": ("début",), "ends_on": ("fin",),
    "review_on": ("revue",),
}
COMMITMENT_ALIASES = {
    "action_id": ("id_action",), "party_kind": ("type_de_partie",), "group": ("groupe",),
    "person": ("personne",), "what": ("engagement", "quoi"), "resource": ("ressource",),
    "amount": ("montant",), "unit": ("unité",), "due_on": ("échéance",),
    "accepted_on": ("accepté_le",), "signed_on": ("signé_le",), "outcome": ("résultat",),
    "evidence": ("preuve",),
}


def _by_name(objects) -> dict:
    return {o.name.strip().casefold(): o for o in objects}


# Service field names → columns of the action file.
_ACTION_COLUMN_OF = {"parent": "parent_id", "axis": "axis", "lead": "lead",
                     "cycle": "id", "position": "id"}


def import_actions(territory, data: bytes, filename: str, *, user, progress=None) -> ImportResult:
    """Import an action file (``plan_table.ACTION_COLUMNS``; a column left out keeps each
    action's value): all rows or none. Raises ``TableRejected`` with every error."""
    _check_coordinator(territory, user)
    optional = [c for c in table.ACTION_COLUMNS if c not in table.ACTION_REQUIRED]
    rows = read_table(data, filename, required=table.ACTION_REQUIRED, optional=optional,
                      aliases=ACTION_ALIASES)
    with transaction.atomic():
        existing = {a.pk: a for a in Action.objects.of(territory).select_for_update().order_by("id")}
        checker = _ActionFile(territory, filename, existing)
        prepared = checker.check_all(rows, progress)
        checker.hierarchy(prepared)
        if checker.errors.items:
            raise TableRejected(checker.errors.items)
        written = services.import_plan_actions(
            territory, user=user, rows=[(current, values) for _r, current, values, _g in prepared],
            filename=filename, lines=len(rows))
    return ImportResult("actions", written.created, written.updated, written.unchanged,
                        rows.described())


class _FileById:
    """What the action and commitment files share: a line names the row it changes by
    the ``id`` of the export (empty for a new row), once per file, never a deleted one."""

    def __init__(self, filename: str, existing: dict):
        self.errors = _Errors(filename)
        self.existing = existing
        self.seen_ids: dict[int, int] = {}

    def current(self, line, v):
        """``(ok, the row the line changes or None for a new one)``."""
        pk = _read(self.errors, line, "id", table.identifier, v["id"], default=False)
        if pk is False:
            return False, None
        if pk is None:
            return True, None
        current = self.existing.get(pk)
        if current is None:
            self.errors.add(line, "id", self.unknown(pk))
        elif current.deleted_at is not None:
            self.errors.add(line, "id", self.deleted(current))
        elif pk in self.seen_ids:
            self.errors.add(line, "id", self.repeated(pk, self.seen_ids[pk]))
        else:
            self.seen_ids[pk] = line
            return True, current
        return False, None

    def check_all(self, rows, progress=None) -> list:
        """The checked values of every valid line (errors noted), telling ``progress``
        every 1,000 lines."""
        prepared = []
        for number, row in enumerate(rows, start=1):
            if progress is not None and number % 1000 == 0:
                progress(number, len(rows))
            checked = self.check(row)
            if checked is not None:
                prepared.append(checked)
        return prepared

    def read_cells(self, line, v, d, readers) -> bool:
        """Read the cells of ``readers`` (``(column, reader, value when bad)``) present
        on the line into ``d``; False when one of them is refused (its error noted)."""
        ok = True
        for name, reader, bad in readers:
            if name in v:
                value = _read(self.errors, line, name, reader, v[name], bad)
                if value is bad:
                    ok = False
                else:
                    d[name] = value
        return ok


class _ActionFile(_FileById):
    """The checks of an imported action file, line by line, then of the whole resulting
    hierarchy; the plan's own rules through ``services.check_action``."""

    def __init__(self, territory, filename: str, existing: dict):
        super().__init__(filename, existing)
        self.territory = territory
        self.axes = {a.code.strip().casefold(): a for a in Axis.objects.of(territory)}
        self.axes_by_pk = {a.pk: a for a in self.axes.values()}
        self.organisations = _by_name(Organisation.objects.of(territory))
        self.organisations_by_pk = {o.pk: o for o in self.organisations.values()}

    def unknown(self, pk) -> str:
        return _("no action of this territory has the number %(id)s: keep the number of the "
                 "export, or leave the cell empty to create a new action.") % {"id": pk}

    def deleted(self, current) -> str:
        return _("the action %(id)s (“%(title)s”) is deleted: restore it before changing "
                 "it.") % {"id": current.pk, "title": current.title}

    def repeated(self, pk, first) -> str:
        return _("the action %(id)s is already on line %(first)s: give each action one "
                 "line.") % {"id": pk, "first": first}

    def start(self, current) -> tuple[dict, str, int | None]:
        """``(fields, status, progress)`` before the line: the action's, or a new one's."""
        if current is None:
            return ({"title": "", "description": "", "axis": None, "parent": None, "cycle": None,
                     "lead": None, "families": [], "scores": {}, "demonstrative": False,
                     **{t: None for t in plan.DEMONSTRATIVE_TESTS}, "starts_on": None,
                     "ends_on": None, "review_on": None, "position": 0},
                    Action.Status.PROPOSED, None)
        return ({"title": current.title, "description": current.description,
                 "axis": self.axes_by_pk.get(current.axis_id),
                 "parent": self.existing.get(current.parent_id), "cycle": current.cycle,
                 "lead": self.organisations_by_pk.get(current.lead_id),
                 "families": current.families,
                 "scores": {q: getattr(current, q) for q in ev.QUESTIONS},
                 "demonstrative": current.demonstrative,
                 **{t: getattr(current, t) for t in plan.DEMONSTRATIVE_TESTS},
                 "starts_on": current.starts_on, "ends_on": current.ends_on,
                 "review_on": current.review_on, "position": current.position},
                current.status, current.progress)

    def parent(self, line, v, d) -> bool:
        if "parent_id" not in v:
            return True
        parent_id = _read(self.errors, line, "parent_id", table.identifier, v["parent_id"], False)
        if parent_id is False:
            return False
        if parent_id is not None and parent_id not in self.existing:
            self.errors.add(line, "parent_id", _(
                "no action of this territory has the number %(id)s: an action can only be "
                "part of an action of this territory that exists already.") % {"id": parent_id})
            return False
        d["parent"] = self.existing[parent_id] if parent_id is not None else None
        return True

    def named(self, line, v, d, column, known, message) -> bool:
        """An axis (by code) or a lead organisation (by name) of the territory."""
        if column not in v:
            return True
        name = table.text(v[column])
        if name and name.casefold() not in known:
            self.errors.add(line, column, message(name))
            return False
        d[column] = known[name.casefold()] if name else None
        return True

    def axis_and_lead(self, line, v, d) -> bool:
        axis_ok = self.named(line, v, d, "axis", self.axes, lambda code: _(
            "unknown strategic axis “%(code)s”. The axes of this territory are %(known)s.") % {
            "code": code, "known": ", ".join(a.code for a in self.axes.values()) or "—"})
        lead_ok = self.named(line, v, d, "lead", self.organisations, lambda name: _(
            "unknown organisation “%(name)s”: no organisation of this territory has that "
            "name.") % {"name": name})
        return axis_ok and lead_ok

    def origin(self, line, v, current) -> bool:
        if "origin" not in v:
            return True
        origin = table.text(v["origin"])
        if current is None and origin not in ("", Action.Origin.BLANK):
            self.errors.add(line, "origin", _(
                "a new action from a file is written from scratch (origin “blank” or "
                "empty); create an action from cards, a pilot idea or an indicator on its "
                "page."))
            return False
        if current is not None and origin not in ("", current.origin):
            self.errors.add(line, "origin", _("the origin of an action cannot change (it is "
                                              "“%(origin)s”).") % {"origin": current.origin})
            return False
        return True

    def progress(self, line, v, progress):
        """``(ok, progress)``."""
        if "progress" not in v:
            return True, progress
        try:
            return True, plan.check_progress(table.whole(v["progress"]))
        except (table.CellError, plan.PlanError):
            self.errors.add(line, "progress", _(
                "“%(value)s” is not a progress: give a whole number from 0 to 100, or "
                "leave it empty for not measured.") % {"value": v["progress"]})
            return False, progress

    @staticmethod
    def scores(v, d) -> None:
        scores = dict(d["scores"])
        for q in ev.QUESTIONS:
            if q in v:
                try:
                    scores[q] = table.whole(v[q])
                except table.CellError:
                    scores[q] = v[q]  # the service names it
        d["scores"] = scores

    def cells(self, line, v, d) -> bool:
        """The yes/no and date cells."""
        return self.read_cells(line, v, d, [(n, table.boolean, None) for n in ("demonstrative",)]
                               + [(n, table.optional_boolean, _BAD)
                                  for n in plan.DEMONSTRATIVE_TESTS]
                               + [(n, table.date, False)
                                  for n in ("starts_on", "ends_on", "review_on")])

    def check(self, row):
        """``(row, action or None, values, axis given)`` of a valid line, else None."""
        v, line = row.values, row.line
        ok, current = self.current(line, v)
        d, status, progress = self.start(current)
        d["title"] = table.text(v["title"])
        if "description" in v:
            d["description"] = table.text(v["description"])
        if "families" in v:
            d["families"] = table.codes(v["families"])
        if "status" in v:
            status = table.text(v["status"]).lower() or status
        checks = [self.parent(line, v, d), self.axis_and_lead(line, v, d),
                  self.origin(line, v, current)]
        progress_ok, progress = self.progress(line, v, progress)
        self.scores(v, d)
        checks += [progress_ok, self.cells(line, v, d)]
        # The plan's rules, as on the pages; the hierarchy is checked whole afterwards.
        values, problems = services.check_action(self.territory, None, d, status=status,
                                                 progress=progress)
        if problems:
            self.errors.service(line, problems, {**_ACTION_COLUMN_OF, **{
                "status": "status" if "status" in v else "id",
                "progress": "progress" if "progress" in v else "id"}})
        if not (ok and all(checks)) or problems:
            return None
        values["axis"] = d["axis"]  # resolved with the whole hierarchy
        return (row, current, values, "axis" in v and bool(v["axis"]))

    def hierarchy(self, prepared) -> None:
        """The whole resulting hierarchy: no cycle; a sub-action in its parent's axis."""
        parent_of = {pk: a.parent_id for pk, a in self.existing.items()}
        for _row, current, values, _given in prepared:
            if current is not None:
                parent_of[current.pk] = values["parent"].pk if values["parent"] else None
        if not self.cycles(prepared, parent_of):
            self.axes_of_subactions(prepared, parent_of)

    def cycles(self, prepared, parent_of) -> bool:
        """Report a cycle on the lines that give an action a new parent; True if any."""
        lines = {current.pk: row.line for row, current, values, _g in prepared
                 if current is not None and parent_of[current.pk] != current.parent_id}
        found_any = False
        for found in table.cycles(parent_of):
            found_any = True
            if found.node in lines:
                chain = " → ".join(f"{pk} “{self.existing[pk].title}”" for pk in found.chain)
                self.errors.add(lines[found.node], "parent_id", _(
                    "this would make the action its own ancestor (%(chain)s): choose another "
                    "parent, or none.") % {"chain": chain})
        return found_any

    def axes_of_subactions(self, prepared, parent_of) -> None:
        final_axis = {pk: a.axis_id for pk, a in self.existing.items()}
        for _row, current, values, _given in prepared:
            if current is not None:
                final_axis[current.pk] = values["axis"].pk if values["axis"] else None
        for row, _current, values, given in prepared:
            parent = values["parent"]
            if parent is None:
                continue
            root = table.root_of(parent.pk, parent_of)
            axis_id = final_axis[root]
            if given and (values["axis"].pk if values["axis"] else None) != axis_id:
                axis = self.axes_by_pk.get(axis_id)
                self.errors.add(row.line, "axis", _(
                    "a sub-action belongs to the strategic axis of its main action “%(root)s”: "
                    "write %(code)s or leave the cell empty.") % {
                    "root": self.existing[root].title,
                    "code": f"“{axis.code}”" if axis else _("nothing")})
            values["axis"] = self.axes_by_pk.get(axis_id)


_COMMITMENT_COLUMN_OF = {"party_kind": "party_kind", "organisation": "organisation",
                         "group": "group", "person": "person"}


def import_commitments(territory, data: bytes, filename: str, *, user,
                       progress=None) -> ImportResult:
    """Import a commitment file (``plan_table.COMMITMENT_COLUMNS``; a column left out
    keeps each commitment's value): all rows or none."""
    _check_coordinator(territory, user)
    optional = [c for c in table.COMMITMENT_COLUMNS if c not in table.COMMITMENT_REQUIRED]
    rows = read_table(data, filename, required=table.COMMITMENT_REQUIRED, optional=optional,
                      aliases=COMMITMENT_ALIASES)
    with transaction.atomic():
        existing = {c.pk: c for c in Commitment.objects.of(territory).select_for_update()
                    .order_by("id")}
        actions = {a.pk: a for a in Action.objects.of(territory).order_by("id")}
        checker = _CommitmentFile(territory, filename, existing, actions)
        prepared = checker.check_all(rows, progress)
        if checker.errors.items:
            raise TableRejected(checker.errors.items)
        written = services.import_plan_commitments(territory, user=user, rows=prepared,
                                                   filename=filename, lines=len(rows))
    return ImportResult("commitments", written.created, written.updated, written.unchanged,
                        rows.described())


_COMMITMENT_FIELDS = ("party_kind", "organisation", "group", "person", "what", "resource",
                      "amount", "unit", "due_on", "accepted_on", "signed_on", "outcome",
                      "evidence")


class _CommitmentFile(_FileById):
    """The checks of an imported commitment file, line by line; the plan's own rules
    through ``services.check_commitment``."""

    def __init__(self, territory, filename: str, existing: dict, actions: dict):
        from cospiral.groups.models import Group

        super().__init__(filename, existing)
        self.territory, self.actions = territory, actions
        self.organisations = _by_name(Organisation.objects.of(territory))
        self.groups = _by_name(Group.objects.of(territory))

    def unknown(self, pk) -> str:
        return _("no commitment of this territory has the number %(id)s: keep the number of "
                 "the export, or leave the cell empty to add a commitment.") % {"id": pk}

    def deleted(self, current) -> str:
        return _("the commitment %(id)s is deleted: restore it before changing it.") % {
            "id": current.pk}

    def repeated(self, pk, first) -> str:
        return _("the commitment %(id)s is already on line %(first)s: give each commitment "
                 "one line.") % {"id": pk, "first": first}

    def action(self, line, v, current):
        action_id = _read(self.errors, line, "action_id", table.identifier, v["action_id"], False)
        if action_id is False:
            return None
        action = self.actions.get(action_id) if action_id is not None else None
        if action_id is None:
            self.errors.add(line, "action_id", _("give the number of the action the commitment "
                                                 "is for."))
        elif action is None:
            self.errors.add(line, "action_id", _("no action of this territory has the number "
                                                 "%(id)s.") % {"id": action_id})
        elif action.deleted_at is not None:
            self.errors.add(line, "action_id", _("the action %(id)s (“%(title)s”) is deleted: "
                                                 "restore it first.") % {
                "id": action_id, "title": action.title})
        elif current is not None and current.action_id != action_id:
            self.errors.add(line, "action_id", _("a commitment stays with its action (%(id)s): "
                                                 "add a new line, without id, for another "
                                                 "action.") % {"id": current.action_id})
        else:
            return action
        return None

    @staticmethod
    def start(current) -> dict:
        if current is not None:
            return {name: getattr(current, name) for name in _COMMITMENT_FIELDS}
        return {"party_kind": "", "organisation": None, "group": None, "person": "",
                "what": "", "resource": Commitment.Resource.TIME, "amount": None, "unit": "",
                "due_on": None, "accepted_on": None, "signed_on": None, "outcome": "",
                "evidence": ""}

    def party(self, line, v, d) -> bool:
        ok = True
        for name, known, label in (("organisation", self.organisations, _("organisation")),
                                   ("group", self.groups, _("group"))):
            if name not in v:
                continue
            value = table.text(v[name])
            d[name] = known.get(value.casefold()) if value else None
            if value and d[name] is None and d["party_kind"] == name:
                self.errors.add(line, name, _("unknown %(what)s “%(name)s”: no %(what)s of this "
                                              "territory has that name.") % {
                    "what": label, "name": value})
                ok = False
        return ok

    @staticmethod
    def texts(v, d) -> None:
        for name in ("person", "unit", "evidence"):
            if name in v:
                d[name] = table.text(v[name])
        if "resource" in v:
            d["resource"] = table.text(v["resource"]).lower() or Commitment.Resource.TIME
        if "outcome" in v:
            d["outcome"] = table.text(v["outcome"]).lower()
        if "amount" in v:
            d["amount"] = _amount(table.text(v["amount"]))

    def dates(self, line, v, d) -> bool:
        return self.read_cells(line, v, d, [(n, table.date, False)
                                            for n in ("due_on", "accepted_on", "signed_on")])

    def check(self, row):
        """``(commitment or None, its action, values)`` of a valid line, else None."""
        v, line = row.values, row.line
        ok, current = self.current(line, v)
        action = self.action(line, v, current)
        d = self.start(current)
        d["party_kind"] = table.text(v["party_kind"]).lower()
        d["what"] = table.text(v["what"])
        party_ok = self.party(line, v, d)
        self.texts(v, d)
        dates_ok = self.dates(line, v, d)
        values, problems = services.check_commitment(self.territory, d)
        if problems:
            self.errors.service(line, problems, _COMMITMENT_COLUMN_OF)
        if not (ok and action is not None and party_ok and dates_ok) or problems:
            return None
        return (current, action, values)


def import_file(territory, kind: str, data: bytes, filename: str, *, user,
                progress=None) -> ImportResult:
    if kind not in KINDS:
        raise ValueError(kind)
    return (import_actions if kind == "actions" else import_commitments)(
        territory, data, filename, user=user, progress=progress)
