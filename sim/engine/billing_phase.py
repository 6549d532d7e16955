"""The billing phase: new contracts, recurring billing, renewals, churn and returns to market."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.agents.affiliate import referral_bounties
from sim.arrays import run_starts
from sim.billing import Contracts, DatedEvents, RecurringTotals
from sim.engine.flows import Flows
from sim.engine.period import (
    Clock,
    FloatArray,
    IntArray,
    PeriodContext,
    PeriodCounters,
    per_period,
    sum_by,
)
from sim.engine.seat_changes import change_seats
from sim.engine.seller_arrays import SellerArrays
from sim.engine.vendor import seat_costs
from sim.market.population import CUSTOMER, LAPSED, LOST, AwareSource, Population, State
from sim.names import SEGMENTS
from sim.sales.book import OpportunityBook, Outcome
from sim.scenario.schema import Scenario


@dataclass
class Accounts:
    """What billing keeps per account and per seller: contracts, totals and dated events.

    Attributes:
        contracts: Per-account contract terms.
        recurring: Per-seller totals of the active contracts' monthly amounts.
        anniversaries: Maintenance anniversaries (``contracts.next_anniversary``).
        commission_ends: Ends of referral commissions (``contracts.commission_until``).
        returns: When accounts lost to the rival, or churned, come back (``population.return_at``).
    """

    contracts: Contracts
    recurring: RecurringTotals
    anniversaries: DatedEvents
    commission_ends: DatedEvents
    returns: DatedEvents

    @classmethod
    def of(cls, pop: Population) -> Accounts:
        """No contracts yet, for the accounts of ``pop``."""
        con = Contracts(pop.n)
        return cls(
            contracts=con,
            recurring=RecurringTotals(0, len(pop.territory_names)),
            anniversaries=DatedEvents(con.next_anniversary),
            commission_ends=DatedEvents(con.commission_until),
            returns=DatedEvents(pop.return_at),
        )


class NewContracts(NamedTuple):
    """Deals whose cycle ended this period, as new contracts."""

    ids: IntArray
    """Their opportunity ids, in increasing order."""
    accounts: IntArray
    sellers: IntArray
    referrers: IntArray
    """The referring affiliate of each, or -1."""
    first: NDArray[np.bool_]
    """Whether each is the account's first purchase."""


def billing_phase(
    accounts: Accounts,
    pop: Population,
    book: OpportunityBook,
    completed: tuple[IntArray, FloatArray],
    arrays: SellerArrays,
    quality: FloatArray,
    ctx: PeriodContext,
) -> Flows:
    """Bill the period: start the completed deals' contracts, change seats, bill, end some.

    Args:
        accounts: Contracts and billing totals (updated).
        pop: The population (states updated).
        book: The opportunity book (completed deals are marked won).
        completed: Deals whose cycle ended this period and when (:meth:`Fulfilment.take_completed`).
        arrays: The sellers' arrays.
        quality: Every seller's service quality now.
        ctx: The scenario, streams and clock; the counters and the vendor's costs (cost of goods
            added) are updated.

    Returns:
        The period's money flows by seller.
    """
    config, streams, clock, counters, costs = (
        ctx.config,
        ctx.streams,
        ctx.clock,
        ctx.counters,
        ctx.costs,
    )
    n_s = len(quality)
    flows = Flows.zeros(n_s)
    accounts.recurring.grow(n_s)
    new_ids = close_won_deals(book, *completed)
    hardware_vendor_revenue = 0.0
    if len(new_ids):
        new = start_terms(accounts, pop, book, new_ids, arrays, quality, config, clock)
        hardware_vendor_revenue = bill_new_sales(accounts.contracts, book, new, arrays, flows, ctx)
        counters.won_back = int(np.count_nonzero(~new.first))
        start_contracts(
            accounts, pop, new.accounts, new.sellers, streams.get("billing.churn"), clock.period
        )
    lapsed = bill_recurring(
        accounts, pop, config, streams.get("billing.renewal"), clock, flows, counters
    )
    change_seats(
        accounts.contracts,
        accounts.recurring,
        pop,
        config.market,
        streams.get("billing.expansion"),
        clock.period,
        clock.period_months,
        counters,
    )
    costs["cogs"] += seat_costs(pop, config.product.cost_per_seat_month, clock.period_months)
    churn_return = config.market.churn_return_months
    end_contracts(
        accounts,
        pop,
        lapsed,
        clock.period,
        counters,
        int(np.ceil(churn_return / clock.period_months)) if churn_return > 0 else 0,
    )
    return_from_rival(pop, accounts.returns, clock.period)
    # Software cost of goods (hardware units were costed when they shipped).
    costs["cogs"] += config.product.cogs_share * (
        float(flows.vendor_revenue.sum()) - hardware_vendor_revenue
    )
    return flows


