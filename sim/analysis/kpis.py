"""Summary KPIs of one run, computed from its output tables.

:func:`summary_kpis` reads the timeseries, partners and deals tables (the same tables a run
directory holds) and returns a flat, JSON-safe dict: floats, ints, ``None`` and dicts of those;
never NaN or infinity. A KPI that is undefined for the run (a share of nothing, a fit that did
not converge, a cost per customer with no customers) is ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.analysis.bass import BassFit, fit_bass, months_to_share
from sim.analysis.inequality import gini, top_share
from sim.names import CHANNELS, PARTNER_TYPES

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

RETENTION_WINDOW_MONTHS = 12.0
"""The window of ``nrr`` and ``grr``: the last 12 months of the run."""


@dataclass(frozen=True)
class Retention:
    """Recurring revenue of a cohort of customers over a window.

    The cohort is the accounts that were customers at the window's start.

    Attributes:
        start_mrr: The cohort's MRR at the window's start.
        retained_mrr: The cohort's MRR at the window's end, each account capped at its start
            MRR (accounts that churned count 0).
        expansion_mrr: MRR the cohort's accounts added over their start MRR (0 until the model
            has upsells and price changes).
    """

    start_mrr: float
    retained_mrr: float
    expansion_mrr: float = 0.0


def retention_from_mrr(start: ArrayLike, end: ArrayLike) -> Retention:
    """Build a :class:`Retention` from per-account MRR at the window's start and end.

    Args:
        start: MRR of every account at the start of the window (0 for non-customers).
        end: MRR of every account at the end of the window (0 for non-customers), same order.

    Returns:
        The cohort's retention figures; the cohort is the accounts with start MRR > 0.
    """
    s = np.asarray(start, dtype=np.float64)
    e = np.asarray(end, dtype=np.float64)
    cohort = s > 0
    s, e = s[cohort], e[cohort]
    return Retention(
        start_mrr=float(s.sum()),
        retained_mrr=float(np.minimum(s, e).sum()),
        expansion_mrr=float(np.maximum(e - s, 0.0).sum()),
    )


def period_months(config: Scenario) -> float:
    """Months in one period of the scenario (1 for months, 12/52 for weeks).

    Args:
        config: The scenario.

    Returns:
        Months per period.
    """
    return 1.0 if config.time.period == "month" else 12.0 / 52.0


def _num(value: Any) -> float | None:
    """A finite float, or None."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _ratio(num: float, den: float) -> float | None:
    return _num(num / den) if den > 0 else None


def _col(frame: pd.DataFrame, name: str) -> NDArray[np.float64]:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=np.float64)
    return np.nan_to_num(frame[name].to_numpy(dtype=np.float64), nan=0.0)


def _sum(frame: pd.DataFrame, name: str) -> float:
    return float(_col(frame, name).sum())


def _last(frame: pd.DataFrame, name: str) -> float:
    values = _col(frame, name)
    return float(values[-1]) if len(values) else 0.0


def _npv(
    values: NDArray[np.float64], periods: NDArray[np.float64], rate: float, pm: float
) -> float:
    """Σ value_t · (1 + r)^(−t · months_per_period / 12)."""
    factors = (1.0 + rate) ** (-periods * pm / 12.0)
    return float((values * factors).sum())


def _partner_rows(partners: pd.DataFrame) -> pd.DataFrame:
    if partners.empty or "partner_id" not in partners.columns:
        return partners.iloc[0:0]
    return partners[partners["partner_id"] != "direct"]


