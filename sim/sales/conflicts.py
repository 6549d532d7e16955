"""Channel conflict by kind on each opportunity, from its bids (SPEC §2.5).

A conflict is a partner meeting another of the vendor's routes on one opportunity: the direct
reps, the online store, or another partner. The kinds may overlap on one opportunity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.market.population import ROUTE_DIRECT, ROUTE_PARTNER, ROUTE_SELF_SERVE

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Conflicts:
    """The kinds of channel conflict on each opportunity (they may overlap on one).

    Attributes:
        direct: The vendor's direct reps and at least one partner bid.
        store: The online store and at least one partner offered.
        partner: Two or more partners bid.
        same_type: Two or more partners of one type bid.
        partner_bid: At least one partner bid (the conflict rates' denominator).
    """

    direct: BoolArray
    store: BoolArray
    partner: BoolArray
    same_type: BoolArray
    partner_bid: BoolArray

    @property
    def any(self) -> BoolArray:
        """Opportunities with a conflict of any kind."""
        return self.direct | self.store | self.partner


def bid_conflicts(
    bid_counts: IntArray,
    bid_sellers: NDArray[np.int32],
    route: NDArray[np.int8],
    partner_type: IntArray,
) -> Conflicts:
    """Classify each opportunity's conflicts from its bids, vectorised over the bids.

    Args:
        bid_counts: Number of bids on each opportunity.
        bid_sellers: The bidding sellers, opportunity after opportunity.
        route: Route code of each seller (:class:`~sim.market.population.Route`: the store is
            ``SELF_SERVE``, the direct reps ``DIRECT``, partners ``PARTNER``).
        partner_type: Each seller's partner type code (-1 for the vendor's channels).

    Returns:
        The conflicts of each opportunity.
    """
    n = len(bid_counts)
    opp = np.repeat(np.arange(n), bid_counts)
    bid_route = route[bid_sellers]
    partners = np.bincount(opp[bid_route == ROUTE_PARTNER], minlength=n)
    reps = np.bincount(opp[bid_route == ROUTE_DIRECT], minlength=n) > 0
    store = np.bincount(opp[bid_route == ROUTE_SELF_SERVE], minlength=n) > 0
    partner_bid = partners >= 1
    # Two bids of one type on one opportunity: (opportunity, type) pairs counted twice or more.
    is_partner = bid_route == ROUTE_PARTNER
    kinds = int(partner_type.max()) + 1 if len(partner_type) else 1
    pair = opp[is_partner] * kinds + partner_type[bid_sellers[is_partner]]
    same = np.zeros(n, dtype=bool)
    if len(pair):
        pairs, counts = np.unique(pair, return_counts=True)
        same[pairs[counts >= 2] // kinds] = True
    return Conflicts(reps & partner_bid, store & partner_bid, partners >= 2, same, partner_bid)
