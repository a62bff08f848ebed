"""Reading and writing the plan's table cells, and the whole-hierarchy check
(cospiral.domain.plan_table), without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from cospiral.domain import plan_table as table


def test_columns_hold_the_plan_and_commitment_fields():
    assert table.ACTION_COLUMNS[:3] == ("id", "parent_id", "axis")
    assert {"coverage", "co_responsibility", "demonstrative", "starts_at_once",
            "addresses_extreme", "review_on", "lead", "families"} <= set(table.ACTION_COLUMNS)
    assert set(table.ACTION_REQUIRED) <= set(table.ACTION_COLUMNS)
    assert table.COMMITMENT_COLUMNS[:2] == ("id", "action_id")
    assert set(table.COMMITMENT_REQUIRED) <= set(table.COMMITMENT_COLUMNS)
    assert len(set(table.ACTION_COLUMNS)) == len(table.ACTION_COLUMNS)


@pytest.mark.parametrize("cell,expected", [
    ("", None), ("  ", None), ("0", 0), ("4", 4), ("3.0", 3), ("+2", 2), ("12", 12),
])
def test_whole_numbers(cell, expected):
    assert table.whole(cell) == expected


@pytest.mark.parametrize("cell", ["2.5", "abc", "-1", "1e3", "3,5"])
def test_not_whole_numbers(cell):
    with pytest.raises(table.CellError) as error:
        table.whole(cell)
    assert error.value.code == "whole" and error.value.params["value"] == cell


def test_ranges_and_identifiers():
    assert table.whole("4", low=0, high=4) == 4
    with pytest.raises(table.CellError) as error:
        table.whole("5", low=0, high=4)
    assert error.value.code == "range" and error.value.params["value"] == "5"
    assert table.identifier("") is None
    assert table.identifier("17") == 17
    for bad in ("0", "-3", "x12"):
        with pytest.raises(table.CellError):
            table.identifier(bad)


@pytest.mark.parametrize("cell,expected", [
    ("", None), ("2026-03-31", dt.date(2026, 3, 31)),
    ("2026-03-31T00:00:00", dt.date(2026, 3, 31)), ("2026-03-31 00:00:00", dt.date(2026, 3, 31)),
])
def test_dates(cell, expected):
    assert table.date(cell) == expected


@pytest.mark.parametrize("cell", ["31/03/2026", "2026-3-31", "2026-02-30", "20260331",
                                  "2026-03-31T10:30:00", "tomorrow"])
def test_not_dates(cell):
    with pytest.raises(table.CellError) as error:
        table.date(cell)
    assert error.value.code == "date" and error.value.params["value"] == cell


def test_yes_no():
    assert all(table.boolean(v) for v in ("yes", "YES", "y", "true", "1", "x", "oui"))
    assert not any(table.boolean(v) for v in ("no", "n", "false", "0", "non", "", "  "))
    with pytest.raises(table.CellError) as error:
        table.boolean("maybe")
    assert error.value.code == "yes_no"
    assert table.yes_no(True) == "yes" and table.yes_no(False) == "no"


def test_codes_keep_order_once_each():
    assert table.codes("A B  D") == ["A", "B", "D"]
    assert table.codes("A,B;A") == ["A", "B"]
    assert table.codes("") == []
    assert table.codes_cell(["A", "D"]) == "A D"


def test_formula_protection_round_trips():
    for value in ("=SUM(A1)", "+33 6 12", "-5 % de loyers", "@home", "plain", "'quoted"):
        assert table.text(table.protect(value)) == value
    assert table.protect("=1") == "'=1"
    assert table.protect(12) == 12


def test_cells_written_as_the_reader_reads_them():
    assert table.date(table.date_cell(dt.date(2026, 1, 2))) == dt.date(2026, 1, 2)
    assert table.date_cell(None) == "" and table.number_cell(None) == ""
    assert table.whole(table.number_cell(40)) == 40


def test_cycles_in_the_whole_hierarchy():
    assert table.cycles({1: None, 2: 1, 3: 2}) == []
    found = table.cycles({1: 3, 2: 1, 3: 2, 4: None})
    assert [c.node for c in found] == [1, 2, 3]
    assert found[0].chain == (1, 3, 2, 1)
    own = table.cycles({5: 5})
    assert own[0].chain == (5, 5)
    # A swap of parent and child that ends acyclic is no cycle.
    assert table.cycles({1: 2, 2: None}) == []


def test_root_of():
    parent_of = {1: None, 2: 1, 3: 2, 4: None}
    assert table.root_of(3, parent_of) == 1
    assert table.root_of(4, parent_of) == 4
    with pytest.raises(ValueError):
        table.root_of(1, {1: 2, 2: 1})


def test_changed_keys():
    assert table.changed({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ["b"]
    assert table.changed({"a": 1}, {"a": 1}) == []