def close_won_deals(book: OpportunityBook, ids: IntArray, times: FloatArray) -> IntArray:
    """Mark deals whose cycle ended as won at their time; return their ids in order."""
    book.cols["closed_time"][ids] = times
    book.cols["outcome"][ids] = Outcome.WON
    return np.sort(ids) if len(ids) else ids


def start_terms(
    accounts: Accounts,
    pop: Population,
    book: OpportunityBook,
    new_ids: IntArray,
    arrays: SellerArrays,
    quality: FloatArray,
    config: Scenario,
    clock: Clock,
) -> NewContracts:
    """Make the deals' accounts customers and set their contract terms from the book.

    Args:
        accounts: Contracts and dated events (updated).
        pop: The population (updated).
        book: The opportunity book.
        new_ids: The completed deals, in increasing order.
        arrays: The sellers' arrays (managed fees, churn factors).
        quality: Every seller's service quality now.
        config: The scenario.
        clock: The current period.
    """
    con = accounts.contracts
    t, pm = clock.period, clock.period_months
    acc = book["account"][new_ids]
    sel = book["seller"][new_ids].astype(np.int64)
    pop.state[acc] = State.CUSTOMER
    pop.seller[acc] = sel
    pop.customer_since[acc] = t
    first = ~pop.ever_bought[acc]
    pop.ever_bought[acc] = True
    con.monthly_list[acc] = book["monthly_list"][new_ids]
    con.maint_annual_list[acc] = book["maint_list"][new_ids]
    accounts.anniversaries.set(acc, t + clock.periods_per_year)  # next_anniversary
    for ratio in ("r_customer", "r_reseller", "r_distributor", "r_vendor"):
        getattr(con, ratio)[acc] = book[ratio][new_ids]
    con.managed_fee[acc] = arrays.managed_fee[sel] * pop.seats[acc]
    hazard = pop.churn_monthly[acc] * arrays.churn_factor[sel] * np.exp(-0.5 * (quality[sel] - 0.5))
    con.churn_hazard[acc] = per_period(np.clip(hazard, 0.0, 1.0), pm)
    con.distributor[acc] = book["distributor"][new_ids]
    ref = book["referrer"][new_ids]
    con.referrer[acc] = ref
    aff = config.partners.affiliate
    con.commission_rate[acc] = np.where(ref >= 0, aff.commission, 0.0)
    # A one-off commission (0 months) is paid on the first period's payments.
    commission_end = t + max(1, int(np.ceil(aff.commission_months / pm)))
    accounts.commission_ends.set(acc, commission_end)  # commission_until
    con.partner_sourced[acc] = (ref >= 0) | (pop.aware_source[acc] == AwareSource.PARTNER)
    return NewContracts(new_ids, acc, sel, ref, first)


