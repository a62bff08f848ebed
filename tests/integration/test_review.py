"""The review of a cycle (phase 8): page, PDF, lessons learnt. Two territories; nothing
of one in the other's review; low roles cannot edit."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cospiral.actions.models import Action, Axis, Commitment, Milestone, Target
from cospiral.contracts.models import Contract, ContractCommitment, ContractParty
from cospiral.core import pdfs as pdfs_cache
from cospiral.core.models import AuditEntry
from cospiral.jobs.models import Job
from cospiral.review import jobs as review_jobs
from cospiral.review.models import Review
from cospiral.surveys import services as survey_services
from cospiral.territories.models import Cycle, Organisation
from tests import pdfs

pytestmark = pytest.mark.django_db

pypdf = pytest.importorskip("pypdf")


def url(name, t, cycle=2):
    return reverse(f"reports:{name}", args=[t.territory.slug, cycle])


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def cycle2(world):
    """Alpha's group in cycle 2, coded cards, a wave with answers, an action plan."""
    from cospiral.coding import counts
    from cospiral.grid.models import GridEntry

    t = world.alpha
    cycle = Cycle.objects.of(t.territory).get(number=2)
    t.group.cycle = cycle
    t.group.save()
    components = list(GridEntry.objects.of(t.territory).filter(kind="component").order_by("position"))
    for card, component in zip(t.cards, [components[0], components[0], components[3]], strict=True):
        card.component = component
        card.save()
    counts.recompute(t.territory)
    return cycle


@pytest.fixture
def answered(world, make_wave, cycle2):
    w = make_wave(world.alpha, indicators=2, profile_questions=())
    w.wave.cycle = cycle2
    w.wave.threshold = 3
    w.wave.save()
    for n, levels in enumerate([(1, 4), (2, 5), (4, 5), (5, 3), (3, 4)]):
        survey_services.save_questionnaire(w.wave, key=f"p:{n}", channel="paper",
                                           answers=dict(enumerate(levels)),
                                           user=world.alpha.users["coordinator"])
    # The review shows published results only (issue 13).
    survey_services.publish_results(w.wave, user=world.alpha.users["coordinator"])
    w.wave.refresh_from_db()
    return w


@pytest.fixture
def plan(world, cycle2, answered):
    t = world.alpha.territory
    axis = Axis.objects.create(territory=t, cycle=cycle2, code="1", title="Decent housing for all")
    action = Action.objects.create(territory=t, cycle=cycle2, axis=axis, title="Repair cellars",
                                   status=Action.Status.RUNNING, progress=40)
    Action.objects.create(territory=t, parent=action, title="Survey the cellars",
                          status=Action.Status.DONE, progress=100)
    Target.objects.create(territory=t, action=action, indicator=answered.indicators[0],
                          baseline=20, target=40)
    Milestone.objects.create(territory=t, action=action, on=dt.date(2027, 3, 1),
                             title="First cellar repaired", reached=True)
    landlord = Organisation.objects.create(territory=t, name="Social landlord")
    for outcome in ("kept", "kept", "not_kept", ""):
        Commitment.objects.create(territory=t, action=action, party_kind="organisation",
                                  organisation=landlord, what="Pay the materials",
                                  outcome=outcome)
    Commitment.objects.create(territory=t, action=action, party_kind="person",
                              person="Mrs Martin", what="Lend her tools", outcome="partly")
    Commitment.objects.create(territory=t, action=action, party_kind="group", group=world.alpha.group,
                              what="Paint the doors")
    # A contract of the action (shown) and one of an action of cycle 1 (not shown).
    contract = Contract.objects.create(territory=t, action=action, title="Budget contract")
    amel = ContractParty.objects.create(territory=t, contract=contract, kind="beneficiary",
                                        pseudonym="Amel")
    ContractCommitment.objects.create(territory=t, contract=contract, party=amel,
                                      what="Come to the workshops", outcome="kept")
    old = Action.objects.create(territory=t, cycle=Cycle.objects.of(t).get(number=1), title="Old action")
    Contract.objects.create(territory=t, action=old, title="Contract of cycle one")
    Contract.objects.create(territory=world.beta.territory, title="Beta contract")
    return action


