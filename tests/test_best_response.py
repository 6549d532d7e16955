"""Best-response margins against the closed-form logit–Bertrand equilibrium."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sim.economics.best_response import PricingGame, best_responses, choice_shares, solve_margins
from sim.validation.pricing_check import closed_form_margin, symmetric_game


@pytest.mark.parametrize("n_sellers", range(1, 9))
@pytest.mark.parametrize(("a", "b", "outside"), [(2.0, 0.2, 0.0), (-1.0, 0.5, 0.5)])
def test_symmetric_equilibrium_matches_closed_form(n_sellers, a, b, outside):
    game = symmetric_game(n_sellers, a, b, outside)
    eq = solve_margins(game, np.zeros(n_sellers), tolerance=1e-10, max_rounds=2000)
    assert eq.converged
    expected = closed_form_margin(n_sellers, a, b, outside)
    np.testing.assert_allclose(eq.margins, expected, rtol=1e-7)


def test_margin_falls_with_more_sellers_towards_one_over_b():
    margins = [closed_form_margin(n, 2.0, 0.2, 0.0) for n in range(1, 9)]
    solved = [
        solve_margins(symmetric_game(n, 2.0, 0.2, 0.0), np.zeros(n), tolerance=1e-10).margins[0]
        for n in range(1, 9)
    ]
    assert all(x > y for x, y in itertools.pairwise(solved))
    np.testing.assert_allclose(solved, margins, rtol=1e-6)
    assert solved[-1] > 1.0 / 0.2  # above the perfectly competitive limit 1/b


def test_one_account_foc_is_textbook():
    # One seller: its best response at any rival margin satisfies m = 1/(b(1 − s)).
    game = symmetric_game(1, 1.0, 0.3, 0.2)
    m = np.array([4.0])
    s = choice_shares(game, m)[0]
    np.testing.assert_allclose(best_responses(game, m)[0], 1.0 / (0.3 * (1.0 - s)))


def test_margins_are_bounded_by_buy_price_and_list():
    # A very price-insensitive account would pay any margin: the bound (list) holds it.
    high = solve_margins(symmetric_game(2, 3.0, 1e-4, 0.0, upper=12.0), np.zeros(2))
    np.testing.assert_allclose(high.margins, 12.0)
    # A large attached profit (a managed fee) makes selling at the buy price best.
    game = symmetric_game(2, 1.0, 0.2, 0.0, upper=12.0)
    fee_game = PricingGame(**{**game.__dict__, "attached": np.full(2, 50.0)})
    np.testing.assert_allclose(solve_margins(fee_game, np.full(2, 6.0)).margins, 0.0, atol=1e-5)


def test_attached_profit_lowers_margin_by_its_share():
    # With profit a per sale on top of the margin and services k per unit of price, the
    # condition is (1 + k) m + a = (1 + k) / (b (1 − s)).
    game = symmetric_game(3, 2.0, 0.2, 0.0)
    k, a = 0.135, 3.0
    with_services = PricingGame(
        **{**game.__dict__, "attached": np.full(3, a), "services_per_price": np.full(3, k)}
    )
    eq = solve_margins(with_services, np.zeros(3), tolerance=1e-11, max_rounds=2000)
    s = choice_shares(with_services, eq.margins)[0]
    np.testing.assert_allclose((1 + k) * eq.margins[0] + a, (1 + k) / (0.2 * (1 - s)), rtol=1e-8)


def test_presence_weights_rivals_in_the_denominator():
    # A rival that bids half the time counts half in the seller's share.
    game = symmetric_game(2, 1.0, 0.2, 0.0)
    half = PricingGame(**{**game.__dict__, "presence": np.array([1.0, 0.5])})
    s = choice_shares(half, np.zeros(2))
    e = math.exp(1.0)
    np.testing.assert_allclose(s[0], e / (e + 0.5 * e + 1.0))
    np.testing.assert_allclose(s[1], e / (e + e + 1.0))
