"""Forms of the territory pages. Every form that chooses related objects is given the
territory and limits its querysets to it."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cospiral.core.audit_display import model_label
from cospiral.domain.territory_rules import free_identifier, identifier_from
from cospiral.grid.models import GridVersion
from cospiral.territories.models import Organisation, Phase, Role, Territory

LANGUAGE_CHOICES = [("fr", _("French")), ("en", _("English"))]


class TerritoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.slug})"


class TerritoryFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Territory.Kind.choices)
    parent = TerritoryChoiceField(
        label=_("Part of"), queryset=Territory.objects.none(), required=False,
        help_text=_("Optional: the territory this one belongs to, e.g. the city of a "
                    "neighbourhood. Only territories you coordinate are listed."),
        error_messages={"invalid_choice": _(
            "Choose a parent among the territories you coordinate.")},
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages in which people write. Tick at least one."),
        error_messages={"required": _("Tick at least one language.")},
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False)


class TerritoryCreateForm(TerritoryFieldsMixin):
    slug = forms.CharField(
        label=_("Identifier"), max_length=60, required=False,
        help_text=_("Short name used in addresses: lower-case letters, digits and "
                    "hyphens, e.g. mulhouse. Left empty, it is made from the name."),
        widget=forms.TextInput(attrs={"data-slug-from": "id_name", "autocomplete": "off"}),
    )
    grid_version = forms.ModelChoiceField(
        label=_("Grid version"), queryset=GridVersion.objects.all(),
        help_text=_("The classification grid this territory codes its criteria with."),
        error_messages={"required": _("Choose a grid version. A site administrator can "
                                      "import one if the list is empty.")},
    )

    field_order = ["name", "slug", "kind", "parent", "languages", "description", "grid_version"]

    def __init__(self, *args, parents=None, default_grid=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents if parents is not None else Territory.objects.none()
        self.fields["languages"].initial = ["fr", "en"]
        if default_grid is not None:
            self.fields["grid_version"].initial = default_grid.pk

    def clean(self):
        cleaned = super().clean()
        typed = (cleaned.get("slug") or "").strip()
        slug = identifier_from(typed or cleaned.get("name") or "")
        if not slug:
            self.add_error("slug", _("Give an identifier with at least one letter or digit."))
            return cleaned
        if Territory.objects.filter(slug=slug).exists():
            taken = Territory.objects.filter(slug__startswith=slug).values_list("slug", flat=True)
            self.add_error("slug", forms.ValidationError(
                _("The identifier “%(slug)s” is already used by another territory; "
                  "“%(free)s” is free."),
                params={"slug": slug, "free": free_identifier(slug, taken)},
            ))
            return cleaned
        cleaned["slug"] = slug
        return cleaned


class TerritoryEditForm(TerritoryFieldsMixin):
    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents if parents is not None else Territory.objects.none()
        self.fields["parent"].help_text = _(
            "Optional: the territory this one belongs to. It cannot be this territory or "
            "one inside it.")


class PhaseForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Phase.Status.choices)
    starts_on = forms.DateField(label=_("Starts on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                help_text=_("Format YYYY-MM-DD."))
    ends_on = forms.DateField(label=_("Ends on"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              help_text=_("On or after the start date."))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 5}))

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _(
                "The end date (%(end)s) is before the start date (%(start)s)."
            ) % {"end": date_format(end), "start": date_format(start)})
        return data


ROLE_FIELD_HELP = _("Coordinators manage everything; facilitators enter cards for their "
                    "groups; partners and observers read.")


class AddMemberForm(forms.Form):
    username = forms.CharField(label=_("Username of an existing account"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.FACILITATOR,
                             help_text=ROLE_FIELD_HELP)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is None:
            raise forms.ValidationError(
                _("No account is called “%(username)s”. Check the spelling, or create a "
                  "new account below."), params={"username": username})
        self.user = user
        return username


class NewAccountForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150,
        validators=[get_user_model().username_validator],
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    password = forms.CharField(
        label=_("Initial password"), strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not too common, not only digits. Give it to the "
                    "person, who can change it after signing in."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.FACILITATOR,
                             help_text=ROLE_FIELD_HELP)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organisation = forms.ChoiceField(
        label=_("Organisation"), required=False,
        help_text=_("The organisation this person speaks for: a partner updates its commitments."),
        error_messages={"invalid_choice": _("Choose an organisation of this territory.")})

    def __init__(self, *args, organisations=(), **kwargs):
        """``organisations``: the territory's organisations, read once for every row."""
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        self.fields["organisation"].choices = [("", _("(none)"))] + [
            (str(o.pk), o.name) for o in organisations]

    def clean_organisation(self):
        return self.organisations.get(self.cleaned_data.get("organisation") or "")


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Organisation"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices,
                             initial=Organisation.Kind.OTHER)


class SeatForm(forms.Form):
    person = forms.CharField(label=_("Person"), max_length=200, required=False,
                             help_text=_("Name or function, e.g. “deputy mayor”."))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False,
        error_messages={"invalid_choice": _(
            "Choose an organisation of this territory's coordination group.")},
    )
    role = forms.CharField(label=_("Role in the group"), max_length=200, required=False)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.of(territory)

    def clean(self):
        data = super().clean()
        if not data.get("person") and not data.get("organisation") and not self.errors:
            raise forms.ValidationError(_("A seat needs a person, an organisation, or both."))
        return data


class QuestionForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=12,
                           help_text=_("Your own code, e.g. Q5 (Q1–Q4 belong to the method)."))
    text_fr = forms.CharField(label=_("Question in French"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    text_en = forms.CharField(label=_("Question in English"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, method_question=False, **kwargs):
        super().__init__(*args, **kwargs)
        if method_question:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The method's questions keep their code.")

    def clean(self):
        data = super().clean()
        if not (data.get("text_fr") or "").strip() and not (data.get("text_en") or "").strip():
            raise forms.ValidationError(
                _("Write the question in at least one language (French or English)."))
        return data

    def texts(self) -> dict:
        return {"fr": self.cleaned_data.get("text_fr", ""), "en": self.cleaned_data.get("text_en", "")}


class AuditFilterForm(forms.Form):
    type = forms.ChoiceField(label=_("Object type"), required=False)

    def __init__(self, *args, models=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All"))] + sorted(
            ((m, model_label(m)) for m in models), key=lambda choice: str(choice[1]).casefold())
