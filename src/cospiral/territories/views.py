"""Territory pages. Thin: forms validate input, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cospiral.core.access import MANAGE, READ, can_manage, territory_view
from cospiral.core.audit_display import readable
from cospiral.territories import forms, selectors, services
from cospiral.territories.labels import CYCLE_NAMES, PHASE_NAMES, cycle_label, phase_label
from cospiral.territories.models import (
    CoordinationMember,
    Membership,
    Organisation,
    Phase,
    Territory,
)


def form_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, on the named fields when it has them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _page(request, template, **context):
    context.setdefault("territory", request.territory)
    context.setdefault("can_manage", can_manage(request))
    context.setdefault("role", request.role)
    return render(request, template, context)


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
            if form.is_valid():
                try:
                    services.update_phase(obj, user=request.user, **form.cleaned_data)
                except ValidationError as error:
                    form_error(form, error)
                else:
                    messages.success(request, _("Phase saved."))
                    return redirect("territories:phase", territory=request.territory.slug,
                                    cycle=cycle, number=number)
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
        if form.is_valid():
            try:
                services.update_territory(territory, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Territory saved."))
                return redirect("territories:home", territory=territory.slug)
    else:
        form = forms.TerritoryEditForm(parents=parents, initial={
            "name": territory.name, "kind": territory.kind, "parent": territory.parent_id,
            "languages": territory.languages, "description": territory.description,
        })
    return _page(request, "territories/edit.html", form=form)


# --- Members ---------------------------------------------------------------------------

@territory_view(MANAGE)
def members(request):
    territory = request.territory
    existing_form, new_form = forms.AddMemberForm(prefix="existing"), forms.NewAccountForm(prefix="new")
    if request.method == "POST":
        if request.POST.get("form") == "new":
            new_form = forms.NewAccountForm(request.POST, prefix="new")
            if new_form.is_valid():
                try:
                    services.create_account_and_member(territory, user=request.user,
                                                       **new_form.cleaned_data)
                except ValidationError as error:
                    form_error(new_form, error)
                else:
                    messages.success(request, _("Account “%(username)s” created and added.")
                                     % {"username": new_form.cleaned_data["username"]})
                    return redirect("territories:members", territory=territory.slug)
        else:
            existing_form = forms.AddMemberForm(request.POST, prefix="existing")
            if existing_form.is_valid():
                try:
                    services.add_member(territory, user=request.user, member=existing_form.user,
                                        role=existing_form.cleaned_data["role"])
                except ValidationError as error:
                    form_error(existing_form, error)
                else:
                    messages.success(request, _("“%(username)s” added.")
                                     % {"username": existing_form.user.get_username()})
                    return redirect("territories:members", territory=territory.slug)
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
        try:
            services.change_role(membership, user=request.user, role=form.cleaned_data["role"],
                                 organisation=form.cleaned_data["organisation"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Role of “%(username)s” saved.")
                             % {"username": membership.user.get_username()})
    else:
        messages.error(request, _("Choose a valid role.") if "role" in form.errors
                       else " ".join(form.errors["organisation"]))
    return redirect("territories:members", territory=request.territory.slug)


@require_POST
@territory_view(MANAGE)
def member_remove(request, pk: int):
    membership = get_object_or_404(Membership.objects.of(request.territory).select_related(
        "user", "territory"), pk=pk)
    try:
        services.remove_member(membership, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(username)s” is no longer a member.")
                         % {"username": membership.user.get_username()})
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
        if form.is_valid():
            try:
                if form is seat_form:
                    services.save_seat(territory, user=request.user, **form.cleaned_data)
                else:
                    services.save_organisation(territory, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Coordination group saved."))
                return redirect("territories:coordination", territory=territory.slug)
    return _page(request, "territories/coordination.html", org_form=org_form,
                 seat_form=seat_form, **selectors.coordination(territory))


@territory_view(MANAGE)
def organisation_edit(request, pk: int):
    organisation = get_object_or_404(Organisation.objects.of(request.territory), pk=pk)
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                services.delete_organisation(organisation, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Organisation removed."))
            return redirect("territories:coordination", territory=request.territory.slug)
        form = forms.OrganisationForm(request.POST)
        if form.is_valid():
            try:
                services.save_organisation(request.territory, user=request.user,
                                           organisation=organisation, **form.cleaned_data)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Organisation saved."))
                return redirect("territories:coordination", territory=request.territory.slug)
    else:
        form = forms.OrganisationForm(initial={"name": organisation.name, "kind": organisation.kind})
    return _page(request, "territories/object_form.html", form=form,
                 title=_("Organisation “%(name)s”") % {"name": organisation.name},
                 back=("territories:coordination", _("Coordination group")), can_delete=True)


@territory_view(MANAGE)
def seat_edit(request, pk: int):
    territory = request.territory
    seat = get_object_or_404(CoordinationMember.objects.of(territory), pk=pk)
    if request.method == "POST":
        if "delete" in request.POST:
            services.delete_seat(seat, user=request.user)
            messages.success(request, _("Seat removed."))
            return redirect("territories:coordination", territory=territory.slug)
        form = forms.SeatForm(request.POST, territory=territory)
        if form.is_valid():
            try:
                services.save_seat(territory, user=request.user, seat=seat, **form.cleaned_data)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Seat saved."))
                return redirect("territories:coordination", territory=territory.slug)
    else:
        form = forms.SeatForm(territory=territory, initial={
            "person": seat.person, "organisation": seat.organisation_id, "role": seat.role})
    return _page(request, "territories/object_form.html", form=form,
                 title=_("Seat in the coordination group"),
                 back=("territories:coordination", _("Coordination group")), can_delete=True)


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
        if form.is_valid():
            cycles = [c for c in selectors.cycles(territory)
                      if f"c{c.pk}" in request.POST.getlist("new-cycles")]
            try:
                services.create_question(territory, user=request.user, code=form.cleaned_data["code"],
                                         texts=form.texts(), cycles=cycles)
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Question added."))
                return redirect("territories:questions", territory=territory.slug)
    return _page(
        request, "territories/questions.html", form=form,
        questions=selectors.questions_with_cycles(territory),
        cycles=[(c, cycle_label(c.number)) for c in selectors.cycles(territory)],
    )


@territory_view(MANAGE)
def question_edit(request, pk: int):
    from cospiral.criteria.models import Question

    question = get_object_or_404(Question.objects.of(request.territory), pk=pk)
    slug = request.territory.slug
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                services.delete_question(question, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Question deleted."))
            return redirect("territories:questions", territory=slug)
        form = forms.QuestionForm(request.POST, method_question=question.is_method_question,
                                  initial={"code": question.code})
        if form.is_valid():
            try:
                services.update_question(question, user=request.user,
                                         code=form.cleaned_data["code"], texts=form.texts())
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Question saved."))
                return redirect("territories:questions", territory=slug)
    else:
        form = forms.QuestionForm(method_question=question.is_method_question, initial={
            "code": question.code, "text_fr": question.texts.get("fr", ""),
            "text_en": question.texts.get("en", "")})
    return _page(request, "territories/object_form.html", form=form,
                 title=_("Question %(code)s") % {"code": question.code},
                 back=("territories:questions", _("Questions")),
                 can_delete=not question.is_method_question)


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

