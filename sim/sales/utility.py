"""What an offer is worth to an account (SPEC §2.2, docs/model.md §7.7).

Its fit, its cost of ownership against the account's budget, and the cut-off above which it is
not made.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.sales.tables import Opportunities, SellerTable
from sim.scenario.schema import Choice

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def budgets(opps: Opportunities, params: Choice, opp: IntArray) -> FloatArray:
    """Each opportunity's budget per seat per month over the horizon.

    Its willingness to pay for the product, plus, for an account without IT staff, what running
    the product itself would cost (``choice.self_run_cost``): it budgets for a working
    solution, however it gets one.
    """
    budget: FloatArray = opps.wtp[opp] + params.self_run_cost * opps.no_it_staff[opp]
    return budget


def cost_of_ownership(
    opps: Opportunities, table: SellerTable, params: Choice, opp: IntArray, seller: IntArray
) -> FloatArray:
    """Each offer's cost to its account per seat per month over the horizon (SPEC §2.2).

    The seller's price in the account's territory and segment (a managed offer includes its
    fee), plus ``choice.self_run_cost`` when an account without IT staff would run an
    unmanaged product itself.
    """
    price = table.price_month[seller, opps.territory[opp], opps.segment[opp]]
    runs_itself = opps.no_it_staff[opp] & ~table.managed[seller]
    cost: FloatArray = price + params.self_run_cost * runs_itself
    return cost


def role_fits(
    opps: Opportunities, table: SellerTable, opp: IntArray, seller: IntArray
) -> BoolArray:
    """Whether each seller's role lets it offer: an SI only where implementation is needed."""
    fits: BoolArray = ~table.projects_only[seller] | opps.needs_implementation[opp]
    return fits


def within_cut_off(
    opps: Opportunities, table: SellerTable, params: Choice, opp: IntArray, seller: IntArray
) -> BoolArray:
    """Whether each offer is made (within the cut-off).

    Its cost of ownership is at most ``choice.max_cost_to_budget`` times the account's budget;
    every offer is made when the cut-off is 0 (none).
    """
    limit = params.max_cost_to_budget
    if limit == 0:
        return np.ones(len(opp), dtype=bool)
    made: BoolArray = cost_of_ownership(opps, table, params, opp, seller) <= limit * budgets(
        opps, params, opp
    )
    return made


def fit_utilities(
    opps: Opportunities, table: SellerTable, params: Choice, opp: IntArray, seller: IntArray
) -> FloatArray:
    """The part of each offer's utility that is not its price (SPEC §2.2 step 3).

    Args:
        opps: The opportunities.
        table: The sellers.
        params: Choice weights.
        opp: The opportunity of each offer (index into ``opps``).
        seller: The offering seller.

    Returns:
        Value fit, vertical and implementation fit, preferred route, service quality,
        incumbency and the lead owner's bonus of each offer, plus the ISV add-ons' value-fit
        bonus of its account's cell (``opps.fit_bonus``, when set).
    """
    needs = opps.needs_implementation[opp]
    fit: FloatArray = (
        params.value_fit
        + params.vertical_fit * table.specialised[seller, opps.vertical[opp]]
        + params.implementation_fit * (needs & table.services[seller])
        + params.preferred_route * (opps.route[opp] == table.route[seller])
        + params.service_quality_weight * table.service_quality[seller]
        + params.incumbency * table.incumbent[seller, opps.territory[opp]]
        + params.lead_owner * (opps.owner[opp] == seller)
    )
    if opps.fit_bonus is not None:
        fit = fit + opps.fit_bonus[opp]
    return fit


def offer_utilities(
    opps: Opportunities, table: SellerTable, params: Choice, opp: IntArray, seller: IntArray
) -> FloatArray:
    """Utility of each offer to its account, one entry per offer (SPEC §2.2 step 3).

    ``U = fit − price_sensitivity · cost of ownership / budget`` (:func:`fit_utilities`,
    :func:`cost_of_ownership`, :func:`budgets`).

    Args:
        opps: The opportunities.
        table: The sellers.
        params: Choice weights.
        opp: The opportunity of each offer (index into ``opps``).
        seller: The offering seller.
    """
    cost = cost_of_ownership(opps, table, params, opp, seller)
    price_term = opps.price_sensitivity[opp] * cost / budgets(opps, params, opp)
    utility: FloatArray = fit_utilities(opps, table, params, opp, seller) - price_term
    return utility
