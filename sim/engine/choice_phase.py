"""The offers-and-choice phase: who bids, what each account chooses, the deals' terms and queues."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.engine.choice_outcomes import settle_lost, tally_choice, tally_registrations
from sim.engine.deal_terms import deal_terms, record_opportunities, sales_cycles
from sim.engine.pricing import list_per_seat
from sim.program.approval import RegistrationRound
from sim.program.conflict import ASSISTING_RULES
from sim.program.registration import RegistrationTerms
from sim.sales.offers import BidPolicy, ChoiceResult, choose
from sim.sales.tables import Opportunities, SellerTable

if TYPE_CHECKING:
    from sim.model import ChannelModel

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

CHANNEL_NEUTRAL_COST_LINE = "channel_neutral_comp"
"""The vendor's cost line of the direct reps' pay on partner deals under ``channel_neutral``."""


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
    registrar = _registration_round(model, opps, table)
    res = choose(
        opps,
        table,
        market.choice,
        _bid_policy(model, registrar),
        market.rival.utility if market.rival.enabled else None,
        market.no_decision_utility if market.no_decision else None,
        streams.get("choice.bids"),
        streams.get("choice.logit"),
    )
    chosen = res.chosen
    won = chosen >= 0
    arrays = model.seller_arrays
    prices = model.prices
    registration, extra, registered = _registered_deals(model, opps, res, registrar)
    terms = deal_terms(
        chosen,
        model.population.seats[opps.account],
        arrays,
        prices.pass_through(arrays, np.maximum(chosen, 0), opps.territory, opps.segment),
        sc.product,
        model.subscription_now(),
        streams.get("sales.services"),
        extra,
    )
    terms["registration"] = registration
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
    tally_registrations(p, registrar, terms, registered)
    _channel_neutral_pay(model, res, terms["vendor_net"])
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


def _registration_round(
    model: ChannelModel, opps: Opportunities, table: SellerTable
) -> RegistrationRound | None:
    """This period's deal registration (None when the program has none).

    Registrations whose deals closed are won and those whose protection ran out expire (or are
    extended once) first; then a round registers the partner bids as :func:`choose` draws them.
    """
    cfg = model.config.program.deal_registration
    if not cfg.enabled:
        return None
    terms = RegistrationTerms.of(cfg, model.period_months)
    register = model.registrations
    register.advance(model.period, model.book["outcome"], terms.extension_periods)
    once, monthly, maint = list_per_seat(
        model.config.product, model.subscription_now(), managed=False
    )
    size = model.population.seats[opps.account] * (once + 12.0 * (monthly + maint))
    st = model.seller_state
    n_sellers = len(table.is_direct)
    own = st.row("protection_months")[:n_sellers]
    return RegistrationRound(
        register=register,
        terms=terms,
        account=opps.account,
        owner=opps.owner,
        size=size,
        tier=st.row("tier")[:n_sellers].astype(np.int64),
        # A tier's protection benefit (0: the program's protection_months).
        protection=np.where(own > 0, own, cfg.protection_months) / model.period_months,
        is_partner=~table.is_direct,
        period=model.period,
        rng=model.streams.get("registration.order"),
    )


def _bid_policy(model: ChannelModel, registrar: RegistrationRound | None) -> BidPolicy:
    """The conflict rule, deal registration and (channel neutral) the reps' assistance."""
    conflict = model.config.program.conflict
    assist = conflict.rule.value in ASSISTING_RULES
    return BidPolicy(
        model.conflict_rule, registrar, conflict.channel_neutral_assist_utility if assist else 0.0
    )


def _registered_deals(
    model: ChannelModel,
    opps: Opportunities,
    res: ChoiceResult,
    registrar: RegistrationRound | None,
) -> tuple[IntArray, FloatArray | None, NDArray[np.bool_]]:
    """Each opportunity's registration, its deal's extra discount and whether it is registered.

    The registration is the winner's approved one, else the one protecting the account, else -1;
    the extra discount (a share of list) is ``extra_discount`` times the winner's registration's
    share; registered: the winner holds an approved registration.
    """
    n = len(res.chosen)
    if registrar is None:
        return np.full(n, -1, dtype=np.int64), None, np.zeros(n, dtype=bool)
    register = model.registrations
    book_ids = model.book.size + np.arange(n, dtype=np.int64)
    holder = register.holder[opps.account].copy()
    winner = register.settle(opps.account, res.chosen, registrar.bids(), book_ids)
    share = np.where(winner >= 0, register.cols["share"][np.maximum(winner, 0)], 0.0)
    extra = model.config.program.deal_registration.extra_discount * share
    return np.where(winner >= 0, winner, holder), extra, winner >= 0


def _channel_neutral_pay(model: ChannelModel, res: ChoiceResult, vendor_net: FloatArray) -> None:
    """Under ``channel_neutral``, pay the reps their share of the partner deals they assisted.

    Booked when the account chooses the partner, on the deal's first-year vendor net, into the
    vendor's ``channel_neutral_comp`` cost line.
    """
    conflict = model.config.program.conflict
    if conflict.rule.value not in ASSISTING_RULES:
        return
    paid = res.assisted & (res.chosen >= 0)
    paid[paid] &= ~model.seller_arrays.is_direct[res.chosen[paid]]
    pay = conflict.channel_neutral_comp_share * float(vendor_net[paid].sum())
    model.vendor_costs_period[CHANNEL_NEUTRAL_COST_LINE] += pay
    model.counters.channel_neutral_deals += int(paid.sum())
