"""Prioritisation rounds (METHOD.md §9, phase 4): voters prioritise candidate actions by
dot vote, score 0–5 or ranked choice (rules and counting in ``cospiral.domain.votes``).

The electorate of a round is the coordination group — its seats, as recorded on the
coordination-group page, each with a personal link made when the round opens — or
citizens, each with a personal token (a link without login), or the territory's members
with an account (coordinators, facilitators, partners), voting signed in. A ballot is immutable once cast: one per
user, one per token, backed by unique constraints."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import (
    Authored,
    Created,
    PersonalLink,
    TerritoryOwned,
    belongs_to,
    new_token,  # noqa: F401 (the migrations name it here)
    optional_link,
)
from cospiral.domain import votes as rules
from cospiral.territories.models import Role

#: Roles of the members who vote when the electorate is the coordination group.
COORDINATION_ROLES = (Role.COORDINATOR, Role.FACILITATOR, Role.PARTNER)


class Round(TerritoryOwned, Authored):
    class Method(models.TextChoices):
        DOT = rules.DOT, _("Dot vote")
        SCORE = rules.SCORE, _("Score from 0 to 5")
        RANKED = rules.RANKED, _("Ranked choice")

    class Electorate(models.TextChoices):
        SEATS = "seats", _("Coordination group (one link per seat)")
        CITIZENS = "citizens", _("Citizens (personal links)")
        COORDINATION = "coordination", _("Members with an account (signed in)")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices,
                              default=Method.DOT)
    dots_per_voter = models.PositiveSmallIntegerField(
        _("dots per voter"), null=True, blank=True,
        help_text=_("Dot vote only: how many dots each voter places."))
    cap_per_candidate = models.PositiveSmallIntegerField(
        _("most dots on one action"), null=True, blank=True,
        help_text=_("Dot vote only: leave empty to let a voter put all their dots on one action."))
    electorate = models.CharField(_("who votes"), max_length=14, choices=Electorate.choices,
                                  default=Electorate.COORDINATION)
    candidates = models.ManyToManyField("actions.Action", related_name="vote_rounds",
                                        verbose_name=_("actions to prioritise"))
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta(Created.Meta):
        verbose_name = _("prioritisation round")
        verbose_name_plural = _("prioritisation rounds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(opened_at__isnull=False),
                name="round_closed_after_opened"),
            models.CheckConstraint(
                condition=~models.Q(method=rules.DOT) | models.Q(dots_per_voter__gte=1),
                name="round_dot_vote_has_dots"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        if self.closed_at is not None:
            return "closed"
        if self.opened_at is not None:
            return "open"
        return "draft"

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def by_tokens(self) -> bool:
        return self.electorate in (self.Electorate.CITIZENS, self.Electorate.SEATS)

    @property
    def by_seats(self) -> bool:
        return self.electorate == self.Electorate.SEATS


class VoterToken(PersonalLink):
    """A citizen's personal link to vote once in a round."""

    round = belongs_to(Round, "tokens", _("round"))
    # A coordination-group round: the seat this link was made for (printed on its slip).
    seat = optional_link("territories.CoordinationMember", "+", _("seat in the coordination group"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("voter link")
        verbose_name_plural = _("voter links")
        ordering = ["round", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="voter_token_used_or_revoked"),
            models.UniqueConstraint(fields=["round", "seat"], condition=models.Q(seat__isnull=False),
                                    name="one_link_per_seat"),
        ]

    @property
    def state(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.used_at is not None:
            return "used"
        return "unused"


class Ballot(TerritoryOwned):
    """One voter's ballot: by a signed-in member (``voter``) or by a token, never both."""

    round = belongs_to(Round, "ballots", _("round"))
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("voter"))
    token = models.OneToOneField(VoterToken, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="ballot", verbose_name=_("voter link"))
    created_at = models.DateTimeField(_("cast"), auto_now_add=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="one_ballot_per_voter"),
            models.CheckConstraint(
                condition=(models.Q(voter__isnull=False, token__isnull=True)
                           | models.Q(voter__isnull=True, token__isnull=False)),
                name="ballot_by_voter_or_token"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}#{self.pk}"


class BallotEntry(TerritoryOwned):
    """What a ballot gives one action: dots, a score 0–5 or a rank (1 = first)."""

    ballot = belongs_to(Ballot, "entries", _("ballot"))
    action = models.ForeignKey("actions.Action", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("action"))
    value = models.PositiveSmallIntegerField(_("value"))

    class Meta:
        verbose_name = _("ballot entry")
        verbose_name_plural = _("ballot entries")
        ordering = ["ballot", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "action"], name="one_entry_per_action"),
        ]
