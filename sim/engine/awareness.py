"""The awareness phase: which unaware accounts become aware this period, and what made them."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.market.awareness import awareness_probability, neighbour_share, shares_from_counts
from sim.market.population import CUSTOMER, UNAWARE, AwareSource, Population, State
from sim.rng import BITS_SCALE, draws_below, uniform_bits
from sim.scenario.schema import Awareness

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class NewlyAware(NamedTuple):
    """Accounts that become aware, with their draws and probabilities."""

    accounts: IntArray
    u: NDArray[np.floating[Any]]
    """Each one's uniform draw."""
    prob: FloatArray
    """Each one's probability this period."""
    p_month: FloatArray
    """Each one's probability per month."""


def awareness_phase(
    pop: Population,
    params: Awareness,
    rng: np.random.Generator,
    period_months: float,
    vendor_p: float,
    partner_terr: FloatArray,
    customers_by_territory: NDArray[np.integer],
    territory_sizes: NDArray[np.integer],
) -> int:
    """Make unaware accounts aware (Bass) and record what made each aware.

    The probability of one period is :func:`rate_to_period` of the hazard per month.

    The innovation term of a territory adds vendor marketing and partners' marketing (MDF
    and affiliate reach) to the market's own. The cause is attributed by where the account's
    draw fell: the partners' part first, then the vendor's, then organic.

    Args:
        pop: The population (states and sources are updated).
        params: ``market.awareness``.
        rng: The ``market.awareness`` stream (one draw per account).
        period_months: Months per period.
        vendor_p: Awareness probability per month of vendor brand marketing.
        partner_terr: Awareness probability per month partners add, per territory.
        customers_by_territory: Active customers per territory, at the start of the period.
        territory_sizes: Accounts per territory.

    Returns:
        How many accounts became aware.
    """
    base = params.innovation + vendor_p + partner_terr  # innovation per territory
    if params.word_of_mouth.value == "network":
        new = _by_network(pop, base, params.imitation, rng, period_months)
    else:
        # Word of mouth from the market or the territory: one probability per territory.
        if params.word_of_mouth.value == "market":
            share_t: Any = int(customers_by_territory.sum()) / pop.n if pop.n else 0.0
        else:
            share_t = shares_from_counts(customers_by_territory, territory_sizes)
        new = _by_territory(pop, base, params.imitation, share_t, rng, period_months)
    # Attribute the cause by where the draw fell: partner part first, then vendor marketing.
    if period_months != 1.0:
        frac: Any = np.divide(
            new.prob, new.p_month, out=np.zeros(len(new.accounts)), where=new.p_month > 0
        )
    else:
        frac = 1.0
    partner_cut = partner_terr[pop.territory[new.accounts]] * frac
    vendor_cut = partner_cut + vendor_p * frac
    pop.state[new.accounts] = State.AWARE
    pop.aware_source[new.accounts] = np.where(
        new.u < partner_cut,
        AwareSource.PARTNER,
        np.where(new.u < vendor_cut, AwareSource.VENDOR, AwareSource.ORGANIC),
    )
    return len(new.accounts)


def rate_to_period(p_month: FloatArray, period_months: float) -> FloatArray:
    """The awareness probability of one period from the Bass hazard per month ``p + q·F``.

    Months keep the discrete Bass recursion (the hazard is the probability). Shorter periods
    treat ``p`` and ``q`` as rates: the probability is the hazard times the period's length in
    months, ``(p + q·F) · 12/52`` for weeks, so short periods approach the continuous Bass model.

    Args:
        p_month: The hazard ``p_eff + q·C/N`` per month (already clipped to [0, 1]).
        period_months: Months per period.

    Returns:
        Probabilities in [0, 1] for one period.
    """
    if period_months == 1.0:
        return p_month
    return np.clip(np.asarray(p_month) * period_months, 0.0, 1.0)


def _by_network(
    pop: Population,
    base: FloatArray,
    imitation: float,
    rng: np.random.Generator,
    period_months: float,
) -> NewlyAware:
    """Word of mouth from each account's customer neighbours, one probability per account."""
    assert pop.indptr is not None and pop.indices is not None
    is_customer = pop.state == CUSTOMER  # at the start of the period
    share = neighbour_share(is_customer, pop.indptr, pop.indices)
    p_month = awareness_probability(base[pop.territory], imitation, share)
    prob = rate_to_period(p_month, period_months)
    bits = uniform_bits(rng, pop.n)
    u = bits * BITS_SCALE
    new = np.flatnonzero((u < prob) & (pop.state == UNAWARE))
    return NewlyAware(new, u[new], prob[new], p_month[new])


def _by_territory(
    pop: Population,
    base: FloatArray,
    imitation: float,
    share_t: Any,
    rng: np.random.Generator,
    period_months: float,
) -> NewlyAware:
    """Word of mouth from the market or the territory, one probability per territory."""
    terr = pop.territory
    p_month_t = awareness_probability(base, imitation, share_t)
    prob_t = np.asarray(rate_to_period(p_month_t, period_months))
    bits = uniform_bits(rng, pop.n)
    # Unaware accounts drawing under the largest territory probability, then each under its
    # own: the same accounts as u < prob_t[terr], without gathering a probability per account.
    below = np.flatnonzero(draws_below(bits, float(prob_t.max())) & (pop.state == UNAWARE))
    new_terr = terr[below]
    prob_new = prob_t[new_terr]
    u_below = bits[below] * BITS_SCALE
    is_hit = u_below < prob_new
    return NewlyAware(below[is_hit], u_below[is_hit], prob_new[is_hit], p_month_t[new_terr[is_hit]])
