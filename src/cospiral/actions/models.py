"""Actions and the co-responsibility plan (METHOD.md §9, phases 4–6): actions chosen
from what citizens proposed (answers to Q3 and Q4, a group's pilot idea), from an
indicator with a poor result, or written from scratch; organised in strategic axes and
a hierarchy (axis → action → sub-action); each party's signed commitments.

Scores on the five questions of METHOD.md §8 use the scale and keys of
``cospiral.domain.evaluation`` (0 not at all … 4 fully; empty = not assessed)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import (
    Authored,
    CodedInTerritory,
    Positioned,
    SoftDeletable,
    TerritoryOwned,
    belongs_to,
    optional_link,
)
from cospiral.domain.evaluation import SCALE_MAX, SCALE_MIN


class Axis(CodedInTerritory, Positioned):
    """A strategic axis of the plan."""

    cycle = optional_link("territories.Cycle", "+", _("cycle"))
    code = models.CharField(_("code"), max_length=12, help_text=_("For example 1, 2, 3."))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta(CodedInTerritory.Meta):
        verbose_name = _("strategic axis")
        verbose_name_plural = _("strategic axes")
        ordering = ["position", "code", "id"]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


def _score_field(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class Action(SoftDeletable, Authored, Positioned):
    class Origin(models.TextChoices):
        BLANK = "blank", _("Written from scratch")
        CARDS = "cards", _("From citizens' cards")
        PILOT_IDEA = "pilot_idea", _("A group's pilot idea")
        INDICATOR = "indicator", _("An indicator with a poor result")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SELECTED = "selected", _("Selected")
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        ABANDONED = "abandoned", _("Abandoned")

    axis = optional_link(Axis, "actions", _("strategic axis"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("part of the action"))
    cycle = optional_link("territories.Cycle", "+", _("cycle"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices,
                              default=Origin.BLANK)
    cards = models.ManyToManyField("criteria.Card", blank=True, related_name="actions",
                                   verbose_name=_("citizens' cards it comes from"))
    origin_group = optional_link("groups.Group", "+", _("group whose pilot idea it is"))
    origin_indicator = optional_link("indicators.Indicator", "+", _("indicator it answers"))
    lead = optional_link("territories.Organisation", "+", _("lead organisation"))
    #: Grid family codes the action covers (codes are the join key, never texts).
    families = models.JSONField(_("families covered"), default=list, blank=True)
    # The five questions of METHOD.md §8 (keys of cospiral.domain.evaluation.QUESTIONS).
    coverage = _score_field(_("dimensions of well-being covered"))
    priority_to_disadvantaged = _score_field(_("priority to the most disadvantaged"))
    sober_resources = _score_field(_("sober use of resources"))
    multiplier_effect = _score_field(_("multiplier effect"))
    co_responsibility = _score_field(_("co-responsibility created"))
    # A demonstrative action and its four tests (None: not assessed yet, never "fails").
    demonstrative = models.BooleanField(_("demonstrative action"), default=False)
    starts_at_once = models.BooleanField(_("starts at once"), null=True, blank=True, default=None)
    quick_results = models.BooleanField(_("first results within about three months"), null=True, blank=True, default=None)
    crosses_barriers = models.BooleanField(_("crosses institutional barriers"), null=True, blank=True, default=None)
    addresses_extreme = models.BooleanField(_("addresses an extreme situation"), null=True, blank=True, default=None)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PROPOSED)
    #: 0–100, or empty: "not measured" (never the same as 0 %).
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    review_on = models.DateField(_("next review"), null=True, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["axis__position", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="action_progress_0_100"),
            *[models.CheckConstraint(
                condition=models.Q(**{f"{q}__gte": SCALE_MIN, f"{q}__lte": SCALE_MAX}) | models.Q(**{f"{q}__isnull": True}),
                name=f"action_{q}_on_scale")
              for q in ("coverage", "priority_to_disadvantaged", "sober_resources",
                        "multiplier_effect", "co_responsibility")],
        ]

    def __str__(self) -> str:
        return self.title


class Target(TerritoryOwned):
    """What an action aims to change on an indicator: from a baseline to a target."""

    class Measure(models.TextChoices):
        SCORE = "score", _("Score 0–100")
        HIGH_SHARE = "high_share", _("Share at levels 4–5 (%)")
        LOW_SHARE = "low_share", _("Share at levels 1–2 (%)")
        MEDIAN = "median", _("Median level")

    action = belongs_to(Action, "targets", _("action"))
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("indicator"))
    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices,
                               default=Measure.HIGH_SHARE)
    baseline_wave = optional_link("surveys.Wave", "+", _("baseline survey wave"))
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    target = models.FloatField(_("target"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["action", "id"]


class Milestone(TerritoryOwned):
    """A dated step that tells the action's story."""

    action = belongs_to(Action, "milestones", _("action"))
    on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("what happened"), blank=True)
    reached = models.BooleanField(_("reached"), default=False)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["action", "on", "id"]


class Commitment(SoftDeletable, Authored):
    """What one party (an organisation, a group or a person) commits to do for an action."""

    class PartyKind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        GROUP = "group", _("Group")
        PERSON = "person", _("Person")

    class Resource(models.TextChoices):
        MONEY = "money", _("Money")
        TIME = "time", _("Time")
        PREMISES = "premises", _("Premises")
        SKILLS = "skills", _("Skills")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        KEPT = "kept", _("Kept")
        PARTLY = "partly", _("Partly kept")
        NOT_KEPT = "not_kept", _("Not kept")

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="commitments",
                               verbose_name=_("action"))
    party_kind = models.CharField(_("party"), max_length=12, choices=PartyKind.choices)
    organisation = models.ForeignKey("territories.Organisation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="commitments",
                                     verbose_name=_("organisation"))
    group = models.ForeignKey("groups.Group", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="commitments", verbose_name=_("group"))
    person = models.CharField(_("person"), max_length=200, blank=True)
    what = models.TextField(_("what the party commits to"))
    resource = models.CharField(_("resource"), max_length=10, choices=Resource.choices,
                                default=Resource.TIME)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True,
                                 blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True,
                            help_text=_("For example €, hours, m², days."))
    due_on = models.DateField(_("due"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted"), null=True, blank=True)
    signed_on = models.DateField(_("signed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    evidence = models.TextField(_("evidence of the outcome"), blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["action", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(party_kind="organisation", organisation__isnull=False, group__isnull=True)
                           | models.Q(party_kind="group", group__isnull=False, organisation__isnull=True)
                           | models.Q(party_kind="person", organisation__isnull=True, group__isnull=True)
                           & ~models.Q(person="")),
                name="commitment_one_party"),
        ]

    def __str__(self) -> str:
        return self.what[:60]

    @property
    def party_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        if self.group_id:
            return self.group.name
        return self.person
