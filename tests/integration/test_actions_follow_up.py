"""The follow-up of an action (issue 5): each target's measure before → after between the
ex-ante and the ex-post waves, equal to the survey comparison's figures, and the share of
its commitments kept per party; on the plan page, the indicator change."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from cospiral.actions import selectors, services
from cospiral.actions.models import Target
from cospiral.domain import survey as rules
from cospiral.surveys import selectors as survey_selectors
from cospiral.surveys import services as survey_services
from cospiral.territories.models import Organisation

pytestmark = pytest.mark.django_db


def answer(w, rows, *, prefix):
    """Submit questionnaires: each row a list of levels, one per indicator."""
    wave = w.wave
    choices = rules.choice_counts({"neighbourhood": wave.neighbourhoods,
                                   "group_profile": wave.group_profiles})
    sheets = []
    for n, levels in enumerate(rows):
        sheet = rules.make_sheet(dict(enumerate(levels)), len(w.indicators), profile={},
                                 asked=wave.profile_questions, choices=choices, consent=True)
        sheets.append((f"{prefix}:{n + 1}", "paper", sheet, n + 1))
    survey_services.submit_many(wave, sheets, user=w.t.users["coordinator"])
    # Published: action pages show published figures only (issue 13).
    survey_services.publish_results(wave, user=w.t.users["coordinator"])
    wave.refresh_from_db()


@pytest.fixture
def followed(world, make_wave):
    a = world.alpha
    user = a.users["coordinator"]
    before = make_wave(a, title="Before the actions")
    answer(before, [[1, 2, 3]] * 15 + [[2, 3, 4]] * 15, prefix="p")
    after_wave = survey_services.create_wave(a.territory, user=user, title="After the actions",
                                             kind="ex_post", baseline=before.wave)
    survey_services.set_indicators(after_wave, before.indicators, user=user)
    survey_services.open_wave(after_wave, user=user)
    after = SimpleNamespace(wave=after_wave, indicators=before.indicators, t=a)
    answer(after, [[4, 5, 3]] * 20 + [[2, 2, 4]] * 10, prefix="q")
    housing, food, _third = before.indicators
    action = services.create_action(a.territory, user=user, title="Alpha housing repairs")
    high = services.save_target(action, user=user, indicator=housing, measure="high_share",
                                baseline_wave=before.wave, target_value=60)
    low = services.save_target(action, user=user, indicator=food, measure="low_share",
                               baseline_wave=before.wave, target_value=10)
    median = services.save_target(action, user=user, indicator=housing, measure="median",
                                  baseline_wave=before.wave, target_value=5)
    club = Organisation.objects.create(territory=a.territory, name="Alpha youth club")
    for outcome in ("kept", "partly", ""):
        services.save_commitment(action, user=user, party_kind="organisation", organisation=club,
                                 what=f"Help ({outcome or 'pending'})",
                                 accepted_on=dt.date(2026, 1, 5) if outcome else None,
                                 outcome=outcome, evidence="Report" if outcome else "")
    services.save_commitment(action, user=user, party_kind="person", person="Léa Martin",
                             what="Paint", accepted_on=dt.date(2026, 1, 5), outcome="not_kept",
                             evidence="Did not come")
    return SimpleNamespace(world=world, a=a, before=before, after=after, action=action,
                           high=high, low=low, median=median)


def detail(client, f):
    return client.get(reverse("actions:detail", kwargs={"territory": f.a.territory.slug,
                                                        "pk": f.action.pk}))


def test_follow_up_equals_the_survey_comparison(followed, login):
    f = followed
    response = detail(login(f.a.users["observer"]), f)
    assert response.status_code == 200
    html = response.content.decode()
    domain = survey_selectors.comparison(f.after.wave)
    cmp = domain.comparison
    rows = {(r["row"].target.pk): r for r in response.context["follow_up"]}
    assert set(rows) == {f.high.pk, f.low.pk, f.median.pk}
    for target, prefix in ((f.high, "high"), (f.low, "low")):
        j = domain.codes.index(target.indicator.code)
        row = rows[target.pk].get("row")
        fb, fa = domain.before_scores.figures(j), domain.after_scores.figures(j)
        assert row.before == pytest.approx(getattr(fb, f"{prefix}_share") * 100)
        assert row.after == pytest.approx(getattr(fa, f"{prefix}_share") * 100)
        assert row.difference == pytest.approx(float(getattr(cmp, f"{prefix}_difference")[j]) * 100)
        assert row.interval == pytest.approx((float(getattr(cmp, f"{prefix}_diff_low")[j]) * 100,
                                              float(getattr(cmp, f"{prefix}_diff_high")[j]) * 100))
        assert row.p_value == pytest.approx(float(cmp.p_value[j]))
        assert row.n_before == 30 and row.n_after == 30
        assert rows[target.pk]["before"] in html and rows[target.pk]["after"] in html
        assert rows[target.pk]["interval"] in html and rows[target.pk]["reading"] in html
    j = domain.codes.index(f.median.indicator.code)
    median = rows[f.median.pk]["row"]
    assert median.before == pytest.approx(domain.before_scores.figures(j).median)
    assert median.after == pytest.approx(domain.after_scores.figures(j).median)
    assert median.interval is None

    # Housing: 4–5 share from 0 % to 66.7 %: target 60 reached; levels higher, p < 0.05.
    high = rows[f.high.pk]["row"]
    assert high.before == pytest.approx(0.0) and high.after == pytest.approx(200 / 3)
    assert high.reached is True and high.direction == "better" and high.p_value < 0.05
    assert "is reached" in rows[f.high.pk]["reading"]
    # The verdict is the Newcombe interval's (the same rule as the comparison page).
    lo, hi = high.interval
    assert lo > 0 and high.verdict == "better"
    assert "(better: the interval does not include 0)" in rows[f.high.pk]["reading"]
    # Food: the share at levels 1–2 stays 100 → 33.3 %; the target of 10 % is not reached.
    low = rows[f.low.pk]["row"]
    assert low.reached is False and low.direction == "better"
    # The share at levels 1–2 should fall: its verdict reads the interval that way.
    assert low.verdict == ("better" if low.interval[1] < 0 else "worse" if low.interval[0] > 0
                           else "no_clear_change")
    # The median has no interval of its difference: the ordinal test's interval decides.
    assert median.verdict in ("better", "no_clear_change")
    assert "not reached yet" in rows[f.low.pk]["reading"]
    summary = response.context["follow_up_summary"]
    reached = sum(1 for r in rows.values() if r["row"].reached)
    assert reached == 1  # housing's share at 4–5 only (its median is 4, the target 5)
    assert f"{reached} of 3 targets are reached" in summary and "After the actions" in summary
    assert summary in html


def test_follow_up_shows_the_share_kept_per_party(followed, login):
    f = followed
    response = detail(login(f.a.users["partner"]), f)
    kept_all = response.context["kept_all"]
    # kept 1 + partly 0.5 + not kept 0 over 3 outcomes; 1 pending.
    assert kept_all.share == 50.0 and kept_all.pending == 1
    by_party = {p.name: p.kept.share for p in response.context["kept"]}
    assert by_party == {"Alpha youth club": 75.0, "Léa Martin": 0.0}
    section = response.content.decode().split('id="follow-up"')[1].split("</section>")[0]
    assert "50%" in section and "Alpha youth club" in section and "75%" in section


def test_plan_page_shows_the_indicator_change(followed, login):
    f = followed
    client = login(f.a.users["observer"])
    response = client.get(reverse("actions:plan", kwargs={"territory": f.a.territory.slug}))
    html = response.content.decode()
    assert "Indicator change (ex-ante → ex-post)" in html
    code = f.high.indicator.code
    assert f"{code}: 0.0% → 66.7%" in html and "target reached" in html


def test_no_follow_up_without_an_ex_post_wave(world, make_wave, login):
    a = world.alpha
    before = make_wave(a, title="Only before")
    answer(before, [[3, 3, 3]] * 12, prefix="p")
    user = a.users["coordinator"]
    action = services.create_action(a.territory, user=user, title="Alpha benches")
    services.save_target(action, user=user, indicator=before.indicators[0], measure="score",
                         baseline_wave=before.wave, target_value=80)
    response = login(user).get(reverse("actions:detail", kwargs={
        "territory": a.territory.slug, "pk": action.pk}))
    assert response.context["follow_up"] == []
    assert "No ex-post survey wave asks this action" in response.content.decode()
    plan = login(user).get(reverse("actions:plan", kwargs={"territory": a.territory.slug}))
    assert "Indicator change" not in plan.content.decode()


def test_beta_sees_no_follow_up_of_alpha(followed, login):
    f = followed
    beta = f.world.beta
    client = login(beta.users["coordinator"])
    assert detail(client, f).status_code == 404
    response = client.get(reverse("actions:detail", kwargs={"territory": beta.territory.slug,
                                                            "pk": f.action.pk}))
    assert response.status_code == 404
    assert selectors.plan_changes(beta.territory) == {}
    assert Target.objects.of(beta.territory).count() == 0
