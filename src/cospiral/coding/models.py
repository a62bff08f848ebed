"""Coding the cards on the grid: exact counts, blind double coding, group validation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import TerritoryOwned


class CodingCount(TerritoryOwned):
    """Exact number of counted, coded cards per territory × group × question × component.

    Maintained in the same transaction as every change that moves a card in or out of a
    cell (coding, recoding, uncoding, deleting, restoring, splitting, merging, importing,
    changing a card's question). Statistics read this table, never a GROUP BY over cards.
    ``cospiral.coding.counts.recompute`` rebuilds it from the cards; tests prove the two
    always agree.
    """

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("group"))
    question = models.ForeignKey("criteria.Question", on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("question"))
    component = models.ForeignKey("grid.GridEntry", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("component"))
    count = models.PositiveIntegerField(_("cards"), default=0)

    class Meta:
        verbose_name = _("coding count")
        verbose_name_plural = _("coding counts")
        constraints = [
            models.UniqueConstraint(fields=["territory", "group", "question", "component"],
                                    name="one_count_per_cell"),
        ]


class IndependentCoding(TerritoryOwned):
    """A coding made blind by another facilitator, for the agreement report. It never
    changes the card's agreed coding."""

    card = models.ForeignKey("criteria.Card", on_delete=models.CASCADE,
                             related_name="independent_codings", verbose_name=_("card"))
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name=_("coder"))
    component = models.ForeignKey("grid.GridEntry", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("component"))
    full_code = models.CharField(_("full code"), max_length=40, blank=True)
    not_codable = models.BooleanField(_("not codable"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("independent coding")
        verbose_name_plural = _("independent codings")
        constraints = [
            models.UniqueConstraint(fields=["card", "coder"], name="one_blind_coding_per_coder"),
        ]


class CodingValidation(TerritoryOwned):
    """The group validated the coding of its cards on a date (recorded by a coordinator).
    Later changes stay possible; they are logged and listed as changed after validation."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE,
                              related_name="coding_validations", verbose_name=_("group"))
    validated_on = models.DateField(_("validated by the group on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("coding validation")
        verbose_name_plural = _("coding validations")
        ordering = ["-validated_on", "-id"]
