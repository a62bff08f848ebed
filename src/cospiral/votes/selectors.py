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
