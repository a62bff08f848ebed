"""Forms of the synthesis pages. The cards a sentence or a shared criterion sums up are
checkboxes rendered by the templates (name ``cards``) and checked by the services, which
name each wrong card and why."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cospiral.criteria.selectors import allowed_languages
from cospiral.grid.selectors import components_for
from cospiral.syntheses.services import MAX_TEXT_CHARS


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

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"validated_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
