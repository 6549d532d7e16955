"""The evaluation phase: organic evaluations, vendor leads and referrals open opportunities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.agents.affiliate import AffiliateNetwork
from sim.agents.state import SellerState
from sim.engine.lead_router import LeadRouter
from sim.engine.period import PeriodContext, per_period
from sim.market.population import AWARE, UNAWARE, AwareSource, Population, State
from sim.names import SEGMENTS
from sim.rng import draws_below, uniform_bits
from sim.sales.book import Source
from sim.sales.leads import may_open, pick_first_eligible
from sim.sales.tables import Opportunities, SellerTable
from sim.scenario.schema import Conflict

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass
class OpeningBatches:
    """Opportunities opening this period, batch by batch (organic, leads, referrals)."""

    accounts: list[IntArray] = field(default_factory=list)
    owners: list[IntArray] = field(default_factory=list)
    sources: list[NDArray[np.int8]] = field(default_factory=list)
    referrers: list[IntArray] = field(default_factory=list)

    def add(self, accounts: IntArray, owner: IntArray, source: Source, referrer: IntArray) -> None:
        """Add a batch of accounts with their owners, source and referrers."""
        self.accounts.append(accounts)
        self.owners.append(owner)
        self.sources.append(np.full(len(accounts), source, dtype=np.int8))
        self.referrers.append(referrer)


def organic_openings(
    pop: Population, rate_per_month: float, rng: np.random.Generator, period: int, pm: float
) -> IntArray:
    """Aware accounts past their re-evaluation date whose draw falls under the rate.

    Args:
        pop: The population.
        rate_per_month: ``market.evaluation_rate``.
        rng: The ``market.evaluation`` stream (one draw per account).
        period: The current period.
        pm: Months per period.
    """
    bits = uniform_bits(rng, pop.n)
    rate = per_period(rate_per_month, pm)
    hit = np.flatnonzero(draws_below(bits, float(rate)) & (pop.state == AWARE))
    opening: IntArray = hit[pop.evaluate_from[hit] <= period]
    return opening


def vendor_leads(
    pop: Population,
    table: SellerTable,
    direct: int,
    router: LeadRouter,
    ctx: PeriodContext,
    taken: BoolArray,
) -> tuple[IntArray, IntArray]:
    """This period's vendor leads and the seller each is routed to.

    The number of leads is Poisson with the lead budget over the cost per lead; candidates
    are drawn uniformly and the first eligible ones kept (``router`` routes them, under
    ``program.lead_routing``). Unaware accounts reached by a lead count as made aware by the
    vendor.

    Args:
        pop: The population.
        table: This period's seller table.
        direct: Seller index of the direct team.
        router: The lead router.
        ctx: The scenario (the vendor's marketing), the ``leads`` stream, clock and counters.
        taken: Accounts with an opportunity this period; the leads are added.

    Returns:
        The leads' accounts and their owners (-1 when nobody works the lead).
    """
    marketing = ctx.config.marketing
    rng = ctx.streams.get("leads")
    pm = ctx.clock.period_months
    n_leads = int(rng.poisson(marketing.lead_spend / marketing.cost_per_lead * pm))
    if not n_leads:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cand = rng.integers(0, pop.n, size=4 * n_leads + 8)
    cand = pick_first_eligible([cand], [n_leads], [may_open(pop.state, cand, taken)])[0]
    owner = router.route(
        pop.territory[cand],
        pop.segment[cand],
        pop.vertical[cand],
        table,
        direct,
        ctx,
        pop.needs_implementation[cand],
    )
    router.record(ctx.clock.period, cand, owner)
    taken[cand] = True
    fresh = cand[pop.state[cand] == UNAWARE]
    pop.aware_source[fresh] = AwareSource.VENDOR
    return cand, owner


def named_segment_codes(conflict: Conflict) -> IntArray:
    """Codes of the segments whose accounts are the direct reps' named accounts."""
    return np.array([SEGMENTS.index(g) for g in conflict.named_segments], dtype=np.int64)


def evaluation_phase(
    pop: Population,
    table: SellerTable,
    direct: int,
    affiliates: AffiliateNetwork,
    seller_state: SellerState,
    ctx: PeriodContext,
    router: LeadRouter,
) -> tuple[Opportunities, NDArray[np.int8], IntArray]:
    """Open this period's opportunities: organic evaluations, vendor leads, referrals.

    Args:
        pop: The population (the opening accounts become evaluating).
        table: This period's seller table (lead routing).
        direct: Seller index of the direct team.
        affiliates: The affiliates (referrals).
        seller_state: The seller state.
        ctx: The scenario (evaluation rate, the vendor's marketing), streams and clock.
        router: The lead router (``program.lead_routing``).

    Returns:
        The opportunities, the source of each and its referrer (-1 if none).
    """
    config, streams = ctx.config, ctx.streams
    period, pm = ctx.clock.period, ctx.clock.period_months
    opening = organic_openings(
        pop, config.market.evaluation_rate, streams.get("market.evaluation"), period, pm
    )
    batches = OpeningBatches()
    none = np.full(len(opening), -1, dtype=np.int64)
    batches.add(opening, none, Source.ORGANIC, none.copy())
    taken = np.zeros(pop.n, dtype=bool)  # accounts with an opportunity this period
    taken[opening] = True
    router.observe()
    leads, owner = vendor_leads(pop, table, direct, router, ctx, taken)
    if len(leads):
        batches.add(leads, owner, Source.VENDOR_LEAD, np.full(len(leads), -1, dtype=np.int64))
    referred, referrer_ids = affiliates.referrals(
        seller_state,
        streams.get("referrals"),
        pm,
        lambda accounts: may_open(pop.state, accounts, taken),
        taken,
    )
    if referred:
        cand = np.concatenate(referred)
        fresh = cand[pop.state[cand] == UNAWARE]
        pop.aware_source[fresh] = AwareSource.PARTNER
        referrer = np.repeat(np.array(referrer_ids, dtype=np.int64), [len(c) for c in referred])
        batches.add(cand, np.full(len(cand), -1, dtype=np.int64), Source.REFERRAL, referrer)
    acc = np.concatenate(batches.accounts)
    pop.state[acc] = State.EVALUATING
    opps = Opportunities.of_accounts(
        pop,
        acc,
        np.concatenate(batches.owners),
        np.isin(pop.segment[acc], named_segment_codes(config.program.conflict)),
    )
    return opps, np.concatenate(batches.sources), np.concatenate(batches.referrers)
