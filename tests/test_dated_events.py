"""Tests for sim.billing.DatedEvents: a period's events without scanning every account."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.billing import DatedEvents

N_ACCOUNTS = 12
LAST = 15

# A run of periods; in each, some accounts get a new event period, shared by the group.
writes = st.lists(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, N_ACCOUNTS - 1), max_size=5, unique=True),
            st.integers(1, LAST + 5),
        ),
        max_size=3,
    ),
    min_size=1,
    max_size=LAST,
)


@given(writes)
@settings(max_examples=200, deadline=None)
def test_due_is_every_account_whose_stored_period_is_now(
    run: list[list[tuple[list[int], int]]],
) -> None:
    stored = np.zeros(N_ACCOUNTS, dtype=np.int32)
    events = DatedEvents(stored)
    for t, period_writes in enumerate(run, start=1):
        np.testing.assert_array_equal(events.due(t), np.flatnonzero(stored == t))
        for accounts, ahead in period_writes:
            acc = np.array(accounts[::-1], dtype=np.int64)  # set in any order
            events.set(acc, t + ahead)  # events lie ahead


def test_an_account_moved_to_another_period_is_due_only_there() -> None:
    stored = np.zeros(4, dtype=np.int32)
    events = DatedEvents(stored)
    events.set(np.array([1, 2]), 5)
    events.set(np.array([2]), 7)  # renewed: moved on
    assert events.due(5).tolist() == [1]
    assert events.due(6).tolist() == []
    assert events.due(7).tolist() == [2]
    assert events.due(7).tolist() == []  # each period is taken once
