"""Group and session pages, and the group's online entry link. Thin: forms validate,
services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cospiral.core import pages
from cospiral.core.access import ENTER_CARDS, MANAGE, READ, can_manage, territory_view
from cospiral.core.pages import page as _page
from cospiral.groups import forms, selectors, services
from cospiral.groups.models import Group, Session


def _group(request, pk):
    return get_object_or_404(
        Group.objects.of(request.territory).select_related("cycle"), pk=pk)


def _can_run(request, group) -> bool:
    """Coordinators, and the group's own facilitators, run its sessions and entry link."""
    return can_manage(request) or selectors.is_facilitator(group, request.user)


def _group_url(request, group) -> str:
    return pages.url(request, "groups:detail", pk=group.pk)


@territory_view(READ)
def group_list(request):
    return _page(request, "groups/list.html", groups=selectors.groups(request.territory))


@territory_view(MANAGE)
def group_create(request):
    territory = request.territory
    if request.method == "POST":
        form = forms.GroupForm(request.POST, territory=territory)
    else:
        # Preselected: the home's current cycle (a group of no cycle is not counted there).
        cycle = selectors.current_cycle(territory)
        form = forms.GroupForm(territory=territory, initial={"cycle": cycle.pk if cycle else None})
    saved = pages.submit(request, form, lambda d: services.save_group(
        territory, user=request.user, **d),
        done=lambda group: _("Group “%(name)s” created.") % {"name": group.name},
        then=lambda group: _group_url(request, group))
    return saved or _page(request, "groups/form.html", form=form, title=_("Create a group"))


@territory_view(MANAGE)
def group_edit(request, pk: int):
    territory = request.territory
    group = _group(request, pk)
    form = forms.GroupForm(request.POST or None, territory=territory, group=group)
    saved = pages.submit(request, form, lambda d: services.save_group(
        territory, user=request.user, group=group, **d),
        done=_("Group saved."), then=_group_url(request, group))
    return saved or _page(request, "groups/form.html", form=form, group=group,
                 title=_("Edit the group “%(name)s”") % {"name": group.name})


@territory_view(READ)
def group_detail(request, pk: int):
    territory = request.territory
    group = _group(request, pk)
    return _page(
        request, "groups/detail.html", group=group,
        sessions=selectors.sessions(territory, group),
        facilitators=list(group.facilitators.order_by("username")),
        source_groups=list(group.source_groups.order_by("name")),
        mixed_groups=list(group.mixed_groups.order_by("name")),
        per_question=selectors.cards_per_question(territory, group),
        can_run=_can_run(request, group) if request.role in ENTER_CARDS else False,
    )


def _session_form(request, group, session=None):
    if not _can_run(request, group):
        raise PermissionDenied
    initial = {f: getattr(session, f) for f in services.SESSION_FIELDS} if session else None
    form = forms.SessionForm(request.POST or None, initial=initial)
    saved = pages.submit(request, form, lambda d: services.save_session(
        group, user=request.user, session=session, **d),
        done=_("Session saved."), then=_group_url(request, group))
    title = (_("Session of “%(name)s” on %(date)s") % {"name": group.name,
                                                       "date": date_format(session.date)}
             if session else _("New session of “%(name)s”") % {"name": group.name})
    return saved or _page(request, "groups/form.html", form=form, group=group, title=title)


@territory_view(ENTER_CARDS)
def session_create(request, pk: int):
    return _session_form(request, _group(request, pk))


@territory_view(ENTER_CARDS)
def session_edit(request, pk: int, session_pk: int):
    group = _group(request, pk)
    session = get_object_or_404(Session.objects.of(request.territory).filter(group=group),
                                pk=session_pk)
    return _session_form(request, group, session)


ENTRY_ACTIONS = {
    "create": (services.create_entry_token, gettext_lazy("A new private link was created.")),
    "revoke": (services.revoke_entry_token, gettext_lazy("The private link was revoked: it no longer works.")),
    "open": (lambda g, *, user: services.set_entry_open(g, user=user, is_open=True), gettext_lazy("Online entry is open.")),
    "close": (lambda g, *, user: services.set_entry_open(g, user=user, is_open=False), gettext_lazy("Online entry is closed.")),
    "reveal": (services.reveal_group, gettext_lazy("The group view is open: everyone with the link "
                                        "now sees all the group's cards.")),
}


def _qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (paths only: no style, no script)."""
    import io

    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    text = out.getvalue().decode("utf-8")
    return text[text.index("<svg"):]


@territory_view(READ)
@require_http_methods(["GET", "POST"])
def words_handout(request, pk: int):
    """A printable handout for the group (paper-only groups too): the address and QR code
    of its « what became of our words » page. The address is the group's private link
    token, created here if the group has none; online entry stays as it is (closed
    unless someone opened it), so the handout lets nobody write cards."""
    group = _group(request, pk)
    if request.method == "POST":
        if not _can_run(request, group):
            raise PermissionDenied
        if not group.entry_token:
            services.create_entry_token(group, user=request.user)
            messages.success(request, _("The group's page of words has an address: print it."))
        return redirect("groups:words_handout", territory=request.territory.slug, pk=group.pk)
    url = (request.build_absolute_uri(reverse("public:words", args=[group.entry_token]))
           if group.entry_token else "")
    return _page(request, "groups/words_handout.html", group=group, words_url=url,
                 qr=_qr_svg(url) if url else "", can_run=_can_run(request, group))


@territory_view(ENTER_CARDS)
def entry_link(request, pk: int):
    group = _group(request, pk)
    if not _can_run(request, group):
        raise PermissionDenied
    if request.method == "POST":
        action = ENTRY_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("Unknown action."))
        else:
            write, done = action
            pages.act(request, lambda: write(group, user=request.user), done=done)
        return redirect("groups:entry_link", territory=request.territory.slug, pk=group.pk)
    entry_url = (request.build_absolute_uri(reverse("public:entry", args=[group.entry_token]))
                 if group.entry_token else "")
    return _page(request, "groups/entry_link.html", group=group, entry_url=entry_url)
