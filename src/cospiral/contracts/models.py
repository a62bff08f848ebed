"""Multipartite social contracts (METHOD.md §9): beneficiaries (only ever under
pseudonyms), service providers and the city sign reciprocal commitments, plan collective
and individual workshops, review the contract periodically and end it with an exit
evaluation of each beneficiary. The statuses and the steps between them are the rules of
``cospiral.domain.contracts``; only ``contracts.services`` changes a status."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.actions.models import Commitment
from cospiral.core.models import (
    Authored,
    Created,
    Dated,
    Positioned,
    Recorded,
    TerritoryOwned,
    belongs_to,
    optional_link,
    user_link,
)
from cospiral.domain import contracts as rules


class Contract(TerritoryOwned, Authored):
    class Status(models.TextChoices):
        DRAFT = rules.DRAFT, _("Draft")
        SIGNED = rules.SIGNED, _("Signed")
        RUNNING = rules.RUNNING, _("Running")
        REVIEWED = rules.REVIEWED, _("Reviewed")
        CLOSED = rules.CLOSED, _("Closed")

    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    action = optional_link("actions.Action", "contracts", _("action of the plan"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    signed_on = models.DateField(_("signed"), null=True, blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    review_every_months = models.PositiveSmallIntegerField(
        _("review every (months)"), default=3,
        help_text=_("How often the parties meet to review the contract."))
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    running_since = models.DateField(_("current period since"), null=True, blank=True)

    class Meta(Created.Meta):
        verbose_name = _("multipartite social contract")
        verbose_name_plural = _("multipartite social contracts")
        constraints = [
            models.CheckConstraint(condition=models.Q(review_every_months__gte=1,
                                                      review_every_months__lte=24),
                                   name="contract_review_every_1_24"),
        ]

    def __str__(self) -> str:
        return self.title


class ContractParty(TerritoryOwned, Positioned):
    """A party to the contract. A beneficiary is known only by a pseudonym: there is no
    field for a real name."""

    class Kind(models.TextChoices):
        BENEFICIARY = rules.BENEFICIARY, _("Beneficiary")
        PROVIDER = rules.PROVIDER, _("Service provider")
        CITY = rules.CITY, _("City")
        OTHER = rules.OTHER, _("Other")

    contract = belongs_to(Contract, "parties", _("contract"))
    kind = models.CharField(_("kind of party"), max_length=12, choices=Kind.choices)
    pseudonym = models.CharField(_("pseudonym"), max_length=60, blank=True,
                                 help_text=_("Beneficiaries only, never their real name."))
    organisation = models.ForeignKey("territories.Organisation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="contract_parties",
                                     verbose_name=_("organisation"))
    representative = models.CharField(_("represented by"), max_length=200, blank=True,
                                      help_text=_("The person who signs for the organisation "
                                                  "and their function."))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["contract", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "pseudonym"],
                                    condition=~models.Q(pseudonym=""),
                                    name="unique_pseudonym_in_contract"),
            models.CheckConstraint(
                condition=(models.Q(kind="beneficiary", organisation__isnull=True,
                                    representative="") & ~models.Q(pseudonym=""))
                | (~models.Q(kind="beneficiary") & models.Q(pseudonym="")),
                name="contract_party_beneficiary_pseudonym_only"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.kind == self.Kind.BENEFICIARY:
            return self.pseudonym
        if self.organisation_id:
            return self.organisation.name
        return self.representative

    @property
    def is_beneficiary(self) -> bool:
        return self.kind == self.Kind.BENEFICIARY


class BeneficiaryRecord(TerritoryOwned):
    """Base of what a contract holds for one of its beneficiaries (their individual
    project, their exit evaluation): one per beneficiary, listed in the order of the
    contract's parties."""

    class Meta:
        abstract = True
        ordering = ["beneficiary__position", "beneficiary_id"]


class IndividualProject(BeneficiaryRecord):
    contract = belongs_to(Contract, "projects", _("contract"))
    beneficiary = models.OneToOneField(ContractParty, on_delete=models.CASCADE,
                                       related_name="project", verbose_name=_("beneficiary"))
    goals = models.TextField(_("goals"))
    steps = models.TextField(_("steps"), blank=True)

    class Meta(BeneficiaryRecord.Meta):
        verbose_name = _("individual project")
        verbose_name_plural = _("individual projects")


