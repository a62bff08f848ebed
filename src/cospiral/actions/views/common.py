"""What the plan's pages share: the action or commitment of the address, an action's
address, and a measured value as a person reads it."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from cospiral.actions import selectors
from cospiral.actions.models import Action
from cospiral.core import l10n
from cospiral.core.pages import or_404


def action_of(request, pk, *, allow_deleted: bool = False) -> Action:
    a = selectors.action(request.territory, pk)
    if a is None or (a.deleted_at is not None and not allow_deleted):
        raise Http404("No such action.")
    return a


def commitment_of(request, pk):
    return or_404(selectors.commitment(request.territory, pk), "No such commitment.")


def detail_url(a, anchor: str = "") -> str:
    url = reverse("actions:detail", kwargs={"territory": a.territory.slug, "pk": a.pk})
    return f"{url}#{anchor}" if anchor else url


def measure_text(measure: str, value) -> str:
    from cospiral.surveys.results import num

    if value is None:
        return ""
    if measure in ("high_share", "low_share"):
        return l10n.percent(value, 1, trim=False)
    return num(value, 1)
