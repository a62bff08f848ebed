"""Browser journey of typed-in paper questionnaires: two questionnaires of 20 indicators
typed with keystrokes only, each in under 30 seconds, both stored; the page passes axe."""

from __future__ import annotations

import time

import numpy as np
import pytest

from cospiral.domain.scoring import DONT_KNOW, MISSING, NOT_APPLICABLE
from cospiral.surveys.models import Questionnaire

from .conftest import axe_violations, shot, sign_in

FIRST = "3452dn 1234512345.23"
SECOND = "55555444443333322x21"
CODES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "d": DONT_KNOW, "n": NOT_APPLICABLE,
         "x": NOT_APPLICABLE, " ": MISSING, ".": MISSING}


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name")


@pytest.fixture
def paper_wave(transactional_db, world, make_wave):
    return make_wave(world.alpha, indicators=20, profile_questions=("age_band", "neighbourhood"))


def test_type_two_questionnaires_by_keyboard(page, world, paper_wave):
    wave = paper_wave.wave
    user = world.alpha.users["facilitator"]
    sign_in(page, user.username, world.password)
    entry = f"/t/alpha/surveys/{wave.pk}/paper/entry/"
    page.goto(entry)
    assert page.locator("h1").inner_text().startswith("Type in paper questionnaires")
    assert not axe_violations(page), axe_violations(page)
    # The number field has the focus, pre-filled with 1 and selected.
    assert _focused(page) == "number"
    assert page.locator("input[name=number]").input_value() == "1"

    # Questionnaire 1: number, answers, age band and neighbourhood by type-ahead, consent.
    started = time.monotonic()
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    page.keyboard.type(FIRST)
    assert page.locator("#answers-status").inner_text().startswith("20 of 20 typed")
    page.keyboard.press("Tab")
    page.keyboard.type("3")          # "30 to 44"
    page.keyboard.press("Tab")
    page.keyboard.type("N")          # "North"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")     # consent
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first_seconds = time.monotonic() - started
    assert "Questionnaire 1 saved." in page.locator(".messages").inner_text()

    # Questionnaire 2: the next number is pre-filled and focused; Tab accepts it.
    assert _focused(page) == "number"
    assert page.locator("input[name=number]").input_value() == "2"
    started = time.monotonic()
    page.keyboard.press("Tab")
    page.keyboard.type(SECOND)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    second_seconds = time.monotonic() - started
    assert "Questionnaire 2 saved." in page.locator(".messages").inner_text()
    shot(page, "survey-paper-entry")
    print(f"typed questionnaires: {first_seconds:.2f} s, {second_seconds:.2f} s")
    assert first_seconds < 30 and second_seconds < 30

    stored = {q.respondent_number: q for q in Questionnaire.objects.filter(wave=wave)}
    assert set(stored) == {1, 2}
    for number, typed in ((1, FIRST), (2, SECOND)):
        q = stored[number]
        assert q.channel == "paper" and q.key == f"p:{number}"
        assert list(np.frombuffer(bytes(q.levels), dtype=np.int8)) == [CODES[c] for c in typed]
    assert (stored[1].age_band, stored[1].neighbourhood, stored[1].consent) == (2, 1, True)
    assert stored[2].age_band == -1 and not stored[2].consent
    # The last questionnaires are listed, with a link to correct each.
    assert page.locator("code.typed").first.inner_text() == SECOND.replace("x", "n")
    assert page.locator("code.typed").nth(1).inner_text() == FIRST.replace(" ", ".")
    assert page.locator(f"a[href='{entry}?number=1']").count() == 1

    # A typo is named by its character and indicator, and nothing is stored.
    page.keyboard.press("Tab")
    page.keyboard.type("1234567" + "1" * 13)
    assert "echo-wrong" in (page.locator(".paper-echo tbody tr").nth(5).get_attribute("class") or "")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    code = paper_wave.indicators[5].code
    assert f"character 6 (indicator {code}): “6” is not a level" in page.locator("#paper-entry").inner_text()
    assert Questionnaire.objects.filter(wave=wave).count() == 2
    assert not axe_violations(page), axe_violations(page)
