"""Why an opportunity got no offer (SPEC §2.2).

Nobody covers it, every queue is full, every offer is above the cut-off, or no seller that
could reach it bid.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from sim.arrays import index_ranges
from sim.sales.coverage import coverage
from sim.sales.tables import Opportunities, SellerTable
from sim.sales.utility import within_cut_off
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


def _covered(opps: Opportunities, table: SellerTable, idx: IntArray, mask: BoolArray) -> IntArray:
    """(opportunity position in ``idx``, seller) pairs: masked sellers covering each one."""
    cov = coverage(opps.territory[idx], opps.segment[idx], opps.vertical[idx], table.cover, mask)
    k = cov.key_of
    row = np.repeat(np.arange(len(idx)), cov.count[k])
    seller = cov.bidders[cov.sellers[index_ranges(cov.start[k], cov.count[k])]]
    fits = ~table.projects_only[seller] | opps.needs_implementation[idx[row]]
    return np.stack([row[fits], seller[fits]])


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
    m = len(idx)
    row, _ = _covered(opps, table, idx, table.selling)
    any_seller = np.bincount(row, minlength=m) > 0
    row, seller = _covered(opps, table, idx, table.can_bid)
    can_bid = np.bincount(row, minlength=m) > 0
    made = within_cut_off(opps, table, params, idx[row], seller)
    in_budget = np.bincount(row[made], minlength=m) > 0
    codes = np.select(
        [~any_seller, ~can_bid, ~in_budget],
        [Unserved.NO_SELLER, Unserved.QUEUES_FULL, Unserved.OVER_BUDGET],
        Unserved.NOT_REACHED,
    )
    reason[idx] = codes
    return reason