def bill_new_sales(
    con: Contracts,
    book: OpportunityBook,
    new: NewContracts,
    arrays: SellerArrays,
    flows: Flows,
    ctx: PeriodContext,
) -> float:
    """Bill new sales' one-off amounts, services, hardware, new-logo bonuses, commissions.

    Args:
        con: The contracts (waterfall ratios).
        book: The opportunity book.
        new: The new contracts.
        arrays: The sellers' arrays (which are partners).
        flows: The period's flows (added to).
        ctx: The scenario and clock; the counters (new customers, bookings, cycle lengths) and
            the vendor's costs (hardware cost of goods) are updated.

    Returns:
        The vendor's net revenue from hardware in these sales (costed separately).
    """
    n_s = len(flows.vendor_revenue)
    sc, counters, costs = ctx.config, ctx.counters, ctx.costs
    new_ids, acc, sel, ref, first = new
    pm = ctx.clock.period_months
    # One-off amounts (licence, hardware) and the first year of maintenance, invoiced now.
    once_list = book["once_list"][new_ids]
    flows.add_sales(sel, once_list, once_list + book["maint_list"][new_ids], con, acc)
    flows.services += sum_by(sel, book["services_revenue"][new_ids], n_s)
    hw_units = book["hardware_units"][new_ids]
    costs["cogs"] += float(hw_units.sum() * sc.product.hardware.unit_cost)
    hardware_vendor_revenue = float(
        (hw_units * sc.product.hardware.unit_price * con.r_vendor[acc]).sum()
    )
    bonus = sc.program.incentives.new_logo_bonus
    if bonus > 0:
        partner_new = arrays.is_partner[sel] & first
        flows.bonuses += bonus * np.bincount(sel[partner_new], minlength=n_s)
    counters.new_customers = len(new_ids)
    counters.bookings = float(book["vendor_net"][new_ids].sum())
    cycles = (book["closed_time"][new_ids] - book["won_time"][new_ids]) * pm
    counters.cycle_sum = float(cycles.sum())
    # Commissions on the one-off part of referred accounts' first payment.
    refd = ref >= 0
    if refd.any():
        vendor_once = once_list[refd] * con.r_vendor[acc[refd]]
        commission = sc.partners.affiliate.commission
        flows.commissions += sum_by(ref[refd], vendor_once * commission, n_s)
    if sc.partners.affiliate.referral_bounty > 0:
        flows.commissions += referral_bounties(
            ref, first, sc.partners.affiliate.referral_bounty, n_s
        )
    return hardware_vendor_revenue


def start_contracts(
    accounts: Accounts,
    pop: Population,
    acc: IntArray,
    sel: IntArray,
    churn_rng: np.random.Generator,
    period: int,
) -> None:
    """Add new contracts to the recurring totals and draw when they churn.

    A subscription or managed contract churns after a geometric number of periods with its
    per-period hazard, drawn now (the same law as a draw every period); it is billed in the
    period it churns. Anniversaries and the end of a referral commission were set with the
    contract's terms.
    """
    con = accounts.contracts
    accounts.recurring.start(con, acc, sel, pop.territory[acc])
    hazard = con.churn_hazard[acc]
    at_risk = ((con.monthly_list[acc] > 0) | (con.managed_fee[acc] > 0)) & (hazard > 0)
    if at_risk.any():
        periods = churn_rng.geometric(hazard[at_risk])
        last = np.iinfo(np.int32).max
        con.churn_at[acc[at_risk]] = np.minimum(period + periods - 1, last)


