"""The summary KPIs, declared once: name, label, unit, better direction, format, computation.

Every output and command that names a KPI reads this registry: ``summary.json``
(:func:`sim.analysis.kpis.summary_kpis` computes every entry, in registry order), the console
tables of ``channelsim run`` (:data:`RUN_TABLE_KPIS`) and ``compare``
(:data:`COMPARE_HEADLINE_KPIS`), the rows and ``better`` column of ``comparison.csv``
(:func:`better_direction`), the KPI names a sweep file accepts (:data:`KPI_NAMES`) and keeps by
default (:data:`SWEEP_DEFAULT_KPIS`), and the units on sensitivity plots (:func:`unit_of`).

A KPI's ``compute`` is a function of the run's :class:`~sim.analysis.kpis.RunView` (its
timeseries, partners and deals tables, scenario, retention cohort and Bass fit). Money is in the
scenario's currency; "over the run" means summed over every period. A KPI that is undefined for a
run (a share of nothing, a fit that did not converge) is None. A KPI computed per channel is a
dict by channel (:data:`sim.names.CHANNELS`); tables and sweeps flatten it as ``name.channel``.

Adding a KPI means adding one :class:`Kpi` entry here (at the place its row should take in
``comparison.csv``). This module imports nothing heavy, so the command line can read it cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from sim.names import CHANNELS

if TYPE_CHECKING:
    from sim.analysis.kpis import RunView

HIGHER: Final = "higher"
"""A KPI where a higher value is better."""

LOWER: Final = "lower"
"""A KPI where a lower value is better."""

Better = Literal["higher", "lower", ""]
"""Which direction of a KPI is better; ``""`` for a descriptive KPI."""

Format = Literal["money", "share", "count", "months", "number"]
"""How a KPI's value is shown: money (``1,234 USD``), a share (``12.3 %``), a count (``1,234``),
months (``9``) or a plain number (3 significant digits)."""


@dataclass(frozen=True)
class Kpi:
    """One summary KPI.

    Attributes:
        name: The key in ``summary.json`` and the ``kpi`` of ``comparison.csv``.
        label: Its name in console tables.
        unit: Its unit (``currency`` is the scenario's currency; ``share`` a fraction of 1).
        better: Which direction is better (:data:`HIGHER`, :data:`LOWER` or ``""``).
        fmt: How its value is shown (:data:`Format`).
        meaning: What it measures, in one line.
        compute: Its value from the run's :class:`~sim.analysis.kpis.RunView`.
        by_channel: Whether the value is a dict by channel (flattened as ``name.channel``).
        undefined: How an undefined (None) value is shown.
    """

    name: str
    label: str
    unit: str
    better: Better
    fmt: Format
    meaning: str
    compute: Callable[[RunView], Any]
    by_channel: bool = False
    undefined: str = "–"


# One entry per KPI, in the order of summary.json's KPIs and of comparison.csv's rows.
# fmt: off
KPIS: tuple[Kpi, ...] = (
    Kpi("revenue_total", "revenue total", unit="currency", better=HIGHER, fmt="money",
        meaning="vendor net revenue over the run",
        compute=lambda run: run.total("revenue_total")),
    Kpi("discount_cost_total", "discount cost total", unit="currency", better=LOWER, fmt="money",
        meaning="list revenue given away: the discounts column over the run (None without it)",
        compute=lambda run: run.total("discounts") if run.has("discounts") else None),
    Kpi("program_cost_total", "program cost total", unit="currency", better=LOWER, fmt="money",
        meaning="cost of the partner program over the run (MDF, commissions, rebates and "
        "bonuses, recruitment fees, overhead, channel-neutral pay, less program fees charged "
        "to partners): the program_cost column (None without it)",
        compute=lambda run: run.total("program_cost") if run.has("program_cost") else None),
    Kpi("revenue_npv", "revenue NPV", unit="currency", better=HIGHER, fmt="money",
        meaning="revenue with period t discounted by (1 + finance.discount_rate_annual) ** "
        "(−t · months per period / 12)",
        compute=lambda run: run.npv("revenue_total")),
    Kpi("contribution_total", "contribution total", unit="currency", better=HIGHER, fmt="money",
        meaning="vendor contribution margin over the run",
        compute=lambda run: run.total("contribution_margin")),
    Kpi("partner_profit_total", "partner profit total", unit="currency", better=HIGHER,
        fmt="money",
        meaning="profit of every partner over the run: the partner_profit_<type> columns summed",
        compute=lambda run: run.partner_profit_total()),
    Kpi("contribution_npv", "contribution NPV", unit="currency", better=HIGHER, fmt="money",
        meaning="contribution margin discounted like revenue_npv",
        compute=lambda run: run.npv("contribution_margin")),
    Kpi("channel_mix", "channel mix", unit="share", better="", fmt="share", by_channel=True,
        meaning="per channel (direct and every partner type), its share of revenue_total",
        compute=lambda run: run.channel_mix()),
    Kpi("partner_share_of_revenue", "partner share of revenue", unit="share", better=HIGHER,
        fmt="share",
        meaning="1 − the direct channel's share of revenue_total",
        compute=lambda run: run.partner_share_of_revenue()),
    Kpi("adoption_final", "adoption at end", unit="share", better=HIGHER, fmt="share",
        meaning="adoption (share of all accounts that have ever bought) in the last period",
        compute=lambda run: run.last("adoption")),
    Kpi("months_to_50pct_adoption", "months to 50 % adoption", unit="months", better=LOWER,
        fmt="months", undefined="never",
        meaning="months until adoption first reaches 0.5 (None if it never does)",
        compute=lambda run: run.months_to_adoption(0.5)),
    Kpi("peak_new_customers_period", "peak new-customer period", unit="period", better="",
        fmt="count",
        meaning="first period with the most new customers (None without new customers)",
        compute=lambda run: run.peak_new_customers_period()),
    Kpi("bass_p", "Bass p (innovation)", unit="per year", better="", fmt="number",
        meaning="continuous Bass model fitted by nonlinear least squares to the adoptions per "
        "period (increments of adoption; Srinivasan & Mason 1986): coefficient of innovation "
        "per year, whatever time.period is, comparable with published estimates (None when "
        "the fit does not converge, like bass_q, bass_m and bass_fit_r2)",
        compute=lambda run: run.bass_nls("p")),
    Kpi("bass_q", "Bass q (imitation)", unit="per year", better="", fmt="number",
        meaning="the NLS Bass fit's coefficient of imitation per year",
        compute=lambda run: run.bass_nls("q")),
    Kpi("bass_m", "Bass m (market potential)", unit="share", better="", fmt="share",
        meaning="the NLS Bass fit's market potential, as a share of all accounts",
        compute=lambda run: run.bass_nls("m")),
    Kpi("bass_fit_r2", "Bass fit R²", unit="index 0–1", better="", fmt="number",
        meaning="1 − SSE/SST of the NLS Bass fit on the adoptions per period",
        compute=lambda run: run.bass_nls("r2")),
    Kpi("bass_p_discrete", "discrete Bass p", unit="per period", better="", fmt="number",
        meaning="discrete Bass recursion fitted to the cumulative adoption per period: "
        "coefficient of innovation per period (None when the fit does not converge, like "
        "bass_q_discrete and bass_m_discrete)",
        compute=lambda run: run.bass("p")),
    Kpi("bass_q_discrete", "discrete Bass q", unit="per period", better="", fmt="number",
        meaning="the discrete Bass fit's coefficient of imitation per period",
        compute=lambda run: run.bass("q")),
    Kpi("bass_m_discrete", "discrete Bass m", unit="share", better="", fmt="share",
        meaning="the discrete Bass fit's market potential, as a share of all accounts",
        compute=lambda run: run.bass("m")),
    Kpi("partner_revenue_gini", "partner revenue Gini", unit="index 0–1", better="",
        fmt="number",
        meaning="Gini coefficient of the revenue of the partners that close deals (affiliates "
        "and wholesale-only distributors excluded; None without such partners)",
        compute=lambda run: run.partner_revenue_gini()),
    Kpi("partner_revenue_top20_share", "top 20 % partners' revenue share", unit="share",
        better="", fmt="share",
        meaning="share of the revenue of partners that close deals that the top 20 % of them "
        "closed (affiliates and wholesale-only distributors excluded)",
        compute=lambda run: run.partner_revenue_top20_share()),
    Kpi("affiliate_revenue_top20_share", "top 20 % affiliates' commission share", unit="share",
        better="", fmt="share",
        meaning="share of affiliates' commissions (their revenue: a share of referred revenue) "
        "that the top 20 % of affiliates earned (None without commissions)",
        compute=lambda run: run.affiliate_revenue_top20_share()),
    Kpi("conflict_rate", "conflict rate (direct)", unit="share", better=LOWER, fmt="share",
        meaning="opportunities the direct reps and a partner both bid on / opportunities at "
        "least one partner bid on (None if no partner bid)",
        compute=lambda run: run.ratio("conflicts_direct", "opportunities_partner_bid")),
    Kpi("store_conflict_rate", "conflict rate (store)", unit="share", better=LOWER, fmt="share",
        meaning="opportunities the online store and a partner both offered on / opportunities "
        "at least one partner bid on (None if no partner bid)",
        compute=lambda run: run.ratio("conflicts_store", "opportunities_partner_bid")),
    Kpi("partner_conflict_rate", "conflict rate (partner)", unit="share", better=LOWER,
        fmt="share",
        meaning="opportunities two or more partners bid on / opportunities at least one "
        "partner bid on (None if no partner bid)",
        compute=lambda run: run.ratio("conflicts_partner", "opportunities_partner_bid")),
    Kpi("registered_deal_share", "registered share of deals won", unit="share", better="",
        fmt="share",
        meaning="opportunities won by a partner holding an approved deal registration / "
        "opportunities won (None without wins)",
        compute=lambda run: run.ratio("registered_deals", "opportunities_won")
        if run.has("registered_deals") else None),
    Kpi("registration_discount_total", "deal-registration discount total", unit="currency",
        better=LOWER, fmt="money",
        meaning="extra discount given on registered deals (first-year value, when the account "
        "chose) over the run; part of discount_cost_total as the deals bill",
        compute=lambda run: run.total("registration_discount")
        if run.has("registration_discount") else None),
    Kpi("channel_neutral_comp_total", "channel-neutral pay total", unit="currency",
        better=LOWER, fmt="money",
        meaning="direct reps' pay on the partner deals they assisted under channel_neutral, "
        "over the run (a cost line inside contribution)",
        compute=lambda run: run.total("channel_neutral_comp")
        if run.has("channel_neutral_comp") else None),
    Kpi("partner_churn", "partner churn", unit="share", better=LOWER, fmt="share",
        meaning="partners that close deals and exited / such partners ever in the program "
        "(affiliates and wholesale-only distributors excluded; see partner_churn_by_type)",
        compute=lambda run: run.partner_churn()),
    Kpi("partner_churn_by_type", "partner churn by type", unit="share", better=LOWER,
        fmt="share", by_channel=True,
        meaning="per partner type, its partners that exited / its partners ever in the program "
        "(None for direct and for a type without partners)",
        compute=lambda run: run.partner_churn_by_type()),
    Kpi("cac_by_channel", "CAC by channel", unit="currency", better=LOWER, fmt="money",
        by_channel=True,
        meaning="acquisition cost per new customer, per channel (None where it won none; "
        "see RunView.cac_by_channel)",
        compute=lambda run: run.cac_by_channel()),
    Kpi("nrr", "NRR (last 12 months)", unit="share", better=HIGHER, fmt="share",
        meaning="net revenue retention over the last 12 months of the accounts that were "
        "customers 12 months before the end (None without that cohort)",
        compute=lambda run: run.net_retention()),
    Kpi("grr", "GRR (last 12 months)", unit="share", better=HIGHER, fmt="share",
        meaning="gross revenue retention (1 − churned and contracted MRR / starting MRR, each "
        "account's end MRR capped at its start) of the same cohort",
        compute=lambda run: run.gross_retention()),
    Kpi("customers_final", "customers at end", unit="customers", better=HIGHER, fmt="count",
        meaning="customers in the last period",
        compute=lambda run: round(run.last("customers_active"))),
    Kpi("arr_final", "ARR at end", unit="currency", better=HIGHER, fmt="money",
        meaning="annual recurring revenue in the last period",
        compute=lambda run: run.last("arr")),
    Kpi("mrr_final", "MRR at end", unit="currency", better=HIGHER, fmt="money",
        meaning="monthly recurring revenue in the last period",
        compute=lambda run: run.last("mrr")),
    Kpi("cumulative_cash_final", "cumulative cash at end", unit="currency", better=HIGHER,
        fmt="money",
        meaning="the vendor's cumulative cash in the last period",
        compute=lambda run: run.last("cumulative_cash")),
    Kpi("new_customers_total", "new customers total", unit="customers", better=HIGHER,
        fmt="count",
        meaning="new customers over the run",
        compute=lambda run: round(run.total("new_customers"))),
    Kpi("churned_customers_total", "churned customers total", unit="customers", better=LOWER,
        fmt="count",
        meaning="customers lost to churn over the run",
        compute=lambda run: round(run.total("churned_customers"))),
    Kpi("won_back_total", "won-back customers total", unit="customers", better=HIGHER,
        fmt="count",
        meaning="new customers over the run that had bought before (churned, then returned)",
        compute=lambda run: round(run.total("won_back"))),
    Kpi("opportunities_total", "opportunities total", unit="opportunities", better="",
        fmt="count",
        meaning="opportunities opened over the run",
        compute=lambda run: round(run.total("opportunities_opened"))),
    Kpi("bookings_total", "bookings total", unit="currency", better=HIGHER, fmt="money",
        meaning="bookings over the run",
        compute=lambda run: run.total("bookings")),
    Kpi("billings_total", "billings total", unit="currency", better=HIGHER, fmt="money",
        meaning="billings over the run",
        compute=lambda run: run.total("billings")),
    Kpi("cost_of_channel_total", "cost of channel total", unit="currency", better=LOWER,
        fmt="money",
        meaning="partner discounts and margins, MDF, commissions, rebates, fees and program "
        "overhead over the run",
        compute=lambda run: run.total("cost_of_channel")),
    Kpi("direct_cost_of_sales_total", "direct cost of sales total", unit="currency",
        better=LOWER, fmt="money",
        meaning="direct reps' cost and direct discounts over the run",
        compute=lambda run: run.total("direct_cost_of_sales")),
    Kpi("win_rate", "win rate", unit="share", better=HIGHER, fmt="share",
        meaning="opportunities won / opportunities opened over the run",
        compute=lambda run: run.ratio("opportunities_won", "opportunities_opened")),
    Kpi("distributor_gross_margin", "distributor gross margin", unit="share", better="",
        fmt="share",
        meaning="realised margin of won two-tier deals: Σ distributor margin / Σ distributor "
        "sales (vendor net + distributor margin) from the deals table (None without)",
        compute=lambda run: run.distributor_gross_margin()),
    Kpi("partner_customer_discount", "partners' street discount", unit="share", better="",
        fmt="share",
        meaning="what customers saved off list on partners' resale and managed deals: "
        "Σ (list − customer price) / Σ list over those won deals (first-year terms)",
        compute=lambda run: run.customer_discount(("resale", "managed"))),
    Kpi("var_margin_rate", "VAR margin rate", unit="share", better="", fmt="share",
        meaning="VARs' margin per sale: Σ reseller margin / Σ customer price over VARs' won "
        "deals (first-year terms; None without)",
        compute=lambda run: run.margin_rate("var")),
    Kpi("var_revenue_per_active", "revenue per active VAR", unit="currency/month",
        better="", fmt="money",
        meaning="what VARs' customers paid them (product), per active VAR per month",
        compute=lambda run: run.per_active_partner_month("var", "customer_revenue")),
    Kpi("var_profit_per_active", "profit per active VAR", unit="currency/month",
        better="", fmt="money",
        meaning="VARs' profit after their costs (effort included), per active VAR per month; "
        "below 0, the average VAR earns less than its cost of effort",
        compute=lambda run: run.per_active_partner_month("var", "profit")),
    Kpi("unserved_share", "unserved opportunities", unit="share", better=LOWER, fmt="share",
        meaning="opportunities that got no offer / opportunities opened over the run (reasons "
        "in the timeseries' unserved_* columns)",
        compute=lambda run: run.ratio("opportunities_unserved", "opportunities_opened")),
    Kpi("stockouts_total", "stock-outs total", unit="shipments", better=LOWER, fmt="count",
        meaning="shipments from distributor stock that had to wait for stock, over the run",
        compute=lambda run: round(run.total("stockouts"))),
    Kpi("deals_delayed_by_stock_total", "deals delayed by stock total", unit="deals",
        better=LOWER, fmt="count",
        meaning="deals whose activation waited for distributor stock, over the run",
        compute=lambda run: round(run.total("deals_delayed_by_stock"))),
    Kpi("stock_delay_months_mean", "stock delay per delayed deal", unit="months",
        better=LOWER, fmt="number",
        meaning="mean months a deal delayed by stock waited (None without such deals)",
        compute=lambda run: run.ratio("stock_delay_months", "deals_delayed_by_stock")),
    Kpi("credit_blocks_total", "credit blocks total", unit="reseller-periods", better=LOWER,
        fmt="count",
        meaning="periods in which an active reseller was over its distributor's credit line "
        "and could not bid, summed over resellers",
        compute=lambda run: round(run.total("credit_blocks"))),
    Kpi("lead_acceptance_rate", "lead acceptance rate", unit="share", better=HIGHER,
        fmt="share",
        meaning="vendor leads partners accepted / leads first routed to a partner, over the run "
        "(1 without program.lead_routing.acceptance; None without partner leads)",
        compute=lambda run: run.ratio("leads_accepted", "leads_to_partners")),
    Kpi("leads_unworked_share", "leads unworked", unit="share", better=LOWER, fmt="share",
        meaning="vendor leads nobody worked (no covering seller, or refused by every partner "
        "and not taken back by direct) / vendor leads, over the run",
        compute=lambda run: run.ratio("leads_unworked", "leads")),
    Kpi("mdf_total", "MDF reimbursed total", unit="currency", better="", fmt="money",
        meaning="MDF the vendor reimbursed to partners over the run (docs/model.md §7.16)",
        compute=lambda run: run.total("mdf")),
    Kpi("mdf_open_final", "MDF open at end", unit="currency", better="", fmt="money",
        meaning="MDF funds accrued or allocated but not yet reimbursed, rejected or expired at "
        "the end of the run: the vendor's outstanding MDF liability",
        compute=lambda run: run.last("mdf_open")),
    Kpi("program_fee_income_total", "program fee income total", unit="currency", better="",
        fmt="money",
        meaning="partner-program fees charged to partners over the run (vendor income inside "
        "contribution; docs/model.md §7.16a)",
        compute=lambda run: run.total("program_fee_income")),
)
# fmt: on
"""Every summary KPI, in the order of ``summary_kpis`` and of the rows of ``comparison.csv``."""

KPIS_BY_NAME: dict[str, Kpi] = {kpi.name: kpi for kpi in KPIS}
"""The KPIs by name."""

SCALAR_KPIS: tuple[str, ...] = tuple(kpi.name for kpi in KPIS if not kpi.by_channel)
"""The KPIs whose value is one number (or None)."""

BY_CHANNEL_KPIS: tuple[str, ...] = tuple(kpi.name for kpi in KPIS if kpi.by_channel)
"""The KPIs whose value is a dict by channel."""

KPI_NAMES: tuple[str, ...] = (
    *SCALAR_KPIS,
    *BY_CHANNEL_KPIS,
    *(f"{name}.{channel}" for name in BY_CHANNEL_KPIS for channel in CHANNELS),
)
"""Every KPI name, a per-channel KPI both whole and flattened as ``name.channel``."""

RUN_TABLE_KPIS: tuple[str, ...] = (
    "revenue_total",
    "revenue_npv",
    "contribution_total",
    "arr_final",
    "customers_final",
    "adoption_final",
    "months_to_50pct_adoption",
    "partner_share_of_revenue",
    "partner_revenue_top20_share",
    "conflict_rate",
    "partner_churn",
    "nrr",
    "grr",
)
"""The KPIs of the table ``channelsim run`` prints, in order."""

COMPARE_HEADLINE_KPIS: tuple[str, ...] = (
    "revenue_total",
    "contribution_total",
    "partner_profit_total",
    "adoption_final",
    "conflict_rate",
    "partner_churn",
)
"""The KPIs of the table ``channelsim compare`` prints and of ``compare_kpis.png``."""

SWEEP_DEFAULT_KPIS: tuple[str, ...] = (
    "revenue_total",
    "revenue_npv",
    "contribution_total",
    "contribution_npv",
    "partner_profit_total",
    "partner_share_of_revenue",
    "adoption_final",
    "conflict_rate",
    "partner_churn",
    "partner_revenue_top20_share",
    "channel_mix",
)
"""The KPIs a sweep keeps when its file has no ``kpis``."""


def _check_selections() -> None:
    """Fail at import if a selection names a KPI the registry does not declare."""
    for selection in (RUN_TABLE_KPIS, COMPARE_HEADLINE_KPIS, SWEEP_DEFAULT_KPIS):
        unknown = [name for name in selection if name not in KPIS_BY_NAME]
        if unknown:
            raise ValueError(f"KPI selection names undeclared KPIs: {', '.join(unknown)}")
    if len(KPIS_BY_NAME) != len(KPIS):
        raise ValueError("a KPI is declared twice")


_check_selections()


def kpi_of(name: str) -> Kpi | None:
    """The registry entry of a KPI name.

    Args:
        name: A KPI name; a per-channel KPI may be flattened (``cac_by_channel.var``).

    Returns:
        The KPI's entry (for a flattened name, its per-channel KPI's), or None for a name that
        is not a KPI.
    """
    if name in KPIS_BY_NAME:
        return KPIS_BY_NAME[name]
    head, dot, _ = name.partition(".")
    entry = KPIS_BY_NAME.get(head)
    return entry if dot and entry is not None and entry.by_channel else None


def better_direction(name: str) -> str:
    """Which direction is better for a KPI.

    Args:
        name: The KPI name; per-channel KPIs may be flattened (``cac_by_channel.var``).

    Returns:
        ``"higher"``, ``"lower"``, or ``""`` for a descriptive KPI or a name that is not a KPI.
    """
    entry = kpi_of(name)
    return entry.better if entry is not None else ""


def unit_of(name: str) -> str:
    """The unit of a KPI (``""`` for a name that is not a KPI).

    Args:
        name: The KPI name; per-channel KPIs may be flattened.

    Returns:
        The unit.
    """
    entry = kpi_of(name)
    return entry.unit if entry is not None else ""


def format_value(name: str, value: Any, currency: str = "", delta: bool = False) -> str:
    """A KPI's value (or a difference of two values) as shown in console tables.

    Args:
        name: The KPI name; per-channel KPIs may be flattened.
        value: The value (None, NaN or infinity: undefined).
        currency: Appended to money values (not to differences) when given.
        delta: Show a difference: signed, without unit (shares in percentage points).

    Returns:
        The text; the KPI's ``undefined`` text (``–`` for a difference) when undefined.
    """
    entry = kpi_of(name)
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return "–" if delta or entry is None else entry.undefined
    fmt = entry.fmt if entry is not None else "number"
    sign = "+" if delta else ""
    if fmt == "share":
        return f"{100.0 * value:{sign},.1f}" + ("" if delta else " %")
    if fmt == "money":
        return f"{value:{sign},.0f}" + (f" {currency}" if currency and not delta else "")
    if fmt == "count":
        return f"{value:{sign},.0f}"
    if fmt == "months":
        return f"{value:{sign}g}"
    return f"{value:{sign}.3g}"


def delta_unit(name: str) -> str:
    """The unit appended to a difference of a KPI in console tables (`` pp`` for shares).

    Args:
        name: The KPI name.

    Returns:
        The suffix, possibly empty.
    """
    entry = kpi_of(name)
    return " pp" if entry is not None and entry.fmt == "share" else ""


def markdown_table() -> str:
    """Every KPI as a Markdown table (name, unit, better direction, meaning): ``docs/kpis.md``.

    ``python -m sim.analysis.kpi_registry > docs/kpis.md`` rewrites the file; a test keeps it in
    step with the registry.
    """
    lines = [
        "# Summary KPIs",
        "",
        "Generated from `sim/analysis/kpi_registry.py` (`python -m sim.analysis.kpi_registry >"
        " docs/kpis.md`); every run's `summary.json` holds these, in this order. A KPI by channel"
        " is a dict keyed by channel (`name.channel` in tables and sweeps); an undefined one is"
        " null.",
        "",
        "| KPI | unit | better | meaning |",
        "|---|---|---|---|",
    ]
    for kpi in KPIS:
        name = f"`{kpi.name}`" + (" (by channel)" if kpi.by_channel else "")
        meaning = kpi.meaning.replace("|", "\\|")
        lines.append(f"| {name} | {kpi.unit} | {kpi.better or '–'} | {meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
