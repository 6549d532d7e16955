"""Tests for sim.program.exclusivity: territory assignment under open and exclusive programs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.program.exclusivity import assign_territories, free_exclusive_territory

WEIGHTS = np.array([0.3, 0.25, 0.25, 0.2])


@settings(max_examples=100, deadline=None)
@given(
    n_terr=st.integers(1, 8),
    holders=st.integers(1, 4),
    data=st.data(),
)
def test_exclusive_never_exceeds_holders(n_terr: int, holders: int, data: st.DataObject) -> None:
    weights = np.array(data.draw(st.lists(st.floats(0.01, 10.0), min_size=n_terr, max_size=n_terr)))
    n_partners = data.draw(st.integers(0, holders * n_terr))
    masks = assign_territories(n_partners, weights, 3, True, holders, np.random.default_rng(0))
    assert len(masks) == n_partners
    for m in masks:
        assert m.shape == (n_terr,)
        assert int(m.sum()) == 1  # an exclusive partner holds one territory
    if masks:
        counts = np.sum(masks, axis=0)
        assert counts.max() <= holders
        # Filled round after round: counts differ by at most one.
        assert counts.max() - counts.min() <= 1


def test_exclusive_fills_heaviest_first() -> None:
    masks = assign_territories(3, np.array([0.1, 0.5, 0.4]), 1, True, 1, np.random.default_rng(0))
    assert [int(np.flatnonzero(m)[0]) for m in masks] == [1, 2, 0]


@pytest.mark.parametrize(("n_partners", "holders"), [(5, 1), (9, 2), (13, 3)])
def test_exclusive_raises_when_too_many(n_partners: int, holders: int) -> None:
    with pytest.raises(ValueError, match="exceed"):
        assign_territories(n_partners, WEIGHTS, 1, True, holders, np.random.default_rng(0))


def test_exclusive_exactly_full_is_allowed() -> None:
    masks = assign_territories(8, WEIGHTS, 1, True, 2, np.random.default_rng(0))
    np.testing.assert_array_equal(np.sum(masks, axis=0), [2, 2, 2, 2])


def test_exclusive_does_not_draw_randomness() -> None:
    rng = np.random.default_rng(3)
    assign_territories(4, WEIGHTS, 1, True, 1, rng)
    np.testing.assert_array_equal(rng.random(3), np.random.default_rng(3).random(3))


@settings(max_examples=100, deadline=None)
@given(
    n_partners=st.integers(0, 30),
    each=st.integers(1, 6),
    seed=st.integers(0, 2**32),
)
def test_open_gives_distinct_territories(n_partners: int, each: int, seed: int) -> None:
    masks = assign_territories(n_partners, WEIGHTS, each, False, 1, np.random.default_rng(seed))
    assert len(masks) == n_partners
    for m in masks:
        assert int(m.sum()) == min(each, len(WEIGHTS))


def test_open_follows_weights() -> None:
    masks = assign_territories(5_000, WEIGHTS, 1, False, 1, np.random.default_rng(1))
    share = np.sum(masks, axis=0) / 5_000
    np.testing.assert_allclose(share, WEIGHTS, atol=0.025)  # ≈ 4 sd


def test_open_ignores_holders() -> None:
    # Open types may crowd one territory beyond any holder count.
    masks = assign_territories(50, np.array([1.0, 0.0]), 1, False, 1, np.random.default_rng(2))
    assert int(np.sum(masks, axis=0)[0]) == 50


def test_free_exclusive_territory() -> None:
    w = np.array([0.2, 0.5, 0.3])
    assert free_exclusive_territory(np.array([0, 0, 0]), 1, w) == 1
    assert free_exclusive_territory(np.array([0, 1, 0]), 1, w) == 2
    assert free_exclusive_territory(np.array([1, 1, 1]), 1, w) is None
    assert free_exclusive_territory(np.array([1, 1, 1]), 2, w) == 1