class ContractCommitment(TerritoryOwned):
    #: The outcomes of a commitment of the plan (kept, partly kept, not kept).
    Outcome = Commitment.Outcome

    contract = belongs_to(Contract, "commitments", _("contract"))
    party = belongs_to(ContractParty, "commitments", _("party committing"))
    what = models.TextField(_("what the party commits to"))
    towards = optional_link(ContractParty, "commitments_received", _("towards (reciprocal party)"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    evidence = models.TextField(_("evidence of the outcome"), blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["party__position", "party_id", "id"]

    def __str__(self) -> str:
        return self.what[:60]


class Workshop(TerritoryOwned, Dated):
    class Kind(models.TextChoices):
        COLLECTIVE = "collective", _("Collective")
        INDIVIDUAL = "individual", _("Individual")

    contract = belongs_to(Contract, "workshops", _("contract"))
    kind = models.CharField(_("kind of workshop"), max_length=12, choices=Kind.choices,
                            default=Kind.COLLECTIVE)
    topic = models.CharField(_("topic"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    facilitator = models.CharField(_("facilitated by"), max_length=200, blank=True)
    run_by = models.ForeignKey(ContractParty, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="workshops_run",
                               verbose_name=_("party running it"),
                               help_text=_("Its people may record the attendance."))
    beneficiary = models.ForeignKey(ContractParty, on_delete=models.CASCADE, null=True,
                                    blank=True, related_name="individual_workshops",
                                    verbose_name=_("beneficiary (individual workshop)"))
    notes = models.TextField(_("notes"), blank=True)
    attendance_recorded_at = models.DateTimeField(_("attendance recorded"), null=True, blank=True)

    class Meta(Dated.Meta):
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"


class Attendance(TerritoryOwned):
    workshop = belongs_to(Workshop, "attendance", _("workshop"))
    party = belongs_to(ContractParty, "attendance", _("party"))
    present = models.BooleanField(_("present"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["workshop", "party"],
                                               name="one_attendance_per_party")]


class Review(TerritoryOwned, Dated):
    contract = belongs_to(Contract, "reviews", _("contract"))
    notes = models.TextField(_("what was said"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta(Dated.Meta):
        verbose_name = _("review")
        verbose_name_plural = _("reviews")


class ExitEvaluation(BeneficiaryRecord, Dated):
    class Goals(models.TextChoices):
        ALL = "all", _("All reached")
        PARTLY = "partly", _("Partly reached")
        NOT = "not", _("Not reached")

    contract = belongs_to(Contract, "exits", _("contract"))
    beneficiary = models.OneToOneField(ContractParty, on_delete=models.CASCADE,
                                       related_name="exit_evaluation",
                                       verbose_name=_("beneficiary"))
    outcome = models.TextField(_("where the beneficiary stands"))
    goals_reached = models.CharField(_("goals of the individual project"), max_length=8,
                                     choices=Goals.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta(BeneficiaryRecord.Meta):
        verbose_name = _("exit evaluation")
        verbose_name_plural = _("exit evaluations")


class Amendment(TerritoryOwned, Recorded):
    """A new version of a signed contract: what changed (``changes``: field → [before,
    after]) and why, agreed by the parties on ``date``. The contract itself carries the
    amended terms; version 1 is the contract as signed, amendment n makes version n + 1."""

    contract = belongs_to(Contract, "amendments", _("contract"))
    number = models.PositiveSmallIntegerField(_("amendment number"))
    date = models.DateField(_("agreed on"))
    reason = models.TextField(_("why"))
    changes = models.JSONField(_("what changed"), default=dict)
    created_by = user_link(_("recorded by"))

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "number"]
        constraints = [models.UniqueConstraint(fields=["contract", "number"],
                                               name="one_amendment_number_per_contract")]

    def __str__(self) -> str:
        return f"{self.contract} · {self.number}"

    @property
    def version(self) -> int:
        return self.number + 1
