"""Forms of the indicator pages. Cards and shared criteria to add are checkboxes rendered
by the template (names ``cards`` and ``shared``); each criterion's category is a select
named ``category-<id>``. The services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cospiral.domain import indicators as rules
from cospiral.indicators.models import IndicatorCriterion
from cospiral.indicators.selectors import components

LEVEL_LABELS = {
    1: _("Level 1 — very unsatisfactory"),
    2: _("Level 2 — unsatisfactory"),
    3: _("Level 3 — average"),
    4: _("Level 4 — good"),
    5: _("Level 5 — ideal"),
}
LANGUAGE_LABELS = {"fr": _("French"), "en": _("English")}


class IndicatorForm(forms.Form):
    """Component and title; the title is asked in each of the territory's languages only
    (a title already written in another language is kept as it is)."""

    component = forms.ChoiceField(label=_("Component of the grid"))
    title_fr = forms.CharField(label=_("Title in French"), max_length=rules.MAX_TITLE_CHARS,
                               required=False)
    title_en = forms.CharField(label=_("Title in English"), max_length=rules.MAX_TITLE_CHARS,
                               required=False)

    def __init__(self, *args, territory, with_code: bool = False, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = rules.used_languages(territory.languages)
        self.existing = dict(existing or {})
        for lang in rules.LANGUAGES:
            if lang not in self.languages:
                del self.fields[f"title_{lang}"]
        self.fields["component"].choices = [
            (str(c.pk), f"{c.code} · {c.label()}") for c in components(territory)]
        if with_code:
            self.fields["code"] = forms.CharField(
                label=_("Code"), max_length=rules.MAX_CODE_CHARS, required=False,
                help_text=_("Leave empty for the component's code and the next number, for "
                            "example A03-1."))

    def clean(self):
        data = super().clean()
        if not any((data.get(f"title_{lang}") or "").strip() for lang in self.languages):
            first = f"title_{self.languages[0]}"
            if len(self.languages) == 1:
                self.add_error(first, _("Give the indicator a title."))
            else:
                self.add_error(first, _("Give the indicator a title, in French or in English."))
        return data

    @property
    def titles(self) -> dict:
        return {lang: (self.cleaned_data.get(f"title_{lang}", "") if lang in self.languages
                       else self.existing.get(lang, ""))
                for lang in rules.LANGUAGES}


class LevelsForm(forms.Form):
    """Step two: the five level descriptors in each of the territory's languages (five or
    ten text areas; descriptors already written in another language are kept). A draft
    may stay incomplete; the readiness checklist says what is missing."""

    def __init__(self, *args, languages=None, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = rules.used_languages(languages)
        self.existing = list(existing or [])
        for n in range(1, rules.LEVEL_COUNT + 1):
            for lang in self.languages:
                self.fields[f"level_{n}_{lang}"] = forms.CharField(
                    label=LANGUAGE_LABELS[lang], required=False,
                    max_length=rules.MAX_LEVEL_CHARS,
                    widget=forms.Textarea(attrs={"rows": 2, "lang": lang}))

    def by_level(self) -> list[tuple[str, list]]:
        """``(legend, [a field per language])`` per level, for one fieldset each."""
        return [(LEVEL_LABELS[n], [self[f"level_{n}_{lang}"] for lang in self.languages])
                for n in range(1, rules.LEVEL_COUNT + 1)]

    @staticmethod
    def initial_from(levels) -> dict:
        levels = list(levels or [])
        return {f"level_{n}_{lang}": (levels[n - 1] if n <= len(levels) else {}).get(lang, "")
                for n in range(1, rules.LEVEL_COUNT + 1) for lang in rules.LANGUAGES}

    def _kept(self, n: int, lang: str) -> str:
        level = self.existing[n - 1] if n <= len(self.existing) else {}
        return (level or {}).get(lang, "")

    @property
    def levels(self) -> list[dict]:
        return [{lang: (self.cleaned_data.get(f"level_{n}_{lang}", "") if lang in self.languages
                        else self._kept(n, lang))
                 for lang in rules.LANGUAGES}
                for n in range(1, rules.LEVEL_COUNT + 1)]


class TypedCriterionForm(forms.Form):
    text = forms.CharField(label=_("Or write a criterion"), required=False,
                           max_length=rules.MAX_CRITERION_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(
        label=_("Category of the criteria added"), required=False,
        help_text=_("For the ticked cards and shared criteria and for the criterion written "
                    "above; change it later in the lists above."),
        choices=[("", _("Not sorted yet")), *IndicatorCriterion.Category.choices])
