"""Forms of the prioritisation pages. The services check everything again; the forms
turn the posted fields into values and put each error on its field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cospiral.domain import votes as rules
from cospiral.votes import selectors
from cospiral.votes.models import Round
from cospiral.votes.services import MAX_LABEL_CHARS, MAX_TOKENS_AT_ONCE


class CandidateChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("What the vote decides and how its result will be used."))
    method = forms.ChoiceField(label=_("Method"), choices=Round.Method.choices,
                               widget=forms.RadioSelect, initial=rules.DOT)
    dots_per_voter = forms.IntegerField(
        label=_("Dots per voter"), required=False, min_value=1, max_value=rules.MAX_DOTS,
        initial=5, help_text=_("Dot vote only: how many dots each voter places."))
    cap_per_candidate = forms.IntegerField(
        label=_("Most dots on one action"), required=False, min_value=1, max_value=rules.MAX_DOTS,
        help_text=_("Dot vote only: leave empty to let a voter put all their dots on one action."))
    electorate = forms.ChoiceField(
        label=_("Who votes"), choices=Round.Electorate.choices, widget=forms.RadioSelect,
        initial=Round.Electorate.COORDINATION,
        help_text=_("The coordination group: the territory's coordinators, facilitators and "
                    "partners, each signed in. Citizens: each with a personal link made on "
                    "the round's page, without an account."))
    candidates = CandidateChoices(
        label=_("Actions to prioritise"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("At least two of the territory's actions."),
        error_messages={"invalid_choice": _(
            "Action #%(value)s is not an action of this territory, or it is deleted.")})

    FROZEN = ("method", "dots_per_voter", "cap_per_candidate", "electorate", "candidates")

    def __init__(self, *args, territory, round: Round | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = selectors.eligible_actions(territory)
        self.frozen = round is not None and round.opened_at is not None
        if self.frozen:
            # Frozen candidates stay listed even if an action was deleted since.
            self.fields["candidates"].queryset = round.candidates.filter(territory=territory)
            for name in self.FROZEN:
                self.fields[name].disabled = True

    @staticmethod
    def initial_of(round: Round) -> dict:
        return {"title": round.title, "description": round.description, "method": round.method,
                "dots_per_voter": round.dots_per_voter,
                "cap_per_candidate": round.cap_per_candidate, "electorate": round.electorate,
                "candidates": [a.pk for a in selectors.candidates(round)]}

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["candidates"] = list(data["candidates"])
        return data


class TokensForm(forms.Form):
    count = forms.IntegerField(label=_("Number of links"), min_value=1,
                               max_value=MAX_TOKENS_AT_ONCE, initial=20)
    label = forms.CharField(label=_("Note (optional)"), required=False,
                            max_length=MAX_LABEL_CHARS,
                            help_text=_("For example the place or the day they are handed out; "
                                        "never shown in the results."))
