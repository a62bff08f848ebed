"""The co-responsibility plan's rules (METHOD.md §9, phases 4–6), on plain data (no Django).

Progress of an action is a whole number 0–100 or ``None``: "not measured", never the same
as 0 %.

``DEFAULT_PROGRESS`` — what each status does to the progress:

==========  ==========================================================================
status      progress
==========  ==========================================================================
proposed    not measured (an idea: nothing started, nothing to measure)
selected    not measured (chosen, not planned yet)
planned     0 % (planned, not started)
running     the value people measured (0–100); not measured while nobody has measured
            it — a running action's progress is never invented
done        100 %
abandoned   excluded from every roll-up; its last value is kept for the record
==========  ==========================================================================

``ROLLUP_RULE`` — a parent's progress (an action's from its sub-actions, an axis's from
its actions, the plan's from its axes' actions): the mean of its children's progress,
each child counting once (children weighted equally); abandoned children are left out;
children whose progress is not measured are left out of the mean and counted apart; when
every counted child is not measured, the parent is not measured; a child's own progress
is itself rolled up from its own children first. An action without counted children
(none, or all abandoned) shows its own progress.

``KEPT_RULE`` — the share of commitments kept, per party: kept counts 1, partly kept
0.5, not kept 0, divided by the number of commitments with an outcome; commitments
whose outcome is not recorded yet are "pending": left out of the share and counted
apart; no outcome at all → no share.

``REVIEW_RULE`` — an action's review is due when it has a review date on or before
today + ``REVIEW_HORIZON_DAYS`` days and its status is neither done nor abandoned; it is
overdue when that date is before today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, SupportsFloat

from cospiral.domain import evaluation as ev

STATUSES: tuple[str, ...] = ("proposed", "selected", "planned", "running", "done", "abandoned")
#: ``None`` = not measured; ``MEASURED`` = the value people typed in (``running``).
MEASURED = "measured"
DEFAULT_PROGRESS: dict[str, int | None | str] = {
    "proposed": None,
    "selected": None,
    "planned": 0,
    "running": MEASURED,
    "done": 100,
    "abandoned": MEASURED,
}
CLOSED_STATUSES = frozenset({"done", "abandoned"})
EXCLUDED_STATUSES = frozenset({"abandoned"})
PROGRESS_MIN, PROGRESS_MAX = 0, 100

ROLLUP_RULE = (
    "a parent's progress is the mean of its children's progress, each child counting once; "
    "abandoned children are left out; children not measured are left out of the mean and "
    "counted apart; when no counted child is measured the parent is not measured; an action "
    "without sub-actions (or with only abandoned ones) shows its own progress"
)
KEPT_RULE = (
    "share kept = (kept + 0.5 × partly kept) / commitments with an outcome × 100; "
    "commitments without an outcome yet are pending, left out and counted apart"
)
REVIEW_HORIZON_DAYS = 7
OUTCOME_VALUES = {"kept": 1.0, "partly": 0.5, "not_kept": 0.0}


class PlanError(ValueError):
    """A value the plan's rules refuse; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


# --- Status and progress -----------------------------------------------------------------

def check_progress(value: object) -> int | None:
    """``value`` as a progress: ``None`` (not measured) or a whole number 0–100."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError("progress", f"{value!r} is not a whole number from 0 to 100")
    if not PROGRESS_MIN <= value <= PROGRESS_MAX:
        raise PlanError("progress", f"{value} is not from 0 to 100")
    return value


def progress_for(status: str, measured: int | None) -> int | None:
    """``DEFAULT_PROGRESS``: the progress an action of ``status`` stores, given the value
    people measured (``None``: nothing measured). Statuses that fix the progress ignore
    the measured value."""
    if status not in DEFAULT_PROGRESS:
        raise PlanError("status", f"{status!r} is not a status ({', '.join(STATUSES)})")
    default = DEFAULT_PROGRESS[status]
    if default == MEASURED:
        return check_progress(measured)
    return default  # type: ignore[return-value]


def effective_progress(status: str, stored: int | None) -> int | None:
    """The progress that counts for an action of ``status`` whose stored progress is
    ``stored``: the status's fixed value when it fixes one, else the stored value."""
    return progress_for(status, stored)


