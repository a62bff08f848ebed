import datetime as dt

import pytest

from cospiral.domain import network as rules

TODAY = dt.date(2026, 11, 25)


def status(signed=2, current=2, review=dt.date(2027, 6, 1), today=TODAY):
    return rules.signature_status(signed_version=signed, current_version=current,
                                  review_on=review, today=today)


def test_signature_status():
    assert status() == rules.SIGNED
    assert status(review=TODAY + dt.timedelta(days=60)) == rules.REVIEW_DUE
    assert status(review=TODAY + dt.timedelta(days=61)) == rules.SIGNED
    assert status(review=TODAY) == rules.REVIEW_DUE
    assert status(review=TODAY - dt.timedelta(days=1)) == rules.REVIEW_OVERDUE
    # An older version outranks the review dates.
    assert status(signed=1, current=2, review=TODAY - dt.timedelta(days=1)) == rules.OLDER_VERSION
    assert status(signed=1, current=None) == rules.SIGNED


def test_signature_dates():
    ok = dict(signed_on=TODAY, review_on=TODAY + dt.timedelta(days=1), today=TODAY,
              published_on=TODAY)
    rules.check_signature_dates(**ok)
    with pytest.raises(rules.NetworkRuleError) as e:
        rules.check_signature_dates(**{**ok, "signed_on": TODAY + dt.timedelta(days=1),
                                       "review_on": TODAY + dt.timedelta(days=9)})
    assert e.value.code == "signed_in_future" and e.value.field == "signed_on"
    with pytest.raises(rules.NetworkRuleError) as e:
        rules.check_signature_dates(**{**ok, "review_on": TODAY})
    assert e.value.code == "review_not_after_signature" and e.value.field == "review_on"
    with pytest.raises(rules.NetworkRuleError) as e:
        rules.check_signature_dates(**{**ok, "published_on": TODAY + dt.timedelta(days=1)})
    assert e.value.code == "signed_before_published"
    assert e.value.params["published"] == "2026-11-26"


def test_choice_of_territories():
    members = ["a", "b", "c"]
    assert rules.check_choice(["b", "a"], members) == ["b", "a"]
    with pytest.raises(rules.NetworkRuleError) as e:
        rules.check_choice(["a", "b", "a"], members)
    assert e.value.code == "duplicate_territories" and e.value.params["identifiers"] == "a"
    with pytest.raises(rules.NetworkRuleError) as e:
        rules.check_choice(["a", "zz"], members)
    assert e.value.code == "not_members" and e.value.params["identifiers"] == "zz"
    with pytest.raises(rules.NetworkRuleError) as e:
        rules.check_choice(["a"], members)
    assert e.value.code == "count" and e.value.params["count"] == 1
    with pytest.raises(rules.NetworkRuleError):
        rules.check_choice([str(i) for i in range(9)], [str(i) for i in range(9)])


def test_same_grid_names_versions():
    assert rules.same_grid({"a": "v1", "b": "v1"}).comparable
    check = rules.same_grid({"a": "v1", "b": "v2", "c": "v1"})
    assert not check.comparable
    assert check.versions == {"v1": ["a", "c"], "v2": ["b"]}


def test_next_version():
    assert rules.next_version([]) == 1
    assert rules.next_version([1, 3, 2]) == 4


def test_check_mapping_names_line_and_column():
    rows = [(2, "A01", "A01"), (3, "A02", "A01"), (4, "A01", "A03"), (5, "Z9", "A01"),
            (6, "B01", "Q7"), (7, "", "A01")]
    problems = rules.check_mapping(rows, {"A01", "A02", "B01"}, {"A01", "A03"})
    assert [(p.line, p.column, p.code, p.value) for p in problems] == [
        (4, "from_code", "duplicate_from", "A01"),
        (5, "from_code", "unknown_from", "Z9"),
        (6, "to_code", "unknown_to", "Q7"),
        (7, "from_code", "empty", ""),
    ]
    assert rules.check_mapping(rows[:2], {"A01", "A02"}, {"A01"}) == []


def test_translate_and_missing_mappings():
    mapping = {"A02": "A01"}
    assert rules.translate("A02", same_version=False, mapping=mapping) == "A01"
    assert rules.translate("A05", same_version=False, mapping=mapping) is None
    assert rules.translate("A05", same_version=True, mapping=mapping) == "A05"
    assert rules.missing_mappings([1, 2, 3], 1, {(2, 1)}) == [3]
    assert rules.missing_mappings([1, 1], 1, set()) == []


def test_charter_dates_past_allowed_never_future_nor_before_the_previous_version():
    from cospiral.domain.network import NetworkRuleError, check_charter_date

    today = dt.date(2026, 12, 2)
    check_charter_date(published_on=dt.date(2009, 3, 1), today=today)
    check_charter_date(published_on=dt.date(2012, 1, 10), today=today,
                       previous=dt.date(2012, 1, 10))
    with pytest.raises(NetworkRuleError) as error:
        check_charter_date(published_on=dt.date(2026, 12, 3), today=today)
    assert error.value.code == "charter_in_future" and error.value.field == "published_on"
    with pytest.raises(NetworkRuleError) as error:
        check_charter_date(published_on=dt.date(2008, 1, 1), today=today,
                           previous=dt.date(2009, 3, 1))
    assert error.value.params == {"date": "2008-01-01", "previous": "2009-03-01"}
