"""Customer prices per seller, territory and segment, and the resellers' pricing reviews.

Every seller's price in a (territory, segment) cell is its margin over its buy price, kept as a
share of list: ``customer ratio = 1 − discount + margin``. A seller with a fixed policy keeps
``margin = discount · (1 − pass_through)`` everywhere (the vendor's channels pass their whole
discount on). A seller whose ``pricing_policy`` is ``best_response`` revises its margin in every
cell at each pricing review as its best response to the sellers it meets there under the
accounts' logit choice (:mod:`sim.economics.best_response`), on a fixed panel of accounts per
cell drawn at the start (``partner.pricing_panel``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from sim.economics.best_response import PricingGame, solve_margins
from sim.engine.seller_arrays import SellerArrays
from sim.market.population import Population
from sim.names import SEGMENTS
from sim.rng import Streams
from sim.sales.coverage import coverage
from sim.sales.tables import Opportunities, SellerTable
from sim.sales.utility import (
    budgets,
    cost_of_ownership,
    fit_utilities,
    role_fits,
    within_cut_off,
)
from sim.scenario.schema import Choice, Partner, Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def pricing_panel(pop: Population, per_cell: int, rng: np.random.Generator) -> IntArray:
    """Up to ``per_cell`` accounts drawn at random in each (territory, segment) cell.

    Args:
        pop: The population.
        per_cell: Accounts per cell at most (``partner.pricing_panel``).
        rng: The ``pricing.panel`` stream (one draw per account).

    Returns:
        The panel's accounts, cell by cell.
    """
    n_seg = int(pop.segment.max()) + 1 if pop.n else 1
    cell = pop.territory.astype(np.int64) * n_seg + pop.segment
    order = np.lexsort((rng.random(pop.n), cell))
    sorted_cell = cell[order]
    first = np.searchsorted(sorted_cell, sorted_cell, side="left")
    rank = np.arange(pop.n) - first
    panel: IntArray = order[rank < per_cell]
    return panel


class ResellerPrices:
    """Each seller's margin (a share of list) per territory × segment, and its reviews.

    Args:
        n_territories: Territories in the market.
        n_segments: Segments in the market.
        panel: The accounts that represent the market in reviews (:func:`pricing_panel`).
    """

    def __init__(
        self, n_territories: int, n_segments: int, panel: IntArray, review_periods: int
    ) -> None:
        self.margin: FloatArray = np.zeros((0, n_territories, n_segments))
        self.panel = panel
        self.review_periods = review_periods
        self.last_review: tuple[int, bool] = (0, True)
        """Rounds and convergence of the last review."""

    @classmethod
    def of(
        cls, pop: Population, scenario: Scenario, streams: Streams, period_months: float
    ) -> ResellerPrices:
        """The prices of a new model: its panel (stream ``pricing.panel``) and review cadence.

        Args:
            pop: The population.
            scenario: The scenario (``partner.pricing_panel``, ``pricing_review_months``).
            streams: The model's random streams.
            period_months: Months per period.
        """
        behaviour = scenario.partner
        panel = pricing_panel(pop, behaviour.pricing_panel, streams.get("pricing.panel"))
        periods = max(1, round(behaviour.pricing_review_months / period_months))
        return cls(len(pop.territory_names), len(SEGMENTS), panel, periods)

    def reviewed(
        self,
        table: SellerTable,
        arrays: SellerArrays,
        pop: Population,
        scenario: Scenario,
        period: int,
    ) -> SellerTable:
        """The table after this period's pricing review, if one is due (else as it was).

        Reviews fall in the first period and then every ``review_periods``, when any seller
        sets its prices by best response.

        Args:
            table: This period's seller table at the current prices.
            arrays: The sellers' arrays.
            pop: The population.
            scenario: The scenario (choice, outside options, pricing settings).
            period: The current period (1 for the first).
        """
        if (period - 1) % self.review_periods != 0 or not arrays.sets_prices.any():
            return table
        market = scenario.market
        outside = [market.rival.utility] if market.rival.enabled else []
        outside += [market.no_decision_utility] if market.no_decision else []
        self.review(pop, table, arrays, market.choice, outside, scenario.partner)
        return replace(table, price_month=self.price_month(arrays))

    def sync(self, arrays: SellerArrays) -> None:
        """Give sellers that joined since the last call their policy's starting margin."""
        old = len(self.margin)
        if old >= len(arrays):
            return
        start = arrays.discount[old:] * (1.0 - arrays.pass_through[old:])
        rows = np.broadcast_to(start[:, None, None], (len(start), *self.margin.shape[1:]))
        self.margin = np.concatenate([self.margin, rows])

    def customer_ratio(self, arrays: SellerArrays) -> FloatArray:
        """(sellers, territories, segments) customer price as a share of list."""
        ratio: FloatArray = 1.0 - arrays.discount[:, None, None] + self.margin
        return ratio

    def price_month(self, arrays: SellerArrays) -> FloatArray:
        """(sellers, territories, segments) customer cost per seat-month over the horizon."""
        price: FloatArray = (
            self.customer_ratio(arrays) * arrays.list_month[:, None, None]
            + arrays.managed_fee[:, None, None]
        )
        return price

    def pass_through(
        self, arrays: SellerArrays, seller: IntArray, territory: IntArray, segment: IntArray
    ) -> FloatArray:
        """Share of its discount each seller passed on, per sale (the price waterfall's input).

        Args:
            arrays: The sellers' arrays.
            seller: Each sale's seller.
            territory: Each sale's territory.
            segment: Each sale's segment.
        """
        d = arrays.discount[seller]
        kept = self.margin[seller, territory, segment]
        share: FloatArray = np.where(
            d > 0, 1.0 - kept / np.where(d > 0, d, 1.0), arrays.pass_through[seller]
        )
        return share

    def review(
        self,
        pop: Population,
        table: SellerTable,
        arrays: SellerArrays,
        choice: Choice,
        outside_utilities: list[float],
        behaviour: Partner,
    ) -> None:
        """Set every best-responding seller's margins in every cell it sells in.

        Args:
            pop: The population (the panel's accounts now).
            table: This period's sellers (prices are read, then updated by the caller).
            arrays: The sellers' arrays.
            choice: Choice parameters (scale, weights, running cost, cut-off).
            outside_utilities: Utilities of the outside options (rival, no decision).
            behaviour: ``partner`` settings (damping).
        """
        game, groups = _pricing_game(pop, self.panel, table, arrays, choice, outside_utilities)
        if not len(groups):
            return
        n_seg = self.margin.shape[2]
        n_cells = self.margin.shape[1] * n_seg
        seller, cell = groups // n_cells, groups % n_cells
        territory, segment = cell // n_seg, cell % n_seg
        scale = arrays.list_month[seller]
        start = self.margin[seller, territory, segment] * scale
        eq = solve_margins(game, start, damping=behaviour.pricing_damping, tolerance=1e-3)
        self.margin[seller, territory, segment] = eq.margins / scale
        self.last_review = (eq.iterations, eq.converged)


