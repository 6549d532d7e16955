"""The sales desks whose deals wait for nothing else, advanced together with array operations.

A desk is a seller's FIFO queue of won opportunities and its slots (reps × concurrent
opportunities, scaled by commitment); an opportunity waits for a free slot, then runs for its
sales cycle, rounded to a grid of ``1 / resolution`` periods (see :mod:`sim.sales.desk`).

When a deal's completion touches nothing outside its desk within the period (no hardware
waiting for distributor stock), every such desk can be advanced at once: the period is walked
through the grid times at which some cycle ends, and at each of them every desk completes what
is due and starts, first in first out, as many waiting opportunities as it has free slots. The
times, the order of starts and the completions are those a :class:`~sim.sales.desk.SalesDesk`
process would produce for each desk on its own (a property test checks this), without a Python
step per opportunity. Desks whose deals ship hardware from distributor stock stay SimPy
processes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.arrays import index_ranges

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

UNLIMITED = np.iinfo(np.int64).max // 4
"""Slot count that stands for an unlimited desk (never reached by a queue)."""


class DeskBank:
    """Queues and slots of many desks, one row per desk number (a seller's index).

    Args:
        resolution: Cycle lengths are rounded to multiples of ``1 / resolution`` periods.
    """

    def __init__(self, resolution: int = 8) -> None:
        self.resolution = resolution
        self.slots = np.zeros(0, dtype=np.int64)
        self.busy = np.zeros(0, dtype=np.int64)  # opportunities in progress, per desk
        self._queued = np.zeros(0, dtype=np.int64)  # opportunities waiting, per desk
        # Heads of each desk's queue already started: they stay in the waiting arrays, in front
        # of the desk's waiting ones, until the next add() compacts the arrays.
        self._started = np.zeros(0, dtype=np.int64)
        # Opportunities in progress (unordered) and waiting (by desk, then arrival).
        self._run_id = np.zeros(0, dtype=np.int64)
        self._run_due = np.zeros(0, dtype=np.float64)
        self._run_desk = np.zeros(0, dtype=np.int64)
        self._wait_id = np.zeros(0, dtype=np.int64)
        self._wait_cycle = np.zeros(0, dtype=np.float64)  # rounded to the grid
        self._wait_desk = np.zeros(0, dtype=np.int64)
        self._done: list[tuple[IntArray, float]] = []  # (ids, time) of each completion batch

    # -- desks ------------------------------------------------------------------------------

    def open(self, desk: int, slots: int | None) -> None:
        """Open desk number ``desk`` (rows below it that were never opened hold no slots).

        Args:
            desk: The desk's number (the model uses the seller's index).
            slots: Concurrent opportunities it can work, or ``None`` for unlimited.
        """
        if desk >= len(self.slots):
            grow = desk + 1 - len(self.slots)
            self.slots = np.concatenate([self.slots, np.zeros(grow, dtype=np.int64)])
            self.busy = np.concatenate([self.busy, np.zeros(grow, dtype=np.int64)])
            self._queued = np.concatenate([self._queued, np.zeros(grow, dtype=np.int64)])
            self._started = np.concatenate([self._started, np.zeros(grow, dtype=np.int64)])
        self.slots[desk] = UNLIMITED if slots is None else slots

    def set_slots(self, desks: IntArray, slots: IntArray, now: float) -> None:
        """Change some desks' capacity at ``now``; those desks then complete and start at once.

        Only desks whose count actually changes are advanced, as
        :meth:`SalesDesk.set_slots <sim.sales.desk.SalesDesk.set_slots>` does.

        Args:
            desks: Desk numbers.
            slots: Their new slot counts (``UNLIMITED`` for unlimited).
            now: The current time.
        """
        changed = self.slots[desks] != slots
        if not changed.any():
            return
        desks = desks[changed]
        self.slots[desks] = slots[changed]
        only = np.zeros(len(self.slots), dtype=bool)
        only[desks] = True
        self._step(now, only)

    def queue_lengths(self, n: int) -> IntArray:
        """Opportunities waiting for a slot, for desks ``0 … n − 1``."""
        queued = np.zeros(n, dtype=np.int64)
        m = min(n, len(self._queued))
        queued[:m] = self._queued[:m]
        return queued

    @property
    def in_progress(self) -> int:
        """Opportunities being worked, over all desks."""
        return len(self._run_id)

    # -- the period -------------------------------------------------------------------------

    def add(self, desks: IntArray, ids: IntArray, cycles: FloatArray) -> None:
        """Queue newly won opportunities behind those already waiting at their desks.

        Args:
            desks: Each opportunity's desk.
            ids: The opportunities, in the order they were won within each desk.
            cycles: Their sales-cycle lengths in periods.
        """
        if not len(ids):
            return
        self._compact()
        self._queued += np.bincount(desks, minlength=len(self._queued))
        wait_desk = np.concatenate([self._wait_desk, desks])
        order = np.argsort(wait_desk, kind="stable")  # by desk; earlier arrivals first
        self._wait_desk = wait_desk[order]
        self._wait_id = np.concatenate([self._wait_id, ids])[order]
        on_grid = np.round(cycles * self.resolution) / self.resolution
        self._wait_cycle = np.concatenate([self._wait_cycle, on_grid])[order]

    def _compact(self) -> None:
        """Drop the started heads of the queues from the waiting arrays."""
        if not self._started.any():
            return
        wait_desk = self._wait_desk
        length = self._queued + self._started  # of each desk's stretch of the arrays
        start = np.cumsum(length) - length
        waiting = np.arange(len(wait_desk)) - start[wait_desk] >= self._started[wait_desk]
        self._wait_id = self._wait_id[waiting]
        self._wait_cycle = self._wait_cycle[waiting]
        self._wait_desk = wait_desk[waiting]
        self._started[:] = 0

    def run(self, now: float, until: float) -> None:
        """Advance every desk from ``now`` to ``until`` (exclusive).

        At ``now`` and then at each later time some cycle ends, every desk completes what is
        due and starts waiting opportunities into its free slots.

        Args:
            now: The start of the period.
            until: The end of the period; cycles ending at or after it stay in progress.
        """
        t = now
        while True:
            self._step(t, None)
            if not len(self._run_due):
                return
            t = float(self._run_due.min())
            if t >= until:
                return

    def take_completed(self) -> tuple[IntArray, FloatArray]:
        """The opportunities completed since the last call, and when each completed."""
        if not self._done:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        ids = np.concatenate([batch for batch, _ in self._done])
        times = np.repeat([time for _, time in self._done], [len(b) for b, _ in self._done])
        self._done = []
        return ids, times.astype(np.float64)

    def _step(self, t: float, only: NDArray[np.bool_] | None) -> None:
        """At time ``t``: complete what is due, start into free slots; repeat for zero cycles.

        Args:
            t: The time.
            only: Desks to advance (``None``: all).
        """
        n_desks = len(self.slots)
        while True:
            due = self._run_due <= t
            if only is not None:
                due &= only[self._run_desk]
            if due.any():
                self._done.append((self._run_id[due], t))
                self.busy -= np.bincount(self._run_desk[due], minlength=n_desks)
                keep = ~due
                self._run_id = self._run_id[keep]
                self._run_due = self._run_due[keep]
                self._run_desk = self._run_desk[keep]
            wait_desk = self._wait_desk
            if not len(wait_desk):
                return
            free = self.slots - self.busy
            if only is not None:
                free = np.where(only, free, 0)
            # The first `free` opportunities of each desk's queue: the queues are contiguous, by
            # desk, so these are index ranges [first, first + k).
            queued = self._queued
            desks = np.flatnonzero((free > 0) & (queued > 0))
            if not len(desks):
                return
            started = self._started
            length = queued + started
            first = (np.cumsum(length) - length + started)[desks]
            k = np.minimum(free[desks], queued[desks])
            queued[desks] -= k
            started[desks] += k
            idx = index_ranges(first, k)
            started_desk = wait_desk[idx]
            started_due = t + self._wait_cycle[idx]
            self._run_id = np.concatenate([self._run_id, self._wait_id[idx]])
            self._run_due = np.concatenate([self._run_due, started_due])
            self._run_desk = np.concatenate([self._run_desk, started_desk])
            self.busy += np.bincount(started_desk, minlength=n_desks)
            if not (started_due <= t).any():
                return
