"""Anonymous online entry through a group's private link: no account, each person writes
alone, sees only their own cards until the facilitator opens the group view."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cospiral.cards import selectors, services
from cospiral.core.clients import public_post_limited
from cospiral.domain.cards import MAX_CARD_CHARS
from cospiral.groups.models import Group

SESSION_KEY = "cospiral_online_authors"
FIELDS_PER_QUESTION = 3
MAX_FIELDS_PER_QUESTION = 30


def author_tag_for(request, token: str) -> str:
    """A random tag for this browser session and this link: never a name, never the IP."""
    tags = request.session.get(SESSION_KEY, {})
    if token not in tags:
        tags[token] = "anon-" + secrets.token_hex(5)
        request.session[SESSION_KEY] = tags
    return tags[token]


def _fields(request, questions) -> list[dict]:
    """For each question, the ideas typed so far (kept when the page is shown again)."""
    more = request.POST.get("more") if request.method == "POST" else None
    result = []
    for q in questions:
        values = request.POST.getlist(f"q-{q.pk}") if request.method == "POST" else []
        count = max(FIELDS_PER_QUESTION, len(values)) + (1 if more == str(q.pk) else 0)
        count = min(count, MAX_FIELDS_PER_QUESTION)
        values = (values + [""] * count)[:count]
        result.append({"question": q, "text": q.text(), "values": values})
    return result


@require_http_methods(["GET", "POST"])
def entry(request, token):
    group = (Group.objects.filter(entry_token=token).select_related("territory").first()
             if token else None)
    if group is None:
        return render(request, "cards/public_unknown.html", status=404)
    if not group.entry_open:
        return render(request, "cards/public_closed.html", {"group": group})
    territory = group.territory
    questions = selectors.enabled_questions(territory, group)
    tag = author_tag_for(request, token)
    errors: list[str] = []
    if request.method == "POST":
        if public_post_limited(request, "public-entry", token):
            return render(request, "cards/public_rate_limited.html", {"group": group},
                          status=429)
        if "more" not in request.POST:
            answers = [(q, request.POST.getlist(f"q-{q.pk}")) for q in questions]
            language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
            try:
                created = services.submit_online_cards(group, answers=answers,
                                                       language=language, author_tag=tag)
            except PermissionDenied:
                return render(request, "cards/public_closed.html", {"group": group})
            except ValidationError as exc:
                errors = [str(m) for m in exc.messages]
            else:
                messages.success(request, _("Thank you: %(n)s ideas saved.") % {"n": len(created)}
                                 if len(created) != 1 else _("Thank you: your idea is saved."))
                return redirect("public:entry", token=token)
    return render(request, "cards/public_entry.html", {
        "group": group, "fields": _fields(request, questions), "errors": errors,
        "cards": selectors.online_cards(group, author_tag=tag),
        "revealed": group.revealed_at is not None, "max_chars": MAX_CARD_CHARS,
    }, status=400 if errors else 200)
