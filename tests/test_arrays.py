"""Tests for sim.arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.arrays import index_ranges, run_starts


@given(st.lists(st.integers(-5, 5), max_size=30))
def test_run_starts_of_sorted_values_give_the_unique_values(values: list[int]) -> None:
    a = np.sort(np.array(values, dtype=np.int64))
    np.testing.assert_array_equal(a[run_starts(a)], np.unique(a))


def test_every_change_of_value_starts_a_run() -> None:
    starts = run_starts(np.array([3, 3, 1, 1, 1, 3]))
    assert starts.tolist() == [True, False, True, False, False, True]
    assert run_starts(np.array([], dtype=np.int64)).tolist() == []


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 4)), max_size=10))
def test_index_ranges_concatenate_each_range(ranges: list[tuple[int, int]]) -> None:
    starts = np.array([s for s, _ in ranges], dtype=np.int64)
    counts = np.array([c for _, c in ranges], dtype=np.int64)
    expected = [i for s, c in ranges for i in range(s, s + c)]
    assert index_ranges(starts, counts).tolist() == expected
