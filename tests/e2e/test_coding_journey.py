"""Browser journey of coding: 30 cards coded by keyboard alone, a split (the focus on its
first part), an accepted suggestion, the group's validation, and the board's progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from cospiral.cards.models import Card, Question
from cospiral.coding import counts
from cospiral.groups.models import Group, Session

from .conftest import axe_violations, shot, sign_in

PASSWORD = "correct horse battery staple"
TEXTS = [
    ("Manger des légumes frais chaque jour", "A01"),
    ("Un logement chauffé l'hiver", "A03"),
    ("Moins de bruit la nuit dans la rue", "B01"),
    ("Le quartier est agréable", "B00"),
    ("Avoir de quoi vivre correctement", "A00"),
]


@pytest.fixture
def coding_world(transactional_db, grid_version):
    from cospiral.territories.services import create_territory

    user = get_user_model().objects.create_user("camille", password=PASSWORD)
    territory = create_territory(slug="rivage", name="Rivage", user=user, grid_version=grid_version)
    group = Group.objects.create(territory=territory, name="Jeunes 15-25", profile="young people")
    session = Session.objects.create(territory=territory, group=group, date=dt.date(2026, 3, 2),
                                     place="Centre social", attendee_count=9)
    q1 = Question.objects.of(territory).get(code="Q1")
    cards = [
        Card.objects.create(territory=territory, group=group, session=session, question=q1,
                            text=f"{TEXTS[i % 5][0]} ({i + 1})")
        for i in range(30)
    ]
    from cospiral.coding import counts

    counts.recompute(territory)  # written directly: count them as the services would
    return territory, group, cards, user


def _focused(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _cards_in_view(page) -> int:
    """Card rows wholly inside the viewport."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.coding-cards > li.coding-card'))
        .filter(li => { const r = li.getBoundingClientRect();
                        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }).length""")


def test_code_thirty_cards_by_keyboard_split_suggest_validate(page, coding_world):
    territory, group, cards, user = coding_world
    sign_in(page, user.username, PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/t/{territory.slug}/coding/groups/{group.pk}/")
    assert not axe_violations(page), axe_violations(page)
    shot(page, "coding-board-390")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/t/{territory.slug}/coding/groups/{group.pk}/")
    assert page.locator("h1").inner_text().startswith("Coding the cards of")
    assert page.locator("#coding-progress-text").inner_text() == "0 / 30 coded"
    assert not axe_violations(page), axe_violations(page)
    shot(page, "coding-board-start")

    # The first uncoded card's code field has the focus: type and press Enter, 30 times.
    assert _focused(page) == f"code-{cards[0].pk}"
    for i, card in enumerate(cards):
        assert _focused(page) == f"code-{card.pk}", i
        expected = TEXTS[i % 5][1]
        if i == 1:
            # Search a label, move in the list with the arrow key, Enter chooses, Enter saves.
            page.keyboard.type("logem")
            page.wait_for_selector(f"#code-{card.pk}-list [role=option]")
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            assert page.locator(f"#code-{card.pk}").input_value() == "A03"
        elif i == 3:
            # A family letter offers the family's 00 component first ("when in doubt").
            page.keyboard.type("b")
            first = page.locator(f"#code-{card.pk}-list [role=option]").first
            first.wait_for()
            assert first.get_attribute("data-code") == "B00"
            assert "when in doubt" in first.inner_text()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
        else:
            page.keyboard.type(expected.lower() if i % 2 else expected)
        page.keyboard.press("Enter")
        if i < len(cards) - 1:
            page.wait_for_function(f"() => document.activeElement && document.activeElement.id === 'code-{cards[i + 1].pk}'")
        else:
            page.wait_for_function("() => document.getElementById('coding-progress-text').textContent === '30 / 30 coded'")
        if i == 14:
            # Compact rows: at least 8 whole cards on a 1366 × 768 screen while coding.
            assert _cards_in_view(page) >= 8, _cards_in_view(page)
            shot(page, "coding-board-half")
    assert page.locator("#coding-progress-text").inner_text() == "30 / 30 coded"
    assert [c.component.code for c in Card.objects.filter(pk__in=[c.pk for c in cards])
            .select_related("component").order_by("created_at", "id")] == [TEXTS[i % 5][1] for i in range(30)]

    # Split one card into two ideas.
    target = cards[4]
    item = page.locator(f"#card-{target.pk}")
    # The card's tools come on demand: opening them fetches their forms.
    assert item.locator("textarea[name=parts]").count() == 0
    item.locator("summary", has_text="Split").click()
    item.locator("textarea[name=parts]").fill("Avoir de quoi vivre\nManger à sa faim")
    item.get_by_role("button", name="Split the card").click()
    page.wait_for_function("() => document.getElementById('coding-progress-text').textContent === '29 / 31 coded'")
    parts = list(Card.objects.filter(split_from=target).order_by("id"))
    assert len(parts) == 2
    # After a split the first part has the focus: it is the one to code now.
    expect(page.locator(f"#code-{parts[0].pk}")).to_be_focused()
    shot(page, "coding-board-split")

    # Accept a suggestion for the first part (a person decides; nothing is automatic).
    suggestion = page.locator(f"#card-{parts[0].pk} button.suggestion").first
    suggestion.wait_for()
    chosen = suggestion.inner_text()
    suggestion.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('coding-progress-text').textContent === '30 / 31 coded'")
    coded = Card.objects.get(pk=parts[0].pk)
    assert coded.component is not None and coded.component.code in chosen
    # The other part by keyboard: focus moved to it.
    page.wait_for_function(f"() => document.activeElement && document.activeElement.id === 'code-{parts[1].pk}'")
    page.keyboard.type("A01")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('coding-progress-text').textContent === '31 / 31 coded'")

    # Blind double coding keeps the focus on the next card after each save.
    page.goto(f"/t/{territory.slug}/coding/groups/{group.pk}/blind/")
    order = [c.pk for c in Card.objects.of(territory).counted().filter(group=group)
             .order_by("question__position", "question__code", "created_at", "id")]
    assert _focused(page) == f"blind-{order[0]}"
    for i, code in enumerate(["A01", "a03", "B01"]):
        assert _focused(page) == f"blind-{order[i]}"
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => document.activeElement && document.activeElement.id === 'blind-{order[i + 1]}'")
        assert page.locator("#blind-progress-text").inner_text() == f"{i + 1} / 31 coded by you"
    page.keyboard.type("Z99")
    page.keyboard.press("Enter")
    page.locator(f"#blind-{order[3]}-error").wait_for()
    page.wait_for_function(f"() => document.getElementById('blind-{order[3]}-error').textContent.length > 0")
    assert _focused(page) == f"blind-{order[3]}"
    from cospiral.coding.models import IndependentCoding

    assert IndependentCoding.objects.of(territory).filter(coder=user).count() == 3
    assert not axe_violations(page), axe_violations(page)
    shot(page, "coding-blind")
    page.goto(f"/t/{territory.slug}/coding/groups/{group.pk}/")

    # The coordinator records the group's validation.
    page.reload()
    page.locator("#validation summary").click()
    page.fill("input[name=validated_on]", "2026-03-09")
    page.fill("textarea[name=note]", "Read aloud and approved")
    page.get_by_role("button", name="Record the validation").click()
    page.wait_for_load_state()
    assert "Validated by the group on 9 Mar 2026" in page.locator("#validation").inner_text()
    assert page.locator("#coding-progress-text").inner_text() == "31 / 31 coded"
    assert page.locator("#coding-progress").get_attribute("value") == "31"
    assert not axe_violations(page), axe_violations(page)
    shot(page, "coding-board-validated")
    assert counts.differences(territory) == {}

    # Read the group's statistics: chart, one-sentence summary and data table agree.
    page.goto(f"/t/{territory.slug}/statistics/groups/{group.pk}/")
    main = page.locator("main")
    assert main.locator("svg[role=img]").count() >= 1
    body = main.inner_text()
    assert "Access to means of living" in body
    tables = main.locator("table")
    assert tables.count() >= 1
    family_a = page.locator("table tr", has=page.locator("td", has_text="Access to means of living")).first
    # 31 coded cards: A00, A01 and A03 codes come from 19 of them (6+7+6 by TEXTS, split
    # and suggestion aside), so the family row holds the biggest count.
    assert family_a.count() == 1
    assert not axe_violations(page), axe_violations(page)
    shot(page, "statistics-group")

    # Write the group's synthesis: one sentence for B01 tracing its six cards.
    page.goto(f"/t/{territory.slug}/syntheses/group/{group.pk}/")
    page.get_by_role("link", name="Write a sentence for B01").click()
    page.wait_for_load_state()
    page.locator("textarea[name=text]").fill("Le calme la nuit dans les rues du quartier.")
    boxes = page.locator("input[name=cards]")
    assert boxes.count() == 6
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("button", name="Save the sentence").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Le calme la nuit dans les rues du quartier." in text
    from cospiral.syntheses.models import SynthesisSentence

    sentence = SynthesisSentence.objects.get(synthesis__group=group)
    assert sentence.component.code == "B01" and sentence.cards.count() == 6
    assert not axe_violations(page), axe_violations(page)
    shot(page, "synthesis-group")