def _pricing_game(
    pop: Population,
    panel: IntArray,
    table: SellerTable,
    arrays: SellerArrays,
    choice: Choice,
    outside_utilities: list[float],
) -> tuple[PricingGame, IntArray]:
    """The game of the panel's accounts and the selling sellers that reach them.

    Returns:
        The game and, per group, its key ``seller · cells + territory · segments + segment``.
    """
    opps = _panel_opportunities(pop, panel)
    cov = coverage(opps.territory, opps.segment, opps.vertical, table.cover, table.selling)
    opp, col = cov.pairs()
    seller = cov.bidders[col]
    keep = role_fits(opps, table, opp, seller) & within_cut_off(opps, table, choice, opp, seller)
    opp, seller = opp[keep], seller[keep]
    terr, seg = opps.territory[opp], opps.segment[opp]
    n_terr, n_seg = table.price_month.shape[1:]
    priced = arrays.sets_prices[seller]
    key = seller * (n_terr * n_seg) + terr * n_seg + seg
    groups, group = np.unique(key[priced], return_inverse=True)
    pair_group = np.full(len(opp), -1, dtype=np.int64)
    pair_group[priced] = group
    budget = budgets(opps, choice, opp)
    b = choice.scale * opps.price_sensitivity[opp] / budget
    # Utility at zero margin: a price-setter's price is its buy cost plus its fee.
    cost = cost_of_ownership(opps, table, choice, opp, seller)
    margin_now = table.price_month[seller, terr, seg] - (
        (1.0 - arrays.discount[seller]) * arrays.list_month[seller] + arrays.managed_fee[seller]
    )
    cost = np.where(priced, cost - margin_now, cost)
    fit = fit_utilities(opps, table, choice, opp, seller)
    v0 = choice.scale * fit - b * cost
    presence = np.clip(table.bid_probability[seller] * table.reach[seller, terr], 0.0, 1.0)
    outside = sum(math.exp(choice.scale * u) for u in outside_utilities)
    g_seller = groups // (n_terr * n_seg)
    # Services are billed in proportion to the customer price (k per unit), so a sale at the
    # buy price already earns k × buy cost besides any fee margin.
    k_services = arrays.services_per_price[g_seller]
    buy_cost = (1.0 - arrays.discount[g_seller]) * arrays.list_month[g_seller]
    game = PricingGame(
        account=opp,
        group=pair_group,
        v0=v0,
        b=b,
        presence=presence,
        weight=pop.seats[panel][opp],
        outside=np.full(len(panel), outside),
        attached=arrays.attached[g_seller] + k_services * buy_cost,
        services_per_price=k_services,
        upper=arrays.discount[g_seller] * arrays.list_month[g_seller],
    )
    return game, groups


def _panel_opportunities(pop: Population, panel: IntArray) -> Opportunities:
    """The panel's accounts as opportunities with no lead owner."""
    no_owner = np.full(len(panel), -1, dtype=np.int64)
    # Reviews do not apply the conflict rule, so no account is named.
    return Opportunities.of_accounts(pop, panel, no_owner, np.zeros(len(panel), dtype=bool))
