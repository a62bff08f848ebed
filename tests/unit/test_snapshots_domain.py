"""Suppression that holds over time (issue 13): an attacker who keeps two published
snapshots of a wave and subtracts them, or subtracts the shown cells from the totals,
never recovers a cell with fewer answers than the threshold. No database."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cospiral.domain import scoring
from cospiral.domain import snapshots as snap
from cospiral.domain.scoring import LEVEL_SLOTS, LOWEST_CODE, N_CODES

KEYS = [("age_band", 0, 3), ("gender", 1, 2)]
J = 2


def one_hot(rows):
    """``rows``: (profile codes, level codes) per respondent → cell counts, profiles."""
    counts = np.zeros((len(rows), J, N_CODES), dtype=np.int64)
    profiles = np.zeros((len(rows), len(KEYS)), dtype=np.int64)
    for r, (profile, levels) in enumerate(rows):
        profiles[r] = profile
        for j, code in enumerate(levels):
            counts[r, j, code - LOWEST_CODE] = 1
    return counts, profiles


def view(t: snap.Tables, hidden: snap.Hidden):
    """What an observer downloads: every shown cell's counts, None for a hidden one."""
    columns = {None: [t.overall[None], hidden.overall[None]]}
    columns.update({key: [t.by_key[key], hidden.by_key[key]] for key in t.by_key})
    return {key: [[None if mask[r, j] else table[r, j] for j in range(J)] for r in range(len(table))]
            for key, (table, mask) in columns.items()}


def attack(views, truths):
    """Bounds on every hidden cell × code from the totals of each snapshot, the shown
    cells of every snapshot and the knowledge that counts only rise from one snapshot
    to the next. Returns the cells pinned exactly: ``(snapshot, key, row, j)``."""
    pinned = []
    keys = [k for k in views[0] if k is not None]
    for key in keys:
        rows = len(views[0][key])
        for j in range(J):
            for code in range(N_CODES):
                lo = np.zeros((len(views), rows))
                hi = np.full((len(views), rows), np.inf)
                margin = [None] * len(views)
                for s, v in enumerate(views):
                    total = v[None][0][j]
                    if total is not None:
                        margin[s] = float(total[code])
                        hi[s] = margin[s]
                    for r in range(rows):
                        cell = v[key][r][j]
                        if cell is not None:
                            lo[s, r] = hi[s, r] = float(cell[code])
                for _round in range(20):
                    before = (lo.copy(), hi.copy())
                    for s in range(len(views)):
                        if margin[s] is not None:
                            for r in range(rows):
                                others_lo = lo[s].sum() - lo[s, r]
                                others_hi = hi[s].sum() - hi[s, r]
                                hi[s, r] = min(hi[s, r], margin[s] - others_lo)
                                lo[s, r] = max(lo[s, r], margin[s] - others_hi)
                    for s in range(1, len(views)):
                        lo[s] = np.maximum(lo[s], lo[s - 1])
                        hi[s - 1] = np.minimum(hi[s - 1], hi[s])
                    if np.array_equal(before[0], lo) and np.array_equal(before[1], hi):
                        break
                for s in range(len(views)):
                    for r in range(rows):
                        if views[s][key][r][j] is None and lo[s, r] == hi[s, r]:
                            pinned.append((s, key, r, j, code))
    recovered = []
    for s in range(len(views)):
        for key in keys:
            for r in range(len(views[s][key])):
                for j in range(J):
                    if views[s][key][r][j] is not None:
                        continue
                    codes = {c for (s2, k2, r2, j2, c) in pinned if (s2, k2, r2, j2) == (s, key, r, j)}
                    level_codes = set(range(LEVEL_SLOTS.start, N_CODES))
                    n = int(truths[s].by_key[key][r, j][LEVEL_SLOTS].sum())
                    if level_codes <= codes:
                        recovered.append((s, key, r, j, n))
    return recovered


respondent = st.tuples(
    st.tuples(st.integers(-1, 2), st.integers(-1, 1)),
    st.tuples(*[st.sampled_from([-2, -1, 0, 1, 2, 3, 4, 5])] * J))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(respondent, min_size=0, max_size=30),
       later=st.lists(st.lists(respondent, min_size=0, max_size=25), min_size=1, max_size=3),
       threshold=st.sampled_from([2, 3, 5]))
