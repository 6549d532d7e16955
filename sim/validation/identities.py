"""Accounting identities of a run (``docs/model.md`` §7.22), as relative residuals.

Each identity ``a = b`` gives, per period (or per deal), ``|a − b| / max(floor, |a|, |b|,
scale)``, where ``scale`` is the money that period moved (list revenue + customer spend), so a
residual is floating-point rounding relative to the amounts involved; :func:`residuals` keeps
the largest over the run. ``tests/test_model_invariants.py`` asserts them every period and
``channelsim check-model`` reports them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.analysis.kpis import RunView
from sim.market.population import State
from sim.metrics import CHANNELS

FloatArray = npt.NDArray[np.float64]

TOLERANCE = 1e-9
"""The largest relative residual an identity may show (floating-point summation error)."""

REVENUE_COLUMNS = tuple(f"revenue_{c}" for c in CHANNELS)
COST_COLUMNS = (
    "cogs",
    "direct_sales_cost",
    "mdf",
    "commissions",
    "rebates_bonuses",
    "fees",
    "program_overhead",
    "channel_neutral_comp",
)
STATE_COLUMNS = tuple(f"state_{s.name.lower()}" for s in State)
"""One column per account state (``sim.market.population.State``)."""
PAYMENTS = (
    ("commissions", "commissions"),
    ("mdf_received", "mdf"),
    ("rebates", "rebates_bonuses"),
    ("revenue", "revenue_total"),
    ("program_fees", "program_fee_income"),
)
"""(partners.csv column, timeseries column): partner income = the vendor's cost or revenue."""


def relative_gap(a: npt.ArrayLike, b: npt.ArrayLike, scale: npt.ArrayLike = 0.0) -> float:
    """The largest ``|a − b| / max(1, |a|, |b|, scale)`` (0 for empty inputs).

    Args:
        a: One side of the identity.
        b: The other side.
        scale: The money involved, per element.

    Returns:
        The largest relative residual.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.size == 0:
        return 0.0
    floor = np.broadcast_to(np.asarray(scale, dtype=np.float64), x.shape)
    den = np.maximum.reduce([np.ones_like(x), np.abs(x), np.abs(y), floor])
    return float(np.max(np.abs(x - y) / den))


def _col(ts: pd.DataFrame, name: str) -> FloatArray:
    return ts[name].to_numpy(dtype=np.float64)


def _sum(ts: pd.DataFrame, names: tuple[str, ...]) -> FloatArray:
    return ts[list(names)].to_numpy(dtype=np.float64).sum(axis=1)


def timeseries_residuals(ts: pd.DataFrame, customers: int) -> dict[str, float]:
    """The identities that hold every period, on a timeseries.

    Args:
        ts: The timeseries (one row per period, in order).
        customers: N, the accounts in the market.

    Returns:
        Identity → largest relative residual over the periods.
    """
    money = _col(ts, "list_revenue") + _col(ts, "customer_spend")
    revenue = _col(ts, "revenue_total")
    costs = _sum(ts, COST_COLUMNS)
    cash = _col(ts, "cumulative_cash")
    # Program fees are vendor income inside contribution (0 in runs written before they existed).
    fee_income = _col(ts, "program_fee_income") if "program_fee_income" in ts else np.zeros(len(ts))
    cash_flow = (
        _col(ts, "billings") - _col(ts, "vendor_costs") - _col(ts, "marketing_cost") + fee_income
    )
    pools = ("margin_pool_vendor", "margin_pool_distributor", "margin_pool_resellers")
    return {
        "revenue_total = Σ revenue by channel": relative_gap(
            revenue, _sum(ts, REVENUE_COLUMNS), money
        ),
        "net_revenue = list_revenue − discounts": relative_gap(
            _col(ts, "net_revenue"), _col(ts, "list_revenue") - _col(ts, "discounts"), money
        ),
        "net_revenue = revenue_total": relative_gap(_col(ts, "net_revenue"), revenue, money),
        "revenue_total = direct + partner-fulfilled": relative_gap(
            revenue, _col(ts, "revenue_direct") + _col(ts, "revenue_partner_fulfilled"), money
        ),
        "vendor_costs = Σ cost lines": relative_gap(_col(ts, "vendor_costs"), costs, money),
        "contribution = revenue − costs": relative_gap(
            _col(ts, "contribution_margin"),
            revenue + fee_income - costs,
            money + _col(ts, "vendor_costs"),
        ),
        "customer_spend = Σ margin pools": relative_gap(
            _col(ts, "customer_spend"), _sum(ts, pools), money
        ),
        "cash(t) = cash(t−1) + billings − costs − marketing": relative_gap(
            np.diff(cash, prepend=0.0), cash_flow, 1e3
        ),
        "Σ state_* = N": relative_gap(_sum(ts, STATE_COLUMNS), np.full(len(ts), customers)),
        "customers_active = state_customer": relative_gap(
            _col(ts, "customers_active"), _col(ts, "state_customer")
        ),
    }


def deal_residuals(deals: pd.DataFrame) -> dict[str, float]:
    """The price waterfall of every won deal: who keeps what adds up to what the customer paid.

    Args:
        deals: The deals table (:func:`sim.outputs.deals_frame`).

    Returns:
        Identity → largest relative residual over the won deals.
    """
    won = deals[deals["outcome"] == "won"]
    price = won["customer_price"].to_numpy(dtype=np.float64)
    parts = won[["vendor_net", "distributor_margin", "reseller_margin"]].to_numpy(np.float64)
    listed = won["list_amount"].to_numpy(dtype=np.float64)
    discount = won["customer_discount"].to_numpy(dtype=np.float64)
    return {
        "customer price = vendor + distributor + reseller": relative_gap(parts.sum(axis=1), price),
        "list = customer price + discount": relative_gap(price + discount, listed),
    }


def payment_residuals(ts: pd.DataFrame, partners: pd.DataFrame) -> dict[str, float]:
    """Every vendor payment to sellers is their income, and their deals are its revenue.

    Args:
        ts: The timeseries.
        partners: The partners table (one row per seller, the direct channel included).

    Returns:
        Identity → relative residual of the run's totals.
    """
    return {
        f"Σ partners.{got} = Σ {paid}": relative_gap(
            float(partners[got].sum()), float(ts[paid].sum()), 1e3
        )
        for got, paid in PAYMENTS
    }


RESIDUALS: tuple[Callable[[RunView], dict[str, float]], ...] = (
    lambda run: timeseries_residuals(run.ts, int(run.config.market.customers)),
    lambda run: deal_residuals(run.deals),
    lambda run: payment_residuals(run.ts, run.partners),
)


def residuals(run: RunView) -> dict[str, float]:
    """Every accounting identity of a run.

    Args:
        run: The run's tables.

    Returns:
        Identity → largest relative residual (pass when ≤ :data:`TOLERANCE`).
    """
    out: dict[str, float] = {}
    for fn in RESIDUALS:
        out.update(fn(run))
    return out
