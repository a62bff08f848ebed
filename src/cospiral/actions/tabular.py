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
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.actions import services
from cospiral.actions.models import Action, Axis, Commitment
from cospiral.core import audit, exports
from cospiral.core.access import role_in
from cospiral.core.models import AuditEntry
from cospiral.core.tabular import TableError, TableRejected, read_table
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.domain import plan_table as table
from cospiral.territories.models import Organisation, Role

KINDS = ("actions", "commitments")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ACTION_HELP = {
    "id": gettext_lazy("the action's number in cospiral; leave it empty to create a new action"),
    "parent_id": gettext_lazy("the number of the action it is part of; empty for a main action"),
    "axis": gettext_lazy("the code of its strategic axis (empty: no axis); a sub-action is in "
                         "its parent's axis"),
    "title": gettext_lazy("the action's title (required)"),
    "description": gettext_lazy("what the action does"),
    "origin": gettext_lazy("where it comes from (blank, cards, pilot_idea, indicator); it cannot "
                           "change, and a new action from the file is blank"),
    "status": gettext_lazy("proposed, selected, planned, running, done or abandoned"),
    "progress": gettext_lazy("0 to 100; empty = not measured (planned counts 0, done 100)"),
    "lead": gettext_lazy("the name of the lead organisation, as in cospiral"),
    "families": gettext_lazy("the grid families it covers: codes separated by spaces"),
    "demonstrative": gettext_lazy("yes or no; yes only when the four tests are yes"),
    "starts_on": gettext_lazy("start date, YYYY-MM-DD"),
    "ends_on": gettext_lazy("end date, YYYY-MM-DD, not before the start"),
    "review_on": gettext_lazy("date of the next review, YYYY-MM-DD"),
}
COMMITMENT_HELP = {
    "id": gettext_lazy("the commitment's number in cospiral; leave it empty to create one"),
    "action_id": gettext_lazy("the number of the action (required); a commitment stays with "
                              "its action"),
    "party_kind": gettext_lazy("organisation, group or person"),
    "organisation": gettext_lazy("the organisation's name, as in cospiral (when the party is "
                                 "an organisation)"),
    "group": gettext_lazy("the group's name, as in cospiral (when the party is a group)"),
    "person": gettext_lazy("the person's name (when the party is a person)"),
    "what": gettext_lazy("what the party commits to (required)"),
    "resource": gettext_lazy("money, time, premises, skills or other (empty: time)"),
    "amount": gettext_lazy("a number, 0 or more, at most two decimals"),
    "unit": gettext_lazy("for example €, hours, m², days"),
    "due_on": gettext_lazy("due date, YYYY-MM-DD"),
    "accepted_on": gettext_lazy("date it was accepted, YYYY-MM-DD"),
    "signed_on": gettext_lazy("date it was signed, YYYY-MM-DD, not before it was accepted"),
    "outcome": gettext_lazy("kept, partly or not_kept; empty = pending (needs an accepted "
                            "date and evidence)"),
    "evidence": gettext_lazy("what shows the outcome"),
}


def column_help(kind: str) -> list[tuple[str, bool, str]]:
    """``(column, required, what to write)`` for the import page."""
    if kind == "actions":
        from cospiral.evaluations.models import QUESTION_LABELS

        required = table.ACTION_REQUIRED
        helps = {**ACTION_HELP, **{q: _("%(question)s: 0 (not at all) to 4 (fully); empty = "
                                        "not assessed") % {"question": QUESTION_LABELS[q]}
                                   for q in ev.QUESTIONS},
                 **{t: _("yes or no: %(test)s") % {"test": services.TEST_LABELS[t]}
                    for t in plan.DEMONSTRATIVE_TESTS}}
        columns = table.ACTION_COLUMNS
    else:
        required, helps, columns = table.COMMITMENT_REQUIRED, COMMITMENT_HELP, table.COMMITMENT_COLUMNS
    return [(c, c in required, str(helps[c])) for c in columns]


# --- Export ------------------------------------------------------------------------------

def _alive_actions(territory):
    return (Action.objects.of(territory).alive().select_related("axis", "lead")
            .order_by("axis__position", "axis__code", "position", "id"))


