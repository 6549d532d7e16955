"""Alliance partners: co-marketing and joint solutions in their customer base."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import Partner
from sim.scenario.schema import AllianceType

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Alliance(Partner):
    """An alliance partner: raises awareness in its territories; the vendor funds it.

    It never bids or resells. Active, it adds ``reach × commitment`` to the awareness
    probability per month of its territories (:func:`alliance_reach`), receives the vendor's
    co-marketing funds (spent on the joint campaigns) and earns joint-solution revenue from the
    vendor's customers it covers.
    """

    params: AllianceType
    closes_deals = False
    buys_through_distributor = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sets_prices = False  # it sells nothing to the N accounts

    def effort_base(self) -> float:
        """Monthly cost of the alliance at full commitment."""
        return self.params.fixed_cost

    def rival_profit(self) -> float:
        """Monthly profit an alliance with a rival vendor would give it."""
        return self.params.rival_profit_per_rep


def alliance_reach(
    reach: float, commitment: FloatArray, territories: BoolArray, active: BoolArray
) -> FloatArray:
    """Awareness probability per month the active alliance partners add, per territory.

    ``Σ_i reach · c_i · T_i[t]`` over the active partners (as affiliates' reach).

    Args:
        reach: ``partners.alliance.reach``.
        commitment: Each partner's commitment.
        territories: (partners, territories) coverage.
        active: Whether each is active.

    Returns:
        Probability per month, per territory.
    """
    per_month = np.where(active, reach * commitment, 0.0)
    out: FloatArray = np.asarray((territories * per_month[:, None]).sum(axis=0), dtype=np.float64)
    return out
