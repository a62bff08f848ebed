"""Forms of the synthesis pages. The cards a sentence or a shared criterion sums up are
checkboxes rendered by the templates (name ``cards``) and checked by the services, which
name each wrong card and why."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cospiral.cards.selectors import allowed_languages
from cospiral.grid.selectors import components_for
from cospiral.syntheses.models import SharedCriterion
from cospiral.syntheses.services import MAX_INTRODUCTION_CHARS, MAX_TEXT_CHARS


def _language_field(territory, label):
    return forms.ChoiceField(label=label, choices=[(c, c) for c in allowed_languages(territory)])


class SentenceForm(forms.Form):
    text = forms.CharField(label=_("Sentence"), max_length=MAX_TEXT_CHARS,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("One idea of the group, in its own words where possible."))

    # When the editor opened the sentence: a change by someone else since is a conflict.
    seen = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"] = _language_field(territory, _("Language of the sentence"))


class CriterionForm(forms.Form):
    component = forms.ChoiceField(label=_("Component"))
    text = forms.CharField(label=_("Shared criterion"), max_length=MAX_TEXT_CHARS,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Understandable and transferable: a criterion of well-being "
                                       "for all that the groups share."))
    nature = forms.ChoiceField(
        label=_("Material or immaterial"), required=False,
        choices=[("", _("Not said yet")), *SharedCriterion.Nature.choices],
        help_text=_("Material: means, goods, services, places (housing, income, transport). "
                    "Immaterial: relations, feelings, values, recognition (trust, respect, "
                    "being listened to)."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [
            (str(c.pk), f"{c.code} · {c.label()}") for c in components_for(territory, include_sub_objects=True)
        ]
        self.fields["language"] = _language_field(territory, _("Language of the criterion"))


class ValidationForm(forms.Form):
    validated_on = forms.DateField(
        label=_("Validated on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The date of the meeting at which the synthesis was validated."))
    uncited_note = forms.CharField(
        label=_("How the cards not in the synthesis were handled"), required=False,
        max_length=MAX_TEXT_CHARS, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when some cards are in no sentence: for example kept as "
                    "minority ideas for the next meeting, off the subject, or said by "
                    "another sentence. It is shown with the validation."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"validated_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class IntroductionForm(forms.Form):
    introduction = forms.CharField(
        label=_("Introduction"), required=False, max_length=MAX_INTRODUCTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What this definition is, who wrote it and how: printed before its "
                    "criteria. Leave empty to remove it."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"] = _language_field(territory, _("Language of the introduction"))
