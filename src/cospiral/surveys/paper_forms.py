"""Forms of the paper channels: the printed questionnaire's options, the typed-in entry
of one paper questionnaire, and the file import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cospiral.domain import survey as rules
from cospiral.domain.typed_entry import errors_of, parse_typed
from cospiral.surveys import profiles

MAX_COPIES = 300
MAX_NUMBER = 99_999_999


class PrintForm(forms.Form):
    LANGUAGES = [("fr", "Français"), ("en", "English")]

    language = forms.ChoiceField(label=gettext_lazy("Language of the questionnaire"), choices=LANGUAGES)
    copies = forms.IntegerField(
        label=gettext_lazy("Numbered copies"), min_value=0, max_value=MAX_COPIES, required=False,
        help_text=gettext_lazy("0 or empty: one blank questionnaire to photocopy, respondent number "
                        "boxes left empty. Otherwise that many copies, each with its own "
                        "respondent number printed in the boxes (at most 300 at a time)."))
    first = forms.IntegerField(label=gettext_lazy("First number"), min_value=1, max_value=MAX_NUMBER,
                               required=False, initial=1)

    def clean(self):
        data = super().clean()
        copies, first = data.get("copies") or 0, data.get("first") or 1
        if copies and first + copies - 1 > MAX_NUMBER:
            raise forms.ValidationError(_("The numbers would go beyond %(max)s.") % {"max": MAX_NUMBER})
        data["copies"], data["first"] = copies, first
        return data


def typed_error_message(error: rules.AnswerError, codes: list[str]) -> str:
    """A sentence naming the character and the indicator of a typing problem."""
    if error.code == "wrong_length":
        return _("You typed %(typed)s characters; this questionnaire has %(expected)s indicators: "
                 "type one character per indicator (a space, . or - for no answer).") % {
            "typed": error.field, "expected": error.value}
    if error.code == "no_answer":
        return _("Every character means “no answer”: this questionnaire answers nothing.")
    where = _("character %(n)s (indicator %(code)s)") % {
        "n": error.field + 1, "code": codes[error.field] if error.field < len(codes) else "?"}
    if error.code == "level_out_of_range":
        return _("%(where)s: “%(value)s” is not a level; levels go from 1 to 5.") % {
            "where": where, "value": error.value}
    return _("%(where)s: “%(value)s” is not an answer; type 1 to 5, d (don't know), "
             "n (not applicable), or a space, . or - for no answer.") % {
        "where": where, "value": error.value}


class EntryForm(forms.Form):
    """One paper questionnaire: its number, one character per indicator, its profile."""

    number = forms.IntegerField(label=gettext_lazy("Respondent number"), min_value=1, max_value=MAX_NUMBER)
    answers = forms.CharField(label=gettext_lazy("Answers, one character per indicator"), strip=False)

    def __init__(self, *args, wave, codes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.wave, self.codes = wave, codes
        self.fields["number"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "off", "autofocus": True})
        self.fields["answers"].widget.attrs.update({
            "autocomplete": "off", "spellcheck": "false", "autocapitalize": "off",
            "autocorrect": "off", "maxlength": str(len(codes)), "size": str(max(len(codes), 10)),
            "class": "typed-answers", "aria-describedby": "answers-help answers-status"})
        self.fields["answers"].max_length = len(codes)
        self.asked = [key for key in rules.PROFILE_KEYS if key in (wave.profile_questions or [])]
        for key in self.asked:
            self.fields[key] = forms.TypedChoiceField(
                label=profiles.QUESTION_LABELS[key], required=False, coerce=int, empty_value=None,
                choices=[("", _("— not answered —"))]
                + [(str(i), label) for i, label in enumerate(profiles.choices(wave, key))])
        if self.asked:
            self.fields["consent"] = forms.BooleanField(
                label=gettext_lazy("The respondent ticked the consent box"), required=False)
        self.fields["replace"] = forms.BooleanField(
            label=gettext_lazy("Replace the questionnaire already typed with this number"), required=False)

    def clean_answers(self):
        text = self.cleaned_data["answers"]
        problems = errors_of(text, len(self.codes))
        if problems:
            raise forms.ValidationError([typed_error_message(p, self.codes) for p in problems])
        return parse_typed(text, len(self.codes))

    def clean(self):
        data = super().clean()
        profile = {key: data.get(key) for key in self.asked if data.get(key) is not None}
        if profile and not data.get("consent"):
            self.add_error("consent", _("Profile answers are chosen but consent is not ticked: tick "
                                        "it if the respondent ticked it, or leave the profile "
                                        "answers empty."))
        data["profile"] = profile
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or Excel .xlsx)"))
