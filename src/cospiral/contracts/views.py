"""Contract pages: the list, a contract with its parties, projects, commitments,
workshops and attendance, reviews, exit evaluations and the next steps; a form per
thing; the attendance summary; the contract as a PDF for signature. Thin: forms read,
services write (and check who may), selectors read. Everyone in the territory reads;
coordinators and facilitators write; a partner of an organisation records the outcomes
of its commitments and the attendance at the workshops it runs."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cospiral.contracts import amendments, bulk, charts, forms, selectors, services
from cospiral.contracts.models import Contract, ContractCommitment, Workshop
from cospiral.core import pages
from cospiral.core.access import (
    ENTER_CARDS,
    READ,
    partner_organisation_id,
    territory_view,
)
from cospiral.core.pages import or_404
from cospiral.core.pages import page as _page
from cospiral.domain import contracts as rules

STEP_LABELS = {
    rules.SIGNED: lambda: _("Mark as signed"),
    rules.RUNNING: lambda: _("Start"),
    rules.REVIEWED: lambda: _("Mark as reviewed"),
    rules.CLOSED: lambda: _("Close the contract"),
}


def _contract(request, pk) -> Contract:
    return or_404(selectors.contract(request.territory, pk), "No such contract.")


def _detail_url(contract, anchor: str = "") -> str:
    url = reverse("contracts:detail", kwargs={"territory": contract.territory.slug,
                                              "pk": contract.pk})
    return f"{url}#{anchor}" if anchor else url


def _locked(request, contract):
    """The page shown instead of a form that changes a contract no longer a draft: why
    it cannot be edited, and the amendment that can change a signed contract's terms."""
    if contract.status in services.EDITABLE:
        return None
    return _page(request, "contracts/locked.html", contract=contract,
                 amendable=contract.status in amendments.AMENDABLE, status=409)


def _draft(view):
    """A form that changes the terms of a contract (GET and POST, by those who enter
    cards): the view is called with the contract while it is a draft, and the locked
    page is shown instead once it is not."""
    @territory_view(ENTER_CARDS)
    @require_http_methods(["GET", "POST"])
    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        contract = _contract(request, pk)
        locked = _locked(request, contract)
        return locked if locked is not None else view(request, contract, *args, **kwargs)
    return wrapper


def _form_page(request, form, save, *, title: str, done, contract=None, back: str,
               intro: str = "", then=None):
    """Show ``form``; on a valid POST call ``save(cleaned_data)`` and go ``back`` (or to
    ``then(saved object)``)."""
    return pages.form_page(request, form, save, "contracts/form.html", done=done,
                           then=then or back, title=title, contract=contract, back=back,
                           intro=intro)


# --- list and contract ----------------------------------------------------------------

@territory_view(READ)
def index(request):
    rows = list(selectors.contracts(request.territory))
    return _page(request, "contracts/index.html", contracts=rows)


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def create(request):
    form = forms.ContractForm(request.POST or None, territory=request.territory)
    return _form_page(request, form, lambda d: services.save_contract(
        request.territory, user=request.user, **d),
        title=_("New contract"), done=_("Contract created as a draft."),
        back=reverse("contracts:index", kwargs={"territory": request.territory.slug}),
        then=_detail_url)


@_draft
def edit(request, contract):
    form = forms.ContractForm(request.POST or None, territory=request.territory,
                              initial=forms.ContractForm.initial_of(contract))
    return _form_page(request, form, lambda d: services.save_contract(
        request.territory, user=request.user, contract=contract, **d),
        title=_("Edit the contract"), done=_("Contract saved."), contract=contract,
        back=_detail_url(contract))


def _steps(contract):
    """``(target, button label, reasons)`` for each step out of the current status."""
    today = timezone.localdate()
    return [(target, STEP_LABELS[target](), services.refusals(contract, target, today))
            for target in rules.next_steps(contract.status)]


