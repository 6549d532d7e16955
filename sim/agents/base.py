"""What every seller is and holds: coverage, pricing, capacity, commitment, trust, ledger.

A seller is a Mesa agent. The model reads sellers into arrays once per period for the vectorised
offer-and-choice step; each role (one module per role) overrides the hooks that make it behave
differently: whether it closes deals, its offer, its capacity and its monthly decisions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from numpy.typing import NDArray

from sim.agents.state import COL, COSTS, INCOME, LEDGER_FIELDS, SellerState
from sim.agents.training import maybe_certify
from sim.names import SEGMENTS, TIERS
from sim.rng import Streams
from sim.scenario.schema import PartnerType, PricingPolicy

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
    """One seller's view of its money flows: this period and the running totals.

    Args:
        state: The model's seller state.
        index: The seller's row.
    """

    FIELDS = LEDGER_FIELDS

    def __init__(self, state: SellerState, index: int) -> None:
        self._state = state
        self._index = index

    def add(self, field: str, amount: float) -> None:
        """Add an amount to this period's value of a field."""
        self._state.row("period")[self._index, COL[field]] += amount

    @property
    def period(self) -> dict[str, float]:
        """This period's flows, by field."""
        return dict(
            zip(LEDGER_FIELDS, self._state.row("period")[self._index].tolist(), strict=True)
        )

    @property
    def total(self) -> dict[str, float]:
        """Flows summed over every closed period, by field."""
        return dict(zip(LEDGER_FIELDS, self._state.row("total")[self._index].tolist(), strict=True))

    @staticmethod
    def income(which: dict[str, float]) -> float:
        """Income of the partner in a ledger view (period or total)."""
        return float(sum(which[f] for f in INCOME))

    @staticmethod
    def costs(which: dict[str, float]) -> float:
        """Costs of the partner in a ledger view (period or total)."""
        return float(sum(which[f] for f in COSTS))

    def profit(self, which: dict[str, float]) -> float:
        """Profit = income − costs in a ledger view."""
        return self.income(which) - self.costs(which)


