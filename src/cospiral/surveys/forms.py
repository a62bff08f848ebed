"""Forms of the survey wave pages: the wave, its indicators, respondent links. The
services check everything again; the forms turn text boxes into lists and numbers and
put each error on the field it belongs to."""

from __future__ import annotations

import math
import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cospiral.domain import survey as rules
from cospiral.surveys import profiles
from cospiral.surveys.models import Wave

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_CHOICE_CHARS = 100


def default_consent_text() -> str:
    return gettext(
        "The questions about you are optional: answer only those you wish. Your answers "
        "are used only for anonymous statistics; your name is never asked, and no result "
        "is shown for a group of people so small that someone could be recognised.")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _numbers(text: str) -> list[float]:
    """Numbers written one per line or separated by commas or semicolons (a decimal comma
    is accepted when numbers are one per line)."""
    text = (text or "").strip()
    if not text:
        return []
    if "\n" in text:
        parts = [p.strip().replace(",", ".") for p in text.splitlines()]
    else:
        parts = [p.strip() for p in re.split(r"[;,]", text)]
    values = []
    for part in parts:
        if not part:
            continue
        try:
            value = float(part.replace(" ", "").replace("\u202f", ""))
        except ValueError:
            raise forms.ValidationError(
                gettext("“%(value)s” is not a number.") % {"value": part}) from None
        if not math.isfinite(value) or value < 0:
            raise forms.ValidationError(
                gettext("“%(value)s”: give numbers of 0 or more.") % {"value": part})
        values.append(int(value) if value == int(value) else value)
    return values


class WaveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Wave.Kind.choices, widget=forms.RadioSelect)
    cycle = forms.ModelChoiceField(label=_("Cycle"), required=False, queryset=None,
                                   empty_label=_("(none)"))
    baseline = forms.ModelChoiceField(
        label=_("Ex-ante wave compared with"), required=False, queryset=None,
        empty_label=_("(none)"),
        help_text=_("For an ex-post wave: the ex-ante wave whose results it is compared with."))
    description = forms.CharField(
        label=_("Introduction for respondents"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the first page of the questionnaire: who asks, why, how long it takes."))
    opens_at = forms.DateTimeField(label=_("Opens"), required=False, widget=DateTimeLocalInput(),
                                   input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
                                   help_text=_("Leave empty while the wave is a draft; "
                                               "“Open now” on the wave's page fills it in."))
    closes_at = forms.DateTimeField(label=_("Closes"), required=False, widget=DateTimeLocalInput(),
                                    input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"])
    profile_questions = forms.MultipleChoiceField(
        label=_("Profile questions asked"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(k, profiles.QUESTION_LABELS[k]) for k in rules.PROFILE_KEYS],
        help_text=_("Each is optional for respondents and asked only with their consent. "
                    "They allow results by profile."))
    neighbourhoods = forms.CharField(
        label=_("Neighbourhoods (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The choices of the question “Neighbourhood”."))
    group_profiles = forms.CharField(
        label=_("Group profiles (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The choices of the question “Group profile”, for example: young people, "
                    "parents, people in work."))
    consent_text = forms.CharField(
        label=_("Consent text"), required=False, max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the profile questions: why they are asked and that they are optional."))
    threshold = forms.IntegerField(
        label=_("Suppression threshold"), min_value=1, max_value=1000, initial=5,
        help_text=_("Smallest number of answers shown for a cell of a breakdown by profile."))

    def __init__(self, *args, territory, wave: Wave | None = None, families=(), **kwargs):
        super().__init__(*args, **kwargs)
        from cospiral.territories.models import Cycle

        self.territory = territory
        self.wave = wave
        self.fields["cycle"].queryset = Cycle.objects.of(territory).order_by("number")
        baselines = Wave.objects.of(territory).filter(kind=Wave.Kind.EX_ANTE)
        if wave is not None:
            baselines = baselines.exclude(pk=wave.pk)
        self.fields["baseline"].queryset = baselines.order_by("-created_at")
        for name in ("neighbourhoods", "group_profiles"):
            self.fields[name].widget.attrs["maxlength"] = 100 * (MAX_CHOICE_CHARS + 1)
        self.family_names = []
        for code, label in families:
            name = f"weight_{code}"
            self.fields[name] = forms.FloatField(
                label=gettext("Weight of family %(code)s · %(label)s") % {"code": code, "label": label},
                required=False, min_value=0, widget=forms.NumberInput(attrs={"step": "any"}),
                help_text=_("Empty means 1."))
            self.family_names.append((code, name))
        self.margin_names = []
        for key in rules.PROFILE_KEYS:
            name = f"margin_{key}"
            help_text = _("Optional, for weighting: the number of inhabitants for each choice, "
                          "one number per line in the order of the choices.")
            if key in ("age_band", "gender"):
                help_text = gettext("Optional, for weighting: the number of inhabitants for each "
                                    "choice, one number per line in this order: %(choices)s.") % {
                    "choices": ", ".join(profiles.choices(None, key))}
            self.fields[name] = forms.CharField(
                label=gettext("Population by %(question)s") % {
                    "question": str(profiles.QUESTION_LABELS[key]).lower()},
                required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=help_text)
            self.margin_names.append((key, name))
        if wave is not None and wave.is_frozen:
            for name in ("profile_questions", "neighbourhoods", "group_profiles"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Frozen since the first answer: it can no longer change.")

    # -- groups of fields for the template ------------------------------------------------

    def main_fields(self):
        return [self[n] for n in ("title", "kind", "cycle", "baseline", "description",
                                  "opens_at", "closes_at")]

    def profile_fields(self):
        return [self[n] for n in ("profile_questions", "neighbourhoods", "group_profiles",
                                  "consent_text")]

    def weight_fields(self):
        return [self[name] for _code, name in self.family_names]

    def margin_fields(self):
        return [(key, self[name]) for key, name in self.margin_names]

    # -- cleaning --------------------------------------------------------------------------

    def clean_neighbourhoods(self):
        return self._choices("neighbourhoods")

    def clean_group_profiles(self):
        return self._choices("group_profiles")

    def _choices(self, name):
        value = self.cleaned_data.get(name)
        if isinstance(value, list):  # disabled field: the stored list
            return value
        lines = _lines(value)
        for number, line in enumerate(lines, start=1):
            if len(line) > MAX_CHOICE_CHARS:
                raise forms.ValidationError(
                    gettext("Line %(n)s is longer than %(max)s characters.") % {
                        "n": number, "max": MAX_CHOICE_CHARS})
        return lines

    def clean(self):
        data = super().clean()
        asked = data.get("profile_questions") or []
        if data.get("baseline") is not None and data.get("kind") != Wave.Kind.EX_POST:
            self.add_error("baseline", gettext(
                "Only an ex-post wave is compared with an ex-ante wave: choose “Ex-post” or "
                "leave this empty."))
        for key, name, message in (
                ("neighbourhood", "neighbourhoods",
                 gettext("List the neighbourhoods respondents can choose from, one per line.")),
                ("group_profile", "group_profiles",
                 gettext("List the profiles respondents can choose from, one per line."))):
            values = data.get(name) or []
            if key in asked and not values and name not in self.errors:
                self.add_error(name, message)
            elif len({v.casefold() for v in values}) != len(values):
                self.add_error(name, gettext("Each choice must appear only once."))
        if asked and not (data.get("consent_text") or "").strip() and "consent_text" not in self.errors:
            self.add_error("consent_text", gettext(
                "Profile questions need a consent text telling respondents why they are asked "
                "and that they are optional."))
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", gettext("The closing date must come after the opening date."))
        sizes = rules.choice_counts({"neighbourhood": data.get("neighbourhoods") or [],
                                     "group_profile": data.get("group_profiles") or []})
        margins = {}
        for key, name in self.margin_names:
            try:
                numbers = _numbers(data.get(name) or "")
            except forms.ValidationError as error:
                self.add_error(name, error)
                continue
            if not numbers:
                continue
            label = profiles.QUESTION_LABELS[key]
            if key not in asked:
                self.add_error(name, gettext(
                    "The wave does not ask “%(question)s”: tick it among the profile questions "
                    "or leave these figures empty.") % {"question": label})
            elif len(numbers) != sizes[key]:
                self.add_error(name, gettext(
                    "Give one number per choice of “%(question)s”: %(n)s choices, %(given)s "
                    "numbers given.") % {"question": label, "n": sizes[key], "given": len(numbers)})
            elif sum(numbers) <= 0:
                self.add_error(name, gettext("The numbers cannot all be 0."))
            else:
                margins[key] = numbers
        data["population_margins"] = margins
        data["family_weights"] = {code: data[name] for code, name in self.family_names
                                  if data.get(name) is not None}
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name) for name in (
            "title", "kind", "cycle", "baseline", "description", "opens_at", "closes_at",
            "profile_questions", "neighbourhoods", "group_profiles", "consent_text",
            "threshold", "population_margins", "family_weights")}

    @staticmethod
    def initial_of(wave: Wave | None) -> dict:
        if wave is None:
            return {"kind": Wave.Kind.EX_ANTE, "threshold": 5,
                    "consent_text": default_consent_text()}
        initial = {
            "title": wave.title, "kind": wave.kind, "cycle": wave.cycle_id,
            "baseline": wave.baseline_id, "description": wave.description,
            "opens_at": wave.opens_at, "closes_at": wave.closes_at,
            "profile_questions": list(wave.profile_questions),
            "neighbourhoods": "\n".join(wave.neighbourhoods),
            "group_profiles": "\n".join(wave.group_profiles),
            "consent_text": wave.consent_text, "threshold": wave.threshold,
        }
        for code, weight in (wave.family_weights or {}).items():
            initial[f"weight_{code}"] = weight
        for key, numbers in (wave.population_margins or {}).items():
            initial[f"margin_{key}"] = "\n".join(str(n) for n in numbers)
        return initial


class TokensForm(forms.Form):
    count = forms.IntegerField(label=_("Number of links to create"), min_value=1, max_value=5000,
                               initial=10)
    label = forms.CharField(label=_("Note (optional)"), required=False, max_length=100,
                            help_text=_("For example the mailing it is for; never shown in results."))


class IndicatorChoice:
    """The wave's instrument chosen without JavaScript: a checkbox, a position and a
    weight per ready indicator (``use-<pk>``, ``position-<pk>``, ``weight-<pk>``)."""

    def __init__(self, candidates, current, data=None):
        self.data = data
        self.errors: list[str] = []
        current_by_pk = {item.indicator_id: item for item in current}
        self.rows = []
        for indicator in candidates:
            item = current_by_pk.get(indicator.pk)
            row = {
                "indicator": indicator,
                "used": item is not None,
                "position": (item.position + 1) if item is not None else "",
                "weight": item.weight if item is not None else 1,
                "error": "",
            }
            if data is not None:
                row["used"] = data.get(f"use-{indicator.pk}") == "on"
                row["position"] = (data.get(f"position-{indicator.pk}") or "").strip()
                row["weight"] = (data.get(f"weight-{indicator.pk}") or "").strip()
            self.rows.append(row)
        self.chosen: list = []
        self.weights: list[float] = []

    def is_valid(self) -> bool:
        chosen = []
        for order, row in enumerate(self.rows):
            if not row["used"]:
                continue
            code = row["indicator"].code
            position = row["position"]
            try:
                position = int(position) if position != "" else 10_000 + order
            except ValueError:
                row["error"] = gettext("%(code)s: the position “%(value)s” is not a whole number.") % {
                    "code": code, "value": position}
                continue
            try:
                weight = float(str(row["weight"]).replace(",", ".")) if row["weight"] != "" else 1.0
            except ValueError:
                weight = -1
            if not math.isfinite(weight) or weight < 0:
                row["error"] = gettext("%(code)s: the weight “%(value)s” must be a number of 0 or more.") % {
                    "code": code, "value": row["weight"]}
                continue
            chosen.append((position, code, row["indicator"], weight))
        self.errors = [row["error"] for row in self.rows if row["error"]]
        if self.errors:
            return False
        if not chosen:
            self.errors = [gettext("Tick at least one indicator.")]
            return False
        chosen.sort(key=lambda c: (c[0], c[1]))
        self.chosen = [c[2] for c in chosen]
        self.weights = [c[3] for c in chosen]
        return True
