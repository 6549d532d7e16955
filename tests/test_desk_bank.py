"""Tests for sim.sales.desk_bank: many desks advanced at once behave as one SimPy desk each."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.sales.desk import SalesDesk
from sim.sales.desk_bank import UNLIMITED, DeskBank

# Per period, per desk, the cycle lengths of the opportunities won there.
Arrivals = list[list[list[float]]]
Completions = list[tuple[float, int]]


def _ids(arrivals: Arrivals) -> list[list[list[int]]]:
    """Number the opportunities in the order the model numbers them: period, then desk."""
    ids: list[list[list[int]]] = []
    n = 0
    for per_desk in arrivals:
        row = []
        for cycles in per_desk:
            row.append(list(range(n, n + len(cycles))))
            n += len(cycles)
        ids.append(row)
    return ids


def _drive_simpy(
    arrivals: Arrivals, slots: list[int | None], changes: dict[int, list[int | None]]
) -> tuple[Completions, list[list[int]]]:
    """One SimPy desk per desk number; completions and queue lengths at each period start."""
    env = simpy.Environment()
    done: Completions = []
    desks = [
        SalesDesk(env, lambda ids, time: done.extend((time, i) for i in ids), s) for s in slots
    ]
    queues = []
    for period, (per_desk, id_rows) in enumerate(
        zip(arrivals, _ids(arrivals), strict=True), start=1
    ):
        queues.append([d.queue_length for d in desks])
        for desk, cycles, ids in zip(desks, per_desk, id_rows, strict=True):
            desk.add(ids, cycles)
        env.run(until=period)
        for desk, new in zip(desks, changes.get(period, []), strict=False):
            desk.set_slots(new)
    return sorted(done), queues


def _drive_bank(
    arrivals: Arrivals, slots: list[int | None], changes: dict[int, list[int]]
) -> tuple[Completions, list[list[int]], int]:
    """The same on a DeskBank, the way the model drives it; also the peak load of any desk."""
    bank = DeskBank()
    for number, s in enumerate(slots):
        bank.open(number, s)
    done: Completions = []
    queues = []
    peak = 0
    for period, (per_desk, id_rows) in enumerate(
        zip(arrivals, _ids(arrivals), strict=True), start=1
    ):
        queues.append(bank.queue_lengths(len(slots)).tolist())
        desks = np.concatenate([np.full(len(c), k, dtype=np.int64) for k, c in enumerate(per_desk)])
        ids = np.array([i for row in id_rows for i in row], dtype=np.int64)
        cycles = np.array([c for row in per_desk for c in row], dtype=np.float64)
        bank.add(desks, ids, cycles)
        bank.run(float(period - 1), float(period))
        peak = max(peak, int(bank.busy.max()) if len(bank.busy) else 0)
        if period in changes:
            new = np.array(changes[period], dtype=np.int64)
            bank.set_slots(np.arange(len(new)), new, float(period))
        finished, times = bank.take_completed()
        done.extend(zip(times.tolist(), finished.tolist(), strict=True))
    return sorted(done), queues, peak


def test_first_in_first_out_within_each_desks_slots() -> None:
    arrivals = [[[1.0] * 3, [0.5, 0.5]], [[], []], [[], []], [[], []]]
    done, queues, peak = _drive_bank(arrivals, [2, None], {})
    assert done == [(0.5, 3), (0.5, 4), (1.0, 0), (1.0, 1), (2.0, 2)]
    assert queues[1] == [1, 0]  # the third opportunity of desk 0 waits into period 2
    assert peak == 2


def test_zero_length_cycles_free_their_slot_at_once() -> None:
    done, _, _ = _drive_bank([[[0.0, 0.0, 1.0]], [[]], [[]]], [1], {})
    assert done == [(0.0, 0), (0.0, 1), (1.0, 2)]


def test_more_slots_start_the_queue_when_they_are_set() -> None:
    done, _, _ = _drive_bank([[[5.0, 5.0]]] + [[[]]] * 8, [1], {2: [2]})
    assert done == [(5.0, 0), (7.0, 1)]  # the second starts at the end of period 2


cycles = st.lists(st.floats(0.0, 3.0, allow_nan=False), max_size=5)
periods = st.lists(st.lists(cycles, min_size=3, max_size=3), min_size=1, max_size=7)
slot_counts = st.lists(st.one_of(st.none(), st.integers(1, 3)), min_size=3, max_size=3)
slot_changes = st.dictionaries(
    st.integers(1, 7), st.lists(st.integers(1, 4), min_size=3, max_size=3), max_size=3
)


@given(periods, slot_counts, slot_changes)
@settings(max_examples=200, deadline=None)
def test_bank_matches_one_simpy_process_per_desk(
    arrivals: Arrivals, slots: list[int | None], changes: dict[int, list[int]]
) -> None:
    """Same completions at the same times, and the same queues at every period start."""
    # An unlimited desk stays unlimited (the vendor's own store); the others take the change.
    bank_changes = {
        p: [c if s is not None else UNLIMITED for c, s in zip(new, slots, strict=True)]
        for p, new in changes.items()
    }
    simpy_changes: dict[int, list[int | None]] = {
        p: [c if s is not None else None for c, s in zip(new, slots, strict=True)]
        for p, new in changes.items()
    }
    expected, expected_queues = _drive_simpy(arrivals, slots, simpy_changes)
    done, queues, peak = _drive_bank(arrivals, slots, bank_changes)
    assert done == expected
    assert queues == expected_queues
    if all(s is not None for s in slots):
        limits = [s for s in slots if s is not None] + [c for new in changes.values() for c in new]
        assert peak <= max(limits)
    assert len({i for _, i in done}) == len(done)  # each opportunity completes once
