"""The tables the offers and choice work on: the sellers this period and the opportunities."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.market.population import Population
from sim.sales.coverage import SellerCover

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class SellerTable:
    """Every seller as arrays, for one period.

    Attributes:
        can_bid: Active, closes deals, room in its queue, within credit.
        bid_probability: Chance it bids on an opportunity it can reach.
        territories: (sellers, territories) coverage.
        segments: (sellers, 3) coverage.
        verticals: (sellers, verticals) coverage.
        specialised: (sellers, verticals) vertical specialisation (value-fit bonus).
        route: Route code of each seller (0 self-serve, 1 direct, 2 partner).
        is_direct: Whether the seller is the vendor's own channel.
        services: Whether it offers implementation services.
        managed: Whether its offer is managed (MSP).
        projects_only: Whether it bids only on accounts that need implementation (SI).
        service_quality: Service quality of each seller.
        price_month: (sellers, territories, segments) customer cost per seat per month over
            the horizon (its product price and any managed fee), in each cell.
        reach: (sellers, territories) bid probability there relative to its home territories
            (1 at home, its away reach elsewhere, 0 where it does not sell).
        incumbent: (sellers, territories): it already serves customers there.
        selling: Active and closes deals (whether or not its queue has room now).
        partner_type: Position of its type in ``PARTNER_TYPES`` (-1 for the vendor's channels).
        lead_priority: Weight of its claim on routed leads, from its program tier (≥ 0;
            1.0 for every seller when omitted or without tiers).
    """

    can_bid: BoolArray
    bid_probability: FloatArray
    territories: BoolArray
    segments: BoolArray
    verticals: BoolArray
    specialised: BoolArray
    route: NDArray[np.int8]
    is_direct: BoolArray
    services: BoolArray
    managed: BoolArray
    projects_only: BoolArray
    service_quality: FloatArray
    price_month: FloatArray
    reach: FloatArray
    incumbent: BoolArray
    selling: BoolArray
    partner_type: IntArray
    lead_priority: FloatArray = field(default_factory=lambda: np.ones(0))

    def __post_init__(self) -> None:
        if len(self.lead_priority) != len(self.can_bid):
            self.lead_priority = np.ones(len(self.can_bid))

    @property
    def cover(self) -> SellerCover:
        """What each seller covers (territories with reach, segments, verticals)."""
        return SellerCover(self.reach, self.segments, self.verticals)


@dataclass
class Opportunities:
    """A batch of opportunities and the attributes of their accounts.

    Attributes:
        account: Account index.
        territory: Territory index.
        segment: Segment index.
        vertical: Vertical index.
        wtp: Willingness to pay per seat per month.
        price_sensitivity: Logit weight of cost / budget.
        needs_implementation: Needs services.
        no_it_staff: Values a managed offer.
        route: Preferred route code.
        owner: Seller a lead was routed to, or -1.
        named: A named account of the direct reps (``program.conflict.named_segments``).
        fit_bonus: Value-fit bonus every offer to it gets (ISV add-ons in its cell), or None.
    """

    account: IntArray
    territory: IntArray
    segment: IntArray
    vertical: IntArray
    wtp: FloatArray
    price_sensitivity: FloatArray
    needs_implementation: BoolArray
    no_it_staff: BoolArray
    route: NDArray[np.int8]
    owner: IntArray
    named: BoolArray
    fit_bonus: FloatArray | None = None

    @classmethod
    def of_accounts(
        cls, pop: Population, accounts: IntArray, owner: IntArray, named: BoolArray
    ) -> Opportunities:
        """Opportunities of the given accounts, with their attributes from the population.

        Args:
            pop: The population.
            accounts: The opportunities' accounts.
            owner: Seller a lead was routed to, or -1, per opportunity.
            named: Whether each is a named account of the direct reps.
        """
        return cls(
            account=accounts,
            territory=pop.territory[accounts].astype(np.int64),
            segment=pop.segment[accounts].astype(np.int64),
            vertical=pop.vertical[accounts].astype(np.int64),
            wtp=pop.wtp[accounts],
            price_sensitivity=pop.price_sensitivity[accounts],
            needs_implementation=pop.needs_implementation[accounts],
            no_it_staff=pop.no_it_staff[accounts],
            route=pop.route[accounts],
            owner=owner,
            named=named,
        )
