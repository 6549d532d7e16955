"""The ecosystem roles that never close an account's deal: OEMs, ISVs, alliance partners, brokers.

Each role's rule is a vectorised function in its module (``sim/agents/oem.py``, ``isv.py``,
``alliance.py``, ``broker.py``); :class:`Ecosystem` holds the model's partners of these roles
and applies the rules in the phase each belongs to (docs/model.md §7.27):

- awareness (step 1): alliance partners' reach is added to the partners' awareness per
  territory (:meth:`Ecosystem.awareness`);
- evaluation (step 2): brokers bring opportunities, and every opportunity of an account in a
  cell an ISV add-on covers gets its value-fit bonus (:meth:`Ecosystem.opportunities`);
- billing (step 5): OEM royalties (vendor revenue under ``oem``), ISV add-on and alliance
  joint-solution revenue (theirs), alliance co-marketing funds (the vendor's ``mdf`` line) and
  broker referral fees (the vendor's ``commissions`` line) (:meth:`Ecosystem.settle`).

With none of these partners every method returns its input unchanged and draws nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.agents.alliance import Alliance, alliance_reach
from sim.agents.base import Partner, Seller
from sim.agents.broker import BrokerNetwork
from sim.agents.isv import Isv, attached_revenue, coverage
from sim.agents.oem import Oem, oem_units
from sim.agents.state import COL, SellerState
from sim.engine.evaluation import named_segment_codes
from sim.engine.flows import Flows
from sim.engine.period import BoolArray, FloatArray, IntArray, PeriodContext
from sim.market.population import CUSTOMER, UNAWARE, AwareSource, Population, State
from sim.sales.book import OpportunityBook, Outcome, Source
from sim.sales.leads import may_open
from sim.sales.tables import Opportunities
from sim.scenario.schema import Partners

NDArray8 = NDArray[np.int8]


@dataclass
class EcosystemCounters:
    """What the ecosystem roles did this period (timeseries columns)."""

    oem_units: float = 0.0
    isv_fit_bonus: float = 0.0
    """Mean ISV value-fit bonus over this period's opportunities."""
    isv_addon_revenue: float = 0.0
    alliance_reach: float = 0.0
    """Mean over territories of the awareness probability per month alliances add."""
    alliance_co_marketing: float = 0.0
    broker_opportunities: int = 0
    broker_fees: float = 0.0


@dataclass
class RoleArrays:
    """The partners of one role as arrays."""

    index: IntArray
    commitment: FloatArray
    territories: BoolArray
    verticals: BoolArray
    active: BoolArray


