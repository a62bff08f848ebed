"""Existing actions and programmes of a territory, judged ex ante on the five questions
of METHOD.md §8 (phase 3). The score rule and the ranking are in
``cospiral.domain.evaluation``; this module only stores what people wrote.

Each question has a score (0 not at all … 4 fully; empty = not assessed, never 0) and
an optional note saying why. Families covered are grid family codes (codes, never texts,
are the join key). Actions are soft-deleted: ``deleted_at`` hides them, a restore brings
them back, nothing is erased.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Authored, Named, SoftDeletable, user_link
from cospiral.domain.evaluation import QUESTIONS, SCALE_MAX, SCALE_MIN

#: The question of each key, for people (the keys are the stable identifiers).
QUESTION_LABELS = {
    "coverage": _("Dimensions of well-being covered"),
    "priority_to_disadvantaged": _("Priority to the most disadvantaged"),
    "sober_resources": _("Sober use of resources"),
    "multiplier_effect": _("Multiplier effect"),
    "co_responsibility": _("Co-responsibility created"),
}
#: Short headings of the ranked table's columns.
QUESTION_SHORT = {
    "coverage": _("Dimensions covered"),
    "priority_to_disadvantaged": _("Priority to the disadvantaged"),
    "sober_resources": _("Sober resources"),
    "multiplier_effect": _("Multiplier effect"),
    "co_responsibility": _("Co-responsibility"),
}
QUESTION_HELP = {
    "coverage": _("Which dimensions of well-being (families of the grid) does it cover, and how fully?"),
    "priority_to_disadvantaged": _("Does it give priority to the most disadvantaged, people in "
                                   "exclusion or ill-being?"),
    "sober_resources": _("Does it use resources (money, energy, materials, people's time) "
                         "soberly, without waste?"),
    "multiplier_effect": _("Does it spread beyond its first beneficiaries: others take it up, "
                           "it frees or creates other resources?"),
    "co_responsibility": _("How much co-responsibility does it create between citizens, "
                           "organisations and public services?"),
}
#: The published scale.
SCALE_LABELS = {
    0: _("not at all"),
    1: _("a little"),
    2: _("partly"),
    3: _("largely"),
    4: _("fully"),
}


def _score_field(question: str):
    return models.PositiveSmallIntegerField(
        QUESTION_LABELS[question], null=True, blank=True, help_text=QUESTION_HELP[question])


def _note_field(question: str):
    return models.TextField(_("justification"), blank=True,
                            help_text=_("Why this score: facts, sources, who said so."))


class ExistingAction(SoftDeletable, Named, Authored):
    """An action or programme already running in the territory, and its evaluation."""

    description = models.TextField(_("description"), blank=True)
    carried_by = models.CharField(
        _("carried by"), max_length=300, blank=True,
        help_text=_("The organisation(s) running it, as people name them."))
    organisation = models.ForeignKey(
        "territories.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="existing_actions", verbose_name=_("organisation of the territory"))
    cycle = models.ForeignKey(
        "territories.Cycle", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="existing_actions", verbose_name=_("cycle"))
    #: Grid family codes of the territory's grid version, in the grid's order.
    families = models.JSONField(_("families covered"), default=list, blank=True)

    coverage_score = _score_field("coverage")
    coverage_note = _note_field("coverage")
    priority_to_disadvantaged_score = _score_field("priority_to_disadvantaged")
    priority_to_disadvantaged_note = _note_field("priority_to_disadvantaged")
    sober_resources_score = _score_field("sober_resources")
    sober_resources_note = _note_field("sober_resources")
    multiplier_effect_score = _score_field("multiplier_effect")
    multiplier_effect_note = _note_field("multiplier_effect")
    co_responsibility_score = _score_field("co_responsibility")
    co_responsibility_note = _note_field("co_responsibility")

    evaluated_by = user_link(_("evaluated by"))
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    deleted_by = user_link(_("deleted by"))

    class Meta:
        verbose_name = _("existing action")
        verbose_name_plural = _("existing actions")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{q}_score__isnull": True})
                | models.Q(**{f"{q}_score__gte": SCALE_MIN, f"{q}_score__lte": SCALE_MAX}),
                name=f"existing_action_{q}_score_0_4",
            )
            for q in QUESTIONS
        ]
        indexes = [models.Index(fields=["territory", "deleted_at"])]

    @property
    def organisation_apart(self) -> str:
        """The organisation's name when ``carried_by`` does not already say it."""
        if self.organisation is None or self.organisation.name.casefold() in self.carried_by.casefold():
            return ""
        return self.organisation.name

    @property
    def scores(self) -> dict[str, int | None]:
        return {q: getattr(self, f"{q}_score") for q in QUESTIONS}

    @property
    def notes(self) -> dict[str, str]:
        return {q: getattr(self, f"{q}_note") for q in QUESTIONS}
