"""Market development funds: partners' accrual spent on local marketing, paid by the vendor."""

from __future__ import annotations

import numpy as np

from sim.agents.state import COL, SellerState
from sim.engine.period import BoolArray, FloatArray
from sim.scenario.schema import Mdf


def settle_mdf(
    state: SellerState,
    purchases: FloatArray,
    active: BoolArray,
    params: Mdf,
    period_months: float,
) -> tuple[float, FloatArray]:
    """Spend last period's MDF accrual and accrue the next one from this period's purchases.

    An active partner spends its whole balance on local marketing in its territories (split
    evenly) and the vendor reimburses it; an inactive partner's accrual expires. Partners that
    close deals accrue ``accrual_rate`` of their purchases, plus their tier's ``mdf_rate`` (the
    seller state's ``mdf_rate`` row, 0 without tiers).

    Args:
        state: The seller state (ledger rows and MDF balances are updated).
        purchases: Each billed seller's purchases this period.
        active: Per billed seller, whether it is active this period.
        params: ``program.mdf``.
        period_months: Months per period.

    Returns:
        The vendor's MDF cost this period, and the awareness probability per month that the
        spending adds in each territory next period.
    """
    n = len(purchases)
    ledger = state.row("period")[:n]
    balance = state.row("mdf_balance")[:n]
    spend = np.where(active[:n], balance, 0.0)
    ledger[:, COL["mdf_received"]] += spend
    ledger[:, COL["mdf_spent"]] += spend
    terr = state.territories[:n]
    per_terr = spend / np.maximum(terr.sum(axis=1), 1)
    awareness = (per_terr @ terr) * params.awareness_per_100k / 100_000.0 / period_months
    partner = state.is_partner[:n]
    closes = state.closes_deals[:n]
    rate = params.accrual_rate + state.row("mdf_rate")[:n]  # a tier adds its mdf_rate
    balance[:] = np.where(partner & closes & (purchases > 0), rate * purchases, 0.0)
    return float(spend.sum()), awareness
