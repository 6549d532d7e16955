"""What every phase shares: per-period rates, the period's counters and the vendor's cost lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sim.names import SEGMENTS

if TYPE_CHECKING:
    from sim.rng import Streams
    from sim.scenario.schema import Scenario

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

VENDOR_COST_LINES: tuple[str, ...] = (
    "cogs",
    "direct_sales",
    "mdf",
    "commissions",
    "rebates_bonuses",
    "certification_subsidy",
    "fees",
    "program_overhead",
    "marketing",
    "channel_neutral_comp",
)
"""The vendor's cost lines of one period (``ChannelModel.vendor_costs_period``)."""


def zero_costs() -> dict[str, float]:
    """Every vendor cost line at zero, for a new period."""
    return dict.fromkeys(VENDOR_COST_LINES, 0.0)


def per_period(rate_per_month: float | FloatArray, period_months: float) -> Any:
    """Convert a monthly probability to one period: 1 − (1 − r)^(months per period)."""
    if period_months == 1.0:
        return rate_per_month
    return 1.0 - (1.0 - np.asarray(rate_per_month)) ** period_months


def sum_by(index: NDArray[np.integer[Any]], amount: FloatArray, n: int) -> FloatArray:
    """Sum of ``amount`` per value of ``index`` in ``[0, n)``."""
    return np.bincount(index, weights=amount, minlength=n)


def _segment_zeros() -> IntArray:
    return np.zeros(len(SEGMENTS), dtype=np.int64)


@dataclass
class PeriodCounters:
    """Counts of one period that the metrics read."""

    new_aware: int = 0
    opened: int = 0
    won: int = 0
    lost_rival: int = 0
    no_decision: int = 0
    conflicts: int = 0
    conflicts_direct: int = 0
    conflicts_store: int = 0
    conflicts_partner: int = 0
    conflicts_same_type: int = 0
    opportunities_partner_bid: int = 0
    new_customers: int = 0
    bookings: float = 0.0
    cycle_sum: float = 0.0
    churned: int = 0
    churned_by_segment: IntArray = field(default_factory=_segment_zeros)
    partner_sourced: float = 0.0
    mrr: float = 0.0
    expansion_mrr: float = 0.0
    """Vendor net MRR added by seat expansions this period."""
    contraction_mrr: float = 0.0
    """Vendor net MRR removed by seat contractions this period (positive)."""
    won_back: int = 0
    """New contracts of accounts that had bought before (win-backs)."""
    stockouts: int = 0
    """Shipments from a distributor's stock that had to wait (requested this period)."""
    deals_delayed_by_stock: int = 0
    """Deals that activated this period after waiting for stock."""
    stock_delay_months: float = 0.0
    """Total months those deals waited for stock."""
    credit_blocks: int = 0
    """Active resellers over their distributor's credit line this period (they do not bid)."""
    unserved: int = 0
    """Opportunities opened this period that got no offer."""
    unserved_no_seller: int = 0
    """… because no selling seller covers them."""
    unserved_queues_full: int = 0
    """… because every seller covering them had a full queue (or no credit)."""
    unserved_over_budget: int = 0
    """… because every offer was above the cut-off multiple of the budget."""
    unserved_not_reached: int = 0
    """… because no seller that could offer happened to reach them."""
    leads: int = 0
    """Vendor leads placed this period."""
    leads_direct: int = 0
    """… that the direct team works (its share, those no partner covers, those escalated)."""
    leads_to_partners: int = 0
    """… first routed to a partner."""
    leads_accepted: int = 0
    """… accepted by a partner (at the first offer or after reassignment)."""
    leads_reassigned: int = 0
    """Offers of a refused lead to the next partner (one lead may count several times)."""
    leads_escalated: int = 0
    """Leads every partner offered them refused, taken back by the direct team."""
    leads_unworked: int = 0
    """Leads with no owner (nobody covers them, or refused and not escalated)."""
    registrations_submitted: int = 0
    """Deal registrations submitted this period."""
    registrations_approved: int = 0
    """… of which approved (protected, or second registrants at a reduced discount)."""
    registered_deals: int = 0
    """Opportunities won this period by a partner with an approved registration."""
    registration_discount: float = 0.0
    """First-year extra discount of the registered deals won this period (vendor's cost)."""
    channel_neutral_deals: int = 0
    """Partner deals won this period on which the direct reps stood down and assisted."""


@dataclass(frozen=True)
class Clock:
    """Where the run is in time."""

    period: int
    """The current period (1 for the first)."""
    period_months: float
    """Months per period."""
    periods_per_year: int
    """Periods per year."""


@dataclass(frozen=True)
class PeriodContext:
    """What the phases of one period share: what they read and the period's running totals.

    The scenario, the random streams and the clock are read; the counters and the vendor's cost
    lines are added to by the phases and read by the metrics at the period's end.
    """

    config: Scenario
    """The scenario."""
    streams: Streams
    """The run's named random streams."""
    clock: Clock
    """The current period."""
    counters: PeriodCounters
    """This period's counts (updated by the phases)."""
    costs: dict[str, float]
    """The vendor's cost lines of this period (updated by the phases)."""
