"""Coding pages: the board of a group, the search of components, blind double coding and
the agreement report. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cospiral.cards import selectors as card_selectors
from cospiral.cards.models import Card
from cospiral.coding import selectors, services, suggestions
from cospiral.coding.forms import ValidationForm
from cospiral.coding.rows import Row
from cospiral.core.access import ENTER_CARDS, MANAGE, READ, can_manage, territory_view
from cospiral.groups.models import Group


def _group(request, pk) -> Group:
    return get_object_or_404(Group.objects.of(request.territory), pk=pk)


def _card(request, pk) -> Card:
    return get_object_or_404(Card.objects.of(request.territory).select_related("group"), pk=pk)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _seen(request) -> dt.datetime | None:
    raw = request.POST.get("seen", "")
    try:
        return dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _typed_code(request) -> str:
    """The code typed, completed by the optional sense and beneficiary fields."""
    code = request.POST.get("code", "").strip()
    sense = request.POST.get("sense", "").strip()
    beneficiary = request.POST.get("beneficiary", "").strip()
    if code and "/" not in code and (sense or beneficiary):
        code = "/".join([code, sense, beneficiary]).rstrip("/")
    return code


def _board_url(territory, group, focus: int | None = None) -> str:
    url = reverse("coding:board", kwargs={"territory": territory.slug, "pk": group.pk})
    return f"{url}?focus={focus}#card-{focus}" if focus else url


def _next_uncoded(cards, after: Card | None) -> int | None:
    return _next_uncoded_of([(c.pk, c.component_id, c.not_codable_reason) for c in cards],
                            after.pk if after is not None else None)


def _next_uncoded_of(rows, after: int | None) -> int | None:
    """The first uncoded card after ``after`` in board order (else the first uncoded)."""
    todo = [pk for pk, component, reason in rows if not component and not reason]
    if after is not None:
        ids = [pk for pk, _, _ in rows]
        if after in ids:
            position = ids.index(after)
            later = [pk for pk in todo if ids.index(pk) > position]
            todo = later or todo
    return todo[0] if todo else None


def _board_context(request, group) -> dict:
    territory = request.territory
    cards = selectors.board_cards(territory, group)
    validation = selectors.latest_validation(territory, group)
    can_code = card_selectors.can_write_group(territory, request.user, group)
    if can_code:
        selectors.attach_suggestions(territory, cards, get_language())
    return {
        "territory": territory, "group": group, "cards": cards,
        "progress": selectors.progress(cards), "can_code": can_code,
        "can_manage": can_manage(request),
        "validation": validation,
        "changes": list(selectors.changes_since(territory, group, validation)[:200]),
        "duplicates": selectors.duplicate_proposals(cards) if can_code else [],
        "merged": list(selectors.merged_cards(territory, group)),
        "families": selectors.help_families(territory),
        "grid": selectors.grid_panel(territory) if can_code else [],
        "validation_form": ValidationForm(),
        "next_uncoded": _next_uncoded(cards, None),
    }


@territory_view(READ)
@require_GET
def board(request, pk: int):
    group = _group(request, pk)
    context = _board_context(request, group)
    focus = request.GET.get("focus", "")
    context["focus"] = int(focus) if focus.isdigit() else context["next_uncoded"]
    row = Row.of(request, request.territory, can_code=context["can_code"], language=get_language())
    context["card_rows"] = row.render_all(context["cards"], focus=context["focus"])
    return render(request, "coding/board.html", context)


@territory_view(ENTER_CARDS)
@require_GET
def card_tools(request, pk: int):
    """The tools of one card the board shows on demand (full code, split, not codable,
    uncode): a page of its own without JavaScript, the fragment alone for the board's
    script (``?fragment=1``)."""
    card = get_object_or_404(Card.objects.of(request.territory).counted()
                             .select_related("group", "question", "component"), pk=pk)
    if not card_selectors.can_write_group(request.territory, request.user, card.group):
        raise PermissionDenied(_("Only coordinators, or facilitators of this group, code its cards."))
    context = {"territory": request.territory, "group": card.group, "card": card,
               "back": _board_url(request.territory, card.group, card.pk)}
    if request.GET.get("fragment") == "1":
        return render(request, "coding/_card_tools.html", context)
    return render(request, "coding/card_tools.html", context)


def _after_write(request, card: Card, message: str, *, focus_self: bool = False):
    """Answer a board action: JSON with the card's new HTML and the progress for the
    board's script, otherwise a redirect to the board focused on the next uncoded card."""
    territory = request.territory
    group = card.group
    suggestions.card_changed(territory, card)  # what a person confirms counts at once
    rows = selectors.board_order(territory, group)
    next_id = card.pk if focus_self else _next_uncoded_of(rows, card.pk)
    if _wants_json(request):
        loaded = selectors.board_cards_by_id(territory, group, [card.pk, next_id])
        current, following = loaded.get(card.pk), loaded.get(next_id)
        progress = selectors.progress_of(rows)
        shown = [c for c in (current, following) if c is not None]
        selectors.attach_suggestions(territory, shown, get_language())
        row = Row.of(request, territory, can_code=True, language=get_language())
        html, next_html = ("" if c is None else row.render(c) for c in (current, following))
        return JsonResponse({
            "ok": True, "message": message, "card": card.pk, "html": html, "next": next_id,
            "next_html": next_html,
            "progress": {"done": progress.done, "total": progress.total,
                         "text": progress_text(progress)},
        })
    messages.success(request, message)
    return redirect(_board_url(territory, group, next_id))


