"""The review's section on prioritisation votes: the closed rounds of the cycle, their
participation, and the actions ranked (combined when there are several rounds, by
``cospiral.domain.votes.COMBINING_RULE``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from cospiral.votes import selectors as vote_selectors


@dataclass(frozen=True)
class VotesSection:
    combined: vote_selectors.Combined

    @property
    def rounds(self) -> list:
        return self.combined.rounds

    @property
    def several(self) -> bool:
        return len(self.combined.rounds) >= 2


def assemble(territory, cycle_obj) -> VotesSection:
    """The closed rounds that put to the vote an action of ``cycle_obj`` or of no cycle
    (the review's scope rule), oldest first."""
    in_scope = Q(candidates__cycle=cycle_obj) | Q(candidates__cycle__isnull=True)
    ids = list(vote_selectors.closed_rounds(territory).filter(in_scope)
               .values_list("pk", flat=True).distinct())
    return VotesSection(combined=vote_selectors.combined(territory, ids))
