"""Why an opportunity got no offer (SPEC §2.2).

Nobody covers it, every queue is full, every offer is above the cut-off, or no seller that
could reach it bid.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from sim.sales.coverage import coverage
from sim.sales.tables import Opportunities, SellerTable
from sim.sales.utility import role_fits, within_cut_off
from sim.scenario.schema import Choice

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


class Unserved(IntEnum):
    """Why an opportunity got no offer (checked in this order)."""

    SERVED = 0
    """It got at least one offer."""
    NO_SELLER = 1
    """No selling seller covers its territory, segment and vertical (SIs: and its need)."""
    QUEUES_FULL = 2
    """Sellers cover it, but none can bid now (queue full or credit line used up)."""
    OVER_BUDGET = 3
    """Every offer that could be made costs more than the cut-off multiple of its budget."""
    NOT_REACHED = 4
    """Offers within the cut-off were possible, but no seller's reach drew it (or the
    conflict rule removed the bids)."""


def _any_cover(
    opps: Opportunities, table: SellerTable, idx: IntArray, mask: BoolArray
) -> BoolArray:
    """Whether any masked seller covers each opportunity (SIs only where a project is needed).

    From the per-key counts of covering sellers, without listing them.
    """
    where = (opps.territory[idx], opps.segment[idx], opps.vertical[idx], table.cover)
    general = coverage(*where, mask & ~table.projects_only)
    projects = coverage(*where, mask & table.projects_only)
    covered: BoolArray = (general.count[general.key_of] > 0) | (
        opps.needs_implementation[idx] & (projects.count[projects.key_of] > 0)
    )
    return covered


def _covering_pairs(
    opps: Opportunities, table: SellerTable, idx: IntArray, mask: BoolArray
) -> tuple[IntArray, IntArray]:
    """(position in ``idx``, seller) pairs: the masked sellers covering each opportunity."""
    cov = coverage(opps.territory[idx], opps.segment[idx], opps.vertical[idx], table.cover, mask)
    row, col = cov.pairs()
    seller = cov.bidders[col]
    fits = role_fits(opps, table, idx[row], seller)
    return row[fits], seller[fits]


def unserved_reasons(
    opps: Opportunities, table: SellerTable, params: Choice, no_offer: BoolArray
) -> NDArray[np.int8]:
    """The :class:`Unserved` reason of each opportunity (``SERVED`` where it had an offer).

    Args:
        opps: The opportunities.
        table: This period's sellers.
        params: Choice parameters (the cut-off).
        no_offer: Which opportunities got no offer.
    """
    reason = np.full(len(no_offer), Unserved.SERVED, dtype=np.int8)
    idx = np.flatnonzero(no_offer)
    if not len(idx):
        return reason
    any_seller = _any_cover(opps, table, idx, table.selling)
    can_bid = _any_cover(opps, table, idx, table.can_bid)
    # Over budget: among those a seller could bid on, is every covering offer above the cut-off?
    in_budget = np.zeros(len(idx), dtype=bool)
    check = np.flatnonzero(can_bid)
    if len(check):
        row, seller = _covering_pairs(opps, table, idx[check], table.can_bid)
        made = within_cut_off(opps, table, params, idx[check][row], seller)
        in_budget[check] = np.bincount(row[made], minlength=len(check)) > 0
    reason[idx] = np.select(
        [~any_seller, ~can_bid, ~in_budget],
        [Unserved.NO_SELLER, Unserved.QUEUES_FULL, Unserved.OVER_BUDGET],
        Unserved.NOT_REACHED,
    )
    return reason
