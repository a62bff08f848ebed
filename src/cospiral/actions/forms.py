"""Forms of the plan's pages. Choices come from the territory; the services check
everything again (same territory, Q3/Q4 cards, cycles, ranges), so their clear messages
reach the page through one code path."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cospiral.actions import selectors
from cospiral.actions.models import Action, Commitment, Target
from cospiral.actions.services import MAX_TEXT_CHARS, MAX_TITLE_CHARS
from cospiral.core.forms import UploadForm
from cospiral.domain import evaluation as ev
from cospiral.domain import plan
from cospiral.existing_actions.models import QUESTION_HELP, QUESTION_LABELS, SCALE_LABELS


def _date(label, help_text=""):
    return forms.DateField(label=label, required=False, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from django.utils.translation import get_language

        return f"{obj.code} v{obj.version} · {obj.title(get_language() or 'fr')}"


class AxisForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=12, help_text=_("For example 1, 2, 3."))
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE_CHARS)
    description = forms.CharField(label=_("Description"), required=False,
                                  max_length=MAX_TEXT_CHARS,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0, required=False,
                                  help_text=_("Axes are listed by position, then code."))
    cycle = forms.ModelChoiceField(label=_("Cycle"), required=False, queryset=None,
                                   empty_label=_("(none)"))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = selectors.cycles(territory)


TEST_FIELD_LABELS = {
    "starts_at_once": _("Starts at once"),
    "quick_results": _("First results within about three months"),
    "crosses_barriers": _("Crosses institutional barriers"),
    "addresses_extreme": _("Addresses an extreme situation"),
}


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE_CHARS)
    description = forms.CharField(label=_("Description"), required=False,
                                  max_length=MAX_TEXT_CHARS,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    axis = forms.ModelChoiceField(label=_("Strategic axis"), required=False, queryset=None,
                                  empty_label=_("(none)"),
                                  help_text=_("A sub-action belongs to its parent's axis."))
    parent = ActionChoiceField(label=_("Part of the action"), required=False, queryset=None,
                               empty_label=_("(none: a main action)"),
                               help_text=_("Makes this a sub-action. An action cannot be part "
                                           "of itself or of one of its sub-actions."))
    lead = forms.ModelChoiceField(label=_("Lead organisation"), required=False, queryset=None,
                                  empty_label=_("(none)"))
    cycle = forms.ModelChoiceField(label=_("Cycle"), required=False, queryset=None,
                                   empty_label=_("(none)"))
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices,
                               initial=Action.Status.PROPOSED)
    progress = forms.IntegerField(
        label=_("Progress (%)"), required=False, min_value=0, max_value=100,
        help_text=_("Leave empty for “not measured” (not the same as 0 %). Proposed and "
                    "selected actions are not measured, planned ones are at 0 %, done ones "
                    "at 100 %: the status sets it. Running and abandoned actions keep the "
                    "value measured."))
    starts_on = _date(_("Starts"))
    ends_on = _date(_("Ends"), _("On or after the start date."))
    review_on = _date(_("Next review"),
                      _("Seven days before, the review appears on the coordinator's page."))
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0, required=False)
    families = forms.MultipleChoiceField(label=_("Families of well-being it covers"),
                                         required=False, widget=forms.CheckboxSelectMultiple)
    demonstrative = forms.BooleanField(
        label=_("Demonstrative action"), required=False,
        help_text=_("Only when it passes the four tests below."))

    def __init__(self, *args, territory, action=None, **kwargs):
        super().__init__(*args, **kwargs)
        from cospiral.existing_actions.selectors import families

        self.fields["axis"].queryset = selectors.axes(territory)
        parents = selectors.actions(territory).order_by("title", "id")
        if action is not None:
            parents = parents.exclude(pk=action.pk)
        self.fields["parent"].queryset = parents
        self.fields["lead"].queryset = selectors.organisations(territory)
        self.fields["cycle"].queryset = selectors.cycles(territory)
        self.fields["families"].choices = [(f.code, f"{f.code} · {f.label}")
                                           for f in families(territory)]
        for t in plan.DEMONSTRATIVE_TESTS:
            self.fields[t] = forms.TypedChoiceField(
                label=TEST_FIELD_LABELS[t], required=False,
                choices=[("", _("not assessed")), ("yes", _("passes")), ("no", _("fails"))],
                coerce=lambda v: v == "yes", empty_value=None)
        for q in ev.QUESTIONS:
            self.fields[q] = forms.TypedChoiceField(
                label=QUESTION_LABELS[q], required=False, help_text=QUESTION_HELP[q],
                choices=[("", _("not assessed"))] + [(str(v), f"{v} · {SCALE_LABELS[v]}")
                                                     for v in ev.SCALE],
                coerce=int, empty_value=None)

    def main_fields(self):
        return [self[n] for n in ("title", "description", "axis", "parent", "lead", "cycle",
                                  "status", "progress", "starts_on", "ends_on", "review_on",
                                  "position")]

    def test_fields(self):
        return [self["demonstrative"], *(self[t] for t in plan.DEMONSTRATIVE_TESTS)]

    def question_fields(self):
        return [self[q] for q in ev.QUESTIONS]

    @staticmethod
    def initial_of(a: Action) -> dict:
        initial = {name: getattr(a, name) for name in (
            "title", "description", "status", "progress", "starts_on", "ends_on", "review_on",
            "position", "demonstrative")}
        for t in plan.DEMONSTRATIVE_TESTS:
            value = getattr(a, t)
            initial[t] = "" if value is None else "yes" if value else "no"
        initial.update(axis=a.axis_id, parent=a.parent_id, lead=a.lead_id, cycle=a.cycle_id,
                       families=list(a.families))
        for q in ev.QUESTIONS:
            value = getattr(a, q)
            initial[q] = "" if value is None else str(value)
        return initial

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        kwargs = {name: d[name] for name in (
            "title", "description", "axis", "parent", "lead", "cycle", "families", "starts_on",
            "ends_on", "review_on", "demonstrative", "status", "progress",
            *plan.DEMONSTRATIVE_TESTS)}
        kwargs["position"] = d["position"] or 0
        kwargs["scores"] = {q: d[q] for q in ev.QUESTIONS}
        return kwargs


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), required=False, min_value=0,
                                  max_value=100,
                                  help_text=_("Empty: not measured. The status sets it unless "
                                              "the action is running or abandoned."))


class _SourceForm(forms.Form):
    """A new action from what it comes from: the field ``source``, whose choices are
    ``sources(territory)``, first, then the action's title, description and axis."""

    source: str
    title = forms.CharField(label=_("Title of the action"), max_length=MAX_TITLE_CHARS)
    description = forms.CharField(label=_("Description"), required=False,
                                  max_length=MAX_TEXT_CHARS,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    axis = forms.ModelChoiceField(label=_("Strategic axis"), required=False, queryset=None,
                                  empty_label=_("(none)"))

    @staticmethod
    def sources(territory):
        """The rows of ``territory`` the field ``source`` offers: each subclass names its
        own (this form is never used as it is)."""
        raise NotImplementedError("A subclass of _SourceForm names its sources.")

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = selectors.axes(territory)
        self.fields[self.source].queryset = self.sources(territory)
        self.order_fields([self.source, "title", "description", "axis"])


class FromCardsForm(_SourceForm):
    cards = forms.ModelMultipleChoiceField(
        label=_("Cards it comes from"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Card #%(value)s is not a card of this territory."),
                        "invalid_pk_value": _("“%(pk)s” is not a card number.")})
    source = "cards"

    @staticmethod
    def sources(territory):
        from cospiral.cards.models import Card

        # Any card of the territory validates here; the service says why a card that does
        # not answer Q3 or Q4 cannot start an action.
        return Card.objects.of(territory)


class FromPilotIdeaForm(_SourceForm):
    group = forms.ModelChoiceField(label=_("Group whose pilot idea it is"), queryset=None,
                                   error_messages={"invalid_choice": _(
                                       "Choose a group of this territory.")})
    source = "group"
    sources = staticmethod(selectors.groups)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, territory=territory, **kwargs)
        self.fields["title"].label = _("The pilot idea, in a few words")
        self.fields["description"].label = _("The idea as the group put it")


