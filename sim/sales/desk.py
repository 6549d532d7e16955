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

CycleSampler = Callable[[IntArray], FloatArray]
"""Draws cycle lengths (in periods) for a batch of opportunity ids."""

CompletionHandler = Callable[[IntArray, float], None]
"""Called with the ids of opportunities whose cycle ended and the SimPy time."""


class SalesDesk:
    """The queue and slots of one seller, run by one SimPy process.

    Args:
        env: The model's SimPy environment.
        sample_cycles: Draws the cycle length of each started opportunity, in periods.
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
        self._due: list[float] = []  # heap of completion times
        self._batches: dict[float, list[IntArray]] = {}
        self._wakeup = env.event()
        self.process = env.process(self._run())

    @property
    def queue_length(self) -> int:
        """Opportunities won but not yet started (waiting for a slot)."""
        return len(self.waiting)

    def set_slots(self, slots: int | None) -> None:
        """Change the desk's capacity (e.g. when commitment changes); wakes the desk.

        Args:
            slots: New number of slots, or ``None`` for unlimited.
        """
        self.slots = slots
        self._wake()

    def add(self, opportunity_ids: IntArray) -> None:
        """Queue newly won opportunities, in order.

        Args:
            opportunity_ids: Ids of the opportunities, in the order they were won.
        """
        if len(opportunity_ids) == 0:
            return
        self.waiting.extend(int(i) for i in opportunity_ids)
        self._wake()

    def _wake(self) -> None:
        if not self._wakeup.triggered:
            self._wakeup.succeed()

    def _free_slots(self) -> int:
        if self.slots is None:
            return len(self.waiting)
        return max(0, self.slots - self.in_progress)

    def _start(self) -> None:
        n = min(self._free_slots(), len(self.waiting))
        if n <= 0:
            return
        ids = np.fromiter((self.waiting.popleft() for _ in range(n)), dtype=np.int64, count=n)
        cycles = self.sample_cycles(ids)
        grid = np.round(np.asarray(cycles) * self.resolution) / self.resolution
        due = self.env.now + grid
        self.in_progress += n
        for t in np.unique(due):
            key = float(t)
            if key not in self._batches:
                self._batches[key] = []
                heapq.heappush(self._due, key)
            self._batches[key].append(ids[due == t])

    def _complete_due(self) -> None:
        now = self.env.now
        while self._due and self._due[0] <= now:
            key = heapq.heappop(self._due)
            ids = np.concatenate(self._batches.pop(key))
            self.in_progress -= len(ids)
            self.on_complete(ids, now)

    def _run(self) -> Generator[simpy.Event, Any, None]:
        while True:
            self._complete_due()
            self._start()
            if self._due and self._due[0] <= self.env.now:
                continue  # zero-length cycles complete at once
            if self._wakeup.triggered:
                self._wakeup = self.env.event()
            if self._due:
                yield self.env.timeout(self._due[0] - self.env.now) | self._wakeup
            else:
                yield self._wakeup
