"""Pages of the co-responsibility plan, by what a person does there:

- ``plan``: the plan (axes → actions → sub-actions with their rolled-up progress), the
  comparison grid of candidate actions, the axes, the plan in a spreadsheet;
- ``action``: an action (origin, targets, milestones, commitments, follow-up), its form,
  status, delete and restore, and its creation from cards, a pilot idea or an indicator;
- ``parts``: an action's milestones and targets, every commitment with the share kept per
  party, and a partner's page of its organisation's commitments.

Thin: forms read, services write (and check who may), selectors read. Everyone in the
territory reads; coordinators and facilitators write; a partner speaking for an
organisation records the outcomes of its commitments."""

from cospiral.actions.views.action import (
    create,
    create_from_cards,
    create_from_indicator,
    create_from_pilot_idea,
    delete,
    detail,
    edit,
    restore,
    status,
)
from cospiral.actions.views.parts import (
    commitment_add,
    commitment_delete,
    commitment_edit,
    commitment_outcome,
    commitment_restore,
    commitments,
    milestone_add,
    milestone_edit,
    my_commitments,
    target_add,
    target_edit,
)
from cospiral.actions.views.plan import axes, axis_edit, export, grid, import_view, plan_page

__all__ = [
    "axes", "axis_edit", "commitment_add", "commitment_delete", "commitment_edit",
    "commitment_outcome", "commitment_restore", "commitments", "create", "create_from_cards",
    "create_from_indicator", "create_from_pilot_idea", "delete", "detail", "edit", "export",
    "grid", "import_view", "milestone_add", "milestone_edit", "my_commitments", "plan_page",
    "restore", "status", "target_add", "target_edit",
]
