"""The sellers' attributes that change only when sellers join or the product changes, as arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import Seller
from sim.engine.pricing import ListPerSeat
from sim.market.population import Route
from sim.names import PARTNER_TYPES

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

ROUTE_CODES: dict[str, int] = {r.name.lower(): int(r) for r in Route}
"""Route code of each seller route (``RouteKind`` value → :class:`~sim.market.population.Route`)."""


@dataclass
class SellerArrays:
    """One row per seller of what changes only when sellers join or the product changes.

    Attributes:
        territories: (sellers, territories) coverage.
        segments: (sellers, segments) coverage.
        verticals: (sellers, verticals) coverage.
        specialised: (sellers, verticals) vertical specialisation.
        route: Route code (:data:`ROUTE_CODES`).
        is_direct: The vendor's own channel.
        services: Offers implementation services.
        managed: Its offer is managed (MSP).
        projects_only: Bids only on accounts that need implementation (SI).
        list_month: List cost per seat per month of its offer over the choice horizon
            (one-off amounts spread over the horizon; a managed fee not included).
        reach: (sellers, territories) bid probability relative to home: 1 in its territories,
            its away reach elsewhere (0 for the vendor's channels and exclusive holders).
        sets_prices: Sets its margin by best response (else its pass-through is fixed).
        services_per_price: Services profit per seat-month per unit of customer price (k).
        attached: Profit per seat-month of a sale that does not depend on its price (a
            managed fee's margin).
        is_partner: A partner (not the vendor's own channel).
        reps: Sales reps.
        reach_per_rep: Chance one rep reaches an opportunity (partners).
        distributor: The distributor it buys through, or -1.
        discount: Its discount off list.
        pass_through: Share of its discount passed on to the customer.
        dist_margin: Its distributor's discount (two-tier), else 0.
        services_attach: Chance a won deal comes with services.
        services_ratio: Services revenue per list amount.
        cycle_multiplier: Multiplier of the segment's sales cycle.
        managed_fee: Management fee per seat per month (MSP).
        partner_type: Position in ``PARTNER_TYPES``, or -1 for the vendor's channels.
        slot_base: Desk slots at full commitment (partners; NaN otherwise).
        churn_factor: Multiplier of its customers' churn hazard.
        direct_bid: Bid probability of the vendor's channels (0 for partners).
        max_queue: Longest queue at its desk before it stops bidding (-1: no limit).
        has_desk: Works won deals at a desk.
        in_bank: Its desk is a row of the desk bank (not a SimPy process).
    """

    territories: BoolArray
    segments: BoolArray
    verticals: BoolArray
    specialised: BoolArray
    route: NDArray[np.int8]
    is_direct: BoolArray
    services: BoolArray
    managed: BoolArray
    projects_only: BoolArray
    list_month: FloatArray
    reach: FloatArray
    sets_prices: BoolArray
    services_per_price: FloatArray
    attached: FloatArray
    is_partner: BoolArray
    reps: FloatArray
    reach_per_rep: FloatArray
    distributor: IntArray
    discount: FloatArray
    pass_through: FloatArray
    dist_margin: FloatArray
    services_attach: FloatArray
    services_ratio: FloatArray
    cycle_multiplier: FloatArray
    managed_fee: FloatArray
    partner_type: IntArray
    slot_base: FloatArray
    churn_factor: FloatArray
    direct_bid: FloatArray
    max_queue: IntArray
    has_desk: BoolArray
    in_bank: BoolArray

    def __len__(self) -> int:
        return len(self.is_partner)

    def extended(self, rows: SellerArrays) -> SellerArrays:
        """These rows followed by ``rows`` (sellers that joined since)."""
        return SellerArrays(
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(rows, f.name)])
                for f in fields(self)
            }
        )


def seller_arrays(
    sellers: Sequence[Seller], prices: ListPerSeat, managed_prices: ListPerSeat, horizon: float
) -> SellerArrays:
    """The arrays of the given sellers.

    Args:
        sellers: Sellers, in seller order.
        prices: List amounts per seat of a new sale now.
        managed_prices: List amounts per seat of a managed sale now.
        horizon: Months over which the customer compares costs (``choice.horizon_months``).
    """
    once, monthly, maint = prices
    m_once, m_monthly, _ = managed_prices
    managed = np.array([s.managed for s in sellers])
    fee = np.array([s.managed_fee() for s in sellers])
    list_month = np.where(managed, m_once / horizon + m_monthly, once / horizon + monthly + maint)
    first_year = np.where(managed, m_once + 12 * m_monthly, once + 12 * (monthly + maint))
    services_margin = np.array([s.services_margin for s in sellers])
    attach = np.array([s.services_attach * s.services_ratio for s in sellers])
    territories = np.array([s.territories for s in sellers])
    away = np.array([s.away_reach for s in sellers])
    verticals = np.array([s.verticals for s in sellers])
    specialised = np.array([s.specialised for s in sellers])
    return SellerArrays(
        territories=territories,
        segments=np.array([s.segments for s in sellers]),
        verticals=verticals,
        specialised=verticals & specialised[:, None],
        route=np.array([ROUTE_CODES[s.route.value] for s in sellers], dtype=np.int8),
        is_direct=np.array([not s.is_partner for s in sellers]),
        services=np.array([s.services_attach > 0 for s in sellers]),
        managed=managed,
        projects_only=np.array([s.projects_only for s in sellers]),
        list_month=list_month,
        reach=np.where(territories, 1.0, away[:, None]),
        sets_prices=np.array([s.sets_prices for s in sellers], dtype=bool),
        services_per_price=services_margin * attach * first_year / (horizon * list_month),
        attached=fee * services_margin,
        is_partner=np.array([s.is_partner for s in sellers]),
        reps=np.array([float(s.reps) for s in sellers]),
        reach_per_rep=np.array([s.reach_per_rep() for s in sellers]),
        distributor=distributor_index(sellers),
        discount=np.array([s.discount for s in sellers]),
        pass_through=np.array([s.pass_through for s in sellers]),
        dist_margin=np.array(
            [s.distributor.discount if s.distributor is not None else 0.0 for s in sellers]
        ),
        services_attach=np.array([s.services_attach for s in sellers]),
        services_ratio=np.array([s.services_ratio for s in sellers]),
        cycle_multiplier=np.array([s.cycle_multiplier for s in sellers]),
        managed_fee=fee,
        partner_type=np.array(
            [PARTNER_TYPES.index(s.kind) if s.kind in PARTNER_TYPES else -1 for s in sellers],
            dtype=np.int64,
        ),
        slot_base=np.array([s.slot_base() for s in sellers]),
        churn_factor=np.array([s.churn_factor for s in sellers]),
        direct_bid=np.array([0.0 if s.is_partner else s.bid_probability() for s in sellers]),
        max_queue=np.array([s.max_queue for s in sellers], dtype=np.int64),
        has_desk=np.array([s.has_desk for s in sellers], dtype=bool),
        in_bank=np.array([s.has_desk and s.desk is None for s in sellers], dtype=bool),
    )


def distributor_index(sellers: Sequence[Seller]) -> IntArray:
    """Per seller, the index of the distributor it buys through, or -1."""
    return np.array(
        [s.distributor.index if s.distributor is not None else -1 for s in sellers],
        dtype=np.int64,
    )


class SellerArraysCache:
    """The seller arrays, rebuilt only when sellers join or the product changes.

    When sellers joined and the product is the same, only their rows are built and appended.
    """

    def __init__(self) -> None:
        self._key: tuple[int, bool] | None = None
        self._arrays: SellerArrays | None = None

    def invalidate(self) -> None:
        """Rebuild every row at the next :meth:`get` (a seller's discount changed)."""
        self._key = None

    @property
    def arrays(self) -> SellerArrays:
        """The arrays as last built."""
        assert self._arrays is not None, "built by get() first"
        return self._arrays

    def get(
        self,
        sellers: Sequence[Seller],
        subscription: bool,
        prices: ListPerSeat,
        managed_prices: ListPerSeat,
        horizon: float,
    ) -> SellerArrays:
        """The arrays of every seller now.

        Args:
            sellers: Every seller, in seller order.
            subscription: Whether new sales are subscriptions now (the product's state).
            prices: List amounts per seat of a new sale now.
            managed_prices: List amounts per seat of a managed sale now.
            horizon: ``choice.horizon_months``.
        """
        key = (len(sellers), subscription)
        old = self._key
        if old == key and self._arrays is not None:
            return self._arrays
        if old is not None and self._arrays is not None and old[1] == key[1] and old[0] < key[0]:
            # New sellers joined: their rows are appended to the cached ones.
            rows = seller_arrays(sellers[old[0] :], prices, managed_prices, horizon)
            self._arrays = self._arrays.extended(rows)
        else:
            self._arrays = seller_arrays(sellers, prices, managed_prices, horizon)
        self._key = key
        return self._arrays
