"""Browser journeys of the foundation: set up a territory and get post-its in fast."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model

from cospiral.cards.models import Card
from cospiral.groups.models import Group
from cospiral.territories.models import Membership, Territory

from .conftest import axe_violations, shot, sign_in

PASSWORD = "correct horse battery staple"

TEXTS = {
    "en": {"switch": None, "create_territory": "Create a territory", "enter": "Enter cards",
           "cards_h1": "Cards"},
    "fr": {"switch": "Français", "create_territory": "Créer un territoire",
           "enter": "Saisir des cartes", "cards_h1": "Cartes"},
}


@pytest.fixture
def coordinator(transactional_db, grid_version):
    """A coordinator of an existing territory (so allowed to create another one)."""
    from cospiral.territories.services import create_territory

    user = get_user_model().objects.create_user("camille", password=PASSWORD)
    create_territory(slug="existing", name="Existing city", user=user, grid_version=grid_version)
    return user


def _create_territory_group_session(page, lang: str, slug: str):
    page.goto("/")
    page.get_by_role("button", name=TEXTS[lang]["create_territory"]).click()
    page.fill("input[name=name]", f"Quartier {slug}")
    page.fill("input[name=slug]", slug)
    page.select_option("select[name=kind]", "neighbourhood")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/t/{slug}/")
    assert page.locator("h1").first.inner_text().startswith(f"Quartier {slug}")
    assert not axe_violations(page), axe_violations(page)
    shot(page, f"territory-home-{lang}")

    page.goto(f"/t/{slug}/groups/new/")
    page.fill("input[name=name]", "Jeunes 15-25")
    page.fill("input[name=profile]", "young people 15–25")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    group = Group.objects.get(territory__slug=slug, name="Jeunes 15-25")
    assert page.url.endswith(f"/t/{slug}/groups/{group.pk}/")

    page.goto(f"/t/{slug}/groups/{group.pk}/sessions/new/")
    page.fill("input[name=date]", "2026-11-20")
    page.fill("input[name=place]", "Centre social")
    page.fill("input[name=attendee_count]", "9")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert group.sessions.count() == 1
    return group


def _open_bulk_entry(page, slug, group, question_code="Q1"):
    territory = Territory.objects.get(slug=slug)
    question = territory_question(territory, question_code)
    session = group.sessions.get()
    page.goto(f"/t/{slug}/cards/entry/?group={group.pk}&session={session.pk}&question={question.pk}")
    box = page.locator("#id_text")
    box.wait_for()
    assert box.evaluate("el => el === document.activeElement")
    return box


def territory_question(territory, code):
    from cospiral.cards.models import Question

    return Question.objects.of(territory).get(code=code)


def _type_cards(page, texts: list[str]) -> int:
    """Type each card and press Enter; return the number of keystrokes used."""
    keystrokes = 0
    for text in texts:
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        keystrokes += len(text) + 1
    return keystrokes


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_set_up_territory_and_enter_20_cards_by_keyboard(page, live_server, coordinator, lang):
    sign_in(page, "camille", PASSWORD)
    if TEXTS[lang]["switch"]:
        page.get_by_role("button", name=TEXTS[lang]["switch"]).click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang
    slug = f"tilleuls-{lang}"
    group = _create_territory_group_session(page, lang, slug)
    box = _open_bulk_entry(page, slug, group)
    assert page.locator("h1").inner_text() == TEXTS[lang]["enter"]
    texts = [f"Carte {i} : avoir un logement décent près du parc" for i in range(1, 21)]
    keystrokes = _type_cards(page, texts)
    page.locator("#bulk-list li").nth(19).wait_for()
    assert keystrokes == sum(len(t) + 1 for t in texts)
    assert box.input_value() == ""
    shot(page, f"bulk-entry-{lang}")
    assert not axe_violations(page), axe_violations(page)

    stored = Card.objects.filter(territory__slug=slug, deleted_at=None)
    assert sorted(stored.values_list("text", flat=True)) == sorted(texts)
    assert {c.session_id for c in stored} == {group.sessions.get().pk}

    page.goto(f"/t/{slug}/cards/?group={group.pk}")
    assert page.locator("h1").inner_text() == TEXTS[lang]["cards_h1"]
    body = page.locator("main").inner_text()
    for text in texts[:10]:  # first page of the list shows them
        assert text in body or "Carte 20" in body
    shot(page, f"card-list-{lang}")


def test_100_cards_in_under_5_minutes_with_one_keystroke_per_card_and_undo(
    page, live_server, coordinator
):
    sign_in(page, "camille", PASSWORD)
    group = _create_territory_group_session(page, "en", "speed")
    box = _open_bulk_entry(page, "speed", group)
    texts = [f"Idée {i:03d} — des bancs à l'ombre pour les anciens" for i in range(100)]
    started = time.monotonic()
    keystrokes = _type_cards(page, texts)
    page.locator("#bulk-list li").nth(99).wait_for()
    elapsed = time.monotonic() - started
    assert keystrokes - sum(map(len, texts)) == 100  # exactly one keystroke per card beyond the text
    assert elapsed < 300, f"100 cards took {elapsed:.1f} s"
    assert Card.objects.filter(territory__slug="speed", deleted_at=None).count() == 100

    # Undo the last card from the keyboard, the box being empty.
    assert box.input_value() == ""
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('#bulk-list li').length === 99")
    last = Card.objects.get(territory__slug="speed", text=texts[-1])
    assert last.deleted_at is not None
    assert Card.objects.filter(territory__slug="speed", deleted_at=None).count() == 99

    # Pasting several lines makes one card per line.
    box.fill("un jardin partagé\nune fête des voisins\n")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#bulk-list li').length === 101")
    assert Card.objects.filter(territory__slug="speed", text="une fête des voisins").exists()


def test_online_anonymous_entry_on_a_phone(phone, live_server, world):
    from cospiral.groups import services as group_services

    alpha = world.alpha
    group_services.create_entry_token(alpha.group, user=alpha.users["coordinator"])
    group_services.set_entry_open(alpha.group, user=alpha.users["coordinator"], is_open=True)
    alpha.group.refresh_from_db()
    phone.goto(f"/p/{alpha.group.entry_token}/")
    assert phone.locator("html").get_attribute("lang") == "fr"
    shot(phone, "online-entry-phone")
    assert not axe_violations(phone), axe_violations(phone)
    field = phone.locator("textarea, input[type=text]").first
    field.fill("Pouvoir parler à quelqu'un quand ça ne va pas")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_load_state()
    card = Card.objects.get(text="Pouvoir parler à quelqu'un quand ça ne va pas")
    assert card.channel == "online" and card.group == alpha.group
    assert card.author_tag and "alpha" not in card.author_tag
    body = phone.locator("main").inner_text()
    assert "Pouvoir parler" in body
    assert "Alphaville secret card" not in body  # others' cards stay hidden
    assert Membership.objects.count() == 8  # no account was created
