"""Rules of the review of a cycle: which rows it covers."""

from cospiral.domain import review


def test_scope_covers_the_cycle_and_rows_without_a_cycle():
    assert review.in_scope(2, 2)
    assert review.in_scope(None, 2)
    assert review.in_scope(0, 0)
    assert not review.in_scope(1, 2)
    assert not review.in_scope(0, 1)
