"""Prioritisation rounds (METHOD.md §9, phase 4): ballots and how they are counted.

A round asks voters to prioritise candidate actions by one of three methods. Candidates
are identified by any hashable key (the action's id in the application); a ballot is a
mapping ``{candidate: value}``. Pure Python, no Django.

Ballots (``validate``)
======================

``dot``     Each voter has ``dots`` dots and puts whole numbers of them (0 or more) on
            candidates, several on one candidate if they wish, at most ``cap`` on one
            candidate when a cap is set; the total is at most ``dots`` (unused dots are
            allowed). At least one dot must be placed.
``score``   Each candidate gets a whole score from 0 to 5, or none (``None`` or left
            out): not scored, which is never counted as 0. At least one candidate must be
            scored.
``ranked``  A strict ranking of some or all candidates: ranks 1, 2, 3 … each used once,
            without gaps; candidates left out are unranked. At least one candidate must
            be ranked.

A value for a key that is not a candidate of the round is refused.

Counting (``count``) — ``COUNTING_RULES``
=========================================

``dot``     result = total number of dots a candidate received; also the number of
            voters who gave it at least one dot.
``score``   result = mean score over the voters who scored it; also that number of voters
            and the sum. A candidate nobody scored has no result and comes last, unranked.
``ranked``  Borda count: on a ballot, with ``n`` candidates in the round, a candidate
            ranked ``r`` gets ``n - r`` points (the first gets ``n - 1``, the ``n``-th 0)
            and an unranked candidate 0 points; result = total points. Also the number of
            first preferences and the number of ballots that rank it.

Candidates are ranked by result from highest to lowest; equal results share a rank
(standard competition ranking: 1, 2, 2, 4) and are marked as ties. Results are exact
(means are compared as fractions), so no floating point noise splits or joins a tie.
Within a tie, and among unranked candidates, the round's candidate order is kept. The
count depends only on the multiset of ballots, never on their order.

Participation = voters who cast a ballot ÷ voters invited (``None`` when nobody is
invited).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

DOT = "dot"
SCORE = "score"
RANKED = "ranked"
METHODS: tuple[str, ...] = (DOT, SCORE, RANKED)

SCORE_MIN = 0
SCORE_MAX = 5
SCORES = tuple(range(SCORE_MIN, SCORE_MAX + 1))
MAX_DOTS = 100

COUNTING_RULES = {
    DOT: "result = total dots received; equal totals share a rank (1, 2, 2, 4)",
    SCORE: ("result = mean score (0-5) over the voters who scored the candidate; a candidate "
            "nobody scored has no result and comes last; equal means share a rank"),
    RANKED: ("Borda count: with n candidates, rank r earns n - r points, unranked 0; result = "
             "total points; equal totals share a rank"),
}


class BallotError(ValueError):
    """A ballot that cannot be accepted. ``code`` says why, ``candidate`` which candidate
    (or None for the whole ballot), ``params`` the numbers for the message."""

    def __init__(self, code: str, candidate: Hashable | None = None, **params: object) -> None:
        self.code = code
        self.candidate = candidate
        self.params = params
        super().__init__(f"{code}: {candidate!r} {params}")


class ConfigError(ValueError):
    """A round's settings that cannot work (``code``, ``params``)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")


def check_config(method: str, *, n_candidates: int, dots: int | None = None,
                 cap: int | None = None) -> None:
    """Raise ConfigError if a round with these settings cannot be voted on."""
    if method not in METHODS:
        raise ConfigError("method", method=method)
    if n_candidates < 2:
        raise ConfigError("candidates", n=n_candidates)
    if method == DOT:
        if dots is None or not 1 <= dots <= MAX_DOTS:
            raise ConfigError("dots", dots=dots, max=MAX_DOTS)
        if cap is not None and not 1 <= cap <= dots:
            raise ConfigError("cap", cap=cap, dots=dots)


