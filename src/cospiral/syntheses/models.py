"""Syntheses of a group or of the territory, and the rainbow group's shared criteria."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import (
    Authored,
    Positioned,
    TerritoryOwned,
    Timestamped,
    belongs_to,
    user_link,
)


class Synthesis(TerritoryOwned, Timestamped):
    """The written synthesis of one group (``group`` set) or of the territory (``group``
    empty): sentences per component, each traced to the cards it sums up."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        VALIDATED = "validated", _("Validated")

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="syntheses", verbose_name=_("group"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    validated_on = models.DateField(_("validated on"), null=True, blank=True)
    # When the validation was recorded: changes after this moment are listed as
    # "changed after validation" (from the audit trail).
    validated_at = models.DateTimeField(_("validation recorded"), null=True, blank=True)
    validated_by = user_link(_("validation recorded by"))
    # How the cards no sentence cites were handled, said when the validation is recorded
    # (required then if there are any), and how many there were at that moment.
    uncited_note = models.TextField(_("cards not in the synthesis"), blank=True)
    uncited_at_validation = models.PositiveIntegerField(
        _("cards not in the synthesis at validation"), null=True, blank=True)

    class Meta:
        verbose_name = _("synthesis")
        verbose_name_plural = _("syntheses")
        constraints = [
            models.UniqueConstraint(fields=["territory", "group"], name="one_synthesis_per_group"),
            models.UniqueConstraint(fields=["territory"], condition=models.Q(group=None),
                                    name="one_territory_synthesis"),
        ]


class TracedText(TerritoryOwned, Authored, Positioned):
    """A text written about one component and traced to the cards it stands for: a
    synthesis sentence or a shared criterion. Each subclass names its text and cards."""

    component = models.ForeignKey("grid.GridEntry", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("component"))
    language = models.CharField(_("language"), max_length=8, default="fr")
    created_by = user_link(_("written by"))

    class Meta:
        abstract = True


class SynthesisSentence(TracedText):
    synthesis = belongs_to(Synthesis, "sentences", _("synthesis"))
    text = models.TextField(_("sentence"))
    cards = models.ManyToManyField("criteria.Card", blank=True, related_name="synthesis_sentences",
                                   verbose_name=_("cards it sums up"))

    class Meta:
        verbose_name = _("synthesis sentence")
        verbose_name_plural = _("synthesis sentences")
        ordering = ["synthesis", "component__position", "position", "id"]


class SharedCriterion(TracedText):
    """A criterion of the territory's shared definition of well-being, written by a mixed
    (rainbow) group, traced to its source cards (and through them, their groups)."""

    class Nature(models.TextChoices):
        MATERIAL = "material", _("Material")
        IMMATERIAL = "immaterial", _("Immaterial")

    mixed_group = belongs_to("groups.Group", "shared_criteria", _("mixed group"))
    text = models.TextField(_("shared criterion"))
    # The method's definition is built on material and immaterial criteria (METHOD.md §6);
    # empty while the mixed group has not said which.
    nature = models.CharField(_("material or immaterial"), max_length=12,
                              choices=Nature.choices, blank=True)
    cards = models.ManyToManyField("criteria.Card", blank=True, related_name="shared_criteria",
                                   verbose_name=_("source cards"))

    class Meta:
        verbose_name = _("shared criterion")
        verbose_name_plural = _("shared criteria")
        ordering = ["mixed_group", "component__position", "position", "id"]


class SharedDefinition(TerritoryOwned):
    """What the territory says of its shared definition of well-being as a whole: the
    introduction printed before its criteria. One per territory, made when first written."""

    introduction = models.TextField(_("introduction"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="fr")
    updated_by = user_link(_("changed by"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("shared definition of well-being")
        verbose_name_plural = _("shared definitions of well-being")
        constraints = [
            models.UniqueConstraint(fields=["territory"], name="one_shared_definition"),
        ]