def _cac(ts: pd.DataFrame, partners: pd.DataFrame, deals: pd.DataFrame) -> dict[str, float | None]:
    """Acquisition cost per new customer by channel (see :func:`summary_kpis`)."""
    if deals.empty or "outcome" not in deals.columns:
        won = deals.iloc[0:0]
    else:
        won = deals[deals["outcome"] == "won"]
    logos = won["seller_type"].value_counts() if len(won) else pd.Series(dtype=np.int64)
    new_logos = {c: int(logos.get(c, 0)) for c in CHANNELS}
    total_logos = sum(new_logos.values())
    discount = (
        (won["list_amount"] - won["vendor_net"]).groupby(won["seller_type"]).sum()
        if len(won)
        else pd.Series(dtype=np.float64)
    )
    # Referred new customers count toward the referrer's type too (affiliates never close).
    if len(won) and "referrer" in won.columns:
        types = dict(zip(partners["partner_id"], partners["type"], strict=True))
        referred = won["referrer"].map(types).value_counts()
    else:
        referred = pd.Series(dtype=np.int64)
    rows = _partner_rows(partners)
    paid = (
        (rows["mdf_received"] + rows["commissions"] + rows["rebates"]).groupby(rows["type"]).sum()
        if len(rows)
        else pd.Series(dtype=np.float64)
    )
    out: dict[str, float | None] = {}
    marketing = _sum(ts, "marketing_cost")
    direct_logos = new_logos["direct"]
    marketing_share = marketing * direct_logos / total_logos if total_logos else 0.0
    direct_cost = _sum(ts, "direct_sales_cost") + float(discount.get("direct", 0.0))
    out["direct"] = _ratio(direct_cost + marketing_share, direct_logos)
    for ptype in PARTNER_TYPES:
        n = new_logos[ptype] + (int(referred.get(ptype, 0)) if ptype != "direct" else 0)
        cost = float(discount.get(ptype, 0.0)) + float(paid.get(ptype, 0.0))
        out[ptype] = _ratio(cost, n)
    return out


