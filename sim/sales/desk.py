"""A seller's sales desk: one SimPy process per seller that works its won opportunities.

Won opportunities wait in the desk's FIFO queue until one of its slots (reps × concurrent
opportunities, scaled by commitment) is free, then run for their sales cycle. Waiting counts
toward the realised cycle length. The desk is one process per seller, not one per opportunity:
it starts a batch when slots free up and sleeps until the next completion or new arrival.
Cycle lengths are rounded to a grid of ``1 / resolution`` periods so that completions batch.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

CycleSampler = Callable[[list[int]], list[float]]
"""Gives the cycle lengths (in periods) of a batch of opportunity ids."""

CompletionHandler = Callable[[list[int], float], None]
"""Called with the ids of opportunities whose cycle ended and the SimPy time."""


class SalesDesk:
    """The queue and slots of one seller, run by one SimPy process.

    Args:
        env: The model's SimPy environment.
        sample_cycles: Gives the cycle length of each started opportunity, in periods.
        on_complete: Receives the opportunities whose cycle ended.
        slots: Concurrent opportunities the seller can work, or ``None`` for unlimited.
        resolution: Cycle lengths are rounded to multiples of ``1 / resolution`` periods.
    """

    def __init__(
        self,
        env: simpy.Environment,
        sample_cycles: CycleSampler,
        on_complete: CompletionHandler,
        slots: int | None,
        resolution: int = 8,
    ) -> None:
        self.env = env
        self.sample_cycles = sample_cycles
        self.on_complete = on_complete
        self.slots = slots
        self.resolution = resolution
        self.waiting: deque[int] = deque()
        self.in_progress = 0
        self._due: list[float] = []  # heap of distinct completion times
        self._batches: dict[float, list[int]] = {}
        self._timer_at: float | None = None  # completion time the process sleeps until
        self._interrupt_pending = False
        self.lazy = False
        self.process = env.process(self._run())

    @property
    def queue_length(self) -> int:
        """Opportunities won but not yet started (waiting for a slot)."""
        return len(self.waiting)

    def set_slots(self, slots: int | None) -> None:
        """Change the desk's capacity (e.g. when commitment changes).

        Args:
            slots: New number of slots, or ``None`` for unlimited.
        """
        if slots == self.slots:
            return
        self.slots = slots
        self._advance()

    def add(self, opportunity_ids: IntArray) -> None:
        """Queue newly won opportunities, in order, and start those that find a free slot.

        Called between SimPy runs, at the current SimPy time; zero-length cycles complete at
        once (they belong to the current period).

        Args:
            opportunity_ids: Ids of the opportunities, in the order they were won.
        """
        if len(opportunity_ids) == 0:
            return
        self.waiting.extend(opportunity_ids.tolist())
        self._advance()

    def _advance(self) -> None:
        """Complete what is due now, start what fits, and make the process wake in time."""
        self._complete_due()
        self._start()
        while self._due and self._due[0] <= self.env.now:
            self._complete_due()
            self._start()
        target = self._wake_target()
        if target != self._timer_at and not self._interrupt_pending:
            self._interrupt_pending = True
            self.process.interrupt()

    def _wake_target(self) -> float | None:
        """When the process must wake next (None: only when new work arrives).

        That is the next completion, unless nothing waits for a slot and the desk is lazy: its
        completions are then booked by :meth:`flush`.
        """
        if not self._due or (self.lazy and not self.waiting):
            return None
        return self._due[0]

    def flush(self, until: float) -> None:
        """Complete, at their own times, the cycles that end before ``until``.

        A lazy desk with nobody waiting does not wake for each completion; the model calls
        this after ``env.run(until=t)`` so that every cycle ending in the period is booked in
        it, with its exact completion time.

        Args:
            until: End of the period (exclusive).
        """
        while self._due and self._due[0] < until and not self.waiting:
            key = heapq.heappop(self._due)
            ids = self._batches.pop(key)
            self.in_progress -= len(ids)
            self.on_complete(ids, key)

    def _free_slots(self) -> int:
        if self.slots is None:
            return len(self.waiting)
        return max(0, self.slots - self.in_progress)

    def _start(self) -> None:
        n = min(self._free_slots(), len(self.waiting))
        if n <= 0:
            return
        if n == len(self.waiting):
            ids = list(self.waiting)
            self.waiting.clear()
        else:
            pop = self.waiting.popleft
            ids = [pop() for _ in range(n)]
        cycles = self.sample_cycles(ids)
        self.in_progress += n
        now = self.env.now
        res = self.resolution
        if n <= 32:
            for i, c in zip(ids, cycles, strict=True):
                self._schedule(now + round(c * res) / res, [i])
            return
        id_array = np.array(ids, dtype=np.int64)
        due = now + np.round(np.array(cycles) * res) / res
        for t in np.unique(due).tolist():
            self._schedule(t, id_array[due == t].tolist())

    def _schedule(self, t: float, ids: list[int]) -> None:
        batch = self._batches.get(t)
        if batch is None:
            self._batches[t] = ids
            heapq.heappush(self._due, t)
        else:
            batch.extend(ids)

    def _complete_due(self) -> None:
        now = self.env.now
        while self._due and self._due[0] <= now:
            key = heapq.heappop(self._due)
            ids = self._batches.pop(key)
            self.in_progress -= len(ids)
            self.on_complete(ids, now)

    def _run(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        while True:
            self._timer_at = self._wake_target()
            if self._timer_at is not None:
                wake: simpy.Event = env.timeout(self._timer_at - env.now)
            else:
                wake = env.event()  # idle until new work interrupts
            try:
                yield wake
            except simpy.Interrupt:
                self._interrupt_pending = False
                continue
            self._complete_due()
            self._start()
            while self._due and self._due[0] <= env.now:
                self._complete_due()
                self._start()
