from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class NetworkForm(forms.Form):
    slug = forms.SlugField(label=_("Identifier"), max_length=60,
                           help_text=_("Short name used in addresses, e.g. alsace-network."))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MemberForm(forms.Form):
    territory = forms.SlugField(label=_("Territory"), help_text=_("A territory you coordinate."))


class CharterForm(forms.Form):
    text_fr = forms.CharField(label=_("Text in French"), required=False,
                              widget=forms.Textarea(attrs={"rows": 8, "lang": "fr"}))
    text_en = forms.CharField(label=_("Text in English"), required=False,
                              widget=forms.Textarea(attrs={"rows": 8, "lang": "en"}))
    published_on = forms.DateField(
        label=_("Adopted on"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day this version was adopted: today if left empty, or an earlier "
                    "day to record the network's history."))



class SignForm(forms.Form):
    territory = forms.SlugField(label=_("Territory"))
    charter = forms.IntegerField(label=_("Charter version"), min_value=1)
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    review_on = forms.DateField(label=_("Review on"), widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("When the territory reviews its commitments."))
    signed_by = forms.CharField(label=_("Signed by"), max_length=200,
                                help_text=_("The person who signed, and their office."))
    commitments = forms.CharField(label=_("Commitments"), widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What the territory commits to in signing."))


class SynthesisForm(forms.Form):
    question = forms.CharField(label=_("Question"), required=False, max_length=20)
    profile = forms.CharField(label=_("Group profile"), required=False, max_length=200)


class MappingForm(forms.Form):
    from_version = forms.ModelChoiceField(label=_("From grid version"), queryset=None)
    to_version = forms.ModelChoiceField(label=_("To grid version"), queryset=None)
    file = forms.FileField(label=_("Mapping file (CSV or XLSX)"),
                           help_text=_("Columns from_code and to_code: each component code of the "
                                       "first version and the code it becomes in the second."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from cospiral.grid.models import GridVersion

        for name in ("from_version", "to_version"):
            self.fields[name].queryset = GridVersion.objects.order_by("name")
