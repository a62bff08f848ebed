from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cospiral.territories.models import Role, Territory


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("At least 8 characters, not only digits, not a "
                                            "common password."))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ: type the same one twice."))
        return data


class UsernameMixin(forms.Form):
    username = forms.RegexField(
        label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        help_text=_("Letters, digits and . @ + - _ only."),
        error_messages={"invalid": _("Use only letters, digits and . @ + - _ in a username.")})


class SetupForm(UsernameMixin, PasswordPairMixin):
    email = forms.EmailField(label=_("E-mail address"), required=False,
                             help_text=_("Optional: for password resets."))
    territory_name = forms.CharField(label=_("Name of the first territory"), max_length=200)
    territory_slug = forms.SlugField(
        label=_("Identifier of the territory"), max_length=60,
        help_text=_("Short name used in addresses: lower-case letters, digits and hyphens, "
                    "e.g. mulhouse."))
    territory_kind = forms.ChoiceField(label=_("Kind of territory"), choices=Territory.Kind.choices)

    field_order = ["username", "email", "password1", "password2", "territory_name",
                   "territory_slug", "territory_kind"]

    def clean_territory_slug(self):
        return self.cleaned_data["territory_slug"].lower()


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.OBSERVER)


class AcceptForm(UsernameMixin, PasswordPairMixin):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}),
        help_text=_("The six digits the app shows now."))
