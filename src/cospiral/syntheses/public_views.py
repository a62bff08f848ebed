"""“What became of my words”: a group reaches, through its private link token, its own
cards, their coding, its synthesis and the shared criteria that cite its cards. No
account; works whether online entry is open or closed; a revoked link gives 404."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from cospiral.syntheses import selectors


@require_GET
def words(request, token):
    group = selectors.group_by_token(token)
    if group is None:
        return render(request, "cards/public_unknown.html", status=404)
    return render(request, "syntheses/words.html", selectors.words(group))
