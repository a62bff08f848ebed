"""The web channel of a survey wave, through the test client: public link and personal
links, one indicator per screen, save and resume, profile with consent, review, send."""

from __future__ import annotations

import html

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from cospiral.domain import survey as rules
from cospiral.surveys import selectors, services
from cospiral.surveys.models import Questionnaire, WaveTally

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def tallies_match_recount(wave) -> dict:
    c = selectors.cells(wave)
    stored = {tuple(int(v) for v in c.profiles[i]): (c.counts[i], int(c.sizes[i]))
              for i in range(len(c.sizes))}
    recounted = services.recount(wave)
    assert set(stored) == set(recounted)
    for key, (counts, n) in recounted.items():
        assert stored[key][1] == n
        assert np.array_equal(stored[key][0], counts)
    return stored


def tally_snapshot(wave):
    return sorted((t.age_band, t.gender, t.neighbourhood, t.group_profile, t.respondents,
                   bytes(t.counts)) for t in WaveTally.objects.filter(wave=wave))


@pytest.fixture
def survey(make_wave, world):
    made = make_wave(indicators=3, profile_questions=("age_band", "neighbourhood"))
    services.set_public_link(made.wave, user=world.alpha.users["coordinator"], enabled=True)
    made.wave.refresh_from_db()
    return made


def personal_link(wave, world):
    return services.create_tokens(wave, 1, user=world.alpha.users["coordinator"])[0].token


def q(token, name, **kwargs):
    return reverse(f"survey_public:{name}", kwargs={"token": token, **kwargs})


def test_public_link_journey_with_dont_know_not_applicable_and_profile(survey, world):
    wave = survey.wave
    client = Client()
    start = reverse("survey_public:start", args=[wave.public_token])
    page = client.get(start)
    assert page.status_code == 200
    body = text(page)
    assert "Neighbourhood survey" in body and "3 questions" in body
    assert "Optional questions, used only for anonymous statistics." in body  # consent text
    response = client.post(start)
    assert response.status_code == 302
    first = response.url
    assert first.startswith(f"/s/w/{wave.pk}/") and first.endswith("/q/1/")
    resume = first.split("/")[4]
    assert client.session["cospiral_survey_resume"] == {str(wave.pk): resume}

    screen = client.get(first)
    body = text(screen)
    assert "Question 1 of 3" in body
    assert "Indicator 1" in body
    for n in range(1, 6):
        assert f"Situation {n}" in body
    assert "Don't know" in body and "Not applicable to me" in body
    assert "Keep this link to finish later" in body
    assert f"/s/w/{wave.pk}/{resume}/" in body
    assert not WaveTally.objects.filter(wave=wave).exists()

    base = f"/s/w/{wave.pk}/{resume}/"
    assert client.post(base + "q/1/", {"level-0": "4", "go": "next"}).url == base + "q/2/"
    saved = Questionnaire.objects.get(wave=wave, key=f"w:{resume}")
    assert saved.submitted_at is None and saved.channel == "web"
    assert client.post(base + "q/2/", {"level-1": "dk", "go": "next"}).url == base + "q/3/"
    assert client.post(base + "q/3/", {"level-2": "na", "go": "next"}).url == base + "about-you/"
    # previous goes back and keeps what was chosen
    assert client.post(base + "q/2/", {"go": "previous"}).url == base + "q/1/"
    assert 'value="4" checked' in client.get(base + "q/1/").content.decode()

    about = text(client.get(base + "about-you/"))
    assert "Age band" in about and "Neighbourhood" in about and "North" in about
    assert "Optional questions, used only for anonymous statistics." in about
    # profile answers without consent: refused, nothing kept
    response = client.post(base + "about-you/", {"profile-age_band": "2", "profile-neighbourhood": "1"})
    assert response.status_code == 400 and "tick the consent box" in text(response)
    assert Questionnaire.objects.get(pk=saved.pk).profile == (-1, -1, -1, -1)
    response = client.post(base + "about-you/", {"profile-age_band": "2", "profile-neighbourhood": "1",
                                                  "consent": "on", "go": "next"})
    assert response.url == base + "review/"

    review = text(client.get(base + "review/"))
    assert "Level 4: Situation 4" in review
    assert "Don't know" in review and "Not applicable to me" in review
    assert "30 to 44" in review and "North" in review
    assert "Change answer 2" in review

    assert not WaveTally.objects.filter(wave=wave, respondents__gt=0).exists()
    response = client.post(base + "review/", {"send": "1"})
    assert response.url == base + "thanks/"
    thanks = text(client.get(response.url))
    assert "are sent" in thanks
    q_ = Questionnaire.objects.get(wave=wave, key=f"w:{resume}")
    assert q_.submitted_at is not None
    assert list(rules.unpack(bytes(q_.levels), 3)) == [4, rules.DONT_KNOW, rules.NOT_APPLICABLE]
    assert q_.profile == (2, -1, 1, -1) and q_.consent
    stored = tallies_match_recount(wave)
    counts, n = stored[(2, -1, 1, -1)]
    assert n == 1
    assert counts[0, 4 - rules.LOWEST_CODE] == 1
    assert counts[1, rules.DONT_KNOW - rules.LOWEST_CODE] == 1
    assert counts[2, rules.NOT_APPLICABLE - rules.LOWEST_CODE] == 1

    # coming back: already sent, nothing changes
    before = tally_snapshot(wave)
    for url in (base, base + "q/1/", base + "review/"):
        assert "already sent" in text(client.get(url, follow=True))
    response = client.post(base + "review/", {"send": "1"})
    assert "already sent" in text(response)
    response = client.post(base + "q/1/", {"level-0": "1"})
    assert "already sent" in text(response)
    assert tally_snapshot(wave) == before
    assert list(rules.unpack(bytes(Questionnaire.objects.get(pk=q_.pk).levels), 3))[0] == 4


