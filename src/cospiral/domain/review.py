"""Rules of the phase 8 review of a cycle (METHOD.md §3, §9): which rows a cycle's
review covers, and how the commitments each party kept are counted.

``SCOPE_RULE``: a cycle's review covers the rows given that cycle and the rows given no
cycle at all (shown with "no cycle"), since the cycle is optional on groups, waves and
actions.

``KEPT_SHARE_RULE``: a party's share kept = commitments kept ÷ commitments whose outcome
is recorded (kept, partly kept or not kept); partly kept ones are counted apart, never
as kept; commitments without an outcome yet are left out of the share, and a party with
no outcome recorded has no share (``None``, never 0). Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

KEPT = "kept"
PARTLY = "partly"
NOT_KEPT = "not_kept"
OUTCOMES = (KEPT, PARTLY, NOT_KEPT)

SCOPE_RULE = "rows of the cycle, and rows given no cycle"
KEPT_SHARE_RULE = (
    "share kept = commitments kept / commitments whose outcome is recorded (kept, partly "
    "kept or not kept); partly kept counted apart, never as kept; commitments without an "
    "outcome are left out; no outcome recorded: no share"
)


def in_scope(row_cycle: int | None, cycle: int) -> bool:
    """``SCOPE_RULE``: a row of cycle ``row_cycle`` (``None``: no cycle) is in the review
    of ``cycle``."""
    return row_cycle is None or row_cycle == cycle


@dataclass(frozen=True)
class Kept:
    total: int
    kept: int
    partly: int
    not_kept: int

    @property
    def pending(self) -> int:
        """Commitments without an outcome yet."""
        return self.total - self.recorded

    @property
    def recorded(self) -> int:
        return self.kept + self.partly + self.not_kept

    @property
    def share(self) -> float | None:
        """``KEPT_SHARE_RULE``."""
        return self.kept / self.recorded if self.recorded else None


def kept(outcomes: Iterable[str]) -> Kept:
    """Tally the outcomes of a party's commitments (``""`` or ``None``: no outcome yet).
    An unknown outcome is an error, never silently dropped."""
    counts = {k: 0 for k in OUTCOMES}
    total = 0
    for outcome in outcomes:
        total += 1
        if not outcome:
            continue
        if outcome not in counts:
            raise ValueError(f"Unknown commitment outcome {outcome!r}.")
        counts[outcome] += 1
    return Kept(total, counts[KEPT], counts[PARTLY], counts[NOT_KEPT])
