"""Partners that sell nothing to the N accounts: OEMs, ISVs, alliance partners, brokers.

They never bid, resell or set prices; what they cost and what a rival vendor would pay them
are their type's ``fixed_cost`` and ``rival_profit_per_rep`` per month, scaled by their size
(1 unless the role draws one, as OEMs do).
"""

from __future__ import annotations

from typing import Any

from sim.agents.base import Partner
from sim.scenario.schema import AllianceType, BrokerType, IsvType, OemType


class NonSellingPartner(Partner):
    """A partner that sells nothing to the N accounts (the roles' common part)."""

    params: OemType | IsvType | AllianceType | BrokerType
    closes_deals = False
    buys_through_distributor = False
    size: float = 1.0
    """Its volume relative to its type's (OEMs draw one; 1 for the others)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sets_prices = False  # it sells nothing to the N accounts

    def effort_base(self) -> float:
        """Monthly cost of its work for the vendor at full commitment (scaled by its size)."""
        return self.params.fixed_cost * self.size

    def rival_profit(self) -> float:
        """Monthly profit the same work for a rival vendor would give it (scaled by its size)."""
        return self.params.rival_profit_per_rep * self.size
