from django import forms
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 20_000


class ReviewForm(forms.Form):
    lessons_learnt = forms.CharField(
        label=_("Lessons learnt"), required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What worked, what did not, what the territory would do differently."))
    what_next = forms.CharField(
        label=_("What comes next"), required=False, max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The plan for the next cycle: groups, indicators, actions to carry on."))


class ElectedMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    mandate = forms.CharField(label=_("Mandate"), max_length=200, required=False,
                              help_text=_("For example “Deputy mayor for social cohesion”."))
    axis = forms.ModelChoiceField(
        label=_("Responsible for"), queryset=None, required=False,
        empty_label=_("The whole approach"),
        help_text=_("The whole approach, or one strategic axis of the plan."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        from cospiral.actions.models import Axis

        self.fields["axis"].queryset = Axis.objects.of(territory).order_by("position", "code", "id")
