"""Distributors: two-tier wholesale with thin margins, credit lines and hardware stock."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.agents.base import Partner
from sim.scenario.schema import DistributorType


class Distributor(Partner):
    """A distributor: resellers buy through it; it earns a thin margin on their purchases.

    It extends each reseller a credit line (a reseller whose unpaid purchases exceed it stops
    bidding), and holds hardware stock in a SimPy ``Container`` that a replenishment process
    refills to ``order_up_to`` after ``lead_time_months`` whenever it falls to the reorder point.
    Two-tier deals with hardware wait for stock: a stock-out delays the deal. It sells to end
    customers only in the segments its ``segments`` list names (none by default).
    """

    params: DistributorType

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closes_deals = bool(self.segments.any())
        p = self.params
        env = self.model.env
        self.stock = simpy.Container(env, capacity=p.stock_capacity, init=p.initial_stock)
        self.on_order = 0.0
        self.stockout_waits = 0
        self.units_shipped = 0.0
        self.resellers: list[Partner] = []
        self._replenisher = env.process(self._replenish())

    def rival_profit(self) -> float:
        """Distributors carry many vendors: rival profit scales with their sales capacity."""
        return self.params.rival_profit_per_rep * max(self.reps, 1)

    def capacity_slots(self) -> int | None:
        """End-customer capacity (only used when it serves segments)."""
        return max(
            1, round(max(self.reps, 1) * self.params.concurrent_opportunities * self.commitment)
        )

    def effort_cost(self) -> float:
        """Operating cost: a share of its sales to resellers."""
        return (
            self.params.opex_share
            * self.ledger.period["distributor_sales"]
            / self.model.period_months
        )

    def _replenish(self) -> Generator[simpy.Event, Any, None]:
        env = self.model.env
        p = self.params
        review = 1.0 / 8.0  # periodic review, eight times a period
        while True:
            if self.stock.level + self.on_order <= p.reorder_point:
                qty = p.order_up_to - self.stock.level - self.on_order
                self.on_order += qty
                env.process(self._deliver(qty))
            yield env.timeout(review)

    def _deliver(self, qty: float) -> Generator[simpy.Event, Any, None]:
        env = self.model.env
        yield env.timeout(self.params.lead_time_months / self.model.period_months)
        yield self.stock.put(qty)
        self.on_order -= qty

    def ship(self, units: float) -> simpy.events.Event:
        """Request units from stock; the event fires when they ship.

        Args:
            units: Hardware units of one deal (capped at the order-up-to level).

        Returns:
            The SimPy get event.
        """
        units = min(units, self.params.order_up_to)
        if self.stock.level < units:
            self.stockout_waits += 1
        self.units_shipped += units
        return self.stock.get(units)

    def reseller_outstanding(self, reseller: Partner) -> float:
        """Unpaid purchases of a reseller: its purchases over the payment terms."""
        months = self.params.payment_terms_months
        periods = max(1, round(months / self.model.period_months))
        hist = reseller.purchase_history
        return float(sum(list(hist)[-periods:]))