def progress_text(progress) -> str:
    return _("%(done)s / %(total)s coded") % {"done": progress.done, "total": progress.total}


def _refuse(request, card: Card, error: Exception, status: int = 400):
    message = str(error) if str(error) else _("You may not change this card.")
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message, "card": card.pk}, status=status)
    if status == 403:
        raise PermissionDenied(message)
    messages.error(request, message)
    return redirect(_board_url(request.territory, card.group, card.pk))


def _run(request, card: Card, action, message, *, focus_self: bool = False):
    try:
        result = action()
    except services.CodingConflict as exc:
        return _refuse(request, card, exc, status=409)
    except services.CodingError as exc:
        return _refuse(request, card, exc)
    except PermissionDenied as exc:
        return _refuse(request, card, exc, status=403)
    return _after_write(request, result if isinstance(result, Card) else card, message,
                        focus_self=focus_self)


@territory_view(ENTER_CARDS)
@require_POST
def code(request, pk: int):
    card = _card(request, pk)
    typed = _typed_code(request)
    return _run(request, card,
                lambda: services.code_card(request.territory, card, code=typed, user=request.user,
                                           seen_updated_at=_seen(request)),
                _("Card coded %(code)s.") % {"code": typed.upper() if "/" not in typed else typed})


@territory_view(ENTER_CARDS)
@require_POST
def uncode(request, pk: int):
    card = _card(request, pk)
    return _run(request, card,
                lambda: services.uncode_card(request.territory, card, user=request.user,
                                             seen_updated_at=_seen(request)),
                _("The card's code was removed."))


@territory_view(ENTER_CARDS)
@require_POST
def not_codable(request, pk: int):
    card = _card(request, pk)
    return _run(request, card,
                lambda: services.mark_not_codable(request.territory, card,
                                                  reason=request.POST.get("reason", ""),
                                                  user=request.user, seen_updated_at=_seen(request)),
                _("The card is marked not codable."))


@territory_view(ENTER_CARDS)
@require_POST
def split(request, pk: int):
    card = _card(request, pk)
    parts = request.POST.get("parts", "").splitlines()

    def action():
        created = services.split_card(request.territory, card, texts=parts, user=request.user,
                                      seen_updated_at=_seen(request))
        suggestions.card_changed(request.territory, card)
        return created[0]

    # The first part has the focus next: it is the one to code now.
    return _run(request, card, action, _("The card was split into several ideas."), focus_self=True)


@territory_view(ENTER_CARDS)
@require_POST
def merge(request, pk: int):
    keep = _card(request, pk)
    ids = [i for i in request.POST.getlist("duplicates") if i.isdigit()]
    duplicates = list(Card.objects.of(request.territory).filter(pk__in=ids))
    if len(duplicates) != len(set(ids)):
        return _refuse(request, keep, services.CodingError(_("One of the chosen cards does not exist.")))

    def action():
        kept = services.merge_cards(request.territory, keep, duplicates, user=request.user)
        for duplicate in duplicates:
            suggestions.card_changed(request.territory, duplicate)
        return kept

    return _run(request, keep, action,
                _("Duplicates merged into “%(text)s”.") % {"text": keep.text[:60]})


@territory_view(ENTER_CARDS)
@require_GET
def merge_by_hand(request, pk: int):
    """The form to merge any cards of the group (the board links to it: listing every
    card twice on the board itself made it heavy)."""
    group = _group(request, pk)
    _check_group_writer(request, group)
    return render(request, "coding/merge_by_hand.html", {
        "territory": request.territory, "group": group,
        "cards": selectors.board_cards(request.territory, group)})