def test_personal_link_sent_twice_changes_nothing(survey, world):
    wave = survey.wave
    token = personal_link(wave, world)
    client = Client()
    page = client.get(q(token, "personal"))
    assert page.status_code == 200 and "Start" in text(page)
    assert client.post(q(token, "personal")).url == q(token, "question", number=1)
    client.post(q(token, "question", number=1), {"level-0": "2"})
    client.post(q(token, "question", number=2), {"level-1": "5"})
    client.post(q(token, "question", number=3), {"level-2": "1"})
    client.post(q(token, "profile"), {"profile-age_band": "", "profile-neighbourhood": ""})
    assert client.post(q(token, "review")).url == q(token, "thanks")
    tallies_match_recount(wave)
    before = tally_snapshot(wave)
    sent = Questionnaire.objects.get(wave=wave, key=f"t:{token}")
    assert sent.profile == (-1, -1, -1, -1) and not sent.consent
    # the same link again, in another browser: "already sent", nothing changes
    other = Client()
    again = other.get(q(token, "personal"))
    assert again.status_code == 200 and "already sent" in text(again)
    response = other.post(q(token, "review"))
    assert "already sent" in text(response)
    assert tally_snapshot(wave) == before
    assert Questionnaire.objects.filter(wave=wave).count() == 1
    assert Questionnaire.objects.get(pk=sent.pk).submitted_at == sent.submitted_at


def test_resume_returns_to_first_unanswered_screen(survey, world):
    wave = survey.wave
    token = personal_link(wave, world)
    client = Client()
    client.post(q(token, "question", number=1), {"level-0": "3", "go": "next"})
    client.post(q(token, "question", number=2), {"go": "next"})  # skipped: no answer
    client.post(q(token, "question", number=3), {"level-2": "dk", "go": "next"})
    # leaving and coming back later, from another browser
    later = Client()
    assert later.get(q(token, "personal")).url == q(token, "question", number=2)
    later.post(q(token, "question", number=2), {"level-1": "1"})
    assert later.get(q(token, "personal")).url == q(token, "profile")
    later.post(q(token, "profile"), {"profile-age_band": "0", "consent": "on"})
    assert later.get(q(token, "personal")).url == q(token, "review")
    assert not WaveTally.objects.filter(wave=wave, respondents__gt=0).exists()

    # the public link's resume URL works the same, and the start page offers to continue
    browser = Client()
    start = reverse("survey_public:start", args=[wave.public_token])
    first = browser.post(start).url
    base = first[: -len("q/1/")]
    browser.post(first, {"level-0": "5"})
    assert "Continue where I stopped" in text(browser.get(start))
    assert Client().get(base).url == base + "q/2/"


def test_revoked_link_and_closed_wave_are_refused(survey, world):
    wave = survey.wave
    coordinator = world.alpha.users["coordinator"]
    links = services.create_tokens(wave, 2, user=coordinator)
    services.revoke_token(links[0], user=coordinator)
    client = Client()
    for url in (q(links[0].token, "personal"), q(links[0].token, "question", number=1)):
        response = client.get(url)
        assert response.status_code == 410
        assert "withdrawn" in text(response)
    response = client.post(q(links[0].token, "question", number=1), {"level-0": "3"})
    assert response.status_code == 410
    assert not Questionnaire.objects.filter(wave=wave).exists()

    client.post(q(links[1].token, "question", number=1), {"level-0": "3"})
    services.close_wave(wave, user=coordinator)
    start = reverse("survey_public:start", args=[wave.public_token])
    for url in (start, q(links[1].token, "personal"), q(links[1].token, "question", number=2),
                q(links[1].token, "review")):
        response = client.get(url)
        assert response.status_code == 410, url
        assert "This survey closed on" in text(response)
        assert "<form method=\"post\">" not in response.content.decode()
    response = client.post(q(links[1].token, "review"))
    assert response.status_code == 410
    assert Questionnaire.objects.get(wave=wave).submitted_at is None
    assert not WaveTally.objects.filter(wave=wave, respondents__gt=0).exists()


