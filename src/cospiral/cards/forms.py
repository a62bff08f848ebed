"""Forms of the card pages. Every choice of a related object is limited to the territory
(and, for facilitators, to the groups they facilitate)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cospiral.cards import selectors
from cospiral.cards.models import Question
from cospiral.core.forms import UploadForm
from cospiral.domain.cards import MAX_CARD_CHARS
from cospiral.groups.models import Group, Session


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.group.name} · {date_format(obj.date)}" + (f" · {obj.place}" if obj.place else "")


class QuestionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.text()}"


class BulkPickForm(forms.Form):
    """Group, session and question, chosen once for a bulk-entry batch (GET)."""

    group = forms.ModelChoiceField(queryset=Group.objects.none(), label=_("Group"))
    session = SessionChoiceField(
        queryset=Session.objects.none(), required=False, label=_("Session"),
        empty_label=_("— no session —"),
        help_text=_("The session where the post-its were written."),
    )
    question = QuestionChoiceField(queryset=Question.objects.none(), label=_("Question"))

    def __init__(self, *args, territory, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        groups = selectors.writable_groups(territory, user)
        self.fields["group"].queryset = groups
        self.fields["session"].queryset = selectors.sessions_for(territory, groups)
        self.fields["question"].queryset = Question.objects.of(territory)

    def clean(self):
        data = super().clean()
        group, session, question = data.get("group"), data.get("session"), data.get("question")
        if group and session and session.group_id != group.pk:
            self.add_error("session", gettext("This session belongs to another group: choose "
                                              "one of the sessions of “%(group)s”.")
                           % {"group": group.name})
        if group and question and not selectors.is_enabled(self.territory, question, group):
            self.add_error("question", gettext("Question %(code)s is not asked in this group's cycle.")
                           % {"code": question.code})
        return data


class BulkTextForm(forms.Form):
    text = forms.CharField(
        label=_("Cards, one per line"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Each line becomes one card."),
    )


class CardEditForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=MAX_CARD_CHARS,
                           widget=forms.Textarea(attrs={"rows": 4}))
    question = QuestionChoiceField(queryset=Question.objects.none(), label=_("Question"))
    language = forms.ChoiceField(label=_("Language"))
    author_tag = forms.CharField(
        label=_("Anonymous author tag"), max_length=40, required=False,
        help_text=_("Optional: the same tag for cards by the same person, never a name."),
    )
    seen_updated_at = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = Question.objects.of(territory)
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [
            (code, f"{code} · {names[code]}" if code in names else code)
            for code in selectors.allowed_languages(territory)
        ]

    def clean_seen_updated_at(self):
        try:
            return dt.datetime.fromisoformat(self.cleaned_data["seen_updated_at"])
        except ValueError as exc:
            raise forms.ValidationError(gettext("The form is damaged: reload the page.")) from exc


class CardFilterForm(forms.Form):
    group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False,
                                   label=_("Group"), empty_label=_("All groups"))
    session = SessionChoiceField(queryset=Session.objects.none(), required=False,
                                 label=_("Session"), empty_label=_("All sessions"))
    question = QuestionChoiceField(queryset=Question.objects.none(), required=False,
                                   label=_("Question"), empty_label=_("All questions"))

    def __init__(self, *args, territory, show_deleted_choice=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.of(territory)
        self.fields["session"].queryset = Session.objects.of(territory).select_related("group")
        self.fields["question"].queryset = Question.objects.of(territory)
        if show_deleted_choice:
            self.fields["deleted"] = forms.BooleanField(required=False,
                                                        label=_("Show deleted cards"))


class ImportForm(UploadForm):
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        help_text=_("One card per line, with the columns described below."),
    )
