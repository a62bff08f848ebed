"""Filter forms of the statistics pages (GET). Choices are limited to the page's
territory, or to the territories the reader has a role in."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cospiral.stats import selectors


class GroupChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.profile})" if obj.profile else obj.name


def _question_choices(territory):
    return [("", _("All questions"))] + [
        (q.code, f"{q.code} · {q.text()}") for q in selectors.questions(territory)]


class QuestionForm(forms.Form):
    question = forms.ChoiceField(label=_("Question"), required=False)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["question"].choices = _question_choices(territory)
        self.fields["question"].error_messages["invalid_choice"] = _(
            "Choose a question of this territory.")


class TerritoryFilterForm(QuestionForm):
    group = forms.ModelChoiceField(label=_("Group"), queryset=None, required=False,
                                   empty_label=_("All groups"))
    profile = forms.ChoiceField(label=_("Group profile"), required=False)
    inside = forms.BooleanField(label=_("Include the territories inside this one"),
                                required=False)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, territory=territory, **kwargs)
        self.fields["group"].queryset = selectors.Group.objects.of(territory).order_by("name")
        self.fields["group"].error_messages["invalid_choice"] = _("Choose a group of this territory.")
        self.fields["profile"].choices = [("", _("All profiles"))] + [
            (p, p or _("(no profile)")) for p in selectors.profiles(territory) if p]
        self.fields["profile"].error_messages["invalid_choice"] = _(
            "Choose a profile of this territory's groups.")


class CompareForm(QuestionForm):
    by = forms.ChoiceField(label=_("Compare"), required=False, initial="profile",
                           choices=[("profile", _("group profiles")), ("group", _("groups"))],
                           widget=forms.RadioSelect)
    group = GroupChoiceField(label=_("Groups"), queryset=None, required=False,
                             widget=forms.CheckboxSelectMultiple,
                             help_text=_("None ticked: every group of the territory."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, territory=territory, **kwargs)
        self.fields["group"].queryset = selectors.Group.objects.of(territory).order_by("name")
        self.fields["group"].error_messages["invalid_choice"] = _(
            "Choose groups of this territory.")


class SlugsField(forms.MultipleChoiceField):
    """Checkboxes checked against a set: a network lists up to thousands of territories
    (Django's own check scans every choice for every value)."""

    def valid_value(self, value):
        allowed = getattr(self, "_allowed", None)
        if allowed is None or len(allowed) != len(self.choices):
            allowed = self._allowed = {str(k) for k, _label in self.choices}
        return str(value) in allowed


class NetworkForm(forms.Form):
    territory = SlugsField(
        label=_("Territories"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the territories where you have a role are listed."),
        error_messages={"invalid_choice": _("Choose territories where you have a role.")})
    question = forms.ChoiceField(label=_("Question"), required=False)

    def __init__(self, *args, readable, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = [(t.slug, t.name) for t in readable]
        self.fields["question"].choices = [("", _("All questions"))] + [
            (code, code) for code in questions]
        self.fields["question"].error_messages["invalid_choice"] = _(
            "Choose one of the method's questions.")
