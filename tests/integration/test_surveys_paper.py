"""Paper channels of a survey wave: the printable questionnaire and typed-in entry."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.urls import reverse

from cospiral.domain.scoring import DONT_KNOW, MISSING, NOT_APPLICABLE
from cospiral.jobs.models import Job
from cospiral.surveys import services
from cospiral.surveys.models import Questionnaire, WaveTally
from tests import pdfs


def url(name, t, wave, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"territory": t.territory.slug, "pk": wave.pk, **kwargs})


def tallies(wave):
    from cospiral.domain import survey as rules

    J = wave.items.count()
    return {(r.age_band, r.gender, r.neighbourhood, r.group_profile): (rules.unpack_counts(r.counts, J), r.respondents)
            for r in WaveTally.objects.filter(wave=wave, respondents__gt=0)}


def assert_tallies_exact(wave):
    stored, recomputed = tallies(wave), services.recount(wave)
    assert stored.keys() == recomputed.keys()
    for key, (counts, n) in recomputed.items():
        assert stored[key][1] == n
        assert np.array_equal(stored[key][0], counts)


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["paper", "paper_entry", "paper_typed"])
def test_other_territory_gets_404_and_observer_403(world, make_wave, login, name):
    made = make_wave(world.alpha)
    client = login(world.beta.users["coordinator"])
    # Beta's own slug with alpha's wave: not found either.
    assert client.get(url(name, world.beta, made.wave)).status_code == 404
    assert client.get(url(name, world.alpha, made.wave)).status_code == 404
    client = login(world.alpha.users["observer"])
    assert client.get(url(name, world.alpha, made.wave)).status_code == 403
    client = login(world.alpha.users["partner"])
    assert client.get(url(name, world.alpha, made.wave)).status_code == 403
    client = login(world.alpha.users["facilitator"])
    assert client.get(url(name, world.alpha, made.wave)).status_code == 200


def test_beta_cannot_print_or_type_into_alphas_wave(world, make_wave, login):
    made = make_wave(world.alpha)
    client = login(world.beta.users["coordinator"])
    assert client.get(url("paper_pdf", world.beta, made.wave) + "?language=fr").status_code == 404
    response = client.post(url("paper_entry", world.beta, made.wave), {"number": 1, "answers": "123"})
    assert response.status_code == 404
    client = login(world.alpha.users["observer"])
    response = client.post(url("paper_entry", world.alpha, made.wave), {"number": 1, "answers": "123"})
    assert response.status_code == 403
    assert client.get(url("paper_pdf", world.alpha, made.wave) + "?language=fr").status_code == 403
    assert not Questionnaire.objects.exists()
    # Alpha's printed questionnaires, built by a job, are not beta's to see.
    pdfs.download(login(world.alpha.users["facilitator"]), url("paper_pdf", world.alpha, made.wave) + "?language=fr")
    job = Job.objects.get(kind="surveys.paper_pdf")
    beta = login(world.beta.users["coordinator"])
    assert beta.get(job.get_absolute_url()).status_code == 404
    assert beta.get(job.download_url()).status_code == 404


# --- printable questionnaire --------------------------------------------------------------


def _pdf_text(content: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_blank_questionnaire_pdf_in_french(world, make_wave, login):
    made = make_wave(world.alpha, indicators=4, description="Merci de répondre à ce questionnaire.")
    client = login(world.alpha.users["facilitator"])
    response, content = pdfs.download(client, url("paper_pdf", world.alpha, made.wave) + "?language=fr&copies=0")
    assert response["Content-Type"] == "application/pdf"
    assert "blank" in response["Content-Disposition"]
    pages = _pdf_text(content)
    text = "\n".join(pages)
    assert "Neighbourhood survey" in text
    assert "Merci de répondre à ce questionnaire." in text
    for indicator in made.indicators:
        assert indicator.code in text
        assert indicator.titles["fr"] in text
    # The five level descriptors in full, in French.
    for n in range(1, 6):
        assert f"Situation {n} (Alphaville)" in text
    # The profile questions and the consent text (the wave asks age band and neighbourhood).
    assert "Optional questions, used only for anonymous statistics." in text
    assert "North" in text and "South" in text
    # Respondent number boxes on every page (their label, in the header).
    for page in pages:
        assert page.lower().count("no.") >= 1 or page.lower().count("n°") >= 1, page[:200]


def test_numbered_copies_print_their_numbers_on_every_page(world, make_wave, login):
    made = make_wave(world.alpha, indicators=5)
    client = login(world.alpha.users["coordinator"])
    response, content = pdfs.download(client, url("paper_pdf", world.alpha, made.wave) + "?language=en&copies=3&first=41")
    assert "-41-43.pdf" in response["Content-Disposition"]
    pages = _pdf_text(content)
    text = "\n".join(pages)
    assert "How to answer" in text and "Don't know" in text and "Not applicable" in text
    assert "Situation 3" in text
    # Each copy starts a page; every page carries its copy's number in the boxes.
    starts = [i for i, page in enumerate(pages) if "How to answer" in page]
    assert len(starts) == 3
    for copy, (start, end) in enumerate(zip(starts, [*starts[1:], len(pages)], strict=True)):
        digits = str(41 + copy).zfill(4)
        for page in pages[start:end]:
            assert "".join(page.split()).count(digits) >= 1, (digits, page[:300])


def test_print_options_are_checked(world, make_wave, login):
    made = make_wave(world.alpha)
    client = login(world.alpha.users["coordinator"])
    response = client.get(url("paper_pdf", world.alpha, made.wave) + "?language=de&copies=5000")
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content or b"valid" in response.content


# --- typed-in entry -----------------------------------------------------------------------


def test_typed_questionnaire_is_stored_and_tallied(world, make_wave, login):
    made = make_wave(world.alpha, indicators=5)
    client = login(world.alpha.users["facilitator"])
    response = client.get(url("paper_entry", world.alpha, made.wave))
    assert response.status_code == 200
    assert b'name="answers"' in response.content and b'maxlength="5"' in response.content
    response = client.post(url("paper_entry", world.alpha, made.wave), {
        "number": 7, "answers": "3dn 5", "age_band": "2", "neighbourhood": "1", "consent": "on"})
    assert response.status_code == 302
    assert response["Location"].endswith("?next=8")
    q = Questionnaire.objects.get(wave=made.wave)
    assert (q.key, q.channel, q.respondent_number) == ("p:7", "paper", 7)
    assert list(np.frombuffer(bytes(q.levels), dtype=np.int8)) == [3, DONT_KNOW, NOT_APPLICABLE, MISSING, 5]
    assert q.age_band == 2 and q.neighbourhood == 1 and q.consent
    assert q.entered_by == world.alpha.users["facilitator"]
    # A second one without profile answers; tallies equal a recount.
    client.post(url("paper_entry", world.alpha, made.wave), {"number": 8, "answers": "11111"})
    assert_tallies_exact(made.wave)
    assert sum(n for _c, n in tallies(made.wave).values()) == 2
    # The next page pre-fills number 9 and lists the last questionnaires typed.
    page = client.get(url("paper_entry", world.alpha, made.wave) + "?next=9")
    assert b'value="9"' in page.content
    assert "3dn.5" in page.content.decode() and "11111" in page.content.decode()


def test_typing_errors_name_the_character_and_the_indicator(world, make_wave, login):
    made = make_wave(world.alpha, indicators=5)
    codes = [i.code for i in made.indicators]
    client = login(world.alpha.users["facilitator"])
    response = client.post(url("paper_entry", world.alpha, made.wave), {"number": 1, "answers": "1238z"})
    assert response.status_code == 400
    text = response.content.decode()
    assert f"character 4 (indicator {codes[3]}): “8” is not a level" in text
    assert f"character 5 (indicator {codes[4]}): “z” is not an answer" in text
    response = client.post(url("paper_entry", world.alpha, made.wave), {"number": 1, "answers": "123"})
    assert "You typed 3 characters; this questionnaire has 5 indicators" in response.content.decode()
    response = client.post(url("paper_entry", world.alpha, made.wave), {"number": 1, "answers": "  .  "})
    assert "answers nothing" in response.content.decode()
    # Profile answers without the consent box.
    response = client.post(url("paper_entry", world.alpha, made.wave),
                           {"number": 1, "answers": "12345", "age_band": "1"})
    assert response.status_code == 400
    assert "consent is not ticked" in response.content.decode()
    assert not Questionnaire.objects.exists()


def test_a_number_typed_twice_is_refused_then_replaced(world, make_wave, login):
    made = make_wave(world.alpha, indicators=3)
    client = login(world.alpha.users["facilitator"])
    entry = url("paper_entry", world.alpha, made.wave)
    client.post(entry, {"number": 12, "answers": "123"})
    response = client.post(entry, {"number": 12, "answers": "555"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Questionnaire number 12 is already stored" in text and "<code>123</code>" in text
    assert Questionnaire.objects.get(key="p:12").levels == bytes([1, 2, 3])
    response = client.post(entry, {"number": 12, "answers": "555", "replace": "on"})
    assert response.status_code == 302
    assert Questionnaire.objects.filter(wave=made.wave).count() == 1
    assert bytes(Questionnaire.objects.get(key="p:12").levels) == bytes([5, 5, 5])
    assert_tallies_exact(made.wave)
    # The correction link pre-fills the stored answers with "replace" ticked.
    page = client.get(entry + "?number=12").content.decode()
    assert 'value="555"' in page and "Correcting questionnaire 12" in page
    listing = client.get(url("paper_typed", world.alpha, made.wave)).content.decode()
    assert "?number=12" in listing and "555" in listing


def test_entry_refused_after_closing(world, make_wave, login):
    made = make_wave(world.alpha, indicators=3)
    services.close_wave(made.wave, user=world.alpha.users["coordinator"])
    client = login(world.alpha.users["facilitator"])
    page = client.get(url("paper_entry", world.alpha, made.wave))
    assert "This survey is closed" in page.content.decode()
    response = client.post(url("paper_entry", world.alpha, made.wave), {"number": 1, "answers": "123"})
    assert response.status_code == 400
    assert "answers are no longer accepted" in response.content.decode()
    assert not Questionnaire.objects.exists()


def test_entry_refused_before_opening(world, make_wave, login):
    made = make_wave(world.alpha, indicators=3, open=False)
    client = login(world.alpha.users["facilitator"])
    response = client.post(url("paper_entry", world.alpha, made.wave), {"number": 1, "answers": "123"})
    assert response.status_code == 400
    assert "not open yet" in response.content.decode()
    assert not Questionnaire.objects.exists()


def test_three_hundred_numbered_copies_repeat_one_layout(world, make_wave, login):
    from pypdf import PdfReader

    made = make_wave(world.alpha, indicators=20)
    client = login(world.alpha.users["coordinator"])
    pdf_url = url("paper_pdf", world.alpha, made.wave)
    blank = PdfReader(io.BytesIO(pdfs.download(client, pdf_url + "?language=fr")[1]))
    numbered = PdfReader(io.BytesIO(pdfs.download(client, pdf_url + "?language=fr&copies=300&first=1")[1]))
    per_copy = len(blank.pages)
    assert len(numbered.pages) == 300 * per_copy
    for copy in (0, 149, 299):
        for page in numbered.pages[copy * per_copy:(copy + 1) * per_copy]:
            assert "".join(page.extract_text().split()).endswith(str(copy + 1).zfill(4))
