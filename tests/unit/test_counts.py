"""The arithmetic of the statistics pages (``cospiral.domain.counts``), without a
database: each vectorised function against a plain-Python reading of its definition."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cospiral.domain import counts
from cospiral.domain.counts import Catalogue, Cells

small = st.integers(min_value=0, max_value=6)
count = st.integers(min_value=1, max_value=50)


def arr(values) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# One CodingCount row: territory, group, question id, component id (0: none), counted, count.
row = st.tuples(st.sampled_from([3, 7, 11]), st.integers(1, 4), st.sampled_from([100, 200, 300]),
                st.integers(0, 5), st.integers(0, 1), count)


@settings(max_examples=60, deadline=None)
@given(st.lists(row, max_size=60))
def test_summarise_counts_cells_and_per_group_totals(rows):
    data = counts.as_rows(rows)
    index = {100: 0, 200: 1, 300: 2}
    result = counts.summarise(data, index, [3, 7, 11])
    assert sorted(result) == [3, 7, 11]
    for t, summary in result.items():
        mine = [r for r in rows if r[0] == t]
        coded = Counter()
        for _, g, q, c, _counted, n in mine:
            if c > 0:
                coded[(g, index[q], c)] += n
        got = Counter()
        for g, q, c, n in zip(summary.full.group.tolist(), summary.full.question.tolist(),
                              summary.full.component.tolist(), summary.full.count.tolist(),
                              strict=True):
            got[(g, q, c)] += n
        assert got == coded
        assert set(summary.full.territory.tolist()) <= {t}
        entered, counted = defaultdict(int), defaultdict(int)
        for _, g, _q, _c, k, n in mine:
            entered[g] += n
            counted[g] += n * k
        assert summary.groups.tolist() == sorted(entered)
        assert summary.entered.tolist() == [entered[g] for g in sorted(entered)]
        assert summary.counted.tolist() == [counted[g] for g in sorted(entered)]
        assert int(summary.summed.count.sum()) == int(summary.full.count.sum())
        assert summary.rows == len(summary.full) + len(summary.summed) + len(summary.groups)


def test_summarise_of_no_rows_gives_empty_summaries():
    result = counts.summarise(counts.as_rows([]), {}, [5])
    assert len(result[5].full) == 0 and result[5].groups.tolist() == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(small, small, st.integers(1, 9), count), max_size=40))
def test_without_groups_sums_each_question_and_component_once(cells):
    c = Cells(arr([1] * len(cells)), arr([g for g, *_ in cells]), arr([q for _, q, _, _ in cells]),
              arr([k for _, _, k, _ in cells]), arr([n for *_, n in cells]))
    summed = counts.without_groups(c)
    expected = Counter()
    for _, q, k, n in cells:
        expected[(q, k)] += n
    got = dict(zip(zip(summed.question.tolist(), summed.component.tolist(), strict=True),
                   summed.count.tolist(), strict=True))
    assert got == dict(expected)
    assert set(summed.group.tolist()) <= {-1}
    assert list(got) == sorted(expected)  # by question, then component


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 4), st.integers(-1, 3), count), max_size=40))
def test_crosstab_counts_each_cell_and_leaves_out_negative_positions(triples):
    rows, cols, weights = (arr([t[i] for t in triples]) for i in range(3))
    matrix = counts.crosstab(rows, 5, cols, 4, weights)
    expected = np.zeros((5, 4), dtype=np.int64)
    for r, c, n in triples:
        if r >= 0 and c >= 0:
            expected[r, c] += n
    assert matrix.shape == (5, 4)
    assert (matrix == expected).all()


@given(st.lists(st.tuples(st.integers(0, 9), count), max_size=30))
def test_sum_by_adds_each_keys_weights(pairs):
    expected = Counter()
    for k, n in pairs:
        expected[k] += n
    got = counts.sum_by(arr([k for k, _ in pairs]), arr([n for _, n in pairs]))
    assert got == dict(sorted(expected.items()))
    assert list(got) == sorted(expected)


def test_crosstab_of_nothing_is_an_empty_matrix():
    assert counts.crosstab(arr([]), 0, arr([]), 3, arr([])).shape == (0, 3)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.integers(-5, 80_000_000), st.integers(0, 100), max_size=10),
       st.lists(st.integers(-5, 80_000_000), max_size=20))
def test_lookup_finds_each_key_and_minus_one_elsewhere(mapping, values):
    got = counts.map_positions(arr(values), mapping)
    assert got.tolist() == [mapping.get(v, -1) for v in values]


def test_lookup_dense_and_sorted_paths_agree():
    keys, pos = arr([4, 2, 9]), arr([0, 1, 2])
    values = arr([9, 3, 2, 4, 0])
    dense = counts.lookup(keys, pos, values)
    assert dense.tolist() == [2, -1, 1, 0, -1]
    assert counts.lookup(arr([4, 2, 60_000_000]), pos, arr([60_000_000, 2])).tolist() == [2, 1]
    assert counts.lookup(arr([]), arr([]), values).tolist() == [-1] * 5


@given(st.lists(st.integers(0, 30), max_size=30))
def test_present_lists_the_distinct_values_in_order(values):
    assert counts.present(arr(values)) == sorted(set(values))


def test_families_of_keeps_unknown_components_unknown():
    family_of_component = arr([0, 0, 1])
    assert counts.families_of(arr([2, -1, 0, 1]), family_of_component).tolist() == [1, -1, 0, 0]
    assert counts.families_of(arr([-1]), arr([])).tolist() == [-1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), max_size=30),
       st.one_of(st.none(), st.integers(-1, 2)),
       st.lists(st.sets(st.integers(0, 3)), max_size=2))
def test_keep_is_the_plain_filter(pairs, question, group_sets):
    c = Cells(arr([0] * len(pairs)), arr([g for g, _ in pairs]), arr([q for _, q in pairs]),
              arr([1] * len(pairs)), arr(range(1, len(pairs) + 1)))
    kept = counts.keep(c, question=question, groups=[sorted(s) for s in group_sets])
    expected = [i + 1 for i, (g, q) in enumerate(pairs)
                if (question is None or q == question) and all(g in s for s in group_sets)]
    assert kept.count.tolist() == expected
    if len(expected) == len(pairs):
        assert kept is c


def test_count_share_pairs_by_column_with_totals():
    matrix = arr([[1, 0], [3, 0]])
    totals, pairs = counts.by_question(matrix)
    assert totals == [1, 3]
    # Shares of each column (the second is empty: 0, never a division by zero), then the
    # row's total and its share of the whole.
    assert pairs == [[1, 0.25, 0, 0.0, 1, 0.25], [3, 0.75, 0, 0.0, 3, 0.75]]


def test_by_unit_shares_of_the_units_own_total():
    totals, pairs = counts.by_unit(arr([[1, 2], [0, 0]]))
    assert totals == [3, 0]
    assert pairs == [[1, 0.3333, 2, 0.6667], [0, 0.0, 0, 0.0]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=1, max_size=6))
def test_shares_of_each_column_add_up_to_one(rows):
    matrix = arr(rows)
    pairs = counts.column_shares(matrix)
    totals = counts.column_totals(matrix)
    for j in range(3):
        column = [p[2 * j + 1] for p in pairs]
        if totals[j]:
            assert sum(column) == pytest.approx(1.0, abs=1e-3)
        else:
            assert column == [0.0] * len(rows)
        assert [p[2 * j] for p in pairs] == [r[j] for r in rows]
        assert all(isinstance(p[2 * j], int) for p in pairs)
    assert counts.row_totals(matrix) == [sum(r) for r in rows]


def test_per_column_keeps_the_non_zero_cells():
    matrix = arr([[2, 0], [0, 5], [1, 1]])
    assert counts.per_column(matrix, ["a", "b", "c"], ["x", 7]) == {
        "x": {"a": 2, "c": 1}, 7: {"b": 5, "c": 1}}


def test_share_rounds_and_never_divides_by_zero():
    assert counts.share(1, 3) == 0.3333
    assert counts.share(5, 0) == 0.0


def test_cells_concatenate_and_filter():
    a = Cells(arr([1]), arr([2]), arr([0]), arr([9]), arr([4]))
    b = Cells(arr([3]), arr([4]), arr([1]), arr([8]), arr([6]))
    assert counts.Cells.concatenate([]).count.tolist() == []
    assert counts.Cells.concatenate([a]) is a
    both = counts.Cells.concatenate([a, b])
    assert both.territory.tolist() == [1, 3] and len(both) == 2
    assert both.where(np.array([False, True])).count.tolist() == [6]


def test_catalogue_positions_of_entries_and_families():
    cat = Catalogue(families=["A", "B"], components=["A1", "B1", "B2"],
                    labels={}, family_of={"A1": "A", "B1": "B", "B2": "B"},
                    entry_code={10: "A1", 11: "B1", 12: "B2", 13: "B1"})
    assert cat.component_index(arr([13, 10, 99, 12])).tolist() == [1, 0, -1, 2]
    assert cat.component_index(arr([11])).tolist() == [1]  # from the kept table
    assert cat.family_index().tolist() == [0, 1, 1]
