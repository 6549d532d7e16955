"""Alliance partners: co-marketing and joint solutions in their customer base."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.agents.non_selling import NonSellingPartner
from sim.scenario.schema import AllianceType

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Alliance(NonSellingPartner):
    """An alliance partner: raises awareness in its territories; the vendor funds it.

    It never bids or resells. Active, it adds ``reach × commitment`` to the awareness
    probability per month of its territories (:func:`alliance_reach`), receives the vendor's
    co-marketing funds (spent on the joint campaigns) and earns joint-solution revenue from the
    vendor's customers it covers.
    """

    params: AllianceType


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
