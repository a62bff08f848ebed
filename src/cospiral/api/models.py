"""API keys: one territory, one role, a secret shown once (only its hash is stored)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Created, CreatedBy, Revocable, TerritoryOwned, belongs_to
from cospiral.territories.models import Role


class ApiKey(TerritoryOwned, Revocable, CreatedBy):
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
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(Created.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"
