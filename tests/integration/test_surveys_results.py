"""Results of survey waves: the results page, the comparison with the ex-ante wave, the
public results page of a published wave, and the exports (results, breakdowns,
anonymised raw responses, codebook). Two territories; small counts never shown."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cospiral.domain import scoring
from cospiral.domain import survey as rules
from cospiral.surveys import selectors, services

pytestmark = pytest.mark.django_db


def answer(w, rows, *, prefix="p", publish=True):
    """Submit questionnaires: ``rows`` of (levels list, profile dict); then publish the
    results (a snapshot: what everyone but the coordinators sees) unless ``publish`` is
    False."""
    wave = w.wave
    J = len(w.indicators)
    choices = rules.choice_counts({"neighbourhood": wave.neighbourhoods,
                                   "group_profile": wave.group_profiles})
    sheets = []
    for n, (levels, profile) in enumerate(rows):
        sheet = rules.make_sheet(dict(enumerate(levels)), J, profile=profile,
                                 asked=wave.profile_questions, choices=choices, consent=True)
        sheets.append((f"{prefix}:{n + 1}", "paper", sheet, n + 1))
    services.submit_many(wave, sheets, user=w.t.users["coordinator"])
    if publish:
        services.publish_results(wave, user=w.t.users["coordinator"])
    wave.refresh_from_db()


def results_url(w, territory=None):
    return reverse("surveys:results", kwargs={"territory": (territory or w.t.territory).slug,
                                              "pk": w.wave.pk})


def export_url(w, what, fmt):
    return reverse("surveys:results_export", args=[w.t.territory.slug, w.wave.pk, what, fmt])


def public_url(w):
    return reverse("survey_public:results", kwargs={"public_token": w.wave.public_token})


def csv_rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def mixed(n, seed=1, neighbourhoods=(0, 1, 2), J=3):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        levels = [int(v) for v in rng.choice([1, 2, 3, 4, 5], size=J)]
        rows.append((levels, {"age_band": int(rng.integers(0, 6)),
                              "neighbourhood": neighbourhoods[i % len(neighbourhoods)]}))
    return rows


def test_results_page_shows_every_figure_and_the_rules(world, make_wave, login):
    w = make_wave(world.alpha)
    answer(w, mixed(40))
    response = login(world.alpha.users["observer"]).get(results_url(w))
    assert response.status_code == 200
    html = response.content.decode()
    assert scoring.SCORE_FORMULA in html
    assert str(w.wave.bootstrap_seed) in html
    assert "never counted as a level" in html
    assert "<svg" in html and 'role="img"' in html
    context = response.context
    assert context["respondents"] == 40
    res = selectors.results(w.wave)
    rows = context["rows"]
    assert [r["code"] for r in rows] == [i.code for i in w.indicators]
    for j, row in enumerate(rows):
        f = res.scores.figures(j)
        assert row["figures"].n == f.n == 40
        assert row["figures"].score == pytest.approx(f.score)
        assert row["figures"].low_interval == pytest.approx(f.low_interval)
        # Bootstrap intervals equal the selectors' (same seed, same replicates).
        assert row["score_ci"].split(" – ")[0] == f"{float(res.intervals.score_low[j]):.1f}"
        assert row["code"] in html and row["title"] in html
    # Indices with intervals and weights, the synthetic index last.
    indices = context["indices"]
    assert indices[-1]["kind"] == "synthetic"
    assert indices[-1]["value"] == pytest.approx(float(res.scores.indices.synthetic))
    assert indices[-1]["low"] <= indices[-1]["value"] <= indices[-1]["high"]
    assert context["indices_summary"] in html and context["levels_summary"] in html
    assert context["extremes"]


def test_other_territory_and_anonymous_cannot_read(world, make_wave, login, client):
    w = make_wave(world.alpha)
    answer(w, mixed(10))
    beta = world.beta.users["coordinator"]
    assert login(beta).get(results_url(w)).status_code == 404
    assert login(beta).get(results_url(w, world.beta.territory)).status_code == 404
    assert client.get(reverse("surveys:results_comparison",
                              args=[world.beta.territory.slug, w.wave.pk])).status_code == 404
    assert client.get(export_url(w, "results", "csv")).status_code == 404
    client.logout()
    assert client.get(results_url(w)).status_code == 302  # to the login page


def test_zero_answers_clear_message_no_chart(world, make_wave, login):
    w = make_wave(world.alpha)
    services.publish_results(w.wave, user=world.alpha.users["coordinator"])
    response = login(world.alpha.users["partner"]).get(results_url(w))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No questionnaire has been sent for this wave yet" in html
    assert "<svg" not in html
    # A wave without indicators: its own message.
    empty = make_wave(world.alpha, indicators=0, open=False, title="Empty")
    services.publish_results(empty.wave, user=world.alpha.users["coordinator"])
    html = login(world.alpha.users["partner"]).get(results_url(empty)).content.decode()
    assert "This wave has no indicators yet" in html


def test_breakdown_all_suppressed_message(world, make_wave, login):
    w = make_wave(world.alpha)
    answer(w, mixed(12))  # 4 per neighbourhood, threshold 5
    response = login(world.alpha.users["observer"]).get(results_url(w), {"breakdown": "neighbourhood"})
    assert response.status_code == 200
    assert response.context["breakdown"]["all_suppressed"]
    html = response.content.decode()
    assert "Every cell of this breakdown has fewer than 5 answers" in html
    # The overall figures are still there (12 answers).
    assert response.context["rows"][0]["figures"].n == 12


def test_breakdown_hides_small_cells_never_their_count(world, make_wave, login):
    w = make_wave(world.alpha)
    rows = mixed(30, neighbourhoods=(0, 1)) + mixed(3, seed=2, neighbourhoods=(2,))
    answer(w, rows)
    response = login(world.alpha.users["observer"]).get(results_url(w), {"breakdown": "neighbourhood"})
    b = response.context["breakdown"]
    assert not b["all_suppressed"]
    assert b["groups"][:3] == ["Centre", "North", "South"]
    south = [r["cells"][2] for r in b["rows"]]
    assert all(cell["text"] == "fewer than 5 answers" and "n" not in cell for cell in south)
    html = response.content.decode()
    assert "fewer than 5 answers" in html
    # Export of the breakdowns: the same cells suppressed, no count.
    data = csv_rows(login(world.alpha.users["observer"]).get(export_url(w, "breakdown", "csv")))
    header = data[0]
    south_rows = [r for r in data[1:] if r[0] == "neighbourhood" and r[1] == "2"]
    assert south_rows and all(r[header.index("suppressed")] == "1" and r[header.index("n")] == ""
                              for r in south_rows)


def test_unknown_breakdown_is_a_clear_error(world, make_wave, login):
    w = make_wave(world.alpha)
    answer(w, mixed(10))
    response = login(world.alpha.users["observer"]).get(results_url(w), {"breakdown": "gender"})
    assert response.status_code == 400
    assert "is not a profile question of this wave" in response.content.decode()


def test_weighting_toggle_and_unreachable_margin(world, make_wave, login):
    w = make_wave(world.alpha, population_margins={"neighbourhood": [50, 30, 20]})
    answer(w, mixed(60))
    client = login(world.alpha.users["observer"])
    plain = client.get(results_url(w))
    assert 'name="weighted"' in plain.content.decode()
    weighted = client.get(results_url(w), {"weighted": "1"})
    assert weighted.status_code == 200
    info = weighted.context["weighting"]
    assert info["method"] == "post-stratification" and not info["error"] and info["n_eff"]
    assert "Effective sample size" in weighted.content.decode()
    # A population category with nobody in the sample: a clear message, unweighted figures.
    services.update_wave(w.wave, user=world.alpha.users["coordinator"],
                         population_margins={"neighbourhood": [50, 30, 20]})
    w2 = make_wave(world.alpha, title="Other", population_margins={"neighbourhood": [50, 30, 20]})
    answer(w2, mixed(20, neighbourhoods=(0, 1)))
    response = client.get(results_url(w2), {"weighted": "1"})
    assert "could not be made" in response.content.decode()
    assert not response.context["weighted"]


def test_public_page_only_when_published_and_without_small_counts(world, make_wave, login, client):
    w = make_wave(world.alpha)
    # 30 respondents in two neighbourhoods, 3 in the third; 3 "don't know" on indicator 1.
    rows = mixed(30, neighbourhoods=(0, 1)) + mixed(3, seed=4, neighbourhoods=(2,))
    for levels, _p in rows[:3]:
        levels[0] = rules.DONT_KNOW
    answer(w, rows, publish=False)
    client.logout()
    assert client.get(public_url(w)).status_code == 404
    services.publish_results(w.wave, user=world.alpha.users["coordinator"])
    response = client.get(public_url(w))
    assert response.status_code == 200
    html = response.content.decode()
    assert w.indicators[0].code in html and scoring.SCORE_FORMULA in html
    assert response.context["rows"][0]["dont_know"] == "fewer than 5 answers"
    broken = client.get(public_url(w), {"breakdown": "neighbourhood"})
    html = broken.content.decode()
    assert broken.status_code == 200 and "fewer than 5 answers" in html
    # No cell of any table holds a count under the threshold.
    for small in range(1, 5):
        assert not re.search(rf"<td[^>]*>\s*{small}\s*</td>", html), small
    assert "p:1" not in html  # never a key or a raw response
    # Not a download of raw responses without login.
    assert client.get(export_url(w, "raw", "csv")).status_code == 302
    services.publish_results(w.wave, user=world.alpha.users["coordinator"], published=False)
    assert client.get(public_url(w)).status_code == 404
    assert client.get(reverse("survey_public:results", kwargs={"public_token": "nope"})).status_code == 404


def test_raw_export_for_coordinators_only_and_anonymous(world, make_wave, login):
    w = make_wave(world.alpha)
    answer(w, mixed(25))
    assert login(world.alpha.users["observer"]).get(export_url(w, "raw", "csv")).status_code == 403
    assert login(world.alpha.users["facilitator"]).get(export_url(w, "raw", "csv")).status_code == 403
    assert login(world.beta.users["coordinator"]).get(export_url(w, "raw", "csv")).status_code == 404
    client = login(world.alpha.users["coordinator"])
    # While the wave is open: refused, with the reason (issue 13).
    refused = client.get(export_url(w, "raw", "csv"))
    assert refused.status_code == 409 and "once the wave is closed" in refused.content.decode()
    services.close_wave(w.wave, user=world.alpha.users["coordinator"])
    response = client.get(export_url(w, "raw", "csv"))
    assert response.status_code == 200
    data = csv_rows(response)
    codes = [i.code for i in w.indicators]
    assert data[0] == ["age_band", "neighbourhood", *codes]
    assert len(data) == 26
    text = "\n".join(",".join(r) for r in data)
    assert "p:" not in text and "coordinator" not in text and "paper" not in text
    # Rows sorted by their content, and the same multiset of rows as the stored answers.
    assert data[1:] == sorted(data[1:], key=lambda r: [int(v) for v in r])
    assert csv_rows(client.get(export_url(w, "raw", "csv"))) == data
    matrix, prof, _ids = selectors.raw_matrix(w.wave)
    stored = sorted(tuple(int(v) for v in (*p[[0, 2]], *m)) for m, p in zip(matrix, prof, strict=True))
    assert sorted(tuple(int(v) for v in r) for r in data[1:]) == stored
    xlsx = client.get(export_url(w, "raw", "xlsx"))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["responses", "codebook"]
    assert book["responses"].max_row == 26


def test_codebook_lists_every_level_of_every_indicator(world, make_wave, login):
    w = make_wave(world.alpha, indicators=4)
    client = login(world.alpha.users["observer"])
    data = csv_rows(client.get(export_url(w, "codebook", "csv")))
    assert data[0] == ["column", "meaning", "code", "label_en", "label_fr"]
    for indicator in w.indicators:
        rows = {r[2]: r for r in data[1:] if r[0] == indicator.code and r[2] != ""}
        assert set(rows) == {"1", "2", "3", "4", "5", "-1", "-2", "0"}
        for level in range(1, 6):
            assert rows[str(level)][3] == f"Situation {level}"
            assert rows[str(level)][4] == f"Situation {level} (Alphaville)"
    about = {r[0]: r[1] for r in data[1:] if r[2] == "" and r[0] in (
        "score_formula", "suppression_threshold", "bootstrap_seed")}
    assert about == {"score_formula": scoring.SCORE_FORMULA, "suppression_threshold": "5",
                     "bootstrap_seed": str(w.wave.bootstrap_seed)}
    neighbourhoods = [r for r in data[1:] if r[0] == "neighbourhood" and r[2] != ""]
    assert [(r[2], r[3]) for r in neighbourhoods] == [("0", "Centre"), ("1", "North"),
                                                     ("2", "South"), ("-1", "Not stated")]


def test_results_export_one_row_per_indicator_and_indices(world, make_wave, login):
    w = make_wave(world.alpha)
    answer(w, mixed(40))
    client = login(world.alpha.users["partner"])
    data = csv_rows(client.get(export_url(w, "results", "csv")))
    header, body = data[0], data[1:]
    kinds = [r[0] for r in body]
    assert kinds.count("indicator") == 3 and kinds[-1] == "synthetic" and "family" in kinds
    res = selectors.results(w.wave)
    for j, row in enumerate(r for r in body if r[0] == "indicator"):
        f = res.scores.figures(j)
        assert int(row[header.index("n")]) == f.n
        assert float(row[header.index("score")]) == pytest.approx(f.score, abs=1e-6)
        assert float(row[header.index("score_low")]) == pytest.approx(float(res.intervals.score_low[j]), abs=1e-6)
    synthetic = body[-1]
    assert float(synthetic[header.index("score")]) == pytest.approx(float(res.scores.indices.synthetic), abs=1e-6)
    book = load_workbook(io.BytesIO(client.get(export_url(w, "results", "xlsx")).content))
    assert book.sheetnames == ["results", "codebook"]
    assert client.get(export_url(w, "nothing", "csv")).status_code == 404


def test_comparison_page_equals_the_domain(world, make_wave, login):
    before = make_wave(world.alpha, title="Before")
    answer(before, [([1, 2, 3], {}) for _i in range(15)] + [([2, 3, 4], {}) for _i in range(15)])
    coordinator = world.alpha.users["coordinator"]
    after_wave = services.create_wave(world.alpha.territory, user=coordinator, title="After",
                                      kind="ex_post", baseline=before.wave)
    services.set_indicators(after_wave, before.indicators, user=coordinator)
    services.open_wave(after_wave, user=coordinator)
    after = type(before)(wave=after_wave, indicators=before.indicators, t=world.alpha)
    answer(after, [([4, 5, 3], {}) for _i in range(20)] + [([2, 2, 4], {}) for _i in range(10)],
           prefix="q")
    response = login(world.alpha.users["observer"]).get(
        reverse("surveys:results_comparison", args=[world.alpha.territory.slug, after_wave.pk]))
    assert response.status_code == 200
    domain = selectors.comparison(after.wave)
    cmp = domain.comparison
    rows = response.context["rows"]
    html = response.content.decode()
    assert [r["code"] for r in rows] == domain.codes
    for j, r in enumerate(rows):
        assert r["n_before"] == int(cmp.n_before[j]) == 30 and r["n_after"] == int(cmp.n_after[j]) == 30
        assert r["high_diff_value"] == pytest.approx(float(cmp.high_difference[j]))
        assert r["low_diff_value"] == pytest.approx(float(cmp.low_difference[j]))
        if r["p_value_value"] is not None:
            assert r["p_value_value"] == pytest.approx(float(cmp.p_value[j]))
            assert r["superiority_value"] == pytest.approx(float(cmp.superiority[j]))
        assert r["high_diff"] in html and r["reading"] in html
    # Indicator 1: levels 1–2 before; 4 for 2/3 of them after: better.
    assert rows[0]["reading"] == "situations tend to be better after (levels higher)"
    assert rows[0]["p_value_value"] < 0.05 and rows[0]["superiority_value"] > 0.5
    assert rows[0]["high_diff"] == "+66.7"
    # Indicator 3: 3 or 4 before and exactly 3 or 4 after: no clear change.
    assert rows[2]["reading"] == "no clear change: the difference may be chance"
    assert "<svg" in html and response.context["summary"] in html
    # The ex-ante wave itself has nothing to compare with.
    response = login(world.alpha.users["observer"]).get(
        reverse("surveys:results_comparison", args=[world.alpha.territory.slug, before.wave.pk]))
    assert "has no ex-ante wave to compare with" in response.content.decode()


def test_the_bootstrap_of_unchanged_answers_is_drawn_once(make_wave, monkeypatch):
    """A results page asked again while nothing changed reuses its bootstrap (a pure
    function of its inputs, kept by their digest): the same figures, no new draw; a new
    answer draws again."""
    from cospiral.surveys import results

    w = make_wave(indicators=3)
    answer(w, mixed(40), publish=False)
    draws = []
    real = scoring.bootstrap_with_indices
    monkeypatch.setattr(scoring, "bootstrap_with_indices",
                        lambda *a, **k: draws.append(1) or real(*a, **k))
    results._BOOTSTRAPS.clear()
    first = results.compute(w.wave)
    again = results.compute(w.wave)
    assert len(draws) == 1
    assert np.array_equal(first.intervals.mean_low, again.intervals.mean_low)
    assert first.intervals.mean_low is not again.intervals.mean_low  # a copy each time
    again.intervals.mean_low[:] = -1  # what a caller changes is not kept
    assert np.array_equal(results.compute(w.wave).intervals.mean_low, first.intervals.mean_low)
    answer(w, mixed(5, seed=9), prefix="late", publish=False)
    results.compute(w.wave)
    assert len(draws) == 2