class Ecosystem:
    """The OEMs, ISVs, alliance partners and brokers of a model.

    Args:
        partners: The scenario's partner types.
        cells: Account indices by (territory, segment) (brokers' pools).
        n_territories: Territories of the market.
        n_verticals: Verticals of the market.
    """

    def __init__(
        self,
        partners: Partners,
        cells: dict[tuple[int, int], IntArray],
        n_territories: int,
        n_verticals: int,
    ) -> None:
        self.params = partners
        self.oems: list[Oem] = []
        self.isvs: list[Isv] = []
        self.alliances: list[Alliance] = []
        self.brokers = BrokerNetwork(partners.broker, cells)
        self.counters = EcosystemCounters()
        self._shape = (n_territories, n_verticals)
        self._book_start = 0
        self._new_brokers = np.zeros(0, dtype=np.int64)

    def add(self, seller: Seller) -> None:
        """Count a seller that joined in, if it plays one of these roles."""
        if isinstance(seller, Oem):
            self.oems.append(seller)
        elif isinstance(seller, Isv):
            self.isvs.append(seller)
        elif isinstance(seller, Alliance):
            self.alliances.append(seller)
        self.brokers.add(seller)

    def _arrays(self, members: Sequence[Partner], st: SellerState) -> RoleArrays:
        idx = np.array([s.index for s in members], dtype=np.int64)
        verticals = np.array([s.verticals for s in members], dtype=bool)
        return RoleArrays(
            idx,
            st.commitment[idx],
            st.territories[idx].astype(bool),
            verticals.reshape(len(members), self._shape[1]),
            st.active[idx],
        )

    # ---------------------------------------------------------------- step 1: awareness

    def awareness(self, st: SellerState) -> FloatArray:
        """Awareness probability per month the alliance partners add, per territory."""
        reach = np.zeros(self._shape[0])
        if self.alliances:
            a = self._arrays(self.alliances, st)
            reach = alliance_reach(
                self.params.alliance.reach, a.commitment, a.territories, a.active
            )
        self.counters.alliance_reach = float(reach.mean()) if len(reach) else 0.0
        return reach

    # ---------------------------------------------------------------- step 2: evaluation

    def opportunities(
        self,
        opps: Opportunities,
        source: NDArray8,
        referrer: IntArray,
        pop: Population,
        st: SellerState,
        ctx: PeriodContext,
        book_size: int,
    ) -> tuple[Opportunities, NDArray8, IntArray]:
        """Add the brokers' opportunities, then set every opportunity's ISV value-fit bonus.

        Broker opportunities come last (stream ``referrals.broker``), with no owner; their
        source is ``broker``. Their broker is tracked here and written into the book's
        ``referrer`` column only once the opportunity is decided (:meth:`settle`), after
        billing has read that column for affiliate commissions.

        Args:
            opps: The opportunities the evaluation phase opened.
            source: Their sources.
            referrer: Their referring affiliates (-1 if none).
            pop: The population (broker accounts become evaluating).
            st: The seller state.
            ctx: The scenario, streams and clock.
            book_size: Rows of the opportunity book before this period's.

        Returns:
            The opportunities, sources and referrers, broker opportunities appended.
        """
        self._book_start = book_size
        self._new_brokers = np.zeros(0, dtype=np.int64)
        self.counters.broker_opportunities = 0
        if self.brokers.members:
            opps, source, referrer = self._broker_opportunities(
                opps, source, referrer, pop, st, ctx
            )
        self.counters.isv_fit_bonus = 0.0
        if self.isvs:
            i = self._arrays(self.isvs, st)
            cover = coverage(i.commitment, i.territories, i.verticals, i.active)
            opps.fit_bonus = self.params.isv.addon_fit * cover[opps.territory, opps.vertical]
            self.counters.isv_fit_bonus = float(opps.fit_bonus.mean()) if len(opps.account) else 0.0
        return opps, source, referrer

    def _broker_opportunities(
        self,
        opps: Opportunities,
        source: NDArray8,
        referrer: IntArray,
        pop: Population,
        st: SellerState,
        ctx: PeriodContext,
    ) -> tuple[Opportunities, NDArray8, IntArray]:
        taken = np.zeros(pop.n, dtype=bool)
        taken[opps.account] = True
        accounts, brokers = self.brokers.referrals(
            st.commitment,
            ctx.streams.get("referrals.broker"),
            ctx.clock.period_months,
            lambda acc: may_open(pop.state, acc, taken),
        )
        if not len(accounts):
            return opps, source, referrer
        fresh = accounts[pop.state[accounts] == UNAWARE]
        pop.aware_source[fresh] = AwareSource.PARTNER
        pop.state[accounts] = State.EVALUATING
        named = np.isin(pop.segment[accounts], named_segment_codes(ctx.config.program.conflict))
        none = np.full(len(accounts), -1, dtype=np.int64)
        extra = Opportunities.of_accounts(pop, accounts, none, named)
        self._new_brokers = brokers
        self.counters.broker_opportunities = len(accounts)
        return (
            concat_opportunities(opps, extra),
            np.concatenate([source, np.full(len(accounts), Source.BROKER, dtype=np.int8)]),
            np.concatenate([referrer, none]),
        )

    # ---------------------------------------------------------------- step 5: billing

    def settle(
        self,
        flows: Flows,
        pop: Population,
        book: OpportunityBook,
        st: SellerState,
        ctx: PeriodContext,
    ) -> None:
        """Bill the period's royalties, add-on and joint revenue, co-marketing and fees.

        Args:
            flows: The period's flows (OEM royalties and broker fees added).
            pop: The population (the vendor's customers' seats by cell).
            book: The opportunity book (broker opportunities' outcomes).
            st: The seller state (ISV and alliance ledgers).
            ctx: The scenario and clock; the vendor's cost lines are added to.
        """
        self._settle_oems(flows, st, ctx)
        seats = None
        if self.isvs or self.alliances:
            seats = customer_seats(pop, self._shape)
        self._settle_isvs(seats, st, ctx)
        self._settle_alliances(seats, st, ctx)
        self._settle_brokers(flows, book)

    def _settle_oems(self, flows: Flows, st: SellerState, ctx: PeriodContext) -> None:
        self.counters.oem_units = 0.0
        if not self.oems:
            return
        params, pm = self.params.oem, ctx.clock.period_months
        idx = np.array([s.index for s in self.oems], dtype=np.int64)
        age = np.array([ctx.clock.period - s.onboarded_period for s in self.oems]) * pm
        size = np.array([s.size for s in self.oems])
        units = oem_units(params, size, st.commitment[idx], age, st.active[idx], pm)
        royalty = params.royalty_per_unit * units
        for arr in (flows.list_revenue, flows.vendor_revenue, flows.customer_revenue):
            arr[idx] += royalty
        flows.billings_vendor[idx] += royalty
        ctx.costs["cogs"] += ctx.config.product.cogs_share * float(royalty.sum())
        ledger = st.row("period")
        ledger[idx, COL["resale_margin"]] += (
            params.margin_per_unit - params.royalty_per_unit
        ) * units
        self.counters.oem_units = float(units.sum())

    def _settle_isvs(self, seats: FloatArray | None, st: SellerState, ctx: PeriodContext) -> None:
        self.counters.isv_addon_revenue = 0.0
        if not self.isvs or seats is None:
            return
        p = self.params.isv
        per_seat = p.addon_price_per_seat * p.addon_attach * ctx.clock.period_months
        i = self._arrays(self.isvs, st)
        revenue = attached_revenue(
            seats, i.commitment, i.territories, i.verticals, i.active, per_seat
        )
        _book_services(st, i.index, revenue, p.addon_margin)
        self.counters.isv_addon_revenue = float(revenue.sum())

    def _settle_alliances(
        self, seats: FloatArray | None, st: SellerState, ctx: PeriodContext
    ) -> None:
        self.counters.alliance_co_marketing = 0.0
        if not self.alliances or seats is None:
            return
        p, pm = self.params.alliance, ctx.clock.period_months
        a = self._arrays(self.alliances, st)
        funds = np.where(a.active, p.co_marketing_per_month * pm, 0.0)
        ledger = st.row("period")
        ledger[a.index, COL["mdf_received"]] += funds
        ledger[a.index, COL["mdf_spent"]] += funds
        ctx.costs["mdf"] += float(funds.sum())
        self.counters.alliance_co_marketing = float(funds.sum())
        per_seat = p.joint_revenue_per_seat * p.joint_attach * pm
        revenue = attached_revenue(
            seats, a.commitment, a.territories, a.verticals, a.active, per_seat
        )
        _book_services(st, a.index, revenue, p.joint_margin)

    def _settle_brokers(self, flows: Flows, book: OpportunityBook) -> None:
        self.counters.broker_fees = 0.0
        if not self.brokers.members:
            return
        rows = np.arange(self._book_start, book.size, dtype=np.int64)
        ids = rows[book["source"][rows] == Source.BROKER]
        assert len(ids) == len(self._new_brokers), "broker opportunities are booked in order"
        self.brokers.track(ids, self._new_brokers)
        self._new_brokers = np.zeros(0, dtype=np.int64)
        # Once decided (its contract started, or lost), a broker's opportunity names it as its
        # referrer in the book (deals.parquet, CAC by channel); billing read the referrer (an
        # affiliate's, for commissions) when the contract started, so no commission follows.
        pending, broker = self.brokers.pending_ids, self.brokers.pending_broker
        decided = book["outcome"][pending] != Outcome.OPEN
        book.cols["referrer"][pending[decided]] = broker[decided]
        fees = self.brokers.settle(
            book["outcome"], book["vendor_net"], int(Outcome.WON), len(flows.commissions)
        )
        flows.commissions += fees
        self.counters.broker_fees = float(fees.sum())


def _book_services(st: SellerState, idx: IntArray, revenue: FloatArray, margin: float) -> None:
    """Add revenue the partners earn on their own (add-ons, joint solutions) to their ledgers."""
    ledger = st.row("period")
    ledger[idx, COL["services_revenue"]] += revenue
    ledger[idx, COL["services_cost"]] += revenue * (1.0 - margin)


def customer_seats(pop: Population, shape: tuple[int, int]) -> FloatArray:
    """Seats of the vendor's active customers per (territory, vertical)."""
    cust = np.flatnonzero(pop.state == CUSTOMER)
    code = pop.territory[cust].astype(np.int64) * shape[1] + pop.vertical[cust]
    seats = np.bincount(code, weights=pop.seats[cust], minlength=shape[0] * shape[1])
    return np.asarray(seats, dtype=np.float64).reshape(shape)


def concat_opportunities(a: Opportunities, b: Opportunities) -> Opportunities:
    """Two batches of opportunities as one (fields that are None in either stay None)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        values[f.name] = None if x is None or y is None else np.concatenate([x, y])
    return Opportunities(**values)
