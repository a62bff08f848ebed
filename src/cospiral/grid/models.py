"""The classification grid: versioned, multilingual reference data (METHOD.md §5)."""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Created, belongs_to


def pick_language(texts: dict, language: str | None = None) -> str:
    """The text in the reader's language, else English, else French, else any."""
    if not texts:
        return ""
    language = (language or translation.get_language() or "en").split("-")[0]
    for lang in (language, "en", "fr"):
        if texts.get(lang):
            return texts[lang]
    return next((v for v in texts.values() if v), "")


class GridVersion(Created):
    """One version of a grid. Shared by every territory that uses it; frozen (read-only)
    once a card is coded against it, after which changes go into a new version."""

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="derived", verbose_name=_("based on"))
    notes = models.TextField(_("notes"), blank=True)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid version")
        verbose_name_plural = _("grid versions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class GridEntryQuerySet(models.QuerySet):
    def shared(self) -> GridEntryQuerySet:
        """Entries of the grid itself, without any territory's local components."""
        return self.filter(territory__isnull=True)

    def of(self, territory) -> GridEntryQuerySet:
        """What one territory sees: the shared entries of its grid version and its own
        local components, never another territory's."""
        if territory is None:
            raise ValueError("A territory is required to read territory-owned rows.")
        return self.filter(version_id=territory.grid_version_id).filter(
            models.Q(territory__isnull=True) | models.Q(territory=territory)
        )


class GridEntry(models.Model):
    """A family (``A``), a component (``A01``, local ``AL01``) or a sub-object (``A01-11``)."""

    class Kind(models.TextChoices):
        FAMILY = "family", _("Family")
        COMPONENT = "component", _("Component")
        SUB_OBJECT = "sub_object", _("Sub-object")

    class Source(models.TextChoices):
        PUBLISHED = "published", _("Published code of the method")
        DRAFT = "draft", _("cospiral draft (not an official code)")
        IMPORTED = "imported", _("Imported")
        LOCAL = "local", _("Local to a territory")

    version = belongs_to(GridVersion, "entries", _("grid version"))
    code = models.CharField(_("code"), max_length=12)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children", verbose_name=_("parent"))
    labels = models.JSONField(_("labels"), default=dict)
    descriptions = models.JSONField(_("descriptions"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices,
                              default=Source.IMPORTED)
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, null=True, blank=True,
        related_name="local_grid_entries", verbose_name=_("local to territory"),
        help_text=_("Empty for shared entries; set for a territory's local components."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = GridEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid entry")
        verbose_name_plural = _("grid entries")
        ordering = ["version", "position", "code"]
        constraints = [
            # A local code is unique per territory; shared codes are unique per version.
            models.UniqueConstraint(fields=["version", "code"], condition=models.Q(territory=None),
                                    name="unique_shared_code"),
            models.UniqueConstraint(fields=["version", "territory", "code"],
                                    name="unique_local_code"),
        ]
        indexes = [models.Index(fields=["version", "kind"])]

    def __str__(self) -> str:
        return f"{self.code} {self.label()}"

    def label(self, language: str | None = None) -> str:
        return pick_language(self.labels, language)

    def description(self, language: str | None = None) -> str:
        return pick_language(self.descriptions, language)
