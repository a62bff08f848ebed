"""The audit trail in the reader's language (issue 12): models and fields by their
translated names, the services' summaries translated, values by their meaning (choices' labels, dates, yes/no, linked objects
by name), times in the reader's formats; on the territory's page, a card's history and an
action's history, in French and in English, and nothing of the other territory."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from cospiral.core import audit
from cospiral.core.audit_display import readable
from cospiral.core.models import AuditEntry


def _text(page: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(page))  # no-break spaces kept


def _page(client, name, language, slug="alpha", **kwargs):
    client.cookies["django_language"] = language
    return client.get(reverse(name, kwargs={"territory": slug, **kwargs})).content.decode()


@pytest.fixture(autouse=True)
def _language_kept():
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def entries(world, login):
    """A phase changed through its page, and a session and a group changed by hand."""
    client = login(world.alpha.users["coordinator"])
    response = client.post(reverse("territories:phase", kwargs={
        "territory": "alpha", "cycle": 1, "number": 2}), {
        "status": "in_progress", "starts_on": "2026-12-01", "ends_on": "2027-01-20", "notes": ""})
    assert response.status_code == 302
    alpha, beta = world.alpha, world.beta
    audit.record(alpha.territory, alpha.users["coordinator"], "update", alpha.session,
                 f"Session of {alpha.group.name} on 2026-10-01", {
        "group_id": ["", str(alpha.group.pk)], "channel": ["in_person", "online"]})
    audit.record(alpha.territory, None, "update", alpha.group, "g", {
        "entry_open": ["False", "True"]})
    audit.record(beta.territory, None, "update", beta.session, "s", {
        "group_id": ["", str(beta.group.pk)]})
    return client


def test_territory_audit_page_in_french(world, entries):
    page = _page(entries, "territories:audit", "fr")
    text = _text(page)
    assert "Phase n°\u00a0" in text and "Séance n°\u00a0" in text and "Groupe n°\u00a0" in text
    assert "Statut\u00a0: Non commencée → En cours" in text
    assert "Date de début\u00a0: — → 1 déc. 2026" in text
    assert "Canal\u00a0: En présentiel → En ligne" in text
    assert f"Groupe\u00a0: — → {world.alpha.group.name}" in text  # the name, not the id
    assert "Saisie en ligne ouverte\u00a0: non → oui" in text
    assert "anonyme" in text
    # Summaries written in English by the services, in French.
    assert "Territoire Alphaville" in text and "Territory Alphaville" not in text
    assert f"Séance de {world.alpha.group.name} le 1 oct. 2026" in text
    for raw in ("starts_on", "group_id", "in_progress", "in_person", "2026-12-01", "False",
                "entry_open", "anonymous", world.beta.group.name):
        assert raw not in text, raw
    # The filter names the types of objects too.
    assert re.search(r'<option value="session"[^>]*>Séance</option>', page)
    assert re.search(r"\d{1,2} déc\. 2026, \d\d:\d\d", text)  # the entries' times


def test_territory_audit_page_in_english(world, entries):
    text = _text(_page(entries, "territories:audit", "en"))
    assert "Status: Not started → In progress" in text
    assert "Starts on: — → 1 Dec 2026" in text
    assert "Channel: In person → Online" in text
    assert "Online entry open: no → yes" in text
    assert f"Session of {world.alpha.group.name} on 1 Oct 2026" in text
    assert f"Group: — → {world.alpha.group.name}" in text
    for raw in ("starts_on", "group_id", "in_progress", "2026-12-01", "Statut", "Séance"):
        assert raw not in text, raw


def test_the_other_territory_shows_only_its_own(world, entries, login):
    client = login(world.beta.users["coordinator"])
    text = _page(client, "territories:audit", "fr", slug="beta")
    assert world.beta.group.name in text and "Statut\u00a0:" not in text
    assert world.alpha.group.name not in text


def test_card_history_in_french(world, login):
    from cospiral.cards import services

    card = world.alpha.cards[0]
    coordinator = world.alpha.users["coordinator"]
    client = login(coordinator)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("criteria:edit", kwargs={"territory": "alpha", "pk": card.pk}))
    assert page.status_code == 200
    services.update_card(card, user=coordinator, seen_updated_at=card.updated_at,
                         text="Un texte changé")
    text = _text(_page(client, "criteria:history", "fr", pk=card.pk))
    assert "Texte\u00a0:" in text and "→ Un texte changé" in text


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "Titre, Description, Axe stratégique"),
    ("en", "Title, Description, Strategic axis"),
])
def test_an_actions_history_names_its_fields(world, language, expected):
    """The action page's history lists the changed fields by name (it wrote
    « title, description, axis_id »)."""
    translation.activate(language)
    entry = AuditEntry(territory=world.alpha.territory, model="action", object_id="1",
                       action="update", changes={"title": ["a", "b"], "description": ["", "c"],
                                                 "axis_id": ["", ""], "starts_on": ["", "2026-12-01"]})
    (shown,) = readable([entry])
    assert shown.model_label == "Action"
    assert shown.fields.split(", ")[:3] == expected.split(", ")
    assert "axis_id" not in shown.fields and "starts_on" not in shown.fields
    assert shown.lines[-1].endswith("1 déc. 2026" if language == "fr" else "1 Dec 2026")

