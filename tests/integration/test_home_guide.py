"""The territory page as a guide (issue 15, point 1): every cell of the cycle × phase
matrix derives its state and content from what is recorded, the coordinator's status
wins, the current cycle shows the next step, reviews due and deadlines come first. The
demo's phases 3–7 show what they recorded; two territories never mix."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cospiral.territories.models import Cycle, Phase, Territory

pytestmark = pytest.mark.django_db


def _cells(response):
    return {(c["cycle"], c["number"]): c for row in response.context["matrix"]["rows"]
            for c in row["cells"]}


def test_an_empty_territory_points_to_the_first_step(world, login):
    from cospiral.cards.models import Card
    from cospiral.groups.models import Group, Session

    for model in (Card, Session, Group):
        model.objects.of(world.alpha.territory).delete()
    home = reverse("territories:home", args=[world.alpha.territory.slug])
    response = login(world.alpha.users["coordinator"]).get(home)
    assert response.status_code == 200
    cells = _cells(response)
    assert all(c["progress"].state == "not_started" for c in cells.values())
    nxt = response.context["next_step"]
    assert nxt["key"] == "coordination" and nxt["phase"] == 1
    assert nxt["url"] == reverse("territories:coordination", args=[world.alpha.territory.slug])
    assert nxt["url"] in response.content.decode()
    # Readers see the state, not the coordinators' next steps.
    observer = login(world.alpha.users["observer"]).get(home)
    assert observer.context["next_step"] is None


def test_cells_follow_the_records_and_the_coordinators_status(world, make_wave, login):
    t = world.alpha.territory
    cycle2 = Cycle.objects.of(t).get(number=2)
    w = make_wave(world.alpha)  # an ex-ante wave with no cycle: the current cycle's
    w.wave.cycle = cycle2
    w.wave.save(update_fields=["cycle"])
    home = reverse("territories:home", args=[t.slug])
    response = login(world.alpha.users["coordinator"]).get(home)
    cells = _cells(response)
    assert response.context["matrix"]["current"] == 2
    p3 = cells[(2, 3)]["progress"]
    assert p3.state == "in_progress" and not p3.overridden
    assert dict(p3.counts)["ex_ante_waves"] == 1 and dict(p3.counts)["indicators"] == 3
    assert p3.next_step == "collect_ex_ante"
    assert "1 ex-ante survey wave" in response.content.decode()
    # Beta's records never show in alpha, and alpha's wave is not beta's.
    beta = login(world.beta.users["coordinator"]).get(reverse("territories:home", args=[world.beta.territory.slug]))
    assert all(dict(c["progress"].counts).get("ex_ante_waves", 0) == 0 for c in _cells(beta).values())
    # The coordinator's status wins; the cell says so.
    Phase.objects.of(t).filter(cycle=cycle2, number=3).update(status="done")
    response = login(world.alpha.users["coordinator"]).get(home)
    cell = _cells(response)[(2, 3)]
    assert cell["progress"].state == "done" and cell["progress"].derived == "in_progress"
    assert cell["next"] is None and "status set by the coordinator" in response.content.decode()


def test_deadlines_and_reviews_due_come_first(world, login):
    t = world.alpha.territory
    Phase.objects.of(t).filter(cycle__number=2, number=2).update(
        ends_on=dt.date.today() - dt.timedelta(days=1))
    page = login(world.alpha.users["coordinator"]).get(
        reverse("territories:home", args=[t.slug])).content.decode()
    guide = page.index('id="guide-title"')
    assert guide < page.index('id="matrix-title"')
    assert "Deadlines" in page[guide:page.index('id="matrix-title"')]
    assert "Cycle 2, phase 2" in page


def test_split_originals_and_merged_duplicates_are_not_counted(world, login):
    from cospiral.cards.models import Card

    t = world.alpha.territory
    Card.objects.filter(group=world.alpha.group).update(deleted_at=None)
    cards = list(Card.objects.filter(group=world.alpha.group).order_by("pk"))
    before = len(cards)
    Card.objects.filter(pk=cards[0].pk).update(is_split=True)
    Card.objects.filter(pk=cards[1].pk).update(merged_into=cards[2])
    cycle = Cycle.objects.of(t).get(number=2)
    world.alpha.group.cycle = cycle
    world.alpha.group.save(update_fields=["cycle"])
    response = login(world.alpha.users["observer"]).get(reverse("territories:home", args=[t.slug]))
    assert dict(_cells(response)[(2, 2)]["progress"].counts)["cards"] == before - 2


@pytest.mark.django_db(transaction=False)
def test_the_demo_phases_3_to_7_say_what_they_recorded(login):
    call_command("demo", no_serve=True, stdout=io.StringIO())
    city = Territory.objects.get(slug="montclair-tilleuls")
    from django.contrib.auth import get_user_model

    coordinator = get_user_model().objects.get(username="coordination")
    client = login(coordinator)
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("territories:home", args=[city.slug]), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    cells = _cells(response)
    for number in range(1, 8):
        progress = cells[(2, number)]["progress"]
        assert progress.recorded, number
        assert progress.state != "not_started", number
    html = response.content.decode()
    matrix = html[html.index('id="matrix-title"'):]
    row_texts = matrix.split("<tr>")
    for number in range(3, 8):
        row = next(r for r in row_texts if f"<th scope=\"row\">{number}. " in r)
        cells_html = row.split('<td class="matrix-cell')
        assert "Rien n’a encore été enregistré" not in cells_html[3], number  # cycle 2
    assert response.context["next_step"] is not None


def test_the_phase_2_page_counts_syntheses(world, login):
    from cospiral.syntheses.models import Synthesis

    t = world.alpha.territory
    world.alpha.group.cycle = Cycle.objects.of(t).get(number=2)
    world.alpha.group.save(update_fields=["cycle"])
    Synthesis.objects.create(territory=t, group=world.alpha.group, status="validated")
    page = reverse("territories:phase", args=[t.slug, 2, 2])
    response = login(world.alpha.users["coordinator"]).get(page)
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 group synthesis" in html and "1 validated" in html and "0 shared criteria" in html
    assert response.context["next"]["key"] in ("code_cards", "shared_definition")
    # Beta's phase page counts beta's syntheses only.
    other = login(world.beta.users["coordinator"]).get(
        reverse("territories:phase", args=[world.beta.territory.slug, 2, 2]))
    own = Synthesis.objects.of(world.beta.territory).filter(group__cycle__number=2).count()
    assert dict(other.context["progress"].counts)["syntheses"] == own
    assert Synthesis.objects.of(t).filter(group__cycle__number=2).count() == 1
