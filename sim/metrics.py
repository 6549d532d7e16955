"""Per-period metrics, declared once: name, unit and meaning of every timeseries column.

The recorder fills one row per period from the model's state at the period's end. Money columns
are in the scenario's currency per period; ``mrr`` and ``arr`` are per month and per year.

The model exposes the recorder as ``model.datacollector`` too: it answers the part of Mesa's
``DataCollector`` API that Mesa's visualization reads (see :class:`MetricsRecorder`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.agents.state import tier_names
from sim.engine.program_metrics import (
    ECOSYSTEM_COLUMNS,
    LEAD_COLUMNS,
    PROGRAM_MONEY_COLUMNS,
    REGISTRATION_COLUMNS,
    ecosystem_columns,
    lead_columns,
    program_money_columns,
    registration_columns,
)
from sim.market.population import State
from sim.names import CHANNELS, PARTNER_TYPES, SEGMENTS, TIERS

if TYPE_CHECKING:
    from sim.model import ChannelModel

IntArray = NDArray[np.int64]

COLUMNS: dict[str, str] = {
    "period": "period number, 1 … T",
    **{f"revenue_{c}": f"vendor net revenue from deals {c} closed" for c in CHANNELS},
    "revenue_total": "vendor net revenue, sum of the revenue_<channel> columns",
    "list_revenue": "revenue at list price",
    "discounts": "list revenue − net revenue (partner, distributor and direct discounts)",
    "net_revenue": "list revenue − discounts (= revenue_total)",
    "customer_spend": "what customers paid for the product (excludes partner services)",
    "billings": "vendor net amount invoiced this period",
    "bookings": "vendor net first-year value of deals closed this period",
    "mrr": "monthly recurring vendor net revenue at period end (incl. maintenance / 12)",
    "arr": "12 × mrr",
    "cogs": "cost of goods (software share of net revenue + hardware units)",
    "direct_sales_cost": "cost of direct reps",
    "mdf": "MDF reimbursed to partners",
    "commissions": "affiliate commissions and broker referral fees",
    "rebates_bonuses": "rebates and bonuses paid to partners",
    "fees": "partner recruitment fees",
    "program_overhead": "program overhead (per active partner) and certification subsidies",
    "training_subsidies": "certification subsidies paid to partners (part of program_overhead)",
    "marketing_cost": "brand and lead-generation spend (outside contribution margin)",
    "vendor_costs": "sum of the cost columns inside contribution margin",
    "contribution_margin": "net revenue − vendor_costs + program_fee_income",
    "cumulative_cash": "cumulative vendor cash: billings + program fees − every cost, marketing "
    "included",
    "program_cost": "cost of the partner program: MDF, commissions, rebates and bonuses, "
    "recruitment fees, program overhead, channel-neutral pay of the direct reps, less the "
    "program fees partners pay",
    "cost_of_channel": "partner discounts and margins + program_cost",
    "direct_cost_of_sales": "direct reps' cost + direct discounts",
    "revenue_partner_sourced": "net revenue from partner-sourced accounts",
    "revenue_partner_fulfilled": "net revenue from deals partners closed",
    "customers_active": "accounts in state customer",
    "adoption": "share of all accounts that have ever bought",
    "aware_share": "share of accounts no longer unaware",
    "new_customers": "accounts that became customers this period",
    "churned_customers": "customers that churned or lapsed this period",
    **{f"churned_{s}": f"churned {s} customers this period" for s in SEGMENTS},
    "lost_to_rival": "opportunities lost to the rival this period",
    "opportunities_opened": "opportunities opened this period",
    "opportunities_won": "opportunities won by a seller this period",
    "opportunities_lost": "opportunities lost to the rival or no decision this period",
    "win_rate": "won / opened this period",
    "cycle_length_months": "mean realised sales cycle of deals closed this period (queue included)",
    "conflicts": "opportunities with a conflict of any kind this period (direct, store or "
    "partner; counted once)",
    "conflicts_direct": "opportunities the direct reps and at least one partner bid on",
    "conflicts_store": "opportunities the online store and at least one partner offered on",
    "conflicts_partner": "opportunities two or more partners bid on",
    "conflicts_same_type": "opportunities two or more partners of one type bid on",
    "opportunities_partner_bid": "opportunities at least one partner bid on this period",
    "opportunities_unserved": "opportunities opened this period that got no offer",
    "unserved_no_seller": "… because no selling seller covers the account",
    "unserved_queues_full": "… because every seller covering it had a full queue (or no credit)",
    "unserved_over_budget": "… because every offer cost more than the cut-off × its budget",
    "unserved_not_reached": "… because no seller that could offer happened to reach it",
    **{f"state_{s.name.lower()}": f"accounts in state {s.name.lower()}" for s in State},
    **{f"partners_active_{t}": f"active {t} partners" for t in PARTNER_TYPES},
    **{f"partners_tier_{t}": f"active partners in tier {t}" for t in TIERS},
    "tier_upgrades": "partners moved up a program tier at this period's tier review",
    "tier_downgrades": "partners moved down a program tier at this period's tier review",
    "certified_reps": "certified reps of active partners at the end of the period",
    **{f"partner_profit_{t}": f"profit of {t} partners this period" for t in PARTNER_TYPES},
    "partners_profitable_share": "share of active partners with positive profit this period",
    "trust_mean": "mean trust of active partners",
    "commitment_mean": "mean commitment of active partners",
    "margin_pool_vendor": "vendor net revenue",
    "margin_pool_distributor": "distributor margins",
    "margin_pool_resellers": "reseller margins",
    "margin_pool_services": "partner services revenue",
    "won_back": "new customers this period that had bought before (win-backs)",
    "expansion_mrr": "vendor net MRR added by customers' seat expansions this period",
    "contraction_mrr": "vendor net MRR removed by customers' seat contractions this period",
    "stockouts": "shipments from distributor stock requested this period that had to wait",
    "deals_delayed_by_stock": "deals activated this period after waiting for distributor stock",
    "stock_delay_months": "total months those deals waited for stock (÷ deals = mean delay)",
    "credit_blocks": "active resellers over their distributor's credit line (no bids) this period",
    **LEAD_COLUMNS,
    **ECOSYSTEM_COLUMNS,
    **REGISTRATION_COLUMNS,
    **PROGRAM_MONEY_COLUMNS,
}
"""Every timeseries column with its meaning."""


class MetricsRecorder:
    """Preallocated table of one row per period; the model's Mesa data collector.

    It stands in for a ``mesa.DataCollector`` with the part of its API that Mesa 3.5's
    visualization reads (``make_plot_component`` calls ``get_model_vars_dataframe()``) and the
    names a Mesa user looks for (``collect(model)``, ``model_vars``). A real DataCollector would
    need one reporter per column (83) and deep-copies each value every period: that would add
    about 55 % to the time of recording a row (measured: 94 µs on top of 170 µs per period on
    ``tiny``), while :meth:`record` computes all the columns in one pass from shared arrays and
    writes them into a preallocated array.

    Args:
        periods: Number of periods of the run.
    """

    def __init__(self, periods: int) -> None:
        self.names = list(COLUMNS)
        self._col = {n: i for i, n in enumerate(self.names)}
        self.data = np.zeros((periods, len(self.names)))
        self.rows = 0
        self._channel_codes: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._type_rows: dict[str, NDArray[np.int64]] = {}  # sellers of each partner type
        self._row_cols: NDArray[np.int64] | None = None  # column of each entry of a row

    def _seller_channels(self, model: ChannelModel) -> NDArray[np.int64]:
        """Every seller's channel, as its position in CHANNELS (0: direct).

        Sellers are only ever appended (recruits), and a seller's kind never changes, so only
        the new sellers' codes are looked up.
        """
        known = len(self._channel_codes)
        if known != len(model.sellers):
            new = [CHANNELS.index(s.kind) for s in model.sellers[known:]]
            codes = np.concatenate([self._channel_codes, np.array(new, dtype=np.int64)])
            self._channel_codes = codes
            self._type_rows = {t: np.flatnonzero(codes == CHANNELS.index(t)) for t in PARTNER_TYPES}
        return self._channel_codes

    def record(self, model: ChannelModel) -> None:
        """Record the state of the model at the end of its current period.

        Args:
            model: The model, after the period's updates.
        """
        row: dict[str, float] = {"period": model.period}
        channels = self._seller_channels(model)
        # Partners recruited at the end of this period have no flows yet.
        channel = channels[: len(model.flows.vendor_revenue)]
        _revenue_and_costs(row, model, channel)
        _accounts_and_pipeline(row, model)
        self._partners(row, model, channels)
        _supply_and_win_back(row, model)
        lead_columns(row, model)
        ecosystem_columns(row, model)
        registration_columns(row, model)
        program_money_columns(row, model)
        if self._row_cols is None:  # the entries come in the same order every period
            self._row_cols = np.array([self._col[k] for k in row], dtype=np.int64)
        assert len(row) == len(self._row_cols)
        self.data[self.rows, self._row_cols] = np.array(list(row.values()), dtype=np.float64)
        self.rows += 1

    def _partners(self, row: dict[str, float], model: ChannelModel, channels: IntArray) -> None:
        """Partners by type and tier, their profit, trust and commitment; the margin pool."""
        flows = model.flows
        sellers = model.seller_state
        active = sellers.active[: len(model.sellers)] & (channels != 0)
        tiers = tier_names(sellers, len(model.sellers))
        profit = sellers.last("profit_history")
        for ptype in PARTNER_TYPES:
            of_type = self._type_rows[ptype]
            row[f"partners_active_{ptype}"] = float(np.count_nonzero(active[of_type]))
            row[f"partner_profit_{ptype}"] = float(profit[of_type].sum()) if len(of_type) else 0.0
        for tier in TIERS:
            row[f"partners_tier_{tier}"] = float((active & (tiers == tier)).sum())
        row["tier_upgrades"] = float(model.tier_program.upgrades)
        row["tier_downgrades"] = float(model.tier_program.downgrades)
        row["certified_reps"] = float(sellers.certified[active].sum())
        n_active = int(active.sum())
        row["partners_profitable_share"] = (
            float((active & (profit > 0)).sum()) / n_active if n_active else 0.0
        )
        row["trust_mean"] = float(sellers.trust[active].mean()) if n_active else 0.0
        row["commitment_mean"] = float(sellers.commitment[active].mean()) if n_active else 0.0
        row["margin_pool_vendor"] = row["revenue_total"]
        row["margin_pool_distributor"] = float(flows.distributor_margin.sum())
        row["margin_pool_resellers"] = float(flows.reseller_margin.sum())
        row["margin_pool_services"] = float(flows.services.sum())

    def collect(self, model: ChannelModel) -> None:
        """Record the period's row (Mesa's ``DataCollector.collect``; same as :meth:`record`).

        Args:
            model: The model, after the period's updates.
        """
        self.record(model)

    def frame(self) -> pd.DataFrame:
        """The recorded rows as a DataFrame (``period`` as int)."""
        df = pd.DataFrame(self.data[: self.rows], columns=self.names)
        df["period"] = df["period"].astype(np.int64)
        return df

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """The recorded rows as Mesa's ``DataCollector.model_vars``: column name → values."""
        frame = self.frame()
        return {name: frame[name].tolist() for name in self.names}

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The recorded rows, indexed by period (Mesa's ``DataCollector`` method).

        Mesa's plot components draw each column against this index (their x axis, "Step"): the
        period, which is Mesa's step count after the period. The index has no name, so that
        the Altair plots' ``reset_index()`` does not collide with the ``period`` column.
        """
        df = self.frame()
        df.index = pd.Index(df["period"].to_numpy(), dtype=np.int64)
        return df


_COSTS_INSIDE_MARGIN: tuple[str, ...] = (
    "cogs",
    "direct_sales_cost",
    "mdf",
    "commissions",
    "rebates_bonuses",
    "fees",
    "program_overhead",
    "channel_neutral_comp",
)
"""Cost columns inside contribution margin (marketing is outside it)."""

PROGRAM_COSTS: tuple[str, ...] = (
    "mdf",
    "commissions",
    "rebates_bonuses",
    "fees",
    "program_overhead",
    "channel_neutral_comp",
)
"""Cost columns that make up the partner program's cost (``program_cost``)."""


def _revenue_and_costs(row: dict[str, float], model: ChannelModel, channel: IntArray) -> None:
    """Revenue by channel, billings, the vendor's costs, margin, cash and cost of channel.

    Args:
        row: The period's row (added to).
        model: The model after the period (its cumulative cash is advanced).
        channel: The channel code of every seller billed this period.
    """
    flows = model.flows
    costs = model.vendor_costs_period
    p = model.counters
    by_channel = np.bincount(channel, weights=flows.vendor_revenue, minlength=len(CHANNELS))
    for c, value in zip(CHANNELS, by_channel.tolist(), strict=True):
        row[f"revenue_{c}"] = value
    revenue = float(sum(by_channel.tolist()))
    row["revenue_total"] = revenue
    row["list_revenue"] = float(flows.list_revenue.sum())
    row["discounts"] = row["list_revenue"] - revenue
    row["net_revenue"] = revenue
    row["customer_spend"] = float(flows.customer_revenue.sum())
    row["billings"] = float(flows.billings_vendor.sum())
    row["bookings"] = p.bookings
    row["mrr"] = p.mrr
    row["arr"] = 12.0 * p.mrr
    row["cogs"] = costs["cogs"]
    row["direct_sales_cost"] = costs["direct_sales"]
    row["mdf"] = costs["mdf"]
    row["commissions"] = costs["commissions"]
    row["rebates_bonuses"] = costs["rebates_bonuses"]
    row["fees"] = costs["fees"]
    row["program_overhead"] = costs["program_overhead"]
    row["training_subsidies"] = model.training_subsidies_period
    row["marketing_cost"] = costs["marketing"]
    row["channel_neutral_comp"] = costs["channel_neutral_comp"]
    row["vendor_costs"] = float(sum(row[k] for k in _COSTS_INSIDE_MARGIN))
    fee_income = model.program_books.fee_income
    row["contribution_margin"] = revenue - row["vendor_costs"] + fee_income
    model.cumulative_cash += (
        row["billings"] - row["vendor_costs"] - row["marketing_cost"] + fee_income
    )
    row["cumulative_cash"] = model.cumulative_cash
    direct_idx = channel == 0
    partner_idx = channel != 0
    partner_discount = float(
        flows.list_revenue[partner_idx].sum() - flows.vendor_revenue[partner_idx].sum()
    )
    direct_discount = float(
        flows.list_revenue[direct_idx].sum() - flows.vendor_revenue[direct_idx].sum()
    )
    row["program_cost"] = float(sum(row[k] for k in PROGRAM_COSTS)) - fee_income
    row["cost_of_channel"] = partner_discount + row["program_cost"]
    row["direct_cost_of_sales"] = row["direct_sales_cost"] + direct_discount
    row["revenue_partner_sourced"] = p.partner_sourced
    row["revenue_partner_fulfilled"] = float(flows.vendor_revenue[partner_idx].sum())


def _accounts_and_pipeline(row: dict[str, float], model: ChannelModel) -> None:
    """Accounts by state, adoption, churn, opportunities, win rate, cycle length, conflicts."""
    pop = model.population
    p = model.counters
    counts = pop.state_counts()
    row["customers_active"] = float(counts[State.CUSTOMER])
    row["adoption"] = np.count_nonzero(pop.ever_bought) / pop.n
    row["aware_share"] = 1.0 - counts[State.UNAWARE] / pop.n
    row["new_customers"] = p.new_customers
    row["churned_customers"] = p.churned
    for i, segment in enumerate(SEGMENTS):
        row[f"churned_{segment}"] = float(p.churned_by_segment[i])
    row["lost_to_rival"] = p.lost_rival
    row["opportunities_opened"] = p.opened
    row["opportunities_won"] = p.won
    row["opportunities_lost"] = p.lost_rival + p.no_decision
    row["win_rate"] = p.won / p.opened if p.opened else 0.0
    row["cycle_length_months"] = p.cycle_sum / p.new_customers if p.new_customers else 0.0
    row["conflicts"] = p.conflicts
    row["conflicts_direct"] = p.conflicts_direct
    row["conflicts_store"] = p.conflicts_store
    row["conflicts_partner"] = p.conflicts_partner
    row["conflicts_same_type"] = p.conflicts_same_type
    row["opportunities_partner_bid"] = p.opportunities_partner_bid
    row["opportunities_unserved"] = p.unserved
    row["unserved_no_seller"] = p.unserved_no_seller
    row["unserved_queues_full"] = p.unserved_queues_full
    row["unserved_over_budget"] = p.unserved_over_budget
    row["unserved_not_reached"] = p.unserved_not_reached
    for state in State:
        row[f"state_{state.name.lower()}"] = float(counts[state])


def _supply_and_win_back(row: dict[str, float], model: ChannelModel) -> None:
    """Win-backs, seat changes, stock-outs and delays, credit blocks: the period's counters."""
    p = model.counters
    row["won_back"] = p.won_back
    row["expansion_mrr"] = p.expansion_mrr
    row["contraction_mrr"] = p.contraction_mrr
    row["stockouts"] = p.stockouts
    row["deals_delayed_by_stock"] = p.deals_delayed_by_stock
    row["stock_delay_months"] = p.stock_delay_months
    row["credit_blocks"] = p.credit_blocks