def action_rows(territory) -> list[list]:
    """The territory's alive actions, one row each, parents before their sub-actions."""
    rows = list(_alive_actions(territory))
    by_parent: dict = {}
    for a in rows:
        by_parent.setdefault(a.parent_id, []).append(a)
    alive = {a.pk for a in rows}
    ordered, stack = [], [a for a in reversed(rows) if a.parent_id not in alive]
    while stack:
        a = stack.pop()
        ordered.append(a)
        stack.extend(reversed(by_parent.get(a.pk, [])))
    return [[
        a.pk, table.number_cell(a.parent_id), a.axis.code if a.axis_id else "", a.title,
        a.description, a.origin, a.status, table.number_cell(a.progress),
        a.lead.name if a.lead_id else "", table.codes_cell(a.families),
        *(table.number_cell(getattr(a, q)) for q in ev.QUESTIONS),
        table.yes_no(a.demonstrative), *(table.yes_no(getattr(a, t)) for t in plan.DEMONSTRATIVE_TESTS),
        table.date_cell(a.starts_on), table.date_cell(a.ends_on), table.date_cell(a.review_on),
    ] for a in ordered]


def commitment_rows(territory) -> list[list]:
    """The alive commitments of the territory's alive actions."""
    rows = (Commitment.objects.of(territory).alive().filter(action__deleted_at__isnull=True)
            .select_related("organisation", "group").order_by("action_id", "id"))
    return [[
        c.pk, c.action_id, c.party_kind, c.organisation.name if c.organisation_id else "",
        c.group.name if c.group_id else "", c.person, c.what, c.resource,
        c.amount, c.unit, table.date_cell(c.due_on),
        table.date_cell(c.accepted_on), table.date_cell(c.signed_on), c.outcome, c.evidence,
    ] for c in rows]


def response(territory, kind: str, format: str) -> HttpResponse:
    """The CSV (standard or « Excel (français) ») or XLSX file of ``kind`` (actions or
    commitments). The header holds the import's column codes in every format: the file
    is meant to be edited and imported again by id."""
    with exports.language(format):
        header = list(table.ACTION_COLUMNS if kind == "actions" else table.COMMITMENT_COLUMNS)
        body = action_rows(territory) if kind == "actions" else commitment_rows(territory)
        notes = [[_("Table"), _("%(what)s of %(territory)s, to edit and import again by id") % {
            "what": _("Actions") if kind == "actions" else _("Commitments"),
            "territory": territory.name}, ""]]
        notes += [[column, _("required") if required else "", help]
                  for column, required, help in column_help(kind)]
        return exports.response(f"cospiral-{kind}-{territory.slug}", [
            exports.Sheet(kind, header, body),
            exports.Sheet("about", [_("Column"), _("Required"), _("What to write")], notes),
        ], format)


# --- Import ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int
    unchanged: int

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


def _read(errors: _Errors, line, column, reader, value, default=None):
    try:
        return reader(value)
    except table.CellError as error:
        errors.cell(line, column, error)
        return default


def _by_name(objects) -> dict:
    return {o.name.strip().casefold(): o for o in objects}


# Service field names → columns of the action file.
_ACTION_COLUMN_OF = {"parent": "parent_id", "axis": "axis", "lead": "lead",
                     "cycle": "id", "position": "id"}


def import_actions(territory, data: bytes, filename: str, *, user) -> ImportResult:
    """Import an action file (``plan_table.ACTION_COLUMNS``; a column left out keeps each
    action's value): all rows or none. Raises ``TableRejected`` with every error."""
    _check_coordinator(territory, user)
    optional = [c for c in table.ACTION_COLUMNS if c not in table.ACTION_REQUIRED]
    rows = read_table(data, filename, required=table.ACTION_REQUIRED, optional=optional)
    with transaction.atomic():
        existing = {a.pk: a for a in Action.objects.of(territory).select_for_update().order_by("id")}
        result = _import_actions(territory, rows, filename, user, existing)
    return result


