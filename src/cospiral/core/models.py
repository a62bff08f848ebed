"""Tenancy and audit: the one mechanism every territory-owned row goes through."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A member's role in a territory (``territories.Membership.role``): defined here,
    with the tenancy, so that core's access checks need no feature app."""

    COORDINATOR = "coordinator", _("Coordinator")
    FACILITATOR = "facilitator", _("Facilitator")
    PARTNER = "partner", _("Partner")
    OBSERVER = "observer", _("Observer")


def territory_models():
    """``(Territory, Membership)``: the tenancy's two models, looked up by their app
    label like the ``"territories.Territory"`` foreign key below, so that core imports no
    feature app (the ``territories`` app builds on core)."""
    from django.apps import apps

    return apps.get_model("territories", "Territory"), apps.get_model("territories", "Membership")


class TerritoryQuerySet(models.QuerySet):
    def of(self, territory) -> TerritoryQuerySet:
        """Rows of one territory. Every read of territory-owned data goes through this."""
        if territory is None:
            raise ValueError("A territory is required to read territory-owned rows.")
        return self.filter(territory=territory)

    def one(self, pk):
        """The row whose primary key is ``pk``, or None (also for a ``pk`` that is not a
        number, such as a tampered address)."""
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        return self.filter(pk=pk).first()


class TerritoryOwned(models.Model):
    """Base of every row that belongs to a territory."""

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, related_name="+",
        verbose_name=_("territory"),
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        abstract = True


class Named(models.Model):
    """Base of a row that people know by its name, and find listed by it."""

    name = models.CharField(_("name"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NamedInTerritory(TerritoryOwned, Named):
    """Base of a row that people pick by its name in their territory (a group, an
    organisation): two of a territory never share a name."""

    class Meta(Named.Meta):
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="unique_%(class)s_name"),
        ]


class CodedInTerritory(TerritoryOwned):
    """Base of a row known by its ``code``, a stable public identifier that imports and
    exports join on (a question, a strategic axis): two of a territory never share a
    code. The child declares ``code``, with the help its users need."""

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="unique_%(class)s_code"),
        ]


class SoftDeleteQuerySet(TerritoryQuerySet):
    """Rows of a territory that are hidden, never erased, when someone deletes them."""

    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class SoftDeletable(TerritoryOwned):
    """Base of a territory-owned row that a delete only marks (DESIGN.md: nothing citizens
    wrote is ever hard-deleted by accident); read the live ones with ``.alive()``."""

    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        abstract = True


def belongs_to(to, related_name: str, verbose_name) -> models.ForeignKey:
    """A link to the row this one belongs to (a contract's parties, a wave's items):
    deleting that row deletes this one."""
    return models.ForeignKey(to, on_delete=models.CASCADE, related_name=related_name,
                             verbose_name=verbose_name)


def optional_link(to, related_name: str, verbose_name) -> models.ForeignKey:
    """A link that may be empty (an action's cycle, a target's baseline wave), and that
    empties when the row it points to is deleted."""
    return models.ForeignKey(to, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name=related_name, verbose_name=verbose_name)


def user_link(verbose_name, **options: Any) -> models.ForeignKey:
    """A link to the person who did something (created, recorded, validated…): the row
    outlives the account, the link then empties. ``options`` override the defaults."""
    defaults: dict[str, Any] = {"null": True, "blank": True, "related_name": "+"}
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                             verbose_name=verbose_name, **(defaults | options))


class Created(models.Model):
    """Base of a row that records when it was made. Its ``Meta`` lists the newest first:
    a child listed that way extends ``Created.Meta``; a child may redeclare
    ``created_at`` to name the moment (an invitation is "sent")."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class CreatedBy(Created):
    """Base of a row that records who made it and when."""

    created_by = user_link(_("created by"))

    class Meta:
        abstract = True


class Recorded(Created):
    """Base of the record of something that happened outside the application (a charter
    signed, an amendment agreed): ``created_at`` is when it was recorded here."""

    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        abstract = True


class Timestamped(Created):
    """Base of a row that records when it was made and last changed."""

    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        abstract = True


class Authored(CreatedBy, Timestamped):
    """Base of a row that records who made it, when, and when it last changed."""

    class Meta:
        abstract = True


class Positioned(models.Model):
    """Base of a row that people put in order by hand (a plan's axes and actions, a
    contract's parties, an indicator's criteria, a synthesis's sentences)."""

    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        abstract = True


class Dated(models.Model):
    """Base of the record of something that took place on a day (a workshop, a review
    meeting, an exit evaluation), listed in the order things happened unless its
    ``Meta`` says otherwise (a child keeps that order by extending ``Dated.Meta``)."""

    date = models.DateField(_("date"))

    class Meta:
        abstract = True
        ordering = ["date", "id"]


class Revocable(models.Model):
    """Base of what a coordinator may revoke (an invitation, an API key, a personal
    link): once revoked it no longer works, and it is kept to show when that happened."""

    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def new_token() -> str:
    """A secret for a link that needs no login (a private, public or personal link)."""
    return secrets.token_urlsafe(18)


class PersonalLink(TerritoryOwned, Revocable, Created):
    """Base of a link made for one person, who follows it without an account (to answer
    a survey, to vote): its token is the secret; the coordinator may label or revoke it."""

    token = models.CharField(_("token"), max_length=40, unique=True, default=new_token)
    label = models.CharField(_("label"), max_length=100, blank=True,
                             help_text=_("Optional note for the coordinator (never shown in results)."))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.token


class AuditEntry(models.Model):
    """Who changed what, when. Written by services in the same transaction as the change."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        RESTORE = "restore", _("restored")
        IMPORT = "import", _("imported")

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, null=True, blank=True,
        related_name="audit_entries", verbose_name=_("territory"),
    )
    user = user_link(_("user"))
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    model = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["territory", "model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.model} {self.object_id}"
