"""Invitations: a coordinator asks a person, by e-mail, to take a role in a territory."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Created, Revocable, TerritoryOwned, user_link
from cospiral.territories.models import Role


class Invitation(TerritoryOwned, Revocable, Created):
    """One invitation. The link sent by e-mail carries this row's id, signed and dated
    (``django.core.signing``): it expires after ``COSPIRAL_INVITATION_DAYS`` and works
    once (accepted, or revoked, it is dead)."""

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    invited_by = user_link(_("invited by"), blank=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = user_link(_("accepted by"))

    class Meta(Created.Meta):
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} · {self.get_role_display()} · {self.territory_id}"

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and not self.is_revoked
