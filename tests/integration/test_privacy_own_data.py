"""A person's own data (issue 13): a member downloads what cospiral holds about them
(never anyone else's); a site administrator erases a person (pseudonym, memberships
removed, citizens' words kept, audit entry); a coordinator anonymises a closed wave for
good (personal and resume links deleted). Two territories, every role, anonymous."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cospiral.cards.models import Card
from cospiral.cards.services import create_cards
from cospiral.core.models import AuditEntry
from cospiral.surveys import selectors as survey_selectors
from cospiral.surveys import services as survey_services
from cospiral.surveys.models import Questionnaire, RespondentToken
from cospiral.territories.models import Membership

pytestmark = pytest.mark.django_db


def test_a_member_downloads_their_own_data_and_nothing_else(world, login, client):
    me = world.alpha.users["facilitator"]
    create_cards(world.alpha.territory, group=world.alpha.group, session=world.alpha.session,
                 question=world.alpha.q1, texts=["Typed by me"], user=me)
    create_cards(world.alpha.territory, group=world.alpha.group, session=world.alpha.session,
                 question=world.alpha.q1, texts=["Typed by the coordinator"],
                 user=world.alpha.users["coordinator"])
    assert client.get(reverse("privacy:download")).status_code == 302  # sign in first
    response = login(me).get(reverse("privacy:download"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["account"]["username"] == "alpha-facilitator"
    assert [m["territory"] for m in data["memberships"]] == ["alpha"]
    assert [c["text"] for c in data["cards_entered"]] == ["Typed by me"]
    assert data["groups_facilitated"] == [{"territory": "alpha", "group": world.alpha.group.name}]
    assert all(e["summary"] != "Typed by the coordinator" for e in data["audit_entries"])
    text = response.content.decode()
    for other in ("alpha-coordinator", "beta-", "Typed by the coordinator", "secret card"):
        assert other not in text, other
    page = login(me).get(reverse("privacy:mine"))
    assert page.status_code == 200 and "Download your data" in page.content.decode()


def test_only_site_administrators_erase_and_the_words_stay(world, login, client, django_user_model):
    person = world.alpha.users["facilitator"]
    create_cards(world.alpha.territory, group=world.alpha.group, session=world.alpha.session,
                 question=world.alpha.q1, texts=["A citizen's words"], user=person)
    url = reverse("privacy:erase", args=[person.pk])
    assert client.get(url).status_code == 302
    for t in (world.alpha, world.beta):
        for role, user in t.users.items():
            assert login(user).get(url).status_code == 403, role
            assert login(user).post(url, {"confirm": "1"}).status_code == 403, role
    admin = django_user_model.objects.create_superuser("site-admin", password="x")
    staff = login(admin)
    assert person.username in staff.get(reverse("privacy:people"), {"q": "alpha-fac"}).content.decode()
    assert staff.post(url, {}).status_code == 400  # not confirmed: nothing done
    assert get_user_model().objects.get(pk=person.pk).is_active
    response = staff.post(url, {"confirm": "1"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.username.startswith("erased-") and not person.is_active
    assert not person.has_usable_password() and person.email == "" and person.first_name == ""
    assert not Membership.objects.filter(user=person).exists()
    assert not world.alpha.group.facilitators.filter(pk=person.pk).exists()
    card = Card.objects.get(text="A citizen's words")
    assert card.created_by_id == person.pk  # kept, now pseudonymous
    assert not AuditEntry.objects.filter(actor_label="alpha-facilitator").exists()
    erased = AuditEntry.objects.get(model="user", object_id=str(person.pk))
    assert erased.user == admin and person.username in erased.summary
    assert AuditEntry.objects.filter(territory=world.alpha.territory, model="membership",
                                     action="delete").exists()
    assert staff.post(url, {"confirm": "1"}).status_code == 400  # already erased
    assert staff.post(reverse("privacy:erase", args=[admin.pk]), {"confirm": "1"}).status_code == 400


def test_a_closed_wave_is_anonymised_for_good(world, make_wave, login, client):
    w = make_wave(world.alpha)
    coordinator = world.alpha.users["coordinator"]
    tokens = survey_services.create_tokens(w.wave, 3, user=coordinator)
    survey_services.save_questionnaire(w.wave, key=f"t:{tokens[0].token}", channel="web", answers={0: 2})
    survey_services.save_questionnaire(w.wave, key=f"t:{tokens[1].token}", channel="web", answers={0: 3},
                                       submit=False)
    survey_services.save_questionnaire(w.wave, key="w:resume-key", channel="web", answers={0: 4})
    url = reverse("surveys:anonymise", args=["alpha", w.wave.pk])
    for role in ("facilitator", "partner", "observer"):
        assert login(world.alpha.users[role]).post(url, {"confirm": "1"}).status_code == 403
    assert login(world.beta.users["coordinator"]).post(url, {"confirm": "1"}).status_code == 404
    staff = login(coordinator)
    assert staff.get(url).status_code == 405
    staff.post(url, {"confirm": "1"})  # open: refused
    assert RespondentToken.objects.filter(wave=w.wave).count() == 3
    survey_services.close_wave(w.wave, user=coordinator)
    staff.post(url, {})  # not confirmed
    assert RespondentToken.objects.filter(wave=w.wave).count() == 3
    before = survey_selectors.cells(w.wave, 3).counts.tolist()
    response = staff.post(url, {"confirm": "1"}, follow=True)
    assert "anonymised for good" in response.content.decode()
    assert not RespondentToken.objects.filter(wave=w.wave).exists()
    kept = list(Questionnaire.objects.filter(wave=w.wave))
    assert len(kept) == 2 and all(q.key.startswith("a:") for q in kept)  # the unsent one is gone
    assert all(q.entered_by_id is None and q.respondent_number is None for q in kept)
    w.wave.refresh_from_db()
    assert all(q.submitted_at == w.wave.closes_at for q in kept)
    assert survey_selectors.cells(w.wave, 3).counts.tolist() == before
    assert AuditEntry.objects.filter(model="wave", object_id=str(w.wave.pk),
                                     changes__has_key="anonymised").exists()
    client.logout()
    assert client.get(reverse("survey_public:personal", kwargs={"token": tokens[0].token})).status_code == 404
    with pytest.raises(survey_services.ValidationError):
        survey_services.open_wave(w.wave, user=coordinator)
