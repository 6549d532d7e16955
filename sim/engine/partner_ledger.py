"""Posting a period's money flows into every seller's ledger row, two-tier purchases included."""

from __future__ import annotations

import numpy as np

from sim.agents.state import COL, SellerState
from sim.engine.flows import Flows
from sim.engine.period import FloatArray, IntArray, sum_by


def post_flows(state: SellerState, flows: Flows, distributor: IntArray) -> FloatArray:
    """Add the period's flows to each seller's ledger.

    A partner buys what the vendor bills for its deals (vendor net plus its distributor's
    margin); a two-tier reseller's purchases are its distributor's sales, and the distributor
    keeps its margin.

    Args:
        state: The seller state (this period's ledger rows are added to).
        flows: The period's money flows, one element per seller billed this period.
        distributor: Per seller, the distributor it buys through, or -1.

    Returns:
        Each billed seller's purchases from the vendor (0 for the vendor's own channels).
    """
    n = len(flows.vendor_revenue)  # sellers that existed when this period was billed
    ledger = state.row("period")[:n]
    ledger[:, COL["vendor_revenue"]] += flows.vendor_revenue
    ledger[:, COL["customer_revenue"]] += flows.customer_revenue
    ledger[:, COL["resale_margin"]] += flows.reseller_margin
    ledger[:, COL["services_revenue"]] += flows.services
    ledger[:, COL["services_cost"]] += flows.services * (1.0 - state.services_margin[:n])
    ledger[:, COL["commissions"]] += flows.commissions
    ledger[:, COL["bonuses"]] += flows.bonuses
    partner = state.is_partner[:n]
    purchases: FloatArray = np.where(partner, flows.vendor_revenue + flows.distributor_margin, 0.0)
    ledger[:, COL["purchases"]] += purchases
    dist = distributor[:n]
    two_tier = dist >= 0
    ledger[:, COL["distributor_sales"]] += sum_by(dist[two_tier], purchases[two_tier], n)
    ledger[:, COL["distributor_margin"]] += sum_by(
        dist[two_tier], flows.distributor_margin[two_tier], n
    )
    return purchases
