"""Market development funds: accrual and allocation, the claims workflow, local marketing.

Reselling partners accrue ``accrual_rate`` of their purchases (or a per-seller rate, e.g. by
tier) and may receive a share of the vendor's discretionary budget; the funds then go through
the ledger of :mod:`sim.program.funds` under ``program.mdf.workflow``: ``immediate`` (the whole
balance spent and reimbursed the next period) or ``claims`` (request → activity → claim →
reimbursement, with expiry). Spent funds raise awareness in the partner's territories the next
period; the vendor books what it reimburses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.state import COL, SellerState
from sim.engine.period import BoolArray, Clock, FloatArray
from sim.program.funds import IMMEDIATE, FundStep, FundTerms, MdfFunds, allocate, allocation_weights
from sim.scenario.schema import Mdf, MdfWorkflow


@dataclass(frozen=True)
class MdfTotals:
    """The MDF movements of one period, summed over sellers (timeseries columns)."""

    accrued: float = 0.0
    spent: float = 0.0
    reimbursed: float = 0.0
    rejected: float = 0.0
    expired: float = 0.0
    open: float = 0.0
    """Funds still open at the period's end (unrequested, activity pending, claim pending)."""


def fund_terms(params: Mdf, period_months: float) -> FundTerms:
    """The workflow's terms in periods (``immediate`` has fixed terms)."""
    if params.workflow == MdfWorkflow.IMMEDIATE:
        return IMMEDIATE
    pm = period_months
    return FundTerms(
        request_share=params.request_share,
        activity_periods=round(params.activity_months / pm),
        claim_delay_periods=round(params.claim_delay_months / pm),
        expiry_periods=max(1, round(params.expiry_months / pm)),
        rejection=params.claim_rejection,
    )


def discretionary(
    state: SellerState, n: int, eligible: BoolArray, params: Mdf, pm: float
) -> FloatArray:
    """The period's discretionary budget allocated by ``params.allocation`` (per seller)."""
    if params.discretionary_budget <= 0.0:
        return np.zeros(n)
    h = state.history
    recent_first = (state.history_pos - 1 - np.arange(h)) % h
    history = state.row("purchase_history")[:n][:, recent_first]
    weights = allocation_weights(history, params.allocation.value)
    return allocate(params.discretionary_budget * pm, weights, eligible)


def settle_mdf(
    state: SellerState,
    purchases: FloatArray,
    active: BoolArray,
    params: Mdf,
    clock: Clock,
    funds: MdfFunds,
    rate: FloatArray | None = None,
) -> tuple[MdfTotals, FloatArray]:
    """Run the period's MDF: spend and reimburse what is due, then accrue from purchases.

    Args:
        state: The seller state (ledger rows updated: ``mdf_received``, ``mdf_spent``).
        purchases: Each billed seller's purchases this period.
        active: Per billed seller, whether it is active this period (only active partners
            request funds).
        params: ``program.mdf``.
        clock: The current period.
        funds: The funds ledger (updated).
        rate: Optional accrual rate per seller (the partner phase passes ``accrual_rate`` plus
            each seller's tier ``mdf_rate``); ``params.accrual_rate`` if None.

    Returns:
        The period's totals, and the awareness probability per month that the spending adds in
        each territory next period.
    """
    n = len(purchases)
    earns = state.is_partner[:n] & state.closes_deals[:n]
    r = params.accrual_rate if rate is None else np.asarray(rate, dtype=np.float64)[:n]
    accrued = np.where(earns & (purchases > 0), r * purchases, 0.0)
    accrued = accrued + discretionary(state, n, earns & active[:n], params, clock.period_months)
    step = funds.step(clock.period, accrued, active[:n], fund_terms(params, clock.period_months))
    ledger = state.row("period")[:n]
    ledger[:, COL["mdf_received"]] += step.reimbursed[:n]
    ledger[:, COL["mdf_spent"]] += step.spent[:n]
    return _totals(step, funds, n), spend_awareness(
        state.territories[:n], step.spent[:n], params.awareness_per_100k, clock.period_months
    )


def spend_awareness(
    territories: BoolArray, spent: FloatArray, per_100k: float, period_months: float
) -> FloatArray:
    """Awareness probability per month per territory from each seller's spend (split evenly)."""
    per_terr = spent / np.maximum(territories.sum(axis=1), 1)
    return np.asarray((per_terr @ territories) * per_100k / 100_000.0 / period_months)


def _totals(step: FundStep, funds: MdfFunds, n: int) -> MdfTotals:
    return MdfTotals(
        accrued=float(step.accrued.sum()),
        spent=float(step.spent.sum()),
        reimbursed=float(step.reimbursed.sum()),
        rejected=float(step.rejected.sum()),
        expired=float(step.expired.sum()),
        open=float(funds.open_total(n).sum()),
    )
