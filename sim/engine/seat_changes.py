"""Seat expansion and contraction of customers (docs/model.md §7.14a).

Each period, every customer with a recurring amount (a subscription or managed fee) that did
not start this period draws one uniform number from the stream ``billing.expansion``, in
increasing account order: below ``p_e`` it adds a share ``market.seat_change`` of its seats, in
``[p_e, p_e + p_c)`` it removes that share, where ``p_e`` and ``p_c`` are its segment's
``expansion_monthly`` and ``contraction_monthly`` per period. The contract's recurring amounts
scale with the seats, so the serving seller bills (and earns its share of) the change from the
next period on. Changes come after the period's bill and before its churn (a contract that ends
now is removed at its new amounts), and after the commission windows that end now were closed.
The customers with a recurring amount are read from ``Contracts.recurring``, which the
recurring totals keep as contracts start and stop.
"""

from __future__ import annotations

import numpy as np

from sim.billing import Contracts, RecurringTotals
from sim.engine.period import FloatArray, IntArray, PeriodCounters, per_period
from sim.market.population import Population
from sim.names import SEGMENTS
from sim.scenario.schema import Market


def seat_change_probabilities(
    market: Market, period_months: float
) -> tuple[FloatArray, FloatArray]:
    """Per segment, the probabilities per period of an expansion and of a contraction.

    Args:
        market: The market parameters.
        period_months: Months per period.

    Returns:
        The expansion and the contraction probabilities, indexed as ``SEGMENTS``.
    """
    segs = [market.segments[s] for s in SEGMENTS]
    p_e = per_period(np.array([s.expansion_monthly for s in segs]), period_months)
    p_c = per_period(np.array([s.contraction_monthly for s in segs]), period_months)
    return np.asarray(p_e, dtype=np.float64), np.minimum(p_c, 1.0 - p_e)


def change_seats(
    con: Contracts,
    recurring: RecurringTotals,
    pop: Population,
    market: Market,
    rng: np.random.Generator,
    period: int,
    period_months: float,
    counters: PeriodCounters,
) -> None:
    """Expand and contract the customers' seats and their contracts' recurring amounts.

    Args:
        con: The contracts (amounts scaled).
        recurring: The per-seller totals (moved by the changes).
        pop: The population (seats scaled).
        market: The market parameters (rates per segment, ``seat_change``).
        rng: The stream ``billing.expansion``.
        period: The current period; contracts that started in it do not change.
        period_months: Months per period.
        counters: ``expansion_mrr`` and ``contraction_mrr`` are set.
    """
    counters.expansion_mrr = counters.contraction_mrr = 0.0
    p_e, p_c = seat_change_probabilities(market, period_months)
    if market.seat_change <= 0 or not (p_e.any() or p_c.any()):
        return
    # The recurring customers in increasing order (the order of the draws), less those that
    # started now.
    acc = np.flatnonzero(con.recurring & (pop.customer_since < period))
    u = rng.random(len(acc))
    # Only a draw below the highest threshold can change anything: the thresholds are compared
    # for those few accounts alone, with the same values as for all.
    p_ec = p_e + p_c
    cand: IntArray = np.flatnonzero(u < p_ec.max())
    seg = pop.segment[acc[cand]]
    u = u[cand]
    grow = u < p_e[seg]
    changed = grow | (u < p_ec[seg])
    acc, grow = acc[cand[changed]], grow[changed]
    if not len(acc):
        return
    factor = np.where(grow, 1.0 + market.seat_change, 1.0 - market.seat_change)
    seller = pop.seller[acc].astype(np.int64)
    vendor_change = recurring.adjust(con, acc, seller, factor, period)
    pop.seats[acc] *= factor
    counters.expansion_mrr = float(vendor_change[grow].sum())
    counters.contraction_mrr = float(-vendor_change[~grow].sum())
