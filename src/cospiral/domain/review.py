"""Rules of the phase 8 review of a cycle (METHOD.md §3): which rows a cycle's review
covers. The share of commitments kept and the roll-up of progress are the plan's rules
(``cospiral.domain.plan``).

``SCOPE_RULE``: a cycle's review covers the rows given that cycle and the rows given no
cycle at all (shown with "no cycle"), since the cycle is optional on groups, survey
waves, existing actions, axes and actions; a contract follows its action. Pure Python,
no Django.
"""

from __future__ import annotations

SCOPE_RULE = "rows of the cycle, and rows given no cycle"


def in_scope(row_cycle: int | None, cycle: int) -> bool:
    """``SCOPE_RULE``: a row of cycle ``row_cycle`` (``None``: no cycle) is in the review
    of ``cycle``."""
    return row_cycle is None or row_cycle == cycle