class FromIndicatorForm(_SourceForm):
    indicator = IndicatorChoiceField(label=_("Indicator the action answers"), queryset=None,
                                     error_messages={"invalid_choice": _(
                                         "Choose an indicator of this territory.")})
    source = "indicator"
    sources = staticmethod(selectors.indicators)


class MilestoneForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"},
                                                                 format="%Y-%m-%d"))
    title = forms.CharField(label=_("Milestone"), max_length=MAX_TITLE_CHARS)
    note = forms.CharField(label=_("What happened"), required=False, max_length=MAX_TEXT_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2}))
    reached = forms.BooleanField(label=_("Reached"), required=False)


class TargetForm(forms.Form):
    indicator = IndicatorChoiceField(label=_("Indicator"), queryset=None)
    measure = forms.ChoiceField(label=_("Measure"), choices=Target.Measure.choices,
                                initial=Target.Measure.HIGH_SHARE)
    baseline_wave = forms.ModelChoiceField(
        label=_("Baseline survey wave"), required=False, queryset=None, empty_label=_("(none)"),
        help_text=_("Leave the baseline empty to take it from this wave's results."))
    baseline = forms.FloatField(label=_("Baseline"), required=False)
    target_value = forms.FloatField(label=_("Target"),
                                    help_text=_("Shares and score from 0 to 100, median from 1 "
                                                "to 5."))
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_TEXT_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = selectors.indicators(territory)
        self.fields["baseline_wave"].queryset = selectors.waves(territory)


