"""Multipartite social contracts (METHOD.md §9): the state machine, the conditions of
each step, attendance rates and the share of commitments kept. Pure Python on plain
data, no Django import; the contracts app translates the reasons.

Statuses and the steps between them (``TRANSITIONS``)::

    draft ──sign──▶ signed ──start──▶ running ──review──▶ reviewed ──close──▶ closed
                                        ▲  │                 │
                                        │  └─────close───────┼──▶ closed
                                        └──── new period ────┘

* draft → signed: at least one beneficiary and one service provider; every party has a
  signature date; every beneficiary has an individual project (its goals written);
  every beneficiary and every provider commits to something; the period (start and
  end) is set, the end after the start.
* signed → running: the start date is reached.
* running → reviewed: a review is recorded on or after the day the current period
  began (the review is written first, then the step is taken). The first period
  begins on the start date; each new period the day after the review that ended the
  previous one.
* reviewed → running (a new period after a review): the end date is not passed (a
  contract whose period is over is closed instead).
* running → closed and reviewed → closed: an exit evaluation for every beneficiary and
  an outcome (kept, partly, not kept) recorded for every commitment. Closing straight
  from ``running`` is allowed: a contract may end right after its last workshop, the
  exit evaluations being its final review.
* There is no "abandoned" status: a draft that goes nowhere stays a draft, and a
  beneficiary who leaves a running contract gets an exit evaluation that says so.
  Nothing goes back to draft, and a closed contract is final.

The share of commitments kept is the plan's rule (``cospiral.domain.plan.KEPT_RULE``):
kept counts 1, partly kept 0.5, not kept 0, over the commitments with an outcome, on
0–100; commitments whose outcome is not recorded yet are left out (never counted as 0).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cospiral.domain import plan

DRAFT, SIGNED, RUNNING, REVIEWED, CLOSED = "draft", "signed", "running", "reviewed", "closed"
STATUSES = (DRAFT, SIGNED, RUNNING, REVIEWED, CLOSED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (SIGNED,),
    SIGNED: (RUNNING,),
    RUNNING: (REVIEWED, CLOSED),
    REVIEWED: (RUNNING, CLOSED),
    CLOSED: (),
}

BENEFICIARY, PROVIDER, CITY, OTHER = "beneficiary", "provider", "city", "other"
PARTY_KINDS = (BENEFICIARY, PROVIDER, CITY, OTHER)

KEPT, PARTLY, NOT_KEPT, PENDING = "kept", "partly", "not_kept", ""
OUTCOME_VALUE = plan.OUTCOME_VALUES

# Reason codes (the contracts app turns each into a translated sentence).
NOT_ALLOWED = "not_allowed"
NO_BENEFICIARY = "no_beneficiary"
NO_PROVIDER = "no_provider"
UNSIGNED_PARTY = "unsigned_party"
NO_PROJECT = "no_project"
NO_COMMITMENT = "no_commitment"
NO_PERIOD = "no_period"
PERIOD_ORDER = "period_order"
NOT_STARTED = "not_started"
NO_REVIEW = "no_review"
PERIOD_OVER = "period_over"
NO_EXIT = "no_exit"
PENDING_OUTCOME = "pending_outcome"


@dataclass(frozen=True)
class Reason:
    """Why a step is refused: a code and what the sentence names (parties, dates...)."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params: object) -> Reason:
        return cls(code, tuple(sorted(params.items())))

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class Party:
    id: int
    kind: str
    name: str
    signed_on: dt.date | None = None
    has_project: bool = False
    commitments: int = 0
    has_exit: bool = False


@dataclass
class ContractFacts:
    """What the rules need to know of a contract."""

    status: str
    parties: list[Party] = field(default_factory=list)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    running_since: dt.date | None = None
    latest_review_on: dt.date | None = None
    pending_commitments: int = 0


def allowed(status: str, target: str) -> bool:
    return target in TRANSITIONS.get(status, ())


