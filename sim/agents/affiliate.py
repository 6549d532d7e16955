"""Affiliates: awareness and referral leads; paid commissions; they never close deals."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import Partner, Seller, Status
from sim.agents.state import SellerState
from sim.sales.leads import pick_first_eligible
from sim.scenario.schema import AffiliateType

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Affiliate(Partner):
    """An affiliate: raises awareness in its territories and refers accounts.

    Each period it sends ``referrals_per_month × commitment`` referral leads (Poisson) drawn
    from aware or unaware accounts of its segments in its territories; those accounts open an
    opportunity at once. The affiliate is paid a commission on the vendor net revenue of the
    accounts it referred, recurring for ``commission_months`` (or once, on the first payment),
    and a flat ``referral_bounty`` per referred account that buys for the first time
    (:func:`referral_bounties`).
    """

    params: AffiliateType
    closes_deals = False
    buys_through_distributor = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referrals = 0

    def rival_profit(self) -> float:
        """Monthly profit other affiliate programmes offer it."""
        return self.params.rival_profit_per_rep

    def effort_base(self) -> float:
        """Fixed monthly cost of its site and campaigns at full commitment."""
        return self.params.fixed_cost

    def reach(self) -> float:
        """Awareness probability per month it adds in its territories."""
        return self.params.reach * self.commitment if self.status == Status.ACTIVE else 0.0

    def referral_rate(self) -> float:
        """Expected referral leads per month."""
        return (
            self.params.referrals_per_month * self.commitment
            if self.status == Status.ACTIVE
            else 0.0
        )


def referral_bounties(referrer: IntArray, first: BoolArray, bounty: float, n: int) -> FloatArray:
    """The flat bounty each referrer earns on new customers' first purchases.

    Args:
        referrer: Per new contract, the affiliate that referred the account, or -1.
        first: Per new contract, whether the account buys for the first time (no bounty on
            win-backs).
        bounty: ``partners.affiliate.referral_bounty`` (currency per new customer).
        n: Number of sellers.

    Returns:
        The bounty per seller.
    """
    paid = (referrer >= 0) & first
    return np.asarray(bounty * np.bincount(referrer[paid], minlength=n), dtype=np.float64)


class AffiliateNetwork:
    """The model's affiliates as one group: their awareness reach and referral leads.

    Reach and referral rates are computed for all affiliates at once from the seller state
    (each equals :meth:`Affiliate.reach` / :meth:`Affiliate.referral_rate`).

    Args:
        params: The affiliate type's parameters.
        cells: Account indices by (territory, segment)
            (:func:`~sim.sales.leads.account_cells`).
        n_territories: Number of territories.
    """

    def __init__(
        self,
        params: AffiliateType,
        cells: dict[tuple[int, int], IntArray],
        n_territories: int,
    ) -> None:
        self.params = params
        self.members: list[Affiliate] = []
        self._cells = cells
        self._n_territories = n_territories
        self._pools: dict[int, IntArray] = {}

    def add(self, seller: Seller) -> None:
        """Count a seller that joined in, if it is an affiliate."""
        if isinstance(seller, Affiliate):
            self.members.append(seller)

    def reach(self, state: SellerState) -> FloatArray:
        """Awareness probability per month that active affiliates add, per territory.

        Each active affiliate adds ``reach × commitment`` in its territories; the rows are
        summed in affiliate order.
        """
        if not self.members:
            return np.zeros(self._n_territories)
        idx = np.array([s.index for s in self.members], dtype=np.int64)
        per_month = self.params.reach * state.commitment[idx]
        reach = np.where(state.active[idx], per_month, 0.0)
        # Summed over axis 0 row by row, as adding one affiliate after another would.
        return np.asarray((state.territories[idx] * reach[:, None]).sum(axis=0), dtype=np.float64)

    def referral_rates(self, state: SellerState, affiliates: list[Affiliate]) -> FloatArray:
        """:meth:`Affiliate.referral_rate` of the given active affiliates, as one array."""
        commitment = state.commitment[[s.index for s in affiliates]]
        return np.asarray(self.params.referrals_per_month * commitment)

    def pool(self, affiliate: Affiliate) -> IntArray:
        """Accounts an affiliate reaches: its territories × its segments (cached)."""
        pool = self._pools.get(affiliate.index)
        if pool is None:
            cells = [
                self._cells[(int(ti), int(si))]
                for ti in np.flatnonzero(affiliate.territories)
                for si in np.flatnonzero(affiliate.segments)
                if (int(ti), int(si)) in self._cells
            ]
            pool = np.concatenate(cells) if cells else np.zeros(0, dtype=np.int64)
            self._pools[affiliate.index] = pool
        return pool

    def referrals(
        self,
        state: SellerState,
        rng: np.random.Generator,
        period_months: float,
        may_open: Callable[[IntArray], BoolArray],
        taken: BoolArray,
    ) -> tuple[list[IntArray], list[int]]:
        """This period's referral leads of every active affiliate, in affiliate order.

        Each affiliate draws its number of referrals (Poisson with its rate), then candidates
        uniformly from the accounts it reaches; it refers the first ones, in draw order, that
        may open an opportunity and were not referred by an earlier affiliate
        (:func:`~sim.sales.leads.pick_first_eligible`). The draws are made for all affiliates
        at once.

        Args:
            state: The seller state (commitment).
            rng: The ``referrals`` stream.
            period_months: Months per period.
            may_open: Whether each drawn account may open an opportunity now.
            taken: Accounts with an opportunity this period; the referred ones are added.

        Returns:
            The referred accounts of each affiliate that referred any, and those affiliates'
            seller indices.
        """
        active = [s for s in self.members if s.active]
        if not active:
            return [], []
        wanted = rng.poisson(self.referral_rates(state, active) * period_months).tolist()
        groups = [
            (s, k, pool)
            for s, k in zip(active, wanted, strict=True)
            if k > 0 and len(pool := self.pool(s))
        ]
        if not groups:
            return [], []
        sizes = [4 * k + 8 for _, k, _ in groups]  # enough draws to find k eligible accounts
        u = rng.random(sum(sizes))
        bounds = np.cumsum([0, *sizes]).tolist()
        draws = [
            pool[(u[a:b] * len(pool)).astype(np.int64)]
            for (_, _, pool), a, b in zip(groups, bounds[:-1], bounds[1:], strict=True)
        ]
        eligible = may_open(np.concatenate(draws))
        chosen = pick_first_eligible(
            draws,
            [k for _, k, _ in groups],
            [eligible[a:b] for a, b in itertools.pairwise(bounds)],
        )
        referred: list[IntArray] = []
        referrer_ids: list[int] = []
        for (s, _, _), c in zip(groups, chosen, strict=True):
            if len(c):
                s.referrals += len(c)
                taken[c] = True
                referred.append(c)
                referrer_ids.append(s.index)
        return referred, referrer_ids
