"""Translated labels of the profile questions and their choices."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cospiral.domain import survey as rules

QUESTION_LABELS = {
    "age_band": _("Age band"),
    "gender": _("Gender"),
    "neighbourhood": _("Neighbourhood"),
    "group_profile": _("Group profile"),
}
AGE_BAND_LABELS = {
    "under_18": _("Under 18"),
    "18_29": _("18 to 29"),
    "30_44": _("30 to 44"),
    "45_59": _("45 to 59"),
    "60_74": _("60 to 74"),
    "75_plus": _("75 or over"),
}
GENDER_LABELS = {
    "woman": _("Woman"),
    "man": _("Man"),
    "other": _("Another answer"),
}
NOT_STATED_LABEL = _("Not stated")


def choices(wave, key: str) -> list[str]:
    """Labels of the choices of profile question ``key`` for ``wave``, in code order."""
    if key == "age_band":
        return [str(AGE_BAND_LABELS[k]) for k in rules.AGE_BANDS]
    if key == "gender":
        return [str(GENDER_LABELS[k]) for k in rules.GENDERS]
    if key == "neighbourhood":
        return list(wave.neighbourhoods)
    if key == "group_profile":
        return list(wave.group_profiles)
    raise KeyError(key)


def choice_keys(wave, key: str) -> list[str]:
    """Stable keys of the choices (for exports and imports): fixed keys for age band and
    gender, the labels themselves for the territory-defined lists."""
    if key == "age_band":
        return list(rules.AGE_BANDS)
    if key == "gender":
        return list(rules.GENDERS)
    return choices(wave, key)
