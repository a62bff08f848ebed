"""The form of an existing action and its evaluation. Choices come from the territory
(its grid's families, organisations, cycles); the services check everything again, so a
page, the demo or an import share one set of rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cospiral.domain import evaluation as ev
from cospiral.existing_actions import selectors
from cospiral.existing_actions.models import QUESTION_HELP, QUESTION_LABELS, SCALE_LABELS
from cospiral.existing_actions.services import MAX_CARRIED_BY_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS


def scale_choices():
    return [("", _("not assessed"))] + [
        (str(v), f"{v} · {SCALE_LABELS[v]}") for v in ev.SCALE]


class ActionForm(forms.Form):
    name = forms.CharField(label=_("Name of the action or programme"), max_length=MAX_NAME_CHARS)
    description = forms.CharField(label=_("Description"), required=False, max_length=MAX_TEXT_CHARS,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    carried_by = forms.CharField(
        label=_("Carried by"), required=False, max_length=MAX_CARRIED_BY_CHARS,
        help_text=_("The organisation(s) running it, as people name them."))
    organisation = forms.ModelChoiceField(
        label=_("Organisation of the territory"), required=False, queryset=None,
        empty_label=_("(none)"),
        help_text=_("When it is run by an organisation of the coordination group."))
    cycle = forms.ModelChoiceField(label=_("Cycle"), required=False, queryset=None,
                                   empty_label=_("(none)"),
                                   help_text=_("The cycle in which it was evaluated."))
    families = forms.MultipleChoiceField(
        label=_("Families of well-being it covers"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The families of the territory's grid the action addresses. Their number "
                    "is shown beside the scores, not mixed into the total."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        families = selectors.families(territory)
        codes = ", ".join(f.code for f in families) or "—"
        field = self.fields["families"]
        field.choices = [(f.code, f"{f.code} · {f.label}") for f in families]
        # Django fills in %(value)s; the list of families is put in here.
        field.error_messages["invalid_choice"] = gettext(
            "“%(value)s” is not a family of this territory's grid. The families are %(known)s."
        ).replace("%(known)s", codes)
        self.fields["organisation"].queryset = selectors.organisations(territory)
        self.fields["cycle"].queryset = selectors.cycles(territory)
        for q in ev.QUESTIONS:
            self.fields[f"{q}_score"] = forms.TypedChoiceField(
                label=QUESTION_LABELS[q], required=False, choices=scale_choices(),
                coerce=int, empty_value=None, help_text=QUESTION_HELP[q],
                error_messages={"invalid_choice": _(
                    "“%(value)s” is not on the scale: choose a score from 0 (not at all) to 4 "
                    "(fully), or “not assessed”.")})
            self.fields[f"{q}_note"] = forms.CharField(
                label=_("Why this score"), required=False, max_length=MAX_TEXT_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}))

    def question_fields(self):
        """``(key, label, score field, note field)`` for the template, one per question."""
        return [(q, QUESTION_LABELS[q], self[f"{q}_score"], self[f"{q}_note"])
                for q in ev.QUESTIONS]

    def main_fields(self):
        return [self[name] for name in ("name", "description", "carried_by", "organisation",
                                        "cycle", "families")]

    @staticmethod
    def initial_of(action) -> dict:
        initial = {
            "name": action.name, "description": action.description,
            "carried_by": action.carried_by, "organisation": action.organisation_id,
            "cycle": action.cycle_id, "families": list(action.families),
        }
        for q in ev.QUESTIONS:
            score = getattr(action, f"{q}_score")
            initial[f"{q}_score"] = "" if score is None else str(score)
            initial[f"{q}_note"] = getattr(action, f"{q}_note")
        return initial

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"], "description": data["description"],
            "carried_by": data["carried_by"], "organisation": data["organisation"],
            "cycle": data["cycle"], "families": data["families"],
            "scores": {q: data[f"{q}_score"] for q in ev.QUESTIONS},
            "notes": {q: data[f"{q}_note"] for q in ev.QUESTIONS},
        }
