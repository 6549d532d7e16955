"""Tests for sim.analysis.inequality."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.inequality import gini, top_share

nonneg_lists = st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=200)


def test_gini_empty_and_zero() -> None:
    assert gini([]) == 0.0
    assert gini(np.zeros(10)) == 0.0


@pytest.mark.parametrize("n", [1, 2, 5, 37])
def test_gini_equal_values_is_zero(n: int) -> None:
    assert gini(np.full(n, 3.5)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 5, 37, 200])
def test_gini_single_holder(n: int) -> None:
    values = np.zeros(n)
    values[n // 2] = 42.0
    assert gini(values) == pytest.approx((n - 1) / n, abs=1e-12)


def test_gini_known_value() -> None:
    # Sorted [1, 2, 3]: 2*(1+4+9)/(3*6) - 4/3 = 28/18 - 24/18 = 2/9.
    assert gini([3, 1, 2]) == pytest.approx(2 / 9)


def test_negative_values_rejected() -> None:
    with pytest.raises(ValueError):
        gini([1.0, -1.0])
    with pytest.raises(ValueError):
        top_share([1.0, -1.0])


@settings(max_examples=200, deadline=None)
@given(values=nonneg_lists)
def test_gini_in_unit_interval(values: list[float]) -> None:
    g = gini(values)
    assert 0.0 <= g < 1.0


def test_top_share_empty_and_zero() -> None:
    assert top_share([]) == 0.0
    assert top_share([0.0, 0.0]) == 0.0


@pytest.mark.parametrize("n", [1, 3, 5, 10, 15, 23, 100])
def test_top_share_of_equal_values(n: int) -> None:
    expected_k = -(-n // 5)  # exact ceil(0.2 * n), free of float rounding
    assert top_share(np.ones(n), 0.2) == pytest.approx(expected_k / n)


def test_top_share_known_value() -> None:
    # Top ceil(0.2*10)=2 of 1..10 hold (10+9)/55.
    assert top_share(np.arange(1, 11), 0.2) == pytest.approx(19 / 55)
    assert top_share([5.0, 0.0, 0.0], 0.2) == 1.0


@settings(max_examples=200, deadline=None)
@given(values=nonneg_lists, fraction=st.floats(0.01, 1.0))
def test_top_share_bounds(values: list[float], fraction: float) -> None:
    s = top_share(values, fraction)
    if sum(values) == 0.0:
        assert s == 0.0
    else:
        # The top k = ceil(fraction*n) values hold at least k/n >= fraction of the total.
        assert fraction - 1e-9 <= s <= 1.0
