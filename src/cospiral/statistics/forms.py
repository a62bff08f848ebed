"""Filter forms of the statistics pages (GET). Choices are limited to the page's
territory, or to the territories the reader has a role in."""

from __future__ import annotations

from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cospiral.statistics import selectors


class CheckboxList(forms.CheckboxSelectMultiple):
    """The same checkboxes as Django's, built as one escaped string: a territory has up
    to hundreds of groups, whose per-option widget templates take ~30 ms to render."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        base_id = str(attrs.pop("id", f"id_{name}"))
        attrs.pop("required", None)
        extra = "".join(f' {escape(str(k))}="{escape(str(v))}"' for k, v in attrs.items()
                        if v not in (None, False))
        selected = {str(v) for v in (value or [])}
        parts = []
        for i, (option, label) in enumerate(self.choices):
            option = str(option)
            if option == "":
                continue
            checked = " checked" if option in selected else ""
            parts.append(f'<div><label for="{escape(base_id)}_{i}"><input type="checkbox" '
                         f'name="{escape(name)}" value="{escape(option)}" '
                         f'id="{escape(base_id)}_{i}"{extra}{checked}> {escape(str(label))}'
                         f'</label></div>')
        return mark_safe(f'<div id="{escape(base_id)}">{"".join(parts)}</div>')  # noqa: S308 (escaped above)


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
                             widget=CheckboxList,
                             help_text=_("None ticked: every group of the territory."))

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, territory=territory, **kwargs)
        self.fields["group"].queryset = selectors.Group.objects.of(territory).order_by("name")
        self.fields["group"].error_messages["invalid_choice"] = _(
            "Choose groups of this territory.")


class SlugsField(forms.Field):
    """Territory slugs (a ``<select multiple>``), checked against the set of slugs the
    reader may choose: a network lists up to thousands of territories, which Django's
    choice fields would normalise and scan for every value on every request."""

    widget = forms.SelectMultiple
    default_error_messages = {
        "invalid_choice": _("Choose territories where you have a role."),
        "invalid_list": _("Choose territories from the list."),
    }

    def __init__(self, *, allowed=frozenset(), **kwargs):
        super().__init__(**kwargs)
        self.allowed = set(allowed)

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, (list, tuple)):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        return [str(v) for v in value]

    def validate(self, value):
        super().validate(value)
        if any(v not in self.allowed for v in value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class NetworkForm(forms.Form):
    territory = SlugsField(
        label=_("Territories"), required=False,
        help_text=_("Only the territories where you have a role are listed. Choose several "
                    "with Ctrl (⌘ on a Mac) or Shift and the arrow keys; none chosen: this "
                    "territory and the territories inside it."))
    question = forms.ChoiceField(label=_("Question"), required=False)

    def __init__(self, *args, readable, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.readable = readable
        self.fields["territory"].allowed = {t.slug for t in readable}
        self.fields["question"].choices = [("", _("All questions"))] + [
            (code, code) for code in questions]
        self.fields["question"].error_messages["invalid_choice"] = _(
            "Choose one of the method's questions.")
