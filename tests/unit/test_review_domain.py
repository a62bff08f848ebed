"""Rules of the review of a cycle: scope and the share of commitments kept."""

import pytest

from cospiral.domain import review


def test_scope_covers_the_cycle_and_rows_without_a_cycle():
    assert review.in_scope(2, 2)
    assert review.in_scope(None, 2)
    assert not review.in_scope(1, 2)


def test_share_kept_is_of_recorded_outcomes_only():
    k = review.kept(["kept", "kept", "partly", "not_kept", "", None])
    assert (k.total, k.kept, k.partly, k.not_kept, k.pending, k.recorded) == (6, 2, 1, 1, 2, 4)
    assert k.share == pytest.approx(0.5)


def test_no_outcome_recorded_means_no_share_not_zero():
    assert review.kept(["", ""]).share is None
    assert review.kept([]).share is None
    assert review.kept(["not_kept"]).share == 0.0


def test_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="maybe"):
        review.kept(["maybe"])
