"""Card pages: bulk entry (JSON and without JS), undo, list, edit, delete, restore,
history, for every role and across territories."""

import pytest
from django.urls import reverse

from cospiral.cards.models import Card, Question
from cospiral.core.models import AuditEntry

JSON = {"HTTP_ACCEPT": "application/json"}


def url(name, territory, *args):
    return reverse(f"criteria:{name}", args=[territory.slug, *args])


def batch(t, question=None):
    return {"group": t.group.pk, "session": t.session.pk, "question": (question or t.q1).pk}


# --- bulk entry -----------------------------------------------------------------------

def test_bulk_page_shows_the_entry_box_and_live_list(world, login):
    t = world.alpha
    client = login(t.users["facilitator"])
    response = client.get(url("bulk", t.territory), batch(t))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="text"' in html and 'aria-live="polite"' in html
    assert "Alt+1" in html and "Ctrl+Z" in html
    assert "Alphaville secret card 2" in html and "3 cards in this batch" in html
    assert "bulk-entry.js" in html


def test_bulk_pick_lists_only_the_facilitators_groups_of_this_territory(world, login):
    from cospiral.groups.models import Group

    t = world.alpha
    Group.objects.create(territory=t.territory, name="Not mine")
    html = login(t.users["facilitator"]).get(url("bulk", t.territory)).content.decode()
    assert t.group.name in html
    assert "Not mine" not in html and world.beta.group.name not in html
    html = login(t.users["coordinator"]).get(url("bulk", t.territory)).content.decode()
    assert "Not mine" in html and world.beta.group.name not in html


def test_bulk_json_post_saves_one_card_per_line(world, login):
    t = world.alpha
    client = login(t.users["facilitator"])
    response = client.post(url("bulk", t.territory),
                           {**batch(t), "text": "un parc propre\n\n  des bancs \n"}, **JSON)
    assert response.status_code == 201
    data = response.json()
    assert [c["text"] for c in data["created"]] == ["un parc propre", "des bancs"]
    assert data["count"] == 5
    card = Card.objects.get(pk=data["created"][0]["id"])
    assert (card.territory, card.group, card.session, card.question, card.channel) == (
        t.territory, t.group, t.session, t.q1, "paper")
    assert AuditEntry.objects.filter(model="card", action="create").count() == 2


def test_bulk_json_errors_are_clear_and_store_nothing(world, login):
    t = world.alpha
    client = login(t.users["facilitator"])
    response = client.post(url("bulk", t.territory), {**batch(t), "text": "x" * 2001}, **JSON)
    assert response.status_code == 400
    assert "2001 characters" in response.json()["errors"][0]
    q4 = Question.objects.of(t.territory).get(code="Q4")
    response = client.post(url("bulk", t.territory), {**batch(t, q4), "text": "x"}, **JSON)
    assert response.status_code == 400 and "Q4" in " ".join(response.json()["errors"])
    assert Card.objects.of(t.territory).count() == 3


def test_bulk_without_js_posts_the_textarea_and_redirects(world, login):
    t = world.alpha
    client = login(t.users["facilitator"])
    response = client.post(url("bulk", t.territory), {**batch(t), "text": "a\nb\nc"}, follow=True)
    assert response.status_code == 200
    assert "3 cards saved." in response.content.decode()
    assert Card.objects.of(t.territory).alive().count() == 6


def test_undo_last_card_json_and_without_js(world, login):
    t = world.alpha
    client = login(t.users["facilitator"])
    client.post(url("bulk", t.territory), {**batch(t), "text": "first"}, **JSON)
    client.post(url("bulk", t.territory), {**batch(t), "text": "second"}, **JSON)
    data = client.post(url("bulk", t.territory), {**batch(t), "action": "undo"}, **JSON).json()
    assert data["undone"]["text"] == "second" and data["count"] == 4
    response = client.post(url("bulk", t.territory), {**batch(t), "action": "undo"}, follow=True)
    assert "first" in response.content.decode()
    assert Card.objects.of(t.territory).alive().count() == 3
    data = client.post(url("bulk", t.territory), {**batch(t), "action": "undo"}, **JSON).json()
    assert data["undone"] is None  # the fixture's cards are not this user's
    assert Card.objects.of(t.territory).alive().count() == 3


