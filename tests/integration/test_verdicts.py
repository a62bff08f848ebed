"""Results that say what they mean (issue 15, point 7): every reading of a change follows
``cospiral.domain.verdict`` (an interval excluding 0 is a real change, read in the
measure's better direction), hidden cells say why they are hidden, and an ex-post wave
starts with its baseline's indicators. Two territories."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cospiral.domain import verdict as rules
from cospiral.surveys import selectors, services
from tests.integration.test_surveys_results import answer, results_url

pytestmark = pytest.mark.django_db


def _pair(world, make_wave):
    before = make_wave(world.alpha, title="Before")
    # Indicator 1: 12 of 30 at level 1 before, 4 after (levels 1–2: 40 % → 13,3 %).
    # Indicator 2: 12 of 30 at level 4 before, 16 after (levels 4–5: 40 % → 53,3 %).
    # Indicator 3: everyone at 3 before, everyone at 5 after.
    answer(before, [([1, 4, 3], {}) for _i in range(12)] + [([3, 3, 3], {}) for _i in range(18)])
    coordinator = world.alpha.users["coordinator"]
    after_wave = services.create_wave(world.alpha.territory, user=coordinator, title="After",
                                      kind="ex_post", baseline=before.wave)
    services.open_wave(after_wave, user=coordinator)
    after = type(before)(wave=after_wave, indicators=before.indicators, t=world.alpha)
    answer(after, [([1, 4, 5], {}) for _i in range(4)] + [([3, 4, 5], {}) for _i in range(12)]
           + [([3, 3, 5], {}) for _i in range(14)], prefix="q")
    return before, after


def test_every_reading_of_the_comparison_follows_its_interval(world, make_wave, login):
    before, after = _pair(world, make_wave)
    page = reverse("surveys:results_comparison", args=[world.alpha.territory.slug, after.wave.pk])
    response = login(world.alpha.users["observer"]).get(page)
    assert response.status_code == 200
    cmp = selectors.comparison(after.wave).comparison
    rows = response.context["rows"]
    for j, r in enumerate(rows):
        assert r["low_verdict"] == rules.verdict(
            float(cmp.low_difference[j]), float(cmp.low_diff_low[j]), float(cmp.low_diff_high[j]),
            higher_is_better=False)
        assert r["high_verdict"] == rules.verdict(
            float(cmp.high_difference[j]), float(cmp.high_diff_low[j]), float(cmp.high_diff_high[j]))
    # A real fall of the share at levels 1–2 is better, never "no clear change".
    assert cmp.low_diff_high[0] < 0 and rows[0]["low_verdict"] == rules.BETTER
    # +13,3 points whose interval includes 0: no clear change, not "rose".
    assert cmp.high_diff_low[1] < 0 < cmp.high_diff_high[1]
    assert rows[1]["high_verdict"] == rules.NO_CLEAR_CHANGE
    assert rows[2]["high_verdict"] == rules.BETTER
    html = response.content.decode()
    assert "better: the interval does not include 0" in html
    assert "no clear change: the interval includes 0" in html
    summary = response.context["summary"]
    assert ("the share at levels 4–5 clearly rose for 1 of 3 indicators, clearly fell for 0 "
            "and shows no clear change for 2") in summary
    # The review's comparison reads the same verdicts.
    from cospiral.surveys.results import comparison_context

    review = comparison_context(after.wave, live=False)
    assert [r["high_verdict"] for r in review["rows"]] == [r["high_verdict"] for r in rows]
    # In French, with its words.
    client = login(world.alpha.users["observer"])
    client.cookies["django_language"] = "fr"
    text = client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "pas de changement net\u00a0: l’intervalle inclut 0" in text
    assert "sur 3 indicateurs, la part aux niveaux 4–5 a nettement augmenté pour 1," in text
    # The other territory sees nothing of it.
    other = reverse("surveys:results_comparison", args=[world.beta.territory.slug, after.wave.pk])
    assert login(world.beta.users["coordinator"]).get(other).status_code == 404


def test_an_ex_post_wave_starts_with_its_baselines_indicators(world, make_wave):
    before = make_wave(world.alpha, title="Before", indicators=3)
    coordinator = world.alpha.users["coordinator"]
    reordered = [before.indicators[2], before.indicators[0], before.indicators[1]]
    services.set_indicators(before.wave, reordered, user=coordinator, weights=[2.0, 1.0, 1.0])
    after = services.create_wave(world.alpha.territory, user=coordinator, title="After",
                                 kind="ex_post", baseline=before.wave)
    items = selectors.instrument(after)
    assert [i.indicator_id for i in items] == [i.pk for i in reordered]
    assert [i.weight for i in items] == [2.0, 1.0, 1.0]
    # An ex-ante wave starts empty; the other territory cannot take alpha's wave as baseline.
    assert selectors.instrument(services.create_wave(
        world.alpha.territory, user=coordinator, title="Another ex-ante")) == []
    with pytest.raises(ValidationError):
        services.create_wave(world.beta.territory, user=world.beta.users["coordinator"],
                             title="Stolen", kind="ex_post", baseline=before.wave)


def test_hidden_cells_say_why(world, make_wave, login):
    w = make_wave(world.alpha)
    # South: 2 answers (fewer than 5); North: 6, hidden so that the total does not give
    # South away (complementary suppression); Centre: 20, shown.
    rows = ([([3, 3, 3], {"neighbourhood": 0}) for _i in range(20)]
            + [([3, 3, 3], {"neighbourhood": 1}) for _i in range(6)]
            + [([3, 3, 3], {"neighbourhood": 2}) for _i in range(2)])
    answer(w, rows)
    response = login(world.alpha.users["observer"]).get(results_url(w), {"breakdown": "neighbourhood"})
    b = response.context["breakdown"]
    centre, north, south = ([r["cells"][g] for r in b["rows"]] for g in range(3))
    assert all(c["text"] == "fewer than 5 answers" and c["reason"] == "small" for c in south)
    assert all(c["text"] == "hidden to protect another cell (complementary suppression)"
               and "n" not in c for c in north)
    assert all(not c["muted"] for c in centre)
    client = login(world.alpha.users["observer"])
    client.cookies["django_language"] = "fr"
    text = client.get(results_url(w), {"breakdown": "neighbourhood"},
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "masquée pour protéger une autre case (secret secondaire)" in text
    assert login(world.beta.users["coordinator"]).get(
        results_url(w, world.beta.territory), {"breakdown": "neighbourhood"}).status_code == 404
