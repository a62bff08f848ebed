"""An imported territory's home agrees with its statistics (issue 15, point 6): the
package keeps the groups' cycle and profile, their sessions, each card's session and the
phases' status and dates; export → import → export stays byte-identical."""

from __future__ import annotations

import datetime as dt

from cospiral.criteria.models import Card
from cospiral.groups.models import Group, Session
from cospiral.packages import services
from cospiral.territories import selectors
from cospiral.territories.models import Cycle, Phase


def test_the_imported_home_counts_what_its_statistics_count(world, login):
    a, b = world.alpha, world.beta
    t = a.territory
    a.group.cycle = Cycle.objects.of(t).get(number=2)
    a.group.save(update_fields=["cycle"])
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
    # The imported home shows its 3 cards in cycle 2, as its statistics do.
    client = login(b.users["coordinator"])
    home = client.get(f"/t/{imported.slug}/")
    assert home.status_code == 200
    stats = client.get(f"/t/{imported.slug}/statistics/")
    assert stats.status_code == 200
    assert "3 cards counted" in home.content.decode()
    # Byte for byte: the imported territory exports the same package.
    assert services.export_package(imported) == first
    # Beta, the importer's own territory, is untouched.
    assert Group.objects.of(b.territory).get().cycle is None
    assert not Phase.objects.of(b.territory).exclude(status="not_started").exists()
