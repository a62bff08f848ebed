"""The territory page keeps what phases 3–8 recorded (a dozen aggregate queries) while
their state is the same (``territories.selectors._later_state``): every write shows on
the next view, audited or not (an anonymous web questionnaire, a built review PDF), a
card typed meanwhile still counts at once, and two territories never share counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cospiral.territories import selectors

pytestmark = pytest.mark.django_db


def _counts(response) -> dict:
    cell = {(c["cycle"], c["number"]): c for row in response.context["matrix"]["rows"]
            for c in row["cells"]}
    current = response.context["matrix"]["current"]
    cards = sum(g["cards"] for g in response.context["matrix"]["groups"])
    return dict(cell[(current, 3)]["progress"].counts), cards


def test_a_write_shows_on_the_next_view(world, make_wave, login, django_assert_max_num_queries):
    from cospiral.cards import services as card_services
    from cospiral.groups.models import Group, Session
    from cospiral.surveys import services as survey_services

    t = world.alpha.territory
    home = reverse("territories:home", args=[t.slug])
    client = login(world.alpha.users["coordinator"])
    selectors._LATER.clear()
    later, early = _counts(client.get(home))
    assert later.get("ex_ante_waves", 0) == 0
    with django_assert_max_num_queries(13):  # kept: no aggregate of phases 3–8
        assert _counts(client.get(home)) == (later, early)

    # An audited write (a wave, through its services): the next view counts it.
    wave = make_wave(world.alpha).wave
    later, early = _counts(client.get(home))
    assert later["ex_ante_waves"] == 1 and later.get("ex_ante_answers", 0) == 0

    # An anonymous web questionnaire (no audit entry): counted at the next view too.
    survey_services.save_questionnaire(wave, key="web-1", channel="web",
                                       answers={0: 3, 1: 4, 2: 2})
    later, _early = _counts(client.get(home))
    assert later["ex_ante_answers"] == 1

    # A card typed meanwhile (phases 1–2 are read every time) shows while 3–8 are kept.
    group = Group.objects.of(t).order_by("pk").first()
    session = Session.objects.of(t).filter(group=group).first() or Session.objects.create(
        territory=t, group=group, date="2026-02-02")
    cards_before = _counts(client.get(home))[1]
    card_services.create_cards(t, group=group, session=session, question=world.alpha.q1,
                               texts=["One more idea"], user=world.alpha.users["coordinator"])
    with django_assert_max_num_queries(13):
        later_now, early_now = _counts(client.get(home))
    assert early_now == cards_before + 1
    assert later_now == later


def test_two_territories_keep_their_own_counts(world, make_wave, login):
    selectors._LATER.clear()
    make_wave(world.alpha)
    alpha = login(world.alpha.users["coordinator"]).get(
        reverse("territories:home", args=[world.alpha.territory.slug]))
    beta = login(world.beta.users["coordinator"]).get(
        reverse("territories:home", args=[world.beta.territory.slug]))
    assert _counts(alpha)[0]["ex_ante_waves"] == 1
    assert _counts(beta)[0].get("ex_ante_waves", 0) == 0


def test_a_built_review_pdf_shows_on_the_next_view(world):
    from cospiral.jobs.models import Job
    from cospiral.review.jobs import KIND
    from cospiral.territories.models import Cycle

    t = world.alpha.territory
    cycle = Cycle.objects.of(t).order_by("number").last()
    selectors._LATER.clear()
    before = selectors.phase_counts(t)["by_cycle"].get(cycle.number, {}).get("reviews_frozen", 0)
    job = Job.objects.create(territory=t, kind=KIND, params={"cycle_id": cycle.pk},
                             state=Job.State.QUEUED)
    assert selectors.phase_counts(t)["by_cycle"].get(cycle.number, {}).get("reviews_frozen", 0) == before
    Job.objects.filter(pk=job.pk).update(state=Job.State.SUCCEEDED)  # as a worker ends it
    assert selectors.phase_counts(t)["by_cycle"][cycle.number]["reviews_frozen"] == before + 1
