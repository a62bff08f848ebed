"""A citizen's ballot through a personal voter link: no account, one ballot per link,
a page that works on a phone and without JavaScript. The link shows, in turn: the
ballot while the round is open, "your ballot is counted" once used, and the results
once the round is closed. Posts are rate limited per link and client address."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cospiral.core.clients import public_post_limited
from cospiral.votes import selectors, services
from cospiral.votes.models import VoterToken
from cospiral.votes.views import (
    ballot_context,
    ballot_error,
    posted_entries,
    results_context,
    status_label,
)


@require_http_methods(["GET", "POST"])
def ballot(request, token):
    link = (VoterToken.objects.filter(token=token).select_related("round", "round__territory")
            .first() if token else None)
    if link is None:
        return render(request, "votes/public_unknown.html", status=404)
    round = link.round
    context = {"round": round, "link": link, "territory_name": round.territory.name,
               "status_label": status_label(round)}
    if link.revoked_at is not None:
        return render(request, "votes/public_revoked.html", context, status=410)
    candidates = selectors.candidates(round)
    status = 200
    values: dict = {}
    errors: dict = {}
    if request.method == "POST":
        if public_post_limited(request, "vote-public", token):
            return render(request, "votes/public_rate_limited.html", context, status=429)
        entries, values = posted_entries(request, candidates)
    if request.method == "POST" and "count" in request.POST:
        pass  # recount the dots only: no ballot is sent
    elif request.method == "POST":
        try:
            services.cast_ballot(round, entries=entries, token=link)
        except ValidationError as error:
            errors, status = ballot_error(error, context)
        else:
            messages.success(request, _("Thank you: your ballot is counted. It cannot be "
                                        "changed; come back with the same link to see the "
                                        "results once the vote closes."))
            return redirect("vote_public:ballot", token=token)
        link.refresh_from_db()
        round.refresh_from_db()
    context.update(ballot_context(round, candidates, values, errors))
    if round.is_closed:
        context.update(results_context(round))
    return render(request, "votes/public_ballot.html", context, status=status)
