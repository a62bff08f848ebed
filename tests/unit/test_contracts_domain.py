"""The contract state machine, its conditions, attendance rates and commitments kept."""

from __future__ import annotations

import datetime as dt

import pytest

from cospiral.domain import contracts as c
from cospiral.domain import plan

TODAY = dt.date(2026, 11, 1)


def party(i, kind=c.BENEFICIARY, *, signed=True, project=True, commitments=1, exit=False):
    return c.Party(id=i, kind=kind, name=f"{kind}-{i}",
                   signed_on=dt.date(2026, 9, 1) if signed else None,
                   has_project=project, commitments=commitments, has_exit=exit)


def ready_draft(**kw):
    facts = c.ContractFacts(
        status=c.DRAFT,
        parties=[party(1), party(2), party(3, c.PROVIDER, project=False),
                 party(4, c.CITY, project=False, commitments=0)],
        starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 6, 30))
    for k, v in kw.items():
        setattr(facts, k, v)
    return facts


def codes(reasons):
    return [r.code for r in reasons]


def test_transition_table():
    assert c.TRANSITIONS == {
        "draft": ("signed",), "signed": ("running",), "running": ("reviewed", "closed"),
        "reviewed": ("running", "closed"), "closed": ()}
    for status in c.STATUSES:
        for target in c.STATUSES:
            assert c.allowed(status, target) == (target in c.TRANSITIONS[status])


@pytest.mark.parametrize("status,target", [
    ("draft", "running"), ("draft", "closed"), ("signed", "draft"), ("closed", "running"),
    ("running", "draft"), ("reviewed", "reviewed"), ("signed", "closed"), ("draft", "bogus")])
def test_illegal_steps_are_refused_with_one_reason(status, target):
    facts = ready_draft(status=status)
    reasons = c.refusals(facts, target, TODAY)
    assert codes(reasons) == ["not_allowed"]
    assert reasons[0].data == {"status": status, "target": target}


def test_a_complete_draft_may_be_signed():
    assert c.refusals(ready_draft(), c.SIGNED, TODAY) == []


def test_signing_lists_every_missing_condition():
    facts = ready_draft(parties=[party(1, project=False, signed=False, commitments=0),
                                 party(2, c.CITY)], starts_on=None)
    reasons = c.refusals(facts, c.SIGNED, TODAY)
    assert codes(reasons) == ["no_provider", "unsigned_party", "no_project", "no_commitment",
                              "no_period"]
    assert reasons[1].data == {"names": "beneficiary-1", "n": 1}
    assert c.refusals(ready_draft(parties=[party(3, c.PROVIDER)]), c.SIGNED, TODAY)[0].code \
        == "no_beneficiary"


def test_signing_needs_an_end_after_the_start():
    facts = ready_draft(ends_on=dt.date(2026, 10, 1))
    assert codes(c.refusals(facts, c.SIGNED, TODAY)) == ["period_order"]


def test_starting_waits_for_the_start_date():
    facts = ready_draft(status=c.SIGNED, starts_on=dt.date(2026, 12, 1))
    reasons = c.refusals(facts, c.RUNNING, TODAY)
    assert codes(reasons) == ["not_started"]
    assert reasons[0].data["starts_on"] == dt.date(2026, 12, 1)
    assert c.refusals(facts, c.RUNNING, dt.date(2026, 12, 1)) == []


def test_review_step_needs_a_review_in_the_current_period():
    facts = ready_draft(status=c.RUNNING, running_since=dt.date(2026, 10, 1))
    assert codes(c.refusals(facts, c.REVIEWED, TODAY)) == ["no_review"]
    facts.latest_review_on = dt.date(2026, 9, 30)  # before this period: does not count
    assert codes(c.refusals(facts, c.REVIEWED, TODAY)) == ["no_review"]
    facts.latest_review_on = dt.date(2026, 10, 1)
    assert c.refusals(facts, c.REVIEWED, TODAY) == []


def test_a_new_period_only_before_the_end():
    facts = ready_draft(status=c.REVIEWED)
    assert c.refusals(facts, c.RUNNING, TODAY) == []
    assert codes(c.refusals(facts, c.RUNNING, dt.date(2027, 7, 1))) == ["period_over"]