def summary_kpis(
    ts: pd.DataFrame,
    partners: pd.DataFrame,
    deals: pd.DataFrame,
    config: Scenario,
    retention: Retention | None = None,
    fit: BassFit | None = None,
) -> dict[str, Any]:
    """Compute the summary KPIs of a run.

    Money is in the scenario's currency; "over the run" means summed over every period.

    * ``revenue_total``, ``contribution_total``: vendor net revenue and contribution margin over
      the run. ``revenue_npv``, ``contribution_npv``: the same, period t discounted by
      ``(1 + finance.discount_rate_annual) ** (−t · months_per_period / 12)``.
    * ``channel_mix``: per channel (direct and the nine partner types), its share of
      ``revenue_total``; ``partner_share_of_revenue``: 1 − the direct share.
    * ``adoption_final``; ``months_to_50pct_adoption`` (None if adoption never reaches 0.5);
      ``peak_new_customers_period`` (first period with the most new customers; None if none);
      ``bass_p``, ``bass_q``, ``bass_m``: the discrete Bass model fitted to ``adoption`` per
      period (None when the fit does not converge).
    * ``partner_revenue_gini``, ``partner_revenue_top20_share``: over the ``revenue`` of every
      partner row of ``partners`` (``direct`` excluded), None without partners.
    * ``conflict_rate``: opportunities with two or more bidders / opportunities opened.
    * ``partner_churn``: partners that exited / partners ever in the program.
    * ``cac_by_channel``: acquisition cost per new customer, per channel, None where the
      channel won no new customer. New customers of a channel are the won deals it closed
      (referred deals also count for the referring partner's type, so affiliates have a CAC).
      Direct: (direct reps' cost over the run + first-year discounts off list of direct deals
      + a share of marketing spend equal to direct's share of all new customers) / direct new
      customers. A partner type: (first-year discounts off list of its deals, i.e. list −
      vendor net, which includes distributor margins of two-tier deals + MDF + commissions +
      rebates and bonuses paid to partners of that type) / its new customers.
    * ``nrr``, ``grr``: net and gross revenue retention over the last 12 months of the run for
      the cohort of accounts that were customers 12 months before the end, from ``retention``
      (per-account MRR at both ends): GRR = 1 − churned MRR / starting MRR, NRR = (starting
      MRR − churned MRR + expansion) / starting MRR, expansion being 0 in the current model.
      None without ``retention`` or when the cohort had no MRR (e.g. runs of 12 months or less).
    * ``customers_final``, ``arr_final``, ``mrr_final``, ``cumulative_cash_final``;
      ``new_customers_total``, ``churned_customers_total``, ``opportunities_total``,
      ``bookings_total``, ``billings_total``, ``cost_of_channel_total``,
      ``direct_cost_of_sales_total``, ``win_rate`` (won / opened over the run);
      ``distributor_gross_margin``: distributors' margin / their sales (None without sales).

    Args:
        ts: The timeseries (one row per period, ``period`` = 1 … T).
        partners: The partners table (:func:`sim.outputs.partners_frame`).
        deals: The deals table (:func:`sim.outputs.deals_frame`).
        config: The scenario of the run.
        retention: The retention cohort's MRR, when the run tracked it.
        fit: The Bass fit of ``ts["adoption"]`` when already computed (fitted here otherwise).

    Returns:
        The KPIs by name; every value is a float, an int, None or a dict of those.
    """
    pm = period_months(config)
    rate = config.finance.discount_rate_annual
    periods = _col(ts, "period")
    revenue = _col(ts, "revenue_total")
    contribution = _col(ts, "contribution_margin")
    revenue_total = float(revenue.sum())

    channel_mix = {c: _ratio(_sum(ts, f"revenue_{c}"), revenue_total) for c in CHANNELS}
    direct_share = channel_mix["direct"]

    adoption = _col(ts, "adoption")
    if fit is None and len(adoption):
        fit = fit_bass(adoption)
    converged = fit is not None and fit.converged
    new_customers = _col(ts, "new_customers")
    peak: int | None = None
    if len(new_customers) and new_customers.max() > 0:
        peak = int(periods[int(np.argmax(new_customers))])

    rows = _partner_rows(partners)
    partner_revenue = rows["revenue"].to_numpy(dtype=np.float64) if len(rows) else np.zeros(0)
    exited = int((rows["status"] == "exited").sum()) if len(rows) else 0
    distributors = rows[rows["type"] == "distributor"] if len(rows) else rows

    grr = nrr = None
    if retention is not None and retention.start_mrr > 0:
        grr = _num(retention.retained_mrr / retention.start_mrr)
        nrr = _num((retention.retained_mrr + retention.expansion_mrr) / retention.start_mrr)

    opened = _sum(ts, "opportunities_opened")
    kpis: dict[str, Any] = {
        "revenue_total": revenue_total,
        "revenue_npv": _npv(revenue, periods, rate, pm),
        "contribution_total": float(contribution.sum()),
        "contribution_npv": _npv(contribution, periods, rate, pm),
        "channel_mix": channel_mix,
        "partner_share_of_revenue": None if direct_share is None else _num(1.0 - direct_share),
        "adoption_final": _last(ts, "adoption"),
        "months_to_50pct_adoption": _num(months_to_share(adoption, 0.5, pm)),
        "peak_new_customers_period": peak,
        "bass_p": _num(fit.p) if converged and fit is not None else None,
        "bass_q": _num(fit.q) if converged and fit is not None else None,
        "bass_m": _num(fit.m) if converged and fit is not None else None,
        "partner_revenue_gini": _num(gini(partner_revenue)) if len(partner_revenue) else None,
        "partner_revenue_top20_share": (
            _num(top_share(partner_revenue, 0.2)) if len(partner_revenue) else None
        ),
        "conflict_rate": _ratio(_sum(ts, "conflicts"), opened),
        "partner_churn": _ratio(exited, len(rows)),
        "cac_by_channel": _cac(ts, partners, deals),
        "nrr": nrr,
        "grr": grr,
        "customers_final": round(_last(ts, "customers_active")),
        "arr_final": _last(ts, "arr"),
        "mrr_final": _last(ts, "mrr"),
        "cumulative_cash_final": _last(ts, "cumulative_cash"),
        "new_customers_total": round(float(new_customers.sum())),
        "churned_customers_total": round(_sum(ts, "churned_customers")),
        "opportunities_total": round(opened),
        "bookings_total": _sum(ts, "bookings"),
        "billings_total": _sum(ts, "billings"),
        "cost_of_channel_total": _sum(ts, "cost_of_channel"),
        "direct_cost_of_sales_total": _sum(ts, "direct_cost_of_sales"),
        "win_rate": _ratio(_sum(ts, "opportunities_won"), opened),
        "distributor_gross_margin": (
            _ratio(
                float(distributors["distributor_margin"].sum()),
                float(distributors["distributor_sales"].sum()),
            )
            if len(distributors)
            else None
        ),
    }
    return {key: json_safe(value) for key, value in kpis.items()}


def json_safe(value: Any) -> Any:
    """Turn numpy scalars into Python numbers and non-finite floats into None, recursively.

    Args:
        value: A number, None, a string, or a dict or list of those.

    Returns:
        The same structure with only JSON-safe values.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _num(value)
    return value
