"""Forms of the coding pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ValidationForm(forms.Form):
    validated_on = forms.DateField(
        label=_("Validated by the group on"), initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the group read and approved the coding of its cards."),
    )
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Optional: what the group said or changed."))
