"""``cospiral demo``: the fictional Montclair territory loads, once, with its accounts."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cospiral.cards.models import Card
from cospiral.core.models import AuditEntry
from cospiral.demo.demo import DEMO_PASSWORD, demo_data
from cospiral.groups.models import Group, Session
from cospiral.territories.models import CoordinationMember, Membership, Organisation, Territory

pytestmark = pytest.mark.django_db(transaction=False)


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "territories": Territory.objects.count(),
        "groups": Group.objects.count(),
        "sessions": Session.objects.count(),
        "cards": Card.objects.count(),
        "organisations": Organisation.objects.count(),
        "seats": CoordinationMember.objects.count(),
        "memberships": Membership.objects.count(),
        "users": get_user_model().objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_suggested_codes_exist_in_the_default_grid():
    from cospiral.grid.services import default_version

    version = default_version()
    codes = set(version.entries.filter(kind="component").values_list("code", flat=True))
    data = demo_data()
    cards = [c for g in data["groups"] for c in g["cards"]]
    assert len(cards) == 300
    assert {c["suggested_code"] for c in cards} <= codes
    # Natural near-duplicates are allowed; identical post-its are not.
    assert len({c["text"] for c in cards}) == len(cards)


def test_demo_refuses_a_malformed_address():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not an address and port"):
        call_command("demo", addrport="localhost:http", no_serve=True, stdout=io.StringIO())
    assert not Territory.objects.exists()


@pytest.mark.usefixtures("built_demo")
class TestTheDemoBuiltOnce:
    """The demo is built once for these tests (``built_demo``, about a minute); each test
    runs in its own transaction, rolled back, so what one changes the next never sees."""

    def test_demo_builds_the_fictional_territory(self, built_demo):
        output = built_demo.output  # what the first run printed
        city = Territory.objects.get(slug="montclair")
        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        assert city.kind == "city" and city.parent is None
        assert tilleuls.kind == "neighbourhood" and tilleuls.parent == city
        assert "fictive" in city.description.lower() and "fictif" in tilleuls.description.lower()
        assert Territory.objects.count() == 2
        assert "http://127.0.0.1:8000/" in output
        for username in ("admin", "coordination", "animation", "partenaire", "observation"):
            assert username in output
        assert DEMO_PASSWORD in output

        groups = Group.objects.of(tilleuls)
        homogeneous = groups.filter(kind="homogeneous")
        mixed = groups.get(kind="mixed")
        assert homogeneous.count() == 4 and groups.count() == 5
        assert set(mixed.source_groups.all()) == set(homogeneous)
        assert all(g.profile for g in groups)
        assert all(g.cycle.number == 2 for g in groups)

        sessions = Session.objects.of(tilleuls)
        assert sessions.count() == 9
        assert all(s.date.year == 2026 and 7 <= s.attendee_count <= 12 and s.place for s in sessions)

        seats = CoordinationMember.objects.of(tilleuls)
        assert Organisation.objects.of(tilleuls).count() >= 6 and seats.count() >= 15
        assert all(s.role for s in seats)

    def test_demo_cards_are_paper_cards_across_q1_to_q3(self):
        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        cards = Card.objects.of(tilleuls)
        assert 280 <= cards.count() <= 320
        by_question = {q: cards.filter(question__code=q).count() for q in ("Q1", "Q2", "Q3")}
        assert all(n >= 60 for n in by_question.values()), by_question
        assert sum(by_question.values()) == cards.count()
        assert set(cards.values_list("channel", flat=True)) == {"paper"}
        assert set(cards.values_list("language", flat=True)) == {"fr"}
        assert not cards.filter(created_by=None).exists()
        assert all(tag.startswith("p") and len(tag) == 3 for tag in cards.values_list("author_tag", flat=True))
        # Every group's cards belong to one of that group's sessions.
        for card in cards.select_related("session"):
            assert card.session.group_id == card.group_id
        # Loaded through the card services: the audit trail shows who typed each card.
        created = AuditEntry.objects.of(tilleuls).filter(action="create", model="card")
        assert created.count() == cards.count()
        assert set(created.values_list("actor_label", flat=True)) == {"animation", "coordination"}
        assert set(cards.filter(group__facilitators__username="animation")
                   .values_list("created_by__username", flat=True)) == {"animation"}
        assert AuditEntry.objects.of(tilleuls).filter(model="group").count() == 5
        assert AuditEntry.objects.of(tilleuls).filter(model="session").count() == 9
        # The mixed group crosses the others' criteria: it has no post-its of its own.
        assert not cards.filter(group__kind="mixed").exists()

    def test_demo_accounts_have_their_roles(self):
        User = get_user_model()
        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        roles = dict(Membership.objects.of(tilleuls).values_list("user__username", "role"))
        assert roles == {
            "coordination": "coordinator", "animation": "facilitator",
            "partenaire": "partner", "observation": "observer",
        }
        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff
        for username in ("admin", "coordination", "animation", "partenaire", "observation"):
            assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
        animation = User.objects.get(username="animation")
        assert animation.facilitated_groups.filter(territory=tilleuls).count() == 2

    def test_second_run_duplicates_nothing_and_says_so(self):
        before = counts()
        output = run_demo()
        assert counts() == before
        assert "already exists" in output

    def test_second_run_keeps_changed_passwords(self):
        user = get_user_model().objects.get(username="coordination")
        user.set_password("something else entirely 42")
        user.save()
        output = run_demo()
        user.refresh_from_db()
        assert user.check_password("something else entirely 42")
        assert "password unchanged" in output

    def test_demo_login_works_and_lists_the_territories(self, client):
        assert client.login(username="partenaire", password=DEMO_PASSWORD)
        response = client.get("/")
        assert response.status_code == 200
        assert "Quartier des Tilleuls" in response.content.decode()

    def test_demo_serves_with_runserver_unless_no_serve(self, monkeypatch):
        from cospiral.demo.management.commands import demo as demo_command

        calls = []

        def fake_serve(addrport, *, with_worker):
            calls.append((addrport, with_worker))
            return 0

        monkeypatch.setattr(demo_command, "serve", fake_serve)
        out = io.StringIO()
        call_command("demo", addrport="127.0.0.1:8123", stdout=out)
        # The suite runs jobs with the immediate backend: no worker to start then (the real
        # server and worker processes are tested in test_jobs_processes.py).
        assert calls == [("127.0.0.1:8123", False)]
        assert "http://127.0.0.1:8123/t/montclair-tilleuls/" in out.getvalue()

    def test_demo_phases_tell_where_the_territory_stands(self):
        from cospiral.territories.models import Phase

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        statuses = {
            (p.cycle.number, p.number): p.status
            for p in Phase.objects.of(tilleuls).select_related("cycle").exclude(status="not_started")
        }
        assert statuses == {(2, 1): "done", (2, 2): "in_progress"}

    def test_demo_codes_cards_validates_and_writes_a_synthesis(self):
        from cospiral.coding import counts
        from cospiral.coding.models import CodingValidation
        from cospiral.syntheses.models import Synthesis

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        expected = {c["text"]: c["suggested_code"] for g in demo_data()["groups"] for c in g["cards"]}
        coded = Card.objects.of(tilleuls).filter(component__isnull=False).select_related("component")
        by_group = {g.name: (coded.filter(group=g).count(), Card.objects.of(tilleuls).filter(group=g).count())
                    for g in Group.objects.of(tilleuls).filter(kind="homogeneous")}
        assert by_group["Jeunes 15–25 ans"][0] == by_group["Jeunes 15–25 ans"][1]
        done, total = by_group["Personnes en recherche d'emploi"]
        assert done == round(total / 2)
        # Coded by a person (the coder is recorded) with the data file's code.
        assert all(card.component.code == expected[card.text] and card.coded_by_id for card in coded)
        assert counts.differences(tilleuls) == {}
        assert CodingValidation.objects.of(tilleuls).get().group.name == "Jeunes 15–25 ans"
        synthesis = Synthesis.objects.of(tilleuls).get(group__name="Jeunes 15–25 ans")
        assert synthesis.status == "validated"
        sentences = list(synthesis.sentences.all())
        assert len(sentences) == 5
        assert all(s.cards.count() >= 3 and all(c.component_id == s.component_id for c in s.cards.all())
                   for s in sentences)

    def test_demo_evaluates_existing_actions(self):
        from cospiral.existing_actions import selectors as evaluation_selectors
        from cospiral.existing_actions.models import ExistingAction

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        specs = demo_data()["existing_actions"]
        actions = ExistingAction.objects.of(tilleuls)
        assert 3 <= actions.count() == len(specs) <= 4
        assert all(a.organisation and a.organisation.territory_id == tilleuls.pk and a.cycle.number == 2
                   and a.families and a.evaluated_by for a in actions)
        rows = evaluation_selectors.ranking(tilleuls)
        # Two actions tie at 75 and share rank 1 (standard competition ranking).
        assert [(r.rank, r.total) for r in rows[:3]] == [(1, 75.0), (1, 75.0), (3, 70.0)]
        assert {r.action.name for r in rows[:2]} == {"Fête des voisins et jardins partagés",
                                                     "Soutien scolaire du mercredi"}
        # One evaluation is still in progress: ranked last, flagged incomplete.
        assert not rows[-1].complete and rows[-1].assessed == 3
        assert AuditEntry.objects.of(tilleuls).filter(model="existingaction", action="create").count() == len(specs)

    def test_demo_indicators_start_from_the_library_with_sorted_coded_cards(self):
        from cospiral.indicators import selectors as indicator_selectors
        from cospiral.indicators.models import Indicator

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        indicators = {i.code: i for i in Indicator.objects.of(tilleuls).select_related("component")}
        assert set(indicators) == {"A03-1", "A01-1", "D00-1"}
        assert {i.library_key for i in indicators.values()} == {"housing", "food", "social-relations"}
        for indicator in indicators.values():
            # Version 1, frozen by the demo's survey waves, which use it.
            assert indicator.status == "frozen" and indicator.version == 1
            assert indicator_selectors.ready(indicator), indicator.code
            assert indicator.created_by.username == "animation"
            cards = [c for c in indicator.criteria.select_related("card__component") if c.card_id]
            assert len(cards) >= 3
            # Each card criterion is a coded card of the indicator's component, sorted, its text copied.
            assert all(c.card.component_id == indicator.component_id and c.category and c.text == c.card.text
                       for c in cards)
        housing = indicators["A03-1"]
        assert housing.title("fr") == "Avoir un logement digne et stable"
        assert housing.criteria.filter(card__text="Vivre à 6 dans un F3", category="obtaining").exists()

    def test_demo_surveys_before_and_after_with_exact_tallies(self):
        from cospiral.surveys import selectors as survey_selectors
        from cospiral.surveys import services as survey_services
        from cospiral.surveys.models import Questionnaire, Wave

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        waves = {w.kind: w for w in Wave.objects.of(tilleuls)}
        before, after = waves["ex_ante"], waves["ex_post"]
        # The seed's 150 inhabitants, typed in from paper or answered on the web.
        assert Questionnaire.objects.filter(wave=before, submitted_at__isnull=False).count() == 150
        assert survey_services.wave_status(before) == "closed" and before.published_at is not None
        assert survey_services.wave_status(after) == "open" and after.published_at is None
        assert after.baseline_id == before.pk
        for wave in (before, after):
            recount = survey_services.recount(wave)
            assert survey_selectors.cells(wave).respondents == sum(n for _c, n in recount.values())
            assert [i.indicator.code for i in survey_selectors.instrument(wave)] == ["A03-1", "A01-1", "D00-1"]
        results = survey_selectors.results(before, breakdown="age_band", weighted=True)
        assert results.respondents == 150 and results.weighting.method == "post-stratification"
        assert all(results.scores.figures(j).n >= 100 for j in range(3))
        comparison = survey_selectors.comparison(after)
        assert comparison.codes == ["A03-1", "A01-1", "D00-1"]

    def test_demo_contract_follows_the_seed(self):
        from cospiral.contracts import selectors as contract_selectors
        from cospiral.contracts.models import Contract

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        contract = Contract.objects.of(tilleuls).get()
        assert contract.status == "running" and contract.reviews.count() == 1
        o = contract_selectors.overview(contract)
        beneficiaries = [r.party for r in o.beneficiaries]
        # Twelve recipients of minimum income, under pseudonyms only; every one with a project.
        assert len(beneficiaries) == 12 and all(r.project for r in o.beneficiaries)
        assert all(p.pseudonym and p.organisation_id is None and not p.representative
                   for p in beneficiaries)
        others = {(r.party.kind, r.party.organisation.name) for r in o.others}
        assert ("provider", "CCAS de Montclair") in others and ("city", "Mairie de Montclair") in others
        assert ("provider", "Centre social des Tilleuls") in others
        topics = " ".join(w.workshop.topic for w in o.workshops)
        assert "Gérer son budget" in topics and "Confiance en soi" in topics
        assert {w.workshop.kind for w in o.workshops} == {"collective", "individual"}
        # Attendance recorded for the past workshops, not for those to come.
        recorded = [w for w in o.workshops if w.rate is not None]
        assert 0 < len(recorded) < len(o.workshops)
        assert 0.7 < o.attendance.rate < 1
        assert o.kept.with_outcome > 0 and o.kept.pending > 0
        assert AuditEntry.objects.of(tilleuls).filter(model="contract").count() >= 5

    def test_demo_plan_axes_actions_commitments_and_a_closed_vote(self):
        from cospiral.actions.models import Action, Axis, Commitment, Milestone, Target
        from cospiral.votes import selectors as vote_selectors
        from cospiral.votes.models import Ballot, Round

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        spec = demo_data()["plan"]
        assert 2 <= Axis.objects.of(tilleuls).count() == len(spec["axes"]) <= 3
        actions = Action.objects.of(tilleuls).alive()
        assert 4 <= actions.filter(parent__isnull=True).count() <= 6
        assert set(actions.values_list("origin", flat=True)) >= {"cards", "pilot_idea", "indicator"}
        from_cards = actions.filter(origin="cards").first()
        cards = list(from_cards.cards.all())
        assert cards and all(c.question.code == "Q3" for c in cards)
        assert actions.get(origin="pilot_idea").origin_group.name == "Personnes âgées"
        housing = actions.get(origin="indicator")
        assert housing.origin_indicator.code == "A03-1"
        children = list(housing.children.all())
        assert len(children) == 2 and all(c.axis_id == housing.axis_id for c in children)
        target = Target.objects.of(tilleuls).get(action=housing, measure="low_share")
        assert target.baseline_wave.kind == "ex_ante" and target.baseline is not None
        assert target.target <= target.baseline  # the share at levels 1–2 should fall
        assert Milestone.objects.of(tilleuls).filter(reached=True).exists()
        commitments = Commitment.objects.of(tilleuls)
        assert commitments.exclude(outcome="").count() >= 3 and commitments.filter(outcome="").exists()
        assert set(commitments.values_list("party_kind", flat=True)) == {"organisation", "group", "person"}
        # The partner account speaks for an organisation that has commitments.
        partner = Membership.objects.of(tilleuls).get(user__username="partenaire")
        assert partner.organisation.name == spec["partner_organisation"]
        assert commitments.filter(organisation=partner.organisation).exists()
        # A closed dot vote of the coordination group, one ballot per member, results shown.
        vote = Round.objects.of(tilleuls).get()
        assert vote.method == "dot" and vote.closed_at is not None
        assert Ballot.objects.of(tilleuls).filter(round=vote).count() == len(spec["vote"]["ballots"])
        assert not Ballot.objects.of(tilleuls).filter(voter__isnull=True).exists()
        assert {a.title for a in vote_selectors.candidates(vote)} == {
            a["title"] for a in spec["actions"] if a["key"] in spec["vote"]["candidates"]}

    def test_demo_action_pages_follow_up_and_the_plan_round_trip(self, client):
        from django.urls import reverse

        from cospiral.actions import tabular
        from cospiral.actions.models import Action

        tilleuls = Territory.objects.get(slug="montclair-tilleuls")
        client.force_login(get_user_model().objects.get(username="coordination"))
        housing = Action.objects.of(tilleuls).get(origin="indicator")
        page = client.get(reverse("actions:detail", kwargs={"territory": tilleuls.slug,
                                                           "pk": housing.pk}))
        assert page.status_code == 200
        # The open ex-post wave asks A03-1: its follow-up shows before → after.
        assert [f["code"] for f in page.context["follow_up"]] == ["A03-1", "A03-1"]
        assert all(f["row"].before is not None and f["row"].after is not None
                   for f in page.context["follow_up"])
        plan_page = client.get(reverse("actions:plan", kwargs={"territory": tilleuls.slug}))
        assert plan_page.status_code == 200 and "A03-1:" in plan_page.content.decode()
        coordinator = get_user_model().objects.get(username="coordination")
        for kind in ("actions", "commitments"):
            data = tabular.response(tilleuls, kind, "csv").content
            result = tabular.import_file(tilleuls, kind, data, f"{kind}.csv", user=coordinator)
            assert not result.changed and result.unchanged >= 6
