"""Phase progress (cospiral.domain.phases.phase_progress): each phase, from plain counts,
its state, what it shows and its next step; the coordinator's status wins."""

from __future__ import annotations

import pytest

from cospiral.domain.phases import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    PHASES,
    SKIPPED,
    STEPS,
    current_cycle,
    phase_progress,
)


@pytest.mark.parametrize("number", PHASES)
def test_nothing_recorded_is_not_started_and_points_to_the_first_step(number):
    p = phase_progress(number, {})
    assert p.state == p.derived == NOT_STARTED and not p.overridden and not p.recorded
    assert p.next_step == STEPS[number][0][1]
    assert all(n == 0 for _key, n in p.counts)


@pytest.mark.parametrize("number", PHASES)
def test_every_step_recorded_is_done(number):
    counts = {key: 3 for key, _step in STEPS[number]}
    p = phase_progress(number, counts)
    assert p.derived == DONE and p.next_step is None and p.recorded


def test_phase_1_seats_alone_do_not_start_a_cycle():
    p = phase_progress(1, {"seats": 4})
    assert p.state == NOT_STARTED and p.next_step == "create_group"
    p = phase_progress(1, {"seats": 4, "groups": 3})
    assert p.state == IN_PROGRESS and p.next_step == "add_session"
    assert dict(p.counts) == {"seats": 4, "groups": 3, "sessions": 0}


def test_phase_2_cards_must_all_be_coded():
    p = phase_progress(2, {"cards": 31, "coded": 30})
    assert p.state == IN_PROGRESS and p.next_step == "code_cards"
    p = phase_progress(2, {"cards": 31, "coded": 31})
    assert p.next_step == "write_synthesis"
    assert phase_progress(2, {"cards": 31, "coded": 30, "not_codable": 1}).next_step == "write_synthesis"
    p = phase_progress(2, {"cards": 31, "coded": 31, "syntheses": 4, "validated_syntheses": 2})
    assert p.next_step == "shared_definition" and dict(p.counts)["validated_syntheses"] == 2
    # No card: coding is not "done" just because 0 of 0 are coded.
    assert phase_progress(2, {"syntheses": 1}).next_step == "enter_cards"


def test_phase_3_indicators_are_context_the_survey_is_the_phase():
    p = phase_progress(3, {"indicators": 8})
    assert p.state == NOT_STARTED and p.next_step == "create_ex_ante_wave"
    p = phase_progress(3, {"indicators": 8, "ex_ante_waves": 1, "ex_ante_answers": 150})
    assert p.state == IN_PROGRESS and p.next_step == "evaluate_existing"
    assert phase_progress(3, {}).next_step == "create_indicators"


def test_phases_4_to_8():
    assert phase_progress(4, {"axes": 2}).next_step == "propose_actions"
    assert phase_progress(4, {"axes": 2, "actions": 5}).next_step == "set_targets"
    p = phase_progress(5, {"commitments": 12, "contracts": 1})
    assert p.state == IN_PROGRESS and p.next_step == "vote"
    p = phase_progress(6, {"actions_under_way": 2, "actions_done": 1})
    assert p.next_step == "sign_contract" and dict(p.counts)["actions_done"] == 1
    assert phase_progress(7, {"ex_post_waves": 1}).next_step == "collect_ex_post"
    assert phase_progress(8, {"reviews": 1}).next_step == "review_pdf"
    assert phase_progress(8, {"reviews": 1, "reviews_frozen": 1}).derived == DONE


def test_the_coordinators_status_wins():
    p = phase_progress(2, {"cards": 10, "coded": 2}, stored=DONE)
    assert p.state == DONE and p.derived == IN_PROGRESS and p.overridden
    assert phase_progress(5, {}, stored=SKIPPED).state == SKIPPED
    assert phase_progress(5, {}, stored=IN_PROGRESS).state == IN_PROGRESS


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="not a phase"):
        phase_progress(9, {})
    with pytest.raises(ValueError, match="not a phase status"):
        phase_progress(1, {}, stored="finished")
    with pytest.raises(ValueError, match="whole number"):
        phase_progress(1, {"groups": -1})


def test_current_cycle():
    assert current_cycle([2, None, 1], [0, 1, 2, 3]) == 2
    assert current_cycle([], [0, 1, 2, 3]) == 0
    assert current_cycle([None], []) is None
