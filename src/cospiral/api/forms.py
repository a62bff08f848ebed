from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cospiral.territories.models import Membership, Role


class KeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the key is for, e.g. “city open-data portal”."))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.OBSERVER,
                             help_text=_("Observer and partner keys read; coordinator and "
                                         "facilitator keys may also write cards."))
    acts_for = forms.ModelChoiceField(
        label=_("Acts for"), queryset=get_user_model().objects.none(), required=False,
        help_text=_("The member whose rights the key uses (its role is never higher than "
                    "theirs). Empty: you."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        ids = Membership.objects.of(territory).values_list("user_id", flat=True)
        self.fields["acts_for"].queryset = get_user_model().objects.filter(
            pk__in=ids).order_by("username")
