"""Card pages: bulk entry, list, edit, delete, restore, history, import, templates, kit.
Thin: reads through selectors, writes through services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from cospiral.cards import selectors, services
from cospiral.cards.forms import (
    BulkPickForm,
    BulkTextForm,
    CardEditForm,
    CardFilterForm,
    ImportForm,
)
from cospiral.cards.models import Card
from cospiral.core import audit_display, exports
from cospiral.core.access import ENTER_CARDS, READ, can_manage, territory_view
from cospiral.domain.cards import MAX_CARD_CHARS, split_lines
from cospiral.groups.models import Group
from cospiral.jobs.uploads import import_upload

LIVE_LIST_SIZE = 50
MAX_SHOWN_ERRORS = 200


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _card_json(territory, card) -> dict:
    return {
        "id": card.pk,
        "text": card.text,
        "edit_url": reverse("criteria:edit", kwargs={"territory": territory.slug, "pk": card.pk}),
    }


# --- bulk entry -----------------------------------------------------------------------

@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def bulk(request):
    territory = request.territory
    if request.method == "GET" and request.GET.get("group") and not request.GET.get("question"):
        # A link from a group's page names only the group: complete the batch.
        defaults = selectors.batch_defaults(territory, request.user, request.GET["group"],
                                            with_session="session" not in request.GET)
        if defaults:
            url = reverse("criteria:bulk", kwargs={"territory": territory.slug})
            return redirect(f"{url}?{urlencode(defaults)}")
    source = request.POST if request.method == "POST" else request.GET
    pick = BulkPickForm(source or None, territory=territory, user=request.user)
    ready = pick.is_bound and pick.is_valid()
    if request.method == "POST":
        if not ready:
            errors = [f"{pick.fields[f].label}: {' '.join(e)}" if f in pick.fields else " ".join(e)
                      for f, e in pick.errors.items()]
            if _wants_json(request):
                return JsonResponse({"errors": errors}, status=400)
            for e in errors:
                messages.error(request, e)
            return redirect(reverse("criteria:bulk", kwargs={"territory": territory.slug}))
        return _bulk_post(request, pick.cleaned_data)
    context = {"territory": territory, "pick": pick, "ready": ready}
    if ready:
        data = pick.cleaned_data
        batch = selectors.batch_cards(territory, group=data["group"], session=data["session"],
                                      question=data["question"])
        context.update(
            text_form=BulkTextForm(),
            batch=batch[:LIVE_LIST_SIZE],
            count=batch.count(),
            group=data["group"], session=data["session"], question=data["question"],
            questions=selectors.enabled_questions(territory, data["group"]),
            query=_batch_query(data),
            max_chars=MAX_CARD_CHARS,
        )
    return render(request, "cards/bulk.html", context)


def _batch_query(data) -> str:
    return urlencode({
        "group": data["group"].pk,
        "session": data["session"].pk if data["session"] else "",
        "question": data["question"].pk,
    })


def _bulk_post(request, data):
    territory = request.territory
    back = reverse("criteria:bulk", kwargs={"territory": territory.slug}) + "?" + _batch_query(data)
    batch_kwargs = {"group": data["group"], "session": data["session"], "question": data["question"]}
    try:
        if request.POST.get("action") == "undo":
            card = services.undo_last_card(territory, user=request.user, group=data["group"],
                                           session=data["session"], question=data["question"])
            if card is None:
                message = _("There is no card of yours to undo in this batch.")
            else:
                message = _("Card deleted: “%(text)s”.") % {"text": card.text[:80]}
            count = selectors.batch_cards(territory, **batch_kwargs).count()
            if _wants_json(request):
                return JsonResponse({"undone": _card_json(territory, card) if card else None,
                                     "count": count, "message": message})
            messages.success(request, message) if card else messages.info(request, message)
            return redirect(back)
        texts = split_lines(request.POST.get("text", ""))
        created = services.create_cards(territory, texts=texts, user=request.user,
                                        channel=Card.Channel.PAPER, **batch_kwargs)
    except ValidationError as exc:
        errors = _messages_of(exc)
        if _wants_json(request):
            return JsonResponse({"errors": errors}, status=400)
        for e in errors:
            messages.error(request, e)
        return redirect(back)
    count = selectors.batch_cards(territory, **batch_kwargs).count()
    message = (_("Card saved.") if len(created) == 1
               else _("%(n)s cards saved.") % {"n": len(created)})
    if _wants_json(request):
        return JsonResponse({"created": [_card_json(territory, c) for c in created],
                             "count": count, "message": message}, status=201)
    messages.success(request, message)
    return redirect(back)


# --- list, edit, delete, restore, history ---------------------------------------------

@territory_view(READ)
def card_list(request):
    territory = request.territory
    coordinator = can_manage(request)
    form = CardFilterForm(request.GET or None, territory=territory,
                          show_deleted_choice=coordinator)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    deleted = bool(coordinator and filters.get("deleted"))
    qs = selectors.cards(territory, group=filters.get("group"), session=filters.get("session"),
                         question=filters.get("question"), deleted=deleted)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    writable = set(selectors.writable_groups(territory, request.user).values_list("pk", flat=True))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cards/list.html", {
        "territory": territory, "form": form, "page": page, "writable": writable,
        "show_deleted": deleted, "query": query.urlencode(), "can_enter": bool(writable),
    })


def _card_for_write(request, pk):
    card = get_object_or_404(
        Card.objects.of(request.territory).select_related("group", "session", "question", "territory"),
        pk=pk,
    )
    if not selectors.can_write_group(request.territory, request.user, card.group):
        raise PermissionDenied
    return card


def _list_url(territory, card=None):
    url = reverse("criteria:list", kwargs={"territory": territory.slug})
    if card is not None:
        url += "?" + urlencode({"group": card.group_id, "question": card.question_id})
    return url


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    territory = request.territory
    card = _card_for_write(request, pk)
    if card.deleted_at is not None:
        messages.error(request, _("This card is deleted: restore it before changing it."))
        return redirect("criteria:history", territory=territory.slug, pk=card.pk)
    initial = {"text": card.text, "question": card.question, "language": card.language,
               "author_tag": card.author_tag, "seen_updated_at": card.updated_at.isoformat()}
    conflict = None
    if request.method == "POST":
        form = CardEditForm(request.POST, territory=territory)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_card(card, user=request.user,
                                     seen_updated_at=data["seen_updated_at"], text=data["text"],
                                     question=data["question"], language=data["language"],
                                     author_tag=data["author_tag"])
            except services.EditConflict as exc:
                conflict = exc
                card = exc.card
                post = request.POST.copy()
                post["seen_updated_at"] = card.updated_at.isoformat()
                form = CardEditForm(post, territory=territory)
                form.is_valid()
                form.add_error(None, str(exc))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Card saved."))
                return redirect(_list_url(territory, card))
    else:
        form = CardEditForm(initial=initial, territory=territory)
    return render(request, "cards/edit.html", {
        "territory": territory, "card": card, "form": form, "conflict": conflict,
    })


def _confirm_then(request, pk, action: str, write, done: str):
    """Delete or restore a card: a confirmation page, then the service on POST."""
    territory = request.territory
    card = _card_for_write(request, pk)
    if request.method == "POST":
        write(card, user=request.user)
        messages.success(request, done)
        return redirect(_list_url(territory, card))
    return render(request, "cards/confirm.html", {
        "territory": territory, "card": card, "action": action,
    })


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def delete(request, pk):
    return _confirm_then(request, pk, "delete", services.delete_card,
                         _("Card deleted. It can be restored from its history."))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def restore(request, pk):
    return _confirm_then(request, pk, "restore", services.restore_card, _("Card restored."))


@territory_view(READ)
def history(request, pk):
    territory = request.territory
    card = get_object_or_404(Card.objects.of(territory).select_related("group", "question"), pk=pk)
    if card.deleted_at is not None and not selectors.can_write_group(territory, request.user,
                                                                        card.group):
        raise Http404
    # Times to the day, to the minute for coordinators; never an author tag beside them.
    return render(request, "cards/history.html", {
        "territory": territory, "card": card,
        "entries": audit_display.readable(selectors.card_history(territory, card)),
        "time_format": "SHORT_DATETIME_FORMAT" if can_manage(request) else "SHORT_DATE_FORMAT",
        "can_write": selectors.can_write_group(territory, request.user, card.group),
    })


# --- import and templates -------------------------------------------------------------

COLUMNS = [
    ("group", True, gettext_lazy("the group's name, exactly as in cospiral")),
    ("question", True, gettext_lazy("Q1, Q2, Q3, Q4 or the code of one of your own questions")),
    ("text", True, gettext_lazy("the card's text (at most 2,000 characters)")),
    ("session", False, gettext_lazy("the date of a session of that group, as YYYY-MM-DD")),
    ("language", False, gettext_lazy("fr, en… (default: the territory's first language)")),
    ("channel", False, gettext_lazy("paper or online (default: paper)")),
    ("author", False, gettext_lazy("an anonymous author tag, never a name")),
    ("ref", False, gettext_lazy("your own card number, unique within the group: re-importing a corrected "
                     "text with the same ref does not copy the card")),
    ("code", False, gettext_lazy("a full grid code such as A01-11/P15/k, for cards already coded")),
]


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def import_view(request):
    territory = request.territory
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    done, errors = import_upload(
        request, form, "criteria.import_cards",
        lambda upload: services.import_cards(territory, upload.read(), upload.name,
                                             user=request.user),
        done=lambda result: _(
            "%(created)s cards imported from %(file)s; %(skipped)s were already there "
            "and were skipped.") % {"created": result.created,
                                    "file": form.cleaned_data["file"].name,
                                    "skipped": result.skipped_existing},
        then=reverse("criteria:import", kwargs={"territory": territory.slug}))
    if done is not None:
        return done
    return render(request, "cards/import.html", {
        "territory": territory, "form": form, "columns": COLUMNS,
        "errors": errors[:MAX_SHOWN_ERRORS], "error_count": len(errors),
    }, status=400 if errors or form.errors else 200)


def _template_rows(territory):
    group = Group.objects.of(territory).order_by("name").first()
    session = group.sessions.order_by("-date").first() if group else None
    return [
        ["group", "question", "text", "session", "language", "channel", "author", "ref", "code"],
        [group.name if group else _("Young people"), "Q1",
         _("Having a place to meet friends near home"),
         session.date.isoformat() if session else "", selectors.default_language(territory),
         "paper", "p1", "1", ""],
    ]


@territory_view(READ)
def template(request, format):
    """The import template: the importer's column codes, then one example line."""
    territory = request.territory
    exports.check_format(format)
    with exports.language(format):
        header, *rows = _template_rows(territory)
        return exports.response(f"cospiral-cards-{territory.slug}",
                                [exports.Sheet("cards", header, rows)], format)


# --- printable session kit ------------------------------------------------------------

@require_safe
@territory_view(ENTER_CARDS)
def kit(request, pk):
    """The printable kit of a group's next session (its date is part of the content: the
    next session depends on the day)."""
    from cospiral.cards import jobs
    from cospiral.core import pdfs

    territory = request.territory
    group = get_object_or_404(Group.objects.of(territory), pk=pk)
    return pdfs.respond(request, jobs.KIT,
                        params={"group_id": group.pk, "day": str(timezone.localdate()),
                                "base_url": request.build_absolute_uri("/")},
                        filename=f"cospiral-kit-{territory.slug}-group-{group.pk}.pdf")