def test_beta_cannot_read_or_edit_alphas_review(world, login, cycle2):
    client = login(world.beta.users["coordinator"])
    for name in ("review", "pdf", "edit"):
        assert client.get(url(name, world.alpha)).status_code == 404
    assert client.post(url("edit", world.alpha), {"lessons_learnt": "x"}).status_code == 404
    assert client.get(reverse("reports:index", args=["alpha"])).status_code == 404
    assert not Review.objects.exists()


@pytest.mark.parametrize("role", ["observer", "partner", "facilitator"])
def test_only_coordinators_edit_the_lessons(world, login, role):
    client = login(world.alpha.users[role])
    assert client.get(url("review", world.alpha)).status_code == 200
    assert client.get(url("edit", world.alpha)).status_code == 403
    response = client.post(url("edit", world.alpha), {"lessons_learnt": "Sneaky"})
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_unknown_cycle_is_404(world, login):
    client = login(world.alpha.users["coordinator"])
    assert client.get(url("review", world.alpha, cycle=7)).status_code == 404


def test_coordinator_writes_the_lessons_with_an_audit_entry(world, login, cycle2):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("edit", world.alpha), {
        "lessons_learnt": "Meet in the evening: more parents came.",
        "what_next": "Cycle 3: build indicators."})
    assert response.status_code == 302
    review = Review.objects.of(world.alpha.territory).get(cycle=cycle2)
    assert review.lessons_learnt == "Meet in the evening: more parents came."
    entry = AuditEntry.objects.of(world.alpha.territory).get(model="review")
    assert entry.action == "create" and entry.user == world.alpha.users["coordinator"]
    page = client.get(url("review", world.alpha)).content.decode()
    assert "Meet in the evening: more parents came." in page
    assert "Cycle 3: build indicators." in page
    # Too long a text is refused with the field named, nothing changed.
    response = client.post(url("edit", world.alpha), {"lessons_learnt": "x" * 20_001, "what_next": ""})
    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode().replace("\u202f", "").replace(",", "")
    review.refresh_from_db()
    assert review.lessons_learnt == "Meet in the evening: more parents came."


