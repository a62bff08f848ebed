"""API keys: one territory, one role, a secret shown once (only its hash is stored)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import TerritoryOwned, belongs_to, user_link
from cospiral.territories.models import Role


class ApiKey(TerritoryOwned):
    """``Authorization: Bearer <prefix>.<secret>``: the prefix finds the row, the sha256
    of the whole key is compared in constant time. The key acts for ``user`` (a member of
    the territory) so that writes go through the services' own permission checks; its
    ``role`` never exceeds that member's."""

    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the key is for, e.g. “city open-data portal”."))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices,
                            default=Role.OBSERVER)
    user = belongs_to(settings.AUTH_USER_MODEL, "+", _("acts for"))
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True)
    hashed = models.CharField(_("hash of the key"), max_length=64)
    created_by = user_link(_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
