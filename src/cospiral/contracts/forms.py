"""Forms of the contract pages. Choices come from the contract and its territory; the
services check everything again (same territory, same contract, status, who may)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cospiral.contracts import selectors
from cospiral.contracts.bulk import FROM_EACH, TOWARDS_EACH
from cospiral.contracts.models import ContractCommitment, ContractParty, ExitEvaluation, Workshop
from cospiral.contracts.services import MAX_PSEUDONYM, MAX_TEXT, MAX_TITLE
from cospiral.domain import contracts as rules


def _date(label, required=False, help_text=""):
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _area(label, required=False, rows=3, help_text=""):
    return forms.CharField(label=label, required=required, max_length=MAX_TEXT,
                           help_text=help_text, widget=forms.Textarea(attrs={"rows": rows}))


class PartyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}"


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    purpose = _area(_("Purpose"), help_text=_("What the parties want to achieve together."))
    action = forms.ModelChoiceField(label=_("Action of the plan"), required=False, queryset=None,
                                    empty_label=_("(none)"))
    starts_on = _date(_("Starts"), help_text=_("Contracts usually run 8 to 12 months."))
    ends_on = _date(_("Ends"))
    review_every_months = forms.IntegerField(label=_("Review every (months)"), min_value=1,
                                             max_value=24, initial=3)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        from cospiral.actions.models import Action

        self.fields["action"].queryset = Action.objects.of(territory).alive()

    @staticmethod
    def initial_of(contract):
        return {"title": contract.title, "purpose": contract.purpose,
                "action": contract.action_id, "starts_on": contract.starts_on,
                "ends_on": contract.ends_on,
                "review_every_months": contract.review_every_months}


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of party"), choices=ContractParty.Kind.choices)
    pseudonym = forms.CharField(
        label=_("Pseudonym"), required=False, max_length=MAX_PSEUDONYM,
        help_text=_("Beneficiaries only. Never write a real name: the contract is printed "
                    "and shared."))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=None, empty_label=_("(none)"),
        help_text=_("Service providers and the city: an organisation of the territory."))
    representative = forms.CharField(
        label=_("Represented by"), required=False, max_length=MAX_TITLE,
        help_text=_("Who signs for the organisation, and their function."))
    signed_on = _date(_("Signed on"), help_text=_("Leave empty until the party signs."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = selectors.organisations(territory)

    @staticmethod
    def initial_of(party):
        return {"kind": party.kind, "pseudonym": party.pseudonym,
                "organisation": party.organisation_id, "representative": party.representative,
                "signed_on": party.signed_on}


class ProjectForm(forms.Form):
    goals = _area(_("Goals"), required=True, rows=4,
                  help_text=_("What the beneficiary wants to reach, in their words."))
    steps = _area(_("Steps"), rows=4, help_text=_("How, and with whom."))


class CommitmentForm(forms.Form):
    party = PartyChoice(label=_("Party committing"), queryset=None)
    what = _area(_("What the party commits to"), required=True)
    towards = PartyChoice(label=_("Towards (reciprocal party)"), required=False, queryset=None,
                          empty_label=_("(all parties)"))
    due_on = _date(_("Due"))

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = selectors.parties(contract)
        self.fields["towards"].queryset = selectors.parties(contract)

    @staticmethod
    def initial_of(c):
        return {"party": c.party_id, "what": c.what, "towards": c.towards_id, "due_on": c.due_on}


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False,
        choices=[("", _("Not known yet"))] + list(ContractCommitment.Outcome.choices))
    evidence = _area(_("Evidence of the outcome"))


class WorkshopForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of workshop"), choices=Workshop.Kind.choices)
    topic = forms.CharField(label=_("Topic"), max_length=MAX_TITLE,
                            help_text=_("For example managing a budget, self-confidence."))
    date = _date(_("Date"), required=True)
    place = forms.CharField(label=_("Place"), required=False, max_length=MAX_TITLE)
    facilitator = forms.CharField(label=_("Facilitated by"), required=False, max_length=MAX_TITLE)
    run_by = PartyChoice(label=_("Party running it"), required=False, queryset=None,
                         empty_label=_("(none)"),
                         help_text=_("The partners of its organisation may record the attendance."))
    beneficiary = PartyChoice(label=_("Beneficiary (individual workshop only)"), required=False,
                              queryset=None, empty_label=_("(none)"))
    notes = _area(_("Notes"))

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = selectors.parties(contract)
        self.fields["run_by"].queryset = everyone.exclude(kind=rules.BENEFICIARY)
        self.fields["beneficiary"].queryset = everyone.filter(kind=rules.BENEFICIARY)

    @staticmethod
    def initial_of(w):
        return {"kind": w.kind, "topic": w.topic, "date": w.date, "place": w.place,
                "facilitator": w.facilitator, "run_by": w.run_by_id,
                "beneficiary": w.beneficiary_id, "notes": w.notes}


class ReviewForm(forms.Form):
    date = _date(_("Date of the review"), required=True)
    notes = _area(_("What was said"), rows=4)
    decisions = _area(_("Decisions"), rows=3)


class ExitForm(forms.Form):
    date = _date(_("Date"), required=True)
    goals_reached = forms.ChoiceField(label=_("Goals of the individual project"),
                                      choices=ExitEvaluation.Goals.choices)
    outcome = _area(_("Where the beneficiary stands"), required=True, rows=4,
                    help_text=_("Training, job, housing, confidence... as the beneficiary "
                                "and the providers see it."))
    notes = _area(_("Notes"))

    @staticmethod
    def initial_of(e):
        return {"date": e.date, "goals_reached": e.goals_reached, "outcome": e.outcome,
                "notes": e.notes}


class BeneficiariesForm(forms.Form):
    pseudonyms = forms.CharField(
        label=_("Pseudonyms, one per line"), max_length=20 * MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 12, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("One beneficiary per line, under a pseudonym only: never a real name (the "
                    "contract is printed and shared). Empty lines are skipped; a name given "
                    "twice is refused with its line."))
    signed_on = _date(_("Signed on"), help_text=_("Leave empty until they sign."))


class CommitmentTemplateForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Who commits"), widget=forms.RadioSelect, initial=FROM_EACH,
        choices=[(FROM_EACH, _("Each beneficiary commits (towards the party below, if any)")),
                 (TOWARDS_EACH, _("The party below commits towards each beneficiary"))])
    what = _area(_("What is committed to"), required=True)
    party = PartyChoice(label=_("Party"), required=False, queryset=None,
                        empty_label=_("(none)"),
                        help_text=_("A provider, the city or another partner."))
    due_on = _date(_("Due"))

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = selectors.parties(contract).exclude(kind=rules.BENEFICIARY)


class SignAllForm(forms.Form):
    date = _date(_("Date of the signatures"), required=True)
    overwrite = forms.BooleanField(
        label=_("Also change the parties who already have a signature date"), required=False)
    mark_signed = forms.BooleanField(
        label=_("Then mark the contract as signed"), required=False, initial=True,
        help_text=_("Only if every condition is met; otherwise nothing is saved and every "
                    "reason is given."))


class AmendmentForm(ContractForm):
    date = _date(_("Agreed on"), required=True,
                 help_text=_("The day the parties agreed the amendment."))
    reason = _area(_("Why"), required=True,
                   help_text=_("What the amendment corrects or changes, and why."))

    field_order = ["date", "reason", "title", "purpose", "action", "starts_on", "ends_on",
                   "review_every_months"]
