"""The co-responsibility plan's rules (cospiral.domain.plan), without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from cospiral.domain import plan
from cospiral.domain.plan import Node

# --- Status and progress ---------------------------------------------------------------------

@pytest.mark.parametrize("status,measured,expected", [
    ("proposed", 40, None), ("selected", None, None), ("planned", 30, 0), ("planned", None, 0),
    ("running", 35, 35), ("running", None, None), ("running", 0, 0), ("done", 20, 100),
    ("done", None, 100), ("abandoned", 60, 60),
])
def test_progress_for_each_status(status, measured, expected):
    assert plan.progress_for(status, measured) == expected


def test_progress_values_are_checked():
    with pytest.raises(plan.PlanError):
        plan.progress_for("running", 101)
    with pytest.raises(plan.PlanError):
        plan.progress_for("running", -1)
    with pytest.raises(plan.PlanError):
        plan.progress_for("running", 12.5)
    with pytest.raises(plan.PlanError):
        plan.progress_for("running", True)
    with pytest.raises(plan.PlanError) as error:
        plan.progress_for("paused", 10)
    assert error.value.field == "status"


def test_status_fixes_progress():
    assert [s for s in plan.STATUSES if plan.status_fixes_progress(s)] == [
        "proposed", "selected", "planned", "done"]


# --- Roll-up ------------------------------------------------------------------------------------

def test_leaf_shows_its_own_progress_and_not_measured_stays_none():
    assert plan.rollup(Node("a", "running", 40)).progress == 40
    r = plan.rollup(Node("a", "running", None))
    assert r.progress is None and r.own and not r.is_measured


def test_parent_is_the_mean_of_measured_children_not_measured_apart():
    parent = Node("p", "running", 90, (
        Node("a", "running", 20), Node("b", "done", 100), Node("c", "selected", None),
        Node("d", "abandoned", 0),
    ))
    r = plan.rollup(parent)
    assert r.progress == 60.0  # (20 + 100) / 2: the parent's own 90 is not used
    assert (r.measured, r.not_measured, r.abandoned, r.own) == (2, 1, 1, False)
    assert r.counted == 3


def test_zero_is_measured_and_differs_from_not_measured():
    r = plan.rollup(Node("p", "running", None, (Node("a", "planned", 0), Node("b", "proposed", None))))
    assert r.progress == 0.0 and r.is_measured
    assert (r.measured, r.not_measured) == (1, 1)


def test_all_children_not_measured_gives_not_measured():
    r = plan.rollup(Node("p", "running", 50, (Node("a", "running", None), Node("b", "proposed", None))))
    assert r.progress is None and r.not_measured == 2 and not r.own


def test_only_abandoned_children_falls_back_to_own_progress():
    r = plan.rollup(Node("p", "running", 30, (Node("a", "abandoned", 80),)))
    assert r.progress == 30.0 and r.own and r.abandoned == 1


def test_rollup_is_recursive_children_weighted_equally():
    # Sub-action rolled up first: b = mean(0, 100) = 50; parent = mean(a=10, b=50) = 30.
    tree = Node("p", "running", None, (
        Node("a", "running", 10),
        Node("b", "running", 99, (Node("b1", "planned", 0), Node("b2", "done", None))),
    ))
    r = plan.rollup(tree)
    assert r.children[1].progress == 50.0
    assert r.progress == 30.0


def test_tree_from_flat_rows_and_cycles_left_out():
    rows = [(1, None, "running", 10), (2, 1, "done", 100), (3, 2, "running", 0),
            (4, 5, "running", 1), (5, 4, "running", 2), (6, 99, "planned", 0)]
    roots = plan.tree(rows)
    assert [n.key for n in roots] == [1, 6]  # 4 and 5 form a cycle: no root reaches them
    assert roots[0].children[0].children[0].key == 3


# --- Hierarchy -----------------------------------------------------------------------------------

def test_cycle_path():
    parent_of = {1: None, 2: 1, 3: 2, 4: None}
    assert plan.cycle_path(1, 3, parent_of) == [3, 2, 1]
    assert plan.cycle_path(2, 2, parent_of) == [2]
    assert plan.cycle_path(3, 1, parent_of) is None
    assert plan.cycle_path(1, 4, parent_of) is None
    assert plan.cycle_path(1, None, parent_of) is None
    # An existing loop elsewhere does not hang the check.
    assert plan.cycle_path(9, 5, {5: 6, 6: 5, 9: None}) is None


# --- Demonstrative ----------------------------------------------------------------------------------

def test_demonstrative_needs_all_four_tests():
    all_four = dict.fromkeys(plan.DEMONSTRATIVE_TESTS, True)
    assert plan.demonstrative(all_four).demonstrative
    verdict = plan.demonstrative({"starts_at_once": True, "quick_results": False,
                                  "addresses_extreme": True})
    assert not verdict.demonstrative
    assert verdict.failed == ("quick_results",)  # assessed False
    assert verdict.not_assessed == ("crosses_barriers",)  # not given: not assessed
    assert verdict.passed == ("starts_at_once", "addresses_extreme")
    with pytest.raises(KeyError):
        plan.demonstrative({"cheap": True})


def test_not_assessed_is_never_failed():
    verdict = plan.demonstrative({"starts_at_once": True, "quick_results": None,
                                  "crosses_barriers": False})
    assert verdict.passed == ("starts_at_once",) and verdict.failed == ("crosses_barriers",)
    assert verdict.not_assessed == ("quick_results", "addresses_extreme")
    assert not verdict.demonstrative
    nothing = plan.demonstrative({})
    assert nothing.failed == () and len(nothing.not_assessed) == 4 and not nothing.demonstrative


# --- Comparison grid ---------------------------------------------------------------------------------

def test_comparison_grid_ranks_with_the_evaluation_rule():
    keys = ["garden", "bus", "idea"]
    items = [
        ("garden", dict(zip(plan.ev.QUESTIONS, (4, 4, 4, 4, 4), strict=True)), ["A", "B"],
         dict.fromkeys(plan.DEMONSTRATIVE_TESTS, True)),
        ("bus", dict(zip(plan.ev.QUESTIONS, (2, 2, 2, 2, 2), strict=True)), ["B"], {}),
        ("idea", {}, [], {"starts_at_once": True}),
    ]
    rows = plan.comparison_grid(items)
    assert [r.key for r in rows] == keys
    assert [r.ranked.rank for r in rows] == [1, 2, None]
    assert rows[0].ranked.total == 100.0 and rows[1].ranked.total == 50.0
    assert rows[0].ranked.families == ("A", "B")
    assert rows[0].demonstrative.demonstrative and not rows[2].demonstrative.demonstrative
    # The idea's three other tests were never given: not assessed, not failed.
    assert rows[2].demonstrative.failed == () and len(rows[2].demonstrative.not_assessed) == 3


# --- Commitments kept ---------------------------------------------------------------------------------

def test_kept_share_with_pending_apart():
    k = plan.kept(["kept", "partly", "not_kept", "", None])
    assert (k.kept, k.partly, k.not_kept, k.pending) == (1, 1, 1, 2)
    assert k.share == 50.0 and k.with_outcome == 3 and k.total == 5
    assert plan.kept([None, ""]).share is None
    assert plan.kept(["kept", "kept", "partly"]).share == 83.3
    with pytest.raises(plan.PlanError):
        plan.kept(["maybe"])


def test_kept_by_party_keeps_first_appearance_order():
    result = plan.kept_by_party([("town", "kept"), ("club", None), ("town", "not_kept")])
    assert list(result) == ["town", "club"]
    assert result["town"].share == 50.0
    assert result["club"].share is None and result["club"].pending == 1


# --- Reviews --------------------------------------------------------------------------------------------

def test_review_due_within_seven_days_unless_closed():
    today = dt.date(2026, 5, 10)
    assert plan.review_due(dt.date(2026, 5, 17), "running", today)
    assert not plan.review_due(dt.date(2026, 5, 18), "running", today)
    assert plan.review_due(dt.date(2026, 4, 1), "planned", today)
    assert plan.review_overdue(dt.date(2026, 4, 1), "planned", today)
    assert not plan.review_overdue(dt.date(2026, 5, 10), "planned", today)
    assert not plan.review_due(dt.date(2026, 5, 11), "done", today)
    assert not plan.review_due(dt.date(2026, 5, 11), "abandoned", today)
    assert not plan.review_due(None, "running", today)
    assert plan.review_horizon(today) == dt.date(2026, 5, 17)


# --- Targets and poor results ---------------------------------------------------------------------------

@pytest.mark.parametrize("measure,value,ok", [
    ("score", 0, True), ("score", 100, True), ("score", 100.5, False),
    ("high_share", 55.5, True), ("low_share", -1, False), ("median", 1, True),
    ("median", 5, True), ("median", 0, False), ("median", 6, False), ("score", "abc", False),
    ("score", float("nan"), False),
])
def test_measure_ranges(measure, value, ok):
    if ok:
        assert plan.check_measure_value(measure, value) == float(value)
    else:
        with pytest.raises(plan.PlanError):
            plan.check_measure_value(measure, value)


def test_target_direction():
    assert plan.target_direction_ok("high_share", 30, 50)
    assert not plan.target_direction_ok("high_share", 30, 20)
    assert plan.target_direction_ok("low_share", 40, 20)
    assert not plan.target_direction_ok("low_share", 40, 60)
    assert plan.target_direction_ok("median", None, 1)


def test_poorest_by_share_at_levels_1_2():
    rows = plan.poorest([("A", 20.0), ("B", None), ("C", 61.26), ("D", 20.0)])
    assert [(p.key, p.low_share) for p in rows] == [("C", 61.3), ("A", 20.0), ("D", 20.0)]
    assert [p.key for p in plan.poorest([("A", 1.0), ("B", 2.0)], limit=1)] == ["B"]


# --- Follow-up of targets ----------------------------------------------------------------------

@pytest.mark.parametrize("measure,value,target,expected", [
    ("high_share", 45.0, 45.0, True), ("high_share", 44.9, 45.0, False),
    ("score", 60.0, 55.0, True), ("median", 3.0, 4.0, False),
    ("low_share", 20.0, 25.0, True), ("low_share", 30.0, 25.0, False),
    ("low_share", None, 25.0, None),
])
def test_target_reached_in_the_measures_better_direction(measure, value, target, expected):
    assert plan.target_reached(measure, value, target) is expected


def test_target_reached_refuses_unknown_measures():
    with pytest.raises(plan.PlanError):
        plan.target_reached("mean", 3.0, 4.0)


@pytest.mark.parametrize("measure,before,after,expected", [
    ("high_share", 30.0, 40.0, "better"), ("high_share", 40.0, 30.0, "worse"),
    ("low_share", 40.0, 30.0, "better"), ("low_share", 30.0, 40.0, "worse"),
    ("median", 3.0, 3.0, "same"), ("score", None, 40.0, None),
])
def test_change_direction(measure, before, after, expected):
    assert plan.change_direction(measure, before, after) == expected
