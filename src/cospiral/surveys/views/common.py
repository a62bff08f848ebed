"""Helpers the survey pages share: the wave of a territory page, the page's language and
the address of a wave's public results."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils import translation

from cospiral.surveys import selectors
from cospiral.surveys.models import Wave


def wave_of(request, pk) -> Wave:
    """The territory's wave ``pk`` (404 when it is another territory's or does not exist)."""
    try:
        return selectors.wave(request.territory, pk)
    except Wave.DoesNotExist:
        raise Http404("No such survey wave.") from None


def language() -> str:
    """The page's language, two letters (French when none is active)."""
    return (translation.get_language() or "fr")[:2]


def public_results_url(wave) -> str | None:
    """The public results page of a published wave."""
    if wave.published_at is None:
        return None
    return reverse("survey_public:results", kwargs={"public_token": wave.public_token})