def next_steps(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def _names(parties: Iterable[Party]) -> str:
    return ", ".join(p.name for p in parties)


def refusals(facts: ContractFacts, target: str, today: dt.date) -> list[Reason]:
    """The reasons why ``facts`` may not move to ``target`` today; empty when it may."""
    if target not in STATUSES or not allowed(facts.status, target):
        return [Reason.of(NOT_ALLOWED, status=facts.status, target=target)]
    reasons: list[Reason] = []
    beneficiaries = [p for p in facts.parties if p.kind == BENEFICIARY]
    if target == SIGNED:
        providers = [p for p in facts.parties if p.kind == PROVIDER]
        if not beneficiaries:
            reasons.append(Reason.of(NO_BENEFICIARY))
        if not providers:
            reasons.append(Reason.of(NO_PROVIDER))
        unsigned = [p for p in facts.parties if p.signed_on is None]
        if unsigned:
            reasons.append(Reason.of(UNSIGNED_PARTY, names=_names(unsigned), n=len(unsigned)))
        without = [p for p in beneficiaries if not p.has_project]
        if without:
            reasons.append(Reason.of(NO_PROJECT, names=_names(without), n=len(without)))
        silent = [p for p in beneficiaries + providers if p.commitments == 0]
        if silent:
            reasons.append(Reason.of(NO_COMMITMENT, names=_names(silent), n=len(silent)))
        if facts.starts_on is None or facts.ends_on is None:
            reasons.append(Reason.of(NO_PERIOD))
        elif facts.ends_on <= facts.starts_on:
            reasons.append(Reason.of(PERIOD_ORDER, starts_on=facts.starts_on,
                                     ends_on=facts.ends_on))
    elif target == RUNNING and facts.status == SIGNED:
        if facts.starts_on is None:
            reasons.append(Reason.of(NO_PERIOD))
        elif facts.starts_on > today:
            reasons.append(Reason.of(NOT_STARTED, starts_on=facts.starts_on))
    elif target == RUNNING:  # a new period after a review
        if facts.ends_on is not None and facts.ends_on < today:
            reasons.append(Reason.of(PERIOD_OVER, ends_on=facts.ends_on))
    elif target == REVIEWED:
        since = facts.running_since
        if facts.latest_review_on is None or (since is not None and facts.latest_review_on < since):
            reasons.append(Reason.of(NO_REVIEW, since=since))
    elif target == CLOSED:
        without = [p for p in beneficiaries if not p.has_exit]
        if without:
            reasons.append(Reason.of(NO_EXIT, names=_names(without), n=len(without)))
        if facts.pending_commitments:
            reasons.append(Reason.of(PENDING_OUTCOME, n=facts.pending_commitments))
    return reasons


# --- review schedule ------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, on the last day of a shorter month
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(after: dt.date | None, every_months: int | None,
                ends_on: dt.date | None = None) -> dt.date | None:
    """The next review date, ``every_months`` after ``after``; None when there is no
    schedule or when it would fall after the end of the contract."""
    if after is None or not every_months:
        return None
    day = add_months(after, every_months)
    if ends_on is not None and day > ends_on:
        return None
    return day


def review_schedule(starts_on: dt.date | None, ends_on: dt.date | None,
                    every_months: int | None) -> list[dt.date]:
    """The planned review dates from the start to the end of the contract."""
    if starts_on is None or ends_on is None or not every_months or every_months < 1:
        return []
    days, n = [], 1
    while (day := add_months(starts_on, every_months * n)) <= ends_on:
        days.append(day)
        n += 1
    return days


# --- attendance -----------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    key: object
    present: int
    expected: int

    @property
    def rate(self) -> float | None:
        """Share present, 0–1; None when nobody was expected (not the same as 0)."""
        return self.present / self.expected if self.expected else None


def attendance_rates(rows: Iterable[tuple[object, object, bool]],
                     ) -> tuple[dict[object, Rate], dict[object, Rate], Rate]:
    """``rows`` of (workshop, party, present), one per party expected at a workshop whose
    attendance is recorded. Returns ``(by_party, by_workshop, overall)``: dicts of
    ``Rate`` keyed by party and by workshop (in first-seen order) and the overall
    ``Rate`` (key None)."""
    by_party: dict[object, list[int]] = {}
    by_workshop: dict[object, list[int]] = {}
    present_total = expected_total = 0
    for workshop, party, present in rows:
        for table, key in ((by_party, party), (by_workshop, workshop)):
            counts = table.setdefault(key, [0, 0])
            counts[0] += bool(present)
            counts[1] += 1
        present_total += bool(present)
        expected_total += 1
    return ({k: Rate(k, *v) for k, v in by_party.items()},
            {k: Rate(k, *v) for k, v in by_workshop.items()},
            Rate(None, present_total, expected_total))


# --- commitments kept -----------------------------------------------------------------

#: The share of commitments kept is the plan's rule (``cospiral.domain.plan.KEPT_RULE``):
#: kept 1, partly 0.5, not kept 0, over the commitments with an outcome, 0–100; pending
#: commitments are left out and counted apart. ``kept_share(outcomes)`` counts them.
kept_share = plan.kept
Kept = plan.Kept


# --- at the scale of the seed: a list of pseudonyms, amendments -------------------------

#: A contract's terms are edited while it is a draft; once signed (and until it is
#: closed) they change only through an amendment, a new version of the contract.
EDITABLE = (DRAFT,)
AMENDABLE = (SIGNED, RUNNING, REVIEWED)

DUPLICATE_LINE = "duplicate_line"
ALREADY_PARTY = "already_party"
TOO_LONG = "too_long"
NO_NAME = "no_name"


@dataclass
class PseudonymList:
    """What a list of pseudonyms (one per line) holds: the names to add with their line
    numbers (from 1), the empty lines skipped, and the problems that refuse the list."""

    names: list[tuple[int, str]] = field(default_factory=list)
    empty_lines: list[int] = field(default_factory=list)
    problems: list[Reason] = field(default_factory=list)


def parse_pseudonyms(text: str, existing: Iterable[str] = (), limit: int = 60) -> PseudonymList:
    """Read one pseudonym per line. Spaces around a name are dropped; empty lines are
    skipped (and listed); a name given twice (case and spaces aside), a name already a
    beneficiary of the contract, or a name longer than ``limit`` is a problem naming its
    line. The list is accepted whole or not at all: the caller adds nothing when
    ``problems`` is not empty."""
    result = PseudonymList()
    taken = {" ".join(n.split()).casefold(): n for n in existing}
    seen: dict[str, int] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        name = " ".join(raw.split())
        if not name:
            result.empty_lines.append(number)
            continue
        key = name.casefold()
        if len(name) > limit:
            result.problems.append(Reason.of(TOO_LONG, line=number, n=len(name), max=limit))
        elif key in seen:
            result.problems.append(Reason.of(DUPLICATE_LINE, line=number, first=seen[key],
                                             name=name))
        elif key in taken:
            result.problems.append(Reason.of(ALREADY_PARTY, line=number, name=taken[key]))
        else:
            seen[key] = number
            result.names.append((number, name))
    # Trailing empty lines (the newline after the last name) are not worth a mention.
    last = max((n for n, _ in result.names), default=0)
    result.empty_lines = [n for n in result.empty_lines if n < last]
    if not result.names and not result.problems:
        result.problems.append(Reason.of(NO_NAME))
    return result


def amendment_changes(before: dict[str, object], after: dict[str, object]) -> dict[str, list[str]]:
    """``{field: [old, new]}`` for the terms an amendment changes (values as text; an
    empty value is ""), in the order of ``after``."""
    def text(value: object) -> str:
        return "" if value is None else str(value)
    return {k: [text(before.get(k)), text(v)] for k, v in after.items()
            if text(before.get(k)) != text(v)}
