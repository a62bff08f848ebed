"""Statistics read the exact counts of ``coding.CodingCount``; this app adds only a
version stamp per territory, so summaries of those counts can be kept in memory and
reused until the counts change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CountsStamp(models.Model):
    """Changes (to a new random token) in the same transaction as every change of a
    territory's ``CodingCount`` rows (``coding.counts.apply`` and ``recompute``).

    A summary of a territory's counts computed under one token is exact for as long as
    the token stays the same; a random token rather than a counter, so a token never
    comes back after a rolled-back transaction or a re-created database.
    """

    territory = models.OneToOneField("territories.Territory", on_delete=models.CASCADE,
                                     primary_key=True, related_name="+",
                                     verbose_name=_("territory"))
    token = models.BigIntegerField(_("version token"))

    class Meta:
        verbose_name = _("coding counts version")
        verbose_name_plural = _("coding counts versions")

    def __str__(self) -> str:
        return f"{self.territory_id}: {self.token}"