def _import_actions(territory, rows, filename, user, existing) -> ImportResult:
    errors = _Errors(filename)
    axes = {a.code.strip().casefold(): a for a in Axis.objects.of(territory)}
    axes_by_pk = {a.pk: a for a in axes.values()}
    organisations = _by_name(Organisation.objects.of(territory))
    organisations_by_pk = {o.pk: o for o in organisations.values()}
    seen_ids: dict[int, int] = {}
    prepared = []  # (row, action or None, values, axis cell given)
    for row in rows:
        v, line = row.values, row.line
        has = v.__contains__
        ok = True
        pk = _read(errors, line, "id", table.identifier, v["id"], default=False)
        current = None
        if pk is False:
            ok = False
        elif pk is not None:
            current = existing.get(pk)
            if current is None:
                errors.add(line, "id", _("no action of this territory has the number %(id)s: "
                                         "keep the number of the export, or leave the cell "
                                         "empty to create a new action.") % {"id": pk})
                ok = False
            elif current.deleted_at is not None:
                errors.add(line, "id", _("the action %(id)s (“%(title)s”) is deleted: restore "
                                         "it before changing it.") % {"id": pk, "title": current.title})
                ok = False
            elif pk in seen_ids:
                errors.add(line, "id", _("the action %(id)s is already on line %(first)s: give "
                                         "each action one line.") % {"id": pk, "first": seen_ids[pk]})
                ok = False
            else:
                seen_ids[pk] = line
        if current is not None:
            d = {"title": current.title, "description": current.description,
                 "axis": axes_by_pk.get(current.axis_id),
                 "parent": existing.get(current.parent_id), "cycle": current.cycle,
                 "lead": organisations_by_pk.get(current.lead_id), "families": current.families,
                 "scores": {q: getattr(current, q) for q in ev.QUESTIONS},
                 "demonstrative": current.demonstrative,
                 **{t: getattr(current, t) for t in plan.DEMONSTRATIVE_TESTS},
                 "starts_on": current.starts_on, "ends_on": current.ends_on,
                 "review_on": current.review_on, "position": current.position}
            status, progress = current.status, current.progress
        else:
            d = {"title": "", "description": "", "axis": None, "parent": None, "cycle": None,
                 "lead": None, "families": [], "scores": {}, "demonstrative": False,
                 **{t: False for t in plan.DEMONSTRATIVE_TESTS}, "starts_on": None,
                 "ends_on": None, "review_on": None, "position": 0}
            status, progress = Action.Status.PROPOSED, None
        d["title"] = table.text(v["title"])
        if has("description"):
            d["description"] = table.text(v["description"])
        if has("parent_id"):
            parent_id = _read(errors, line, "parent_id", table.identifier, v["parent_id"], False)
            if parent_id is False:
                ok = False
            elif parent_id is None:
                d["parent"] = None
            elif parent_id not in existing:
                errors.add(line, "parent_id", _(
                    "no action of this territory has the number %(id)s: an action can only be "
                    "part of an action of this territory that exists already.") % {"id": parent_id})
                ok = False
            else:
                d["parent"] = existing[parent_id]
        axis_given = has("axis") and bool(v["axis"])
        if has("axis"):
            code = table.text(v["axis"])
            if not code:
                d["axis"] = None
            elif code.casefold() not in axes:
                errors.add(line, "axis", _("unknown strategic axis “%(code)s”. The axes of this "
                                           "territory are %(known)s.") % {
                    "code": code, "known": ", ".join(a.code for a in axes.values()) or "—"})
                ok = False
            else:
                d["axis"] = axes[code.casefold()]
        if has("lead"):
            name = table.text(v["lead"])
            if not name:
                d["lead"] = None
            elif name.casefold() not in organisations:
                errors.add(line, "lead", _("unknown organisation “%(name)s”: no organisation of "
                                           "this territory has that name.") % {"name": name})
                ok = False
            else:
                d["lead"] = organisations[name.casefold()]
        if has("origin"):
            origin = table.text(v["origin"])
            if current is None and origin not in ("", Action.Origin.BLANK):
                errors.add(line, "origin", _(
                    "a new action from a file is written from scratch (origin “blank” or "
                    "empty); create an action from cards, a pilot idea or an indicator on its "
                    "page."))
                ok = False
            elif current is not None and origin not in ("", current.origin):
                errors.add(line, "origin", _("the origin of an action cannot change (it is "
                                             "“%(origin)s”).") % {"origin": current.origin})
                ok = False
        if has("status"):
            status = table.text(v["status"]).lower() or status
        if has("progress"):
            raw = v["progress"]
            try:
                progress = plan.check_progress(table.whole(raw))
            except (table.CellError, plan.PlanError):
                errors.add(line, "progress", _(
                    "“%(value)s” is not a progress: give a whole number from 0 to 100, or "
                    "leave it empty for not measured.") % {"value": raw})
                ok = False
        if has("families"):
            d["families"] = table.codes(v["families"])
        scores = dict(d["scores"])
        for q in ev.QUESTIONS:
            if has(q):
                try:
                    scores[q] = table.whole(v[q])
                except table.CellError:
                    scores[q] = v[q]  # the service names it
        d["scores"] = scores
        for name in ("demonstrative", *plan.DEMONSTRATIVE_TESTS):
            if has(name):
                value = _read(errors, line, name, table.boolean, v[name], None)
                if value is None:
                    ok = False
                else:
                    d[name] = value
        for name in ("starts_on", "ends_on", "review_on"):
            if has(name):
                value = _read(errors, line, name, table.date, v[name], False)
                if value is False:
                    ok = False
                else:
                    d[name] = value
        # The plan's rules, as on the pages; the hierarchy is checked whole below.
        values, problems = services._clean_action(territory, None, d)
        values.update(services._status_values(problems, status, progress))
        if problems:
            errors.service(line, problems, {**_ACTION_COLUMN_OF, **{
                "status": "status" if has("status") else "id",
                "progress": "progress" if has("progress") else "id"}})
            ok = False
        if ok:
            values["axis"] = d["axis"]  # resolved with the whole hierarchy below
            prepared.append((row, current, values, axis_given))

    # The whole resulting hierarchy: no cycle; a sub-action in its parent's axis.
    parent_of = {pk: a.parent_id for pk, a in existing.items()}
    for _row, current, values, _given in prepared:
        if current is not None:
            parent_of[current.pk] = values["parent"].pk if values["parent"] else None
    # A cycle is reported on the lines that give an action a new parent.
    lines = {current.pk: row.line for row, current, values, _g in prepared
             if current is not None and parent_of[current.pk] != current.parent_id}
    in_cycle = set()
    for found in table.cycles(parent_of):
        in_cycle.add(found.node)
        if found.node in lines:
            chain = " → ".join(f"{pk} “{existing[pk].title}”" for pk in found.chain)
            errors.add(lines[found.node], "parent_id", _(
                "this would make the action its own ancestor (%(chain)s): choose another parent, "
                "or none.") % {"chain": chain})
    final_axis = {pk: a.axis_id for pk, a in existing.items()}
    for _row, current, values, _given in prepared:
        if current is not None:
            final_axis[current.pk] = values["axis"].pk if values["axis"] else None
    if not in_cycle:
        for row, _current, values, given in prepared:
            parent = values["parent"]
            if parent is None:
                continue
            root = table.root_of(parent.pk, parent_of)
            axis_id = final_axis[root]
            if given and (values["axis"].pk if values["axis"] else None) != axis_id:
                axis = axes_by_pk.get(axis_id)
                errors.add(row.line, "axis", _(
                    "a sub-action belongs to the strategic axis of its main action “%(root)s”: "
                    "write %(code)s or leave the cell empty.") % {
                    "root": existing[root].title,
                    "code": f"“{axis.code}”" if axis else _("nothing")})
            values["axis"] = axes_by_pk.get(axis_id)
    if errors.items:
        raise TableRejected(errors.items)

    created = updated = unchanged = 0
    fields = (*services.ACTION_FIELDS, "status", "progress")
    for _row, current, values, _given in prepared:
        if current is None:
            action = Action(territory=territory, origin=Action.Origin.BLANK,
                            created_by=user if user.is_authenticated else None)
            services._apply(action, values)
            action.save()
            existing[action.pk] = action
            audit.record(territory, user, AuditEntry.Action.CREATE, action, action.title,
                         services._changes({}, services._snapshot(action, fields), True))
            created += 1
            continue
        before = services._snapshot(current, fields)
        services._apply(current, values)
        changes = audit.diff(before, services._snapshot(current, fields))
        if not changes:
            unchanged += 1
            continue
        current.save()
        audit.record(territory, user, AuditEntry.Action.UPDATE, current, current.title, changes)
        updated += 1
    # Sub-actions that are not in the file follow their main action's new axis.
    parent_of = {pk: a.parent_id for pk, a in existing.items()}
    for pk, a in existing.items():
        if a.parent_id is None:
            continue
        axis_id = existing[table.root_of(pk, parent_of)].axis_id
        if a.axis_id != axis_id:
            Action.objects.of(territory).filter(pk=pk).update(axis_id=axis_id)
    _record_import(territory, user, filename, "actions", len(rows), created, updated, unchanged)
    return ImportResult("actions", created, updated, unchanged)


