"""A seller's sales desk: one SimPy process per seller that works its won opportunities.

Won opportunities wait in the desk's FIFO queue until one of its slots (reps × concurrent
opportunities, scaled by commitment) is free, then run for their sales cycle. Waiting counts
toward the realised cycle length. The desk is one process per seller, not one per opportunity:
it starts a batch when slots free up and sleeps until the next completion or new arrival.
Cycle lengths are rounded to a grid of ``1 / resolution`` periods so that completions batch.

The model runs a desk as a SimPy process only when its deals, once their cycle ends, wait for
hardware from a distributor's stock, so that completions and stock interleave in time. Every
other desk is a row of :class:`~sim.sales.desk_bank.DeskBank`, which follows the same rules
with array operations.
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

CompletionHandler = Callable[[list[int], float], None]
"""Called with the ids of opportunities whose cycle ended and the SimPy time."""


class SalesDesk:
    """The queue and slots of one seller, run by one SimPy process.

    Args:
        env: The model's SimPy environment.
        on_complete: Receives the opportunities whose cycle ended.
        slots: Concurrent opportunities the seller can work, or ``None`` for unlimited.
        resolution: Cycle lengths are rounded to multiples of ``1 / resolution`` periods.
    """

    def __init__(
        self,
        env: simpy.Environment,
        on_complete: CompletionHandler,
        slots: int | None,
        resolution: int = 8,
    ) -> None:
        self.env = env
        self.on_complete = on_complete
        self.slots = slots
        self.resolution = resolution
        self.waiting: deque[tuple[int, float]] = deque()  # (opportunity, cycle length)
        self.in_progress = 0
        self._due: list[float] = []  # heap of distinct completion times
        self._batches: dict[float, list[int]] = {}
        self._timer_at: float | None = None  # completion time the process sleeps until
        self._interrupt_pending = False
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

    def add(self, opportunity_ids: list[int], cycles: list[float]) -> None:
        """Queue newly won opportunities, in order, and start those that find a free slot.

        Called between SimPy runs, at the current SimPy time; zero-length cycles complete at
        once (they belong to the current period).

        Args:
            opportunity_ids: Ids of the opportunities, in the order they were won.
            cycles: Their sales-cycle lengths in periods (drawn when they were won).
        """
        if not opportunity_ids:
            return
        self.waiting.extend(zip(opportunity_ids, cycles, strict=True))
        self._advance()

    def _advance(self) -> None:
        """Complete what is due now, start what fits, and make the process wake in time."""
        now = self.env.now
        self._complete_due(now)
        self._start(now)
        while self._due and self._due[0] <= now:
            self._complete_due(now)
            self._start(now)
        target = self._wake_target()
        if target != self._timer_at and not self._interrupt_pending:
            self._interrupt_pending = True
            self.process.interrupt()

    def _wake_target(self) -> float | None:
        """When the process must wake next: the next completion (None: when work arrives)."""
        return self._due[0] if self._due else None

    def _start(self, now: float) -> None:
        """Start, at ``now``, as many waiting opportunities as there are free slots (FIFO)."""
        waiting = self.waiting
        n = len(waiting) if self.slots is None else min(self.slots - self.in_progress, len(waiting))
        if n <= 0:
            return
        self.in_progress += n
        res = self.resolution
        if n <= 32:
            # The common case, a few at a time: _schedule inlined.
            pop = waiting.popleft
            batches = self._batches
            for _ in range(n):
                i, c = pop()
                t = now + round(c * res) / res
                batch = batches.get(t)
                if batch is None:
                    batches[t] = [i]
                    heapq.heappush(self._due, t)
                else:
                    batch.append(i)
            return
        if n == len(waiting):
            started = list(waiting)
            waiting.clear()
        else:
            pop = waiting.popleft
            started = [pop() for _ in range(n)]
        id_array = np.array([i for i, _ in started], dtype=np.int64)
        due = now + np.round(np.array([c for _, c in started]) * res) / res
        for t in np.unique(due).tolist():
            self._schedule(t, id_array[due == t].tolist())

    def _schedule(self, t: float, ids: list[int]) -> None:
        batch = self._batches.get(t)
        if batch is None:
            self._batches[t] = ids
            heapq.heappush(self._due, t)
        else:
            batch.extend(ids)

    def _complete_due(self, now: float) -> None:
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
            now = env.now
            self._complete_due(now)
            self._start(now)
            while self._due and self._due[0] <= now:
                self._complete_due(now)
                self._start(now)
