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