def _record_import(territory, user, filename, kind, rows, created, updated, unchanged) -> None:
    model = Action if kind == "actions" else Commitment
    AuditEntry.objects.create(
        territory=territory, user=user if getattr(user, "is_authenticated", False) else None,
        actor_label=audit.actor_label(user), action=AuditEntry.Action.IMPORT,
        model=model._meta.model_name, object_id=filename[:64],
        summary=(_("Imported %(file)s: %(created)s created, %(updated)s changed, %(unchanged)s "
                   "unchanged") % {"file": filename, "created": created, "updated": updated,
                                   "unchanged": unchanged})[:300],
        changes={"file": filename, "kind": kind, "rows": rows, "created": created,
                 "updated": updated, "unchanged": unchanged},
    )


_COMMITMENT_COLUMN_OF = {"party_kind": "party_kind", "organisation": "organisation",
                         "group": "group", "person": "person"}


def import_commitments(territory, data: bytes, filename: str, *, user) -> ImportResult:
    """Import a commitment file (``plan_table.COMMITMENT_COLUMNS``; a column left out
    keeps each commitment's value): all rows or none."""
    _check_coordinator(territory, user)
    optional = [c for c in table.COMMITMENT_COLUMNS if c not in table.COMMITMENT_REQUIRED]
    rows = read_table(data, filename, required=table.COMMITMENT_REQUIRED, optional=optional)
    with transaction.atomic():
        existing = {c.pk: c for c in Commitment.objects.of(territory).select_for_update()
                    .order_by("id")}
        actions = {a.pk: a for a in Action.objects.of(territory).order_by("id")}
        result = _import_commitments(territory, rows, filename, user, existing, actions)
    return result