@territory_view(ENTER_CARDS)
@require_POST
def unmerge(request, pk: int):
    card = _card(request, pk)
    return _run(request, card,
                lambda: services.unmerge_card(request.territory, card, user=request.user),
                _("The merge was undone: the card counts again."))


@territory_view(MANAGE)
@require_POST
def validate(request, pk: int):
    group = _group(request, pk)
    form = ValidationForm(request.POST)
    if form.is_valid():
        try:
            services.validate_group_coding(request.territory, group,
                                           validated_on=form.cleaned_data["validated_on"],
                                           note=form.cleaned_data["note"], user=request.user)
        except services.CodingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The group's validation of its coding is recorded."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
    return redirect(_board_url(request.territory, group) + "#validation")


@territory_view(ENTER_CARDS)
@require_GET
def search(request):
    return JsonResponse({"results": selectors.search(request.territory, request.GET.get("q", ""),
                                                     get_language())})


# --- double coding ---------------------------------------------------------------------

def _check_group_writer(request, group) -> None:
    if not card_selectors.can_write_group(request.territory, request.user, group):
        raise PermissionDenied(_("Only coordinators, or facilitators of this group, code its cards."))


@territory_view(ENTER_CARDS)
def blind(request, pk: int):
    group = _group(request, pk)
    _check_group_writer(request, group)
    territory = request.territory
    if request.method == "POST":
        card = get_object_or_404(Card.objects.of(territory).filter(group=group),
                                 pk=request.POST.get("card", "0") if request.POST.get("card", "").isdigit() else 0)
        try:
            services.record_blind_coding(territory, card, user=request.user,
                                         code=_typed_code(request),
                                         not_codable=request.POST.get("not_codable") == "1")
        except services.CodingError as exc:
            if _wants_json(request):
                return JsonResponse({"ok": False, "error": str(exc), "card": card.pk}, status=400)
            messages.error(request, str(exc))
            return redirect(reverse("coding:blind", kwargs={"territory": territory.slug, "pk": group.pk})
                            + f"?focus={card.pk}#card-{card.pk}")
        mine = selectors.blind_codings(territory, group, request.user)
        ids = [pk for pk, _, _ in selectors.board_order(territory, group)]
        later = [pk for pk in ids if pk not in mine and ids.index(pk) > ids.index(card.pk)] if card.pk in ids else []
        rest = later or [pk for pk in ids if pk not in mine]
        if _wants_json(request):
            done = len(mine)
            return JsonResponse({
                "ok": True, "card": card.pk, "next": rest[0] if rest else None,
                "message": _("Blind coding saved."),
                "progress": {"done": done, "total": len(ids),
                             "text": _("%(done)s / %(total)s coded by you") % {"done": done, "total": len(ids)}},
            })
        messages.success(request, _("Blind coding saved."))
        url = reverse("coding:blind", kwargs={"territory": territory.slug, "pk": group.pk})
        return redirect(f"{url}?focus={rest[0]}#card-{rest[0]}" if rest else url)
    cards = selectors.board_cards(territory, group)
    mine = selectors.blind_codings(territory, group, request.user)
    focus = request.GET.get("focus", "")
    todo = [c.pk for c in cards if c.pk not in mine]
    return render(request, "coding/blind.html", {
        "territory": territory, "group": group,
        "rows": [(c, mine.get(c.pk)) for c in cards],
        "done": len(mine), "total": len(cards),
        "focus": int(focus) if focus.isdigit() else (todo[0] if todo else None),
    })


@territory_view(ENTER_CARDS)
def agreement(request, pk: int):
    group = _group(request, pk)
    territory = request.territory
    if request.method == "POST":
        card = get_object_or_404(Card.objects.of(territory).filter(group=group).select_related("group"),
                                 pk=request.POST.get("card", "") if request.POST.get("card", "").isdigit() else 0)
        url = reverse("coding:agreement", kwargs={"territory": territory.slug, "pk": group.pk})
        try:
            services.code_card(territory, card, code=_typed_code(request), user=request.user,
                               seen_updated_at=_seen(request))
            suggestions.card_changed(territory, card)
        except services.CodingError as exc:
            messages.error(request, str(exc))
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, _("Disagreement resolved: the card is coded %(code)s.")
                             % {"code": _typed_code(request)})
        return redirect(url + "#disagreements")
    report = selectors.agreement_report(territory, group, _("agreed coding"))
    return render(request, "coding/agreement.html", {
        "territory": territory, "group": group, "report": report,
        "can_code": card_selectors.can_write_group(territory, request.user, group),
    })
