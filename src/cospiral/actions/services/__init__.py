"""Writes of the co-responsibility plan: axes, actions (from cards, a pilot idea, an
indicator or blank), status and progress, milestones, targets and commitments.

Every function checks who may write (coordinators and facilitators; a partner member
whose membership names an organisation may only record the outcome, evidence and dates
of that organisation's commitments), validates everything before writing (objects of
the same territory, Q3/Q4 cards, no circular hierarchy, values on their ranges), owns
its transaction and records the audit trail. A refused change writes nothing. Actions
and commitments are never erased: delete hides them, restore brings them back.

Rules of ``cospiral.domain.plan``: progress per status, the roll-up, reviews due; and
these decisions:

- a sub-action belongs to its parent's strategic axis (changing an action's axis moves
  its sub-actions with it);
- an action with sub-actions that are not deleted cannot be deleted; a sub-action whose
  parent is deleted cannot be restored before its parent;
- an action is flagged demonstrative only when it passes the four tests;
- a commitment's outcome is recorded only once the commitment is accepted (it has an
  accepted date), and needs an evidence note; a signed date needs an accepted date and
  is not before it;
- a target moves its indicator the right way from its baseline (or keeps it): up for the
  score, the median and the share at levels 4–5, down for the share at levels 1–2.
"""

from cospiral.actions.services._base import (  # noqa: F401
    ACTION_FIELDS,
    COMMITMENT_FIELDS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    METHOD_CARD_QUESTIONS,
    OUTCOME_FIELDS,
    TEST_FIELDS,
    TEST_LABELS,
    family_codes,
    partner_organisation,
)
from cospiral.actions.services.commitments import (  # noqa: F401
    check_commitment,
    delete_commitment,
    record_outcome,
    restore_commitment,
    save_commitment,
)
from cospiral.actions.services.follow_up import (  # noqa: F401
    MEASURE_RANGE_TEXT,
    MILESTONE_FIELDS,
    TARGET_FIELDS,
    add_milestone,
    baseline_from_wave,
    delete_milestone,
    delete_target,
    save_target,
    update_milestone,
)
from cospiral.actions.services.imports import (  # noqa: F401
    PlanImport,
    import_plan_actions,
    import_plan_commitments,
)
from cospiral.actions.services.plan import (  # noqa: F401
    AXIS_FIELDS,
    check_action,
    create_action,
    delete_action,
    delete_axis,
    restore_action,
    save_axis,
    set_status,
    update_action,
)