def test_bulk_cannot_target_another_territorys_objects(world, login):
    t, b = world.alpha, world.beta
    client = login(t.users["coordinator"])
    response = client.post(url("bulk", t.territory), {**batch(b), "text": "leak"}, **JSON)
    assert response.status_code == 400
    assert not Card.objects.filter(text="leak").exists()


@pytest.mark.parametrize("role, status", [("partner", 403), ("observer", 403)])
def test_readers_cannot_open_bulk_entry(world, login, role, status):
    t = world.alpha
    client = login(t.users[role])
    assert client.get(url("bulk", t.territory)).status_code == status
    assert client.post(url("bulk", t.territory), {**batch(t), "text": "x"}).status_code == status
    assert Card.objects.of(t.territory).count() == 3


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "partner", "observer"])
def test_other_territory_members_get_404_everywhere(world, login, role):
    a, b = world.alpha, world.beta
    client = login(b.users[role])
    card = a.cards[0]
    for name, args in [("list", ()), ("bulk", ()), ("import", ()), ("edit", (card.pk,)),
                       ("delete", (card.pk,)), ("restore", (card.pk,)),
                       ("history", (card.pk,)), ("kit", (a.group.pk,)),
                       ("template", ("csv",))]:
        assert client.get(url(name, a.territory, *args)).status_code == 404, name
    assert client.post(url("delete", a.territory, card.pk)).status_code == 404
    assert client.post(url("edit", a.territory, card.pk), {"text": "hacked"}).status_code == 404
    # Alpha objects through beta's own URLs are 404 too, and nothing changes.
    if role in ("coordinator", "facilitator"):
        assert client.post(url("delete", b.territory, card.pk)).status_code == 404
        assert client.get(url("edit", b.territory, card.pk)).status_code == 404
    card.refresh_from_db()
    assert card.deleted_at is None and card.text == "Alphaville secret card 0"


# --- list -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "facilitator", "partner", "observer"])
def test_list_shows_only_this_territorys_cards(world, login, role):
    t = world.alpha
    html = login(t.users[role]).get(url("list", t.territory)).content.decode()
    assert "Alphaville secret card 1" in html
    assert "Betatown" not in html
    has_edit = reverse("criteria:edit", args=[t.territory.slug, t.cards[0].pk]) in html
    assert has_edit == (role in ("coordinator", "facilitator"))


def test_list_filters_and_hides_deleted_unless_coordinator_asks(world, login):
    t = world.alpha
    Card.objects.filter(pk=t.cards[0].pk).update(deleted_at="2026-01-01T00:00:00Z")
    q2 = Question.objects.of(t.territory).get(code="Q2")
    Card.objects.create(territory=t.territory, group=t.group, question=q2, text="about Q2")
    coord = login(t.users["coordinator"])
    html = coord.get(url("list", t.territory)).content.decode()
    assert "secret card 0" not in html and "secret card 1" in html
    html = coord.get(url("list", t.territory), {"deleted": "1"}).content.decode()
    assert "secret card 0" in html
    html = coord.get(url("list", t.territory), {"question": q2.pk}).content.decode()
    assert "about Q2" in html and "secret card 1" not in html
    # Another territory's question id as a filter is refused, not applied.
    html = coord.get(url("list", t.territory), {"question": world.beta.q1.pk}).content.decode()
    assert "Betatown" not in html
    fac = login(t.users["facilitator"])
    html = fac.get(url("list", t.territory), {"deleted": "1"}).content.decode()
    assert "secret card 0" not in html


def test_list_is_paginated(world, login):
    t = world.alpha
    Card.objects.bulk_create([Card(territory=t.territory, group=t.group, question=t.q1,
                                   text=f"bulk {i}") for i in range(60)])
    client = login(t.users["observer"])
    html = client.get(url("list", t.territory)).content.decode()
    assert "Page 1 of 2" in html
    html2 = client.get(url("list", t.territory), {"page": 2}).content.decode()
    assert "Page 2 of 2" in html2


# --- edit, delete, restore, history ---------------------------------------------------

