"""Territory pages. Thin: forms validate input, services write, selectors read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cospiral.core import pages
from cospiral.core.access import MANAGE, READ, can_manage, territory_view
from cospiral.core.audit_display import readable
from cospiral.core.pages import form_error  # the pages of surveys and the API use it from here
from cospiral.core.pages import page as _page
from cospiral.territories import forms, selectors, services
from cospiral.territories.labels import CYCLE_NAMES, PHASE_NAMES, cycle_label, phase_label
from cospiral.territories.models import (
    CoordinationMember,
    Membership,
    Organisation,
    Phase,
    Territory,
)


def _require_manage(request):
    if not can_manage(request):
        raise PermissionDenied


# --- Site level: create a territory ----------------------------------------------------

def _default_grid():
    from cospiral.grid import services as grid_services

    try:
        return grid_services.default_version()
    except (NotImplementedError, ObjectDoesNotExist):
        return None


@login_required
def site_home(request):
    """The site's home page: the territories of the person signed in (it lives here, not
    in core, because it reads territories; its template is still core/home.html)."""
    return render(request, "core/home.html",
                  {"territories": selectors.territories_for(request.user),
                   "can_create_territory": selectors.can_create_territory(request.user)})


@login_required
def create(request):
    if not selectors.can_create_territory(request.user):
        raise PermissionDenied
    parents = selectors.coordinated_territories(request.user)
    if request.method == "POST":
        form = forms.TerritoryCreateForm(request.POST, parents=parents)
        if form.is_valid():
            data = form.cleaned_data
            try:
                territory = services.create_territory(
                    slug=data["slug"], name=data["name"], kind=data["kind"], user=request.user,
                    grid_version=data["grid_version"], parent=data["parent"],
                    languages=data["languages"], description=data["description"],
                )
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Territory “%(name)s” created. You are its "
                                            "coordinator.") % {"name": territory.name})
                return redirect("territories:home", territory=territory.slug)
    else:
        form = forms.TerritoryCreateForm(parents=parents, default_grid=_default_grid())
    return render(request, "territories/create.html", {"form": form})


# --- Home: the cycle × phase matrix ----------------------------------------------------

@territory_view(READ)
def home(request):
    from django.utils import timezone

    from cospiral.territories import guide

    territory = request.territory
    matrix = selectors.phase_matrix(territory)
    statuses = dict(Phase.Status.choices)
    next_step = None
    guides = can_manage(request)  # the next steps lead to the coordinators' pages
    for row in matrix["rows"]:
        row["name"] = PHASE_NAMES.get(row["number"], "")
        for cell in row["cells"]:
            progress = cell["progress"]
            cell["state_label"] = statuses[progress.state]
            cell["lines"] = [guide.count_text(key, n) for key, n in progress.counts
                             if n or key in ("groups", "cards", "ex_ante_waves", "actions",
                                             "ex_post_waves", "reviews")]
            cell["next"] = None
            if guides and cell["current"] and progress.state not in ("done", "skipped"):
                cell["next"] = guide.next_step(progress.next_step, territory, cell["cycle"])
                if next_step is None and cell["next"] is not None:
                    next_step = dict(cell["next"], phase=row["number"], name=row["name"])
    reviews_due = None
    deadlines = []
    if can_manage(request):
        from cospiral.actions.selectors import reviews_due as actions_reviews_due

        reviews_due = actions_reviews_due(territory)  # one query
        deadlines = selectors.deadlines(territory, timezone.localdate())
    return _page(
        request, "territories/home.html",
        matrix=matrix, reviews_due=reviews_due, deadlines=deadlines, next_step=next_step,
        today=timezone.localdate(),
        cycle_headers=[(n, cycle_label(n)) for n in matrix["cycles"]],
        children=selectors.children(territory),
        parent=territory.parent if territory.parent_id else None,
    )


@territory_view(READ)
def phase(request, cycle: int, number: int):
    obj = selectors.phase(request.territory, cycle, number)
    if obj is None:
        raise Http404(_("No such phase."))
    form = None
    if can_manage(request):
        if request.method == "POST":
            form = forms.PhaseForm(request.POST)
            saved = pages.submit(request, form, lambda d: services.update_phase(
                obj, user=request.user, **d), done=_("Phase saved."),
                then=pages.url(request, "territories:phase", cycle=cycle, number=number))
            if saved is not None:
                return saved
        else:
            form = forms.PhaseForm(initial={
                "status": obj.status, "starts_on": obj.starts_on, "ends_on": obj.ends_on,
                "notes": obj.notes,
            })
    elif request.method == "POST":
        raise PermissionDenied
    from cospiral.domain import phases as rules
    from cospiral.territories import guide

    everything = selectors.production(request.territory)
    produced = None
    if number in (1, 2):
        produced = everything["by_cycle"].get(cycle, selectors._blank_production())
        produced["seats"] = everything["seats"]
    counts, _current = selectors.cycle_counts(
        request.territory, [c.number for c in selectors.cycles(request.territory)], everything)
    progress = rules.phase_progress(number, counts.get(cycle, {}), obj.status)
    statuses = dict(Phase.Status.choices)
    nxt = (guide.next_step(progress.next_step, request.territory, cycle)
           if can_manage(request) and progress.state not in (rules.DONE, rules.SKIPPED) else None)
    return _page(
        request, "territories/phase.html", phase=obj, form=form, produced=produced,
        progress=progress, state_label=statuses[progress.state],
        derived_label=statuses[progress.derived], next=nxt, rule=guide.progress_rule(),
        lines=[guide.count_text(key, n) for key, n in progress.counts],
        cycle_name=cycle_label(cycle), phase_name=phase_label(number),
        cycle_short=CYCLE_NAMES.get(cycle), phase_short=PHASE_NAMES.get(number),
    )


# --- Settings of the territory ---------------------------------------------------------

@territory_view(MANAGE)
def edit(request):
    territory = request.territory
    # The current parent stays choosable even when its user does not coordinate it.
    parents = (selectors.coordinated_territories(request.user)
               | Territory.objects.filter(pk=territory.parent_id)).exclude(pk=territory.pk)
    if request.method == "POST":
        form = forms.TerritoryEditForm(request.POST, parents=parents)
    else:
        form = forms.TerritoryEditForm(parents=parents, initial={
            "name": territory.name, "kind": territory.kind, "parent": territory.parent_id,
            "languages": territory.languages, "description": territory.description,
        })
    saved = pages.submit(request, form, lambda d: services.update_territory(
        territory, user=request.user, **d), done=_("Territory saved."),
        then=pages.url(request, "territories:home"))
    return saved or _page(request, "territories/edit.html", form=form)


# --- Members ---------------------------------------------------------------------------

@territory_view(MANAGE)
def members(request):
    territory = request.territory
    existing_form, new_form = forms.AddMemberForm(prefix="existing"), forms.NewAccountForm(prefix="new")
    back = pages.url(request, "territories:members")
    saved = None
    if request.method == "POST" and request.POST.get("form") == "new":
        new_form = forms.NewAccountForm(request.POST, prefix="new")
        saved = pages.submit(request, new_form, lambda d: services.create_account_and_member(
            territory, user=request.user, **d), then=back,
            done=lambda _member: _("Account “%(username)s” created and added.")
            % {"username": new_form.cleaned_data["username"]})
    elif request.method == "POST":
        existing_form = forms.AddMemberForm(request.POST, prefix="existing")
        saved = pages.submit(request, existing_form, lambda d: services.add_member(
            territory, user=request.user, member=existing_form.user, role=d["role"]), then=back,
            done=lambda _member: _("“%(username)s” added.")
            % {"username": existing_form.user.get_username()})
    if saved is not None:
        return saved
    organisations = list(Organisation.objects.of(territory).order_by("name"))
    rows = [(m, forms.RoleForm(initial={"role": m.role, "organisation": m.organisation_id or ""},
                               prefix=f"m{m.pk}", organisations=organisations))
            for m in selectors.members(territory)]
    return _page(request, "territories/members.html", rows=rows,
                 existing_form=existing_form, new_form=new_form)


@require_POST
@territory_view(MANAGE)
def member_role(request, pk: int):
    membership = get_object_or_404(Membership.objects.of(request.territory).select_related(
        "user", "territory"), pk=pk)
    form = forms.RoleForm(request.POST, prefix=f"m{pk}",
                          organisations=Organisation.objects.of(request.territory))
    if form.is_valid():
        pages.act(request, lambda: services.change_role(
            membership, user=request.user, role=form.cleaned_data["role"],
            organisation=form.cleaned_data["organisation"]),
            done=_("Role of “%(username)s” saved.") % {"username": membership.user.get_username()},
            together=True)
    else:
        messages.error(request, _("Choose a valid role.") if "role" in form.errors
                       else " ".join(form.errors["organisation"]))
    return redirect("territories:members", territory=request.territory.slug)


@require_POST
@territory_view(MANAGE)
def member_remove(request, pk: int):
    membership = get_object_or_404(Membership.objects.of(request.territory).select_related(
        "user", "territory"), pk=pk)
    pages.act(request, lambda: services.remove_member(membership, user=request.user),
              done=_("“%(username)s” is no longer a member.")
              % {"username": membership.user.get_username()}, together=True)
    return redirect("territories:members", territory=request.territory.slug)


# --- Coordination group ----------------------------------------------------------------

@territory_view(READ)
def coordination(request):
    territory = request.territory
    org_form, seat_form = forms.OrganisationForm(prefix="org"), forms.SeatForm(
        prefix="seat", territory=territory)
    if request.method == "POST":
        _require_manage(request)
        if request.POST.get("form") == "seat":
            seat_form = forms.SeatForm(request.POST, prefix="seat", territory=territory)
            form = seat_form
        else:
            org_form = forms.OrganisationForm(request.POST, prefix="org")
            form = org_form
        save = services.save_seat if form is seat_form else services.save_organisation
        saved = pages.submit(request, form, lambda d: save(territory, user=request.user, **d),
                             done=_("Coordination group saved."),
                             then=pages.url(request, "territories:coordination"))
        if saved is not None:
            return saved
    return _page(request, "territories/coordination.html", org_form=org_form,
                 seat_form=seat_form, **selectors.coordination(territory))


def _object_form(request, form, save, *, back: tuple[str, Any], title: str, done: str,
                 delete=None, deleted: str = "", can_delete: bool = True):
    """The page of one thing of the territory (an organisation, a seat, a question): its
    form, saved by ``save(cleaned_data)``, and its « Delete » button calling ``delete()``;
    both go back to the page ``back`` (its URL name and its title)."""
    then = pages.url(request, back[0])
    if request.method == "POST" and "delete" in request.POST and delete is not None:
        pages.act(request, delete, done=deleted)
        return redirect(then)
    saved = pages.submit(request, form, save, done=done, then=then)
    return saved or _page(request, "territories/object_form.html", form=form, title=title,
                          back=back, can_delete=can_delete)


def _bound(request, form_class, *, initial: dict, **kwargs):
    """``form_class`` bound to the POST, or showing ``initial`` on a GET."""
    if request.method == "POST":
        return form_class(request.POST, **kwargs)
    return form_class(initial=initial, **kwargs)


COORDINATION = ("territories:coordination", _lazy("Coordination group"))


@territory_view(MANAGE)
def organisation_edit(request, pk: int):
    organisation = get_object_or_404(Organisation.objects.of(request.territory), pk=pk)
    form = _bound(request, forms.OrganisationForm,
                  initial={"name": organisation.name, "kind": organisation.kind})
    return _object_form(
        request, form, lambda d: services.save_organisation(
            request.territory, user=request.user, organisation=organisation, **d),
        back=COORDINATION, title=_("Organisation “%(name)s”") % {"name": organisation.name},
        done=_("Organisation saved."), deleted=_("Organisation removed."),
        delete=lambda: services.delete_organisation(organisation, user=request.user))


@territory_view(MANAGE)
def seat_edit(request, pk: int):
    territory = request.territory
    seat = get_object_or_404(CoordinationMember.objects.of(territory), pk=pk)
    form = _bound(request, forms.SeatForm, territory=territory, initial={
        "person": seat.person, "organisation": seat.organisation_id, "role": seat.role})
    return _object_form(
        request, form, lambda d: services.save_seat(territory, user=request.user, seat=seat, **d),
        back=COORDINATION, title=_("Seat in the coordination group"), done=_("Seat saved."),
        deleted=_("Seat removed."), delete=lambda: services.delete_seat(seat, user=request.user))


# --- Questions -------------------------------------------------------------------------

def _enabled_pairs(post) -> set[tuple[int, int]]:
    pairs = set()
    for value in post.getlist("enabled"):
        qid, _sep, cid = value.partition("-")
        if qid.isdigit() and cid.isdigit():
            pairs.add((int(qid), int(cid)))
    return pairs


@territory_view(READ)
def questions(request):
    territory = request.territory
    form = forms.QuestionForm(prefix="new")
    if request.method == "POST":
        _require_manage(request)
        if request.POST.get("form") == "cycles":
            changed = services.set_question_cycles(territory, user=request.user,
                                                   enabled=_enabled_pairs(request.POST))
            messages.success(request, ngettext("Cycles saved (%(count)s question changed).",
                                                "Cycles saved (%(count)s questions changed).",
                                                changed) % {"count": changed})
            return redirect("territories:questions", territory=territory.slug)
        form = forms.QuestionForm(request.POST, prefix="new")
        cycles = [c for c in selectors.cycles(territory)
                  if f"c{c.pk}" in request.POST.getlist("new-cycles")]
        saved = pages.submit(request, form, lambda d: services.create_question(
            territory, user=request.user, code=d["code"], texts=form.texts(), cycles=cycles),
            done=_("Question added."), then=pages.url(request, "territories:questions"))
        if saved is not None:
            return saved
    return _page(
        request, "territories/questions.html", form=form,
        questions=selectors.questions_with_cycles(territory),
        cycles=[(c, cycle_label(c.number)) for c in selectors.cycles(territory)],
    )


@territory_view(MANAGE)
def question_edit(request, pk: int):
    from cospiral.cards.models import Question

    question = get_object_or_404(Question.objects.of(request.territory), pk=pk)
    if request.method == "POST":
        form = forms.QuestionForm(request.POST, method_question=question.is_method_question,
                                  initial={"code": question.code})
    else:
        form = forms.QuestionForm(method_question=question.is_method_question, initial={
            "code": question.code, "text_fr": question.texts.get("fr", ""),
            "text_en": question.texts.get("en", "")})
    return _object_form(
        request, form, lambda d: services.update_question(
            question, user=request.user, code=d["code"], texts=form.texts()),
        back=("territories:questions", _("Questions")),
        title=_("Question %(code)s") % {"code": question.code}, done=_("Question saved."),
        deleted=_("Question deleted."), can_delete=not question.is_method_question,
        delete=lambda: services.delete_question(question, user=request.user))


# --- Audit trail -----------------------------------------------------------------------

@territory_view(MANAGE)
def audit(request):
    territory = request.territory
    models = selectors.audit_models(territory)
    form = forms.AuditFilterForm(request.GET or None, models=models)
    model = form.cleaned_data.get("type") if form.is_valid() else None
    page = Paginator(selectors.audit_entries(territory, model), 50).get_page(request.GET.get("page"))
    page.object_list = readable(page.object_list)  # human names; no author tag beside times
    return _page(request, "territories/audit.html", form=form, page=page, model=model or "")