def bill_recurring(
    accounts: Accounts,
    pop: Population,
    config: Scenario,
    renewal_rng: np.random.Generator,
    clock: Clock,
    flows: Flows,
    counters: PeriodCounters,
) -> IntArray:
    """Bill every active contract (new ones included) from the per-seller totals.

    Only the accounts with an event this period (a commission ending, a maintenance
    anniversary) are looked at one by one.

    Returns:
        The accounts whose maintenance lapses now.
    """
    con, rec = accounts.contracts, accounts.recurring
    t, pm = clock.period, clock.period_months
    n_s = len(flows.vendor_revenue)
    # Referral commissions whose window ends now stop before this period's payments.
    ending = accounts.commission_ends.due(t)
    ending = ending[(pop.state[ending] == CUSTOMER) & (con.referrer[ending] >= 0)]
    rec.commission(con, ending, -1.0)
    # Maintenance anniversaries: renew and invoice a year ahead, or lapse.
    anniv = accounts.anniversaries.due(t)
    anniv = anniv[(pop.state[anniv] == CUSTOMER) & (con.maint_annual_list[anniv] > 0)]
    renew_u = renewal_rng.random(len(anniv))
    renewal = per_period(config.product.maintenance_renewal, 1.0)
    lapsed = anniv[renew_u >= renewal]
    renewing = anniv[renew_u < renewal]
    accounts.anniversaries.set(renewing, t + clock.periods_per_year)  # a year on
    renewed_vendor = con.maint_annual_list[renewing] * con.r_vendor[renewing]

    totals = rec.totals
    flows.list_revenue += totals["list"] * pm
    flows.vendor_revenue += totals["vendor"] * pm
    flows.customer_revenue += totals["customer"] * pm
    flows.reseller_margin += totals["reseller"] * pm
    flows.distributor_margin += totals["distributor"] * pm
    flows.billings_vendor += totals["monthly_vendor"] * pm + sum_by(
        pop.seller[renewing], renewed_vendor, n_s
    )
    flows.services += totals["managed"] * pm
    flows.commissions += totals["commission"] * pm
    counters.partner_sourced = rec.sourced * pm + flows.once_vendor_sourced
    lapsed_accounts: IntArray = lapsed
    return lapsed_accounts


def end_contracts(
    accounts: Accounts,
    pop: Population,
    lapsed: IntArray,
    period: int,
    counters: PeriodCounters,
    return_periods: int = 0,
) -> None:
    """End the contracts that churn now (drawn when they started) and lapsed maintenance.

    They end after this period's bill; the accounts become ``lapsed`` and, when
    ``return_periods`` > 0, are filed to become aware again that many periods on.

    Args:
        accounts: Contracts, recurring totals and returns (updated).
        pop: The population (states updated).
        lapsed: The accounts whose maintenance lapses now.
        period: The current period.
        counters: This period's counters (churn and MRR set).
        return_periods: Periods after which an ended account returns to the market; 0 = never.
    """
    con = accounts.contracts
    # Churn periods are spread wide (geometric), so one comparison finds them faster than
    # filing each account under its own period.
    churning = np.flatnonzero(con.churn_at == period)
    churning = churning[pop.state[churning] == CUSTOMER]
    ended = np.sort(np.concatenate([churning, lapsed]).astype(np.int64))
    ended = ended[run_starts(ended)]  # a hybrid contract may do both
    ended_seller = pop.seller[ended].astype(np.int64)
    accounts.recurring.stop(con, ended, ended_seller, pop.territory[ended], period)
    # A contract that lapsed on maintenance before its churn date must not churn a later one.
    con.churn_at[ended] = np.iinfo(np.int32).max
    pop.state[ended] = State.LAPSED
    if return_periods > 0:
        accounts.returns.set(ended, period + return_periods)  # return_at
    counters.churned = len(ended)
    counters.churned_by_segment = np.bincount(pop.segment[ended], minlength=len(SEGMENTS))
    counters.mrr = float(accounts.recurring.totals["vendor"].sum())


def return_from_rival(pop: Population, returns: DatedEvents, period: int) -> None:
    """Accounts due back become aware again, evaluating at once.

    They are the accounts lost to the rival whose rival contract ended, and the churned or
    lapsed accounts whose ``market.churn_return_months`` have passed.
    """
    back = returns.due(period)
    state = pop.state[back]
    back = back[(state == LOST) | (state == LAPSED)]
    pop.state[back] = State.AWARE
    pop.evaluate_from[back] = period
