"""Desk capacity: each seller's concurrent slots follow its commitment (partners) or its reps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.agents.base import Seller
from sim.agents.state import SellerState
from sim.engine.period import BoolArray, FloatArray
from sim.sales.desk_bank import UNLIMITED, DeskBank


def update_desk_slots(
    sellers: Sequence[Seller],
    slot_base: FloatArray,
    is_partner: BoolArray,
    has_desk: BoolArray,
    state: SellerState,
    desks: DeskBank,
    slots_set: FloatArray,
    now: float,
) -> FloatArray:
    """Set each desk's slots for next period.

    A partner's slots are ``max(1, round(slot_base × commitment))``
    (:meth:`Partner.capacity_slots` for all partners at once); the vendor's own desks are asked
    every period. Only desks whose slot count changed are touched. Exited partners keep
    working the deals they won.

    Args:
        sellers: Every seller.
        slot_base: Each seller's slots at full commitment (partners).
        is_partner: Whether each seller is a partner.
        has_desk: Whether each seller has a desk.
        state: The seller state (commitment).
        desks: The desk bank.
        slots_set: The partners' slots as set last period.
        now: The SimPy time.

    Returns:
        The partners' slots as set now (pass them back next period).
    """
    partner_slots: FloatArray = np.maximum(1.0, np.round(slot_base * state.commitment))
    changed = ~is_partner
    changed[len(slots_set) :] = True
    changed[: len(slots_set)] |= partner_slots[: len(slots_set)] != slots_set
    changed &= has_desk
    banked: list[int] = []
    banked_slots: list[int] = []
    for i in np.flatnonzero(changed).tolist():
        seller = sellers[i]
        slots = int(partner_slots[i]) if is_partner[i] else seller.capacity_slots()
        if seller.desk is not None:
            seller.desk.set_slots(slots)
        else:
            banked.append(i)
            banked_slots.append(UNLIMITED if slots is None else slots)
    if banked:
        desks.set_slots(
            np.array(banked, dtype=np.int64), np.array(banked_slots, dtype=np.int64), now
        )
    return partner_slots
