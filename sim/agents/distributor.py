"""Distributors: two-tier wholesale with thin margins, credit lines and hardware stock."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.agents.base import Partner, Seller
from sim.agents.state import SellerState
from sim.scenario.schema import DistributorType

if TYPE_CHECKING:
    from sim.sales.book import OpportunityBook


class Distributor(Partner):
    """A distributor: resellers buy through it; it earns a thin margin on their purchases.

    It extends each reseller a credit line (a reseller whose unpaid purchases exceed it stops
    bidding), and holds hardware stock in a SimPy ``Container`` that a replenishment process
    refills to ``order_up_to`` after ``lead_time_months`` whenever it falls to the reorder point.
    Two-tier deals with hardware wait for stock: a stock-out delays the deal. It sells to end
    customers only in the segments its ``segments`` list names (none by default).
    """

    params: DistributorType
    buys_through_distributor = False

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

    @property
    def has_desk(self) -> bool:
        """A distributor keeps a desk even when it sells to no end customer."""
        return True

    def rival_profit(self) -> float:
        """Distributors carry many vendors: rival profit scales with their sales capacity."""
        return self.params.rival_profit_per_rep * max(self.reps, 1)

    def slot_base(self) -> float:
        """End-customer capacity at full commitment (only used when it serves segments)."""
        return float(max(self.reps, 1) * self.params.concurrent_opportunities)

    def effort_base(self) -> float:
        """Distributors' operating cost is a share of their sales, not of effort (see opex)."""
        return 0.0

    def opex_share_of_sales(self) -> float:
        """Operating cost per unit of sales to its resellers (``opex_share``)."""
        return self.params.opex_share

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

        A request that cannot be met at once is a stock-out: it is counted in the period's
        ``stockouts`` and waits for a delivery.

        Args:
            units: Hardware units of one deal (capped at the order-up-to level).

        Returns:
            The SimPy get event.
        """
        units = min(units, self.params.order_up_to)
        self.units_shipped += units
        event = self.stock.get(units)
        if not event.triggered:  # not met from stock now
            self.stockout_waits += 1
            self.model.counters.stockouts += 1
        return event

    def ship_cohort(
        self,
        book: OpportunityBook,
        cohort: list[int],
        activate: Callable[[list[int], float], None],
    ) -> Generator[simpy.Event, Any, None]:
        """Ship a cohort of deals' hardware from stock, in order; stock-outs wait (a process).

        A deal that ships after its cycle ended (it waited for stock, its own or that of the
        deals before it in the cohort) is counted, in the period it ships, in
        ``deals_delayed_by_stock``, and its wait in months is added to ``stock_delay_months``.

        Args:
            book: The opportunity book (hardware units per deal).
            cohort: Opportunity ids whose cycles ended together.
            activate: Called with each deal and the time its hardware shipped.
        """
        env = self.model.env
        completed = env.now  # the cohort's cycles ended now: a later shipment is a delay
        for opp in cohort:
            # The book's arrays are replaced when it grows: look the column up each time.
            yield self.ship(float(book.cols["hardware_units"][opp]))
            if env.now > completed:
                counters = self.model.counters
                counters.deals_delayed_by_stock += 1
                counters.stock_delay_months += (env.now - completed) * self.model.period_months
            activate([opp], env.now)


def distributors_of(sellers: Sequence[Seller]) -> list[Distributor]:
    """The distributors among the sellers, in seller order."""
    return [s for s in sellers if isinstance(s, Distributor)]


def link_reseller(
    seller: Seller, distributors: list[Distributor], rng: np.random.Generator
) -> None:
    """Link a reseller to a distributor it buys through, with its type's two-tier share.

    A seller that does not buy through distributors draws nothing. Otherwise one draw decides
    whether it is two-tier, and one more picks its distributor uniformly among those that
    overlap its territories (or among all when none does).

    Args:
        seller: A seller that just joined.
        distributors: The distributors, in seller order.
        rng: The ``partners.two_tier`` stream.
    """
    if not isinstance(seller, Partner) or not seller.buys_through_distributor:
        return
    if not distributors or rng.random() >= seller.params.two_tier_share:
        return
    overlap = [d for d in distributors if (d.territories & seller.territories).any()]
    pool = overlap or distributors
    dist = pool[int(rng.integers(len(pool)))]
    seller.distributor = dist
    dist.resellers.append(seller)


def credit_blocked(
    state: SellerState,
    distributor_of: NDArray[np.int64],
    params: DistributorType,
    period_months: float,
) -> NDArray[np.bool_]:
    """Which resellers have used up the credit line their distributor extends.

    A reseller's outstanding amount is what it bought over the payment terms; above the credit
    line it stops bidding until it has paid.

    Args:
        state: The seller state (purchase histories).
        distributor_of: Per seller, the distributor it buys through, or -1.
        params: Distributor parameters (credit line, payment terms).
        period_months: Months per period.

    Returns:
        Per seller, whether its credit is exhausted.
    """
    k = max(1, round(params.payment_terms_months / period_months))
    ring = state.purchase_history
    cols = (state.history_pos - 1 - np.arange(min(k, ring.shape[1]))) % ring.shape[1]
    outstanding = ring[:, cols].sum(axis=1)
    return np.asarray((distributor_of >= 0) & (outstanding > params.credit_line))
