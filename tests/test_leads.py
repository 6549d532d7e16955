"""Tests for sim.sales.leads: each source takes its first eligible, untaken draws in order."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.sales import leads
from sim.sales.leads import pick_first_eligible


def sequential(
    draws: list[list[int]], wanted: list[int], eligible: list[list[bool]]
) -> list[list[int]]:
    """The rule written out one draw at a time."""
    taken: set[int] = set()
    out: list[list[int]] = []
    for d, k, e in zip(draws, wanted, eligible, strict=True):
        mine: list[int] = []
        for account, may in zip(d, e, strict=True):
            if len(mine) < k and may and account not in taken:
                taken.add(account)
                mine.append(account)
        out.append(mine)
    return out


@st.composite
def sources(draw: st.DrawFn) -> tuple[list[list[int]], list[int], list[list[bool]]]:
    n_accounts = draw(st.integers(1, 12))  # few accounts: sources often draw the same ones
    n_sources = draw(st.integers(0, 5))
    draws = [draw(st.lists(st.integers(0, n_accounts - 1), max_size=10)) for _ in range(n_sources)]
    wanted = [draw(st.integers(0, 4)) for _ in range(n_sources)]
    ineligible = draw(st.sets(st.integers(0, n_accounts - 1)))
    eligible = [[a not in ineligible for a in d] for d in draws]
    return draws, wanted, eligible


@given(sources())
@settings(max_examples=400, deadline=None)
def test_matches_the_sequential_rule(
    case: tuple[list[list[int]], list[int], list[list[bool]]],
) -> None:
    draws, wanted, eligible = case
    expected = sequential(draws, wanted, eligible)
    # Both ways of computing it: the loop for few draws, the arrays for many.
    for threshold in (leads.SEQUENTIAL_DRAWS, -1):
        with mock.patch.object(leads, "SEQUENTIAL_DRAWS", threshold):
            got = pick_first_eligible(
                [np.array(d, dtype=np.int64) for d in draws],
                wanted,
                [np.array(e, dtype=bool) for e in eligible],
            )
        assert [g.tolist() for g in got] == expected


def test_an_earlier_source_keeps_a_shared_account() -> None:
    for threshold in (leads.SEQUENTIAL_DRAWS, -1):
        with mock.patch.object(leads, "SEQUENTIAL_DRAWS", threshold):
            got = pick_first_eligible(
                [np.array([5, 6]), np.array([5, 7])], [2, 2], [np.ones(2, bool), np.ones(2, bool)]
            )
        assert [g.tolist() for g in got] == [[5, 6], [7]]
