"""The vendor's own costs of a period: marketing, the direct team and the partner programme."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.market.population import State
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.market.population import Population


def vendor_costs(
    costs: dict[str, float],
    config: Scenario,
    direct_monthly_cost: float,
    active_partners: int,
    period_months: float,
) -> float:
    """Add the vendor's period costs and move certification subsidies into the programme.

    Args:
        costs: The period's cost lines (updated).
        config: The scenario.
        direct_monthly_cost: Monthly cost of the direct team.
        active_partners: Partners active at the end of the period.
        period_months: Months per period.

    Returns:
        The training (certification) subsidies of the period.
    """
    pm = period_months
    costs["direct_sales"] += direct_monthly_cost * pm
    costs["program_overhead"] += active_partners * config.program.overhead_per_partner * pm
    subsidies = costs.pop("certification_subsidy")
    costs["program_overhead"] += subsidies
    costs["certification_subsidy"] = 0.0
    return subsidies


def marketing_costs(costs: dict[str, float], config: Scenario, period_months: float) -> None:
    """Add the period's lead and brand marketing spend to the vendor's costs."""
    mk = config.marketing
    costs["marketing"] += (mk.lead_spend + mk.brand_spend) * period_months


def seat_costs(pop: Population, cost_per_seat_month: float, period_months: float) -> float:
    """The vendor's cost of serving every customer seat this period (``cost_per_seat_month``).

    Counted on the accounts that are customers when the period is billed (after seat changes,
    before this period's churn, which is billed this period too).
    """
    if cost_per_seat_month <= 0.0:
        return 0.0
    seats = pop.seats[pop.state == State.CUSTOMER]
    return float(cost_per_seat_month * period_months * np.sum(seats, dtype=np.float64))
