"""Writes of a plan read from a spreadsheet (``cospiral.actions.tabular`` reads and
checks the file): every line at once, one audit entry per row and one for the import."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cospiral.actions.models import Action, Commitment
from cospiral.actions.services._base import ACTION_FIELDS, COMMITMENT_FIELDS, _apply
from cospiral.core import audit, rules, writes
from cospiral.core.models import AuditEntry
from cospiral.domain import plan_table


@dataclass
class PlanImport:
    kind: str
    created: int
    updated: int
    unchanged: int


def _record_plan_import(territory, user, *, filename: str, kind: str, rows: int,
                        result: PlanImport) -> None:
    model = Action if kind == "actions" else Commitment
    AuditEntry.objects.create(
        territory=territory, user=user if getattr(user, "is_authenticated", False) else None,
        actor_label=audit.actor_label(user), action=AuditEntry.Action.IMPORT,
        model=str(model._meta.model_name), object_id=filename[:64],
        summary=(_("Imported %(file)s: %(created)s created, %(updated)s changed, %(unchanged)s "
                   "unchanged") % {"file": filename, "created": result.created,
                                   "updated": result.updated, "unchanged": result.unchanged})[:300],
        changes={"file": filename, "kind": kind, "rows": rows, "created": result.created,
                 "updated": result.updated, "unchanged": result.unchanged},
    )


def _write_rows(territory, user, rows, *, make, fields, label) -> PlanImport:
    """Create (``current`` None) or change each ``(current, values)``, with its audit."""
    w = writes.Write(territory, user=user)
    result = PlanImport("", 0, 0, 0)
    for current, values in rows:
        if current is None:
            obj = make()
            _apply(obj, values)
            w.save(obj, fields, None, label(obj))
            result.created += 1
            continue
        before = writes.snapshot(current, fields)
        _apply(current, values)
        w.save(current, fields, before, label(current))
        if w.changes:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


@transaction.atomic
def import_plan_actions(territory, *, user, rows: list[tuple[Action | None, dict]],
                        filename: str, lines: int) -> PlanImport:
    """Write the checked actions of an imported file at once: ``rows`` are ``(action or
    None for a new one, values of check_action)``, the whole hierarchy already checked.
    Sub-actions not in the file follow their main action's axis. One audit entry per
    action and one for the import."""
    created_by = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN).actor
    result = _write_rows(
        territory, user, rows, fields=(*ACTION_FIELDS, "status", "progress"),
        make=lambda: Action(territory=territory, origin=Action.Origin.BLANK, created_by=created_by),
        label=lambda a: a.title)
    result.kind = "actions"
    alive = {a.pk: a for a in Action.objects.of(territory).only("id", "parent_id", "axis_id")}
    parent_of = {pk: a.parent_id for pk, a in alive.items()}
    for pk, a in alive.items():
        if a.parent_id is None:
            continue
        axis_id = alive[plan_table.root_of(pk, parent_of)].axis_id
        if a.axis_id != axis_id:
            Action.objects.of(territory).filter(pk=pk).update(axis_id=axis_id)
    _record_plan_import(territory, user, filename=filename, kind="actions", rows=lines,
                        result=result)
    return result


@transaction.atomic
def import_plan_commitments(territory, *, user, rows: list[tuple[Commitment | None, Action, dict]],
                            filename: str, lines: int) -> PlanImport:
    """Write the checked commitments of an imported file at once (``(commitment or None,
    its action, values of check_commitment)``), with their audit entries."""
    created_by = writes.Write(territory, user=user, rule=rules.CHANGE_PLAN).actor
    result = PlanImport("commitments", 0, 0, 0)
    for current, action, values in rows:
        one = _write_rows(
            territory, user, [(current, values)], fields=COMMITMENT_FIELDS,
            make=lambda action=action: Commitment(territory=territory, action=action,
                                                  created_by=created_by),
            label=lambda c, action=action: f"{action.title}: {c.party_name}")
        result.created += one.created
        result.updated += one.updated
        result.unchanged += one.unchanged
    _record_plan_import(territory, user, filename=filename, kind="commitments", rows=lines,
                        result=result)
    return result
