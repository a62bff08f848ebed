"""Ex-ante evaluation of existing actions and programmes (METHOD.md §8, phase 3).

Each existing action is judged on five questions of the method, each scored on one
published scale, and its total is a published formula:

======================  ==================================================================
question (stable key)   what it asks
======================  ==================================================================
coverage                which dimensions of well-being (families of the grid) it covers
priority_to_disadvantaged  whether it gives priority to the most disadvantaged
sober_resources         whether it uses resources soberly
multiplier_effect       whether it has a multiplier effect
co_responsibility       how much co-responsibility it creates
======================  ==================================================================

Scale: integers 0 (not at all) … 4 (fully); ``None`` is "not assessed", never 0.

``SCORE_FORMULA``: total = mean of the assessed questions' scores ÷ 4 × 100, on 0–100;
no total (``None``) when no question is assessed (nothing divides by zero). The number
of families an action covers is kept apart as its own figure: it may inform the
"coverage" score a person gives, it is never mixed into the total.

``RANKING_RULE``: complete actions (all five questions assessed) first, by total from
highest to lowest; then incomplete ones, by total likewise; equal totals share a rank
(standard competition ranking: 1, 2, 2, 4) and ranks run on across both tiers; actions
with no question assessed come last, without a rank. Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

QUESTIONS: tuple[str, ...] = (
    "coverage",
    "priority_to_disadvantaged",
    "sober_resources",
    "multiplier_effect",
    "co_responsibility",
)
SCALE_MIN = 0
SCALE_MAX = 4
SCALE = tuple(range(SCALE_MIN, SCALE_MAX + 1))
SCORE_FORMULA = "total = (mean of the assessed questions' scores) / 4 x 100"
RANKING_RULE = (
    "complete actions first, then incomplete ones (fewer than 5 questions assessed), each "
    "by total from highest to lowest; equal totals share a rank (1, 2, 2, 4); actions with "
    "no question assessed come last, without a rank"
)
# Totals are rounded to this many decimals before they are compared, so that two
# actions whose means are equal do not rank apart through floating point noise.
TOTAL_DECIMALS = 1


class ScoreError(ValueError):
    """A score that is not on the scale; ``question`` names the question."""

    def __init__(self, question: str, value: object) -> None:
        self.question = question
        self.value = value
        super().__init__(f"{question}: {value!r} is not on the scale "
                         f"{SCALE_MIN}-{SCALE_MAX} (or empty for not assessed)")


def check_score(question: str, value: object) -> int | None:
    """``value`` as a score of ``question``: ``None`` (not assessed) or an integer of the
    scale. Booleans, fractions and out-of-range numbers raise ``ScoreError``."""
    if question not in QUESTIONS:
        raise KeyError(question)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScoreError(question, value)
    if not SCALE_MIN <= value <= SCALE_MAX:
        raise ScoreError(question, value)
    return value


def require_questions(keys: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the ``keys`` that are not questions of the method (a
    caller's mistake, never a person's: forms only offer the five questions)."""
    unknown = set(keys) - set(QUESTIONS)
    if unknown:
        raise ValueError(f"Unknown question(s): {', '.join(sorted(unknown))}")


def check_scores(scores: Mapping[str, int | None]) -> dict[str, int | None]:
    """All five questions, each checked (a missing question is not assessed)."""
    unknown = set(scores) - set(QUESTIONS)
    if unknown:
        raise KeyError(sorted(unknown)[0])
    return {q: check_score(q, scores.get(q)) for q in QUESTIONS}


def assessed(scores: Mapping[str, int | None]) -> int:
    """How many of the five questions have a score."""
    return sum(1 for q in QUESTIONS if scores.get(q) is not None)


def is_complete(scores: Mapping[str, int | None]) -> bool:
    return assessed(scores) == len(QUESTIONS)


def total(scores: Mapping[str, int | None]) -> float | None:
    """``SCORE_FORMULA``: the mean of the assessed scores on 0–100, rounded to
    ``TOTAL_DECIMALS``; ``None`` when no question is assessed."""
    checked = [check_score(q, scores.get(q)) for q in QUESTIONS]
    values = [v for v in checked if v is not None]
    if not values:
        return None
    return round(sum(values) / len(values) / SCALE_MAX * 100, TOTAL_DECIMALS)


@dataclass(frozen=True)
class Ranked:
    key: object
    scores: dict[str, int | None]
    total: float | None
    assessed: int
    complete: bool
    rank: int | None
    families: tuple[str, ...] = field(default=())

    @property
    def families_count(self) -> int:
        return len(self.families)


def rank(items: Iterable[tuple[Any, ...]]) -> list[Ranked]:
    """``RANKING_RULE`` applied to ``(key, scores[, families])`` items, in ranking order.

    Items of equal total and tier keep the order they were given in (pass them sorted by
    name for a readable order of ties)."""
    evaluated = []
    for position, item in enumerate(items):
        key, scores = item[0], item[1]
        families = tuple(item[2]) if len(item) > 2 else ()
        checked = check_scores(scores)
        n = assessed(checked)
        evaluated.append((position, Ranked(key=key, scores=checked, total=total(checked),
                                           assessed=n, complete=n == len(QUESTIONS), rank=None,
                                           families=families)))

    def tier(r: Ranked) -> int:
        if r.total is None:
            return 2
        return 0 if r.complete else 1

    evaluated.sort(key=lambda pr: (tier(pr[1]), -(pr[1].total or 0.0), pr[0]))
    result: list[Ranked] = []
    previous: tuple[int, float] | None = None
    current_rank = 0
    for n, (_, r) in enumerate(evaluated, start=1):
        if r.total is None:
            result.append(r)
            continue
        here = (tier(r), r.total)
        if here != previous:
            current_rank, previous = n, here
        result.append(Ranked(key=r.key, scores=r.scores, total=r.total, assessed=r.assessed,
                             complete=r.complete, rank=current_rank, families=r.families))
    return result


def unknown_families(codes: Iterable[str], known: Iterable[str]) -> list[str]:
    """The codes of ``codes`` that are not in ``known``, in the order given."""
    known_set = set(known)
    return [c for c in codes if c not in known_set]


def clean_families(codes: Iterable[str], known: Sequence[str]) -> list[str]:
    """``codes`` stripped, without duplicates, in the grid's order (``known``); raises
    ``ValueError`` listing the codes that are not families of the grid."""
    wanted = [str(c).strip() for c in codes if str(c).strip()]
    bad = unknown_families(wanted, known)
    if bad:
        raise ValueError(bad)
    chosen = set(wanted)
    return [c for c in known if c in chosen]


@dataclass(frozen=True)
class FamilyCoverage:
    code: str
    actions: tuple[object, ...]

    @property
    def count(self) -> int:
        return len(self.actions)

    @property
    def uncovered(self) -> bool:
        return not self.actions


def coverage(families: Sequence[str],
             actions: Iterable[tuple[object, Iterable[str]]]) -> list[FamilyCoverage]:
    """Families × actions: for each family of ``families`` (in that order) the keys of the
    actions that cover it (in the order given). Codes of an action that are not in
    ``families`` are ignored (an action keeps its codes when the grid changes)."""
    by_family: dict[str, list[object]] = {code: [] for code in families}
    for key, codes in actions:
        for code in dict.fromkeys(codes):
            if code in by_family:
                by_family[code].append(key)
    return [FamilyCoverage(code=code, actions=tuple(by_family[code])) for code in families]
