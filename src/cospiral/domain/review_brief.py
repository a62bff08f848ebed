"""Rules of the review an elected official reads (issue 15, point 8): the money
committed per action and per strategic axis with the outcomes of those commitments, the
timeline of the cycle, and which plain sentence says what changed. Pure Python, no
Django.

``MONEY_RULE``: money is the commitments whose resource is money and whose amount is
given, added up per unit as written (« € », « EUR » are not converted into each other);
each amount is counted once, under its commitment's outcome (kept, partly kept, not kept)
or as "no outcome yet". Nothing is estimated: a partly kept commitment is not split.

``TIMELINE_RULE``: every dated event of the cycle's rows (group sessions, syntheses
validated, survey waves opened, closed and published, actions started and ended,
milestones, commitments signed, contracts' start and end), in date order; events of the
same day keep the order of the method's phases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from cospiral.domain import verdict as verdicts

MONEY_RULE = (
    "money = commitments whose resource is money with an amount, added up per unit as "
    "written, each under its outcome (kept, partly kept, not kept, no outcome yet)"
)
TIMELINE_RULE = "every dated event of the cycle's rows, in date order, then in phase order"

OUTCOMES = ("kept", "partly", "not_kept", "pending")


@dataclass(frozen=True)
class CommitmentRow:
    action: Hashable
    axis: Hashable | None
    money: bool
    amount: Decimal | None
    unit: str
    outcome: str  # "kept", "partly", "not_kept" or "" (no outcome yet)


@dataclass
class Tally:
    """Commitments and money of an action, an axis or the whole plan."""

    commitments: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    # unit → outcome → amount
    money: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def add(self, row: CommitmentRow) -> None:
        outcome = row.outcome if row.outcome in OUTCOMES[:3] else "pending"
        self.commitments += 1
        self.outcomes[outcome] += 1
        if row.money and row.amount is not None:
            unit = row.unit.strip()
            by = self.money.setdefault(unit, dict.fromkeys(OUTCOMES, Decimal(0)))
            by[outcome] += Decimal(row.amount)

    def total(self, unit: str) -> Decimal:
        return sum(self.money.get(unit, {}).values(), Decimal(0))

    @property
    def units(self) -> list[str]:
        """Units by decreasing total, then by name."""
        return sorted(self.money, key=lambda u: (-self.total(u), u))


@dataclass
class MoneyTallies:
    actions: dict[Hashable, Tally]
    axes: dict[Hashable | None, Tally]
    whole: Tally


def tally(rows: Iterable[CommitmentRow]) -> MoneyTallies:
    """``MONEY_RULE`` per action, per axis (``None``: outside any axis) and for the plan."""
    actions: dict[Hashable, Tally] = {}
    axes: dict[Hashable | None, Tally] = {}
    whole = Tally()
    for row in rows:
        actions.setdefault(row.action, Tally()).add(row)
        axes.setdefault(row.axis, Tally()).add(row)
        whole.add(row)
    return MoneyTallies(actions, axes, whole)


# --- Timeline --------------------------------------------------------------------------

#: The order of events of one day: the method's order of phases.
KINDS = ("phase_started", "session", "synthesis", "wave_opened", "wave_closed", "wave_published",
         "action_started", "commitment_signed", "contract_started", "milestone",
         "action_ended", "contract_ended")


@dataclass(frozen=True)
class Event:
    on: dt.date
    kind: str
    title: str
    detail: str = ""


def timeline(events: Iterable[Event], *, start: dt.date | None = None,
             end: dt.date | None = None) -> list[tuple[tuple[int, int], list[Event]]]:
    """``TIMELINE_RULE``: the events between ``start`` and ``end`` (both included, either
    open), grouped by (year, month), each month in date order."""
    order = {k: i for i, k in enumerate(KINDS)}
    events = list(events)
    for e in events:
        if e.kind not in order:
            raise ValueError(f"Unknown kind of event {e.kind!r}.")
    kept = sorted((e for e in events if (start is None or e.on >= start)
                   and (end is None or e.on <= end)),
                  key=lambda e: (e.on, order[e.kind], e.title))
    months: list[tuple[tuple[int, int], list[Event]]] = []
    for e in kept:
        key = (e.on.year, e.on.month)
        if not months or months[-1][0] != key:
            months.append((key, []))
        months[-1][1].append(e)
    return months


# --- What changed, in one sentence ------------------------------------------------------

#: The plain sentence of the review's first page about the change, by ``change_reading``.
READINGS = ("better", "worse", "no_clear_change", "mixed", "not_measured")


def change_reading(synthetic: str | None, indicators: Sequence[str | None]) -> str:
    """Which plain sentence says what changed between the ex-ante and the ex-post waves:
    the synthetic index's verdict when there is one (``better``, ``worse``,
    ``no_clear_change``); without it, ``mixed`` when indicators changed both ways,
    else the indicators' one direction; ``not_measured`` when nothing could be
    compared. It never says better or worse without an interval that excludes 0."""
    if synthetic is not None:
        return synthetic
    counts = verdicts.count(indicators)
    if not sum(counts.values()):
        return "not_measured"
    if counts[verdicts.BETTER] and counts[verdicts.WORSE]:
        return "mixed"
    if counts[verdicts.BETTER]:
        return verdicts.BETTER
    if counts[verdicts.WORSE]:
        return verdicts.WORSE
    return verdicts.NO_CLEAR_CHANGE


__all__ = ["MONEY_RULE", "TIMELINE_RULE", "CommitmentRow", "Event", "MoneyTallies", "Tally",
           "change_reading", "tally", "timeline"]
