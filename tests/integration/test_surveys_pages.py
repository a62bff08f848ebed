"""Survey wave pages: list, form, indicators, wave page, public link, personal links."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.urls import reverse

from cospiral.surveys import services
from cospiral.surveys.models import RespondentToken, Wave, WaveIndicator

pytestmark = pytest.mark.django_db


def url(name, t, *args):
    return reverse(f"surveys:{name}", args=[t.territory.slug, *args])


def _ready_indicator(t, code="A03-9", component_code="A03"):
    from cospiral.grid.models import GridEntry
    from cospiral.indicators.models import Indicator, IndicatorCriterion

    component = GridEntry.objects.of(t.territory).get(code=component_code)
    indicator = Indicator.objects.create(
        territory=t.territory, code=code, component=component,
        titles={"fr": "Logement", "en": "Housing"},
        levels=[{"fr": f"Niveau {n}", "en": f"Level {n}"} for n in range(1, 6)])
    IndicatorCriterion.objects.create(territory=t.territory, indicator=indicator,
                                      category="quality", text="Dry walls")
    return indicator


def test_list_and_wave_page_for_every_role(world, login, make_wave):
    made = make_wave()
    for role in ("coordinator", "facilitator", "partner", "observer"):
        client = login(world.alpha.users[role])
        page = client.get(url("index", world.alpha)).content.decode()
        assert "Neighbourhood survey" in page
        assert ">open<" in page
        detail = client.get(url("detail", world.alpha, made.wave.pk))
        assert detail.status_code == 200
        assert "Indicator 1" in detail.content.decode()


def test_beta_coordinator_gets_404_on_alpha_wave(world, login, make_wave):
    made = make_wave()
    client = login(world.beta.users["coordinator"])
    # alpha's wave through alpha's URLs: beta is not a member of alpha
    assert client.get(url("detail", world.alpha, made.wave.pk)).status_code == 404
    # alpha's wave through beta's URLs: not one of beta's waves
    for name in ("detail", "edit", "indicators", "links", "links_csv"):
        assert client.get(url(name, world.beta, made.wave.pk)).status_code == 404, name
    for name in ("open", "close", "publish", "public_link"):
        assert client.post(url(name, world.beta, made.wave.pk),
                           {"published": "1", "action": "enable"}).status_code == 404, name
    token = services.create_tokens(made.wave, 1, user=world.alpha.users["coordinator"])[0]
    response = client.post(url("revoke_link", world.beta, made.wave.pk, token.pk))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "Neighbourhood survey" not in client.get(url("index", world.beta)).content.decode()


def test_low_roles_get_403_on_writes(world, login, make_wave):
    made = make_wave()
    wave = made.wave
    for role in ("facilitator", "partner", "observer"):
        client = login(world.alpha.users[role])
        assert client.get(url("create", world.alpha)).status_code == 403
        assert client.post(url("create", world.alpha), {"title": "X", "kind": "ex_ante",
                                                        "threshold": 5}).status_code == 403
        assert client.post(url("edit", world.alpha, wave.pk), {"title": "Y"}).status_code == 403
        assert client.post(url("indicators", world.alpha, wave.pk)).status_code == 403
        assert client.post(url("close", world.alpha, wave.pk)).status_code == 403
        assert client.post(url("publish", world.alpha, wave.pk), {"published": "1"}).status_code == 403
        assert client.post(url("public_link", world.alpha, wave.pk), {"action": "enable"}).status_code == 403
        assert client.post(url("links", world.alpha, wave.pk), {"count": 3}).status_code == 403
        assert client.get(url("links_csv", world.alpha, wave.pk)).status_code == 403
    wave.refresh_from_db()
    assert wave.title == "Neighbourhood survey"
    assert wave.published_at is None and not wave.public_link_enabled
    assert Wave.objects.count() == 1
    assert RespondentToken.objects.count() == 0


def test_create_wave_and_errors_on_their_field(world, login):
    client = login(world.alpha.users["coordinator"])
    page = client.get(url("create", world.alpha)).content.decode()
    assert "anonymous statistics" in page  # default consent text
    response = client.post(url("create", world.alpha), {
        "title": "", "kind": "ex_ante", "threshold": "0",
        "profile_questions": ["neighbourhood"], "neighbourhoods": "",
        "consent_text": "Optional.", "opens_at": "2026-05-10T10:00", "closes_at": "2026-05-01T10:00",
        "margin_gender": "10\n20\n30",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert "title" in form.errors
    assert "threshold" in form.errors
    assert "List the neighbourhoods" in str(form.errors["neighbourhoods"])
    assert "closes_at" in form.errors
    assert "margin_gender" in form.errors and "does not ask" in str(form.errors["margin_gender"])
    page = response.content.decode()
    assert 'id="id_title_error"' in page and 'id="id_threshold_error"' in page
    assert Wave.objects.count() == 0

    # the service's own checks land on their field too
    response = client.post(url("create", world.alpha), {
        "title": "Spring", "kind": "ex_ante", "threshold": "5",
        "profile_questions": ["neighbourhood"], "neighbourhoods": "Centre\nNorth",
        "consent_text": "", "opens_at": "2026-05-10T10:00", "closes_at": "2026-05-01T10:00",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert "closes_at" in form.errors and "consent_text" in form.errors
    assert Wave.objects.count() == 0

    # a margin with the wrong number of figures, a duplicated neighbourhood
    response = client.post(url("create", world.alpha), {
        "title": "Spring", "kind": "ex_ante", "threshold": "5",
        "profile_questions": ["neighbourhood", "age_band"], "neighbourhoods": "Centre\ncentre",
        "consent_text": "Optional.", "margin_age_band": "1, 2, 3",
    })
    form = response.context["form"]
    assert "neighbourhoods" in form.errors
    assert "margin_age_band" in form.errors and "6 choices" in str(form.errors["margin_age_band"])

    response = client.post(url("create", world.alpha), {
        "title": "Spring", "kind": "ex_ante", "threshold": "4",
        "profile_questions": ["neighbourhood", "age_band"], "neighbourhoods": "Centre\nNorth\n\n",
        "consent_text": "Optional.", "margin_neighbourhood": "100\n250", "weight_A": "2",
    })
    wave = Wave.objects.get()
    assert response.status_code == 302 and response.url == url("indicators", world.alpha, wave.pk)
    assert wave.territory == world.alpha.territory
    assert wave.neighbourhoods == ["Centre", "North"]
    assert wave.population_margins == {"neighbourhood": [100, 250]}
    assert wave.family_weights == {"A": 2.0}
    assert wave.threshold == 4


def test_ex_post_baseline_must_be_ex_ante_of_the_territory(world, login, make_wave):
    before = make_wave(title="Before").wave
    other = make_wave(world.beta, title="Beta before").wave
    client = login(world.alpha.users["coordinator"])
    response = client.post(url("create", world.alpha), {
        "title": "After", "kind": "ex_ante", "threshold": "5", "baseline": before.pk})
    assert response.status_code == 400 and "baseline" in response.context["form"].errors
    response = client.post(url("create", world.alpha), {
        "title": "After", "kind": "ex_post", "threshold": "5", "baseline": other.pk})
    assert response.status_code == 400 and "baseline" in response.context["form"].errors
    response = client.post(url("create", world.alpha), {
        "title": "After", "kind": "ex_post", "threshold": "5", "baseline": before.pk})
    assert response.status_code == 302
    assert Wave.objects.of(world.alpha.territory).get(title="After").baseline == before


def test_choose_indicators_then_blocked_after_freeze(world, login, make_wave):
    made = make_wave(indicators=2, open=False)
    wave = made.wave
    extra = _ready_indicator(world.alpha)
    first, second = made.indicators
    client = login(world.alpha.users["coordinator"])
    page = client.get(url("indicators", world.alpha, wave.pk)).content.decode()
    assert extra.code in page
    # a position that is not a number: an error naming the indicator, nothing changes
    response = client.post(url("indicators", world.alpha, wave.pk), {
        f"use-{first.pk}": "on", f"position-{first.pk}": "one"})
    assert response.status_code == 400
    assert first.code in response.content.decode()
    assert list(WaveIndicator.objects.filter(wave=wave).values_list("indicator", flat=True)
                .order_by("position")) == [first.pk, second.pk]
    # the new order: extra first, then second; first left out
    response = client.post(url("indicators", world.alpha, wave.pk), {
        f"use-{extra.pk}": "on", f"position-{extra.pk}": "1", f"weight-{extra.pk}": "2",
        f"use-{second.pk}": "on", f"position-{second.pk}": "2",
        f"position-{first.pk}": "3"})
    assert response.status_code == 302
    items = list(WaveIndicator.objects.filter(wave=wave).order_by("position"))
    assert [(i.indicator_id, i.weight) for i in items] == [(extra.pk, 2.0), (second.pk, 1.0)]
    # beta's indicator posted by hand into alpha's wave is not a candidate: ignored
    beta_indicator = _ready_indicator(world.beta, code="A03-8")
    client.post(url("indicators", world.alpha, wave.pk), {
        f"use-{beta_indicator.pk}": "on", f"use-{second.pk}": "on"})
    assert not WaveIndicator.objects.filter(indicator=beta_indicator).exists()

    services.open_wave(wave, user=world.alpha.users["coordinator"])
    services.save_questionnaire(wave, key="p:1", channel="paper", answers={0: 3})
    wave.refresh_from_db()
    assert wave.is_frozen
    page = client.get(url("indicators", world.alpha, wave.pk)).content.decode()
    assert "frozen since the first answer" in page
    assert 'name="use-' not in page
    response = client.post(url("indicators", world.alpha, wave.pk), {f"use-{first.pk}": "on"})
    assert response.status_code == 409
    assert "frozen since the first answer" in response.content.decode()
    assert WaveIndicator.objects.filter(wave=wave).count() == 1
    detail = client.get(url("detail", world.alpha, wave.pk)).content.decode()
    assert "Frozen since the first answer on" in detail
    # the form keeps profile questions fixed once frozen
    client.post(url("edit", world.alpha, wave.pk), {
        "title": "Renamed", "kind": "ex_ante", "threshold": "5",
        "profile_questions": ["gender"], "consent_text": "Optional."})
    wave.refresh_from_db()
    assert wave.title == "Renamed"
    assert wave.profile_questions == ["age_band", "neighbourhood"]


def test_open_close_publish_and_public_link(world, login, make_wave):
    made = make_wave(open=False)
    wave = made.wave
    client = login(world.alpha.users["coordinator"])
    assert ">draft<" in client.get(url("index", world.alpha)).content.decode()
    client.post(url("open", world.alpha, wave.pk))
    assert services.wave_status(Wave.objects.get(pk=wave.pk)) == "open"
    client.post(url("public_link", world.alpha, wave.pk), {"action": "enable"})
    wave.refresh_from_db()
    assert wave.public_link_enabled
    page = client.get(url("detail", world.alpha, wave.pk)).content.decode()
    public = "http://testserver" + reverse("survey_public:start", args=[wave.public_token])
    assert f'value="{public}"' in page
    old = wave.public_token
    client.post(url("public_link", world.alpha, wave.pk), {"action": "regenerate"})
    wave.refresh_from_db()
    assert wave.public_token != old and wave.public_link_enabled
    client.post(url("public_link", world.alpha, wave.pk), {"action": "disable"})
    wave.refresh_from_db()
    assert not wave.public_link_enabled
    client.post(url("publish", world.alpha, wave.pk), {"published": "1"})
    wave.refresh_from_db()
    assert wave.published_at is not None
    client.post(url("publish", world.alpha, wave.pk), {"published": "0"})
    wave.refresh_from_db()
    assert wave.published_at is None
    client.post(url("close", world.alpha, wave.pk))
    wave.refresh_from_db()
    assert services.wave_status(wave) == "closed"
    assert ">closed<" in client.get(url("index", world.alpha)).content.decode()


def test_open_without_indicators_says_why(world, login):
    client = login(world.alpha.users["coordinator"])
    wave = services.create_wave(world.alpha.territory, user=world.alpha.users["coordinator"],
                                title="Empty")
    response = client.post(url("open", world.alpha, wave.pk), follow=True)
    assert "Choose the wave's indicators before opening it." in html.unescape(response.content.decode())
    wave.refresh_from_db()
    assert wave.opens_at is None


def test_personal_links_csv_holds_only_this_waves_links(world, login, make_wave):
    wave = make_wave().wave
    other = make_wave(title="Other wave").wave
    beta_wave = make_wave(world.beta).wave
    coordinator = world.alpha.users["coordinator"]
    services.create_tokens(other, 4, user=coordinator)
    services.create_tokens(beta_wave, 2, user=world.beta.users["coordinator"])
    client = login(coordinator)
    response = client.post(url("links", world.alpha, wave.pk), {"count": "3", "label": "Mailing A"})
    assert response.status_code == 302
    mine = set(RespondentToken.objects.filter(wave=wave).values_list("token", flat=True))
    assert len(mine) == 3
    revoked = RespondentToken.objects.filter(wave=wave).first()
    client.post(url("revoke_link", world.alpha, wave.pk, revoked.pk))
    services.save_questionnaire(wave, key=f"t:{RespondentToken.objects.filter(wave=wave).last().token}",
                                channel="web", answers={0: 2})
    response = client.get(url("links_csv", world.alpha, wave.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # A token may start with "-": the export writes it behind an apostrophe, so that a
    # spreadsheet never reads it as a formula (core/exports.py).
    tokens = [r["token"][1:] if r["token"].startswith("'-") else r["token"] for r in rows]
    assert set(tokens) == mine
    assert all(r["url"].endswith(f"/s/r/{t}/") for r, t in zip(rows, tokens, strict=True))
    assert {r["label"] for r in rows} == {"Mailing A"}
    # Whether a link was used is never shown link by link (issue 13): only counts.
    assert sorted(r["status"] for r in rows) == ["active", "active", "revoked"]
    page = client.get(url("links", world.alpha, wave.pk)).content.decode()
    assert "3 links: 1 used, 0 started, 1 revoked." in page and "never shows which link" in page
    bad = client.post(url("links", world.alpha, wave.pk), {"count": "0"})
    assert bad.status_code == 400 and "count" in bad.context["form"].errors
