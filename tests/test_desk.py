"""Tests for sim.sales.desk: a seller's FIFO queue and slots, run by SimPy or flushed lazily."""

from __future__ import annotations

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.sales.desk import SalesDesk

Arrivals = list[list[float]]  # per period, the cycle lengths of the opportunities won


def _drive(
    arrivals: Arrivals, slots: int | None, lazy: bool, slot_changes: dict[int, int] | None = None
) -> tuple[list[tuple[float, int]], int]:
    """Run a desk the way the model does; return the (time, id) completions and peak load."""
    env = simpy.Environment()
    n_won = 0
    done: list[tuple[float, int]] = []
    peak = 0

    def on_complete(ids: list[int], time: float) -> None:
        nonlocal peak
        peak = max(peak, desk.in_progress + len(ids))
        done.extend((time, i) for i in ids)

    desk = SalesDesk(env, on_complete, slots)
    desk.lazy = lazy
    for period, won in enumerate(arrivals, start=1):
        desk.add(list(range(n_won, n_won + len(won))), won)
        n_won += len(won)
        peak = max(peak, desk.in_progress)
        env.run(until=period)
        desk.flush(period)
        if slot_changes and period in slot_changes:
            desk.set_slots(slot_changes[period])
    return sorted(done), peak


def test_queue_is_first_in_first_out_within_the_slots() -> None:
    for lazy in (False, True):
        done, peak = _drive([[1.0] * 5, [], [], [], []], slots=2, lazy=lazy)
        assert done == [(1.0, 0), (1.0, 1), (2.0, 2), (2.0, 3), (3.0, 4)]
        assert peak == 2


def test_unlimited_desk_starts_everything_at_once() -> None:
    done, _ = _drive([[0.5, 1.25, 2.0], [], [], []], slots=None, lazy=True)
    assert done == [(0.5, 0), (1.25, 1), (2.0, 2)]


def test_cycles_are_rounded_to_the_resolution_grid() -> None:
    done, _ = _drive([[0.3], []], slots=None, lazy=False)
    assert done == [(0.25, 0)]  # 0.3 periods on a grid of 1/8 period


def test_zero_length_cycles_complete_in_their_period() -> None:
    done, _ = _drive([[0.0, 0.0, 0.0], []], slots=1, lazy=True)
    assert done == [(0.0, 0), (0.0, 1), (0.0, 2)]


def test_more_slots_later_start_the_queue_at_that_time() -> None:
    done, _ = _drive([[5.0, 5.0]] + [[]] * 8, slots=1, lazy=True, slot_changes={2: 2})
    # The second opportunity waits until the desk grows at the end of period 2.
    assert done == [(5.0, 0), (7.0, 1)]


cycle_lists = st.lists(
    st.lists(st.floats(0.0, 4.0, allow_nan=False), max_size=6), min_size=1, max_size=8
)


@given(cycle_lists, st.one_of(st.none(), st.integers(1, 4)))
@settings(max_examples=150, deadline=None)
def test_lazy_flush_matches_the_simpy_process(arrivals: Arrivals, slots: int | None) -> None:
    """The lazy desk completes the same opportunities at the same times, within capacity."""
    eager, peak_eager = _drive(arrivals, slots, lazy=False)
    lazy, peak_lazy = _drive(arrivals, slots, lazy=True)
    assert lazy == eager
    if slots is not None:
        assert peak_lazy <= slots and peak_eager <= slots
    # Nothing completes before it was won, and each opportunity completes at most once.
    ids = [i for _, i in lazy]
    assert len(ids) == len(set(ids))
    won_in = {}
    first = 0
    for period, won in enumerate(arrivals):
        for k in range(len(won)):
            won_in[first + k] = period
        first += len(won)
    assert all(time >= won_in[i] for time, i in lazy)