def test_page_shows_alphas_groups_cards_and_results_and_nothing_of_beta(world, login, plan, answered):
    client = login(world.alpha.users["observer"])
    response = client.get(url("review", world.alpha))
    assert response.status_code == 200
    page = response.content.decode()
    # The group, its session, attendees and cards.
    row = re.search(r"<tr><th scope=\"row\">Alphaville young people</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "9", "3", "3"]
    # Statistics with their chart and data table; the most cited component.
    assert "Coded cards by family and question" in page and "<svg" in page
    assert re.search(r"A00</span> Means of living in general · 2 cards", page)
    # Survey: indicator codes, the synthetic index and the comparison-free wave.
    code = answered.indicators[0].code
    assert code in page and "Synthetic index" in page
    assert "Headline figures of each indicator" in page
    # Actions: the axis, the sub-action under its parent, the share kept per party.
    assert "Decent housing for all" in page and "Survey the cellars" in page
    landlord = re.search(r"<th scope=\"row\">Social landlord</th>(.*?)</tr>", page, re.S).group(1)
    # 2 kept of the 3 with an outcome: 66.7 %, the one decimal of plan.KEPT_RULE (as on the
    # action's page), not rounded to 67 %.
    assert re.findall(r'<td class="num">([^<]*)</td>', landlord) == ["4", "2", "0", "1", "1", "66.7%"]
    # The sub-action is done (100 %), the parent running at 40 %: the axis rolls up its
    # main action, whose progress is its sub-action's (plan.ROLLUP_RULE).
    assert "Progress of the axis: 100%." in page and "rolled up from 1 sub-action" in page
    # Contracts of the cycle's actions only.
    assert "Budget contract" in page and "Contract of cycle one" not in page
    assert "Beta contract" not in page
    martin = re.search(r"<th scope=\"row\">Mrs Martin</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', martin)[-1] == "50%"  # partly kept counts half
    youth = re.search(r"<th scope=\"row\">Alphaville young people</th><td>Group</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', youth)[-1] == "—"  # no outcome yet: no share
    assert "Betatown" not in page
    # Links: the PDF; no edit link for an observer.
    assert url("pdf", world.alpha) in page
    assert url("edit", world.alpha) not in page
    assert reverse("reports:index", args=["alpha"]) in page  # the territory's navigation


def test_pdf_has_sections_lessons_indicator_and_methods(world, login, plan, answered):
    client = login(world.alpha.users["coordinator"])
    client.post(url("edit", world.alpha), {"lessons_learnt": "Paper questionnaires reached the elderly.",
                                           "what_next": "Carry on the cellars."})
    audited = AuditEntry.objects.count()
    response, content = pdfs.download(client, url("pdf", world.alpha))
    assert response["Content-Type"] == "application/pdf"
    assert "cospiral-review-alpha-cycle-2.pdf" in response["Content-Disposition"]
    text = pdf_text(content)
    for title in ("Contents", "Groups", "Criteria statistics", "Syntheses and shared definition",
                  "Indicators of progress", "Survey results", "Existing actions",
                  "Actions and commitments", "Multipartite social contracts",
                  "Lessons learnt and what comes next",
                  "Methods appendix"):
        assert title in text, title
    assert "Paper questionnaires reached the elderly." in text
    assert answered.indicators[0].code in text
    # The snapshot date is the moment the job built the PDF; downloading wrote nothing.
    job = Job.objects.get(kind="reports.review_pdf")
    assert date_format(timezone.localtime(job.started_at), "SHORT_DATE_FORMAT") in text
    built = pdfs_cache.built_at(pdfs_cache.content_key(
        "reports.review_pdf", world.alpha.territory, role=job.params["pdf"]["role"],
        language=job.params["pdf"]["language"],
        params={"cycle_id": job.params["cycle_id"], "base_url": job.params["base_url"]},
        extra=review_jobs.unaudited(world.alpha.territory)))
    assert built is not None and date_format(timezone.localtime(built),
                                             "SHORT_DATETIME_FORMAT") in text
    assert AuditEntry.objects.count() == audited
    assert not Review.objects.of(world.alpha.territory).get(cycle__number=2).snapshot_at
    assert str(answered.wave.bootstrap_seed) in text
    assert "score = (mean − 1) / 4 × 100" in text
    assert "Alphaville young people" in text and "Betatown" not in text
    assert re.search(r"\b1 / \d+\b", text)  # page numbers
    # The review page and the list of reviews name the moment its figures were frozen.
    shown = date_format(timezone.localtime(built), "SHORT_DATETIME_FORMAT")
    assert shown in client.get(url("review", world.alpha)).content.decode()
    assert shown in client.get(reverse("reports:index", args=["alpha"])).content.decode()


def test_review_pdf_twice_is_the_same_file_and_the_second_does_no_work(world, login, plan,
                                                                        answered, monkeypatch):
    from weasyprint import Document

    calls = []
    write_pdf = Document.write_pdf
    monkeypatch.setattr(Document, "write_pdf", lambda self, *a, **k: calls.append(1) or write_pdf(self, *a, **k))
    client = login(world.alpha.users["coordinator"])
    _response, first = pdfs.download(client, url("pdf", world.alpha))
    assert len(calls) == 1
    queries_before = Job.objects.count()
    again = client.get(url("pdf", world.alpha))
    assert again.status_code == 200
    assert b"".join(again.streaming_content) == first
    assert len(calls) == 1 and Job.objects.count() == queries_before  # no job, no drawing
    # A change of what the review shows gives a new PDF (a new job).
    client = login(world.alpha.users["coordinator"])
    client.post(url("edit", world.alpha), {"lessons_learnt": "A new lesson.", "what_next": ""})
    _response, changed = pdfs.download(client, url("pdf", world.alpha))
    assert "A new lesson." in pdf_text(changed) and len(calls) == 2


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_review_pdf_is_get_only_and_scoped(world, cycle2):
    alpha = _client(world.alpha.users["coordinator"])
    assert alpha.post(url("pdf", world.alpha)).status_code == 405
    assert not Job.objects.exists() and not Review.objects.exists()
    pdfs.download(_client(world.beta.users["observer"]), url("pdf", world.beta))
    job = Job.objects.get()
    # Alpha's coordinator sees neither beta's job nor its result nor its review.
    assert alpha.get(job.get_absolute_url()).status_code == 404
    assert alpha.get(job.download_url()).status_code == 404
    assert alpha.get(url("pdf", world.beta)).status_code == 404
    beta = _client(world.beta.users["coordinator"])
    assert beta.get(job.download_url()).status_code == 200
    assert beta.get(url("pdf", world.beta)).status_code == 302  # a coordinator's own copy


def test_empty_territory_says_nothing_yet(world, login):
    # Beta's only group belongs to cycle 3: cycle 1 has no group, card, wave or action.
    world.beta.group.cycle = Cycle.objects.of(world.beta.territory).get(number=3)
    world.beta.group.save()
    client = login(world.beta.users["observer"])
    response = client.get(url("review", world.beta, cycle=1))
    assert response.status_code == 200
    page = response.content.decode()
    for sentence in ("No group has met in this cycle yet.",
                     "No survey wave in this cycle yet",
                     "No action is planned for this cycle yet.",
                     "No existing action is recorded for this cycle.",
                     "No card of this cycle's groups is coded yet",
                     "No lesson is written yet",
                     "No indicator of progress is built yet.",
                     "No multipartite social contract for this cycle yet."):
        assert sentence in page, sentence
    _response, content = pdfs.download(client, url("pdf", world.beta, cycle=1))
    text = pdf_text(content)
    assert "No survey wave in this cycle yet" in text and "Methods appendix" in text
    index = client.get(reverse("reports:index", args=["beta"]))
    assert index.status_code == 200 and url("review", world.beta, cycle=1) in index.content.decode()


def test_ex_post_wave_is_compared_with_its_ex_ante_wave(world, login, answered, cycle2):
    coordinator = world.alpha.users["coordinator"]
    after = survey_services.create_wave(world.alpha.territory, user=coordinator, title="After the actions",
                                        kind="ex_post", baseline=answered.wave, cycle=cycle2)
    survey_services.set_indicators(after, answered.indicators, user=coordinator)
    survey_services.open_wave(after, user=coordinator)
    for n, levels in enumerate([(4, 5), (5, 5), (4, 4), (3, 5), (5, 4)]):
        survey_services.save_questionnaire(after, key=f"q:{n}", channel="paper",
                                           answers=dict(enumerate(levels)), user=coordinator)
    survey_services.publish_results(after, user=coordinator)
    page = login(coordinator).get(url("review", world.alpha)).content.decode()
    assert "Ex-post compared with ex-ante" in page
    assert "From “Neighbourhood survey” to “After the actions”" in page
    text = pdf_text(pdfs.download(login(coordinator), url("pdf", world.alpha))[1])
    assert "Ex-post compared with ex-ante" in text
    # Both waves' seeds in the appendix.
    after.refresh_from_db()
    assert str(after.bootstrap_seed) in text and str(answered.wave.bootstrap_seed) in text