@territory_view(READ)
def detail(request, pk):
    contract = _contract(request, pk)
    overview = selectors.overview(contract)
    user, territory = request.user, request.territory
    partner_org = partner_organisation_id(territory, user)
    return _page(request, "contracts/detail.html", contract=contract, o=overview,
                 steps=_steps(contract), partner_org=partner_org,
                 editable=contract.status in services.EDITABLE,
                 amendable=contract.status in amendments.AMENDABLE,
                 amendments=[(a, amendments.shown_changes(a)) for a in selectors.amendments(contract)],
                 workshops_open=contract.status in services.WORKSHOPS_OPEN,
                 follow_up=contract.status in services.FOLLOW_UP,
                 underway=contract.status in services.UNDERWAY)


@territory_view(ENTER_CARDS)
@require_POST
def change_status(request, pk):
    contract = _contract(request, pk)
    target = request.POST.get("to", "")
    try:
        contract = services.change_status(contract, user=request.user, target=target)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The contract is now %(status)s.") % {
            "status": contract.get_status_display().lower()})
    return redirect(_detail_url(contract, "status"))


# --- parties, projects, commitments ---------------------------------------------------

def _party(request, contract, party_pk):
    return or_404(selectors.party(contract, party_pk), "No such party.")


@_draft
def party_form(request, contract, party=None):
    party = _party(request, contract, party) if party else None
    initial = forms.PartyForm.initial_of(party) if party else {}
    form = forms.PartyForm(request.POST or None, territory=request.territory, initial=initial)
    return _form_page(request, form, lambda d: services.save_party(
        contract, user=request.user, party=party, **d),
        title=_("Edit a party") if party else _("Add a party"), done=_("Party saved."),
        contract=contract, back=_detail_url(contract, "parties"),
        intro=_("A beneficiary is recorded under a pseudonym only: no real name, no "
                "organisation, nobody signing for them."))


@_draft
def party_remove(request, contract, party):
    party = _party(request, contract, party)
    if request.method == "POST":
        pages.act(request, lambda: services.remove_party(party, user=request.user),
                  done=_("Party removed."))
        return redirect(_detail_url(contract, "parties"))
    return _page(request, "contracts/confirm.html", contract=contract,
                 what=_("Remove %(name)s from the contract") % {"name": party.name},
                 explain=_("Its individual project and commitments are removed with it. The "
                           "change is recorded in the audit trail."))


@_draft
def project(request, contract, party):
    beneficiary = _party(request, contract, party)
    if not beneficiary.is_beneficiary:
        raise Http404("Only beneficiaries have an individual project.")
    existing = getattr(beneficiary, "project", None)
    initial = {"goals": existing.goals, "steps": existing.steps} if existing else {}
    form = forms.ProjectForm(request.POST or None, initial=initial)
    return _form_page(request, form, lambda d: services.save_project(
        contract, user=request.user, beneficiary=beneficiary, **d),
        title=_("Individual project of %(name)s") % {"name": beneficiary.name},
        done=_("Individual project saved."), contract=contract,
        back=_detail_url(contract, "projects"))


def _commitment(contract, pk) -> ContractCommitment:
    return or_404(selectors.commitments(contract).filter(pk=pk).first(), "No such commitment.")


@_draft
def commitment_form(request, contract, commitment=None):
    commitment = _commitment(contract, commitment) if commitment else None
    initial = forms.CommitmentForm.initial_of(commitment) if commitment else {
        "party": request.GET.get("party")}
    form = forms.CommitmentForm(request.POST or None, contract=contract, initial=initial)
    return _form_page(request, form, lambda d: services.save_commitment(
        contract, user=request.user, commitment=commitment, **d),
        title=_("Edit a commitment") if commitment else _("Add a commitment"),
        done=_("Commitment saved."), contract=contract,
        back=_detail_url(contract, "commitments"))


