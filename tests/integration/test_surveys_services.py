"""Survey services: every writer keeps the exact tallies equal to a recomputation;
bad input is refused with a clear message and stores nothing; two territories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cospiral.domain import survey as rules
from cospiral.indicators.models import Indicator
from cospiral.surveys import selectors, services
from cospiral.surveys.models import Questionnaire, WaveTally

pytestmark = pytest.mark.django_db


def assert_tallies_exact(wave):
    """The stored tallies equal a recomputation from the submitted questionnaires."""
    recount = services.recount(wave)
    stored = {
        (r.age_band, r.gender, r.neighbourhood, r.group_profile): r
        for r in WaveTally.objects.filter(wave=wave)
    }
    J = wave.items.count()
    for key, row in stored.items():
        counts = rules.unpack_counts(row.counts, J)
        if key in recount:
            assert row.respondents == recount[key][1], key
            assert np.array_equal(counts, recount[key][0]), key
        else:
            assert row.respondents == 0 and not counts.any(), key
    assert set(recount) <= set(stored)


def save(wave, key, answers, **kw):
    kw.setdefault("channel", "web")
    return services.save_questionnaire(wave, key=key, answers=answers, **kw)


def test_submit_save_resume_and_replace_keep_tallies_exact(make_wave):
    w = make_wave(indicators=3)
    wave = w.wave
    save(wave, "t:a", {0: 1, 1: rules.DONT_KNOW}, submit=False)  # saved, not counted
    assert selectors.cells(wave).respondents == 0
    assert_tallies_exact(wave)
    save(wave, "t:a", {0: 1, 1: rules.DONT_KNOW, 2: 5},
         profile={"age_band": 2, "neighbourhood": 1}, consent=True)
    save(wave, "t:b", {0: 4, 1: 4, 2: rules.NOT_APPLICABLE}, profile={"age_band": 2}, consent=False)
    save(wave, "p:3", {0: 2, 2: 2}, channel="paper", respondent_number=3)
    assert_tallies_exact(wave)
    assert selectors.cells(wave).respondents == 3
    # A facilitator corrects the typed-in questionnaire: old answers out, new ones in.
    save(wave, "p:3", {0: 3, 1: 3, 2: 3}, channel="paper", respondent_number=3, replace=True,
         profile={"neighbourhood": 0}, consent=True)
    assert_tallies_exact(wave)
    assert selectors.cells(wave).respondents == 3
    # Without consent the profile is not kept.
    b = Questionnaire.objects.get(wave=wave, key="t:b")
    assert b.profile == (-1, -1, -1, -1) and b.consent is False
    # The instrument froze with the first answer, and its indicators with it.
    wave.refresh_from_db()
    assert wave.frozen_at is not None
    assert all(i.status == Indicator.Status.FROZEN for i in Indicator.objects.filter(pk__in=[x.pk for x in w.indicators]))


def test_a_token_sent_twice_changes_nothing(make_wave):
    wave = make_wave().wave
    save(wave, "t:x", {0: 5})
    with pytest.raises(services.AlreadySubmitted):
        save(wave, "t:x", {0: 1})
    assert Questionnaire.objects.filter(wave=wave).count() == 1
    q = Questionnaire.objects.get(wave=wave)
    assert rules.unpack(bytes(q.levels), 3)[0] == 5
    assert_tallies_exact(wave)


@pytest.mark.parametrize("answers, message", [
    ({0: 7}, "not a level"),
    ({0: -3}, "not a level"),
    ({5: 2}, "not an indicator of this wave"),
])
def test_bad_answers_are_refused_and_nothing_is_stored(make_wave, answers, message):
    wave = make_wave().wave
    with pytest.raises(ValidationError, match=message):
        save(wave, "t:bad", answers)
    assert not Questionnaire.objects.filter(wave=wave).exists()
    assert not WaveTally.objects.filter(wave=wave, respondents__gt=0).exists()
    wave.refresh_from_db()
    assert wave.frozen_at is None  # a refused answer does not freeze the instrument


def test_bad_profile_answers_are_refused(make_wave):
    wave = make_wave(profile_questions=("age_band",)).wave
    with pytest.raises(ValidationError, match="does not ask"):
        save(wave, "t:1", {0: 1}, profile={"neighbourhood": 0}, consent=True)
    with pytest.raises(ValidationError, match="not one of the choices"):
        save(wave, "t:1", {0: 1}, profile={"age_band": 6}, consent=True)
    assert not Questionnaire.objects.filter(wave=wave).exists()


def test_answers_after_closing_or_before_opening_are_refused(make_wave, world):
    coordinator = world.alpha.users["coordinator"]
    wave = make_wave().wave
    services.close_wave(wave, user=coordinator)
    with pytest.raises(ValidationError, match="closed"):
        save(wave, "t:late", {0: 3})
    draft = make_wave(open=False, title="Not yet").wave
    with pytest.raises(ValidationError, match="not open"):
        save(draft, "t:early", {0: 3})
    future = make_wave(open=False, title="Later").wave
    services.update_wave(future, user=coordinator, opens_at=timezone.now() + dt.timedelta(days=2))
    with pytest.raises(ValidationError, match="not open"):
        save(future, "t:early", {0: 3})
    assert not Questionnaire.objects.exists()


def test_submit_many_is_exact_idempotent_and_refuses_changed_answers(make_wave, world):
    w = make_wave(indicators=4, profile_questions=("age_band", "gender"))
    wave, user = w.wave, world.alpha.users["coordinator"]
    rng = np.random.default_rng(7)
    sheets = []
    for i in range(200):
        answers = {j: int(rng.integers(-2, 6)) for j in range(4)}
        profile = {"age_band": int(rng.integers(-1, 6)), "gender": int(rng.integers(-1, 3))}
        sheets.append((f"i:{i}", "import", services.sheet_for(wave, services.positions(wave), answers, profile, True), None))
    result = services.submit_many(wave, sheets, user=user)
    assert (result.created, result.skipped) == (200, 0)
    assert_tallies_exact(wave)
    again = services.submit_many(wave, sheets, user=user)
    assert (again.created, again.skipped) == (0, 200)
    assert Questionnaire.objects.filter(wave=wave).count() == 200
    changed = [(sheets[0][0], "import", services.sheet_for(wave, services.positions(wave), {0: 5, 1: 5}, {}, False), None)]
    with pytest.raises(ValidationError, match="already stored with other answers"):
        services.submit_many(wave, changed + [("i:new", "import", sheets[1][2], None)], user=user)
    assert Questionnaire.objects.filter(wave=wave).count() == 200  # nothing half-written
    assert_tallies_exact(wave)
    # The results from the tallies equal the engine on the raw level matrix.
    from cospiral.domain import scoring

    matrix, prof, _ids = selectors.raw_matrix(wave)
    direct = scoring.score(matrix, threshold=wave.threshold)
    from_tallies = selectors.results(wave, with_intervals=False).scores
    assert np.allclose(np.ma.filled(direct.overall.score, -1), np.ma.filled(from_tallies.overall.score, -1))
    assert np.array_equal(np.ma.filled(direct.overall.n, -1), np.ma.filled(from_tallies.overall.n, -1))
    # Rebuilding from scratch gives the same tallies.
    before = {k: (c.tolist(), n) for k, (c, n) in services.recount(wave).items()}
    services.rebuild_tallies(wave)
    assert_tallies_exact(wave)
    assert {k: (c.tolist(), n) for k, (c, n) in services.recount(wave).items()} == before


def test_a_wave_with_zero_answers_has_results_without_division_by_zero(make_wave, world):
    wave = make_wave(profile_questions=("age_band",)).wave
    results = selectors.results(wave, breakdown="age_band")
    assert results.respondents == 0
    assert results.scores.figures(0).score is None
    assert results.scores.indices.synthetic is np.ma.masked or np.ma.is_masked(results.scores.indices.synthetic)


def test_the_instrument_and_its_profile_questions_freeze_with_the_first_answer(make_wave, world):
    coordinator = world.alpha.users["coordinator"]
    w = make_wave()
    save(w.wave, "t:1", {0: 2})
    with pytest.raises(ValidationError, match="frozen"):
        services.set_indicators(w.wave, w.indicators[:1], user=coordinator)
    with pytest.raises(ValidationError, match="frozen"):
        services.update_wave(w.wave, user=coordinator, profile_questions=["gender"])
    # Dates and texts can still change.
    services.update_wave(w.wave, user=coordinator, title="Renamed")


def test_waves_and_indicators_stay_in_their_territory(make_wave, world):
    alpha = make_wave(world.alpha)
    beta = make_wave(world.beta, title="Beta survey")
    with pytest.raises(ValidationError, match="does not belong"):
        services.set_indicators(make_wave(world.alpha, open=False, title="x").wave, beta.indicators,
                                user=world.alpha.users["coordinator"])
    with pytest.raises(ValidationError, match="belong to this territory"):
        services.update_wave(beta.wave, user=world.beta.users["coordinator"], baseline=alpha.wave)
    save(alpha.wave, "t:1", {0: 5})
    assert selectors.cells(beta.wave).respondents == 0
    assert list(selectors.waves(world.beta.territory)) == [beta.wave]


def test_a_waves_indicators_carry_its_territory(make_wave, world):
    """Set on the instrument, copied from a baseline: each row is its wave's territory's,
    read through ``.of(territory)`` like every territory-owned row."""
    from cospiral.surveys.models import Wave, WaveIndicator

    alpha = make_wave(world.alpha)
    beta = make_wave(world.beta, title="Beta survey")
    after = services.create_wave(world.alpha.territory, user=world.alpha.users["coordinator"],
                                 title="Après", kind=Wave.Kind.EX_POST, baseline=alpha.wave)
    assert after.items.count() == alpha.wave.items.count() > 0
    for territory, waves in ((world.alpha.territory, {alpha.wave, after}),
                             (world.beta.territory, {beta.wave})):
        rows = WaveIndicator.objects.of(territory)
        assert {r.wave for r in rows} == waves
        assert {r.indicator.territory_id for r in rows} == {territory.pk}


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_keep_tallies_exact(make_wave):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("threads need a server database; SQLite serialises writers anyway")
    wave = make_wave(profile_questions=("age_band",)).wave
    errors = []
    barrier = threading.Barrier(4)

    def answer(thread):
        try:
            barrier.wait()
            for i in range(8):
                save(wave, f"t:{thread}-{i}", {0: 1 + (i % 5), 1: rules.DONT_KNOW},
                     profile={"age_band": i % 2}, consent=True)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Questionnaire.objects.filter(wave=wave).count() == 32
    assert selectors.cells(wave).respondents == 32
    assert_tallies_exact(wave)