def _whole(candidate: Hashable, value: object) -> int | None:
    """``value`` as an int (``None`` or an empty string: None); BallotError if it is not
    a whole number."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BallotError("not_whole", candidate, value=value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        sign = text[1:] if text[:1] in "+-" else text
        if not sign.isdigit() or not sign.isascii():
            raise BallotError("not_whole", candidate, value=value)
        return int(text)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise BallotError("not_whole", candidate, value=value)


def _known(ballot: Mapping[Hashable, Any], candidates: Sequence[Hashable]) -> None:
    allowed = set(candidates)
    for key in ballot:
        if key not in allowed:
            raise BallotError("unknown_candidate", key)


def validate(method: str, ballot: Mapping[Hashable, Any], candidates: Sequence[Hashable], *, dots: int | None = None,
             cap: int | None = None) -> dict[Hashable, Any]:
    """The ballot cleaned: ``{candidate: int}`` holding only the candidates it gives
    something to (dots > 0, a score, a rank), in the round's candidate order. Raises
    BallotError (the first problem, in candidate order) otherwise."""
    _known(ballot, candidates)
    values = {c: _whole(c, ballot.get(c)) for c in candidates}
    if method == DOT:
        return _validate_dot(values, dots=dots, cap=cap)
    if method == SCORE:
        return _validate_score(values)
    if method == RANKED:
        return _validate_ranked(values)
    raise ValueError(f"Unknown method: {method!r}")


def _validate_dot(values: dict[Hashable, Any], *, dots: int | None, cap: int | None) -> dict[Hashable, Any]:
    if dots is None:
        raise ValueError("A dot vote needs its number of dots per voter.")
    clean = {}
    for c, v in values.items():
        v = v or 0
        if v < 0:
            raise BallotError("negative", c, value=v)
        if cap is not None and v > cap:
            raise BallotError("over_cap", c, value=v, cap=cap)
        if v:
            clean[c] = v
    used = sum(clean.values())
    if used > dots:
        raise BallotError("too_many_dots", None, used=used, dots=dots)
    if used == 0:
        raise BallotError("empty", None)
    return clean


def _validate_score(values: dict[Hashable, Any]) -> dict[Hashable, Any]:
    clean = {}
    for c, v in values.items():
        if v is None:
            continue
        if not SCORE_MIN <= v <= SCORE_MAX:
            raise BallotError("score_range", c, value=v, min=SCORE_MIN, max=SCORE_MAX)
        clean[c] = v
    if not clean:
        raise BallotError("empty", None)
    return clean


def _validate_ranked(values: dict[Hashable, Any]) -> dict[Hashable, Any]:
    clean = {}
    seen: dict[int, Hashable] = {}
    n = len(values)
    for c, v in values.items():
        if v is None:
            continue
        if not 1 <= v <= n:
            raise BallotError("rank_range", c, value=v, max=n)
        if v in seen:
            raise BallotError("duplicate_rank", c, value=v, other=seen[v])
        seen[v] = c
        clean[c] = v
    if not clean:
        raise BallotError("empty", None)
    for r in range(1, len(clean) + 1):
        if r not in seen:
            raise BallotError("rank_gap", None, missing=r, highest=max(seen))
    return clean


def remaining_dots(ballot: Mapping[Hashable, Any], dots: int) -> int:
    """Dots left after the ones placed (negative when too many are placed); blanks and
    non-numbers count as 0 here, the validation says what is wrong with them."""
    used = 0
    for value in ballot.values():
        try:
            used += max(_whole(None, value) or 0, 0)
        except BallotError:
            continue
    return dots - used


# --- counting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One candidate's line of the results. ``result`` is the figure candidates are ranked
    by (``None``: no result, unranked); ``tied`` when another candidate shares its rank."""

    candidate: Hashable
    rank: int | None
    result: Fraction | int | None
    tied: bool
    voters: int  # voters who gave it something: ≥ 1 dot, a score, a rank
    total: int  # dots, sum of scores, or Borda points
    first: int = 0  # ranked: ballots that rank it first

    @property
    def value(self) -> float | None:
        """The result as a number for display (a mean is a float)."""
        return None if self.result is None else float(self.result)


@dataclass(frozen=True)
class Results:
    method: str
    rows: list[Row]
    ballots: int
    ties: list[list[Hashable]] = field(default_factory=list)  # candidates sharing a rank

    @property
    def winners(self) -> list[Hashable]:
        return [r.candidate for r in self.rows if r.rank == 1]


def count(method: str, ballots: Iterable[Mapping[Hashable, Any]], candidates: Sequence[Hashable]) -> Results:
    """``COUNTING_RULES`` applied to valid ballots (as returned by ``validate``)."""
    if method not in METHODS:
        raise ValueError(f"Unknown method: {method!r}")
    candidates = list(candidates)
    n = len(candidates)
    index = {c: i for i, c in enumerate(candidates)}
    totals = [0] * n
    voters = [0] * n
    first = [0] * n
    n_ballots = 0
    for ballot in ballots:
        n_ballots += 1
        for c, v in ballot.items():
            i = index[c]
            if method == RANKED:
                totals[i] += n - v
                first[i] += v == 1
            else:
                totals[i] += v
            voters[i] += 1
    results: list[Fraction | int | None]
    if method == SCORE:
        results = [Fraction(totals[i], voters[i]) if voters[i] else None for i in range(n)]
    else:
        results = list(totals)
    return _rank(method, candidates, results, voters, totals, first, n_ballots)


