"""Indicators of progress (METHOD.md §7): built per grid component from the criteria,
sorted into four categories, then described at five situation levels.

An indicator is identified by its ``code`` within a territory; each change after it
was used by a survey wave makes a new ``version`` (same code), so a wave always keeps
the exact wording its respondents saw."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Authored, Positioned, TerritoryOwned, belongs_to, optional_link


class Indicator(TerritoryOwned, Authored):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FROZEN = "frozen", _("Frozen (used by a survey wave)")

    code = models.CharField(
        _("code"), max_length=20,
        help_text=_("Stable identifier of the indicator in this territory, for example B03-1."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    component = models.ForeignKey("grid.GridEntry", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("component"))
    #: {"fr": "...", "en": "..."}
    titles = models.JSONField(_("title"), default=dict)
    #: Five descriptors, level 1 (very unsatisfactory) to 5 (ideal): [{"fr": ..., "en": ...}, ...]
    levels = models.JSONField(_("level descriptors"), default=list)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="next_versions", verbose_name=_("previous version"))
    library_key = models.CharField(
        _("started from example"), max_length=40, blank=True,
        help_text=_("Key of the example indicator of the library it started from, if any."),
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code", "version"],
                                    name="unique_indicator_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FROZEN

    def title(self, language: str) -> str:
        return _pick(self.titles, language)

    def level_text(self, level: int, language: str) -> str:
        """Descriptor of level 1..5 in ``language`` (falls back to another language)."""
        if not 1 <= level <= len(self.levels):
            return ""
        return _pick(self.levels[level - 1], language)


def _pick(texts: dict, language: str) -> str:
    if not isinstance(texts, dict):
        return ""
    language = (language or "fr")[:2]
    return texts.get(language) or texts.get("fr") or texts.get("en") or next(
        (v for v in texts.values() if v), "")


class IndicatorCriterion(TerritoryOwned, Positioned):
    """One criterion an indicator was built from, sorted into one of four categories
    (step one of METHOD.md §7). Linked to a card or a shared criterion when it came from
    one; the text is copied so that a version keeps what it was built from."""

    class Category(models.TextChoices):
        POSSIBILITY = "possibility", _("Possibility / access")
        OBTAINING = "obtaining", _("Obtaining")
        QUALITY = "quality", _("Quality")
        SUSTAINABILITY = "sustainability", _("Sustainability")

    indicator = belongs_to(Indicator, "criteria", _("indicator"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices,
                                blank=True, help_text=_("Empty while not yet sorted."))
    card = optional_link("criteria.Card", "indicator_criteria", _("card"))
    shared_criterion = optional_link("syntheses.SharedCriterion", "indicator_criteria", _("shared criterion"))
    text = models.TextField(_("criterion"))

    class Meta:
        verbose_name = _("criterion of an indicator")
        verbose_name_plural = _("criteria of indicators")
        ordering = ["indicator", "category", "position", "id"]

    def __str__(self) -> str:
        return self.text[:60]
