from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cospiral.grid.models import GridVersion


class GridImportForm(forms.Form):
    file = forms.FileField(
        label=_("Grid file"),
        help_text=_("CSV (UTF-8, Windows-1252 or UTF-16) or Excel workbook with the columns "
                    "code, label_fr, label_en, "
                    "description_fr, description_en, source: the format of the grid export."),
    )
    slug = forms.SlugField(label=_("Identifier"), max_length=80,
                           help_text=_("Short, unique name of the new version, e.g. my-grid-2027."))
    name = forms.CharField(label=_("Name"), max_length=200)
    based_on = forms.ModelChoiceField(
        label=_("Based on"), queryset=GridVersion.objects.order_by("slug"), required=False,
        to_field_name="slug", help_text=_("The version this one changes, if any."),
    )


class _TextsForm(forms.Form):
    label_fr = forms.CharField(label=_("Label in French"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Label in English"), max_length=200, required=False)
    description_fr = forms.CharField(label=_("Description in French"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    description_en = forms.CharField(label=_("Description in English"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if not (data.get("label_fr", "").strip() or data.get("label_en", "").strip()):
            self.add_error("label_fr", _("Give a label in French or in English."))
        return data

    def labels(self) -> dict:
        return {"fr": self.cleaned_data["label_fr"], "en": self.cleaned_data["label_en"]}

    def descriptions(self) -> dict:
        return {"fr": self.cleaned_data["description_fr"],
                "en": self.cleaned_data["description_en"]}


class LocalComponentForm(_TextsForm):
    family = forms.ChoiceField(label=_("Family"),
                               help_text=_("The new component gets the next free local code "
                                           "of this family, e.g. AL01."))

    field_order = ["family", "label_fr", "label_en", "description_fr", "description_en"]

    def __init__(self, *args, families=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family"].choices = [(f.code, f"{f.code} · {f.label()}") for f in families]


class LocalComponentEditForm(_TextsForm):
    pass
