"""Translated names of the method's cycles and phases (METHOD.md §3)."""

from django.utils.translation import gettext_lazy as _

PHASE_NAMES = {
    1: _("Mobilise, organise"),
    2: _("Co-define well-being with citizens"),
    3: _("Co-evaluate ex-ante"),
    4: _("Project and compare"),
    5: _("Decide, commit"),
    6: _("Realise together"),
    7: _("Co-evaluate ex-post"),
    8: _("Review, prepare next cycle"),
}

CYCLE_NAMES = {
    0: _("Taster"),
    1: _("Preparation"),
    2: _("Mobilisation"),
    3: _("Integration"),
}


def cycle_label(number: int) -> str:
    return _("Cycle %(number)s · %(name)s") % {"number": number, "name": CYCLE_NAMES.get(number, "")}


def phase_label(number: int) -> str:
    return _("Phase %(number)s · %(name)s") % {"number": number, "name": PHASE_NAMES.get(number, "")}
