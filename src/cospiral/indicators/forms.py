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
    component = forms.ChoiceField(label=_("Component of the grid"))
    title_fr = forms.CharField(label=_("Title in French"), max_length=rules.MAX_TITLE_CHARS,
                               required=False)
    title_en = forms.CharField(label=_("Title in English"), max_length=rules.MAX_TITLE_CHARS,
                               required=False)

    def __init__(self, *args, territory, with_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [
            (str(c.pk), f"{c.code} · {c.label()}") for c in components(territory)]
        if with_code:
            self.fields["code"] = forms.CharField(
                label=_("Code"), max_length=rules.MAX_CODE_CHARS, required=False,
                help_text=_("Leave empty for the component's code and the next number, for "
                            "example A03-1."))

    def clean(self):
        data = super().clean()
        if not (data.get("title_fr") or "").strip() and not (data.get("title_en") or "").strip():
            self.add_error("title_fr", _("Give the indicator a title, in French or in English."))
        return data

    @property
    def titles(self) -> dict:
        return {"fr": self.cleaned_data.get("title_fr", ""),
                "en": self.cleaned_data.get("title_en", "")}


class LevelsForm(forms.Form):
    """Step two: the five level descriptors in French and English (ten text areas). A
    draft may stay incomplete; the readiness checklist says what is missing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, rules.LEVEL_COUNT + 1):
            for lang in rules.LANGUAGES:
                self.fields[f"level_{n}_{lang}"] = forms.CharField(
                    label=LANGUAGE_LABELS[lang], required=False,
                    max_length=rules.MAX_LEVEL_CHARS,
                    widget=forms.Textarea(attrs={"rows": 2, "lang": lang}))

    def by_level(self) -> list[tuple[str, list]]:
        """``(legend, [French field, English field])`` per level, for one fieldset each."""
        return [(LEVEL_LABELS[n], [self[f"level_{n}_{lang}"] for lang in rules.LANGUAGES])
                for n in range(1, rules.LEVEL_COUNT + 1)]

    @staticmethod
    def initial_from(levels) -> dict:
        levels = list(levels or [])
        return {f"level_{n}_{lang}": (levels[n - 1] if n <= len(levels) else {}).get(lang, "")
                for n in range(1, rules.LEVEL_COUNT + 1) for lang in rules.LANGUAGES}

    @property
    def levels(self) -> list[dict]:
        return [{lang: self.cleaned_data.get(f"level_{n}_{lang}", "") for lang in rules.LANGUAGES}
                for n in range(1, rules.LEVEL_COUNT + 1)]


class TypedCriterionForm(forms.Form):
    text = forms.CharField(label=_("Or write a criterion"), required=False,
                           max_length=rules.MAX_CRITERION_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ChoiceField(
        label=_("Its category"), required=False,
        choices=[("", _("Not sorted yet")), *IndicatorCriterion.Category.choices])
