"""What every seller is and holds: coverage, pricing, capacity, commitment, trust, ledger.

A seller is a Mesa agent. The model reads sellers into arrays once per period for the vectorised
offer-and-choice step; each role (one module per role) overrides the hooks that make it behave
differently: whether it closes deals, its offer, its capacity and its monthly decisions.
"""

from __future__ import annotations

from collections import deque
from enum import StrEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numpy.typing import NDArray

from sim.scenario.schema import SEGMENTS, PartnerType

if TYPE_CHECKING:
    from sim.model import ChannelModel
    from sim.sales.desk import SalesDesk


class Status(StrEnum):
    """Lifecycle of a partner."""

    ONBOARDING = "onboarding"
    ACTIVE = "active"
    INACTIVE = "inactive"
    EXITED = "exited"


class RouteKind(StrEnum):
    """How a seller reaches the customer (matched against the account's preference)."""

    SELF_SERVE = "self_serve"
    DIRECT = "direct"
    PARTNER = "partner"


class Ledger:
    """A seller's money flows of the current period and its running totals."""

    FIELDS = (
        "vendor_revenue",
        "customer_revenue",
        "resale_margin",
        "distributor_margin",
        "distributor_sales",
        "services_revenue",
        "services_cost",
        "purchases",
        "mdf_received",
        "mdf_spent",
        "commissions",
        "bonuses",
        "effort_cost",
        "other_cost",
    )

    def __init__(self) -> None:
        self.period: dict[str, float] = dict.fromkeys(self.FIELDS, 0.0)
        self.total: dict[str, float] = dict.fromkeys(self.FIELDS, 0.0)

    def add(self, field: str, amount: float) -> None:
        """Add an amount to this period's value of a field."""
        self.period[field] += amount

    def close_period(self) -> None:
        """Fold this period into the totals and start a new period."""
        for k, v in self.period.items():
            self.total[k] += v
            self.period[k] = 0.0

    def income(self, which: dict[str, float]) -> float:
        """Income of the partner in a ledger view (period or total)."""
        return (
            which["resale_margin"]
            + which["distributor_margin"]
            + which["services_revenue"]
            + which["mdf_received"]
            + which["commissions"]
            + which["bonuses"]
        )

    def costs(self, which: dict[str, float]) -> float:
        """Costs of the partner in a ledger view (period or total)."""
        return (
            which["services_cost"] + which["mdf_spent"] + which["effort_cost"] + which["other_cost"]
        )

    def profit(self, which: dict[str, float]) -> float:
        """Profit = income − costs in a ledger view."""
        return self.income(which) - self.costs(which)


class Seller(mesa.Agent):
    """A seller: the direct team, the self-serve store or a partner.

    Args:
        model: The channel model.
        partner_id: Stable id, ``direct`` or ``<type>-<n>``.
        kind: ``direct`` or a partner type.
        territories: Boolean mask over the market's territories.
        verticals: Boolean mask over verticals covered.
        segments: Segment names served.
    """

    route = RouteKind.PARTNER
    closes_deals = True
    managed = False
    projects_only = False
    churn_factor = 1.0

    def __init__(
        self,
        model: ChannelModel,
        partner_id: str,
        kind: str,
        territories: NDArray[np.bool_],
        verticals: NDArray[np.bool_],
        segments: list[str],
    ) -> None:
        super().__init__(model)
        self.partner_id = partner_id
        self.kind = kind
        self.territories = territories
        self.verticals = verticals
        self.specialised = bool(not verticals.all())
        self.segments = np.array([s in segments for s in SEGMENTS], dtype=bool)
        self.status = Status.ACTIVE
        self.tier = "registered"
        self.index = -1  # position in the model's seller table
        self.desk: SalesDesk | None = None
        self.ledger = Ledger()
        self.commitment = 1.0
        self.trust = 1.0
        self.discount = 0.0
        self.pass_through = 1.0
        self.service_quality = 0.0
        self.services_attach = 0.0
        self.services_ratio = 0.0
        self.services_margin = 0.0
        self.cycle_multiplier = 1.0
        self.max_queue = 0
        self.distributor: Seller | None = None
        self.onboarded_period = 0
        self.exited_period: int | None = None
        self.bids = 0
        self.wins = 0
        self.conflicts = 0
        self.conflicts_lost_to_direct = 0
        self.revenue_history: deque[float] = deque(maxlen=12)
        self.profit_history: deque[float] = deque(maxlen=12)
        self.purchase_history: deque[float] = deque(maxlen=12)

    # -- what the model reads each period ---------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether the seller is selling now."""
        return self.status == Status.ACTIVE

    def capacity_slots(self) -> int | None:
        """Concurrent opportunities it works for this vendor (``None`` = unlimited)."""
        return None

    def bid_probability(self) -> float:
        """Probability it bids on an opportunity it can reach."""
        return 1.0

    def managed_fee(self) -> float:
        """Management fee per seat per month the seller adds to its offer (MSPs only)."""
        return 0.0

    def can_bid(self) -> bool:
        """Whether it bids at all this period (active, closes deals, queue has room)."""
        if not (self.active and self.closes_deals):
            return False
        return self.desk is None or self.desk.queue_length < self.max_queue or self.max_queue < 0

    @property
    def trailing_revenue(self) -> float:
        """Vendor net revenue of its deals over the last 12 months."""
        return float(sum(self.revenue_history))

    @property
    def win_rate(self) -> float:
        """Wins over bids so far (0 without bids)."""
        return self.wins / self.bids if self.bids else 0.0

    # -- monthly behaviour -------------------------------------------------------------------

    def act(self) -> None:
        """Role-specific actions at the start of a period (referrals, certification, ...)."""

    def update(self) -> None:
        """End-of-period update: history, commitment and trust, exit decisions."""
        self.revenue_history.append(self.ledger.period["vendor_revenue"])
        self.profit_history.append(self.ledger.profit(self.ledger.period))
        self.ledger.close_period()