def _rank(method: str, candidates: Sequence[Hashable], results: Sequence[Fraction | int | None],
          voters: Sequence[int], totals: Sequence[int], first: Sequence[int],
          n_ballots: int) -> Results:
    order = sorted(range(len(candidates)),
                   key=lambda i: (results[i] is None, -(results[i] or 0), i))
    ranks: list[int | None] = [None] * len(candidates)
    previous = object()
    current = 0
    for position, i in enumerate(order, start=1):
        if results[i] is None:
            continue
        if results[i] != previous:
            current, previous = position, results[i]
        ranks[i] = current
    by_rank: dict[int, list[int]] = {}
    for i in order:
        rank = ranks[i]
        if rank is not None:
            by_rank.setdefault(rank, []).append(i)
    tied = {i for members in by_rank.values() if len(members) > 1 for i in members}
    rows = [Row(candidate=candidates[i], rank=ranks[i], result=results[i], tied=i in tied,
                voters=voters[i], total=totals[i], first=first[i]) for i in order]
    ties = [[candidates[i] for i in members] for _r, members in sorted(by_rank.items())
            if len(members) > 1]
    return Results(method=method, rows=rows, ballots=n_ballots, ties=ties)


def participation(voted: int, invited: int) -> float | None:
    """Share of invited voters who voted, 0–1 (``None`` when nobody is invited)."""
    if invited <= 0:
        return None
    return voted / invited


# --- several rounds combined ---------------------------------------------------------------

COMBINING_RULE = (
    "each closed round counts equally; in a round of n actions, an action's place p becomes "
    "100 x (n - p) / (n - 1) points (first 100, last 0); actions sharing a place get the mean "
    "of the places they share, and actions nobody voted for share the last places; an "
    "action's combined score is the mean of its points over the rounds it was put to; equal "
    "scores share a rank (1, 2, 2, 4)")


@dataclass(frozen=True)
class CombinedRow:
    candidate: Hashable
    rank: int
    score: Fraction  # 0-100, exact
    tied: bool
    points: tuple[Fraction | None, ...]  # per round, None when not a candidate of it

    @property
    def value(self) -> float:
        return float(self.score)


def round_points(results: Results) -> dict[Hashable, Fraction]:
    """A round's places as points from 100 (first) to 0 (last), ties and unranked
    candidates at the mean of the places they share (see ``COMBINING_RULE``)."""
    rows = results.rows
    n = len(rows)
    if n == 0:
        return {}
    if n == 1:
        return {rows[0].candidate: Fraction(100)}
    groups: list[list[Hashable]] = []
    last: object = object()
    for row in rows:  # rows come best first, unranked last
        key = ("rank", row.rank) if row.rank is not None else ("unranked",)
        if key != last:
            groups.append([])
            last = key
        groups[-1].append(row.candidate)
    points: dict[Hashable, Fraction] = {}
    place = 1
    for members in groups:
        mean_place = Fraction(2 * place + len(members) - 1, 2)
        for candidate in members:
            points[candidate] = 100 * (n - mean_place) / (n - 1)
        place += len(members)
    return points


def combine(rounds: Sequence[Results]) -> list[CombinedRow]:
    """Several rounds' results combined by ``COMBINING_RULE``: best first; within a tie,
    candidates in first-seen order (rounds in the order given, each best first). The
    result does not depend on the order of the rounds except for that display order."""
    per_round = [round_points(r) for r in rounds]
    order: list[Hashable] = []
    for points in per_round:
        for candidate in points:
            if candidate not in order:
                order.append(candidate)
    scores = {}
    for candidate in order:
        got = [p[candidate] for p in per_round if candidate in p]
        scores[candidate] = sum(got, Fraction(0)) / len(got)
    seen = {c: i for i, c in enumerate(order)}
    ranked = sorted(order, key=lambda c: (-scores[c], seen[c]))
    rows: list[CombinedRow] = []
    for position, candidate in enumerate(ranked, start=1):
        same = rows[-1].rank if rows and scores[rows[-1].candidate] == scores[candidate] else position
        rows.append(CombinedRow(candidate=candidate, rank=same, score=scores[candidate], tied=False,
                                points=tuple(p.get(candidate) for p in per_round)))
    counts: dict[int, int] = {}
    for row in rows:
        counts[row.rank] = counts.get(row.rank, 0) + 1
    return [CombinedRow(candidate=r.candidate, rank=r.rank, score=r.score, tied=counts[r.rank] > 1,
                        points=r.points) for r in rows]
