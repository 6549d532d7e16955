"""Summary KPIs of one run, computed from its output tables.

:func:`summary_kpis` reads the timeseries, partners and deals tables (the same tables a run
directory holds) through a :class:`RunView` and computes every KPI of the registry
(:mod:`sim.analysis.kpi_registry`, where each KPI's name, unit, direction and meaning are
declared). It returns a flat, JSON-safe dict: floats, ints, ``None`` and dicts of those; never NaN
or infinity. A KPI that is undefined for the run (a share of nothing, a fit that did not converge,
a cost per customer with no customers) is ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.analysis.bass import BassFit, BassNlsFit, fit_bass, fit_bass_nls, months_to_share
from sim.analysis.inequality import gini, top_share
from sim.analysis.kpi_registry import KPIS
from sim.names import CHANNELS, DIRECT, PARTNER_TYPES

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
    return partners[partners["partner_id"] != DIRECT]


def _cac(ts: pd.DataFrame, partners: pd.DataFrame, deals: pd.DataFrame) -> dict[str, float | None]:
    """Acquisition cost per new customer by channel (see :meth:`RunView.cac_by_channel`)."""
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
    direct_logos = new_logos[DIRECT]
    marketing_share = marketing * direct_logos / total_logos if total_logos else 0.0
    direct_cost = _sum(ts, "direct_sales_cost") + float(discount.get(DIRECT, 0.0))
    out[DIRECT] = _ratio(direct_cost + marketing_share, direct_logos)
    for ptype in PARTNER_TYPES:
        n = new_logos[ptype] + (int(referred.get(ptype, 0)) if ptype != DIRECT else 0)
        cost = float(discount.get(ptype, 0.0)) + float(paid.get(ptype, 0.0))
        out[ptype] = _ratio(cost, n)
    return out


class RunView:
    """One run's tables as the KPIs of :data:`~sim.analysis.kpi_registry.KPIS` read them.

    Every registered KPI's ``compute`` is a function of a view. Columns missing from a table
    count as zeros; figures several KPIs share (the Bass fit, the partner rows) are computed
    once.

    Args:
        ts: The timeseries (one row per period, ``period`` = 1 … T).
        partners: The partners table (:func:`sim.outputs.partners_frame`).
        deals: The deals table (:func:`sim.outputs.deals_frame`).
        config: The scenario of the run.
        retention: The retention cohort's MRR, when the run tracked it.
        fit: The Bass fit of ``ts["adoption"]`` when already computed (fitted on demand
            otherwise).
        nls_fit: The NLS Bass fit of the adoptions per period when already computed (fitted
            on demand otherwise).
    """

    def __init__(
        self,
        ts: pd.DataFrame,
        partners: pd.DataFrame,
        deals: pd.DataFrame,
        config: Scenario,
        retention: Retention | None = None,
        fit: BassFit | None = None,
        nls_fit: BassNlsFit | None = None,
    ) -> None:
        self.ts = ts
        self.partners = partners
        self.deals = deals
        self.config = config
        self.retention = retention
        self._fit = fit
        self._nls_fit = nls_fit

    # -- timeseries columns ---------------------------------------------------------------------

    def has(self, column: str) -> bool:
        """Whether the timeseries has a column."""
        return column in self.ts.columns

    def total(self, column: str) -> float:
        """A timeseries column summed over the run."""
        return _sum(self.ts, column)

    def last(self, column: str) -> float:
        """A timeseries column's value in the last period (0 without periods)."""
        return _last(self.ts, column)

    def ratio(self, numerator: str, denominator: str) -> float | None:
        """Two timeseries columns' totals over the run divided (None if the second is ≤ 0)."""
        return _ratio(self.total(numerator), self.total(denominator))

    def npv(self, column: str) -> float:
        """A timeseries column's net present value: value_t · (1 + r)^(−t · months/period / 12)."""
        periods = _col(self.ts, "period")
        rate = self.config.finance.discount_rate_annual
        return _npv(_col(self.ts, column), periods, rate, period_months(self.config))

    def partner_profit_total(self) -> float:
        """Every ``partner_profit_<type>`` column summed over the run."""
        columns = [str(c) for c in self.ts.columns if str(c).startswith("partner_profit_")]
        return float(np.nan_to_num(self.ts[columns].to_numpy(dtype=np.float64), nan=0.0).sum())

    def channel_mix(self) -> dict[str, float | None]:
        """Per channel, its ``revenue_<channel>`` over the run / ``revenue_total`` over the run."""
        revenue_total = self.total("revenue_total")
        return {c: _ratio(self.total(f"revenue_{c}"), revenue_total) for c in CHANNELS}

    def partner_share_of_revenue(self) -> float | None:
        """1 − the direct channel's share of revenue (None without revenue)."""
        direct_share = self.channel_mix()[DIRECT]
        return None if direct_share is None else _num(1.0 - direct_share)

    def months_to_adoption(self, share: float) -> float | None:
        """Months until ``adoption`` first reaches ``share`` (None if it never does)."""
        adoption = _col(self.ts, "adoption")
        return _num(months_to_share(adoption, share, period_months(self.config)))

    def peak_new_customers_period(self) -> int | None:
        """The first period with the most new customers (None without new customers)."""
        new_customers = _col(self.ts, "new_customers")
        if len(new_customers) and new_customers.max() > 0:
            return int(_col(self.ts, "period")[int(np.argmax(new_customers))])
        return None

    @cached_property
    def fit(self) -> BassFit | None:
        """The discrete Bass model fitted to ``adoption`` (None without periods)."""
        adoption = _col(self.ts, "adoption")
        if self._fit is None and len(adoption):
            return fit_bass(adoption)
        return self._fit

    def bass(self, parameter: str) -> float | None:
        """A parameter (``p``, ``q`` or ``m``) of the discrete Bass fit; None unless converged."""
        fit = self.fit
        return _num(getattr(fit, parameter)) if fit is not None and fit.converged else None

    @cached_property
    def nls_fit(self) -> BassNlsFit | None:
        """The continuous Bass model fitted by NLS to the adoptions per period (None without).

        The adoptions per period are the increments of ``adoption`` (share of all accounts that
        ever bought), so ``m`` is a share of accounts (bounded by 1); ``p`` and ``q`` are per
        year (:func:`~sim.analysis.bass.fit_bass_nls`).
        """
        adoption = _col(self.ts, "adoption")
        if self._nls_fit is not None or not len(adoption):
            return self._nls_fit
        per_year = 12.0 / period_months(self.config)
        return fit_bass_nls(adoption, per_year, m_max=1.0, cumulative=True)

    def bass_nls(self, parameter: str) -> float | None:
        """``p``, ``q`` (per year), ``m`` (share) or ``r2`` of the NLS fit (None if it failed)."""
        fit = self.nls_fit
        return _num(getattr(fit, parameter)) if fit is not None and fit.converged else None

    # -- partners and deals ---------------------------------------------------------------------

    @cached_property
    def partner_rows(self) -> pd.DataFrame:
        """The rows of the partners table, direct sales excluded."""
        return _partner_rows(self.partners)

    @cached_property
    def closing_partner_rows(self) -> pd.DataFrame:
        """Rows of partners that close deals (affiliates and wholesale-only distributors out).

        Without a ``closes_deals`` column (older run directories) every partner row.
        """
        rows = self.partner_rows
        if len(rows) and "closes_deals" in rows.columns:
            return rows[rows["closes_deals"].astype(bool)]
        return rows

    @cached_property
    def _partner_revenue(self) -> NDArray[np.float64]:
        rows = self.closing_partner_rows
        return rows["revenue"].to_numpy(dtype=np.float64) if len(rows) else np.zeros(0)

    def partner_revenue_gini(self) -> float | None:
        """Gini of the revenue of partners that close deals (None without such partners)."""
        revenue = self._partner_revenue
        return _num(gini(revenue)) if len(revenue) else None

    def partner_revenue_top20_share(self) -> float | None:
        """Share of closing partners' revenue that the top 20 % of them closed (None without).

        Over partners that close deals only: a type that cannot sell (affiliates, distributors
        that only wholesale) would otherwise count as zeros and inflate the share.
        """
        revenue = self._partner_revenue
        return _num(top_share(revenue, 0.2)) if len(revenue) else None

    def affiliate_revenue_top20_share(self) -> float | None:
        """Share of affiliates' commissions that the top 20 % of affiliates earned.

        Commissions are the affiliates' revenue (a share of the revenue their referrals
        brought). None without affiliates or without commissions paid.
        """
        rows = self.partner_rows
        if not len(rows) or "commissions" not in rows.columns:
            return None
        paid = rows.loc[rows["type"] == "affiliate", "commissions"].to_numpy(dtype=np.float64)
        return _num(top_share(paid, 0.2)) if len(paid) and paid.sum() > 0 else None

    def partner_churn(self) -> float | None:
        """Partners that close deals and exited / such partners ever in the program.

        Affiliates (and distributors that only wholesale) never close deals and are left out;
        :meth:`partner_churn_by_type` reports every type. None without such partners.
        """
        rows = self.partner_rows
        if len(rows) and "closes_deals" in rows.columns:
            rows = rows[rows["closes_deals"].astype(bool)]
        exited = int((rows["status"] == "exited").sum()) if len(rows) else 0
        return _ratio(exited, len(rows))

    def partner_churn_by_type(self) -> dict[str, float | None]:
        """Per partner type, its partners that exited / its partners ever in the program.

        Keyed by channel like :meth:`channel_mix`; None for ``direct`` and for a type with no
        partners.
        """
        rows = self.partner_rows
        out: dict[str, float | None] = dict.fromkeys(CHANNELS)
        if not len(rows):
            return out
        exited = (rows["status"] == "exited").groupby(rows["type"]).agg(["sum", "size"])
        for ptype, (n_exited, n_ever) in exited.iterrows():
            out[str(ptype)] = _ratio(int(n_exited), int(n_ever))
        return out

    def distributor_gross_margin(self) -> float | None:
        """Realised distributor gross margin of won two-tier deals, read from the deals table.

        Σ distributor margin ÷ Σ distributor sales over won deals with a distributor, where a
        deal's distributor sales are what the reseller paid the distributor (vendor net +
        distributor margin). None without such deals.
        """
        deals = self.deals
        if deals.empty or "distributor" not in deals.columns:
            return None
        two_tier = deals[(deals["outcome"] == "won") & (deals["distributor"].fillna("") != "")]
        margin = float(two_tier["distributor_margin"].sum())
        return _ratio(margin, margin + float(two_tier["vendor_net"].sum()))

    def per_active_partner_month(self, ptype: str, column: str) -> float | None:
        """A ``partners.csv`` column summed over a type's partners, per active partner-month.

        The denominator is ``partners_active_<type>`` summed over the run times months per
        period (None when no partner of the type was ever active).
        """
        rows = self.partner_rows
        if not len(rows) or column not in rows.columns or not self.has(f"partners_active_{ptype}"):
            return None
        total = float(rows.loc[rows["type"] == ptype, column].sum())
        return _ratio(total, self.total(f"partners_active_{ptype}") * period_months(self.config))

    def _won_deals(
        self, offer_types: tuple[str, ...] = (), seller_type: str = "", segment: str = ""
    ) -> pd.DataFrame:
        """Won deals of the given offer types, seller type and segment (empty without columns)."""
        deals = self.deals
        needed = {"offer_type", "seller_type", "outcome", "customer_discount", "list_amount"}
        if deals.empty or not needed <= set(deals.columns):
            return pd.DataFrame(
                columns=["reseller_margin", "customer_price", "customer_discount", "list_amount"]
            )
        keep = deals["outcome"] == "won"
        if offer_types:
            keep &= deals["offer_type"].isin(offer_types)
        if seller_type:
            keep &= deals["seller_type"] == seller_type
        if segment:
            keep &= deals["segment"] == segment
        return deals[keep]

    def margin_rate(self, seller_type: str, segment: str = "") -> float | None:
        """Σ reseller margin / Σ customer price over a type's won deals (first-year terms).

        Over one segment's deals when ``segment`` is given.
        """
        won = self._won_deals(seller_type=seller_type, segment=segment)
        return _ratio(float(won["reseller_margin"].sum()), float(won["customer_price"].sum()))

    def customer_discount(self, offer_types: tuple[str, ...]) -> float | None:
        """Σ (list − customer price) / Σ list over won deals of the given offer types."""
        won = self._won_deals(offer_types)
        return _ratio(float(won["customer_discount"].sum()), float(won["list_amount"].sum()))

    def cac_by_channel(self) -> dict[str, float | None]:
        """Acquisition cost per new customer, per channel; None where it won no new customer.

        New customers of a channel are the won deals it closed (referred deals also count for
        the referring partner's type, so affiliates have a CAC). Direct: (direct reps' cost over
        the run + first-year discounts off list of direct deals + a share of marketing spend
        equal to direct's share of all new customers) / direct new customers. A partner type:
        (first-year discounts off list of its deals, i.e. list − vendor net, which includes
        distributor margins of two-tier deals + MDF + commissions + rebates and bonuses paid to
        partners of that type) / its new customers.
        """
        return _cac(self.ts, self.partners, self.deals)

    # -- retention ------------------------------------------------------------------------------

    def gross_retention(self) -> float | None:
        """GRR = 1 − churned MRR / starting MRR of the retention cohort (None without one)."""
        r = self.retention
        if r is None or r.start_mrr <= 0:
            return None
        return _num(r.retained_mrr / r.start_mrr)

    def net_retention(self) -> float | None:
        """NRR = (starting − churned MRR + expansion) / starting MRR (None without a cohort)."""
        r = self.retention
        if r is None or r.start_mrr <= 0:
            return None
        return _num((r.retained_mrr + r.expansion_mrr) / r.start_mrr)


