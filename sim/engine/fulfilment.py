"""Fulfilment of won deals: queueing at desks, cycle completion, two-tier shipping, activation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.agents.base import Seller
from sim.agents.distributor import Distributor
from sim.arrays import run_starts
from sim.sales.book import OpportunityBook
from sim.sales.desk_bank import DeskBank

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class Fulfilment:
    """Won deals from their desk to activation.

    Most desks are rows of the desk bank; the desks of two-tier resellers in a market with
    hardware are SimPy processes whose completed deals ship from their distributor's stock
    (stock-outs wait) before they activate.

    Args:
        env: The SimPy environment.
        book: The opportunity book.
        sellers: Every seller (the model's list, which grows).
        desks: The desk bank.
    """

    def __init__(
        self,
        env: simpy.Environment,
        book: OpportunityBook,
        sellers: Sequence[Seller],
        desks: DeskBank,
    ) -> None:
        self.env = env
        self.book = book
        self.sellers = sellers
        self.desks = desks
        self._activated: list[int] = []  # deals closed this period in SimPy desks, and when
        self._activated_times: list[float] = []

    def queue_won(
        self, ids: IntArray, seller: IntArray, cycle: FloatArray, in_bank: NDArray[np.bool_]
    ) -> None:
        """Queue won opportunities at their sellers' desks, in opportunity order.

        Args:
            ids: Book ids of the won opportunities.
            seller: Their sellers.
            cycle: Their sales-cycle lengths, in periods.
            in_bank: Per seller, whether its desk is a row of the desk bank.
        """
        bank = in_bank[seller]
        self.desks.add(seller[bank], ids[bank], cycle[bank])
        if bank.all():
            return
        won_ids = ids[~bank]
        won_cycles = cycle[~bank]
        won_sellers = seller[~bank]
        order = np.argsort(won_sellers, kind="stable")
        ids_by_seller = won_ids[order].tolist()
        cycles_by_seller = won_cycles[order].tolist()
        sellers_sorted = won_sellers[order]
        starts = np.flatnonzero(run_starts(sellers_sorted))  # first row of each seller
        ends = np.append(starts[1:], len(order)) if len(starts) else starts
        for a, b, seller_index in zip(
            starts.tolist(), ends.tolist(), sellers_sorted[starts].tolist(), strict=True
        ):
            desk = self.sellers[seller_index].desk
            assert desk is not None
            desk.add(ids_by_seller[a:b], cycles_by_seller[a:b])

    def on_cycle_complete(self, id_list: list[int], time: float) -> None:
        """Completions of a SimPy desk (a two-tier reseller's, in a market with hardware).

        Deals with hardware and a distributor ship from its stock, in order; the others
        activate now.
        """
        units = self.book.cols["hardware_units"]
        dist = self.book.cols["distributor"]
        at_once: list[int] = []
        cohorts: dict[int, list[int]] = {}
        for i in id_list:
            d = int(dist[i])
            if d >= 0 and units[i] > 0:
                cohorts.setdefault(d, []).append(i)
            else:
                at_once.append(i)
        if at_once:
            self.activate(at_once, time)
        for d in sorted(cohorts):
            distributor = self.sellers[d]
            assert isinstance(distributor, Distributor)
            self.env.process(distributor.ship_cohort(self.book, cohorts[d], self.activate))

    def activate(self, ids: list[int], time: float) -> None:
        """Record deals whose cycle ended at ``time``; the book is updated at billing."""
        self._activated.extend(ids)
        self._activated_times.extend([time] * len(ids))

    def take_completed(self) -> tuple[IntArray, FloatArray]:
        """Deals completed this period (SimPy desks first, then the bank) and their times."""
        bank_ids, bank_times = self.desks.take_completed()
        ids = np.concatenate([np.array(self._activated, dtype=np.int64), bank_ids])
        times = np.concatenate([np.array(self._activated_times, dtype=np.float64), bank_times])
        self._activated = []
        self._activated_times = []
        return ids, times
