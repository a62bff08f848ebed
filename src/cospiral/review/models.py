"""The phase 8 review of a cycle (METHOD.md §3): what the coordinators write about the
cycle (lessons learnt, what comes next) and when its figures were last frozen into a
PDF. The figures themselves are read live from the other parts (``selectors``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cospiral.core.models import Authored, Created, Named, TerritoryOwned, belongs_to


class Review(TerritoryOwned, Authored):
    cycle = belongs_to("territories.Cycle", "+", _("cycle"))
    lessons_learnt = models.TextField(
        _("lessons learnt"), blank=True,
        help_text=_("What worked, what did not, what the territory would do differently."))
    what_next = models.TextField(
        _("what comes next"), blank=True,
        help_text=_("The plan for the next cycle: groups, indicators, actions to carry on."))
    snapshot_at = models.DateTimeField(
        _("figures frozen"), null=True, blank=True,
        help_text=_("When the review's figures were last produced as a PDF."))

    class Meta:
        verbose_name = _("review of a cycle")
        verbose_name_plural = _("reviews of cycles")
        constraints = [
            models.UniqueConstraint(fields=["territory", "cycle"], name="one_review_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.territory_id} · {self.cycle_id}"


class ElectedMember(TerritoryOwned, Named, Created):
    """An elected member responsible for the territory's approach, or for one strategic
    axis of its plan: the review names them, so an elected official knows who answers
    for what (issue 15, point 8)."""

    mandate = models.CharField(
        _("mandate"), max_length=200, blank=True,
        help_text=_("For example “Deputy mayor for social cohesion”."))
    axis = models.ForeignKey(
        "actions.Axis", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("strategic axis"),
        help_text=_("Leave empty for the elected member responsible for the whole approach."))

    class Meta:
        verbose_name = _("responsible elected member")
        verbose_name_plural = _("responsible elected members")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.mandate})" if self.mandate else self.name
