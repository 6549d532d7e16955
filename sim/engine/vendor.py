"""The vendor's own costs of a period: marketing, the direct team and the partner programme."""

from __future__ import annotations

from sim.scenario.schema import Scenario


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