def status_fixes_progress(status: str) -> bool:
    return DEFAULT_PROGRESS.get(status) != MEASURED


# --- Roll-up -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    """An action (or an axis, or the plan) for the roll-up: its status, its own
    progress and its children."""

    key: Hashable
    status: str = "running"
    progress: int | None = None
    children: tuple[Node, ...] = ()


@dataclass(frozen=True)
class RollUp:
    key: Hashable
    progress: float | None  # None: not measured
    own: bool  # True when the value is the node's own (no counted children)
    measured: int = 0  # counted children with a progress
    not_measured: int = 0  # counted children without one
    abandoned: int = 0  # children left out because abandoned
    children: tuple[RollUp, ...] = field(default=())

    @property
    def is_measured(self) -> bool:
        return self.progress is not None

    @property
    def counted(self) -> int:
        return self.measured + self.not_measured


def rollup(node: Node) -> RollUp:
    """``ROLLUP_RULE`` applied to ``node`` and, first, to every node below it. A node's
    own progress is read through ``effective_progress`` (a done action counts 100 %)."""
    rolled = tuple(rollup(child) for child in node.children)
    counted = [r for r, c in zip(rolled, node.children, strict=True)
               if c.status not in EXCLUDED_STATUSES]
    abandoned = len(rolled) - len(counted)
    if not counted:
        stored = effective_progress(node.status, node.progress)
        own = None if stored is None else float(stored)
        return RollUp(node.key, own, True, abandoned=abandoned, children=rolled)
    values = [r.progress for r in counted if r.progress is not None]
    progress = round(sum(values) / len(values), 1) if values else None
    return RollUp(node.key, progress, False, measured=len(values),
                  not_measured=len(counted) - len(values), abandoned=abandoned,
                  children=rolled)


def tree(rows: Iterable[tuple[Hashable, Hashable | None, str, int | None]]) -> list[Node]:
    """Nodes from flat ``(key, parent_key, status, progress)`` rows, in the order given;
    the roots are returned (rows whose parent is None or not among the rows). Rows that
    sit in a cycle are left out (they cannot be reached from a root)."""
    rows = list(rows)
    keys = {r[0] for r in rows}
    children: dict[Hashable, list[tuple[Any, ...]]] = {}
    roots = []
    for row in rows:
        if row[1] is None or row[1] not in keys:
            roots.append(row)
        else:
            children.setdefault(row[1], []).append(row)

    def build(row: tuple[Any, ...], seen: frozenset[Hashable]) -> Node:
        key = row[0]
        kids = tuple(build(c, seen | {key}) for c in children.get(key, []) if c[0] not in seen)
        return Node(key, row[2], row[3], kids)

    return [build(r, frozenset()) for r in roots]


# --- Hierarchy -------------------------------------------------------------------------------

def cycle_path(node: Hashable, new_parent: Hashable | None,
               parent_of: Mapping[Hashable, Hashable | None]) -> list[Hashable] | None:
    """The chain ``[new_parent, its parent, …, node]`` when making ``new_parent`` the
    parent of ``node`` would make ``node`` its own ancestor; ``None`` when it would not.
    ``parent_of`` maps each key to its current parent (``node``'s own entry is ignored)."""
    if new_parent is None:
        return None
    path = [new_parent]
    seen = {new_parent}
    current = new_parent
    while True:
        if current == node:
            return path
        current = parent_of.get(current)
        if current is None or current in seen:
            return None
        path.append(current)
        seen.add(current)


# --- Demonstrative actions --------------------------------------------------------------------

DEMONSTRATIVE_TESTS: tuple[str, ...] = (
    "starts_at_once", "quick_results", "crosses_barriers", "addresses_extreme",
)


@dataclass(frozen=True)
class Demonstrative:
    passed: tuple[str, ...]
    failed: tuple[str, ...]
    not_assessed: tuple[str, ...] = ()

    @property
    def demonstrative(self) -> bool:
        return not self.failed and not self.not_assessed


def demonstrative(tests: Mapping[str, bool | None]) -> Demonstrative:
    """An action is demonstrative when it passes the four tests of METHOD.md §9 (starts at
    once, first results within about three months, crosses institutional barriers,
    addresses an extreme situation); otherwise the tests it fails and those not assessed
    yet (``None`` or missing: never counted as failed), each in that order."""
    unknown = set(tests) - set(DEMONSTRATIVE_TESTS)
    if unknown:
        raise KeyError(sorted(unknown)[0])
    passed = tuple(t for t in DEMONSTRATIVE_TESTS if tests.get(t) is True)
    failed = tuple(t for t in DEMONSTRATIVE_TESTS if tests.get(t) is False)
    not_assessed = tuple(t for t in DEMONSTRATIVE_TESTS if tests.get(t) is None)
    return Demonstrative(passed, failed, not_assessed)


# --- The comparison grid of candidate actions -------------------------------------------------

@dataclass(frozen=True)
class GridRow:
    ranked: ev.Ranked
    demonstrative: Demonstrative

    @property
    def key(self) -> object:
        return self.ranked.key


def comparison_grid(items: Iterable[tuple[Hashable, Mapping[str, int | None], Sequence[str],
                                          Mapping[str, bool]]]) -> list[GridRow]:
    """Candidate actions ``(key, scores, families, tests)`` in the order of
    ``evaluation.RANKING_RULE`` (total of ``evaluation.SCORE_FORMULA`` on the five
    questions), each with its demonstrative verdict."""
    by_position: dict[object, tuple[Hashable, Mapping[str, int | None], Sequence[str],
                                    Mapping[str, bool]]] = dict(enumerate(items))
    ranked = ev.rank((n, item[1], item[2]) for n, item in by_position.items())
    return [GridRow(replace(r, key=by_position[r.key][0]), demonstrative(by_position[r.key][3]))
            for r in ranked]


# --- Commitments kept --------------------------------------------------------------------------

@dataclass(frozen=True)
class Kept:
    kept: int = 0
    partly: int = 0
    not_kept: int = 0
    pending: int = 0

    @property
    def with_outcome(self) -> int:
        return self.kept + self.partly + self.not_kept

    @property
    def total(self) -> int:
        return self.with_outcome + self.pending

    @property
    def share(self) -> float | None:
        """``KEPT_RULE`` on 0–100, one decimal; ``None`` when no outcome is recorded."""
        if not self.with_outcome:
            return None
        return round((self.kept + 0.5 * self.partly) / self.with_outcome * 100, 1)


def kept(outcomes: Iterable[str | None]) -> Kept:
    """Counts of ``outcomes`` ("kept", "partly", "not_kept"; empty or None = pending)."""
    counts = {"kept": 0, "partly": 0, "not_kept": 0, "pending": 0}
    for outcome in outcomes:
        if not outcome:
            counts["pending"] += 1
        elif outcome in OUTCOME_VALUES:
            counts[outcome] += 1
        else:
            raise PlanError("outcome", f"{outcome!r} is not an outcome (kept, partly, not_kept)")
    return Kept(**counts)


def kept_by_party(items: Iterable[tuple[Hashable, str | None]]) -> dict[Hashable, Kept]:
    """``KEPT_RULE`` per party, parties in the order they first appear."""
    grouped: dict[Hashable, list[str | None]] = {}
    for party, outcome in items:
        grouped.setdefault(party, []).append(outcome)
    return {party: kept(outcomes) for party, outcomes in grouped.items()}


# --- Reviews ---------------------------------------------------------------------------------

def review_due(review_on: dt.date | None, status: str, today: dt.date,
               horizon_days: int = REVIEW_HORIZON_DAYS) -> bool:
    """``REVIEW_RULE``."""
    if review_on is None or status in CLOSED_STATUSES:
        return False
    return review_on <= today + dt.timedelta(days=horizon_days)


def review_overdue(review_on: dt.date | None, status: str, today: dt.date) -> bool:
    return review_due(review_on, status, today) and review_on < today  # type: ignore[operator]


def review_horizon(today: dt.date, horizon_days: int = REVIEW_HORIZON_DAYS) -> dt.date:
    """The last review date that is due today (for a database filter)."""
    return today + dt.timedelta(days=horizon_days)


# --- Targets ---------------------------------------------------------------------------------

MEASURES: dict[str, tuple[float, float]] = {
    "score": (0.0, 100.0),
    "high_share": (0.0, 100.0),
    "low_share": (0.0, 100.0),
    "median": (1.0, 5.0),
}
#: For each measure, whether a higher value is better (the share at levels 1–2 should fall).
HIGHER_IS_BETTER = {"score": True, "high_share": True, "low_share": False, "median": True}


def check_measure_value(measure: str, value: str | SupportsFloat | None) -> float | None:
    """``value`` on the range of ``measure`` (shares and score 0–100, median 1–5)."""
    if measure not in MEASURES:
        raise PlanError("measure", f"{measure!r} is not a measure ({', '.join(MEASURES)})")
    if value is None:
        return None
    if isinstance(value, bool):
        raise PlanError(measure, f"{value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PlanError(measure, f"{value!r} is not a number") from None
    low, high = MEASURES[measure]
    if number != number or not low <= number <= high:
        raise PlanError(measure, f"{value} is not from {low:g} to {high:g}")
    return number


def target_direction_ok(measure: str, baseline: float | None, target: float) -> bool:
    """Whether ``target`` moves from ``baseline`` the right way (or stays); True without
    a baseline."""
    if baseline is None:
        return True
    return target >= baseline if HIGHER_IS_BETTER[measure] else target <= baseline


REACHED_RULE = (
    "a target is reached when the ex-post figure is at or beyond the target in the measure's "
    "better direction (at least the target for the score, the median and the share at levels "
    "4–5; at most the target for the share at levels 1–2); no figure, no verdict"
)


def target_reached(measure: str, value: float | None, target: float) -> bool | None:
    """``REACHED_RULE``: whether ``value`` (the ex-post figure, on the target's scale)
    reaches ``target``; ``None`` when there is no figure (suppressed, nobody answered)."""
    if measure not in HIGHER_IS_BETTER:
        raise PlanError("measure", f"{measure!r} is not a measure ({', '.join(MEASURES)})")
    if value is None:
        return None
    return value >= target if HIGHER_IS_BETTER[measure] else value <= target


def change_direction(measure: str, before: float | None, after: float | None) -> str | None:
    """"better", "worse" or "same" for a change of ``measure`` from ``before`` to
    ``after`` (by the measure's better direction); ``None`` without both figures."""
    if before is None or after is None:
        return None
    if after == before:
        return "same"
    up = after > before
    return "better" if up == HIGHER_IS_BETTER[measure] else "worse"


# --- Indicators with poor results -----------------------------------------------------------

@dataclass(frozen=True)
class Poor:
    key: Hashable
    low_share: float  # 0–100


def poorest(items: Iterable[tuple[Hashable, float | None]], limit: int | None = None) -> list[Poor]:
    """Indicators by share at levels 1–2 (0–100) from the largest; figures that are not
    available (suppressed, nobody answered) are left out; equal shares keep the order
    given."""
    rows = [(n, key, share) for n, (key, share) in enumerate(items) if share is not None]
    rows.sort(key=lambda r: (-r[2], r[0]))
    result = [Poor(key, round(share, 1)) for _n, key, share in rows]
    return result if limit is None else result[:limit]
