"""Tests for sim.market.awareness: Bass awareness probabilities and word-of-mouth shares."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.engine.awareness import rate_to_period
from sim.market.awareness import (
    awareness_probability,
    neighbour_share,
    shares_from_counts,
)


def _group_share(is_customer: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Each account's word-of-mouth share, from per-group counts as the engine keeps them."""
    counts = np.bincount(group, weights=is_customer, minlength=n_groups)
    sizes = np.bincount(group, minlength=n_groups)
    return shares_from_counts(counts, sizes)[group]


@settings(max_examples=150, deadline=None)
@given(
    p=st.floats(0.0, 1.0),
    q=st.floats(0.0, 5.0),
    share=st.floats(0.0, 1.0),
)
def test_probability_is_p_plus_q_share_clipped(p: float, q: float, share: float) -> None:
    prob = float(awareness_probability(p, q, share))
    assert 0.0 <= prob <= 1.0
    assert prob == pytest.approx(min(1.0, p + q * share), rel=1e-12, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(
    p=hnp.arrays(np.float64, 8, elements=st.floats(-0.5, 2.0)),
    q=st.floats(0.0, 10.0),
    share=hnp.arrays(np.float64, 8, elements=st.floats(0.0, 1.0)),
)
def test_probability_is_clipped_to_unit_interval(
    p: np.ndarray, q: float, share: np.ndarray
) -> None:
    prob = awareness_probability(p, q, share)
    assert prob.shape == (8,)
    assert np.all((prob >= 0.0) & (prob <= 1.0))
    inside = (p + q * share >= 0.0) & (p + q * share <= 1.0)
    np.testing.assert_allclose(prob[inside], (p + q * share)[inside], rtol=1e-12)


def test_probability_hand_values() -> None:
    np.testing.assert_allclose(
        awareness_probability(np.array([0.01, 0.02, 0.9]), 0.4, np.array([0.0, 0.5, 0.5])),
        [0.01, 0.22, 1.0],
    )
    assert float(awareness_probability(0.0, 0.0, 0.7)) == 0.0


def test_group_share_hand_made() -> None:
    # Groups: 0 = {0, 1, 2} with one customer, 1 = {3, 4} with two, 2 = {5} with none.
    is_customer = np.array([True, False, False, True, True, False])
    group = np.array([0, 0, 0, 1, 1, 2])
    share = _group_share(is_customer, group, 3)
    np.testing.assert_allclose(share, [1 / 3, 1 / 3, 1 / 3, 1.0, 1.0, 0.0])


def test_group_share_with_an_empty_group_and_whole_market() -> None:
    is_customer = np.array([True, False, False, False])
    # Group 1 is empty: no division by zero, nobody reads it.
    np.testing.assert_allclose(
        _group_share(is_customer, np.array([0, 0, 2, 2]), 3), [0.5] * 2 + [0.0] * 2
    )
    # One group = the whole market: every account sees C / N.
    np.testing.assert_allclose(
        _group_share(is_customer, np.zeros(4, dtype=np.int64), 1), [0.25] * 4
    )


@settings(max_examples=100, deadline=None)
@given(
    data=st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.bool_, n), hnp.arrays(np.int64, n, elements=st.integers(0, 4))
        )
    )
)
def test_group_share_matches_definition(data: tuple[np.ndarray, np.ndarray]) -> None:
    is_customer, group = data
    share = _group_share(is_customer, group, 5)
    for i in range(len(group)):
        members = group == group[i]
        assert share[i] == pytest.approx(is_customer[members].mean(), rel=1e-12)


def test_neighbour_share_hand_made() -> None:
    # 0 – 1, 0 – 2, 1 – 2, 3 isolated; customers: 1 and 2.
    indptr = np.array([0, 2, 4, 6, 6])
    indices = np.array([1, 2, 0, 2, 0, 1])
    is_customer = np.array([False, True, True, False])
    np.testing.assert_allclose(neighbour_share(is_customer, indptr, indices), [1.0, 0.5, 0.5, 0.0])


@settings(max_examples=100, deadline=None)
@given(
    data=st.integers(1, 15).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.bool_, n),
            st.lists(st.lists(st.integers(0, n - 1), max_size=6), min_size=n, max_size=n),
        )
    )
)
def test_neighbour_share_matches_definition(data: tuple[np.ndarray, list[list[int]]]) -> None:
    is_customer, adjacency = data
    indptr = np.concatenate(([0], np.cumsum([len(a) for a in adjacency]))).astype(np.int64)
    indices = np.array([j for a in adjacency for j in a], dtype=np.int64)
    share = neighbour_share(is_customer, indptr, indices)
    for i, nbrs in enumerate(adjacency):
        expected = is_customer[nbrs].mean() if nbrs else 0.0
        assert share[i] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert np.all((share >= 0.0) & (share <= 1.0))


def test_period_probability_is_the_rate_times_the_period_for_weeks() -> None:
    hazard = np.array([0.0, 0.01, 0.3, 0.9, 1.0])
    # Months: the hazard is the probability (the discrete Bass recursion), unchanged.
    np.testing.assert_array_equal(rate_to_period(hazard, 1.0), hazard)
    # Weeks: p and q are rates, so the weekly probability is (p + q·F) · 12/52, not the
    # probability conversion 1 − (1 − r)^(12/52) (0.412 for r = 0.9, against 0.208).
    np.testing.assert_allclose(rate_to_period(hazard, 12 / 52), hazard * 12 / 52, rtol=1e-15)
    assert rate_to_period(np.array([0.9]), 12 / 52)[0] == pytest.approx(0.2076923, rel=1e-6)
    # A month's hazard of 1 over a longer period is still a probability.
    assert rate_to_period(np.array([0.8]), 3.0)[0] == 1.0
