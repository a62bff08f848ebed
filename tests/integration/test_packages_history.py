"""An imported territory's home agrees with its statistics (issue 15, point 6): the
package keeps the groups' cycle and profile, their sessions, each card's session and the
phases' status and dates; export → import → export stays byte-identical."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from cospiral.cards.models import Card
from cospiral.groups.models import Group, Session
from cospiral.packages import services
from cospiral.territories import selectors
from cospiral.territories.models import Cycle, Phase


def test_the_imported_home_counts_what_its_statistics_count(world, login, make_wave):
    from cospiral.actions.models import Action, Axis, Milestone, Target
    from cospiral.surveys import services as survey_services

    a, b = world.alpha, world.beta
    t = a.territory
    a.group.cycle = Cycle.objects.of(t).get(number=2)
    a.group.save(update_fields=["cycle"])
    three = Cycle.objects.of(t).get(number=3)
    made = make_wave(a)
    survey_services.publish_results(made.wave, user=a.users["coordinator"])
    made.wave.cycle = three
    made.wave.save(update_fields=["cycle"])
    axis = Axis.objects.create(territory=t, code="1", title="Food", cycle=three)
    action = Action.objects.create(territory=t, axis=axis, title="Garden", families=["A"],
                                   cycle=three)
    Target.objects.create(territory=t, action=action, indicator=made.indicators[0],
                          baseline_wave=made.wave, baseline=40.0, target=55.5, note="By 2028")
    Milestone.objects.create(territory=t, action=action, on=dt.date(2026, 5, 4),
                             title="First harvest", note="12 families", reached=True)
    from cospiral.existing_actions.models import ExistingAction
    from cospiral.indicators.models import IndicatorCriterion

    IndicatorCriterion.objects.create(territory=t, indicator=made.indicators[0],
                                      category="quality", card=a.cards[1], position=0,
                                      text=a.cards[1].text)
    IndicatorCriterion.objects.create(territory=t, indicator=made.indicators[0], category="",
                                      position=1, text="Typed by the coordinator")
    ExistingAction.objects.create(territory=t, name="Food bank", carried_by="Secours",
                                  cycle=three, families=["A"], coverage_score=3,
                                  coverage_note="Most families", sober_resources_score=0,
                                  evaluated_at=timezone.now())
    Phase.objects.of(t).filter(cycle__number=2, number=2).update(
        status="in_progress", starts_on=dt.date(2026, 9, 1))
    before = selectors.phase_counts(t)["by_cycle"]
    assert before[2]["cards"] == 3 and before[2]["sessions"] == 1
    first = services.export_package(t)
    t.slug = "alpha-source"
    t.save(update_fields=["slug"])
    imported = services.import_package(first, "alpha.zip", user=b.users["coordinator"])
    group = Group.objects.of(imported).get()
    assert group.cycle.number == 2 and group.profile == "young people 15-25"
    session = Session.objects.of(imported).get()
    assert (session.date, session.attendee_count, session.place) == (dt.date(2026, 10, 1), 9, "")
    assert set(Card.objects.of(imported).values_list("session_id", flat=True)) == {session.pk}
    phase = Phase.objects.of(imported).get(cycle__number=2, number=2)
    assert (phase.status, phase.starts_on) == ("in_progress", dt.date(2026, 9, 1))
    after = selectors.phase_counts(imported)["by_cycle"]
    for key in ("groups", "sessions", "cards", "coded"):
        assert after[2][key] == before[2][key], key
    for key in ("axes", "actions", "targets", "ex_ante_waves"):
        assert after[3][key] == before[3][key] == 1, key
    target = Target.objects.of(imported).get()
    assert (target.baseline, target.target, target.note, target.indicator.code) == (
        40.0, 55.5, "By 2028", made.indicators[0].code)
    assert target.baseline_wave.territory_id == imported.pk
    assert after[3]["existing_actions"] == after[3]["existing_assessed"] == 1
    criteria = list(IndicatorCriterion.objects.of(imported)
                    .filter(Q(card__isnull=False) | Q(text="Typed by the coordinator"))
                    .order_by("position").values_list("category", "card__text", "text"))
    assert (IndicatorCriterion.objects.of(imported).count()
            == IndicatorCriterion.objects.of(t).count())
    # The territory publishes no card text: the card's words stay out, the link stays.
    assert criteria == [("quality", "", ""), ("", None, "Typed by the coordinator")]
    existing = ExistingAction.objects.of(imported).get()
    assert (existing.coverage_score, existing.sober_resources_score,
            existing.priority_to_disadvantaged_score) == (3, 0, None)  # not assessed ≠ 0
    milestone = Milestone.objects.of(imported).get()
    assert (milestone.on, milestone.title, milestone.reached) == (dt.date(2026, 5, 4),
                                                                  "First harvest", True)
    # The imported home shows its 3 cards in cycle 2, as its statistics do.
    client = login(b.users["coordinator"])
    home = client.get(f"/t/{imported.slug}/")
    assert home.status_code == 200
    stats = client.get(f"/t/{imported.slug}/statistics/")
    assert stats.status_code == 200
    assert "3 cards counted" in home.content.decode()
    # The review of cycle 3 reads the same plan: its action, target and milestone, and the
    # existing action's scores, in the source and in the imported copy.
    import re

    def words(client, slug):
        html = client.get(f"/t/{slug}/review/3/").content.decode()
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    copy = words(client, imported.slug)
    source = words(login(a.users["coordinator"]), "alpha-source")
    for word in ("Garden", "First harvest", "55", "Food bank"):
        assert word in source and word in copy, word
    client = login(b.users["coordinator"])
    # Byte for byte: the imported territory exports the same package.
    assert services.export_package(imported) == first
    # Beta, the importer's own territory, is untouched.
    assert Group.objects.of(b.territory).get().cycle is None
    assert not Phase.objects.of(b.territory).exclude(status="not_started").exists()
