"""OEMs: embed the product in their own offer and sell it to their own market for a royalty."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.agents.non_selling import NonSellingPartner
from sim.scenario.schema import OemType

if TYPE_CHECKING:
    from sim.model import ChannelModel

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Oem(NonSellingPartner):
    """An OEM: sells units of its own product, with the vendor's product inside, to its own market.

    Its market lies outside the model's N accounts: it never bids, never closes an account's
    deal and does not buy through a distributor. Each period it ships
    :func:`oem_units` units (times its ``size``) and pays the vendor ``royalty_per_unit`` on
    each (the vendor's ``revenue_oem``); it keeps ``margin_per_unit − royalty_per_unit`` per
    unit. Its effort cost and outside option scale with its size, so OEMs of every size reach
    the same commitment.
    """

    params: OemType

    def __init__(self, model: ChannelModel, partner_id: str, kind: str, *args: Any) -> None:
        # Its size (its volume relative to the type's) is lognormal with mean 1 and sigma
        # ``weight``, drawn once from the stream ``partners.size.oem`` before its costs are set.
        params: OemType = args[0]
        z = model.streams.get(f"partners.size.{kind}").standard_normal()
        self.size = float(np.exp(params.weight * z - params.weight**2 / 2))
        super().__init__(model, partner_id, kind, *args)


def bass_share(age_months: FloatArray, p: float, q: float) -> FloatArray:
    """Bass adoption share F(a) of a market a months after launch.

    ``F(a) = (1 − e^{−(p+q)a}) / (1 + (q/p)·e^{−(p+q)a})``; 0 when p = 0 (nobody starts).

    Args:
        age_months: Months since launch (negative ages count as 0).
        p: Innovation coefficient per month.
        q: Imitation coefficient per month.

    Returns:
        F in [0, 1), one per age.
    """
    a = np.maximum(np.asarray(age_months, dtype=np.float64), 0.0)
    if p <= 0.0:
        return np.zeros_like(a)
    decay = np.exp(-(p + q) * a)
    share: FloatArray = (1.0 - decay) / (1.0 + (q / p) * decay)
    return share


def oem_units(
    params: OemType,
    size: FloatArray,
    commitment: FloatArray,
    age_months: FloatArray,
    active: BoolArray,
    period_months: float,
) -> FloatArray:
    """Units each OEM ships this period: ``units_per_month · size · commitment · F(age) · m``.

    F is the Bass share (:func:`bass_share`) of its own market since it joined, so an OEM's
    sales ramp up along an S-curve to ``units_per_month`` at full commitment; its commitment to
    the vendor scales them (the share of its product line that embeds this vendor's product).

    Args:
        params: The OEM type's parameters.
        size: Each OEM's size (lognormal, mean 1).
        commitment: Each OEM's commitment.
        age_months: Months each has been in the programme (at the end of this period).
        active: Whether each is active (inactive ones ship nothing).
        period_months: Months per period.

    Returns:
        Units per OEM this period.
    """
    share = bass_share(age_months, params.market_innovation, params.market_imitation)
    units: FloatArray = np.where(
        active, params.units_per_month * size * commitment * share * period_months, 0.0
    )
    return units
