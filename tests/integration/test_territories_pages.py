"""Territory pages: creation, settings, phases, members, coordination group, questions,
audit trail and the cycle x phase matrix."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cospiral.core.models import AuditEntry
from cospiral.territories.models import (
    CoordinationMember,
    Cycle,
    Membership,
    Organisation,
    Phase,
    Territory,
)


def url(name, slug="alpha", **kwargs):
    return reverse(name, kwargs={"territory": slug, **kwargs})


# --- Create ----------------------------------------------------------------------------

def _create_data(**extra):
    return {"name": "Gamma", "slug": "gamma", "kind": "neighbourhood", "languages": ["fr"],
            "description": "A neighbourhood", **extra}


def test_coordinator_creates_a_territory_inside_their_own(world, login, grid_version):
    client = login(world.alpha.users["coordinator"])
    assert client.get(reverse("site_territories:create")).status_code == 200
    response = client.post(reverse("site_territories:create"), _create_data(
        parent=world.alpha.territory.pk, grid_version=grid_version.pk))
    assert response.status_code == 302
    gamma = Territory.objects.get(slug="gamma")
    assert gamma.parent == world.alpha.territory and gamma.languages == ["fr"]
    assert Membership.objects.of(gamma).get().user == world.alpha.users["coordinator"]
    assert Membership.objects.of(gamma).get().role == "coordinator"
    assert Phase.objects.of(gamma).count() == 32
    assert AuditEntry.objects.of(gamma).filter(model="territory", action="create").exists()


def test_create_refuses_a_parent_the_user_does_not_coordinate(world, login, grid_version):
    client = login(world.alpha.users["coordinator"])
    response = client.post(reverse("site_territories:create"), _create_data(
        parent=world.beta.territory.pk, grid_version=grid_version.pk))
    assert response.status_code == 200
    assert "Choose a parent among the territories you coordinate." in response.content.decode()
    assert not Territory.objects.filter(slug="gamma").exists()


def test_create_refuses_duplicate_identifier_and_no_language(world, login, grid_version):
    client = login(world.alpha.users["coordinator"])
    response = client.post(reverse("site_territories:create"), _create_data(
        slug="beta", languages=[], grid_version=grid_version.pk))
    text = response.content.decode()
    assert "already used by another territory" in text
    assert "Tick at least one language." in text
    assert Territory.objects.count() == 2


@pytest.mark.parametrize("role", ["facilitator", "partner", "observer"])
def test_only_coordinators_and_superusers_create(world, login, role, grid_version):
    client = login(world.alpha.users[role])
    assert client.get(reverse("site_territories:create")).status_code == 403
    assert client.post(reverse("site_territories:create"),
                       _create_data(grid_version=grid_version.pk)).status_code == 403
    assert not Territory.objects.filter(slug="gamma").exists()


def test_superuser_creates(world, login, grid_version):
    admin = get_user_model().objects.create_superuser("root", password="x" * 12)
    client = login(admin)
    response = client.post(reverse("site_territories:create"),
                           _create_data(parent=world.beta.territory.pk, grid_version=grid_version.pk))
    assert response.status_code == 302
    assert Territory.objects.get(slug="gamma").parent == world.beta.territory


# --- Edit ------------------------------------------------------------------------------

def test_edit_refuses_a_circular_parent(world, login):
    from cospiral.territories.services import create_territory

    coordinator = world.alpha.users["coordinator"]
    child = create_territory(slug="alpha-north", name="Alpha North", user=coordinator,
                             grid_version=world.alpha.territory.grid_version,
                             parent=world.alpha.territory)
    client = login(coordinator)
    data = {"name": "Alphaville", "kind": "city", "languages": ["fr", "en"], "parent": child.pk}
    response = client.post(url("territories:edit"), data)
    assert response.status_code == 200
    assert "cannot contain" in response.content.decode()
    world.alpha.territory.refresh_from_db()
    assert world.alpha.territory.parent is None
    # Itself is not offered, and forcing it is refused too.
    response = client.post(url("territories:edit"), {**data, "parent": world.alpha.territory.pk})
    assert response.status_code == 200
    world.alpha.territory.refresh_from_db()
    assert world.alpha.territory.parent is None


def test_edit_saves_and_audits(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:edit"), {
        "name": "Alphaville-sur-Mer", "kind": "neighbourhood", "languages": ["en"],
        "description": "By the sea", "parent": ""})
    assert response.status_code == 302
    t = Territory.objects.get(slug="alpha")
    assert (t.name, t.kind, t.languages, t.description) == (
        "Alphaville-sur-Mer", "neighbourhood", ["en"], "By the sea")
    entry = AuditEntry.objects.of(t).filter(model="territory", action="update").get()
    assert entry.changes["name"] == ["Alphaville", "Alphaville-sur-Mer"]


def test_edit_refuses_parent_of_another_territory(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:edit"), {
        "name": "Alphaville", "kind": "city", "languages": ["fr"], "parent": world.beta.territory.pk})
    assert response.status_code == 200
    world.alpha.territory.refresh_from_db()
    assert world.alpha.territory.parent is None


# --- Phases ----------------------------------------------------------------------------

def test_phase_end_before_start_is_refused(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:phase", cycle=1, number=2), {
        "status": "in_progress", "starts_on": "2026-05-10", "ends_on": "2026-05-01", "notes": "x"})
    assert response.status_code == 200
    assert "The end date (1 May 2026) is before the start date (10 May 2026)." in response.content.decode()
    phase = Phase.objects.of(world.alpha.territory).get(cycle__number=1, number=2)
    assert phase.status == "not_started" and phase.starts_on is None


def test_phase_is_saved_and_audited(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:phase", cycle=1, number=2), {
        "status": "in_progress", "starts_on": "2026-05-01", "ends_on": "2026-06-30",
        "notes": "Four groups planned"})
    assert response.status_code == 302
    phase = Phase.objects.of(world.alpha.territory).get(cycle__number=1, number=2)
    assert phase.status == "in_progress" and str(phase.ends_on) == "2026-06-30"
    assert AuditEntry.objects.of(world.alpha.territory).filter(model="phase").count() == 1
    home = client.get(url("territories:home")).content.decode()
    assert "Four groups planned" in home and "1 May 2026" in home


@pytest.mark.parametrize("role", ["facilitator", "partner", "observer"])
def test_phase_is_read_only_below_coordinator(world, login, role):
    client = login(world.alpha.users[role])
    page = client.get(url("territories:phase", cycle=0, number=1))
    assert page.status_code == 200 and b'name="status"' not in page.content
    response = client.post(url("territories:phase", cycle=0, number=1), {"status": "done"})
    assert response.status_code == 403
    assert Phase.objects.of(world.alpha.territory).get(cycle__number=0, number=1).status == "not_started"


def test_unknown_phase_is_404(world, login):
    client = login(world.alpha.users["observer"])
    assert client.get(url("territories:phase", cycle=4, number=1)).status_code == 404
    assert client.get(url("territories:phase", cycle=0, number=9)).status_code == 404


# --- Members ---------------------------------------------------------------------------

def test_add_existing_account_and_refuse_duplicates(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:members"), {
        "form": "existing", "existing-username": "beta-observer", "existing-role": "partner"})
    assert response.status_code == 302
    assert Membership.objects.of(world.alpha.territory).get(
        user=world.beta.users["observer"]).role == "partner"
    response = client.post(url("territories:members"), {
        "form": "existing", "existing-username": "beta-observer", "existing-role": "observer"})
    assert "already a member of this territory" in response.content.decode()
    response = client.post(url("territories:members"), {
        "form": "existing", "existing-username": "nobody", "existing-role": "observer"})
    assert "No account is called “nobody”" in response.content.decode()
    # beta is untouched: the person's role there is theirs.
    assert Membership.objects.of(world.beta.territory).get(
        user=world.beta.users["observer"]).role == "observer"


def test_create_account_with_password_validators(world, login):
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:members"), {
        "form": "new", "new-username": "camille", "new-password": "12345678", "new-role": "facilitator"})
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="camille").exists()
    response = client.post(url("territories:members"), {
        "form": "new", "new-username": "camille", "new-password": "lantern orchard 1987",
        "new-role": "facilitator"})
    assert response.status_code == 302
    user = get_user_model().objects.get(username="camille")
    assert user.check_password("lantern orchard 1987")
    assert Membership.objects.of(world.alpha.territory).get(user=user).role == "facilitator"
    response = client.post(url("territories:members"), {
        "form": "new", "new-username": "alpha-observer", "new-password": "lantern orchard 1987",
        "new-role": "facilitator"})
    assert "is taken" in response.content.decode()


def test_last_coordinator_stays(world, login):
    coordinator = world.alpha.users["coordinator"]
    client = login(coordinator)
    mine = Membership.objects.of(world.alpha.territory).get(user=coordinator)
    response = client.post(url("territories:member_remove", pk=mine.pk), follow=True)
    assert "last coordinator" in response.content.decode()
    response = client.post(url("territories:member_role", pk=mine.pk),
                           {f"m{mine.pk}-role": "observer"}, follow=True)
    assert "last coordinator" in response.content.decode()
    mine.refresh_from_db()
    assert mine.role == "coordinator"
    # With a second coordinator, the first may step down.
    other = Membership.objects.of(world.alpha.territory).get(user=world.alpha.users["partner"])
    client.post(url("territories:member_role", pk=other.pk), {f"m{other.pk}-role": "coordinator"})
    other.refresh_from_db()
    assert other.role == "coordinator"
    client.post(url("territories:member_remove", pk=mine.pk))
    assert not Membership.objects.of(world.alpha.territory).filter(user=coordinator).exists()
    assert AuditEntry.objects.of(world.alpha.territory).filter(
        model="membership", action="delete").count() == 1


def test_removed_facilitator_leaves_their_groups(world, login):
    client = login(world.alpha.users["coordinator"])
    m = Membership.objects.of(world.alpha.territory).get(user=world.alpha.users["facilitator"])
    client.post(url("territories:member_remove", pk=m.pk))
    assert not world.alpha.group.facilitators.exists()
    assert world.beta.group.facilitators.count() == 1


# --- Coordination group ----------------------------------------------------------------

def test_coordination_group_is_edited_by_coordinators(world, login):
    client = login(world.alpha.users["coordinator"])
    client.post(url("territories:coordination"), {
        "form": "organisation", "org-name": "Town hall", "org-kind": "public"})
    org = Organisation.objects.of(world.alpha.territory).get()
    response = client.post(url("territories:coordination"), {
        "form": "seat", "seat-person": "Deputy mayor", "seat-organisation": org.pk,
        "seat-role": "chair"})
    assert response.status_code == 302
    seat = CoordinationMember.objects.of(world.alpha.territory).get()
    assert seat.organisation == org and seat.role == "chair"
    # Duplicates and empty seats are refused with a message.
    response = client.post(url("territories:coordination"), {
        "form": "organisation", "org-name": "town hall", "org-kind": "public"})
    assert "already in the coordination group" in response.content.decode()
    response = client.post(url("territories:coordination"), {"form": "seat"})
    assert "A seat needs a person, an organisation, or both." in response.content.decode()
    # An organisation with seats cannot be removed.
    response = client.post(url("territories:organisation_edit", pk=org.pk), {"delete": "1"},
                           follow=True)
    assert "still has 1 seat" in response.content.decode()
    assert Organisation.objects.of(world.alpha.territory).exists()
    # Readers see it.
    page = login(world.alpha.users["observer"]).get(url("territories:coordination")).content.decode()
    assert "Deputy mayor" in page and "Town hall" in page and 'name="seat-person"' not in page
    assert AuditEntry.objects.of(world.alpha.territory).filter(
        model__in=["organisation", "coordinationmember"]).count() == 2


def test_seat_refuses_an_organisation_of_another_territory(world, login):
    beta_org = Organisation.objects.create(territory=world.beta.territory, name="Beta club")
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:coordination"), {
        "form": "seat", "seat-person": "Spy", "seat-organisation": beta_org.pk})
    assert "Choose an organisation of this territory" in response.content.decode()
    assert not CoordinationMember.objects.exists()


@pytest.mark.parametrize("role", ["facilitator", "partner", "observer"])
def test_coordination_is_read_only_below_coordinator(world, login, role):
    client = login(world.alpha.users[role])
    response = client.post(url("territories:coordination"), {
        "form": "organisation", "org-name": "Town hall", "org-kind": "public"})
    assert response.status_code == 403
    assert not Organisation.objects.exists()


# --- Questions -------------------------------------------------------------------------

def test_custom_questions(world, login):
    from cospiral.cards.models import Question

    t = world.alpha.territory
    cycle2 = Cycle.objects.of(t).get(number=2)
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:questions"), {
        "form": "question", "new-code": "Q5", "new-text_en": "What would you change first?",
        "new-cycles": [f"c{cycle2.pk}"]})
    assert response.status_code == 302
    q5 = Question.objects.of(t).get(code="Q5")
    assert q5.texts == {"en": "What would you change first?"}
    assert list(q5.enabled_cycles.all()) == [cycle2]
    for code, message in [("Q1", "Q1–Q4 are the method"), ("q5", "already has a question"),
                          ("bad code", "at most 12 letters")]:
        response = client.post(url("territories:questions"), {
            "form": "question", "new-code": code, "new-text_fr": "Quoi ?"})
        assert message in response.content.decode(), code
    response = client.post(url("territories:questions"), {"form": "question", "new-code": "Q6"})
    assert "at least one language" in response.content.decode()
    assert Question.objects.of(t).count() == 5


def test_cycles_per_question(world, login):
    from cospiral.cards.models import Question

    t = world.alpha.territory
    q4 = Question.objects.of(t).get(code="Q4")
    c0, c3 = Cycle.objects.of(t).get(number=0), Cycle.objects.of(t).get(number=3)
    beta_cycle = Cycle.objects.of(world.beta.territory).get(number=1)
    beta_q1 = world.beta.q1
    beta_before = sorted(c.number for c in beta_q1.enabled_cycles.all())
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("territories:questions"), {"form": "cycles", "enabled": [
        f"{q4.pk}-{c0.pk}", f"{q4.pk}-{c3.pk}", f"{q4.pk}-{beta_cycle.pk}",
        f"{beta_q1.pk}-{beta_cycle.pk}", "junk"]})
    assert response.status_code == 302
    assert sorted(c.number for c in q4.enabled_cycles.all()) == [0, 3]
    # Every other alpha question had all its cycles unticked by this form.
    assert not Question.objects.of(t).exclude(pk=q4.pk).filter(enabled_cycles__isnull=False).exists()
    assert sorted(c.number for c in beta_q1.enabled_cycles.all()) == beta_before
    page = login(world.alpha.users["observer"]).get(url("territories:questions")).content.decode()
    assert 'name="enabled"' not in page and "Q4" in page


def test_method_questions_cannot_be_deleted(world, login):
    from cospiral.cards.models import Question

    client = login(world.alpha.users["coordinator"])
    q1 = world.alpha.q1
    response = client.post(url("territories:question_edit", pk=q1.pk), {"delete": "1"}, follow=True)
    assert "cannot be deleted" in response.content.decode()
    assert Question.objects.filter(pk=q1.pk).exists()


# --- Audit trail -----------------------------------------------------------------------

def test_audit_trail_is_paginated_filtered_and_scoped(world, login):
    from cospiral.core import audit

    t = world.alpha.territory
    for i in range(60):
        audit.record(t, world.alpha.users["coordinator"], "update", world.alpha.group, f"change {i}")
    audit.record(world.beta.territory, None, "update", world.beta.group, "beta secret change")
    client = login(world.alpha.users["coordinator"])
    page1 = client.get(url("territories:audit")).content.decode()
    assert "change 59" in page1 and "change 0<" not in page1 and "Page 1 of 2" in page1
    assert "beta secret change" not in page1
    page2 = client.get(url("territories:audit") + "?page=2").content.decode()
    assert "change 0<" in page2
    filtered = client.get(url("territories:audit") + "?type=territory").content.decode()
    assert "Territory Alphaville" in filtered and "change 59" not in filtered


# --- Home: the matrix ------------------------------------------------------------------

def test_matrix_shows_what_phases_produced(world, login):
    from cospiral.cards.models import Card
    from cospiral.grid.models import GridEntry
    from cospiral.groups.models import Group

    t = world.alpha.territory
    cycle2 = Cycle.objects.of(t).get(number=2)
    Group.objects.filter(pk=world.alpha.group.pk).update(cycle=cycle2)
    component = GridEntry.objects.get(version=t.grid_version, code="A01")
    Card.objects.filter(pk=world.alpha.cards[0].pk).update(component=component)
    Card.objects.filter(pk=world.alpha.cards[1].pk).update(deleted_at="2026-01-01T00:00Z")
    CoordinationMember.objects.create(territory=t, person="Mayor")
    Group.objects.create(territory=t, name="Shopkeepers")  # no cycle
    client = login(world.alpha.users["observer"])
    response = client.get(url("territories:home"))
    page = response.content.decode()
    cells = {(c["cycle"], c["number"]): c for row in response.context["matrix"]["rows"]
             for c in row["cells"]}
    assert len(cells) == 32
    p2 = cells[(2, 2)]["produced"]
    assert (p2["cards"], p2["coded"], p2["sessions"]) == (2, 1, 1)
    assert [g["name"] for g in p2["groups"]] == ["Alphaville young people"]
    assert cells[(1, 2)]["produced"]["cards"] == 0
    assert "coordination group: 1 seat" in page
    assert "2 cards counted" in page and "1 coded" in page
    assert f"?group={world.alpha.group.pk}" in page
    assert "Nothing recorded yet." in page
    assert "Mobilise, organise" in page and "Review, prepare next cycle" in page
    assert "Cycle 0 · Taster" in page and "Cycle 3 · Integration" in page
    assert "1 group has no cycle" in page and "Shopkeepers" in page
    assert "Betatown" not in page and "secret card" not in page
    # Readers get no manage links.
    assert url("territories:members") not in page and url("territories:edit") not in page
    coordinator_page = login(world.alpha.users["coordinator"]).get(url("territories:home"))
    assert url("territories:members") in coordinator_page.content.decode()


def test_matrix_in_french(world, login):
    client = login(world.alpha.users["observer"])
    response = client.get(url("territories:home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200


def test_home_query_count_is_bounded(world, login, django_assert_max_num_queries):
    from cospiral.cards.models import Card
    from cospiral.groups.models import Group, Session
    from cospiral.territories import selectors

    t = world.alpha.territory
    cycles = list(Cycle.objects.of(t))
    client = login(world.alpha.users["coordinator"])
    # 12 for the page and phases 1–2, 1 for the state of what phases 3–8 recorded, and
    # when that state is new 11 aggregates (one per kind of record, whatever the number
    # of cycles, groups or cards) and 1 for the jobs that produced review PDFs (none here).
    selectors._LATER.clear()
    with django_assert_max_num_queries(25) as few:
        client.get(url("territories:home"))
    with django_assert_max_num_queries(13) as kept:
        client.get(url("territories:home"))
    for i in range(12):
        group = Group.objects.create(territory=t, name=f"Group {i}", cycle=cycles[i % 4])
        session = Session.objects.create(territory=t, group=group, date="2026-02-02")
        Card.objects.bulk_create([
            Card(territory=t, group=group, session=session, question=world.alpha.q1, text=f"c{j}")
            for j in range(5)])
    selectors._LATER.clear()
    with django_assert_max_num_queries(25) as many:
        client.get(url("territories:home"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(kept.captured_queries) == len(few.captured_queries) - 12


@pytest.mark.parametrize("role,shown", [("coordinator", True), ("facilitator", False),
                                        ("observer", False)])
def test_home_offers_creation_to_coordinators(world, login, role, shown):
    page = login(world.alpha.users[role]).get(reverse("home")).content.decode()
    assert (reverse("site_territories:create") in page) is shown
    assert "Alphaville" in page and "Betatown" not in page


def test_identifier_is_made_from_the_name_when_left_empty(world, login, grid_version):
    client = login(world.alpha.users["coordinator"])
    response = client.post(reverse("site_territories:create"), _create_data(
        name="Quartier Drouot-Barbanègre", slug="", grid_version=grid_version.pk))
    assert response.status_code == 302
    assert Territory.objects.filter(slug="quartier-drouot-barbanegre").exists()


def test_a_typed_identifier_with_accents_is_transliterated(world, login, grid_version):
    client = login(world.alpha.users["coordinator"])
    response = client.post(reverse("site_territories:create"), _create_data(
        slug="drouot-barbanègre", grid_version=grid_version.pk))
    assert response.status_code == 302
    assert Territory.objects.filter(slug="drouot-barbanegre").exists()


def test_a_taken_identifier_names_a_free_one(world, login, grid_version):
    client = login(world.alpha.users["coordinator"])
    response = client.post(reverse("site_territories:create"), _create_data(
        name="Beta", slug="", grid_version=grid_version.pk))
    assert response.status_code == 200
    assert "“beta-2” is free" in response.content.decode()
    assert response.context["form"].fields["slug"].widget.attrs["data-slug-from"] == "id_name"