class Partner(Seller):
    """A partner of the vendor: commitment, trust, effort cost and exit.

    Args:
        model: The channel model.
        partner_id: ``<type>-<n>``.
        kind: The partner type.
        params: The type's parameters from the scenario.
        territories: Boolean mask over territories.
        verticals: Boolean mask over verticals.
        reps: This partner's sales reps.
        exclusive: Whether it holds exclusivity in its territory.
    """

    def __init__(
        self,
        model: ChannelModel,
        partner_id: str,
        kind: str,
        params: PartnerType,
        territories: NDArray[np.bool_],
        verticals: NDArray[np.bool_],
        reps: int,
        exclusive: bool,
    ) -> None:
        super().__init__(model, partner_id, kind, territories, verticals, params.segments)
        self.params = params
        self.reps = reps
        self.exclusive = exclusive
        self.discount = params.discount
        self.pass_through = params.pass_through
        self.service_quality = params.service_quality
        self.services_attach = params.services_attach
        self.services_ratio = params.services_ratio
        self.services_margin = params.services_margin
        self.cycle_multiplier = params.cycle_multiplier
        self.max_queue = params.max_queue
        self.commitment = params.initial_commitment
        self.trust = params.initial_trust
        rival = self.rival_profit()
        c = min(max(self.commitment, 0.05), 0.95)
        # Start from the expectation that justifies the initial commitment.
        self.expected_profit_per_effort = rival * c / (1.0 - c)
        self.loss_months = 0
        self.lost_to_direct_period = 0
        self.undercut_period = 0
        self.credit_blocked = False

    def rival_profit(self) -> float:
        """Monthly profit per unit of effort that rival vendors offer this partner."""
        return self.params.rival_profit_per_rep * max(self.reps, 1)

    def capacity_slots(self) -> int | None:
        """Reps × concurrent opportunities, scaled by commitment (at least one slot)."""
        return max(1, round(self.reps * self.params.concurrent_opportunities * self.commitment))

    def bid_probability(self) -> float:
        """Chance it bids: grows with the reps it commits to this vendor."""
        effort = self.reps * self.commitment
        return float(1.0 - (1.0 - self.params.reach_per_rep) ** effort)

    def can_bid(self) -> bool:
        """Active, closes deals, room in the queue and within its credit line."""
        return super().can_bid() and not self.credit_blocked

    def effort_cost(self) -> float:
        """Monthly cost of the effort it gives this vendor."""
        return self.reps * self.params.cost_per_rep * self.commitment

    def gross_profit_this_period(self) -> float:
        """Profit before the cost of its sales effort, this period."""
        p = self.ledger.period
        return self.ledger.profit(p) + p["effort_cost"]

    def update(self) -> None:
        """Move commitment toward the vendor's share of expected profit; update trust; exit."""
        model = self.model
        months = model.period_months
        if self.status == Status.ACTIVE:
            self.ledger.add("effort_cost", self.effort_cost() * months)
        gp = self.gross_profit_this_period() / months  # per month
        per_effort = gp / max(self.commitment, 0.05)
        alpha = min(1.0, months / model.config.partner.memory_months)
        self.expected_profit_per_effort += alpha * (per_effort - self.expected_profit_per_effort)
        vendor = max(self.expected_profit_per_effort, 0.0)
        rival = self.rival_profit()
        target = vendor / (vendor + rival) if vendor + rival > 0 else 0.0
        target *= 0.4 + 0.6 * self.trust
        if self.exclusive:
            target += model.config.program.exclusivity_commitment_bonus
        target = min(max(target, 0.0), 1.0)
        speed = 1.0 - (1.0 - model.config.partner.commitment_speed) ** months
        self.commitment += speed * (target - self.commitment)

        conflict = model.config.program.conflict
        # Trust recovers a share of its gap to 1 each month and falls multiplicatively with
        # each deal this period lost to direct sales or to a cheaper partner.
        recovery = 1.0 - (1.0 - conflict.trust_recovery) ** months
        self.trust += recovery * (1.0 - self.trust)
        self.trust *= (1.0 - conflict.trust_loss_to_direct) ** self.lost_to_direct_period
        self.trust *= (1.0 - conflict.trust_loss_undercut) ** self.undercut_period
        self.lost_to_direct_period = 0
        self.undercut_period = 0

        super().update()
        if self.status == Status.ACTIVE:
            self._maybe_exit()

    def _maybe_exit(self) -> None:
        model = self.model
        rules = model.config.partner
        if len(self.profit_history) == self.profit_history.maxlen and sum(self.profit_history) < 0:
            self.loss_months += 1
        else:
            self.loss_months = 0
        loss_periods = rules.exit_loss_months / model.period_months
        if self.loss_months >= loss_periods or self.trust < rules.exit_trust:
            self.status = Status.EXITED
            self.exited_period = model.period
            if self.desk is not None:
                self.desk.set_slots(self.desk.slots)  # keeps working what it has won
