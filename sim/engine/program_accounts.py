"""The programme's money at the period's end: MDF, growth rebates and program fees.

Called from the partner-updates phase after the flows are posted to the ledgers and before the
partners close their period, so that what a partner receives or pays counts in its profit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.agents.state import COL, SellerState
from sim.engine.mdf import MdfTotals, settle_mdf
from sim.engine.period import BoolArray, Clock, FloatArray
from sim.program.funds import MdfFunds
from sim.program.incentives import PurchaseWindows, program_fees, settle_growth_rebates
from sim.scenario.schema import Program


@dataclass
class ProgramBooks:
    """What the programme keeps across periods and this period's totals (timeseries columns)."""

    funds: MdfFunds = field(default_factory=MdfFunds)
    """The MDF funds ledger."""
    windows: PurchaseWindows | None = None
    """Purchases per period for growth rebates (created when rebates are on)."""
    mdf: MdfTotals = field(default_factory=MdfTotals)
    """This period's MDF movements."""
    growth_rebates: float = 0.0
    """Growth rebates paid this period."""
    fee_income: float = 0.0
    """Program fees the vendor charged this period."""


def settle_program(
    books: ProgramBooks,
    state: SellerState,
    purchases: FloatArray,
    active: BoolArray,
    program: Program,
    clock: Clock,
    tiers: Sequence[str] | NDArray[np.str_],
    mdf_rate: FloatArray | None = None,
) -> tuple[dict[str, float], FloatArray]:
    """MDF, growth rebates and program fees of the period, into the ledgers.

    Args:
        books: The programme's books (updated).
        state: The seller state (ledger rows updated: MDF, ``bonuses``, ``program_fees``).
        purchases: Each billed seller's purchases this period.
        active: Per billed seller, whether it is active this period.
        program: ``program``.
        clock: The current period.
        tiers: Each seller's tier name.
        mdf_rate: Optional MDF accrual rate per seller (e.g. by tier).

    Returns:
        The vendor's costs by line (``mdf``, ``rebates_bonuses``), and the awareness per month
        per territory that MDF spending adds next period.
    """
    n = len(purchases)
    books.mdf, awareness = settle_mdf(
        state, purchases, active, program.mdf, clock, books.funds, mdf_rate
    )
    ledger = state.row("period")[:n]
    resellers = state.is_partner[:n] & state.closes_deals[:n] & active[:n]
    rebates = _growth_rebates(books, purchases, resellers, program, clock)
    ledger[:, COL["bonuses"]] += rebates
    books.growth_rebates = float(rebates.sum())
    fees = np.zeros(n)
    if program.fees:
        fees = program_fees(np.array(tiers[:n]), program.fees, resellers, clock.period_months)
    ledger[:, COL["program_fees"]] += fees
    books.fee_income = float(fees.sum())
    return {"mdf": books.mdf.reimbursed, "rebates_bonuses": books.growth_rebates}, awareness


def _growth_rebates(
    books: ProgramBooks,
    purchases: FloatArray,
    eligible: BoolArray,
    program: Program,
    clock: Clock,
) -> FloatArray:
    inc = program.incentives
    if inc.growth_rebate <= 0.0:
        return np.zeros(len(purchases))
    if books.windows is None:
        window = max(1, round(inc.rebate_settlement_months / clock.period_months))
        books.windows = PurchaseWindows(window, clock.periods_per_year)
    books.windows.record(purchases)
    return settle_growth_rebates(
        books.windows, clock.period, eligible, inc.growth_rebate, inc.growth_threshold
    )
