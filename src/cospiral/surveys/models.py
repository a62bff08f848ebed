"""Survey waves (METHOD.md §8): the self-survey of inhabitants on a territory's
indicators, before acting (ex-ante) and after (ex-post).

Storage, chosen for the results page of a wave with a million questionnaires:

* ``Questionnaire``: one row per respondent; the levels are packed as one signed byte
  per indicator, in the order of the wave's frozen instrument (``WaveIndicator.position``),
  with the codes of ``cospiral.domain.scoring`` (1–5, 0 no answer, −1 don't know,
  −2 not applicable). Profile answers are small integer codes (−1 not stated).
* ``WaveTally``: exact aggregates, one row per wave × combination of profile answers,
  holding the number of submitted questionnaires and their counts per indicator × code
  (``int32`` little-endian, shape (indicators, 8)). Every service that submits, corrects
  or withdraws a questionnaire updates its tally row in the same transaction; tests
  prove the tallies equal a recomputation from the questionnaires."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import (
    Authored,
    Created,
    PersonalLink,
    TerritoryOwned,
    Timestamped,
    belongs_to,
    new_token,
    optional_link,
    user_link,
)


def new_seed() -> int:
    return secrets.randbits(62)


class Wave(TerritoryOwned, Authored):
    class Kind(models.TextChoices):
        EX_ANTE = "ex_ante", _("Ex-ante (before acting)")
        EX_POST = "ex_post", _("Ex-post (after acting)")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EX_ANTE)
    cycle = optional_link("territories.Cycle", "+", _("cycle"))
    baseline = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups",
        verbose_name=_("ex-ante wave compared with"),
        help_text=_("For an ex-post wave: the wave it is compared with."),
    )
    description = models.TextField(_("introduction for respondents"), blank=True)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    #: Keys of the profile questions asked, among cospiral.domain.survey.PROFILE_KEYS.
    profile_questions = models.JSONField(_("profile questions"), default=list, blank=True)
    #: Answer choices of the territory-defined profile questions (lists of labels).
    neighbourhoods = models.JSONField(_("neighbourhoods"), default=list, blank=True)
    group_profiles = models.JSONField(_("group profiles"), default=list, blank=True)
    consent_text = models.TextField(_("consent text"), blank=True)
    public_token = models.CharField(_("public link token"), max_length=40, unique=True,
                                    default=new_token)
    public_link_enabled = models.BooleanField(_("public link open"), default=False)
    frozen_at = models.DateTimeField(
        _("instrument frozen"), null=True, blank=True,
        help_text=_("Set when the first answer arrives; the indicators can no longer change."),
    )
    published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    anonymised_at = models.DateTimeField(
        _("anonymised for good"), null=True, blank=True,
        help_text=_("Set when a coordinator deleted the personal and resume links of the closed wave."),
    )
    threshold = models.PositiveSmallIntegerField(
        _("suppression threshold"), default=5,
        help_text=_("Smallest number of answers shown for a cell of a breakdown."),
    )
    bootstrap_seed = models.BigIntegerField(
        _("bootstrap seed"), default=new_seed,
        help_text=_("Seed of the bootstrap intervals, so that every result can be reproduced."),
    )
    #: Weights of the families in the synthetic index: {"A": 1.0, ...}; missing = 1.
    family_weights = models.JSONField(_("family weights"), default=dict, blank=True)
    #: Known population margins for weighting: {"age_band": [counts...], ...}
    population_margins = models.JSONField(_("population margins"), default=dict, blank=True)

    class Meta(Created.Meta):
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")

    def __str__(self) -> str:
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class WaveIndicator(TerritoryOwned):
    """An indicator (one exact version) in a wave's instrument, at a fixed position. Its
    territory is its wave's (and its indicator's), carried so that it is read like every
    other territory-owned row, through ``.of(territory)``."""

    wave = belongs_to(Wave, "items", _("wave"))
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.PROTECT,
                                  related_name="wave_items", verbose_name=_("indicator"))
    position = models.PositiveSmallIntegerField(_("position"))
    weight = models.FloatField(_("weight in its family index"), default=1.0)

    class Meta:
        verbose_name = _("indicator of a wave")
        verbose_name_plural = _("indicators of a wave")
        ordering = ["wave", "position"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "position"], name="unique_wave_position"),
            models.UniqueConstraint(fields=["wave", "indicator"], name="unique_wave_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}#{self.position} {self.indicator}"


class RespondentToken(PersonalLink):
    """A personal link to answer a wave once (per-respondent channel)."""

    wave = belongs_to(Wave, "tokens", _("wave"))

    class Meta:
        verbose_name = _("respondent link")
        verbose_name_plural = _("respondent links")
        ordering = ["wave", "id"]


class Questionnaire(TerritoryOwned, Timestamped):
    """One respondent's answers to a wave (see the module docstring for the packing)."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        PAPER = "paper", _("Paper, typed in")
        IMPORT = "import", _("File import")

    wave = belongs_to(Wave, "questionnaires", _("wave"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    #: Idempotency key, unique per wave: "t:<token>" (web), "p:<number>" (paper),
    #: "i:<respondent id>" (import).
    key = models.CharField(_("key"), max_length=80)
    respondent_number = models.PositiveIntegerField(_("respondent number"), null=True, blank=True)
    levels = models.BinaryField(_("levels"))
    age_band = models.SmallIntegerField(_("age band"), default=-1)
    gender = models.SmallIntegerField(_("gender"), default=-1)
    neighbourhood = models.SmallIntegerField(_("neighbourhood"), default=-1)
    group_profile = models.SmallIntegerField(_("group profile"), default=-1)
    consent = models.BooleanField(_("consent to profile questions"), default=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True,
                                        help_text=_("Empty while the respondent has saved but not sent."))
    entered_by = user_link(_("entered by"))

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["wave", "id"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "key"], name="unique_questionnaire_key"),
        ]
        indexes = [models.Index(fields=["wave", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.wave_id}:{self.key}"

    @property
    def profile(self) -> tuple[int, int, int, int]:
        return (self.age_band, self.gender, self.neighbourhood, self.group_profile)


class WaveTally(TerritoryOwned):
    """Exact aggregates of the submitted questionnaires of one profile combination."""

    wave = belongs_to(Wave, "tallies", _("wave"))
    age_band = models.SmallIntegerField(default=-1)
    gender = models.SmallIntegerField(default=-1)
    neighbourhood = models.SmallIntegerField(default=-1)
    group_profile = models.SmallIntegerField(default=-1)
    respondents = models.PositiveIntegerField(default=0)
    counts = models.BinaryField()

    class Meta:
        verbose_name = _("wave tally")
        verbose_name_plural = _("wave tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "age_band", "gender", "neighbourhood", "group_profile"],
                name="unique_wave_tally_cell",
            ),
        ]


class ResultSnapshot(TerritoryOwned):
    """The wave's tallies frozen when a coordinator publishes the results (immutable:
    never changed, never deleted while the wave exists). Everyone but the wave's
    coordinators sees the latest snapshot, never the live tallies; ``hidden`` holds the
    cells it hides (``cospiral.domain.snapshots.Hidden.to_json``), hidden again in every
    later snapshot."""

    wave = belongs_to(Wave, "snapshots", _("wave"))
    taken_at = models.DateTimeField(_("taken"), auto_now_add=True)
    taken_by = user_link(_("taken by"))
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    indicator_count = models.PositiveSmallIntegerField(_("indicators"), default=0)
    #: [[age_band, gender, neighbourhood, group_profile, respondents], ...] per cell.
    cell_profiles = models.JSONField(default=list)
    #: Counts per cell × indicator × code, int32 little-endian, shape (cells, J, 8).
    counts = models.BinaryField()
    threshold = models.PositiveSmallIntegerField(_("suppression threshold"), default=5)
    hidden = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("published results snapshot")
        verbose_name_plural = _("published results snapshots")
        ordering = ["wave", "-taken_at", "-id"]