def _state_property(name: str, doc: str) -> property:
    def getter(self: Seller) -> Any:
        return self._state.row(name)[self.index].item()

    def setter(self: Seller, value: Any) -> None:
        self._state.row(name)[self.index] = value

    return property(getter, setter, doc=doc)


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
    is_partner = False
    """Whether it is a partner (commitment, trust and exit decisions; bid reach per rep)."""
    buys_through_distributor = False
    """Whether it may buy through a distributor (two-tier), drawn when it joins."""
    reps = 0
    credit_blocked = False

    commitment = _state_property("commitment", "Share of its sales effort it gives this vendor.")
    trust = _state_property("trust", "Its trust in the vendor, in [0, 1].")
    bids = _state_property("bids", "Opportunities it bid on so far.")
    wins = _state_property("wins", "Opportunities it won so far.")
    conflicts = _state_property("conflicts", "Conflicts it took part in so far.")
    conflicts_lost_to_direct = _state_property(
        "conflicts_lost_to_direct", "Conflicts it lost to the vendor's direct reps."
    )
    conflicts_lost_to_store = _state_property(
        "conflicts_lost_to_store", "Conflicts it lost to the vendor's online store."
    )
    conflicts_lost_to_partner = _state_property(
        "conflicts_lost_to_partner", "Conflicts it lost to another partner."
    )
    services_margin = _state_property("services_margin", "Its gross margin on services.")

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
        self._state: SellerState = model.seller_state
        self.index = self._state.allocate()  # position in the model's seller list
        self._state.row("territories")[self.index] = territories
        self.partner_id = partner_id
        self.kind = kind
        self.territories = territories
        self.verticals = verticals
        self.specialised = bool(not verticals.all())
        self.segments = np.array([s in segments for s in SEGMENTS], dtype=bool)
        self.status = Status.ACTIVE
        self.desk: SalesDesk | None = None
        self.ledger = Ledger(self._state, self.index)
        self.commitment = 1.0
        self.trust = 1.0
        self.discount = 0.0
        self.pass_through = 1.0
        self.sets_prices = False  # sets its margin by best response (see Partner)
        self.away_reach = 0.0  # bid probability outside its territories, relative to home
        self.service_quality = 0.0
        self.services_attach = 0.0
        self.services_ratio = 0.0
        self.services_margin = 0.0
        self.cycle_multiplier = 1.0
        self.max_queue = 0
        self.distributor: Seller | None = None
        self.onboarded_period = 0
        self.exited_period: int | None = None

    # -- what the model reads each period ---------------------------------------------------

    @property
    def status(self) -> Status:
        """Where the seller is in its life cycle (onboarding, active, exited)."""
        return self._status

    @status.setter
    def status(self, value: Status) -> None:
        self._status = value
        self._state.row("active")[self.index] = value == Status.ACTIVE
        self._state.row("live")[self.index] = value in (Status.ACTIVE, Status.ONBOARDING)

    @property
    def tier(self) -> str:
        """Its program tier (a name of :data:`~sim.names.TIERS`; set by the tier reviews)."""
        return TIERS[int(self._state.row("tier")[self.index])]

    @property
    def active(self) -> bool:
        """Whether the seller is selling now."""
        return self._status == Status.ACTIVE

    @property
    def has_desk(self) -> bool:
        """Whether it works won opportunities at a sales desk (it closes deals)."""
        return self.closes_deals

    def capacity_slots(self) -> int | None:
        """Concurrent opportunities it works for this vendor (``None`` = unlimited)."""
        return None

    def slot_base(self) -> float:
        """Desk slots at full commitment; NaN when its slots do not follow commitment."""
        return float("nan")

    def reach_per_rep(self) -> float:
        """Chance one of its reps reaches an opportunity (partners; 0 for the vendor)."""
        return 0.0

    def bid_probability(self) -> float:
        """Probability the vendor's own channel bids on an opportunity it can reach.

        A partner's bid probability, 1 − (1 − reach_per_rep)^(reps × commitment), changes
        every period with its commitment and is computed for all partners at once in the
        model's seller table.
        """
        return 1.0

    def managed_fee(self) -> float:
        """Management fee per seat per month the seller adds to its offer (MSPs only)."""
        return 0.0

    @property
    def trailing_revenue(self) -> float:
        """Vendor net revenue of its deals over the last 12 months."""
        return self._state.recent("revenue_history", self.index, self._state.history)

    @property
    def win_rate(self) -> float:
        """Wins over bids so far (0 without bids)."""
        return self.wins / self.bids if self.bids else 0.0

    # -- monthly behaviour -------------------------------------------------------------------

    def act(self) -> None:
        """Role-specific actions at the start of a period (referrals, certification, ...)."""


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

    is_partner = True
    buys_through_distributor = True

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
        self.sets_prices = (
            params.pricing_policy == PricingPolicy.BEST_RESPONSE and params.discount > 0
        )
        # An exclusive holder sells only in its own territories (SPEC §2.5).
        self.away_reach = 0.0 if exclusive else params.away_reach
        # Partners of one type differ in capability: its service quality is drawn around the
        # type's (stream ``partners.capability.<type>``, one draw per partner whatever the sigma).
        capability = model.streams.get(f"partners.capability.{kind}").standard_normal()
        self.service_quality = params.service_quality + params.capability_sigma * capability
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
        st = self._state
        st.row("rival_profit")[self.index] = rival
        st.row("effort_base")[self.index] = self.effort_base()
        st.row("opex_share_of_sales")[self.index] = self.opex_share_of_sales()
        st.row("is_partner")[self.index] = True
        st.row("exclusive")[self.index] = exclusive
        # Its exit-review schedule: every review_months, at a phase of its own. Phases run
        # round-robin through a type's partners (by number) from a random start drawn once per
        # type (stream ``partner.review_phase.<type>``), so a cohort's reviews spread evenly.
        periods = max(1, round(params.review_months / model.period_months))
        st.row("review_periods")[self.index] = periods
        start = Streams(model.seed).get(f"partner.review_phase.{kind}").integers(periods)
        number = int(partner_id.rsplit("-", 1)[1])
        st.row("review_phase")[self.index] = (start + number - 1) % periods
        self.credit_blocked = False  # its distributor's credit line is used up (set each period)
        self.certifying = False
        self.base_quality = self.service_quality

    certified = _state_property("certified", "Reps certified so far.")

    def act(self) -> None:
        """Start certifying one more rep when it pays (:mod:`sim.agents.training`)."""
        if self.status == Status.ACTIVE and not self.certifying and self.certified < self.reps:
            maybe_certify(self)

    def rival_profit(self) -> float:
        """Monthly profit per unit of effort that rival vendors offer this partner."""
        return self.params.rival_profit_per_rep * max(self.reps, 1)

    def slot_base(self) -> float:
        """Concurrent opportunities at full commitment: reps × opportunities per rep."""
        return float(self.reps * self.params.concurrent_opportunities)

    def reach_per_rep(self) -> float:
        """Chance one of its reps reaches an opportunity (``reach_per_rep`` of its type)."""
        return self.params.reach_per_rep

    def capacity_slots(self) -> int | None:
        """:meth:`slot_base` scaled by commitment (at least one slot)."""
        return max(1, round(self.slot_base() * self.commitment))

    expected_profit_per_effort = _state_property(
        "expected_profit_per_effort", "Expected monthly profit per unit of effort from this vendor."
    )
    failed_reviews = _state_property(
        "failed_reviews",
        "Consecutive exit reviews it failed (trailing profit below its outside option).",
    )
    profit_at_exit = _state_property(
        "profit_at_exit", "Its cumulative profit when it exited (0 while it has not)."
    )
    lost_to_direct_period = _state_property(
        "lost_to_direct_period", "Deals it bid on that the direct reps won this period."
    )
    lost_to_store_period = _state_property(
        "lost_to_store_period", "Deals it bid on that the online store won this period."
    )
    lost_to_partner_period = _state_property(
        "lost_to_partner_period", "Deals it bid on that another partner won this period."
    )

    def effort_base(self) -> float:
        """Monthly cost of its sales effort at full commitment to this vendor."""
        return self.reps * self.params.cost_per_rep

    def opex_share_of_sales(self) -> float:
        """Operating cost per unit of its distributor sales (0 unless a distributor)."""
        return 0.0
