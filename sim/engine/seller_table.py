"""This period's seller table: who can bid, how likely, at what price, and who is incumbent."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import Seller
from sim.agents.state import SellerState
from sim.engine.period import PeriodCounters
from sim.engine.seller_arrays import SellerArrays
from sim.sales.desk_bank import DeskBank
from sim.sales.tables import SellerTable

IntArray = NDArray[np.int64]


def queue_lengths(sellers: Sequence[Seller], desks: DeskBank, process_desks: list[int]) -> IntArray:
    """Opportunities waiting at each seller's desk (bank rows and SimPy desks).

    Args:
        sellers: Every seller.
        desks: The desk bank.
        process_desks: Indices of the sellers whose desk is a SimPy process.
    """
    queue = desks.queue_lengths(len(sellers))
    for i in process_desks:
        desk = sellers[i].desk
        assert desk is not None
        queue[i] = desk.queue_length
    return queue


def seller_table(
    arrays: SellerArrays,
    state: SellerState,
    sellers: Sequence[Seller],
    queue: IntArray,
    customers: NDArray[np.integer],
    blocked: NDArray[np.bool_],
    price_month: NDArray[np.float64],
    counters: PeriodCounters,
) -> SellerTable:
    """Every seller as arrays for this period, with its current offer.

    Who can bid (active, closes deals, room in its queue, within its distributor's credit
    line), where (its home territories; open partners elsewhere at their away reach), how
    likely (partners: 1 − (1 − reach_per_rep)^(reps × commitment)) and with what
    service quality are computed now; the rest comes from ``arrays``. Each reseller's
    ``credit_blocked`` is set, and the active ones blocked are counted in
    ``counters.credit_blocks``.

    Args:
        arrays: The sellers' slowly changing arrays.
        state: The seller state.
        sellers: Every seller.
        queue: Opportunities waiting at each seller's desk (:func:`queue_lengths`).
        customers: Customers per (seller, territory) now, kept by billing.
        blocked: Resellers beyond their distributor's credit line
            (:func:`~sim.agents.distributor.credit_blocked`).
        price_month: (sellers, territories, segments) customer cost per seat-month
            (:meth:`~sim.engine.price_review.ResellerPrices.price_month`).
        counters: This period's counters (``credit_blocks`` set).
    """
    n_s = len(sellers)
    active = state.active[:n_s]
    max_queue = arrays.max_queue
    queue_ok = ~arrays.has_desk | (max_queue < 0) | (queue < max_queue)
    # Resellers buying through a distributor stop bidding beyond their credit line.
    for i in np.flatnonzero(arrays.distributor >= 0).tolist():
        sellers[i].credit_blocked = bool(blocked[i])
    counters.credit_blocks = int(np.count_nonzero(blocked & active & state.closes_deals))
    selling = active & state.closes_deals
    can_bid = selling & queue_ok & ~blocked
    effort = arrays.reps * state.commitment
    bid_p = np.where(
        arrays.is_partner, 1.0 - (1.0 - arrays.reach_per_rep) ** effort, arrays.direct_bid
    )
    quality = np.array([s.service_quality for s in sellers])
    # Whether each seller serves customers in each territory now.
    incumbent = np.zeros((n_s, customers.shape[1]), dtype=bool)
    counts = customers[:n_s]
    incumbent[: len(counts)] = counts > 0
    return SellerTable(
        can_bid=can_bid,
        bid_probability=bid_p,
        territories=arrays.territories,
        segments=arrays.segments,
        verticals=arrays.verticals,
        specialised=arrays.specialised,
        route=arrays.route,
        is_direct=arrays.is_direct,
        services=arrays.services,
        managed=arrays.managed,
        projects_only=arrays.projects_only,
        service_quality=quality,
        price_month=price_month,
        reach=arrays.reach,
        incumbent=incumbent,
        selling=selling,
        partner_type=arrays.partner_type,
        lead_priority=state.lead_priority[:n_s].copy(),
    )
