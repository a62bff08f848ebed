"""Actions and the co-responsibility plan (issue 5): services, pages, two territories."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cospiral.actions import selectors, services
from cospiral.actions.models import Action, Axis, Commitment, Milestone, Target
from cospiral.cards.models import Card, Question
from cospiral.core.models import AuditEntry
from cospiral.domain import survey as rules
from cospiral.territories.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def url(name, t, **kwargs):
    return reverse(f"actions:{name}", kwargs={"territory": t.territory.slug, **kwargs})


def coordinator(t):
    return t.users["coordinator"]


def q_card(t, code, text):
    question = Question.objects.of(t.territory).get(code=code)
    return Card.objects.create(territory=t.territory, group=t.group, session=t.session,
                               question=question, text=text)


def blank(t, title, **fields):
    return services.create_action(t.territory, user=coordinator(t), title=title, **fields)


def organisation(t, name):
    return Organisation.objects.create(territory=t.territory, name=name)


@pytest.fixture
def plan_world(world):
    a = world.alpha
    a.town = organisation(a, "Alpha town hall")
    a.club = organisation(a, "Alpha youth club")
    world.beta.org = organisation(world.beta, "Beta housing office")
    a.axis = services.save_axis(a.territory, user=coordinator(a), code="1", title="Housing first")
    a.main = blank(a, "Alpha repair café", axis=a.axis, lead=a.town)
    a.sub = blank(a, "Alpha tool library", parent=a.main)
    a.commitment = services.save_commitment(
        a.main, user=coordinator(a), party_kind="organisation", organisation=a.club,
        what="Open the hall on Saturdays", resource="premises", amount="4", unit="days",
        accepted_on=dt.date(2026, 1, 5))
    a.town_commitment = services.save_commitment(
        a.main, user=coordinator(a), party_kind="organisation", organisation=a.town,
        what="Pay the tools", resource="money", amount="1500", unit="€")
    return world


# --- Access ------------------------------------------------------------------------------------

def test_beta_gets_404_on_alpha_actions(plan_world, login):
    a, b = plan_world.alpha, plan_world.beta
    client = login(coordinator(b))
    assert client.get(url("plan", a)).status_code == 404
    assert client.get(url("detail", a, pk=a.main.pk)).status_code == 404
    # Alpha's action through beta's own address: not found either.
    assert client.get(url("detail", b, pk=a.main.pk)).status_code == 404
    assert client.get(url("commitment_outcome", b, pk=a.commitment.pk)).status_code == 404
    assert client.post(url("status", b, pk=a.main.pk), {"status": "done"}).status_code == 404
    page = client.get(url("plan", b)).content.decode()
    assert "Alpha repair café" not in page
    a.main.refresh_from_db()
    assert a.main.status == "proposed"


@pytest.mark.parametrize("name,kwargs", [
    ("create", {}), ("create_from_cards", {}), ("create_from_pilot_idea", {}),
    ("create_from_indicator", {}), ("edit", {"pk": None}), ("delete", {"pk": None}),
])
def test_observer_and_partner_cannot_write(plan_world, login, name, kwargs):
    a = plan_world.alpha
    kwargs = {k: a.main.pk for k in kwargs}
    for role in ("observer", "partner"):
        client = login(a.users[role])
        assert client.get(url(name, a, **kwargs)).status_code == 403
        assert client.post(url(name, a, **kwargs), {"title": "x"}).status_code == 403
    client = login(a.users["observer"])
    assert client.post(url("commitment_add", a, pk=a.main.pk), {
        "party_kind": "person", "person": "Eve", "what": "x", "resource": "time"}).status_code == 403
    assert client.post(url("axes", a), {"code": "9", "title": "x"}).status_code == 403
    assert Axis.objects.of(a.territory).count() == 1
    assert Commitment.objects.of(a.territory).count() == 2


def test_observer_reads_the_plan_grid_and_action(plan_world, login):
    a = plan_world.alpha
    client = login(a.users["observer"])
    page = client.get(url("plan", a)).content.decode()
    assert "Alpha repair café" in page and "Alpha tool library" in page
    assert "Axis 1. Housing first" in page
    assert "not measured" in page and "mean of its sub-actions" in page
    assert url("create", a) not in page
    assert client.get(url("grid", a)).status_code == 200
    detail = client.get(url("detail", a, pk=a.main.pk)).content.decode()
    assert "Open the hall on Saturdays" in detail
    assert url("commitment_edit", a, pk=a.commitment.pk) not in detail


def test_facilitator_writes(plan_world, login):
    a = plan_world.alpha
    client = login(a.users["facilitator"])
    response = client.post(url("create", a), {"title": "Alpha night walks", "status": "planned"})
    assert response.status_code == 302
    made = Action.objects.of(a.territory).get(title="Alpha night walks")
    assert made.progress == 0 and made.created_by == a.users["facilitator"]


# --- Creating actions from their sources ---------------------------------------------------------

def test_create_from_q1_card_refused_q3_card_linked(plan_world, login):
    a = plan_world.alpha
    q1 = a.cards[0]
    q3 = q_card(a, "Q3", "Alpha: open the school yard on Sundays")
    q4 = q_card(a, "Q4", "Alpha: I can lend my drill")
    before = Action.objects.of(a.territory).count()
    with pytest.raises(ValidationError) as error:
        services.create_action(a.territory, user=coordinator(a), title="From Q1", origin="cards",
                               cards=[q1, q3])
    message = " ".join(error.value.message_dict["cards"])
    assert f"card #{q1.pk}" in message and "answers Q1" in message and "Q3 or Q4" in message
    assert Action.objects.of(a.territory).count() == before

    client = login(coordinator(a))
    response = client.post(url("create_from_cards", a), {"cards": [q1.pk], "title": "From Q1"})
    assert response.status_code == 400
    assert "answers Q1" in response.content.decode()
    assert Action.objects.of(a.territory).count() == before

    page = client.get(url("create_from_cards", a) + f"?group={a.group.pk}").content.decode()
    assert q3.text in page and q4.text in page and q1.text not in page
    response = client.post(url("create_from_cards", a), {
        "cards": [q3.pk, q4.pk], "title": "Sunday school yard", "axis": a.axis.pk})
    assert response.status_code == 302
    made = Action.objects.of(a.territory).get(title="Sunday school yard")
    assert made.origin == "cards" and made.axis == a.axis
    assert set(made.cards.all()) == {q3, q4}
    detail = client.get(response["Location"]).content.decode()
    assert q3.text in detail and q4.text in detail
    assert AuditEntry.objects.of(a.territory).filter(model="action", object_id=str(made.pk),
                                                     action="create").exists()


def test_cards_of_another_territory_are_refused(plan_world):
    a, b = plan_world.alpha, plan_world.beta
    beta_q3 = q_card(b, "Q3", "Beta: a secret idea")
    with pytest.raises(ValidationError) as error:
        services.create_action(a.territory, user=coordinator(a), title="x", origin="cards",
                               cards=[beta_q3])
    assert "not a card of this territory" in str(error.value)


def test_create_from_pilot_idea_and_foreign_group(plan_world, login):
    a, b = plan_world.alpha, plan_world.beta
    client = login(coordinator(a))
    response = client.post(url("create_from_pilot_idea", a), {"group": b.group.pk, "title": "x"})
    assert response.status_code == 400 and "Choose a group of this territory" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        services.create_action(a.territory, user=coordinator(a), title="x", origin="pilot_idea",
                               origin_group=b.group)
    assert "group is not one of this territory" in str(error.value)
    response = client.post(url("create_from_pilot_idea", a), {
        "group": a.group.pk, "title": "Young people's café", "description": "Run by them"})
    assert response.status_code == 302
    made = Action.objects.of(a.territory).get(title="Young people's café")
    assert made.origin == "pilot_idea" and made.origin_group == a.group
    assert a.group.name in client.get(response["Location"]).content.decode()


def answer(w, rows):
    wave = w.wave
    sheets = []
    for n, levels in enumerate(rows):
        sheet = rules.make_sheet(dict(enumerate(levels)), len(w.indicators), profile={},
                                 asked=wave.profile_questions, choices=rules.choice_counts({}),
                                 consent=False)
        sheets.append((f"p:{n + 1}", "paper", sheet, n + 1))
    from cospiral.surveys import services as survey_services

    survey_services.submit_many(wave, sheets, user=w.t.users["coordinator"])


def test_create_from_indicator_lists_poor_results_and_target_baseline(plan_world, make_wave, login):
    from cospiral.surveys import services as survey_services

    a = plan_world.alpha
    w = make_wave(a, indicators=2, profile_questions=())
    # Indicator 0: 6 of 8 at levels 1–2 (75 %); indicator 1: 2 of 8 (25 %).
    answer(w, [[1, 4], [2, 5], [1, 2], [5, 4]] * 2)
    client = login(coordinator(a))
    page = client.get(url("create_from_indicator", a)).content.decode()
    assert "No survey wave is closed or published yet" in page
    survey_services.close_wave(w.wave, user=coordinator(a))
    page = client.get(url("create_from_indicator", a)).content.decode()
    first, second = w.indicators
    assert page.index(first.code) < page.index(second.code)
    assert "75%" in page and "25%" in page
    response = client.post(url("create_from_indicator", a), {
        "indicator": first.pk, "title": "Decent housing now"})
    assert response.status_code == 302
    made = Action.objects.of(a.territory).get(title="Decent housing now")
    assert made.origin == "indicator" and made.origin_indicator == first

    # A target whose baseline comes from the wave's published results.
    survey_services.publish_results(w.wave, user=coordinator(a))
    response = client.post(url("target_add", a, pk=made.pk), {
        "indicator": first.pk, "measure": "low_share", "baseline_wave": w.wave.pk,
        "target_value": "40"})
    assert response.status_code == 302
    target = Target.objects.of(a.territory).get(action=made)
    assert target.baseline == 75.0 and target.target == 40.0
    # Out of range and the wrong way: refused with the range named, nothing written.
    response = client.post(url("target_add", a, pk=made.pk), {
        "indicator": first.pk, "measure": "median", "baseline": "2", "target_value": "7"})
    assert response.status_code == 400 and "from 1 to 5" in response.content.decode()
    response = client.post(url("target_add", a, pk=made.pk), {
        "indicator": first.pk, "measure": "low_share", "baseline": "50", "target_value": "60"})
    assert response.status_code == 400 and "wrong way" in response.content.decode()
    assert Target.objects.of(a.territory).filter(action=made).count() == 1
    detail = client.get(url("detail", a, pk=made.pk)).content.decode()
    assert "75" in detail and "40" in detail


def test_indicator_of_another_territory_refused(plan_world, make_wave):
    a, b = plan_world.alpha, plan_world.beta
    w = make_wave(b, indicators=1, profile_questions=())
    with pytest.raises(ValidationError) as error:
        services.create_action(a.territory, user=coordinator(a), title="x", origin="indicator",
                               origin_indicator=w.indicators[0])
    assert "indicator is not one of this territory" in str(error.value)
    with pytest.raises(ValidationError):
        services.save_target(a.main, user=coordinator(a), indicator=w.indicators[0],
                             measure="score", target_value=50)


# --- Hierarchy -------------------------------------------------------------------------------------

def test_circular_parent_refused_nothing_changed(plan_world, login):
    a = plan_world.alpha
    leaf = blank(a, "Alpha spare parts", parent=a.sub)
    audit_before = AuditEntry.objects.of(a.territory).count()
    with pytest.raises(ValidationError) as error:
        services.update_action(a.main, user=coordinator(a), parent=leaf, title="Renamed")
    message = " ".join(error.value.message_dict["parent"])
    assert "its own ancestor" in message and "Alpha tool library" in message
    with pytest.raises(ValidationError):
        services.update_action(a.main, user=coordinator(a), parent=a.main)
    a.main.refresh_from_db()
    assert a.main.parent is None and a.main.title == "Alpha repair café"
    assert AuditEntry.objects.of(a.territory).count() == audit_before

    client = login(coordinator(a))
    data = {"title": "Renamed", "status": "proposed", "parent": leaf.pk}
    response = client.post(url("edit", a, pk=a.main.pk), data)
    assert response.status_code == 400 and "its own ancestor" in response.content.decode()
    a.main.refresh_from_db()
    assert a.main.parent is None and a.main.title == "Alpha repair café"


def test_parent_from_another_territory_refused(plan_world):
    a, b = plan_world.alpha, plan_world.beta
    beta_action = blank(b, "Beta secret scheme")
    with pytest.raises(ValidationError) as error:
        services.update_action(a.sub, user=coordinator(a), parent=beta_action)
    assert "not one of this territory" in str(error.value)
    a.sub.refresh_from_db()
    assert a.sub.parent == a.main


def test_sub_actions_follow_their_parent_axis(plan_world):
    a = plan_world.alpha
    assert a.sub.axis == a.axis  # took its parent's axis
    other = services.save_axis(a.territory, user=coordinator(a), code="2", title="Mobility")
    services.update_action(a.main, user=coordinator(a), axis=other)
    a.sub.refresh_from_db()
    assert a.sub.axis == other
    with pytest.raises(ValidationError) as error:
        services.delete_axis(other, user=coordinator(a))
    assert "still holds 2 actions" in str(error.value)


# --- Status, progress, roll-up ------------------------------------------------------------------------

def test_status_sets_progress_and_rollup_on_the_page(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    second = blank(a, "Alpha bike repairs", parent=a.main)
    client.post(url("status", a, pk=a.sub.pk), {"status": "running", "progress": "40"})
    client.post(url("status", a, pk=second.pk), {"status": "selected", "progress": "70"})
    a.sub.refresh_from_db()
    second.refresh_from_db()
    assert (a.sub.status, a.sub.progress) == ("running", 40)
    assert (second.status, second.progress) == ("selected", None)  # not measured, never 70
    rolled = selectors.rolled(a.main)
    assert rolled.progress == 40.0 and (rolled.measured, rolled.not_measured) == (1, 1)
    page = client.get(url("plan", a)).content.decode()
    assert "40%" in page and "40 %" not in page and "1 not measured" in page
    client.post(url("status", a, pk=second.pk), {"status": "done"})
    assert selectors.rolled(a.main).progress == 70.0
    client.post(url("status", a, pk=second.pk), {"status": "abandoned"})
    assert selectors.rolled(a.main).progress == 40.0
    response = client.post(url("status", a, pk=a.sub.pk), {"status": "running", "progress": "140"})
    assert response.status_code == 400
    a.sub.refresh_from_db()
    assert a.sub.progress == 40


def test_demonstrative_flag_needs_the_four_tests(plan_world, login):
    a = plan_world.alpha
    with pytest.raises(ValidationError) as error:
        services.update_action(a.main, user=coordinator(a), demonstrative=True, starts_at_once=True,
                               quick_results=True)
    message = " ".join(error.value.message_dict["demonstrative"])
    assert "crosses institutional barriers" in message and "extreme situation" in message
    services.update_action(a.main, user=coordinator(a), demonstrative=True, starts_at_once=True,
                           quick_results=True, crosses_barriers=True, addresses_extreme=True,
                           scores={"coverage": 4, "priority_to_disadvantaged": 4,
                                   "sober_resources": 3, "multiplier_effect": 3,
                                   "co_responsibility": 4}, families=["A", "B"])
    services.update_action(a.sub, user=coordinator(a), scores={"coverage": 2})
    page = login(a.users["observer"]).get(url("grid", a)).content.decode()
    assert page.index("Alpha repair café") < page.index("Alpha tool library")
    # The sub-action's tests were never assessed: "not assessed", never "fails".
    assert "passes all four" in page and "4 tests not assessed yet" in page
    assert "fails 4 tests" not in page
    detail = login(a.users["observer"]).get(url("detail", a, pk=a.sub.pk)).content.decode()
    assert "4 of the four tests are not assessed yet." in detail and "Fails" not in detail
    # Assessed as failing one test: that one fails, the others stay not assessed.
    services.update_action(a.sub, user=coordinator(a), quick_results=False)
    detail = login(a.users["observer"]).get(url("detail", a, pk=a.sub.pk)).content.decode()
    assert "Fails 1 of the four tests." in detail and "3 of the four tests are not assessed yet." in detail
    # The other territory's grid shows none of alpha's actions.
    assert "Alpha repair café" not in login(plan_world.beta.users["observer"]).get(
        url("grid", plan_world.beta)).content.decode()
    assert "90" in page  # (4+4+3+3+4)/5/4*100
    assert "<svg" in page


# --- Commitments ---------------------------------------------------------------------------------------

def test_commitment_by_beta_organisation_refused(plan_world, login):
    a, b = plan_world.alpha, plan_world.beta
    before = Commitment.objects.of(a.territory).count()
    with pytest.raises(ValidationError) as error:
        services.save_commitment(a.main, user=coordinator(a), party_kind="organisation",
                                 organisation=b.org, what="Give flats")
    assert "Beta housing office" in str(error.value) and "not an organisation of this territory" in str(error.value)
    with pytest.raises(ValidationError):
        services.save_commitment(a.main, user=coordinator(a), party_kind="group", group=b.group,
                                 what="Help")
    client = login(coordinator(a))
    response = client.post(url("commitment_add", a, pk=a.main.pk), {
        "party_kind": "organisation", "organisation": b.org.pk, "what": "Give flats",
        "resource": "premises"})
    assert response.status_code == 400
    assert "Choose an organisation of this territory" in response.content.decode()
    assert Commitment.objects.of(a.territory).count() == before
    assert Commitment.objects.of(b.territory).count() == 0


def test_commitment_rules(plan_world, login):
    a = plan_world.alpha
    with pytest.raises(ValidationError) as error:
        services.save_commitment(a.main, user=coordinator(a), party_kind="person", person="  ",
                                 what="Teach", amount="-3", outcome="kept")
    errors = error.value.message_dict
    assert {"person", "amount", "outcome"} <= set(errors)
    with pytest.raises(ValidationError) as error:
        services.save_commitment(a.main, user=coordinator(a), party_kind="person", person="Nadia",
                                 what="Teach", signed_on=dt.date(2026, 1, 1))
    assert "signed_on" in error.value.message_dict
    client = login(coordinator(a))
    response = client.post(url("commitment_add", a, pk=a.main.pk), {
        "party_kind": "person", "person": "Nadia", "what": "Teach repairs twice a month",
        "resource": "skills", "amount": "24", "unit": "hours", "due_on": "2026-06-30",
        "accepted_on": "2026-02-01", "signed_on": "2026-02-03"})
    assert response.status_code == 302
    c = Commitment.objects.of(a.territory).get(person="Nadia")
    assert c.party_kind == "person" and str(c.amount) == "24.00" and c.signed_on == dt.date(2026, 2, 3)


def test_partner_updates_only_its_organisation_commitment(plan_world, login):
    a = plan_world.alpha
    partner = a.users["partner"]
    Membership.objects.of(a.territory).filter(user=partner).update(organisation=a.club)
    client = login(partner)
    mine = client.get(url("my_commitments", a)).content.decode()
    assert "Open the hall on Saturdays" in mine and "Pay the tools" not in mine
    assert url("commitment_outcome", a, pk=a.commitment.pk) in mine
    # Outcome needs evidence; then it is saved and audited.
    response = client.post(url("commitment_outcome", a, pk=a.commitment.pk), {
        "accepted_on": "2026-01-05", "outcome": "partly"})
    assert response.status_code == 400 and "evidence note" in response.content.decode()
    response = client.post(url("commitment_outcome", a, pk=a.commitment.pk), {
        "accepted_on": "2026-01-05", "signed_on": "2026-01-10", "outcome": "partly",
        "evidence": "Open 3 Saturdays of 4 (caretaker's log)"})
    assert response.status_code == 302
    a.commitment.refresh_from_db()
    assert a.commitment.outcome == "partly" and a.commitment.signed_on == dt.date(2026, 1, 10)
    assert a.commitment.what == "Open the hall on Saturdays"
    entry = AuditEntry.objects.of(a.territory).filter(model="commitment", user=partner).get()
    assert set(entry.changes) == {"outcome", "evidence", "signed_on"}
    # Not the town hall's commitment, and nothing else of its own.
    assert client.get(url("commitment_outcome", a, pk=a.town_commitment.pk)).status_code == 403
    assert client.post(url("commitment_outcome", a, pk=a.town_commitment.pk), {
        "accepted_on": "2026-01-05", "outcome": "kept", "evidence": "x"}).status_code == 403
    assert client.post(url("commitment_edit", a, pk=a.commitment.pk), {
        "party_kind": "person", "person": "x", "what": "x", "resource": "time"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.record_outcome(a.town_commitment, user=partner, accepted_on=dt.date(2026, 1, 5),
                                outcome="kept", evidence="x")
    a.town_commitment.refresh_from_db()
    assert a.town_commitment.outcome == ""
    # Share kept per party on the commitments page: club 50 % (partly), town pending.
    page = client.get(url("commitments", a)).content.decode()
    assert "50%" in page and "no outcome yet" in page


def test_partner_without_organisation_updates_nothing(plan_world, login):
    a = plan_world.alpha
    client = login(a.users["partner"])
    page = client.get(url("my_commitments", a)).content.decode()
    assert "names no organisation" in page
    assert client.get(url("commitment_outcome", a, pk=a.commitment.pk)).status_code == 403


def test_members_page_sets_the_organisation(plan_world, login):
    a, b = plan_world.alpha, plan_world.beta
    m = Membership.objects.of(a.territory).get(user=a.users["partner"])
    client = login(coordinator(a))
    page = client.get(reverse("territories:members", kwargs={"territory": "alpha"})).content.decode()
    assert "Alpha youth club" in page and "Beta housing office" not in page
    role_url = reverse("territories:member_role", kwargs={"territory": "alpha", "pk": m.pk})
    client.post(role_url, {f"m{m.pk}-role": "partner", f"m{m.pk}-organisation": a.club.pk})
    m.refresh_from_db()
    assert m.organisation == a.club and m.role == "partner"
    response = client.post(role_url, {f"m{m.pk}-role": "partner",
                                      f"m{m.pk}-organisation": b.org.pk}, follow=True)
    assert "Choose an organisation of this territory" in response.content.decode()
    m.refresh_from_db()
    assert m.organisation == a.club
    assert AuditEntry.objects.of(a.territory).filter(
        model="membership", changes__has_key="organisation").count() == 1


# --- Soft delete and restore ------------------------------------------------------------------------------

def test_soft_delete_and_restore(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    with pytest.raises(ValidationError) as error:
        services.delete_action(a.main, user=coordinator(a))
    assert "Alpha tool library" in str(error.value)
    assert client.post(url("delete", a, pk=a.sub.pk)).status_code == 302
    a.sub.refresh_from_db()
    assert a.sub.deleted_at is not None
    assert "Alpha tool library" not in client.get(url("grid", a)).content.decode()
    plan_page = client.get(url("plan", a)).content.decode()
    assert url("restore", a, pk=a.sub.pk) in plan_page
    # A deleted action cannot be changed; observers do not see it.
    with pytest.raises(ValidationError):
        services.update_action(a.sub, user=coordinator(a), title="x")
    services.delete_action(a.main, user=coordinator(a))
    with pytest.raises(ValidationError) as error:
        services.restore_action(a.sub, user=coordinator(a))
    assert "restore “Alpha repair café” first" in str(error.value)
    services.restore_action(a.main, user=coordinator(a))
    assert client.post(url("restore", a, pk=a.sub.pk)).status_code == 302
    a.sub.refresh_from_db()
    assert a.sub.deleted_at is None
    assert list(AuditEntry.objects.of(a.territory).filter(
        model="action", object_id=str(a.sub.pk)).values_list("action", flat=True)[:2]) == [
        "restore", "delete"]
    # Commitments too.
    client.post(url("commitment_delete", a, pk=a.commitment.pk))
    a.commitment.refresh_from_db()
    assert a.commitment.deleted_at is not None
    assert a.commitment not in selectors.commitments(a.territory)
    client.post(url("commitment_restore", a, pk=a.commitment.pk))
    a.commitment.refresh_from_db()
    assert a.commitment.deleted_at is None


def test_a_commitment_of_a_deleted_action_comes_back_after_its_action(plan_world):
    a = plan_world.alpha
    user = coordinator(a)
    services.delete_commitment(a.commitment, user=user)
    services.delete_action(a.sub, user=user)
    services.delete_action(a.main, user=user)
    with pytest.raises(ValidationError) as error:
        services.restore_commitment(a.commitment, user=user)
    assert "The action “Alpha repair café” is deleted: restore it first." in str(error.value)
    a.commitment.refresh_from_db()
    assert a.commitment.deleted_at is not None
    services.restore_action(a.main, user=user)
    services.restore_commitment(a.commitment, user=user)
    services.restore_commitment(a.commitment, user=user)  # already back: nothing more
    a.commitment.refresh_from_db()
    assert a.commitment.deleted_at is None
    assert list(AuditEntry.objects.of(a.territory).filter(
        model="commitment", object_id=str(a.commitment.pk)).values_list("action", flat=True)[:2]) == [
        "restore", "delete"]


def test_milestones_tell_the_story(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    response = client.post(url("milestone_add", a, pk=a.main.pk), {
        "on": "2026-03-01", "title": "First repair session", "reached": "on", "note": "12 people"})
    assert response.status_code == 302
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(url("milestone_add", a, pk=a.main.pk), {
        "on": future, "title": "Tool library opens", "reached": "on"})
    assert response.status_code == 400 and "cannot be reached yet" in response.content.decode()
    client.post(url("milestone_add", a, pk=a.main.pk), {"on": "2026-02-01", "title": "Hall found"})
    page = client.get(url("detail", a, pk=a.main.pk)).content.decode()
    assert page.index("Hall found") < page.index("First repair session")
    m = Milestone.objects.of(a.territory).get(title="Hall found")
    assert login(plan_world.beta.users["coordinator"]).get(
        url("milestone_edit", plan_world.beta, pk=m.pk)).status_code == 404
    client = login(coordinator(a))
    client.post(url("milestone_edit", a, pk=m.pk), {"delete": "1"})
    assert not Milestone.objects.of(a.territory).filter(pk=m.pk).exists()
    assert AuditEntry.objects.of(a.territory).filter(model="milestone", action="delete").count() == 1


# --- Reviews on the coordinator's home page -------------------------------------------------------------

def test_review_reminder_on_the_coordinator_home_page(plan_world, login):
    a = plan_world.alpha
    home = reverse("territories:home", kwargs={"territory": "alpha"})
    today = timezone.localdate()
    services.update_action(a.main, user=coordinator(a), review_on=today + dt.timedelta(days=3))
    services.update_action(a.sub, user=coordinator(a), review_on=today + dt.timedelta(days=30))
    late = blank(a, "Alpha late review", review_on=today - dt.timedelta(days=2))
    closed = blank(a, "Alpha finished thing", review_on=today)
    services.set_status(closed, user=coordinator(a), status="done")
    page = login(coordinator(a)).get(home).content.decode()
    assert "Reviews due" in page
    assert "Alpha repair café" in page and "Alpha late review" in page and "overdue" in page
    assert "Alpha tool library" not in page and "Alpha finished thing" not in page
    assert url("detail", a, pk=late.pk) in page
    observer_page = login(a.users["observer"]).get(home).content.decode()
    assert "Reviews due" not in observer_page and "Alpha repair café" not in observer_page
    beta_page = login(plan_world.beta.users["coordinator"]).get(
        reverse("territories:home", kwargs={"territory": "beta"})).content.decode()
    assert "Alpha repair café" not in beta_page
    assert "No action is due for review" in beta_page


def test_every_page_renders_for_a_coordinator(plan_world, make_wave, login):
    a = plan_world.alpha
    w = make_wave(a, indicators=1, profile_questions=())
    target = services.save_target(a.main, user=coordinator(a), indicator=w.indicators[0],
                                  measure="score", baseline=40, target_value=60)
    milestone = services.add_milestone(a.main, user=coordinator(a), on=dt.date(2026, 1, 2),
                                       title="Kick-off")
    client = login(coordinator(a))
    pages = [url("axes", a), url("axis_edit", a, pk=a.axis.pk), url("create", a) + f"?parent={a.main.pk}",
             url("edit", a, pk=a.main.pk), url("delete", a, pk=a.sub.pk),
             url("milestone_edit", a, pk=milestone.pk), url("target_edit", a, pk=target.pk),
             url("commitment_edit", a, pk=a.commitment.pk),
             url("commitment_delete", a, pk=a.commitment.pk),
             url("commitment_outcome", a, pk=a.commitment.pk), url("commitments", a),
             url("my_commitments", a), url("grid", a), url("plan", a),
             url("detail", a, pk=a.main.pk)]
    for page in pages:
        response = client.get(page, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, page
    edit = client.get(url("edit", a, pk=a.sub.pk)).content.decode()
    assert f'<option value="{a.main.pk}" selected>' in edit
    detail = client.get(url("detail", a, pk=a.main.pk)).content.decode()
    assert "Kick-off" in detail and "Alpha tool library" in detail
    assert url("target_edit", a, pk=target.pk) in detail
    # Beta cannot reach alpha's parts through its own address.
    beta = login(plan_world.beta.users["coordinator"])
    b = plan_world.beta
    for page in (url("target_edit", b, pk=target.pk), url("commitment_edit", b, pk=a.commitment.pk),
                 url("axis_edit", b, pk=a.axis.pk), url("milestone_edit", b, pk=milestone.pk)):
        assert beta.get(page).status_code == 404, page


def test_the_form_records_each_test_as_passed_failed_or_not_assessed(plan_world, login):
    a = plan_world.alpha
    client = login(coordinator(a))
    form = client.get(url("edit", a, pk=a.main.pk)).content.decode()
    select = form[form.index('name="starts_at_once"'):]
    select = select[:select.index("</select>")]
    # Never assessed: "not assessed" is chosen, not "fails".
    assert '<option value="" selected>not assessed</option>' in select
    response = client.post(url("edit", a, pk=a.main.pk), {
        "title": "Alpha repair café", "status": "proposed", "starts_at_once": "yes",
        "quick_results": "no", "crosses_barriers": ""})
    assert response.status_code == 302
    a.main.refresh_from_db()
    assert (a.main.starts_at_once, a.main.quick_results, a.main.crosses_barriers,
            a.main.addresses_extreme) == (True, False, None, None)
    response = client.post(url("edit", a, pk=a.main.pk), {
        "title": "Alpha repair café", "status": "proposed", "starts_at_once": "maybe"})
    assert response.status_code == 400
    # Beta cannot open alpha's action.
    assert login(coordinator(plan_world.beta)).get(
        reverse("actions:edit", kwargs={"territory": plan_world.beta.territory.slug,
                                        "pk": a.main.pk})).status_code == 404