def summary_kpis(
    ts: pd.DataFrame,
    partners: pd.DataFrame,
    deals: pd.DataFrame,
    config: Scenario,
    retention: Retention | None = None,
    fit: BassFit | None = None,
    nls_fit: BassNlsFit | None = None,
) -> dict[str, Any]:
    """Compute every KPI of the registry (:data:`~sim.analysis.kpi_registry.KPIS`) for a run.

    The meaning of each KPI is its registry entry's; ``nrr`` and ``grr`` are over the last 12
    months of the run for the cohort of accounts that were customers 12 months before the end,
    from ``retention`` (expansion is 0 in the current model, so NRR = GRR).

    Args:
        ts: The timeseries (one row per period, ``period`` = 1 … T).
        partners: The partners table (:func:`sim.outputs.partners_frame`).
        deals: The deals table (:func:`sim.outputs.deals_frame`).
        config: The scenario of the run.
        retention: The retention cohort's MRR, when the run tracked it.
        fit: The Bass fit of ``ts["adoption"]`` when already computed (fitted here otherwise).
        nls_fit: The NLS Bass fit when already computed (fitted here otherwise).

    Returns:
        The KPIs by name, in registry order; every value is a float, an int, None or a dict of
        those.
    """
    run = RunView(ts, partners, deals, config, retention, fit, nls_fit)
    return {kpi.name: json_safe(kpi.compute(run)) for kpi in KPIS}


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
