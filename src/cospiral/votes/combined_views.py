"""Several closed rounds combined (coordination group, citizens, a school's pupils...),
by the rule written on the page (``cospiral.domain.votes.COMBINING_RULE``). Thin: the
selector counts, the page explains."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from cospiral.core.access import READ, can_manage, territory_view
from cospiral.votes import selectors


def chosen_rounds(request, closed) -> list[int] | None:
    """The rounds ticked in ``?rounds=`` among the closed ones (None: all of them)."""
    if "rounds" not in request.GET:
        return None
    known = {r.pk for r in closed}
    return [int(v) for v in request.GET.getlist("rounds") if v.isdigit() and int(v) in known]


@require_safe
@territory_view(READ)
def combined(request):
    territory = request.territory
    closed = list(selectors.closed_rounds(territory))
    wanted = chosen_rounds(request, closed)
    result = selectors.combined(territory, wanted)
    ticked = {c.round.pk for c in result.rounds}
    return render(request, "votes/combined.html", {
        "territory": territory, "can_manage": can_manage(request), "closed": closed,
        "ticked": ticked, "combined": result})
