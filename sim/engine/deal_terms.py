"""Deal terms of this period's opportunities: price waterfall, services, cycle length, the book."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.economics.waterfall import PriceRatios, price_ratios
from sim.engine.pricing import list_per_seat
from sim.engine.seller_arrays import SellerArrays
from sim.names import SEGMENTS
from sim.sales.book import ConflictKind, OpportunityBook, Outcome
from sim.sales.offers import RIVAL, ChoiceResult, Opportunities
from sim.scenario.schema import Product, Segment

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def deal_terms(
    chosen: IntArray,
    seats: FloatArray,
    arrays: SellerArrays,
    pass_through: FloatArray,
    product: Product,
    subscription: bool,
    services_rng: np.random.Generator,
    extra: FloatArray | None = None,
) -> dict[str, Any]:
    """Contract terms and first-year money of each opportunity (zero unless won).

    The first-year list amount is split by the seller's price waterfall
    (:func:`~sim.economics.waterfall.price_ratios`); a won deal comes with services with the
    seller's attach probability. A registered deal's extra discount (``extra``, a share of
    list) deepens the registrant's buy discount at an unchanged customer price
    (:func:`registered_ratios`).

    Args:
        chosen: The chosen seller of each opportunity, or a negative outcome code.
        seats: Seats of each opportunity's account.
        arrays: The sellers' arrays.
        pass_through: Share of its discount the chosen seller passes on in each
            opportunity's territory and segment (its price there).
        product: The product (list amounts per seat of a new sale, hardware units).
        subscription: Whether new sales are subscriptions now.
        services_rng: The ``sales.services`` stream (one draw per opportunity).
        extra: Extra discount of each opportunity's registered deal, as a share of list (None:
            no registered deal).

    Returns:
        Book columns by name (money, terms and ratios).
    """
    once, monthly, maint = list_per_seat(product, subscription, managed=False)
    m_once, m_monthly, _ = list_per_seat(product, subscription, managed=True)
    hardware_units_per_seat = product.hardware.units_per_seat
    won = chosen >= 0
    si = np.maximum(chosen, 0)
    mg = won & arrays.managed[si]
    fy_seat = np.where(mg, m_once + 12 * m_monthly, once + 12 * (monthly + maint))
    list_fy = np.where(won, fy_seat * seats, 0.0)
    r = price_ratios(arrays.discount[si], pass_through, arrays.dist_margin[si])
    base_reseller = r.reseller
    if extra is not None and extra.any():
        r = registered_ratios(arrays.discount[si], pass_through, arrays.dist_margin[si], extra)
    attach_u = services_rng.random(len(chosen))
    attach_p = arrays.services_attach[si]
    ratio_s = arrays.services_ratio[si]
    services = np.where(won & (attach_u < attach_p), ratio_s * list_fy * r.customer, 0.0)
    return {
        "distributor": np.where(won, arrays.distributor[si], -1),
        "list_amount": list_fy,
        "customer_price": list_fy * r.customer,
        "reseller_margin": list_fy * r.reseller,
        "distributor_margin": list_fy * r.distributor,
        "vendor_net": list_fy * r.vendor,
        "services_revenue": services,
        "managed_fee": np.where(mg, 12.0 * arrays.managed_fee[si] * seats, 0.0),
        "hardware_units": np.where(won, hardware_units_per_seat * seats, 0.0),
        "once_list": np.where(mg, m_once, once) * seats * won,
        "monthly_list": np.where(mg, m_monthly, monthly) * seats * won,
        "maint_list": np.where(mg, 0.0, maint * 12.0) * seats * won,
        "r_customer": r.customer,
        "r_reseller": r.reseller,
        "r_distributor": r.distributor,
        "r_vendor": r.vendor,
        "registration_discount": list_fy * (r.reseller - base_reseller),
    }


def registered_ratios(
    discount: FloatArray, pass_through: FloatArray, dist_margin: FloatArray, extra: FloatArray
) -> PriceRatios:
    """The price waterfall of deals whose registrant gets an extra discount off its buy price.

    The buy discount becomes ``discount + extra`` (at most 1); the customer price stays what the
    seller quoted (``1 − discount · pass_through``), so the reseller keeps the whole extra
    discount and the vendor (with a two-tier distributor, the vendor and the distributor in
    proportion to their shares of the buy price) pays it.

    Args:
        discount: The seller's discount off list.
        pass_through: Share of its discount the seller passes on.
        dist_margin: The distributor's margin (0 on one-tier deals).
        extra: The extra discount (0 where the deal is not registered).

    Returns:
        The ratios; customer = reseller + distributor + vendor still holds exactly.
    """
    deeper = np.minimum(discount + extra, 1.0)
    passed = discount * pass_through
    pt = np.divide(passed, deeper, out=np.zeros_like(deeper), where=deeper > 0)
    return price_ratios(deeper, pt, dist_margin)


def sales_cycles(
    chosen: IntArray,
    segment: IntArray,
    segments: Mapping[str, Segment],
    cycle_multiplier: FloatArray,
    rng: np.random.Generator,
    period_months: float,
) -> FloatArray:
    """Sales-cycle length of each won opportunity, in periods (0 for the others).

    Gamma with shape 2 (coefficient of variation ≈ 0.7) around the segment's mean times the
    seller's multiplier; a zero mean gives zero-length cycles.

    Args:
        chosen: The chosen seller of each opportunity, or a negative outcome code.
        segment: Segment of each opportunity.
        segments: The market's segments (mean sales cycle of each, in months).
        cycle_multiplier: Each seller's cycle multiplier.
        rng: The ``sales.cycles`` stream (one draw per opportunity).
        period_months: Months per period.
    """
    won = chosen >= 0
    segment_cycle_months = np.array([segments[g].sales_cycle_months for g in SEGMENTS])
    multiplier = cycle_multiplier[np.maximum(chosen, 0)]
    draws = rng.gamma(2.0, 0.5, size=len(chosen))
    cycle: FloatArray = np.where(
        won, segment_cycle_months[segment] * multiplier * draws / period_months, 0.0
    )
    return cycle


def record_opportunities(
    book: OpportunityBook,
    opps: Opportunities,
    res: ChoiceResult,
    source: NDArray[np.int8],
    referrer: IntArray,
    terms: dict[str, Any],
    cycle: FloatArray,
    period: int,
) -> IntArray:
    """Append this period's opportunities to the book, won ones still open.

    Args:
        book: The opportunity book.
        opps: The opportunities.
        res: The outcome of offers and choice.
        source: Where each came from.
        referrer: Its referring affiliate, or -1.
        terms: :func:`deal_terms` of each, with its ``registration`` (the winner's, else the
            account holder's, or -1).
        cycle: :func:`sales_cycles` of each.
        period: The current period.

    Returns:
        The opportunities' ids in the book.
    """
    chosen = res.chosen
    won = chosen >= 0
    n = len(chosen)
    outcome = np.where(
        won, Outcome.OPEN, np.where(chosen == RIVAL, Outcome.RIVAL, Outcome.NO_DECISION)
    )
    before = res.conflicts_before
    columns = {
        "account": opps.account,
        "period_opened": np.full(n, period),
        "won_time": np.full(n, float(period - 1)),
        "closed_time": np.where(won, np.nan, float(period - 1)),
        "seller": np.where(won, chosen, -1),
        "outcome": outcome,
        "source": source,
        "referrer": referrer,
        "n_bidders": res.bid_counts,
        "conflict": res.conflicts.any,
        **terms,
        "cycle": cycle,
        "protected_by": res.protected,
        "conflict_before": ConflictKind.DIRECT * before.direct
        + ConflictKind.STORE * before.store
        + ConflictKind.PARTNER * before.partner,
        "assisted": res.assisted,
    }
    ids: IntArray = book.append(
        columns, res.bid_counts, res.bid_sellers, (res.stood_counts, res.stood_sellers)
    )
    return ids
