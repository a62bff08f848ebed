"""Indicators of progress: services, tenancy, roles, freezing and versions, the library,
and the editor pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cospiral.core.models import AuditEntry
from cospiral.groups.models import Group
from cospiral.indicators import selectors, services
from cospiral.indicators.models import Indicator, IndicatorCriterion
from cospiral.syntheses import services as synthesis_services

from .test_syntheses_pages import add_card, code, entry

TITLES = {"fr": "Avoir un logement digne", "en": "Having decent housing"}
LEVELS = [{"fr": f"Niveau {n}", "en": f"Level {n}"} for n in range(1, 6)]


def url(name, slug, *args):
    return reverse(f"indicators:{name}", args=[slug, *args])


@pytest.fixture
def housing(world):
    """Alpha: its three cards coded A03 and one coded B01; a draft indicator A03-1 with
    two of the cards as criteria. Beta: its cards coded A03."""
    a = world.alpha
    for card in a.cards:
        code(a, card, "A03")
    a.noise = add_card(a, "Alphaville noise at night", component_code="B01")
    for card in world.beta.cards:
        code(world.beta, card, "A03")
    a.indicator = services.create_indicator(a.territory, component=entry(a, "A03"), titles=TITLES,
                                            user=a.users["facilitator"])
    services.add_criteria(a.indicator, cards=a.cards[:2], user=a.users["facilitator"])
    return world


def complete(indicator, user):
    """Fill the levels and sort every criterion: the indicator becomes ready."""
    services.update_indicator(indicator, user=user, levels=LEVELS)
    services.sort_criteria(indicator, {c.pk: "quality" for c in indicator.criteria.all()}, user=user)
    indicator.refresh_from_db()
    return indicator


# --- services --------------------------------------------------------------------------------

def test_create_gives_the_next_code_of_the_component_and_records_it(housing):
    a = housing.alpha
    assert a.indicator.code == "A03-1" and a.indicator.version == 1 and a.indicator.status == "draft"
    assert a.indicator.levels == [{"fr": "", "en": ""}] * 5
    second = services.create_indicator(a.territory, component=entry(a, "A03"),
                                       titles={"fr": "Chauffage"}, user=a.users["coordinator"])
    assert second.code == "A03-2" and second.titles == {"fr": "Chauffage", "en": ""}
    # Codes are per territory: beta starts at 1 too.
    b = housing.beta
    assert services.create_indicator(b.territory, component=entry(b, "A03"), titles=TITLES,
                                     user=b.users["coordinator"]).code == "A03-1"
    created = AuditEntry.objects.of(a.territory).filter(model="indicator", action="create")
    assert created.count() == 2 and created.first().changes["code"] == ["", "A03-2"]
    with pytest.raises(ValidationError) as error:
        services.create_indicator(a.territory, component=entry(a, "A01"), code="a03-1",
                                  titles=TITLES, user=a.users["coordinator"])
    assert "already used" in str(error.value.message_dict["code"])
    with pytest.raises(ValidationError) as error:
        services.create_indicator(a.territory, component=entry(a, "A01"), titles={"fr": " "},
                                  user=a.users["coordinator"])
    assert "title_fr" in error.value.message_dict


def test_only_coordinators_and_facilitators_write_and_only_coordinators_delete(housing):
    a = housing.alpha
    for role in ("partner", "observer"):
        with pytest.raises(PermissionDenied):
            services.create_indicator(a.territory, component=entry(a, "A01"), titles=TITLES,
                                      user=a.users[role])
        with pytest.raises(PermissionDenied):
            services.update_indicator(a.indicator, user=a.users[role], titles={"fr": "x", "en": "y"})
    # Beta's coordinator is no member of alpha.
    with pytest.raises(PermissionDenied):
        services.add_criteria(a.indicator, texts=["x"], user=housing.beta.users["coordinator"])
    with pytest.raises(PermissionDenied):
        services.delete_indicator(a.indicator, user=a.users["facilitator"])
    services.delete_indicator(a.indicator, user=a.users["coordinator"])
    assert not Indicator.objects.of(a.territory).exists()
    assert not IndicatorCriterion.objects.of(a.territory).exists()
    assert AuditEntry.objects.of(a.territory).filter(model="indicator", action="delete").count() == 1


def test_criteria_copy_the_text_and_must_be_of_the_same_territory_and_component(housing):
    a, b = housing.alpha, housing.beta
    criteria = list(a.indicator.criteria.order_by("position"))
    assert [c.text for c in criteria] == [a.cards[0].text, a.cards[1].text]
    assert [c.card_id for c in criteria] == [a.cards[0].pk, a.cards[1].pk]
    assert all(c.category == "" for c in criteria)
    user = a.users["facilitator"]
    with pytest.raises(ValidationError) as error:
        services.add_criteria(a.indicator, cards=[b.cards[0]], user=user)
    assert error.value.message_dict["cards"] == [f"Card #{b.cards[0].pk} is not a card of this territory."]
    with pytest.raises(ValidationError) as error:
        services.add_criteria(a.indicator, cards=[a.noise, a.cards[2]], user=user)
    assert "coded B01, not A03" in error.value.message_dict["cards"][0]
    with pytest.raises(ValidationError) as error:
        services.add_criteria(a.indicator, cards=[a.cards[0]], user=user)
    assert "already a criterion" in error.value.message_dict["cards"][0]
    # Nothing of a refused call was written.
    assert a.indicator.criteria.count() == 2
    # Shared criteria: beta's is refused, alpha's of A03 accepted, text copied.
    b_rainbow = Group.objects.create(territory=b.territory, name="Beta rainbow", kind=Group.Kind.MIXED)
    b_rainbow.source_groups.set([b.group])
    b_shared = synthesis_services.save_shared_criterion(
        b.territory, user=b.users["coordinator"], mixed_group=b_rainbow, component=entry(b, "A03"),
        text="Beta shared housing", cards=b.cards[:1])
    with pytest.raises(ValidationError) as error:
        services.add_criteria(a.indicator, shared_criteria=[b_shared.pk], user=user)
    assert "not a shared criterion of this territory" in error.value.message_dict["shared_criteria"][0]
    a_rainbow = Group.objects.create(territory=a.territory, name="Rainbow", kind=Group.Kind.MIXED)
    a_rainbow.source_groups.set([a.group])
    a_shared = synthesis_services.save_shared_criterion(
        a.territory, user=a.users["coordinator"], mixed_group=a_rainbow, component=entry(a, "A03"),
        text="Un logement sain pour tous", cards=a.cards)
    added = services.add_criteria(a.indicator, shared_criteria=[a_shared],
                                  texts=[{"text": "Pas d'expulsion l'hiver", "category": "sustainability"}],
                                  user=user)
    assert [(c.text, c.shared_criterion_id, c.category) for c in added] == [
        ("Un logement sain pour tous", a_shared.pk, ""),
        ("Pas d'expulsion l'hiver", None, "sustainability")]
    with pytest.raises(ValidationError):
        services.add_criteria(a.indicator, texts=["   "], user=user)


def test_sort_remove_and_readiness(housing):
    a = housing.alpha
    user = a.users["facilitator"]
    indicator = a.indicator
    assert not selectors.ready(indicator)
    found = selectors.problems(indicator)
    assert ("levels.1.fr", "level_missing") in found and ("criteria", "criteria_unsorted") in found
    first, second = indicator.criteria.order_by("position")
    services.sort_criterion(first, "possibility", user=user)
    assert IndicatorCriterion.objects.get(pk=first.pk).category == "possibility"
    with pytest.raises(ValidationError):
        services.sort_criterion(second, "beauty", user=user)
    services.remove_criterion(second, user=user)
    indicator = services.update_indicator(indicator, user=user, levels=LEVELS)
    assert selectors.problems(indicator) == []
    assert selectors.ready(indicator)
    # A missing English title is listed again.
    indicator = services.update_indicator(indicator, user=user, titles={"fr": "Logement", "en": ""})
    assert selectors.problems(indicator) == [("titles.en", "title_missing")]
    with pytest.raises(ValidationError):
        services.update_indicator(indicator, user=user, levels=LEVELS + LEVELS)


def test_freezing_blocks_every_edit_and_is_idempotent(housing):
    a = housing.alpha
    user = a.users["coordinator"]
    indicator = complete(a.indicator, user)
    at = timezone.now() - dt.timedelta(days=1)
    services.freeze([indicator], at=at)
    indicator.refresh_from_db()
    assert indicator.status == "frozen" and indicator.frozen_at == at
    services.freeze([indicator])  # again: the first freezing date stays
    indicator.refresh_from_db()
    assert indicator.frozen_at == at
    assert AuditEntry.objects.of(a.territory).filter(summary__contains="frozen").count() == 1
    with pytest.raises(services.IndicatorFrozen) as error:
        services.update_indicator(indicator, user=user, titles={"fr": "Autre", "en": "Other"})
    assert "new version" in error.value.messages[0]
    for attempt in (
        lambda: services.add_criteria(indicator, texts=["x"], user=user),
        lambda: services.sort_criteria(indicator, {c.pk: "" for c in indicator.criteria.all()}, user=user),
        lambda: services.remove_criterion(indicator.criteria.first(), user=user),
        lambda: services.delete_indicator(indicator, user=user),
    ):
        with pytest.raises(services.IndicatorFrozen):
            attempt()
    indicator.refresh_from_db()
    assert indicator.titles == TITLES and indicator.criteria.count() == 2


def test_freeze_runs_inside_the_callers_transaction(housing):
    a = housing.alpha
    with pytest.raises(RuntimeError), transaction.atomic():
        services.freeze([a.indicator])
        raise RuntimeError("the wave could not be created")
    a.indicator.refresh_from_db()
    assert a.indicator.status == "draft" and a.indicator.frozen_at is None


def test_new_version_copies_everything_and_only_from_the_latest_frozen_version(housing):
    a = housing.alpha
    user = a.users["facilitator"]
    v1 = complete(a.indicator, user)
    with pytest.raises(ValidationError, match="still a draft"):
        services.new_version(v1, user=user)
    services.freeze([v1])
    v2 = services.new_version(v1, user=user)
    assert (v2.code, v2.version, v2.status, v2.previous_id) == ("A03-1", 2, "draft", v1.pk)
    assert v2.titles == v1.titles and v2.levels == v1.levels and v2.component_id == v1.component_id
    copied = [(c.text, c.card_id, c.category) for c in v2.criteria.order_by("position")]
    assert copied == [(c.text, c.card_id, c.category) for c in v1.criteria.order_by("position")]
    assert len(copied) == 2
    assert selectors.ready(v2)
    # The copy is independent: changing v2 leaves v1 as the wave saw it.
    services.update_indicator(v2, user=user, titles={"fr": "Logement v2", "en": "Housing v2"})
    v1.refresh_from_db()
    assert v1.titles == TITLES
    with pytest.raises(ValidationError, match="already a draft"):
        services.new_version(v1, user=user)
    services.freeze([v2])
    with pytest.raises(ValidationError, match="not the latest version"):
        services.new_version(v1, user=user)
    assert services.new_version(v2, user=user).version == 3
    latest = selectors.latest_versions(a.territory)
    assert [(i.code, i.version, [o.version for o in i.older]) for i in latest] == [("A03-1", 3, [2, 1])]


def test_start_from_library_on_the_tiny_grid_and_its_error(housing):
    a = housing.alpha
    indicator = services.start_from_library(a.territory, "housing", user=a.users["facilitator"])
    assert indicator.code == "A03-2" and indicator.library_key == "housing"
    assert indicator.component.code == "A03"
    assert indicator.title("en") == "Having decent and stable housing"
    assert "surpeuplé" in indicator.level_text(2, "fr")
    assert {c.category for c in indicator.criteria.all()} == {
        "possibility", "obtaining", "quality", "sustainability"}
    assert selectors.ready(indicator)
    with pytest.raises(ValidationError) as error:
        services.start_from_library(a.territory, "mobility", user=a.users["facilitator"])
    assert "has no component A10" in str(error.value)
    with pytest.raises(ValidationError, match="no example indicator"):
        services.start_from_library(a.territory, "nope", user=a.users["facilitator"])


def test_start_from_library_with_the_default_grid(db, world):
    from cospiral.grid.services import default_version
    from cospiral.territories.models import Membership
    from cospiral.territories.services import create_territory

    user = world.alpha.users["coordinator"]
    territory = create_territory(slug="gamma", name="Gamma", grid_version=default_version(),
                                 languages=["en", "fr"])
    Membership.objects.create(territory=territory, user=user, role="coordinator")
    from cospiral.indicators import library

    for example in library.examples():
        indicator = services.start_from_library(territory, example.key, user=user)
        assert indicator.component.code == example.component
        assert selectors.ready(indicator), example.key
    mobility = Indicator.objects.of(territory).get(library_key="mobility")
    # Criteria in the territory's first language (English here).
    assert "Bus or tram stops near home" in set(mobility.criteria.values_list("text", flat=True))
    assert Indicator.objects.of(territory).count() == len(library.examples())


# --- pages -----------------------------------------------------------------------------------

def _pages(a):
    pk = a.indicator.pk
    crit = a.indicator.criteria.first().pk
    reads = [url("index", "alpha"), url("library", "alpha"), url("detail", "alpha", pk)]
    writes = [url("create", "alpha"), url("edit", "alpha", pk), url("levels", "alpha", pk),
              url("criteria_add", "alpha", pk), url("criteria_sort", "alpha", pk),
              url("criterion_remove", "alpha", pk, crit), url("version_new", "alpha", pk),
              url("library_start", "alpha", "housing"), url("delete", "alpha", pk)]
    return reads, writes


def test_beta_cannot_read_or_write_alphas_indicators(housing, login):
    a, b = housing.alpha, housing.beta
    reads, writes = _pages(a)
    client = login(b.users["coordinator"])
    for page in reads + writes:
        assert client.get(page).status_code == 404, page
        assert client.post(page, {"title_fr": "x", "text": "x"}).status_code == 404, page
    # Beta's own pages do not show alpha's indicator either, by id.
    assert client.get(url("detail", "beta", a.indicator.pk)).status_code == 404
    assert "Avoir un logement digne" not in client.get(url("index", "beta")).content.decode()
    a.indicator.refresh_from_db()
    assert a.indicator.titles == TITLES and a.indicator.criteria.count() == 2


@pytest.mark.parametrize("role", ["partner", "observer"])
def test_readers_read_but_cannot_write(housing, login, role):
    a = housing.alpha
    reads, writes = _pages(a)
    client = login(a.users[role])
    for page in reads:
        response = client.get(page)
        assert response.status_code == 200, page
    detail = client.get(url("detail", "alpha", a.indicator.pk)).content.decode()
    assert "Having decent housing" in detail and 'name="category-' not in detail
    assert "Start from this example" not in client.get(url("library", "alpha")).content.decode()
    for page in writes:
        assert client.post(page, {"title_fr": "x", "text": "x"}).status_code == 403, page
    assert Indicator.objects.of(a.territory).count() == 1
    assert a.indicator.criteria.count() == 2


def test_facilitator_builds_an_indicator_through_the_pages(housing, login):
    a = housing.alpha
    client = login(a.users["facilitator"])
    response = client.post(url("create", "alpha"), {"component": entry(a, "A01").pk,
                                                    "title_fr": "Bien manger", "title_en": "Eating well"})
    indicator = Indicator.objects.of(a.territory).get(code="A01-1")
    assert response.status_code == 302 and response["Location"] == url("detail", "alpha", indicator.pk)
    # Step one: a typed criterion, already sorted, and one to sort.
    response = client.post(url("criteria_add", "alpha", indicator.pk),
                           {"text": "Manger à sa faim", "category": "obtaining"})
    assert response.status_code == 302
    client.post(url("criteria_add", "alpha", indicator.pk), {"text": "Des produits frais"})
    fresh = indicator.criteria.get(text="Des produits frais")
    page = client.get(url("detail", "alpha", indicator.pk)).content.decode()
    assert "Not ready for a survey yet" in page and "Not sorted yet" in page
    assert "<legend>Level 1 — very unsatisfactory</legend>" in page and "Level 5 — ideal" in page
    assert client.post(url("criteria_sort", "alpha", indicator.pk),
                       {f"category-{fresh.pk}": "quality"}).status_code == 302
    fresh.refresh_from_db()
    assert fresh.category == "quality"
    # Step two: the ten descriptors.
    data = {f"level_{n}_{lang}": f"{lang} {n}" for n in range(1, 6) for lang in ("fr", "en")}
    assert client.post(url("levels", "alpha", indicator.pk), data).status_code == 302
    indicator.refresh_from_db()
    assert indicator.level_text(3, "en") == "en 3" and selectors.ready(indicator)
    page = client.get(url("detail", "alpha", indicator.pk)).content.decode()
    assert "Ready for a survey" in page and "Not ready" not in page
    assert '<ol class="indicator-levels">' in page
    # A too long descriptor is refused with the field named, nothing changed.
    response = client.post(url("levels", "alpha", indicator.pk), {**data, "level_2_fr": "x" * 1001})
    assert response.status_code == 400 and "at most 1000 characters" in response.content.decode()
    # Beta's card offered by number is refused by name.
    response = client.post(url("criteria_add", "alpha", a.indicator.pk),
                           {"cards": [housing.beta.cards[0].pk]})
    assert response.status_code == 400
    assert f"Card #{housing.beta.cards[0].pk} is not a card of this territory." in response.content.decode()
    # The list shows both indicators with their status.
    listing = client.get(url("index", "alpha")).content.decode()
    assert "A01-1" in listing and "A03-1" in listing and "Eating well" in listing


def test_reader_language_shows_french_title_and_levels(housing, login):
    a = housing.alpha
    complete(a.indicator, a.users["coordinator"])
    client = login(a.users["observer"])
    page = client.get(url("detail", "alpha", a.indicator.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Avoir un logement digne" in page and "Niveau 4" in page
    page = client.get(url("detail", "alpha", a.indicator.pk), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Level 4" in page and "Niveau 4" in page  # the other language stays available


def test_frozen_indicator_pages_refuse_edits_and_offer_a_new_version(housing, login):
    a = housing.alpha
    indicator = complete(a.indicator, a.users["coordinator"])
    services.freeze([indicator])
    client = login(a.users["facilitator"])
    page = client.get(url("detail", "alpha", indicator.pk)).content.decode()
    assert "Make a new version" in page and 'name="category-' not in page
    response = client.post(url("levels", "alpha", indicator.pk),
                           {f"level_{n}_{lang}": "changed" for n in range(1, 6) for lang in ("fr", "en")},
                           follow=True)
    assert "Make a new version to change it" in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.levels == LEVELS
    response = client.post(url("version_new", "alpha", indicator.pk))
    v2 = Indicator.objects.of(a.territory).get(code="A03-1", version=2)
    assert response["Location"] == url("detail", "alpha", v2.pk)
    page = client.get(url("detail", "alpha", indicator.pk)).content.decode()
    assert "earlier version" in page and "Make a new version" not in page


def test_library_page_starts_a_draft_and_explains_a_missing_component(housing, login):
    a = housing.alpha
    client = login(a.users["facilitator"])
    page = client.get(url("library", "alpha")).content.decode()
    assert "not official texts of the Council of Europe" in page
    assert "Component A10: not in the grid of this territory" in page
    response = client.post(url("library_start", "alpha", "food"))
    created = Indicator.objects.of(a.territory).get(library_key="food")
    assert response["Location"] == url("detail", "alpha", created.pk) and created.code == "A01-1"
    response = client.post(url("library_start", "alpha", "mobility"), follow=True)
    assert "has no component A10" in response.content.decode()
    assert not Indicator.objects.of(a.territory).filter(library_key="mobility").exists()


def test_delete_page_is_for_coordinators_and_drafts_only(housing, login):
    a = housing.alpha
    assert login(a.users["facilitator"]).get(url("delete", "alpha", a.indicator.pk)).status_code == 403
    client = login(a.users["coordinator"])
    assert client.get(url("delete", "alpha", a.indicator.pk)).status_code == 200
    assert client.post(url("delete", "alpha", a.indicator.pk))["Location"] == url("index", "alpha")
    assert not Indicator.objects.of(a.territory).exists()


def test_a_french_only_territory_is_never_asked_for_english(housing, login):
    """Issue 12: an indicator written in French only is ready in a French-only territory,
    its editor asks for no English, and a new survey wave offers it."""
    from cospiral.surveys import selectors as survey_selectors
    from cospiral.surveys import services as survey_services

    a = housing.alpha
    a.territory.languages = ["fr"]
    a.territory.save(update_fields=["languages"])
    user = a.users["facilitator"]
    client = login(user)
    response = client.post(url("create", "alpha"), {"component": entry(a, "A01").pk,
                                                    "title_fr": "Bien manger"})
    indicator = Indicator.objects.of(a.territory).get(code="A01-1")
    assert response.status_code == 302
    client.post(url("criteria_add", "alpha", indicator.pk),
                {"text": "Manger à sa faim", "category": "obtaining"})
    page = client.get(url("detail", "alpha", indicator.pk)).content.decode()
    assert 'name="level_1_fr"' in page and 'name="level_1_en"' not in page
    assert client.post(url("levels", "alpha", indicator.pk),
                       {f"level_{n}_fr": f"Niveau {n}" for n in range(1, 6)}).status_code == 302
    indicator.refresh_from_db()
    assert selectors.problems(indicator) == [] and selectors.ready(indicator)
    assert "title_en" not in client.get(url("edit", "alpha", indicator.pk)).content.decode()
    wave = survey_services.create_wave(a.territory, user=a.users["coordinator"],
                                       title="Enquête", kind="ex_ante")
    assert indicator in survey_selectors.candidate_indicators(wave)
    # The same indicator in a bilingual territory still lacks its English texts.
    a.territory.languages = ["fr", "en"]
    a.territory.save(update_fields=["languages"])
    indicator.refresh_from_db()
    assert ("titles.en", "title_missing") in selectors.problems(indicator)
    assert ("levels.1.en", "level_missing") in selectors.problems(indicator)


def test_saving_french_levels_keeps_english_ones_already_written(housing, login):
    a = housing.alpha
    services.update_indicator(a.indicator, user=a.users["facilitator"], levels=LEVELS)
    a.territory.languages = ["fr"]
    a.territory.save(update_fields=["languages"])
    client = login(a.users["facilitator"])
    client.post(url("levels", "alpha", a.indicator.pk),
                {f"level_{n}_fr": f"Nouveau {n}" for n in range(1, 6)})
    a.indicator.refresh_from_db()
    assert a.indicator.level_text(2, "fr") == "Nouveau 2"
    assert a.indicator.level_text(2, "en") == "Level 2"
