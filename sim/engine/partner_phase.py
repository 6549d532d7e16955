"""The partner-updates phase: ledgers, MDF, exits, desk capacity and recruitment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.base import Status
from sim.agents.state import tier_names
from sim.agents.updates import end_period
from sim.engine.capacity import update_desk_slots
from sim.engine.partner_ledger import post_flows
from sim.engine.period import Clock
from sim.engine.program_accounts import settle_program

if TYPE_CHECKING:
    from sim.model import ChannelModel


def partner_updates_phase(model: ChannelModel) -> None:
    """Ledgers, MDF, rebates and fees, exits, desk capacity and recruitment, at the period end.

    Args:
        model: The model, after this period's billing.
    """
    flows = model.flows
    st = model.seller_state
    costs = model.vendor_costs_period
    arrays = model.seller_arrays
    purchases = post_flows(st, flows, arrays.distributor)
    active = st.active[: len(purchases)].copy()
    program_costs, model.mdf_awareness = settle_program(
        model.program_books,
        st,
        purchases,
        active,
        model.config.program,
        Clock(model.period, model.period_months, model.periods_per_year),
        tier_names(st, len(model.sellers)) if model.config.program.fees else [],
        # The accrual rate per seller: the program's plus its tier's mdf_rate.
        model.config.program.mdf.accrual_rate + st.row("mdf_rate")[: len(purchases)],
    )
    costs["mdf"] += program_costs["mdf"]
    costs["commissions"] += float(flows.commissions.sum())
    costs["rebates_bonuses"] += float(flows.bonuses.sum()) + program_costs["rebates_bonuses"]
    for i in end_period(model, active).tolist():
        seller = model.sellers[i]
        seller.status = Status.EXITED
        seller.exited_period = model.period
    model.tier_program.review_phase(model)
    model.partner_slots_set = update_desk_slots(
        model.sellers,
        arrays.slot_base,
        arrays.is_partner,
        arrays.has_desk,
        st,
        model.desks,
        model.partner_slots_set,
        float(model.env.now),
    )
    model.recruitment.recruit()