class OutcomeForm(forms.Form):
    accepted_on = _date(_("Accepted"))
    signed_on = _date(_("Signed"), _("On or after the date it was accepted."))
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("pending"))] + list(Commitment.Outcome.choices),
                                help_text=_("Once the commitment is accepted."))
    evidence = forms.CharField(label=_("Evidence of the outcome"), required=False,
                               max_length=MAX_TEXT_CHARS,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("What shows it: a report, an invoice, an attendance "
                                           "sheet…"))


class CommitmentForm(OutcomeForm):
    party_kind = forms.ChoiceField(label=_("Who commits"), choices=Commitment.PartyKind.choices)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=None, empty_label=_("(none)"),
        error_messages={"invalid_choice": _("Choose an organisation of this territory.")})
    group = forms.ModelChoiceField(
        label=_("Group"), required=False, queryset=None, empty_label=_("(none)"),
        error_messages={"invalid_choice": _("Choose a group of this territory.")})
    person = forms.CharField(label=_("Person"), required=False, max_length=200,
                             help_text=_("Name or function, when a person commits."))
    what = forms.CharField(label=_("What the party commits to"), max_length=MAX_TEXT_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2}))
    resource = forms.ChoiceField(label=_("Resource"), choices=Commitment.Resource.choices,
                                 initial=Commitment.Resource.TIME)
    amount = forms.DecimalField(label=_("Amount"), required=False, min_value=0,
                                max_digits=14, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=30,
                           help_text=_("For example €, hours, m², days."))
    due_on = _date(_("Due"))

    field_order = ["party_kind", "organisation", "group", "person", "what", "resource",
                   "amount", "unit", "due_on", "accepted_on", "signed_on", "outcome", "evidence"]

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = selectors.organisations(territory)
        self.fields["group"].queryset = selectors.groups(territory)

    @staticmethod
    def initial_of(c: Commitment) -> dict:
        return {name: getattr(c, name) for name in (
            "party_kind", "person", "what", "resource", "amount", "unit", "due_on",
            "accepted_on", "signed_on", "outcome", "evidence")} | {
            "organisation": c.organisation_id, "group": c.group_id}


class PlanImportForm(UploadForm):
    """A file of actions or of commitments, as the plan's export writes them."""

    kind = forms.ChoiceField(
        label=_("The file holds"), widget=forms.RadioSelect,
        choices=[("actions", _("actions")), ("commitments", _("commitments"))],
        initial="actions")
    file = forms.FileField(label=_("File (CSV or Excel .xlsx)"),
                           help_text=_("One action or commitment per line, with the columns "
                                       "described below."))