def _import_commitments(territory, rows, filename, user, existing, actions) -> ImportResult:
    from cospiral.groups.models import Group

    errors = _Errors(filename)
    organisations = _by_name(Organisation.objects.of(territory))
    groups = _by_name(Group.objects.of(territory))
    seen_ids: dict[int, int] = {}
    prepared = []
    for row in rows:
        v, line = row.values, row.line
        has = v.__contains__
        ok = True
        pk = _read(errors, line, "id", table.identifier, v["id"], default=False)
        current = None
        if pk is False:
            ok = False
        elif pk is not None:
            current = existing.get(pk)
            if current is None:
                errors.add(line, "id", _("no commitment of this territory has the number "
                                         "%(id)s: keep the number of the export, or leave the "
                                         "cell empty to add a commitment.") % {"id": pk})
                ok = False
            elif current.deleted_at is not None:
                errors.add(line, "id", _("the commitment %(id)s is deleted: restore it before "
                                         "changing it.") % {"id": pk})
                ok = False
            elif pk in seen_ids:
                errors.add(line, "id", _("the commitment %(id)s is already on line %(first)s: "
                                         "give each commitment one line.") % {
                    "id": pk, "first": seen_ids[pk]})
                ok = False
            else:
                seen_ids[pk] = line
        action_id = _read(errors, line, "action_id", table.identifier, v["action_id"], False)
        action = None
        if action_id is False:
            ok = False
        elif action_id is None:
            errors.add(line, "action_id", _("give the number of the action the commitment is "
                                            "for."))
            ok = False
        else:
            action = actions.get(action_id)
            if action is None:
                errors.add(line, "action_id", _("no action of this territory has the number "
                                                "%(id)s.") % {"id": action_id})
                ok = False
            elif action.deleted_at is not None:
                errors.add(line, "action_id", _("the action %(id)s (“%(title)s”) is deleted: "
                                                "restore it first.") % {
                    "id": action_id, "title": action.title})
                ok = False
            elif current is not None and current.action_id != action_id:
                errors.add(line, "action_id", _("a commitment stays with its action (%(id)s): "
                                                "add a new line, without id, for another "
                                                "action.") % {"id": current.action_id})
                ok = False
        if current is not None:
            d = {name: getattr(current, name) for name in (
                "party_kind", "organisation", "group", "person", "what", "resource", "amount",
                "unit", "due_on", "accepted_on", "signed_on", "outcome", "evidence")}
        else:
            d = {"party_kind": "", "organisation": None, "group": None, "person": "",
                 "what": "", "resource": Commitment.Resource.TIME, "amount": None, "unit": "",
                 "due_on": None, "accepted_on": None, "signed_on": None, "outcome": "",
                 "evidence": ""}
        d["party_kind"] = table.text(v["party_kind"]).lower()
        d["what"] = table.text(v["what"])
        for name, known, label in (("organisation", organisations, _("organisation")),
                                   ("group", groups, _("group"))):
            if not has(name):
                continue
            value = table.text(v[name])
            if not value:
                d[name] = None
            elif value.casefold() not in known:
                if d["party_kind"] == name:
                    errors.add(line, name, _("unknown %(what)s “%(name)s”: no %(what)s of this "
                                             "territory has that name.") % {
                        "what": label, "name": value})
                    ok = False
                d[name] = None
            else:
                d[name] = known[value.casefold()]
        for name in ("person", "unit", "evidence"):
            if has(name):
                d[name] = table.text(v[name])
        if has("resource"):
            d["resource"] = table.text(v["resource"]).lower() or Commitment.Resource.TIME
        if has("outcome"):
            d["outcome"] = table.text(v["outcome"]).lower()
        if has("amount"):
            d["amount"] = table.text(v["amount"]).replace(",", ".") or None
        for name in ("due_on", "accepted_on", "signed_on"):
            if has(name):
                value = _read(errors, line, name, table.date, v[name], False)
                if value is False:
                    ok = False
                else:
                    d[name] = value
        values, problems = services._clean_commitment(territory, d)
        if problems:
            errors.service(line, problems, _COMMITMENT_COLUMN_OF)
        if not ok or problems:
            continue
        if values["amount"] is not None:
            values["amount"] = values["amount"].quantize(Decimal("0.01"))
        prepared.append((current, action, values))
    if errors.items:
        raise TableRejected(errors.items)

    created = updated = unchanged = 0
    for current, action, values in prepared:
        if current is None:
            obj = Commitment(territory=territory, action=action,
                             created_by=user if user.is_authenticated else None)
            services._apply(obj, values)
            obj.save()
            audit.record(territory, user, AuditEntry.Action.CREATE, obj,
                         f"{action.title}: {obj.party_name}",
                         services._changes({}, services._snapshot(obj, services.COMMITMENT_FIELDS), True))
            created += 1
            continue
        before = services._snapshot(current, services.COMMITMENT_FIELDS)
        services._apply(current, values)
        changes = audit.diff(before, services._snapshot(current, services.COMMITMENT_FIELDS))
        if not changes:
            unchanged += 1
            continue
        current.save()
        audit.record(territory, user, AuditEntry.Action.UPDATE, current,
                     f"{action.title}: {current.party_name}", changes)
        updated += 1
    _record_import(territory, user, filename, "commitments", len(rows), created, updated, unchanged)
    return ImportResult("commitments", created, updated, unchanged)


def import_file(territory, kind: str, data: bytes, filename: str, *, user) -> ImportResult:
    if kind not in KINDS:
        raise ValueError(kind)
    return (import_actions if kind == "actions" else import_commitments)(
        territory, data, filename, user=user)
