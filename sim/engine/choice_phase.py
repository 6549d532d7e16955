"""The offers-and-choice phase: who bids, what each account chooses, the deals' terms and queues."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.engine.choice_outcomes import settle_lost, tally_choice
from sim.engine.deal_terms import deal_terms, record_opportunities, sales_cycles
from sim.sales.offers import choose
from sim.sales.tables import Opportunities, SellerTable

if TYPE_CHECKING:
    from sim.model import ChannelModel


def offers_and_choice_phase(
    model: ChannelModel,
    opps: Opportunities,
    source: NDArray[np.int8],
    referrer: NDArray[np.int64],
    table: SellerTable,
) -> None:
    """Offers and choice, deal terms, the book's rows and the won deals queued at desks.

    Args:
        model: The model (its streams, prices, population, book, counters and desks).
        opps: This period's opportunities.
        source: Where each opportunity came from.
        referrer: Each opportunity's referring affiliate (-1 if none).
        table: This period's seller table.
    """
    sc = model.config
    pm = model.period_months
    market = sc.market
    streams = model.streams
    res = choose(
        opps,
        table,
        market.choice,
        model.conflict_rule,
        market.rival.utility if market.rival.enabled else None,
        market.no_decision_utility if market.no_decision else None,
        streams.get("choice.bids"),
        streams.get("choice.logit"),
    )
    chosen = res.chosen
    won = chosen >= 0
    arrays = model.seller_arrays
    prices = model.prices
    terms = deal_terms(
        chosen,
        model.population.seats[opps.account],
        arrays,
        prices.pass_through(arrays, np.maximum(chosen, 0), opps.territory, opps.segment),
        sc.product,
        model.subscription_now(),
        streams.get("sales.services"),
    )
    cycle = sales_cycles(
        chosen,
        opps.segment,
        market.segments,
        arrays.cycle_multiplier,
        streams.get("sales.cycles"),
        pm,
    )
    ids = record_opportunities(model.book, opps, res, source, referrer, terms, cycle, model.period)
    p = model.counters
    tally_choice(p, model.seller_state, opps, res, table, market.choice)
    p.opened = len(chosen)
    p.lost_rival, p.no_decision = settle_lost(
        model.population,
        opps.account,
        chosen,
        model.accounts.returns,
        model.period,
        int(np.ceil(market.rival.contract_months / pm)),
        max(1, int(np.ceil(market.reevaluation_months / pm))),
    )
    p.won = int(won.sum())
    model.fulfilment.queue_won(ids[won], chosen[won], cycle[won], arrays.in_bank)
