"""Scalar measures of one run that the theory checks (and the tests) compare across runs.

Each measure is a function of a run's tables (:class:`sim.analysis.kpis.RunView`), so the
same definition serves ``channelsim check-model`` (on :func:`sim.run.simulate` results) and the
tests (on models they run themselves). Every measure is NaN where it is undefined (e.g. VAR
measures in a scenario without VARs).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.analysis.kpis import RunView

EARLY_MONTHS = slice(6, 25)
"""Periods 6–24 of a monthly run (0-based rows 6 … 24): awareness is still rising there."""


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _vars(run: RunView) -> pd.DataFrame:
    return run.partners[run.partners["type"] == "var"]


def var_revenue_per_var(run: RunView) -> float:
    """Median over VARs ever in the program of the vendor's net revenue from each one's deals.

    The median, not the mean: sizes are lognormal, so a few large VARs make the mean too noisy
    for a handful of replications; cannibalisation shows in the typical VAR.
    """
    rows = _vars(run)
    return float(rows["revenue"].median()) if len(rows) else math.nan


def mean_var_commitment(run: RunView) -> float:
    """Mean commitment of the VARs still active at the end."""
    rows = _vars(run)
    rows = rows[rows["status"] == "active"]
    return float(rows["commitment"].mean()) if len(rows) else math.nan


def var_margin_rate(run: RunView) -> float:
    """VARs' margin per sale: the ``var_margin_rate`` KPI (won deals, first-year terms)."""
    return _nan(run.margin_rate("var"))


def partner_conflicts(run: RunView) -> float:
    """Opportunities with two or more partner bidders, over the run (``conflicts_partner``)."""
    return run.total("conflicts_partner")


def customers_final(run: RunView) -> float:
    """Paying customers at the end (``customers_active`` in the last period)."""
    return run.last("customers_active")


def same_type_conflicts(run: RunView) -> float:
    """Opportunities two or more partners of one type bid on, over the run."""
    return run.total("conflicts_same_type")


def var_mid_margin_rate(run: RunView) -> float:
    """VARs' margin per sale on won mid-market deals (Σ reseller margin ÷ Σ customer price)."""
    return _nan(run.margin_rate("var", "mid"))


def final_mrr(run: RunView) -> float:
    """Monthly recurring revenue in the last period."""
    return run.last("mrr")


def direct_revenue(run: RunView) -> float:
    """The direct channel's revenue over the run (reps and online store)."""
    return run.total("revenue_direct")


def early_awareness(run: RunView) -> float:
    """Mean aware share over periods 6–24, while awareness is still rising."""
    aware = run.ts["aware_share"].to_numpy(dtype=np.float64)[EARLY_MONTHS]
    return float(aware.mean()) if aware.size else math.nan


def partner_share(run: RunView) -> float:
    """Partner-fulfilled revenue ÷ total revenue over the run."""
    return _nan(run.ratio("revenue_partner_fulfilled", "revenue_total"))


def direct_conflict_rate(run: RunView) -> float:
    """The ``conflict_rate`` KPI: direct conflicts ÷ opportunities a partner bid on."""
    return _nan(run.ratio("conflicts_direct", "opportunities_partner_bid"))


def discount_share(run: RunView) -> float:
    """List revenue given away ÷ list revenue over the run (``discounts`` ÷ ``list_revenue``)."""
    return _nan(run.ratio("discounts", "list_revenue"))


def realised_distributor_margin(deals: pd.DataFrame) -> float:
    """Σ distributor margin ÷ Σ distributor sales (margin + vendor net) of won two-tier deals."""
    won = deals[(deals["outcome"] == "won") & (deals["distributor"] != "")]
    margin = float(won["distributor_margin"].sum())
    sales = margin + float(won["vendor_net"].sum())
    return margin / sales if sales > 0 else math.nan


MEASURES: dict[str, Callable[[RunView], float]] = {
    "var_revenue_per_var": var_revenue_per_var,
    "mean_var_commitment": mean_var_commitment,
    "var_margin_rate": var_margin_rate,
    "var_mid_margin_rate": var_mid_margin_rate,
    "same_type_conflicts": same_type_conflicts,
    "customers_final": customers_final,
    "partner_conflicts": partner_conflicts,
    "final_mrr": final_mrr,
    "direct_revenue": direct_revenue,
    "early_awareness": early_awareness,
    "direct_conflict_rate": direct_conflict_rate,
    "discount_share": discount_share,
    "partner_share": partner_share,
    "partner_revenue_top20_share": lambda run: _nan(run.partner_revenue_top20_share()),
    "distributor_gross_margin": lambda run: _nan(run.distributor_gross_margin()),
    "realised_distributor_margin": lambda run: realised_distributor_margin(run.deals),
}
"""Measure name → function of a run's tables."""

LABELS: dict[str, str] = {
    "var_revenue_per_var": "median revenue per VAR",
    "mean_var_commitment": "mean commitment of active VARs",
    "var_margin_rate": "VAR margin per sale (share of customer price)",
    "var_mid_margin_rate": "VAR margin per mid-market sale (share of customer price)",
    "same_type_conflicts": "opportunities two or more partners of one type bid on",
    "customers_final": "customers at the end",
    "partner_conflicts": "partner-vs-partner conflicts",
    "final_mrr": "final MRR",
    "direct_revenue": "direct revenue",
    "early_awareness": "aware share, months 6–24",
    "direct_conflict_rate": "conflict rate (direct)",
    "discount_share": "discounts ÷ list revenue",
    "partner_share": "partner share of revenue",
    "partner_revenue_top20_share": "top-20 % share of closing partners' revenue",
    "distributor_gross_margin": "distributor gross margin",
    "realised_distributor_margin": "distributor margin from deals",
}
"""Measure name → label for reports."""


def measure_all(run: RunView) -> dict[str, float]:
    """Every measure of :data:`MEASURES` on one run.

    Args:
        run: The run's tables.

    Returns:
        Measure name → value (NaN where undefined).
    """
    return {name: fn(run) for name, fn in MEASURES.items()}
