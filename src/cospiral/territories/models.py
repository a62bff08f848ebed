from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Role is defined in core (with the tenancy) and still read from here by the apps.
from cospiral.core.models import Created, NamedInTerritory, Role, TerritoryOwned, belongs_to


class Territory(Created):
    class Kind(models.TextChoices):
        CITY = "city", _("City")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
        SCHOOL = "school", _("School")
        INSTITUTION = "institution", _("Institution")
        SOCIAL_SERVICE = "social_service", _("Social service")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("identifier"), max_length=60, unique=True,
                            help_text=_("Short name used in addresses, e.g. mulhouse."))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITY)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("part of"),
    )
    languages = models.JSONField(_("languages"), default=list,
                                 help_text=_("Languages in which people write, e.g. fr, en."))
    description = models.TextField(_("description"), blank=True)
    grid_version = models.ForeignKey(
        "grid.GridVersion", on_delete=models.PROTECT, related_name="territories",
        verbose_name=_("grid version"),
    )
    #: Set when the territory was loaded from another server's open-data package: it is
    #: then read-only, kept for comparison (``imported_package`` holds the package's
    #: name, version and checksum).
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    imported_package = models.JSONField(_("imported package"), default=dict, blank=True)
    #: What the territory publishes in its open-data package.
    publish_card_texts = models.BooleanField(
        _("publish the texts of the criteria"), default=False,
        help_text=_("Open-data packages include the citizens' words, not only their codes."))
    publish_raw_responses = models.BooleanField(
        _("publish the anonymised survey answers"), default=False,
        help_text=_("Open-data packages include the anonymised answers, not only the results."))

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TerritoryOwned, Created):
    """A user's role in a territory: the basis of every permission check."""

    user = belongs_to(settings.AUTH_USER_MODEL, "memberships", _("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="members",
        verbose_name=_("organisation"),
        help_text=_("The organisation this person speaks for: a partner updates its commitments."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["territory", "user"], name="one_role_per_territory"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.territory_id}"


class Organisation(NamedInTerritory):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public service")
        ASSOCIATION = "association", _("Association")
        COMPANY = "company", _("Company")
        CITIZENS = "citizens", _("Citizens' group")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta(NamedInTerritory.Meta):
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")


class CoordinationMember(TerritoryOwned):
    """A seat in the coordination group (multi-actor platform): a person, an organisation,
    or a person representing an organisation, with their role in the group."""

    person = models.CharField(_("person"), max_length=200, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="seats",
                                     verbose_name=_("organisation"))
    role = models.CharField(_("role in the group"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("coordination group member")
        verbose_name_plural = _("coordination group members")
        ordering = ["organisation__name", "person"]

    def __str__(self) -> str:
        return " · ".join(p for p in [self.person, str(self.organisation or "")] if p)


class Cycle(TerritoryOwned):
    number = models.PositiveSmallIntegerField(_("cycle"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "number"], name="unique_cycle_number"),
            models.CheckConstraint(condition=models.Q(number__lte=3), name="cycle_number_0_3"),
        ]

    def __str__(self) -> str:
        return str(self.number)


class Phase(TerritoryOwned):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    cycle = belongs_to(Cycle, "phases", _("cycle"))
    number = models.PositiveSmallIntegerField(_("phase"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.NOT_STARTED)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["cycle__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="unique_phase_in_cycle"),
            models.CheckConstraint(condition=models.Q(number__gte=1, number__lte=8),
                                   name="phase_number_1_8"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle.number}.{self.number}"