def test_no_cell_under_the_threshold_can_be_recovered_from_published_snapshots(first, later, threshold):
    rows = list(first)
    counts, profiles = one_hot(rows)
    t = snap.tables(counts, profiles, KEYS)
    hidden = snap.hidden_of(t, threshold)
    published = [(t, hidden)]
    for batch in later:
        rows = rows + list(batch)
        counts, profiles = one_hot(rows)
        new = snap.tables(counts, profiles, KEYS)
        old_t, old_hidden = published[-1]
        new_hidden = snap.hidden_of(new, threshold, forced=old_hidden)
        if not snap.problems(old_t, old_hidden, new, new_hidden, threshold):
            published.append((new, new_hidden))
            # Hidden cells stay hidden.
            for key in new.by_key:
                assert not (old_hidden.by_key[key] & ~new_hidden.by_key[key]).any()
            assert not (old_hidden.overall & ~new_hidden.overall).any()
    views = [view(t, h) for t, h in published]
    truths = [t for t, _h in published]
    # 1. Every shown figure of one snapshot has at least the threshold of valid answers.
    for t, h in published:
        n_overall = t.overall[:, LEVEL_SLOTS].sum(-1)
        assert (h.overall | (n_overall >= threshold)).all()
        for key, table in t.by_key.items():
            n = table[..., LEVEL_SLOTS].sum(-1)
            empty = table.sum(-1) == 0
            assert (h.by_key[key] | empty | (n >= threshold)).all()
    # 2. The difference of two snapshots' shown cells is nothing or a big enough cell.
    for a in range(len(views)):
        for b in range(a + 1, len(views)):
            for key in views[a]:
                for r, row in enumerate(views[a][key]):
                    for j, cell in enumerate(row):
                        other = views[b][key][r][j]
                        if cell is None or other is None:
                            continue
                        delta = np.asarray(other) - np.asarray(cell)
                        assert (delta == 0).all() or delta[LEVEL_SLOTS].sum() >= threshold, (a, b, key, r, j)
    # 3. Totals minus shown cells, across every snapshot: no small hidden cell pinned.
    for s, key, r, j, n in attack(views, truths):
        assert n == 0 or n >= threshold, (s, key, r, j, n)


def test_the_attack_of_the_issue_is_refused():
    """An open wave: results downloaded, one answer arrives, downloaded again. Without
    snapshots the two breakdowns differ by one person's answers; the rule refuses that
    second publication."""
    base = [((0, 0), (3, 3))] * 6 + [((1, 0), (4, 4))] * 6 + [((2, 1), (2, 2))] * 2
    counts, profiles = one_hot(base)
    t1 = snap.tables(counts, profiles, KEYS)
    h1 = snap.hidden_of(t1, 5)
    counts, profiles = one_hot(base + [((0, 1), (1, 5))])
    t2 = snap.tables(counts, profiles, KEYS)
    h2 = snap.hidden_of(t2, 5, forced=h1)
    found = snap.problems(t1, h1, t2, h2, 5)
    assert found and {p.kind for p in found} == {"small_change"}
    assert any(p.key is None and p.change == 1 for p in found)
    # Five more answers in that group and the overall: allowed.
    counts, profiles = one_hot(base + [((0, 1), (1, 5))] * 5)
    t3 = snap.tables(counts, profiles, KEYS)
    h3 = snap.hidden_of(t3, 5, forced=h1)
    assert not [p for p in snap.problems(t1, h1, t3, h3, 5) if p.kind == "small_change" and p.key is None]


def test_a_withdrawn_answer_is_a_decrease():
    counts, profiles = one_hot([((0, 0), (3, 3))] * 8)
    t1 = snap.tables(counts, profiles, KEYS)
    counts, profiles = one_hot([((0, 0), (3, 3))] * 7)
    t2 = snap.tables(counts, profiles, KEYS)
    h1 = snap.hidden_of(t1, 5)
    found = snap.problems(t1, h1, t2, snap.hidden_of(t2, 5, forced=h1), 5)
    assert {p.kind for p in found} == {"decrease"}


@settings(max_examples=100, deadline=None)
@given(first=st.lists(respondent, min_size=1, max_size=30),
       more=st.lists(respondent, min_size=0, max_size=30))
def test_hidden_cells_equal_the_engine_masks(first, more):
    """``hidden_of`` and ``scoring.score_cells`` hide the same cells, forced ones included."""
    counts, profiles = one_hot(first)
    h1 = snap.hidden_of(snap.tables(counts, profiles, KEYS), 3)
    counts, profiles = one_hot(first + more)
    t2 = snap.tables(counts, profiles, KEYS)
    h2 = snap.hidden_of(t2, 3, forced=h1)
    sizes = np.ones(len(counts), dtype=np.int64)
    for key, column, k in KEYS:
        s = scoring.score_cells(counts, sizes, cell_profile=profiles[:, column],
                                profile_labels=[str(i) for i in range(k)], threshold=3,
                                forced_cells=h1.by_key[key], forced_overall=h1.overall)
        mask = h2.by_key[key] if (profiles[:, column] == -1).any() else h2.by_key[key][:-1]
        assert np.array_equal(s.breakdown.distribution.suppressed, mask)
        assert np.array_equal(s.overall.suppressed, h2.overall)
    data = h2.to_json()
    back = snap.Hidden.from_json(data, J, {key: k for key, _c, k in KEYS})
    assert np.array_equal(back.overall, h2.overall)
    for key in h2.by_key:
        assert np.array_equal(back.by_key[key], h2.by_key[key])