@territory_view(READ)
@require_http_methods(["GET", "POST"])
def outcome(request, pk, commitment):
    contract = _contract(request, pk)
    commitment = _commitment(contract, commitment)
    if not services.can_follow_up(request.territory, request.user, commitment.party):
        raise PermissionDenied
    form = forms.OutcomeForm(request.POST or None, initial={
        "outcome": commitment.outcome, "evidence": commitment.evidence})
    return _form_page(request, form, lambda d: services.record_outcome(
        commitment, user=request.user, **d),
        title=_("Outcome of a commitment"), done=_("Outcome recorded."), contract=contract,
        back=_detail_url(contract, "commitments"),
        intro=f"{commitment.party.name}: {commitment.what}")


# --- workshops and attendance ---------------------------------------------------------

def _workshop(contract, pk) -> Workshop:
    return or_404(selectors.workshop(contract, pk), "No such workshop.")


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def workshop_form(request, pk, workshop=None):
    contract = _contract(request, pk)
    workshop = _workshop(contract, workshop) if workshop else None
    initial = forms.WorkshopForm.initial_of(workshop) if workshop else {}
    form = forms.WorkshopForm(request.POST or None, contract=contract, initial=initial)
    return _form_page(request, form, lambda d: services.save_workshop(
        contract, user=request.user, workshop=workshop, **d),
        title=_("Edit a workshop") if workshop else _("Plan a workshop"),
        done=_("Workshop saved."), contract=contract, back=_detail_url(contract, "workshops"))


@territory_view(READ)
@require_http_methods(["GET", "POST"])
def attendance(request, pk, workshop):
    contract = _contract(request, pk)
    workshop = _workshop(contract, workshop)
    if not services.can_follow_up(request.territory, request.user, workshop.run_by):
        raise PermissionDenied
    expected = selectors.expected_parties(workshop)
    errors = []
    if request.method == "POST":
        try:
            services.record_attendance(workshop, user=request.user,
                                       present=[p for p in request.POST.getlist("present")
                                                if p.isdigit()])
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect(_detail_url(contract, "workshops"))
    marked = {a.party_id: a.present for a in workshop.attendance.all()}
    rows = [(p, marked.get(p.pk, False)) for p in expected]
    return _page(request, "contracts/attendance.html", contract=contract, workshop=workshop,
                 rows=rows, errors=errors, status=400 if errors else 200)


@territory_view(READ)
def summary(request, pk):
    contract = _contract(request, pk)
    overview = selectors.overview(contract)
    text = charts.summary(overview)
    return _page(request, "contracts/summary.html", contract=contract, o=overview,
                 summary=text, chart=charts.attendance_svg(overview, text))


# --- reviews and exit evaluations -----------------------------------------------------

@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def review(request, pk):
    contract = _contract(request, pk)
    form = forms.ReviewForm(request.POST or None, initial={"date": timezone.localdate()})
    return _form_page(request, form, lambda d: services.add_review(contract, user=request.user, **d),
                      title=_("Record a review"), done=_("Review recorded."), contract=contract,
                      back=_detail_url(contract, "reviews"))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def exit_evaluation(request, pk, party):
    contract = _contract(request, pk)
    beneficiary = _party(request, contract, party)
    if not beneficiary.is_beneficiary:
        raise Http404("Only beneficiaries have an exit evaluation.")
    existing = getattr(beneficiary, "exit_evaluation", None)
    initial = forms.ExitForm.initial_of(existing) if existing else {"date": timezone.localdate()}
    form = forms.ExitForm(request.POST or None, initial=initial)
    return _form_page(request, form, lambda d: services.save_exit(
        contract, user=request.user, beneficiary=beneficiary, **d),
        title=_("Exit evaluation of %(name)s") % {"name": beneficiary.name},
        done=_("Exit evaluation saved."), contract=contract, back=_detail_url(contract, "exits"))


# --- PDF ------------------------------------------------------------------------------

