"""The channel model: it builds the market, the sellers and the programme, and runs the periods.

A period t (Mesa step t) runs from SimPy time t−1 to t, in the order of SPEC §2.2; each phase
lives in its own module of :mod:`sim.engine`:

0. partners act (``Seller.act``: certification, ...) and the seller table is built
   (:mod:`~sim.engine.seller_table`);
1. awareness (Bass, with vendor marketing, partner MDF marketing and affiliate reach;
   :mod:`~sim.engine.awareness`);
2. evaluation (aware accounts open opportunities; vendor leads and affiliate referrals open
   them at once; :mod:`~sim.engine.evaluation`);
3. offers and choice (who may bid, logit among offers, the rival and no decision;
   :func:`sim.sales.offers.choose`), deal terms (:mod:`~sim.engine.deal_terms`) and the
   won deals queued at desks (:mod:`~sim.engine.fulfilment`);
4. ``env.run(until=t)``: SimPy advances sales cycles, queues and hardware deliveries;
5. billing and churn (:mod:`~sim.engine.billing_phase`), partner updates (ledger, MDF, exits,
   capacity, recruitment), vendor costs, data collection.
"""

from __future__ import annotations

import mesa
import numpy as np
import simpy
from numpy.typing import NDArray

from sim.agents import DirectSales, SelfServe, Seller
from sim.agents.affiliate import AffiliateNetwork
from sim.agents.distributor import credit_blocked
from sim.agents.state import SellerState
from sim.engine.awareness import awareness_phase
from sim.engine.billing_phase import Accounts, billing_phase
from sim.engine.choice_phase import offers_and_choice_phase
from sim.engine.ecosystem import Ecosystem
from sim.engine.evaluation import evaluation_phase
from sim.engine.flows import Flows
from sim.engine.fulfilment import Fulfilment
from sim.engine.lead_router import LeadRouter, desk_free_share
from sim.engine.partner_phase import partner_updates_phase
from sim.engine.period import Clock, PeriodContext, PeriodCounters, zero_costs
from sim.engine.price_review import ResellerPrices
from sim.engine.pricing import list_per_seat, subscription_now
from sim.engine.program_accounts import ProgramBooks
from sim.engine.recruitment import Recruitment
from sim.engine.seller_arrays import SellerArrays, SellerArraysCache
from sim.engine.seller_table import queue_lengths, seller_table
from sim.engine.tier_review import TierProgram
from sim.engine.vendor import marketing_costs, vendor_costs
from sim.market.population import Population
from sim.metrics import MetricsRecorder
from sim.names import SEGMENTS
from sim.program.conflict import get_rule
from sim.program.registration import Register
from sim.rng import Streams
from sim.sales.book import OpportunityBook
from sim.sales.desk import SalesDesk
from sim.sales.desk_bank import DeskBank
from sim.sales.leads import account_cells
from sim.sales.tables import Opportunities, SellerTable
from sim.scenario.schema import Scenario


