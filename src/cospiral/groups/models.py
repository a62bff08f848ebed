from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Created, NamedInTerritory, TerritoryOwned, new_token  # noqa: F401 (read by groups.services)


class Group(NamedInTerritory, Created):
    class Kind(models.TextChoices):
        HOMOGENEOUS = "homogeneous", _("Homogeneous group")
        MIXED = "mixed", _("Mixed (rainbow) group")
        COORDINATION = "coordination", _("Coordination group")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices,
                            default=Kind.HOMOGENEOUS)
    profile = models.CharField(_("profile"), max_length=200, blank=True,
                               help_text=_("Who the group gathers, e.g. “young people 15–25”."))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    source_groups = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="mixed_groups",
        verbose_name=_("delegates come from"),
    )
    facilitators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                          related_name="facilitated_groups",
                                          verbose_name=_("facilitators"))
    cycle = models.ForeignKey("territories.Cycle", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="groups", verbose_name=_("cycle"))
    # Online anonymous entry: the group's private link.
    entry_token = models.CharField(_("private link token"), max_length=40, unique=True,
                                   null=True, blank=True)
    entry_open = models.BooleanField(_("online entry open"), default=False)
    revealed_at = models.DateTimeField(
        _("group view opened"), null=True, blank=True,
        help_text=_("Until then, people writing online see only their own cards."),
    )

    class Meta(NamedInTerritory.Meta):
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["kind", "name"]


class Session(TerritoryOwned, Created):
    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="sessions",
                              verbose_name=_("group"))
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices,
                               default=Channel.IN_PERSON)
    attendee_count = models.PositiveIntegerField(
        _("number of attendees"), null=True, blank=True,
        help_text=_("A count only: cospiral never records who attended."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.group} · {self.date:%Y-%m-%d}"