@pytest.mark.parametrize("status", [c.RUNNING, c.REVIEWED])
def test_closing_needs_exit_evaluations_and_outcomes(status):
    facts = ready_draft(status=status, pending_commitments=2,
                        parties=[party(1, exit=True), party(2), party(3, c.PROVIDER)])
    reasons = c.refusals(facts, c.CLOSED, TODAY)
    assert codes(reasons) == ["no_exit", "pending_outcome"]
    assert reasons[0].data == {"names": "beneficiary-2", "n": 1}
    assert reasons[1].data == {"n": 2}
    facts.parties = [party(1, exit=True), party(2, exit=True), party(3, c.PROVIDER)]
    facts.pending_commitments = 0
    assert c.refusals(facts, c.CLOSED, TODAY) == []


def test_add_months_clamps_to_the_end_of_the_month():
    assert c.add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert c.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert c.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert c.add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)


def test_review_schedule_and_next_review():
    days = c.review_schedule(dt.date(2026, 10, 1), dt.date(2027, 6, 30), 3)
    assert days == [dt.date(2027, 1, 1), dt.date(2027, 4, 1)]
    assert c.review_schedule(dt.date(2026, 10, 1), None, 3) == []
    assert c.review_schedule(dt.date(2026, 10, 1), dt.date(2027, 6, 30), 0) == []
    assert c.next_review(dt.date(2027, 1, 10), 3, dt.date(2027, 6, 30)) == dt.date(2027, 4, 10)
    assert c.next_review(dt.date(2027, 4, 10), 3, dt.date(2027, 6, 30)) is None
    assert c.next_review(None, 3) is None


def test_attendance_rates_per_party_and_workshop():
    rows = [("budget", "Amel", True), ("budget", "Bruno", False), ("budget", "Chloé", True),
            ("confiance", "Amel", True), ("confiance", "Bruno", False),
            ("individual", "Bruno", True)]
    by_party, by_workshop, overall = c.attendance_rates(rows)
    assert list(by_party) == ["Amel", "Bruno", "Chloé"]
    assert (by_party["Bruno"].present, by_party["Bruno"].expected) == (1, 3)
    assert by_party["Bruno"].rate == pytest.approx(1 / 3)
    assert by_workshop["budget"].rate == pytest.approx(2 / 3)
    assert by_workshop["individual"].rate == 1
    assert (overall.present, overall.expected) == (4, 6)
    empty = c.attendance_rates([])
    assert empty[0] == {} and empty[2].rate is None


def test_commitments_kept_share_excludes_pending():
    kept = c.kept_share(["kept", "partly", "not_kept", "", None, "kept"])
    assert (kept.kept, kept.partly, kept.not_kept, kept.pending) == (2, 1, 1, 2)
    assert kept.share == 62.5 and kept.with_outcome == 4
    assert c.kept_share(["", None]).share is None
    assert c.kept_share(["not_kept"]).share == 0
    with pytest.raises(ValueError):
        c.kept_share(["maybe"])
    assert c.kept_share is plan.kept  # the plan's rule, one rule for the whole product


def test_parse_pseudonyms_names_lines_and_refuses_duplicates():
    from cospiral.domain.contracts import parse_pseudonyms

    parsed = parse_pseudonyms("Amel\n\n  Bruno  Z \nbruno z\nCarla\n\n", existing=["carla"])
    assert parsed.names == [(1, "Amel"), (3, "Bruno Z")]
    assert parsed.empty_lines == [2]  # the trailing empty lines are not listed
    codes = [(r.code, r.data["line"]) for r in parsed.problems]
    assert codes == [("duplicate_line", 4), ("already_party", 5)]
    assert parse_pseudonyms("\n  \n").problems[0].code == "no_name"
    assert parse_pseudonyms("x" * 61, limit=60).problems[0].data == {"line": 1, "n": 61, "max": 60}


def test_amendment_changes_only_what_differs():
    from cospiral.domain.contracts import amendment_changes

    before = {"title": "A", "starts_on": None, "review_every_months": 3}
    after = {"title": "A", "starts_on": "2010-01-04", "review_every_months": 2}
    assert amendment_changes(before, after) == {"starts_on": ["", "2010-01-04"],
                                                "review_every_months": ["3", "2"]}
    assert amendment_changes(after, after) == {}
