"""The review an elected official can read (issue 15, point 8): a first page in plain
words from the figures, the responsible elected members, money per axis and action with
its outcomes, the timeline, indicators by their names, extreme situations and the full
comparison; in the PDF too, built again when what it shows changes. Two territories."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cospiral.actions.models import Axis, Commitment
from cospiral.review.models import ElectedMember
from cospiral.surveys import services as survey_services
from tests import pdfs
from tests.integration import test_review as review_tests
from tests.integration.test_review import _client, pdf_text, url

# The review's fixtures (a cycle-2 group with coded cards, an answered wave, a plan).
cycle2, answered, plan = review_tests.cycle2, review_tests.answered, review_tests.plan

pytestmark = pytest.mark.django_db


def elected_url(t, member=None):
    if member is None:
        return reverse("reports:add_elected", args=[t.territory.slug, 2])
    return reverse("reports:remove_elected", args=[t.territory.slug, 2, member.pk])


def test_the_first_page_says_it_in_plain_words(world, login, plan, answered, cycle2):
    t = world.alpha.territory
    Commitment.objects.create(territory=t, action=plan, party_kind="person", person="Mr Roux",
                              what="Fund the paint", resource="money", amount=Decimal("1500"),
                              unit="€", outcome="kept", signed_on=dt.date(2026, 5, 4))
    Commitment.objects.create(territory=t, action=plan, party_kind="person", person="Mr Roux",
                              what="Fund the tools", resource="money", amount=Decimal("500"), unit="€")
    response = login(world.alpha.users["observer"]).get(url("review", world.alpha))
    assert response.status_code == 200
    r = response.context["r"]
    assert r.plain["said"].startswith("1 citizen group met in this cycle. In 1 session, they were "
                                      "9 participants in all")
    assert "What they spoke of most: “Means of living in general” (2 ideas)" in r.plain["said"]
    # Where people are: by the indicators' names, never their codes alone.
    first = answered.indicators[0]
    assert "5 people answered the survey “Neighbourhood survey”." in r.plain["where"]
    assert "The hardest situation is “" in r.plain["where"] and "synthetic index is" in r.plain["where"]
    assert "Money committed: €2,000." in r.plain["done"]
    assert "Not measured yet" in r.plain["changed"]
    assert r.plain["next"] == "The coordinators have not written the plan for the next cycle yet."
    # Money per axis and action, with the outcomes.
    block = next(b for b in r.money["blocks"] if b.title.endswith("Decent housing for all"))
    row = next(x for x in block.rows if x.title == "Repair cellars")
    assert row.outcome_amounts == [{"unit": "€", "total": "€2,000",
                                    "parts": "€1,500 of commitments kept · €500 with no outcome yet"}]
    assert block.amounts[0]["total"] == "€2,000"
    # The timeline holds the signature and the milestone, in date order.
    events = [(e["on"], e["kind"]) for m in r.timeline for e in m["events"]]
    assert (dt.date(2026, 5, 4), "commitment_signed") in events
    assert (dt.date(2027, 3, 1), "milestone") in events and events == sorted(
        events, key=lambda e: e[0])
    # "Planned" is read as of the moment the figures are taken (a PDF's freezing).
    from cospiral.review import selectors

    def milestone_future(now):
        frozen = selectors.assemble(t, cycle2, charts=False, now=now)
        return next(e["future"] for m in frozen.timeline for e in m["events"] if e["kind"] == "milestone")

    assert milestone_future(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) is True
    assert milestone_future(dt.datetime(2027, 6, 1, tzinfo=dt.UTC)) is False
    page = response.content.decode()
    assert "The cycle in plain words" in page and "Timeline of the cycle" in page
    assert f"{first.title('en')} <span class=\"code-badge\">{first.code}</span>" in page
    assert "Beta" not in r.plain["said"] + r.plain["done"]


def test_coordinators_name_the_responsible_elected_members(world, login, plan, cycle2):
    coordinator = _client(world.alpha.users["coordinator"])
    axis = Axis.objects.of(world.alpha.territory).get()
    response = coordinator.post(elected_url(world.alpha), {
        "elected-name": "Claire Dupont", "elected-mandate": "Deputy mayor for housing",
        "elected-axis": axis.pk})
    assert response.status_code == 302
    coordinator.post(elected_url(world.alpha), {"elected-name": "Paul Meyer", "elected-axis": ""})
    members = list(ElectedMember.objects.of(world.alpha.territory).order_by("name"))
    assert [(m.name, m.axis_id) for m in members] == [("Claire Dupont", axis.pk), ("Paul Meyer", None)]
    page = _client(world.alpha.users["observer"]).get(url("review", world.alpha)).content.decode()
    assert "Responsible elected member: <strong>Claire Dupont</strong>, Deputy mayor for housing" in page
    assert "<strong>Paul Meyer</strong> · the whole approach" in page
    # A blank name is refused with a message, nothing written.
    bad = coordinator.post(elected_url(world.alpha), {"elected-name": "  ", "elected-axis": ""})
    assert bad.status_code == 400 and ElectedMember.objects.count() == 2
    # Another territory's axis cannot be chosen; beta's coordinator cannot touch alpha's.
    beta_axis = Axis.objects.create(territory=world.beta.territory, code="9", title="Beta axis")
    stolen = coordinator.post(elected_url(world.alpha), {"elected-name": "X", "elected-axis": beta_axis.pk})
    assert stolen.status_code == 400 and ElectedMember.objects.count() == 2
    beta = _client(world.beta.users["coordinator"])
    assert beta.post(elected_url(world.alpha), {"elected-name": "Y"}).status_code == 404
    assert beta.post(elected_url(world.beta, members[0])).status_code == 404
    assert beta.get(url("review", world.beta)).content.decode().count("Claire Dupont") == 0
    # Observers cannot name or remove; the coordinator removes, with an audit entry.
    observer = _client(world.alpha.users["observer"])
    assert observer.post(elected_url(world.alpha), {"elected-name": "Z"}).status_code == 403
    assert observer.post(elected_url(world.alpha, members[0])).status_code == 403
    assert coordinator.post(elected_url(world.alpha, members[0])).status_code == 302
    assert list(ElectedMember.objects.values_list("name", flat=True)) == ["Paul Meyer"]
    from cospiral.core.models import AuditEntry

    assert AuditEntry.objects.filter(territory=world.alpha.territory, model="electedmember").count() == 3


def test_the_pdf_holds_the_new_parts_and_is_built_again_when_they_change(world, login, plan, answered,
                                                                         monkeypatch):
    from weasyprint import Document

    calls = []
    write_pdf = Document.write_pdf
    monkeypatch.setattr(Document, "write_pdf", lambda self, *a, **k: calls.append(1) or write_pdf(self, *a, **k))
    coordinator = login(world.alpha.users["coordinator"])
    _response, first = pdfs.download(coordinator, url("pdf", world.alpha))
    text = pdf_text(first)
    for part in ("The cycle in plain words", "What citizens said", "Where people are",
                 "What was done", "What changed", "Responsible elected members",
                 "Timeline of the cycle", "Commitments and money, by axis and action",
                 "Extreme situations", "Methods appendix"):
        assert part in text, part
    assert text.index("The cycle in plain words") < text.index("Contents") < text.index("Methods appendix")
    coordinator.post(elected_url(world.alpha), {"elected-name": "Claire Dupont", "elected-axis": ""})
    _response, second = pdfs.download(coordinator, url("pdf", world.alpha))
    assert len(calls) == 2 and "Claire Dupont" in pdf_text(second)


def test_the_full_comparison_and_the_change_in_plain_words(world, login, answered, cycle2):
    coordinator = world.alpha.users["coordinator"]
    after = survey_services.create_wave(world.alpha.territory, user=coordinator, title="After",
                                        kind="ex_post", baseline=answered.wave, cycle=cycle2)
    survey_services.open_wave(after, user=coordinator)
    for n, levels in enumerate([(4, 5), (5, 5), (4, 4), (3, 5), (5, 4)]):
        survey_services.save_questionnaire(after, key=f"q:{n}", channel="paper",
                                           answers=dict(enumerate(levels)), user=coordinator)
    client = login(coordinator)
    # While the ex-post results are not published, the first page says so, nothing more.
    r = client.get(url("review", world.alpha)).context["r"]
    assert r.plain["changed"].startswith("A second survey, “After”, is under way or not yet published")
    survey_services.publish_results(after, user=coordinator)
    response = client.get(url("review", world.alpha))
    r = response.context["r"]
    wave = next(w for w in r.waves if w.comparison and w.comparison.get("scores"))
    synthetic = wave.comparison["scores"]["index_rows"][-1]
    assert synthetic["verdict"] is not None
    assert f"the synthetic index went from {synthetic['before']} to {synthetic['after']} out of 100" in r.plain["changed"]
    if synthetic["verdict"] == "no_clear_change":
        assert "includes 0, so the difference may be chance" in r.plain["changed"]
    page = response.content.decode()
    # Both shares, the ordinal test, and the scores and indices before and after.
    for part in ("Shares at levels 1–2 and 4–5, before", "The whole distribution of levels, before and after",
                 "Scores and indices (0–100), before and after", "Score of each indicator, before and after"):
        assert part in page, part


def test_an_empty_cycle_says_what_is_not_there_yet(world, login):
    from cospiral.territories.models import Cycle

    # Beta's only group belongs to cycle 3: cycle 1 has no group, card, wave or action.
    world.beta.group.cycle = Cycle.objects.of(world.beta.territory).get(number=3)
    world.beta.group.save()
    client = login(world.beta.users["observer"])
    r = client.get(url("review", world.beta, cycle=1)).context["r"]
    assert r.plain["said"] == "No citizen group has met in this cycle yet."
    assert r.plain["where"].startswith("No survey result is published for this cycle yet")
    assert r.plain["done"] == "No action is planned for this cycle yet."
    assert r.plain["changed"].startswith("Not measured yet")
    assert r.elected == []
    # Nothing happened in the cycle: at most its phases' planned starts are dated.
    assert all(e["kind"] == "phase_started" for m in r.timeline for e in m["events"])
    assert r.money["whole_text"] == ""
