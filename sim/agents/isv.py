"""ISVs: add-ons that raise the product's value fit in their verticals; add-on revenue."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.agents.non_selling import NonSellingPartner
from sim.scenario.schema import IsvType

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Isv(NonSellingPartner):
    """An ISV: its add-on makes the product fit its vertical better, whoever sells it.

    It never bids or resells. Every offer to an account of its verticals in its territories
    gains a value-fit bonus (:func:`coverage`, :func:`sim.engine.ecosystem.Ecosystem.fit_bonus`);
    it earns add-on revenue from the vendor's customers there (:func:`attached_revenue`).
    """

    params: IsvType


def coverage(
    commitment: FloatArray, territories: BoolArray, verticals: BoolArray, active: BoolArray
) -> FloatArray:
    """Share of each (territory, vertical) cell that the partners' offers cover.

    ``1 − Π_i (1 − c_i · T_i[t] · V_i[v])`` over the active partners i: one partner at
    commitment c covers c of its cells; more partners in one cell cover more, up to 1.

    Args:
        commitment: Each partner's commitment.
        territories: (partners, territories) coverage.
        verticals: (partners, verticals) coverage.
        active: Whether each is active.

    Returns:
        (territories, verticals) coverage in [0, 1].
    """
    c = np.where(active, commitment, 0.0)
    if len(c) == 0:
        return np.zeros((territories.shape[1], verticals.shape[1]))
    each = c[:, None, None] * territories[:, :, None] * verticals[:, None, :]
    cover: FloatArray = 1.0 - np.prod(1.0 - each, axis=0)
    return cover


def attached_revenue(
    seats: FloatArray,
    commitment: FloatArray,
    territories: BoolArray,
    verticals: BoolArray,
    active: BoolArray,
    per_seat: float,
) -> FloatArray:
    """Each partner's revenue from the vendor's customer seats in its cells.

    A cell's revenue is ``per_seat · seats[t, v] · coverage[t, v]`` (:func:`coverage`), split
    among the partners covering it in proportion to their commitment.

    Args:
        seats: (territories, verticals) seats of the vendor's active customers.
        commitment: Each partner's commitment.
        territories: (partners, territories) coverage.
        verticals: (partners, verticals) coverage.
        active: Whether each is active.
        per_seat: Revenue per covered seat this period (price × uptake × months).

    Returns:
        Revenue per partner this period.
    """
    c = np.where(active, commitment, 0.0)
    weight = c[:, None, None] * territories[:, :, None] * verticals[:, None, :]
    total = weight.sum(axis=0)
    cell = per_seat * seats * coverage(commitment, territories, verticals, active)
    per_weight = np.divide(cell, total, out=np.zeros_like(cell), where=total > 0)
    revenue: FloatArray = (weight * per_weight[None]).sum(axis=(1, 2))
    return revenue
