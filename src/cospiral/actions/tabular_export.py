"""The plan in a spreadsheet, out: the territory's actions and commitments as CSV or
XLSX (``response``), with the help of each column (``column_help``) that the import page
shows. Importing them back is ``cospiral.actions.tabular``."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.actions import services
from cospiral.actions.models import Action, Commitment
from cospiral.core import exports
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.domain import plan_table as table

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
        from cospiral.existing_actions.models import QUESTION_LABELS

        required = table.ACTION_REQUIRED
        helps = {**ACTION_HELP, **{q: _("%(question)s: 0 (not at all) to 4 (fully); empty = "
                                        "not assessed") % {"question": QUESTION_LABELS[q]}
                                   for q in ev.QUESTIONS},
                 **{t: _("yes or no, empty = not assessed: %(test)s") % {"test": services.TEST_LABELS[t]}
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