def test_edit_saves_and_detects_conflicts(world, login):
    t = world.alpha
    card = t.cards[0]
    client = login(t.users["facilitator"])
    page = client.get(url("edit", t.territory, card.pk))
    seen = page.context["form"].initial["seen_updated_at"]
    q2 = Question.objects.of(t.territory).get(code="Q2")
    form = {"text": "corrected", "question": q2.pk, "language": "en", "author_tag": "p1",
            "seen_updated_at": seen}
    response = client.post(url("edit", t.territory, card.pk), form)
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.text, card.question, card.language, card.author_tag) == ("corrected", q2, "en", "p1")
    # The same stale form posted again: conflict, nothing overwritten.
    response = client.post(url("edit", t.territory, card.pk), {**form, "text": "stale"})
    assert response.status_code == 200
    assert "changed this card" in response.content.decode()
    card.refresh_from_db()
    assert card.text == "corrected"


def test_edit_refuses_questions_of_another_territory(world, login):
    t = world.alpha
    card = t.cards[0]
    client = login(t.users["coordinator"])
    form = {"text": "x", "question": world.beta.q1.pk, "language": "fr", "author_tag": "",
            "seen_updated_at": card.updated_at.isoformat()}
    response = client.post(url("edit", t.territory, card.pk), form)
    assert response.status_code == 200
    card.refresh_from_db()
    assert card.question == t.q1 and card.text == "Alphaville secret card 0"


@pytest.mark.parametrize("role", ["partner", "observer"])
def test_readers_cannot_edit_delete_or_restore(world, login, role):
    t = world.alpha
    card = t.cards[0]
    client = login(t.users[role])
    for name in ("edit", "delete", "restore"):
        assert client.get(url(name, t.territory, card.pk)).status_code == 403
        assert client.post(url(name, t.territory, card.pk), {"text": "x"}).status_code == 403
    card.refresh_from_db()
    assert card.deleted_at is None and card.text == "Alphaville secret card 0"
    assert client.get(url("history", t.territory, card.pk)).status_code == 200


def test_facilitator_of_another_group_cannot_write(world, login):
    from cospiral.groups.models import Group

    t = world.alpha
    other = Group.objects.create(territory=t.territory, name="Elderly")
    card = Card.objects.create(territory=t.territory, group=other, question=t.q1, text="theirs")
    client = login(t.users["facilitator"])
    assert client.post(url("delete", t.territory, card.pk)).status_code == 403
    card.refresh_from_db()
    assert card.deleted_at is None


def test_delete_restore_and_history(world, login):
    t = world.alpha
    card = t.cards[1]
    client = login(t.users["coordinator"])
    assert client.get(url("delete", t.territory, card.pk)).status_code == 200
    assert client.post(url("delete", t.territory, card.pk)).status_code == 302
    card.refresh_from_db()
    assert card.deleted_at is not None and card.deleted_by == t.users["coordinator"]
    assert client.post(url("restore", t.territory, card.pk)).status_code == 302
    card.refresh_from_db()
    assert card.deleted_at is None
    html = client.get(url("history", t.territory, card.pk)).content.decode()
    assert "alpha-coordinator" in html and "deleted" in html and "restored" in html


def test_bulk_entry_link_naming_only_the_group_opens_a_ready_batch(world, login):
    import datetime as dt

    from cospiral.groups.models import Session

    alpha = world.alpha
    Session.objects.create(territory=alpha.territory, group=alpha.group,
                           date=dt.date(2999, 1, 1), place="Future")
    client = login(alpha.users["facilitator"])
    url = f"/t/alpha/cards/entry/?group={alpha.group.pk}"
    response = client.get(url)
    assert response.status_code == 302
    # The session already held (not the future one) and the first question asked.
    assert response.url.endswith(
        f"?group={alpha.group.pk}&question={alpha.q1.pk}&session={alpha.session.pk}"
    )
    page = client.get(response.url)
    assert page.status_code == 200 and page.context["ready"]
    # Beta's group through alpha's address: no completion, no leak.
    beta_group = world.beta.group.pk
    response = client.get(f"/t/alpha/cards/entry/?group={beta_group}")
    assert response.status_code == 200 and not response.context["ready"]
    assert "Betatown" not in response.content.decode()
