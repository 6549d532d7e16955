"""The vendor's own channels: the direct sales team and the self-serve store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.base import RouteKind, Seller

if TYPE_CHECKING:
    from sim.model import ChannelModel


class DirectSales(Seller):
    """The vendor's direct sales team (``partner_id`` ``direct``).

    Capacity is reps × concurrent opportunities, or unlimited; its cost is the reps' cost.

    Args:
        model: The channel model.
    """

    route = RouteKind.DIRECT

    def __init__(self, model: ChannelModel) -> None:
        params = model.config.direct
        n_terr = len(model.population.territory_names)
        territories = (
            np.ones(n_terr, dtype=bool)
            if params.territories is None
            else np.array([t in params.territories for t in model.population.territory_names])
        )
        verticals = np.ones(len(model.population.vertical_names), dtype=bool)
        super().__init__(model, "direct", "direct", territories, verticals, params.segments)
        self.unlimited = params.reps == "unlimited"
        self.reps = 0 if params.reps == "unlimited" else int(params.reps)
        self.discount = params.discount
        self.pass_through = 1.0
        self.service_quality = params.service_quality
        self.cycle_multiplier = params.cycle_multiplier
        self.max_queue = -1 if self.unlimited else params.max_queue
        self.closes_deals = self.unlimited or self.reps > 0

    def capacity_slots(self) -> int | None:
        """Reps × concurrent opportunities per rep, or ``None`` when unlimited."""
        if self.unlimited:
            return None
        return self.reps * self.model.config.direct.concurrent_opportunities

    def bid_probability(self) -> float:
        """Chance the team bids on an opportunity it covers: grows with its reps."""
        if self.unlimited:
            return 1.0
        reach = self.model.config.direct.reach_per_rep
        return float(1.0 - (1.0 - reach) ** self.reps)

    def monthly_cost(self) -> float:
        """Cost of the direct team per month (0 when unlimited: a modelling idealisation)."""
        return self.reps * self.model.config.direct.cost_per_rep


class SelfServe(Seller):
    """The vendor's online store: unlimited, instant, list price; revenue counts under direct.

    Args:
        model: The channel model.
    """

    route = RouteKind.SELF_SERVE

    def __init__(self, model: ChannelModel) -> None:
        params = model.config.direct.self_serve
        territories = np.ones(len(model.population.territory_names), dtype=bool)
        verticals = np.ones(len(model.population.vertical_names), dtype=bool)
        super().__init__(model, "direct", "direct", territories, verticals, params.segments)
        self.service_quality = params.service_quality
        self.cycle_multiplier = 0.0
        self.max_queue = -1
        self.closes_deals = params.enabled
