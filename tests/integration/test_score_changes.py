"""Before → after of the scores and of the family and synthetic indices, with the
interval of each difference (issue 15, point 7): on the comparison page and in the
review, read by the one verdict rule, reproducible, and in French. Two territories."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cospiral.domain import verdict as rules
from cospiral.surveys import results_change, selectors
from tests.integration.test_verdicts import _pair

pytestmark = pytest.mark.django_db


def test_scores_and_indices_before_and_after_with_their_intervals(world, make_wave, login):
    before, after = _pair(world, make_wave)
    page = reverse("surveys:results_comparison", args=[world.alpha.territory.slug, after.wave.pk])
    response = login(world.alpha.users["observer"]).get(page)
    assert response.status_code == 200
    c = response.context["scores"]
    scores = {r["code"]: r for r in c["score_rows"]}
    # Indicator 3: everyone at 3 (score 50) before, everyone at 5 (score 100) after.
    third = scores[after.indicators[2].code]
    assert third["before_value"] == pytest.approx(50.0) and third["after_value"] == pytest.approx(100.0)
    assert third["difference"] == "+50.0" and third["verdict"] == rules.BETTER
    for r in [*c["score_rows"], *c["index_rows"]]:
        assert r["verdict"] == rules.verdict(r["difference_value"], r["low_value"], r["high_value"])
        assert r["low_value"] <= r["high_value"]
    synthetic = c["index_rows"][-1]
    assert synthetic["kind"] == "synthetic" and synthetic["members"] == 3
    # Every indicator is in both waves with the same weights: the indices are those of
    # each wave's own page, and no note says otherwise.
    from cospiral.surveys import results

    own = {w: next(r for r in results.index_rows(results.compute(w)) if r["kind"] == "synthetic")
           for w in (before.wave, after.wave)}
    assert synthetic["before"] == own[before.wave]["text"]
    assert synthetic["after"] == own[after.wave]["text"]
    assert c["basket_note"] == ""
    html = response.content.decode()
    assert "Scores and indices (0–100), before and after" in html
    assert f"The synthetic index went from {synthetic['before']} to {synthetic['after']}" in html
    assert str(after.wave.bootstrap_seed) in c["score_method"]
    # Reproducible: the same figures on every reading.
    again = results_change.context(selectors.comparison(after.wave),
                                   {r["code"]: r["title"] for r in response.context["rows"]})
    assert again["index_rows"] == c["index_rows"]
    # In French.
    client = login(world.alpha.users["observer"])
    client.cookies["django_language"] = "fr"
    text = client.get(page, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Scores et indices (0–100), avant et après" in text
    assert "L’indice synthétique est passé de" in text
    # The other territory sees nothing of it.
    other = reverse("surveys:results_comparison", args=[world.beta.territory.slug, after.wave.pk])
    assert login(world.beta.users["coordinator"]).get(other).status_code == 404


def test_an_indicator_left_out_of_the_ex_post_wave_makes_the_indices_say_so(world, make_wave, login):
    before, after = _pair(world, make_wave)
    coordinator = world.alpha.users["coordinator"]
    from cospiral.surveys import services

    fresh = services.create_wave(world.alpha.territory, user=coordinator, title="After, two",
                                 kind="ex_post", baseline=before.wave)
    services.set_indicators(fresh, before.indicators[:2], user=coordinator)
    context = results_change.context(selectors.comparison(fresh), {})
    # Two indicators in common, neither answered after: nothing compared, no verdict.
    assert len(context["score_rows"]) == 2
    assert all(r["verdict"] is None and r["after"] == "" for r in context["score_rows"])
    assert context["index_rows"][-1]["verdict"] is None
    assert context["basket_note"] == (
        "The indices compared here are computed, in both waves, from the 0 indicators both "
        "waves share and show: they can differ from the indices on each wave's own page.")
    assert context["score_summary"] == ("No indicator has enough answers in both waves for "
                                        "its score to be compared.")
