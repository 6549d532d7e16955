"""Brokers: bring large procurements to the vendor's sellers; paid a referral fee per won deal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import Seller
from sim.agents.non_selling import NonSellingPartner
from sim.sales.leads import pick_first_eligible
from sim.scenario.schema import BrokerType

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Broker(NonSellingPartner):
    """A broker: intermediates procurements of its segments (enterprise) in its territories.

    It never holds or resells the product. Each period it brings ``referrals_per_month ×
    commitment`` opportunities (Poisson) that the vendor's sellers (direct reps, SIs, ...)
    then compete for; on each it brings that is won the vendor pays it ``referral_fee`` of the
    deal's vendor net first-year value.
    """

    params: BrokerType

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referrals = 0


def referral_fees(
    outcome: NDArray[np.int8], vendor_net: FloatArray, won_code: int, fee: float
) -> tuple[BoolArray, FloatArray]:
    """Which pending broker opportunities are settled now, and the fee each pays.

    Args:
        outcome: Each pending opportunity's outcome code in the book.
        vendor_net: Each one's vendor net first-year value.
        won_code: The code of a won deal whose contract started.
        fee: ``partners.broker.referral_fee``.

    Returns:
        Whether each is settled (won or lost: no longer open) and its fee (0 unless won).
    """
    won = outcome == won_code
    return outcome != 0, np.where(won, fee * vendor_net, 0.0)


class BrokerNetwork:
    """The model's brokers as one group: their opportunities and the fees they are owed.

    Args:
        params: The broker type's parameters.
        cells: Account indices by (territory, segment).
    """

    def __init__(self, params: BrokerType, cells: dict[tuple[int, int], IntArray]) -> None:
        self.params = params
        self.members: list[Broker] = []
        self._cells = cells
        self._pools: dict[int, IntArray] = {}
        self.pending_ids = np.zeros(0, dtype=np.int64)
        """Book ids of the opportunities they brought that are still open."""
        self.pending_broker = np.zeros(0, dtype=np.int64)
        """The broker (seller index) of each pending opportunity."""

    def add(self, seller: Seller) -> None:
        """Count a seller that joined in, if it is a broker."""
        if isinstance(seller, Broker):
            self.members.append(seller)

    def pool(self, broker: Broker) -> IntArray:
        """Accounts a broker reaches: its territories × its segments (cached)."""
        pool = self._pools.get(broker.index)
        if pool is None:
            cells = [
                self._cells[(int(ti), int(si))]
                for ti in np.flatnonzero(broker.territories)
                for si in np.flatnonzero(broker.segments)
                if (int(ti), int(si)) in self._cells
            ]
            pool = np.concatenate(cells) if cells else np.zeros(0, dtype=np.int64)
            self._pools[broker.index] = pool
        return pool

    def referrals(
        self,
        commitment: FloatArray,
        rng: np.random.Generator,
        period_months: float,
        may_open: Callable[[IntArray], BoolArray],
    ) -> tuple[IntArray, IntArray]:
        """This period's broker opportunities: their accounts and brokers, in broker order.

        Each active broker draws its number (Poisson, ``referrals_per_month × commitment ×
        m``) and candidates uniformly from its pool; it brings the first that may open an
        opportunity and no earlier broker brought.

        Args:
            commitment: Every seller's commitment.
            rng: The ``referrals.broker`` stream.
            period_months: Months per period.
            may_open: Whether each drawn account may open an opportunity now.

        Returns:
            The accounts, and the broker (seller index) of each.
        """
        active = [s for s in self.members if s.active]
        none = np.zeros(0, dtype=np.int64)
        if not active:
            return none, none
        rates = self.params.referrals_per_month * commitment[[s.index for s in active]]
        wanted = rng.poisson(rates * period_months).tolist()
        groups = [
            (s, k, p) for s, k in zip(active, wanted, strict=True) if k and len(p := self.pool(s))
        ]
        if not groups:
            return none, none
        draws = [p[rng.integers(0, len(p), size=4 * k + 8)] for _, k, p in groups]
        chosen = pick_first_eligible(draws, [k for _, k, _ in groups], [may_open(d) for d in draws])
        brokers = []
        for (s, _, _), c in zip(groups, chosen, strict=True):
            s.referrals += len(c)
            brokers.append(np.full(len(c), s.index, dtype=np.int64))
        return np.concatenate(chosen).astype(np.int64), np.concatenate(brokers)

    def track(self, ids: IntArray, brokers: IntArray) -> None:
        """Keep the book ids of opportunities brokers brought, until they are won or lost."""
        self.pending_ids = np.concatenate([self.pending_ids, ids])
        self.pending_broker = np.concatenate([self.pending_broker, brokers])

    def settle(
        self, outcome: NDArray[np.int8], vendor_net: FloatArray, won_code: int, n_sellers: int
    ) -> FloatArray:
        """Fees owed per seller for the tracked opportunities that were won (and started).

        Settled opportunities (won or lost) stop being tracked.

        Args:
            outcome: The book's outcome column.
            vendor_net: The book's vendor net first-year value column.
            won_code: The code of a won deal.
            n_sellers: Sellers billed this period.

        Returns:
            The fee per seller this period.
        """
        ids = self.pending_ids
        settled, fee = referral_fees(
            outcome[ids], vendor_net[ids], won_code, self.params.referral_fee
        )
        fees = np.bincount(self.pending_broker, weights=fee, minlength=n_sellers)
        self.pending_ids = ids[~settled]
        self.pending_broker = self.pending_broker[~settled]
        return np.asarray(fees[:n_sellers], dtype=np.float64)
