"""Tests for sim.sales.desk: a seller's FIFO queue and slots, run as a SimPy process."""

from __future__ import annotations

import simpy

from sim.sales.desk import SalesDesk

Arrivals = list[list[float]]  # per period, the cycle lengths of the opportunities won


def _drive(
    arrivals: Arrivals, slots: int | None, slot_changes: dict[int, int] | None = None
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
    for period, won in enumerate(arrivals, start=1):
        desk.add(list(range(n_won, n_won + len(won))), won)
        n_won += len(won)
        peak = max(peak, desk.in_progress)
        env.run(until=period)
        if slot_changes and period in slot_changes:
            desk.set_slots(slot_changes[period])
    return sorted(done), peak


def test_queue_is_first_in_first_out_within_the_slots() -> None:
    done, peak = _drive([[1.0] * 5, [], [], [], []], slots=2)
    assert done == [(1.0, 0), (1.0, 1), (2.0, 2), (2.0, 3), (3.0, 4)]
    assert peak == 2


def test_unlimited_desk_starts_everything_at_once() -> None:
    done, _ = _drive([[0.5, 1.25, 2.0], [], [], []], slots=None)
    assert done == [(0.5, 0), (1.25, 1), (2.0, 2)]


def test_cycles_are_rounded_to_the_resolution_grid() -> None:
    done, _ = _drive([[0.3], []], slots=None)
    assert done == [(0.25, 0)]  # 0.3 periods on a grid of 1/8 period


def test_zero_length_cycles_complete_in_their_period() -> None:
    done, _ = _drive([[0.0, 0.0, 0.0], []], slots=1)
    assert done == [(0.0, 0), (0.0, 1), (0.0, 2)]


def test_more_slots_later_start_the_queue_at_that_time() -> None:
    done, _ = _drive([[5.0, 5.0]] + [[]] * 8, slots=1, slot_changes={2: 2})
    # The second opportunity waits until the desk grows at the end of period 2.
    assert done == [(5.0, 0), (7.0, 1)]