class ChannelModel(mesa.Model):
    """A vendor selling directly and through partners to a market of accounts.

    Args:
        scenario: A validated scenario.
        seed: Root seed of the run (defaults to the scenario's ``seed``).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        seed = scenario.seed if seed is None else seed
        super().__init__(rng=seed)
        self.config = scenario
        self.seed = seed
        self.streams = Streams(seed)
        self.period_months = 1.0 if scenario.time.period == "month" else 12.0 / 52.0
        self.periods_per_year = 12 if scenario.time.period == "month" else 52
        self.period = 0
        self.env = simpy.Environment()
        self.population = pop = Population(scenario.market, self.streams)
        n_terr = len(pop.territory_names)
        self.accounts = Accounts.of(pop)  # contracts, billing totals and dated events
        self.contracts = self.accounts.contracts
        # Room for most runs' opportunities without growing (`baseline` opens ~3.4 % of N a
        # month; growing costs ~4 % of a 100k run; unused room is never written).
        expected_rows = 0.04 * pop.n * scenario.time.periods * self.period_months
        self.book = OpportunityBook(capacity=max(1024, int(expected_rows)))
        self.conflict_rule = get_rule(scenario.program.conflict.rule.value)
        self.registrations = Register(pop.n)  # deal registrations (sim/program/registration.py)
        self.sellers: list[Seller] = []
        self.seller_state = SellerState(n_terr, history=self.periods_per_year)
        cells = account_cells(pop.territory, pop.segment, len(SEGMENTS))
        self.affiliates = AffiliateNetwork(scenario.partners.affiliate, cells, n_terr)
        self.ecosystem = Ecosystem(scenario.partners, cells, n_terr, len(pop.vertical_names))
        self._territory_sizes = np.bincount(pop.territory.astype(np.int64), minlength=n_terr)
        self.vendor_costs_period: dict[str, float] = zero_costs()
        # Sales desks: most in one bank advanced with array operations; those whose deals wait
        # for distributor stock as SimPy processes (Seller.desk).
        self.desks = DeskBank()
        self.fulfilment = Fulfilment(self.env, self.book, self.sellers, self.desks)
        self._process_desks: list[int] = []  # indices of the sellers with a SimPy desk
        self.partner_slots_set = np.zeros(0)  # partners' desk slots as set last period
        self.mdf_awareness = np.zeros(n_terr)  # awareness per territory from last MDF spend
        self.program_books = ProgramBooks()  # MDF funds, rebate windows, the period's totals
        self._arrays = SellerArraysCache()
        self.tier_program = TierProgram(scenario, self.periods_per_year, self.period_months)
        self.prices = ResellerPrices.of(pop, scenario, self.streams, self.period_months)
        self._no_hardware = scenario.product.hardware.units_per_seat == 0
        self._period = PeriodCounters()
        self._flows = Flows.zeros(0)
        self.direct, self.self_serve, self.recruitment = self._create_sellers()
        self.lead_router = LeadRouter(
            scenario.program.lead_routing,
            self.seller_state,
            lambda: desk_free_share(self.sellers, self.desks, self._process_desks),
            self.period_months,
        )
        self.metrics = MetricsRecorder(scenario.time.periods)
        self.datacollector = self.metrics  # Mesa's name for it: SolaraViz's plots read it
        self.cumulative_cash = 0.0
        self.training_subsidies_period = 0.0

    # ------------------------------------------------------------------ sellers

    def _create_sellers(self) -> tuple[DirectSales, SelfServe, Recruitment]:
        """The vendor's channels, then the initial partners; every seller's desk opens."""
        direct = DirectSales(self)
        self.add_seller(direct)
        self_serve = SelfServe(self)
        self.add_seller(self_serve)
        recruitment = Recruitment(self)
        recruitment.create_initial()
        for seller in self.sellers:
            self.open_desk(seller)
        return direct, self_serve, recruitment

    def add_seller(self, seller: Seller) -> None:
        """Register a seller that was just created (sellers register in index order)."""
        assert seller.index == len(self.sellers), "sellers register in allocation order"
        self.sellers.append(seller)
        self.affiliates.add(seller)
        self.ecosystem.add(seller)
        self.seller_state.row("closes_deals")[seller.index] = seller.closes_deals
        self.tier_program.join(self.seller_state, seller)

    def sellers_changed(self) -> None:
        """Rebuild the seller arrays now (a seller's discount changed with its tier)."""
        self._arrays.invalidate()
        self._current_arrays()

    def open_desk(self, seller: Seller) -> None:
        """Open the seller's sales desk, once it is linked to its distributor (if any).

        A desk whose deals ship hardware from a distributor's stock is a SimPy process
        (``seller.desk``): its completions wait for stock during the period. Every other desk
        is a row of the desk bank.
        """
        if not seller.has_desk:
            return
        if self._no_hardware or seller.distributor is None:
            self.desks.open(seller.index, seller.capacity_slots())
        else:
            seller.desk = SalesDesk(
                self.env, self.fulfilment.on_cycle_complete, seller.capacity_slots()
            )
            self._process_desks.append(seller.index)

    @property
    def flows(self) -> Flows:
        """The money flows by seller of the last period billed."""
        return self._flows

    @property
    def counters(self) -> PeriodCounters:
        """The counts of the current (or last) period."""
        return self._period

    @property
    def seller_arrays(self) -> SellerArrays:
        """The sellers' slowly changing attributes as arrays, as built this period."""
        return self._arrays.arrays

    def subscription_now(self) -> bool:
        """Whether new sales are subscriptions this period (dated shift)."""
        return subscription_now(self.config.product, self.period, self.period_months)

    # ------------------------------------------------------------------ the period

    def run(self) -> None:
        """Run the scenario's remaining periods (all of them on a new model)."""
        while self.running:
            self.step()

    def _wrapped_step(self) -> None:
        """Mesa's ``step()``, refused past the scenario's last period.

        Mesa 3.5 binds ``model.step`` to this method, which advances Mesa's time and calls
        :meth:`step` through its event list. The horizon is checked before Mesa counts the step,
        so that every call past the end raises (a failing step would leave Mesa's event list
        without its next step, and the following calls would silently do nothing).

        Raises:
            RuntimeError: The scenario's last period has been run.
        """
        periods = self.config.time.periods
        if self.steps >= periods:
            called_for = self.steps + 1
            raise RuntimeError(
                f"the scenario has {periods} periods; step() was called for period {called_for}"
            )
        super()._wrapped_step()

    def step(self) -> None:
        """Advance one period in the order of SPEC §2.2.

        Sellers act first, each in turn in the order of their index (the order Mesa's agent set
        keeps: the order they were created in); nothing shuffles them. After the last period
        ``running`` turns False.
        """
        t = self.steps
        self.period = t
        self.vendor_costs_period = zero_costs()
        self._period = PeriodCounters()
        self.agents.do("act")
        table = self._seller_table()
        self._awareness()
        opps, source, referrer = self._evaluation(table)
        self._offers_and_choice(opps, source, referrer, table)
        self.env.run(until=t)
        self.desks.run(float(t - 1), float(t))
        self._billing_and_churn()
        self._partner_updates()
        self._vendor_updates()
        self._collect()
        self.running = t < self.config.time.periods

    def _clock(self) -> Clock:
        return Clock(self.period, self.period_months, self.periods_per_year)

    def _context(self) -> PeriodContext:
        """What the phases of this period share (see :class:`~sim.engine.period.PeriodContext`)."""
        return PeriodContext(
            self.config, self.streams, self._clock(), self._period, self.vendor_costs_period
        )

    def _seller_table(self) -> SellerTable:
        """Every seller as arrays for this period (the slowly changing part is cached).

        In a pricing-review period (the first, then every ``partner.pricing_review_months``)
        the best-responding resellers revise their margins against this table first.
        """
        arrays = self._current_arrays()
        self.prices.sync(arrays)
        st = self.seller_state
        table = seller_table(
            arrays,
            st,
            self.sellers,
            queue_lengths(self.sellers, self.desks, self._process_desks),
            self.accounts.recurring.customers,
            credit_blocked(
                st, arrays.distributor, self.config.partners.distributor, self.period_months
            ),
            self.prices.price_month(arrays),
            self._period,
        )
        return self.prices.reviewed(table, arrays, self.population, self.config, self.period)

    def _current_arrays(self) -> SellerArrays:
        product = self.config.product
        subscription = self.subscription_now()
        return self._arrays.get(
            self.sellers,
            subscription,
            list_per_seat(product, subscription, managed=False),
            list_per_seat(product, subscription, managed=True),
            self.config.market.choice.horizon_months,
        )

    def _awareness(self) -> None:
        mk = self.config.marketing
        vendor_p = mk.brand_effect_per_100k * mk.brand_spend / 100_000.0
        partner_terr = self.mdf_awareness + self.affiliates.reach(self.seller_state)
        partner_terr = partner_terr + self.ecosystem.awareness(self.seller_state)  # alliances
        self._period.new_aware = awareness_phase(
            self.population,
            self.config.market.awareness,
            self.streams.get("market.awareness"),
            self.period_months,
            vendor_p,
            partner_terr,
            self.accounts.recurring.customers.sum(axis=0),
            self._territory_sizes,
        )

    def _evaluation(
        self, table: SellerTable
    ) -> tuple[Opportunities, NDArray[np.int8], NDArray[np.int64]]:
        ctx = self._context()
        opps, source, referrer = evaluation_phase(
            self.population,
            table,
            self.direct.index,
            self.affiliates,
            self.seller_state,
            ctx,
            self.lead_router,
        )  # then brokers' opportunities and ISVs' fit bonus:
        return self.ecosystem.opportunities(
            opps, source, referrer, self.population, self.seller_state, ctx, self.book.size
        )

    def _offers_and_choice(
        self,
        opps: Opportunities,
        source: NDArray[np.int8],
        referrer: NDArray[np.int64],
        table: SellerTable,
    ) -> None:
        offers_and_choice_phase(self, opps, source, referrer, table)

    def _billing_and_churn(self) -> None:
        self._flows = billing_phase(
            self.accounts,
            self.population,
            self.book,
            self.fulfilment.take_completed(),
            self.seller_arrays,
            np.array([s.service_quality for s in self.sellers]),
            self._context(),
        )  # OEM royalties, ISV and alliance revenue, co-marketing, broker fees:
        self.ecosystem.settle(
            self._flows, self.population, self.book, self.seller_state, self._context()
        )

    def _partner_updates(self) -> None:
        """Ledgers, MDF, exits, desk capacity and recruitment, at the end of the period."""
        partner_updates_phase(self)

    def _vendor_updates(self) -> None:
        costs = self.vendor_costs_period
        marketing_costs(costs, self.config, self.period_months)
        st = self.seller_state
        self.training_subsidies_period = vendor_costs(
            costs,
            self.config,
            self.direct.monthly_cost(),
            int((st.active & st.is_partner).sum()),
            self.period_months,
        )

    def _collect(self) -> None:
        self.datacollector.collect(self)