@require_safe
@territory_view(READ)
def pdf(request, pk):
    from cospiral.contracts import jobs
    from cospiral.core import pdfs

    contract = _contract(request, pk)
    return pdfs.respond(request, jobs.KIND,
                        params={"contract_id": contract.pk, "base_url": request.build_absolute_uri("/")},
                        filename=f"cospiral-contract-{request.territory.slug}-{contract.pk}.pdf")


# --- at the scale of the seed: lists, templates, signatures, amendments ---------------

@_draft
def beneficiaries(request, contract):
    form = forms.BeneficiariesForm(request.POST or None)
    back = _detail_url(contract, "parties")
    if request.method == "POST" and form.is_valid():
        try:
            added, empty = bulk.add_beneficiaries(contract, user=request.user,
                                                  text=form.cleaned_data["pseudonyms"],
                                                  signed_on=form.cleaned_data["signed_on"])
        except ValidationError as error:
            pages.form_error(form, error)
        else:
            messages.success(request, ngettext("%(n)s beneficiary added.",
                                               "%(n)s beneficiaries added.", len(added))
                             % {"n": len(added)})
            if empty:
                messages.info(request, ngettext(
                    "Line %(lines)s was empty and was skipped.",
                    "Lines %(lines)s were empty and were skipped.", len(empty))
                    % {"lines": bulk.lines_text(empty)})
            return redirect(back)
    return _page(request, "contracts/form.html", form=form, contract=contract, back=back,
                 title=_("Add beneficiaries"), status=400 if form.errors else 200,
                 intro=_("Paste or type the list of pseudonyms, one per line. Each becomes a "
                         "beneficiary of the contract; then write each one's individual "
                         "project."))


@_draft
def commitment_template(request, contract):
    form = forms.CommitmentTemplateForm(request.POST or None, contract=contract)
    return _form_page(request, form, lambda d: bulk.apply_commitment_template(
        contract, user=request.user, **d), done=_template_applied,
        contract=contract, back=_detail_url(contract, "commitments"),
        title=_("The same commitment for every beneficiary"),
        intro=_("One commitment written once, added for each beneficiary of the "
                "contract. Change any of them afterwards one by one."))


def _template_applied(result) -> str:
    added, skipped = result
    text = ngettext("%(n)s commitment added.", "%(n)s commitments added.", added) % {"n": added}
    if skipped:
        text += " " + ngettext(
            "%(n)s beneficiary already had it and was left as is.",
            "%(n)s beneficiaries already had it and were left as they are.",
            skipped) % {"n": skipped}
    return text


@_draft
def sign_all(request, contract):
    form = forms.SignAllForm(request.POST or None, initial={"date": timezone.localdate(),
                                                            "mark_signed": True})
    return _form_page(request, form, lambda d: bulk.sign_all(contract, user=request.user, **d),
                      done=lambda result: bulk.sign_all_message(result[1], result[0]),
                      contract=contract, back=_detail_url(contract, "status"),
                      title=_("Every party signs on one date"),
                      intro=_("The signature date of every party that has none yet, in one "
                              "form: as it happens when all parties sign together."))


@territory_view(ENTER_CARDS)
@require_http_methods(["GET", "POST"])
def amend(request, pk):
    contract = _contract(request, pk)
    if contract.status not in amendments.AMENDABLE:
        if contract.status in services.EDITABLE:
            return redirect("contracts:edit", territory=request.territory.slug, pk=contract.pk)
        return _page(request, "contracts/locked.html", contract=contract, amendable=False,
                     status=409)
    initial = {**forms.ContractForm.initial_of(contract), "date": timezone.localdate()}
    form = forms.AmendmentForm(request.POST or None, territory=request.territory,
                               initial=initial)
    return _form_page(request, form, lambda d: amendments.amend(contract, user=request.user, **d),
                      title=_("Amend the contract"), contract=contract,
                      done=_("Amendment recorded: the contract has a new version."),
                      back=_detail_url(contract, "amendments"),
                      intro=_("A signed contract is corrected or changed by an amendment: a "
                              "new version of the contract, with what changed and why, agreed "
                              "by the parties. Change the terms below and say why."))
