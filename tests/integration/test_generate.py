"""``cospiral generate``: reproducible synthetic data, exact counts and coded share."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from cospiral.cards.models import Card, Question
from cospiral.coding import counts
from cospiral.core.models import AuditEntry
from cospiral.demo.generate import create_territories_bulk, generate
from cospiral.groups.models import Group, Session
from cospiral.territories.models import Cycle, Membership, Phase, Territory
from cospiral.territories.services import create_territory


class _Rollback(Exception):
    def __init__(self, snapshot):
        self.snapshot = snapshot


def snapshot(seed) -> list[tuple]:
    cards = Card.objects.filter(territory__slug__startswith=f"gen-{seed}-").order_by(
        "territory__slug", "group__name", "id"
    )
    return list(cards.values_list(
        "territory__slug", "group__name", "group__profile", "session__date",
        "session__attendee_count", "question__code", "text", "author_tag", "component__code",
        "full_code",
    ))


def generate_then_roll_back(seed, **sizes) -> list[tuple]:
    try:
        with transaction.atomic():
            generate(seed=seed, **sizes)
            raise _Rollback(snapshot(seed))
    except _Rollback as done:
        return done.snapshot


SIZES = {"territories": 3, "groups_per_territory": 4, "cards_per_group": 25, "coded_share": 0.8}


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = generate_then_roll_back(5, **SIZES)
    assert Card.objects.count() == 0  # rolled back
    second = generate_then_roll_back(5, **SIZES)
    other = generate_then_roll_back(6, **SIZES)
    assert len(first) == 300
    assert first == second
    assert [row[6] for row in first] != [row[6] for row in other]


@pytest.mark.django_db
def test_counts_are_exact_and_the_coded_share_is_respected(grid_version):
    summary = generate(seed=9, grid_version=grid_version, **SIZES)
    territories = Territory.objects.filter(slug__startswith="gen-9-")
    assert sorted(territories.values_list("slug", flat=True)) == [
        "gen-9-0000", "gen-9-0001", "gen-9-0002"]
    assert Group.objects.filter(territory__in=territories).count() == 12
    assert Session.objects.filter(territory__in=territories).count() == 12
    cards = Card.objects.filter(territory__in=territories)
    assert cards.count() == 300
    assert cards.filter(component__isnull=False).count() == 240  # 20 of 25 in each group
    for group in Group.objects.filter(territory__in=territories):
        assert group.cards.filter(component__isnull=False).count() == 20
        assert group.sessions.count() == 1
    assert set(cards.values_list("question__code", flat=True)) == {"Q1", "Q2", "Q3"}
    # Cards written by the fast writer read back like any other card.
    card = cards.first()
    assert card.created_at is not None and card.created_at.tzinfo is not None
    assert card.updated_at == card.created_at
    assert (card.channel, card.language, card.deleted_at, card.import_key) == ("paper", "fr", None, None)
    assert card.author_tag.startswith("p") and card.session.attendee_count >= int(card.author_tag[1:])
    assert Card.objects.alive().filter(territory__in=territories).count() == 300
    assert (summary.territories, summary.groups, summary.sessions, summary.cards,
            summary.coded_cards) == (3, 12, 12, 300, 240)
    # Coded cards use components of their territory's grid version; coding froze it.
    coded = cards.filter(component__isnull=False).select_related("component", "territory")
    for card in coded:
        assert card.component.kind == "component"
        assert card.component.version_id == card.territory.grid_version_id == grid_version.pk
        assert card.full_code == card.component.code
    grid_version.refresh_from_db()
    assert grid_version.frozen_at is not None
    # Every card's question, group and session belong to its own territory.
    assert not cards.exclude(question__territory=models_f("territory")).exists()
    assert not cards.exclude(group__territory=models_f("territory")).exists()
    assert not cards.exclude(session__territory=models_f("territory")).exists()
    assert Membership.objects.filter(territory__in=territories).count() == 0
    # The exact counts (coded and uncoded cells) equal a recomputation from the cards.
    for territory in territories:
        assert counts.differences(territory) == {}


def models_f(name):
    from django.db.models import F

    return F(name)


@pytest.mark.django_db
def test_no_coding_leaves_the_grid_unfrozen(grid_version):
    generate(seed=4, grid_version=grid_version, territories=1, groups_per_territory=2,
             cards_per_group=10, coded_share=0)
    grid_version.refresh_from_db()
    assert grid_version.frozen_at is None
    assert Card.objects.filter(component__isnull=False).count() == 0
    assert Card.objects.count() == 20
    for territory in Territory.objects.filter(slug__startswith="gen-4-"):
        assert counts.differences(territory) == {}


@pytest.mark.django_db
def test_bulk_territories_have_exactly_the_rows_of_create_territory(grid_version):
    one = create_territory(slug="one", name="One", grid_version=grid_version,
                           description="d", languages=["fr", "en"])
    [two] = create_territories_bulk(
        [{"slug": "two", "name": "Two", "description": "d", "languages": ["fr", "en"]}],
        grid_version,
    )

    def rows(t):
        return {
            "territory": (t.kind, t.parent_id, t.languages, t.description, t.grid_version_id),
            "cycles": list(Cycle.objects.of(t).order_by("number").values_list("number", "notes")),
            "phases": list(Phase.objects.of(t).order_by("cycle__number", "number").values_list(
                "cycle__number", "number", "status", "starts_on", "ends_on", "notes")),
            "questions": [
                (q.code, q.texts, q.is_method_question, q.position,
                 sorted(q.enabled_cycles.values_list("number", flat=True)))
                for q in Question.objects.of(t).order_by("position")
            ],
            "enabled_cycles_of_other_territories": Question.enabled_cycles.through.objects.filter(
                question__territory=t).exclude(cycle__territory=t).count(),
            "memberships": Membership.objects.of(t).count(),
            "audit": [
                (a.user_id, a.actor_label, a.action, a.model, a.object_id == str(t.pk),
                 a.summary.replace(t.name, "NAME"), a.changes)
                for a in AuditEntry.objects.of(t)
            ],
        }

    assert rows(Territory.objects.get(pk=one.pk)) == rows(Territory.objects.get(pk=two.pk))
    assert len(rows(two)["phases"]) == 32 and len(rows(two)["questions"]) == 4


@pytest.mark.django_db
def test_command_prints_a_json_summary_and_refuses_a_used_seed(grid_version):
    out = io.StringIO()
    call_command("generate", territories=2, groups_per_territory=3, cards_per_group=10, seed=21,
                 coded_share=0.5, stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["territories"] == 2 and summary["groups"] == 6 and summary["sessions"] == 6
    assert summary["cards"] == 60 and summary["coded_cards"] == 30
    assert summary["seconds"] >= 0
    with pytest.raises(CommandError, match="seed 21 already exist"):
        call_command("generate", territories=1, groups_per_territory=1, cards_per_group=1,
                     seed=21, stdout=io.StringIO())
    assert Territory.objects.filter(slug__startswith="gen-21-").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("option,value", [("coded_share", 1.5), ("cards_per_group", -1)])
def test_command_refuses_bad_sizes(option, value):
    options = {"territories": 1, "groups_per_territory": 1, "cards_per_group": 1, "seed": 3,
               option: value}
    with pytest.raises(CommandError):
        call_command("generate", stdout=io.StringIO(), **options)
    assert not Territory.objects.exists()
