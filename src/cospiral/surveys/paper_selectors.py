"""Reads of the paper channels of a wave: typed-in questionnaires and what they hold."""

from __future__ import annotations

from django.db.models import Max

from cospiral.domain import survey as rules
from cospiral.domain.typed_entry import format_typed
from cospiral.surveys.models import Questionnaire, Wave


def typed(wave: Wave):
    """The wave's typed-in paper questionnaires, by respondent number."""
    return (Questionnaire.objects.of(wave.territory)
            .filter(wave=wave, channel=Questionnaire.Channel.PAPER)
            .select_related("entered_by").order_by("respondent_number", "id"))


def last_typed(wave: Wave, count: int = 10) -> list[Questionnaire]:
    return list(Questionnaire.objects.of(wave.territory)
                .filter(wave=wave, channel=Questionnaire.Channel.PAPER)
                .select_related("entered_by").order_by("-updated_at", "-id")[:count])


def typed_by_number(wave: Wave, number: int) -> Questionnaire | None:
    return (Questionnaire.objects.of(wave.territory)
            .filter(wave=wave, key=paper_key(number)).first())


def next_number(wave: Wave) -> int:
    """One more than the highest respondent number of the wave (any channel)."""
    highest = (Questionnaire.objects.of(wave.territory).filter(wave=wave)
               .aggregate(n=Max("respondent_number"))["n"])
    return (highest or 0) + 1


def paper_key(number: int) -> str:
    return f"p:{int(number)}"


def typed_string(questionnaire: Questionnaire, indicators: int) -> str:
    return format_typed(rules.unpack(bytes(questionnaire.levels), indicators))
