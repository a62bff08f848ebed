"""Reads of prioritisation rounds: rounds, candidates, participation, ballots counted
(``cospiral.domain.votes.count``). Results are computed here for a closed round only;
views never show them before."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from cospiral.actions.models import Action
from cospiral.domain import votes as rules
from cospiral.territories.models import Membership
from cospiral.votes.models import COORDINATION_ROLES, Ballot, BallotEntry, Round, VoterToken


def rounds(territory):
    return (Round.objects.of(territory).annotate(n_ballots=Count("ballots"))
            .order_by("-created_at", "-id"))


def round(territory, pk) -> Round | None:
    return Round.objects.of(territory).filter(pk=pk).first()


def eligible_actions(territory):
    """The actions a round may put to the vote: the territory's actions not deleted."""
    return Action.objects.of(territory).alive().order_by("axis__position", "position", "id")


def candidates(round: Round) -> list[Action]:
    """The round's candidate actions, in the plan's order (kept even if an action is
    deleted later: the round froze them)."""
    return list(round.candidates.filter(territory=round.territory)
                .order_by("axis__position", "position", "id"))


@dataclass(frozen=True)
class Participation:
    voted: int
    invited: int

    @property
    def share(self) -> float | None:
        return rules.participation(self.voted, self.invited)

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round_half_up(share * 100)


def round_half_up(value: float) -> int:
    return int(value + 0.5)


def coordination_voters(territory):
    """Members who vote in a coordination-group round."""
    return Membership.objects.of(territory).filter(role__in=[str(r) for r in COORDINATION_ROLES])


def participation(round: Round) -> Participation:
    voted = Ballot.objects.of(round.territory).filter(round=round).count()
    if round.by_tokens:
        invited = VoterToken.objects.of(round.territory).filter(
            round=round, revoked_at__isnull=True).count()
    else:
        invited = coordination_voters(round.territory).count()
    return Participation(voted=voted, invited=invited)


def has_voted(round: Round, user) -> bool:
    return (user.is_authenticated
            and Ballot.objects.of(round.territory).filter(round=round, voter=user).exists())


def ballots(round: Round) -> list[dict]:
    """Every ballot of the round as ``{action id: value}``."""
    by_ballot: dict[int, dict] = {
        pk: {} for pk in Ballot.objects.of(round.territory).filter(round=round)
        .values_list("pk", flat=True)}
    entries = (BallotEntry.objects.of(round.territory).filter(ballot__round=round)
               .values_list("ballot_id", "action_id", "value"))
    for ballot_id, action_id, value in entries.iterator(chunk_size=5000):
        by_ballot[ballot_id][action_id] = value
    return list(by_ballot.values())


@dataclass
class ResultRow:
    action: Action
    row: rules.Row
    display: str = ""

    def __getattr__(self, name):
        return getattr(self.row, name)


@dataclass(frozen=True)
class RoundResults:
    round: Round
    rows: list[ResultRow]
    ties: list[tuple[int, list[Action]]]  # (shared rank, the actions sharing it)
    ballots: int
    participation: Participation


def results(round: Round) -> RoundResults:
    """The counted results of a closed round (ValueError if it is not closed)."""
    if not round.is_closed:
        raise ValueError("Results are counted once the round is closed.")
    actions = candidates(round)
    by_id = {a.pk: a for a in actions}
    counted = rules.count(round.method, ballots(round), [a.pk for a in actions])
    ranks = {r.candidate: r.rank for r in counted.rows}
    return RoundResults(
        round=round,
        rows=[ResultRow(by_id[r.candidate], r) for r in counted.rows],
        ties=[(ranks[group[0]], [by_id[c] for c in group]) for group in counted.ties],
        ballots=counted.ballots,
        participation=participation(round),
    )


def tokens(round: Round):
    return VoterToken.objects.of(round.territory).filter(round=round).order_by("id")


def token_counts(round: Round) -> dict[str, int]:
    qs = tokens(round)
    return {
        "total": qs.count(),
        "used": qs.filter(used_at__isnull=False).count(),
        "revoked": qs.filter(revoked_at__isnull=False).count(),
    }


# --- results that count: several rounds combined, ranks on actions and in the plan ----------

def closed_rounds(territory):
    return Round.objects.of(territory).filter(closed_at__isnull=False).order_by("closed_at", "id")


@dataclass
class CombinedRow:
    action: Action
    row: rules.CombinedRow
    places: list  # per round: (RoundResults, its ResultRow or None)

    @property
    def rank(self) -> int:
        return self.row.rank

    @property
    def tied(self) -> bool:
        return self.row.tied

    @property
    def score(self) -> float:
        return self.row.value


@dataclass(frozen=True)
class Combined:
    rounds: list[RoundResults]
    rows: list[CombinedRow]

    def of(self, action_id) -> CombinedRow | None:
        return next((r for r in self.rows if r.action.pk == action_id), None)


def combined(territory, round_ids=None) -> Combined:
    """The closed rounds of ``round_ids`` (every closed round when None) combined by
    ``cospiral.domain.votes.COMBINING_RULE``, best first."""
    qs = closed_rounds(territory)
    if round_ids is not None:
        qs = qs.filter(pk__in=list(round_ids))
    counted = [results(r) for r in qs]
    combined_rows = rules.combine([
        rules.Results(method=c.round.method, rows=[r.row for r in c.rows], ballots=c.ballots)
        for c in counted])
    actions = {r.action.pk: r.action for c in counted for r in c.rows}
    by_round = [{r.action.pk: r for r in c.rows} for c in counted]
    rows = [CombinedRow(action=actions[r.candidate], row=r,
                        places=[(c, places.get(r.candidate)) for c, places in zip(counted, by_round, strict=True)])
            for r in combined_rows]
    return Combined(rounds=counted, rows=rows)


@dataclass(frozen=True)
class ActionStanding:
    """Where the votes put one action: its place in each closed round it was put to,
    and its rank when every closed round is combined (two or more rounds)."""

    rounds: list  # (RoundResults, ResultRow)
    combined: CombinedRow | None
    n_combined: int  # actions ranked by the combination

    @property
    def rank(self) -> int | None:
        """The rank the plan shows: combined over the closed rounds when there are several,
        else its place in the only one (None: nobody voted for it)."""
        if self.combined is not None:
            return self.combined.rank
        return self.rounds[0][1].rank if self.rounds else None

    @property
    def out_of(self) -> int:
        if self.combined is not None:
            return self.n_combined
        return len(self.rounds[0][0].rows) if self.rounds else 0

    @property
    def tied(self) -> bool:
        if self.combined is not None:
            return self.combined.tied
        return bool(self.rounds and self.rounds[0][1].tied)


def standings(territory) -> dict[int, ActionStanding]:
    """``{action id: ActionStanding}`` for every action put to a closed round."""
    every = combined(territory)
    several = len(every.rounds) >= 2
    result = {}
    for row in every.rows:
        result[row.action.pk] = ActionStanding(
            rounds=[(c, place) for c, place in row.places if place is not None],
            combined=row if several else None, n_combined=len(every.rows))
    return result


def standing(territory, action) -> ActionStanding | None:
    return standings(territory).get(action.pk)