def test_draft_wave_disabled_link_and_unknown_links(make_wave, world):
    draft = make_wave(open=False, title="Draft wave").wave
    services.set_public_link(draft, user=world.alpha.users["coordinator"], enabled=True)
    token = personal_link(draft, world)
    client = Client()
    response = client.get(q(token, "personal"))
    assert response.status_code == 403 and "not open yet" in text(response)
    response = client.get(reverse("survey_public:start", args=[draft.public_token]))
    assert "not open yet" in text(response)
    assert client.get("/s/nothing-here/").status_code == 404
    assert client.get("/s/r/nothing-here/").status_code == 404
    open_wave = make_wave(title="Open wave").wave  # public link not enabled
    response = client.get(reverse("survey_public:start", args=[open_wave.public_token]))
    assert response.status_code == 403 and "link to the survey is closed" in text(response)
    assert client.post(reverse("survey_public:start", args=[open_wave.public_token])).status_code == 403


def test_bad_answers_posted_by_hand_store_nothing(survey, world):
    wave = survey.wave
    token = personal_link(wave, world)
    client = Client()
    response = client.post(q(token, "question", number=1), {"level-0": "7"})
    assert response.status_code == 400
    assert "“7” is not a level" in text(response)
    response = client.post(q(token, "question", number=1), {"level-99": "3"})
    assert response.status_code == 400
    assert "indicator number 100 is not an indicator of this wave" in text(response)
    response = client.post(q(token, "question", number=1), {"level-x": "3"})
    assert response.status_code == 400 and "“x” is not a question of this survey" in text(response)
    response = client.post(q(token, "question", number=1), {"level-0": "3", "level-3": "2"})
    assert response.status_code == 400
    assert client.get(q(token, "question", number=4)).status_code == 404
    response = client.post(q(token, "profile"), {"profile-age_band": "9", "consent": "on"})
    assert response.status_code == 400 and "is not one of the choices" in text(response)
    response = client.post(q(token, "profile"), {"profile-gender": "1", "consent": "on"})
    assert response.status_code == 400 and "does not ask" in text(response)
    assert not Questionnaire.objects.filter(wave=wave).exists()
    wave.refresh_from_db()
    assert wave.frozen_at is None
    # sending nothing at all is refused
    response = client.post(q(token, "review"))
    assert response.status_code == 400 and "Answer at least one question" in text(response)
    assert not Questionnaire.objects.filter(wave=wave).exists()


def test_page_language_and_indicator_texts_follow_the_reader(survey, world):
    token = personal_link(survey.wave, world)
    client = Client()
    client.cookies.load({"django_language": "fr"})
    page = client.get(q(token, "question", number=1)).content.decode()
    assert '<html lang="fr">' in page
    assert "Indicateur 1" in page and "Situation 1 (Alphaville)" in page
    client.cookies.load({"django_language": "en"})
    page = client.get(q(token, "question", number=1)).content.decode()
    assert '<html lang="en">' in page and "Indicator 1" in page


def test_thanks_links_published_results(survey, world):
    wave = survey.wave
    token = personal_link(wave, world)
    client = Client()
    client.post(q(token, "question", number=1), {"level-0": "2"})
    client.post(q(token, "review"))
    body = text(client.get(q(token, "thanks")))
    assert "results will be shared" in body
    services.publish_results(wave, user=world.alpha.users["coordinator"])
    body = client.get(q(token, "thanks")).content.decode()
    results = reverse("survey_public:results", kwargs={"public_token": wave.public_token})
    assert f'href="{results}"' in body


def test_public_posts_are_rate_limited(survey, world, settings):
    settings.COSPIRAL_ONLINE_RATE = "2/h"
    token = personal_link(survey.wave, world)
    client = Client()
    assert client.post(q(token, "question", number=1), {"level-0": "1"}).status_code == 302
    assert client.post(q(token, "question", number=2), {"level-1": "1"}).status_code == 302
    response = client.post(q(token, "question", number=3), {"level-2": "1"})
    assert response.status_code == 429 and "Too many sendings" in text(response)
    stored = Questionnaire.objects.get(wave=survey.wave, key=f"t:{token}")
    assert list(rules.unpack(bytes(stored.levels), 3)) == [1, 1, 0]
