"""The channel model: wiring of market, sellers and program, and the order of a period.

A period t (Mesa step t) runs from SimPy time t−1 to t, in the order of SPEC §2.2:

1. awareness (Bass, with vendor marketing, partner MDF marketing and affiliate reach);
2. evaluation (aware accounts open opportunities; vendor leads and affiliate referrals open
   them at once);
3. offers and choice (who may bid, logit among offers, the rival and no decision);
4. ``env.run(until=t)``: SimPy advances sales cycles, queues and hardware deliveries;
5. billing and churn, partner and vendor updates, data collection.
"""

from __future__ import annotations

import itertools
from collections.abc import Generator
from typing import Any

import mesa
import numpy as np
import simpy
from numpy.typing import NDArray

from sim.agents import ROLE_CLASSES, DirectSales, Distributor, Partner, SelfServe, Seller, Status
from sim.agents.affiliate import Affiliate
from sim.agents.distributor import credit_blocked
from sim.agents.state import COL, SellerState
from sim.agents.updates import end_period
from sim.arrays import run_starts
from sim.billing import Contracts, DatedEvents, RecurringTotals
from sim.economics.waterfall import price_ratios
from sim.market.awareness import awareness_probability, neighbour_share, shares_from_counts
from sim.market.population import AwareSource, Population, State
from sim.metrics import MetricsRecorder
from sim.names import PARTNER_TYPES, SEGMENTS
from sim.program.conflict import get_rule
from sim.program.exclusivity import assign_territories, free_exclusive_territory
from sim.rng import BITS_SCALE, Streams, draws_below, uniform_bits
from sim.sales.book import OpportunityBook, Outcome, Source
from sim.sales.desk import SalesDesk
from sim.sales.desk_bank import UNLIMITED, DeskBank
from sim.sales.leads import pick_first_eligible
from sim.sales.offers import (
    NO_DECISION,
    RIVAL,
    ChoiceResult,
    Opportunities,
    SellerTable,
    choose,
)
from sim.scenario.schema import ProductModel, Scenario

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

TYPE_INDEX: dict[str, int] = {"direct": 0} | {t: i + 1 for i, t in enumerate(PARTNER_TYPES)}
"""Column index of each channel in per-channel arrays (direct first, then partner types)."""


def per_period(rate_per_month: float | FloatArray, period_months: float) -> Any:
    """Convert a monthly probability to one period: 1 − (1 − r)^(months per period)."""
    if period_months == 1.0:
        return rate_per_month
    return 1.0 - (1.0 - np.asarray(rate_per_month)) ** period_months


# Account states as plain ints for array comparisons: an IntEnum operand makes numpy widen the
# int8 state array to int64 first, which is about four times slower.
_UNAWARE, _AWARE, _CUSTOMER, _LOST = (
    int(s) for s in (State.UNAWARE, State.AWARE, State.CUSTOMER, State.LOST)
)


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
        self.population = Population(scenario.market, self.streams)
        self.contracts = Contracts(self.population.n)
        # Dated events of accounts, filed by period (see DatedEvents).
        self._anniversaries = DatedEvents(self.contracts.next_anniversary)
        self._commission_ends = DatedEvents(self.contracts.commission_until)
        self._returns = DatedEvents(self.population.return_at)
        # Room for most runs' opportunities without growing: `baseline` opens about 2.5 % of N
        # a month (copying the columns to grow would cost more than the unused room).
        expected_rows = 0.03 * self.population.n * scenario.time.periods * self.period_months
        self.book = OpportunityBook(capacity=max(1024, int(expected_rows)))
        self.conflict_rule = get_rule(scenario.program.conflict.rule.value)
        self.sellers: list[Seller] = []
        self._affiliates: list[Affiliate] = []
        self._partner_slots_set = np.zeros(0)  # partners' desk slots as set last period
        # Recurring billing: per-seller totals of active contracts and their dated events.
        self._recurring = RecurringTotals(0, len(self.population.territory_names))
        self._territory_sizes = np.bincount(
            self.population.territory.astype(np.int64),
            minlength=len(self.population.territory_names),
        )
        self.seller_state = SellerState(
            len(self.population.territory_names), history=self.periods_per_year
        )
        self.vendor_costs_period: dict[str, float] = self._zero_costs()
        # Sales desks: most in one bank advanced with array operations; those whose deals wait
        # for distributor stock as SimPy processes (Seller.desk).
        self.desks = DeskBank()
        self._process_desks: list[int] = []  # indices of the sellers with a SimPy desk
        self._activated: list[int] = []  # deals closed this period in SimPy desks, and when
        self._activated_times: list[float] = []
        self._mdf_balance: dict[int, float] = {}
        self._mdf_territory = np.zeros(len(self.population.territory_names))
        self._partner_counter: dict[str, int] = dict.fromkeys(PARTNER_TYPES, 0)
        self._cells = self._index_cells()
        self._static_key: tuple[int, bool] | None = None
        self._static: dict[str, Any] = {}
        self._pools: dict[int, IntArray] = {}
        self._no_hardware = scenario.product.hardware.units_per_seat == 0

        self.direct = DirectSales(self)
        self._register(self.direct)
        self.self_serve = SelfServe(self)
        self._register(self.self_serve)
        self._create_partners()
        self._link_resellers_to_distributors()
        for seller in self.sellers:
            self._open_desk(seller)
        self.metrics = MetricsRecorder(scenario.time.periods)
        self.datacollector = self.metrics  # Mesa's name for it: SolaraViz's plots read it
        self.cumulative_cash = 0.0
        self.training_subsidies_period = 0.0

    # ------------------------------------------------------------------ set-up

    @staticmethod
    def _zero_costs() -> dict[str, float]:
        return dict.fromkeys(
            (
                "cogs",
                "direct_sales",
                "mdf",
                "commissions",
                "rebates_bonuses",
                "certification_subsidy",
                "fees",
                "program_overhead",
                "marketing",
            ),
            0.0,
        )

    def _index_cells(self) -> dict[tuple[int, int], IntArray]:
        """Account indices by (territory, segment), for sampling leads and referrals."""
        pop = self.population
        key = pop.territory.astype(np.int64) * len(SEGMENTS) + pop.segment
        order = np.argsort(key, kind="stable")
        cells: dict[tuple[int, int], IntArray] = {}
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        for chunk in np.split(order, bounds):
            if len(chunk):
                k = int(key[chunk[0]])
                cells[(k // len(SEGMENTS), k % len(SEGMENTS))] = chunk
        return cells

    def _register(self, seller: Seller) -> None:
        assert seller.index == len(self.sellers), "sellers register in allocation order"
        self.sellers.append(seller)
        if isinstance(seller, Affiliate):
            self._affiliates.append(seller)
        self.seller_state.row("closes_deals")[seller.index] = seller.closes_deals

    def _open_desk(self, seller: Seller) -> None:
        """Open the seller's sales desk, once it is linked to its distributor (if any).

        A desk whose deals ship hardware from a distributor's stock is a SimPy process
        (``seller.desk``): its completions wait for stock during the period. Every other desk
        is a row of the desk bank.
        """
        if not _has_desk(seller):
            return
        two_tier = isinstance(seller, Partner) and seller.distributor is not None
        if self._no_hardware or not two_tier:
            self.desks.open(seller.index, seller.capacity_slots())
        else:
            seller.desk = SalesDesk(self.env, self._on_cycle_complete, seller.capacity_slots())
            self._process_desks.append(seller.index)

    def _create_partners(self) -> None:
        sc = self.config
        weights = np.array(list(sc.market.territories.values()), dtype=np.float64)
        n_vert = len(self.population.vertical_names)
        rng = self.streams.get("partners.setup")
        for ptype in PARTNER_TYPES:
            params = sc.partners.of(ptype)
            if params.count == 0 or ptype not in ROLE_CLASSES:
                continue
            exclusive = sc.program.exclusivity.get(ptype, "open") == "exclusive"
            holders = sc.program.exclusivity_holders.get(ptype, 1)
            masks = assign_territories(
                params.count, weights, params.territories_each, exclusive, holders, rng
            )
            for mask in masks:
                self._add_partner(ptype, mask, exclusive, n_vert, rng, onboarding=False)

    def _add_partner(
        self,
        ptype: str,
        territories: NDArray[np.bool_],
        exclusive: bool,
        n_vert: int,
        rng: np.random.Generator,
        onboarding: bool,
    ) -> Partner:
        params = self.config.partners.of(ptype)
        if params.verticals_each is None:
            verticals = np.ones(n_vert, dtype=bool)
        else:
            verticals = np.zeros(n_vert, dtype=bool)
            verticals[rng.choice(n_vert, size=params.verticals_each, replace=False)] = True
        size = float(np.exp(params.weight * rng.standard_normal() - params.weight**2 / 2))
        reps = max(1, round(params.reps * size)) if params.reps > 0 else 0
        self._partner_counter[ptype] += 1
        pid = f"{ptype}-{self._partner_counter[ptype]:03d}"
        cls = ROLE_CLASSES[ptype]
        partner = cls(self, pid, ptype, params, territories, verticals, reps, exclusive)
        partner.onboarded_period = self.period
        if onboarding:
            partner.status = Status.ONBOARDING
            self.env.process(self._onboard(partner))
        self._register(partner)
        return partner

    def _onboard(self, partner: Partner) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(self.config.recruitment.onboarding_months / self.period_months)
        if partner.status == Status.ONBOARDING:
            partner.status = Status.ACTIVE
            partner.onboarded_period = int(np.floor(self.env.now)) + 1

    def _link_resellers_to_distributors(self) -> None:
        distributors = [s for s in self.sellers if isinstance(s, Distributor)]
        if not distributors:
            return
        rng = self.streams.get("partners.two_tier")
        for seller in list(self.sellers):
            self._link_one(seller, distributors, rng)

    def _link_one(
        self, seller: Seller, distributors: list[Distributor], rng: np.random.Generator
    ) -> None:
        if not isinstance(seller, Partner) or isinstance(seller, Distributor | Affiliate):
            return
        if not distributors or rng.random() >= seller.params.two_tier_share:
            return
        overlap = [d for d in distributors if (d.territories & seller.territories).any()]
        pool = overlap or distributors
        dist = pool[int(rng.integers(len(pool)))]
        seller.distributor = dist
        dist.resellers.append(seller)

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
        self.vendor_costs_period = self._zero_costs()
        self._period = _PeriodCounters()
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

    # 1. awareness -----------------------------------------------------------

    def _awareness(self) -> None:
        sc = self.config
        pop = self.population
        aw = sc.market.awareness
        wom = aw.word_of_mouth.value
        terr = pop.territory
        vendor_p = sc.marketing.brand_effect_per_100k * sc.marketing.brand_spend / 100_000.0
        partner_terr = self._mdf_territory + self._affiliate_reach()
        base = aw.innovation + vendor_p + partner_terr  # innovation per territory
        if wom == "network":
            assert pop.indptr is not None and pop.indices is not None
            is_customer = pop.state == _CUSTOMER  # at the start of the period
            share = neighbour_share(is_customer, pop.indptr, pop.indices)
            p_month = awareness_probability(base[terr], aw.imitation, share)
            prob = per_period(p_month, self.period_months)
            bits = uniform_bits(self.streams.get("market.awareness"), pop.n)
            u = bits * BITS_SCALE
            new = np.flatnonzero((u < prob) & (pop.state == _UNAWARE))
            u_new = u[new]
            prob_new = prob[new]
            pm_new = p_month[new]
        else:
            # Word of mouth from the market or the territory: one probability per territory,
            # from the customer counts billing keeps per (seller, territory).
            customers_t = self._recurring.customers.sum(axis=0)
            if wom == "market":
                share_t: Any = int(customers_t.sum()) / pop.n if pop.n else 0.0
            else:
                share_t = shares_from_counts(customers_t, self._territory_sizes)
            p_month_t = awareness_probability(base, aw.imitation, share_t)
            prob_t = np.asarray(per_period(p_month_t, self.period_months))
            bits = uniform_bits(self.streams.get("market.awareness"), pop.n)
            # Unaware accounts drawing under the largest territory probability, then each under
            # its own: the same accounts as u < prob_t[terr], without gathering a probability
            # per account.
            below = np.flatnonzero(draws_below(bits, float(prob_t.max())) & (pop.state == _UNAWARE))
            new_terr = terr[below]
            prob_new = prob_t[new_terr]
            u_below = bits[below] * BITS_SCALE
            is_hit = u_below < prob_new
            new = below[is_hit]
            u_new = u_below[is_hit]
            prob_new = prob_new[is_hit]
            pm_new = p_month_t[new_terr[is_hit]]
        # Attribute the cause by where the draw fell: partner part first, then vendor marketing.
        if self.period_months != 1.0:
            frac: Any = np.divide(prob_new, pm_new, out=np.zeros(len(new)), where=pm_new > 0)
        else:
            frac = 1.0
        partner_cut = partner_terr[terr[new]] * frac
        vendor_cut = partner_cut + vendor_p * frac
        pop.state[new] = State.AWARE
        pop.aware_source[new] = np.where(
            u_new < partner_cut,
            AwareSource.PARTNER,
            np.where(u_new < vendor_cut, AwareSource.VENDOR, AwareSource.ORGANIC),
        )
        self._period.new_aware = len(new)

    def _affiliate_reach(self) -> FloatArray:
        """Awareness probability per month that active affiliates add, per territory.

        Each active affiliate adds ``reach × commitment`` (:meth:`Affiliate.reach`) in its
        territories; the rows are summed in affiliate order.
        """
        n_terr = len(self.population.territory_names)
        if not self._affiliates:
            return np.zeros(n_terr)
        st = self.seller_state
        idx = np.array([s.index for s in self._affiliates], dtype=np.int64)
        per_month = self.config.partners.affiliate.reach * st.commitment[idx]
        reach = np.where(st.active[idx], per_month, 0.0)
        # Summed over axis 0 row by row, as adding one affiliate after another would.
        return np.asarray((st.territories[idx] * reach[:, None]).sum(axis=0), dtype=np.float64)

    # 2. evaluation ------------------------------------------------------------

    def _evaluation(self, table: SellerTable) -> tuple[Opportunities, NDArray[np.int8], IntArray]:
        sc = self.config
        pop = self.population
        t = self.period
        bits = uniform_bits(self.streams.get("market.evaluation"), pop.n)
        # Aware accounts past their re-evaluation date whose draw falls under the rate.
        rate = per_period(sc.market.evaluation_rate, self.period_months)
        hit = np.flatnonzero(draws_below(bits, float(rate)) & (pop.state == _AWARE))
        opening = hit[pop.evaluate_from[hit] <= t]
        accounts = [opening]
        owners = [np.full(len(accounts[0]), -1, dtype=np.int64)]
        sources = [np.full(len(accounts[0]), Source.ORGANIC, dtype=np.int8)]
        referrers = [np.full(len(accounts[0]), -1, dtype=np.int64)]
        taken = np.zeros(pop.n, dtype=bool)  # accounts with an opportunity this period
        taken[opening] = True

        # Vendor leads, routed to direct or to a partner covering the account.
        rng = self.streams.get("leads")
        n_leads = int(
            rng.poisson(sc.marketing.lead_spend / sc.marketing.cost_per_lead * self.period_months)
        )
        self.vendor_costs_period["marketing"] += (
            sc.marketing.lead_spend + sc.marketing.brand_spend
        ) * self.period_months
        if n_leads:
            cand = rng.integers(0, pop.n, size=4 * n_leads + 8)
            cand = pick_first_eligible([cand], [n_leads], [self._may_open(cand, taken)])[0]
            owner = self._route_leads(cand, table, rng)
            taken[cand] = True
            accounts.append(cand)
            owners.append(owner)
            sources.append(np.full(len(cand), Source.VENDOR_LEAD, dtype=np.int8))
            referrers.append(np.full(len(cand), -1, dtype=np.int64))
            fresh = cand[pop.state[cand] == _UNAWARE]
            pop.aware_source[fresh] = AwareSource.VENDOR

        # Affiliate referrals from the affiliate's territories and segments.
        referred, referrer_ids = self._referrals(taken)
        if referred:
            cand = np.concatenate(referred)
            fresh = cand[pop.state[cand] == _UNAWARE]
            pop.aware_source[fresh] = AwareSource.PARTNER
            accounts.append(cand)
            owners.append(np.full(len(cand), -1, dtype=np.int64))
            sources.append(np.full(len(cand), Source.REFERRAL, dtype=np.int8))
            referrers.append(
                np.repeat(np.array(referrer_ids, dtype=np.int64), [len(c) for c in referred])
            )

        acc = np.concatenate(accounts)
        pop.state[acc] = State.EVALUATING
        opps = Opportunities(
            account=acc,
            territory=pop.territory[acc].astype(np.int64),
            segment=pop.segment[acc].astype(np.int64),
            vertical=pop.vertical[acc].astype(np.int64),
            wtp=pop.wtp[acc],
            price_sensitivity=pop.price_sensitivity[acc],
            needs_implementation=pop.needs_implementation[acc],
            no_it_staff=pop.no_it_staff[acc],
            route=pop.route[acc],
            owner=np.concatenate(owners),
        )
        return opps, np.concatenate(sources), np.concatenate(referrers)

    def _referrals(self, taken: NDArray[np.bool_]) -> tuple[list[IntArray], list[int]]:
        """This period's referral leads of every active affiliate, in affiliate order.

        Each affiliate draws its number of referrals (Poisson with its rate), then candidates
        uniformly from the accounts it reaches; it refers the first ones, in draw order, that
        are unaware or aware, not already opening an opportunity this period and not referred
        by an earlier affiliate (:func:`~sim.sales.leads.pick_first_eligible`). The draws are
        made for all affiliates at once.

        Args:
            taken: Accounts with an opportunity this period; the referred ones are added.

        Returns:
            The referred accounts of each affiliate that referred any, and those affiliates'
            seller indices.
        """
        rng = self.streams.get("referrals")
        active = [s for s in self._affiliates if s.active]
        if not active:
            return [], []
        rates = self._referral_rates(active) * self.period_months
        wanted = rng.poisson(rates).tolist()
        groups = [
            (s, k, pool)
            for s, k in zip(active, wanted, strict=True)
            if k > 0 and len(pool := self._referral_pool(s))
        ]
        if not groups:
            return [], []
        sizes = [4 * k + 8 for _, k, _ in groups]  # enough draws to find k eligible accounts
        u = rng.random(sum(sizes))
        bounds = np.cumsum([0, *sizes]).tolist()
        draws = [
            pool[(u[a:b] * len(pool)).astype(np.int64)]
            for (_, _, pool), a, b in zip(groups, bounds[:-1], bounds[1:], strict=True)
        ]
        may_open = self._may_open(np.concatenate(draws), taken)
        chosen = pick_first_eligible(
            draws,
            [k for _, k, _ in groups],
            [may_open[a:b] for a, b in itertools.pairwise(bounds)],
        )
        referred: list[IntArray] = []
        referrer_ids: list[int] = []
        for (s, _, _), c in zip(groups, chosen, strict=True):
            if len(c):
                s.referrals += len(c)
                taken[c] = True
                referred.append(c)
                referrer_ids.append(s.index)
        return referred, referrer_ids

    def _referral_rates(self, affiliates: list[Affiliate]) -> FloatArray:
        """:meth:`Affiliate.referral_rate` of the given active affiliates, as one array."""
        commitment = self.seller_state.commitment[[s.index for s in affiliates]]
        return np.asarray(self.config.partners.affiliate.referrals_per_month * commitment)

    def _referral_pool(self, affiliate: Affiliate) -> IntArray:
        """Accounts an affiliate reaches: its territories × its segments (cached)."""
        pool = self._pools.get(affiliate.index)
        if pool is None:
            cells = [
                self._cells[(int(ti), int(si))]
                for ti in np.flatnonzero(affiliate.territories)
                for si in np.flatnonzero(affiliate.segments)
                if (int(ti), int(si)) in self._cells
            ]
            pool = np.concatenate(cells) if cells else np.zeros(0, dtype=np.int64)
            self._pools[affiliate.index] = pool
        return pool

    def _may_open(self, accounts: IntArray, taken: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Whether a lead or referral may open an opportunity for each account.

        It may when the account is unaware or aware and has no opportunity this period yet.
        """
        state = self.population.state[accounts]
        return ((state == _UNAWARE) | (state == _AWARE)) & ~taken[accounts]

    def _route_leads(
        self, accounts: IntArray, table: SellerTable, rng: np.random.Generator
    ) -> IntArray:
        """Geographic routing: direct keeps its share; the rest go to a covering partner.

        A lead goes to direct with probability ``marketing.direct_lead_share`` (or when no
        partner covers it), otherwise to a partner drawn uniformly among those covering the
        account's territory, segment and vertical that can bid; -1 when nobody covers it.
        """
        pop = self.population
        share = self.config.marketing.direct_lead_share
        u = rng.random(len(accounts))
        pick = rng.random(len(accounts))
        terr = pop.territory[accounts]
        seg = pop.segment[accounts]
        vert = pop.vertical[accounts]
        d = self.direct.index
        direct_ok = (
            table.territories[d, terr] & table.segments[d, seg] & table.verticals[d, vert]
        ) & table.can_bid[d]
        # Partners that can bid, in seller order, and which leads each covers: (partners, leads).
        bidders = np.flatnonzero(~table.is_direct & table.can_bid)
        partners = (
            table.territories[bidders][:, terr] & table.segments[bidders][:, seg]
        ) & table.verticals[bidders][:, vert]
        n_partners = partners.sum(axis=0)
        # The k-th covering partner in seller order, k drawn uniformly.
        k = np.minimum((pick * n_partners).astype(np.int64), np.maximum(n_partners - 1, 0))
        rank = np.cumsum(partners, axis=0) - 1
        chosen_partner = (
            bidders[np.argmax(partners & (rank == k[None, :]), axis=0)]
            if len(bidders)
            else np.zeros(len(accounts), dtype=np.int64)
        )
        to_direct = direct_ok & ((u < share) | (n_partners == 0))
        owners = np.where(to_direct, d, np.where(n_partners > 0, chosen_partner, -1))
        return owners

    # 3. offers and choice -------------------------------------------------------

    def _seller_table(self) -> SellerTable:
        """Every seller as arrays for this period, with its current offer.

        What does not change while the seller list and the product stay the same (coverage,
        roles, prices) is cached; who can bid, how likely and with what service quality is
        recomputed each period.
        """
        key = (len(self.sellers), self.subscription_now())
        if self._static_key != key:
            old = self._static_key
            if old is not None and old[1] == key[1] and old[0] < key[0]:
                # New sellers joined: their rows are appended to the cached ones.
                rows = self._static_seller_arrays(first=old[0])
                self._static = {k: np.concatenate([v, rows[k]]) for k, v in self._static.items()}
            else:
                self._static = self._static_seller_arrays()
            self._static_key = key
        static = self._static
        st = self.seller_state
        n_s = len(self.sellers)
        active = st.active[:n_s]
        queue = self.desks.queue_lengths(n_s)
        for i in self._process_desks:
            desk = self.sellers[i].desk
            assert desk is not None
            queue[i] = desk.queue_length
        max_queue = static["max_queue"]
        queue_ok = ~static["has_desk"] | (max_queue < 0) | (queue < max_queue)
        # Resellers buying through a distributor stop bidding beyond their credit line.
        blocked = credit_blocked(
            st, static["distributor"], self.config.partners.distributor, self.period_months
        )
        for i in np.flatnonzero(static["distributor"] >= 0).tolist():
            seller = self.sellers[i]
            if isinstance(seller, Partner):
                seller.credit_blocked = bool(blocked[i])
        can_bid = active & st.closes_deals & queue_ok & ~blocked
        effort = static["reps"] * st.commitment
        bid_p = np.where(
            static["is_partner"],
            1.0 - (1.0 - static["reach_per_rep"]) ** effort,
            static["direct_bid"],
        )
        quality = np.array([s.service_quality for s in self.sellers])
        incumbent = self._incumbency(n_s, len(self.population.territory_names))
        return SellerTable(
            can_bid=can_bid,
            bid_probability=bid_p,
            territories=static["territories"],
            segments=static["segments"],
            verticals=static["verticals"],
            specialised=static["specialised"],
            route=static["route"],
            is_direct=static["is_direct"],
            services=static["services"],
            managed=static["managed"],
            projects_only=static["projects_only"],
            service_quality=quality,
            price_month=static["price_month"],
            customer_ratio=static["customer_ratio"],
            incumbent=incumbent,
        )

    def _static_seller_arrays(self, first: int = 0) -> dict[str, Any]:
        """Seller attributes that change only when sellers join or the product changes.

        Args:
            first: The first seller to include (the rows of sellers ``first``, ``first + 1``,
                ...).
        """
        horizon = self.config.market.choice.horizon_months
        once, monthly, maint = self._list_per_seat(managed=False)
        m_once, m_monthly, _ = self._list_per_seat(managed=True)
        sellers = self.sellers[first:]
        route_code = {"self_serve": 0, "direct": 1, "partner": 2}
        ratio = np.array([1.0 - s.discount * s.pass_through for s in sellers])
        managed = np.array([s.managed for s in sellers])
        fee = np.array([s.managed_fee() for s in sellers])
        churn_factor = np.array([s.churn_factor for s in sellers])
        cost = np.where(
            managed,
            ratio * (m_once + m_monthly * horizon) + fee * horizon,
            ratio * (once + (monthly + maint) * horizon),
        )
        verticals = np.array([s.verticals for s in sellers])
        specialised = np.array([s.specialised for s in sellers])
        partners = [isinstance(s, Partner) for s in sellers]
        return {
            "territories": np.array([s.territories for s in sellers]),
            "segments": np.array([s.segments for s in sellers]),
            "verticals": verticals,
            "specialised": verticals & specialised[:, None],
            "route": np.array([route_code[s.route.value] for s in sellers], dtype=np.int8),
            "is_direct": np.array([s.kind == "direct" for s in sellers]),
            "services": np.array([s.services_attach > 0 for s in sellers]),
            "managed": managed,
            "projects_only": np.array([s.projects_only for s in sellers]),
            "price_month": cost / horizon,
            "customer_ratio": ratio,
            "is_partner": np.array(partners),
            "reps": np.array([float(getattr(s, "reps", 0)) for s in sellers]),
            "reach_per_rep": np.array(
                [s.params.reach_per_rep if isinstance(s, Partner) else 0.0 for s in sellers]
            ),
            "distributor": self._distributor_index()[first:],
            "discount": np.array([s.discount for s in sellers]),
            "pass_through": np.array([s.pass_through for s in sellers]),
            "dist_margin": np.array(
                [
                    s.distributor.discount
                    if isinstance(s, Partner) and s.distributor is not None
                    else 0.0
                    for s in sellers
                ]
            ),
            "services_attach": np.array([s.services_attach for s in sellers]),
            "services_ratio": np.array([s.services_ratio for s in sellers]),
            "cycle_multiplier": np.array([s.cycle_multiplier for s in sellers]),
            "managed_fee": fee,
            "partner_type": np.array(
                [PARTNER_TYPES.index(s.kind) if s.kind in PARTNER_TYPES else -1 for s in sellers],
                dtype=np.int64,
            ),
            "slot_base": np.array(
                [s.slot_base() if isinstance(s, Partner) else np.nan for s in sellers]
            ),
            "churn_factor": churn_factor,
            "direct_bid": np.array(
                [0.0 if isinstance(s, Partner) else s.bid_probability() for s in sellers]
            ),
            "max_queue": np.array([s.max_queue for s in sellers], dtype=np.int64),
            "has_desk": np.array([_has_desk(s) for s in sellers], dtype=bool),
            "in_bank": np.array([_has_desk(s) and s.desk is None for s in sellers], dtype=bool),
        }

    def _incumbency(self, n_s: int, n_t: int) -> NDArray[np.bool_]:
        """Whether each seller serves customers in each territory now (counts kept by billing)."""
        incumbent = np.zeros((n_s, n_t), dtype=bool)
        counts = self._recurring.customers[:n_s]
        incumbent[: len(counts)] = counts > 0
        return incumbent

    def subscription_now(self) -> bool:
        """Whether new sales are subscriptions this period (dated shift)."""
        frm = self.config.product.subscription_from_month
        return frm is not None and self.period * self.period_months >= frm

    def _list_per_seat(self, managed: bool) -> tuple[float, float, float]:
        """List amounts per seat of a new sale now: (one-off, per month, maintenance per month)."""
        p = self.config.product
        hw = p.hardware.units_per_seat * p.hardware.unit_price
        model = ProductModel.SUBSCRIPTION if self.subscription_now() else p.model
        if managed:
            # The managed offer is monthly whatever the product: the subscription list price
            # (``list_price`` when the product itself is a subscription from the start).
            from_start = p.model == ProductModel.SUBSCRIPTION
            return hw, (p.list_price if from_start else p.subscription_price), 0.0
        if model == ProductModel.SUBSCRIPTION:
            price = p.subscription_price if self.subscription_now() else p.list_price
            return hw, price, 0.0
        maint = p.maintenance_rate_annual * p.list_price / 12.0
        if model == ProductModel.PERPETUAL:
            return p.list_price + hw, 0.0, maint
        return p.list_price + hw, p.subscription_price, maint

    def _offers_and_choice(
        self,
        opps: Opportunities,
        source: NDArray[np.int8],
        referrer: IntArray,
        table: SellerTable,
    ) -> None:
        sc = self.config
        pop = self.population
        t = self.period
        rival = sc.market.rival.utility if sc.market.rival.enabled else None
        no_dec = sc.market.no_decision_utility if sc.market.no_decision else None
        res = choose(
            opps,
            table,
            sc.market.choice,
            self.conflict_rule,
            rival,
            no_dec,
            self.streams.get("choice.bids"),
            self.streams.get("choice.logit"),
        )
        n = len(opps.account)
        self._period.opened = n
        chosen = res.chosen
        won = chosen >= 0
        seller_idx = np.where(won, chosen, -1)
        acc = opps.account

        # Deal terms of won opportunities.
        once, monthly, maint = self._list_per_seat(managed=False)
        m_once, m_monthly, _ = self._list_per_seat(managed=True)
        static = self._static  # built by _seller_table this period
        is_managed = static["managed"]
        dist_idx = static["distributor"]
        si = np.maximum(seller_idx, 0)
        mg = won & is_managed[si]
        seats = pop.seats[acc]
        fy_seat = np.where(mg, m_once + 12 * m_monthly, once + 12 * (monthly + maint))
        list_fy = np.where(won, fy_seat * seats, 0.0)
        r = price_ratios(
            static["discount"][si], static["pass_through"][si], static["dist_margin"][si]
        )
        services_rng = self.streams.get("sales.services")
        attach_u = services_rng.random(n)
        attach_p = static["services_attach"][si]
        ratio_s = static["services_ratio"][si]
        services = np.where(won & (attach_u < attach_p), ratio_s * list_fy * r.customer, 0.0)
        hw_units = np.where(won, sc.product.hardware.units_per_seat * seats, 0.0)
        outcome = np.where(
            won, Outcome.OPEN, np.where(chosen == RIVAL, Outcome.RIVAL, Outcome.NO_DECISION)
        )
        # Sales-cycle lengths: gamma with shape 2 (coefficient of variation ≈ 0.7) around the
        # segment's mean times the seller's multiplier; a zero mean gives zero-length cycles.
        seg_cycle = np.array([sc.market.segments[g].sales_cycle_months for g in SEGMENTS])
        multiplier = static["cycle_multiplier"][si]
        draws = self.streams.get("sales.cycles").gamma(2.0, 0.5, size=n)
        cycle = np.where(
            won, seg_cycle[opps.segment] * multiplier * draws / self.period_months, 0.0
        )
        lost_time = np.where(won, np.nan, float(t - 1))
        ids = self.book.append(
            {
                "account": acc,
                "period_opened": np.full(n, t),
                "won_time": np.full(n, float(t - 1)),
                "closed_time": lost_time,
                "seller": seller_idx,
                "outcome": outcome,
                "source": source,
                "referrer": referrer,
                "n_bidders": res.bid_counts,
                "conflict": res.party_counts >= 2,
                "distributor": np.where(won, dist_idx[si], -1),
                "list_amount": list_fy,
                "customer_price": list_fy * r.customer,
                "reseller_margin": list_fy * r.reseller,
                "distributor_margin": list_fy * r.distributor,
                "vendor_net": list_fy * r.vendor,
                "services_revenue": services,
                "hardware_units": hw_units,
                "cycle": cycle,
                "once_list": np.where(mg, m_once, once) * seats * won,
                "monthly_list": np.where(mg, m_monthly, monthly) * seats * won,
                "maint_list": np.where(mg, 0.0, maint * 12.0) * seats * won,
                "r_customer": r.customer,
                "r_reseller": r.reseller,
                "r_distributor": r.distributor,
                "r_vendor": r.vendor,
            },
            res.bid_counts,
            res.bid_sellers,
        )
        # Seller statistics and trust effects of conflicts.
        self._seller_stats(res, chosen, table)

        # Account states.
        to_rival = acc[chosen == RIVAL]
        pop.state[to_rival] = State.LOST
        back_at = t + int(np.ceil(sc.market.rival.contract_months / self.period_months))
        self._returns.set(to_rival, back_at)  # return_at
        nd = chosen == NO_DECISION
        pop.state[acc[nd]] = State.AWARE
        pop.evaluate_from[acc[nd]] = t + max(
            1, int(np.ceil(sc.market.reevaluation_months / self.period_months))
        )
        self._period.lost_rival = int((chosen == RIVAL).sum())
        self._period.no_decision = int(nd.sum())
        self._period.won = int(won.sum())
        self._period.conflicts = int((res.party_counts >= 2).sum())
        # Queue won opportunities at their sellers, in opportunity order: in the desk bank, or
        # at the SimPy desks of sellers whose deals wait for stock.
        won_ids = ids[won]
        won_sellers = seller_idx[won]
        in_bank = static["in_bank"][won_sellers]
        self.desks.add(won_sellers[in_bank], won_ids[in_bank], cycle[won][in_bank])
        if in_bank.all():
            return
        won_ids = won_ids[~in_bank]
        won_cycles = cycle[won][~in_bank]
        won_sellers = won_sellers[~in_bank]
        order = np.argsort(won_sellers, kind="stable")
        ids_by_seller = won_ids[order].tolist()
        cycles_by_seller = won_cycles[order].tolist()
        sellers_sorted = won_sellers[order]
        starts = np.flatnonzero(run_starts(sellers_sorted))  # first row of each seller
        ends = np.append(starts[1:], len(order)) if len(starts) else starts
        for a, b, seller_index in zip(
            starts.tolist(), ends.tolist(), sellers_sorted[starts].tolist(), strict=True
        ):
            desk = self.sellers[seller_index].desk
            assert desk is not None
            desk.add(ids_by_seller[a:b], cycles_by_seller[a:b])

    def _distributor_index(self) -> IntArray:
        """Per seller, the index of the distributor it buys through, or -1."""
        return np.array(
            [
                s.distributor.index if isinstance(s, Partner) and s.distributor is not None else -1
                for s in self.sellers
            ],
            dtype=np.int64,
        )

    def _seller_stats(self, res: ChoiceResult, chosen: IntArray, table: SellerTable) -> None:
        """Count bids, wins and conflicts per seller.

        Partners that lost a conflict to direct sales or to a cheaper partner lose trust at the
        end of the period.
        """
        n_s = len(self.sellers)
        # One row per bid: its opportunity's winner and whether the opportunity is a conflict.
        opp_of_bid = np.repeat(np.arange(len(chosen)), res.bid_counts)
        bidder = res.bid_sellers.astype(np.int64)
        winner = chosen[opp_of_bid]
        in_conflict = res.party_counts[opp_of_bid] >= 2
        is_partner = ~table.is_direct[bidder]
        lost = in_conflict & is_partner & (winner >= 0) & (winner != bidder)
        safe_winner = np.maximum(winner, 0)
        to_direct = lost & table.is_direct[safe_winner]
        undercut = (
            lost
            & ~table.is_direct[safe_winner]
            & (table.customer_ratio[safe_winner] < table.customer_ratio[bidder])
        )
        st = self.seller_state
        st.row("bids")[:n_s] += np.bincount(res.bid_sellers, minlength=n_s)
        st.row("wins")[:n_s] += np.bincount(chosen[chosen >= 0], minlength=n_s)
        st.row("conflicts")[:n_s] += np.bincount(bidder[in_conflict], minlength=n_s)
        lost_direct = np.bincount(bidder[to_direct], minlength=n_s)
        st.row("lost_to_direct_period")[:n_s] += lost_direct
        st.row("conflicts_lost_to_direct")[:n_s] += lost_direct
        st.row("undercut_period")[:n_s] += np.bincount(bidder[undercut], minlength=n_s)

    # 4. cycle completion (inside env.run) ---------------------------------------

    def _on_cycle_complete(self, id_list: list[int], time: float) -> None:
        """Completions of a SimPy desk (a two-tier reseller's, in a market with hardware)."""
        # Deals with hardware and a distributor ship from its stock, in order; the others
        # activate now.
        units = self.book.cols["hardware_units"]
        dist = self.book.cols["distributor"]
        at_once: list[int] = []
        cohorts: dict[int, list[int]] = {}
        for i in id_list:
            d = int(dist[i])
            if d >= 0 and units[i] > 0:
                cohorts.setdefault(d, []).append(i)
            else:
                at_once.append(i)
        if at_once:
            self._activate(at_once, time)
        for d in sorted(cohorts):
            distributor = self.sellers[d]
            assert isinstance(distributor, Distributor)
            self.env.process(self._ship(distributor, cohorts[d]))

    def _ship(
        self, distributor: Distributor, cohort: list[int]
    ) -> Generator[simpy.Event, Any, None]:
        """Ship a cohort's hardware from distributor stock, in order; stock-outs wait."""
        for opp in cohort:
            # The book's arrays are replaced when it grows: look the column up each time.
            yield distributor.ship(float(self.book.cols["hardware_units"][opp]))
            self._activate([opp], self.env.now)

    def _activate(self, ids: list[int], time: float) -> None:
        """Record deals whose cycle ended at ``time``; the book is updated at billing."""
        self._activated.extend(ids)
        self._activated_times.extend([time] * len(ids))

    # 5. billing and churn --------------------------------------------------------

    def _billing_and_churn(self) -> None:
        sc = self.config
        pop = self.population
        con = self.contracts
        t = self.period
        pm = self.period_months
        n_s = len(self.sellers)
        p = self._period
        flows = _Flows(n_s)

        self._recurring.grow(n_s)
        hardware_vendor_revenue = 0.0
        # New customers: contract terms, one-off billing, services, hardware.
        bank_ids, bank_times = self.desks.take_completed()
        new_ids = np.concatenate([np.array(self._activated, dtype=np.int64), bank_ids])
        self.book.cols["closed_time"][new_ids] = np.concatenate(
            [np.array(self._activated_times, dtype=np.float64), bank_times]
        )
        self.book.cols["outcome"][new_ids] = Outcome.WON
        self._activated = []
        self._activated_times = []
        if len(new_ids):
            new_ids = np.sort(new_ids)
            book = self.book
            acc = book["account"][new_ids]
            sel = book["seller"][new_ids].astype(np.int64)
            terms = {k: book[k][new_ids] for k in ("once_list", "monthly_list", "maint_list")}
            pop.state[acc] = State.CUSTOMER
            pop.seller[acc] = sel
            pop.customer_since[acc] = t
            first = ~pop.ever_bought[acc]
            pop.ever_bought[acc] = True
            con.monthly_list[acc] = terms["monthly_list"]
            con.maint_annual_list[acc] = terms["maint_list"]
            self._anniversaries.set(acc, t + self.periods_per_year)  # next_anniversary
            for ratio in ("r_customer", "r_reseller", "r_distributor", "r_vendor"):
                getattr(con, ratio)[acc] = book[ratio][new_ids]
            static = self._static
            con.managed_fee[acc] = static["managed_fee"][sel] * pop.seats[acc]
            churn_factor = static["churn_factor"][sel]
            quality = np.array([s.service_quality for s in self.sellers])[sel]
            hazard = pop.churn_monthly[acc] * churn_factor * np.exp(-0.5 * (quality - 0.5))
            con.churn_hazard[acc] = per_period(np.clip(hazard, 0.0, 1.0), pm)
            con.distributor[acc] = book["distributor"][new_ids]
            ref = book["referrer"][new_ids]
            con.referrer[acc] = ref
            aff = self.config.partners.affiliate
            con.commission_rate[acc] = np.where(ref >= 0, aff.commission, 0.0)
            # A one-off commission (0 months) is paid on the first period's payments.
            commission_end = t + max(1, int(np.ceil(aff.commission_months / pm)))
            self._commission_ends.set(acc, commission_end)  # commission_until
            con.partner_sourced[acc] = (ref >= 0) | (pop.aware_source[acc] == AwareSource.PARTNER)
            # One-off amounts (licence, hardware) and the first year of maintenance, invoiced now.
            once_list = terms["once_list"]
            flows.add_sales(sel, once_list, once_list + terms["maint_list"], con, acc)
            services = book["services_revenue"][new_ids]
            flows.services += _sum_by(sel, services, n_s)
            hw_units = book["hardware_units"][new_ids]
            self.vendor_costs_period["cogs"] += float(
                hw_units.sum() * sc.product.hardware.unit_cost
            )
            hardware_vendor_revenue = float(
                (hw_units * sc.product.hardware.unit_price * con.r_vendor[acc]).sum()
            )
            bonus = sc.program.incentives.new_logo_bonus
            if bonus > 0:
                partner_new = self._static["is_partner"][sel] & first
                flows.bonuses += bonus * np.bincount(sel[partner_new], minlength=n_s)
            p.new_customers = len(new_ids)
            p.bookings = float(book["vendor_net"][new_ids].sum())
            cycles = (book["closed_time"][new_ids] - book["won_time"][new_ids]) * pm
            p.cycle_sum = float(cycles.sum())
            # Commissions on the one-off part of referred accounts' first payment.
            refd = ref >= 0
            if refd.any():
                vendor_once = once_list[refd] * con.r_vendor[acc[refd]]
                flows.commissions += _sum_by(ref[refd], vendor_once * aff.commission, n_s)
            self._start_contracts(acc, sel, t)

        # Recurring billing of every active contract (new ones included), from the per-seller
        # totals of their monthly amounts; only the accounts with an event this period are
        # looked at one by one.
        rec = self._recurring
        # Referral commissions whose window ends now stop before this period's payments.
        ending = self._commission_ends.due(t)
        ending = ending[(pop.state[ending] == _CUSTOMER) & (con.referrer[ending] >= 0)]
        rec.commission(con, ending, -1.0)
        # Maintenance anniversaries: renew and invoice a year ahead, or lapse.
        anniv = self._anniversaries.due(t)
        anniv = anniv[(pop.state[anniv] == _CUSTOMER) & (con.maint_annual_list[anniv] > 0)]
        renew_u = self.streams.get("billing.renewal").random(len(anniv))
        renewal = per_period(sc.product.maintenance_renewal, 1.0)
        lapsed = anniv[renew_u >= renewal]
        renewing = anniv[renew_u < renewal]
        self._anniversaries.set(renewing, t + self.periods_per_year)  # a year on
        renewed_vendor = con.maint_annual_list[renewing] * con.r_vendor[renewing]

        totals = rec.totals
        flows.list_revenue += totals["list"] * pm
        flows.vendor_revenue += totals["vendor"] * pm
        flows.customer_revenue += totals["customer"] * pm
        flows.reseller_margin += totals["reseller"] * pm
        flows.distributor_margin += totals["distributor"] * pm
        flows.billings_vendor += totals["monthly_vendor"] * pm + _sum_by(
            pop.seller[renewing], renewed_vendor, n_s
        )
        flows.services += totals["managed"] * pm
        flows.commissions += totals["commission"] * pm
        p.partner_sourced = rec.sourced * pm + flows.once_vendor_sourced

        # Contracts that end after this period's bill: churn (drawn when they started) and
        # maintenance lapses.
        # Churn periods are spread wide (geometric), so one comparison finds them faster than
        # filing each account under its own period.
        churning = np.flatnonzero(con.churn_at == t)
        churning = churning[pop.state[churning] == _CUSTOMER]
        ended = np.sort(np.concatenate([churning, lapsed]).astype(np.int64))
        ended = ended[run_starts(ended)]  # a hybrid contract may do both
        ended_seller = pop.seller[ended].astype(np.int64)
        rec.stop(con, ended, ended_seller, pop.territory[ended], t)
        pop.state[ended] = State.LAPSED
        p.churned = len(ended)
        p.churned_by_segment = np.bincount(pop.segment[ended], minlength=len(SEGMENTS))
        p.mrr = float(totals["vendor"].sum())

        # Lost accounts whose rival contract ended become aware again.
        back = self._returns.due(t)
        back = back[pop.state[back] == _LOST]
        pop.state[back] = State.AWARE
        pop.evaluate_from[back] = t

        # Software cost of goods (hardware units were costed when they shipped).
        self.vendor_costs_period["cogs"] += sc.product.cogs_share * (
            float(flows.vendor_revenue.sum()) - hardware_vendor_revenue
        )
        self._flows = flows

    def _start_contracts(self, acc: IntArray, sel: IntArray, t: int) -> None:
        """Add new contracts to the recurring totals and draw when they churn.

        A subscription or managed contract churns after a geometric number of periods with
        its per-period hazard, drawn now (the same law as a draw every period); it is billed in
        the period it churns. Anniversaries (``next_anniversary``) and the end of a referral
        commission (``commission_until``) were set with the contract's terms.
        """
        con = self.contracts
        self._recurring.start(con, acc, sel, self.population.territory[acc])
        hazard = con.churn_hazard[acc]
        at_risk = ((con.monthly_list[acc] > 0) | (con.managed_fee[acc] > 0)) & (hazard > 0)
        if at_risk.any():
            periods = self.streams.get("billing.churn").geometric(hazard[at_risk])
            last = np.iinfo(np.int32).max
            con.churn_at[acc[at_risk]] = np.minimum(t + periods - 1, last)

    # 6. partner and vendor updates --------------------------------------------

    def _partner_updates(self) -> None:
        flows = self._flows
        sc = self.config
        st = self.seller_state
        n = len(flows.vendor_revenue)  # sellers that existed when this period was billed
        ledger = st.row("period")[:n]
        ledger[:, COL["vendor_revenue"]] += flows.vendor_revenue
        ledger[:, COL["customer_revenue"]] += flows.customer_revenue
        ledger[:, COL["resale_margin"]] += flows.reseller_margin
        ledger[:, COL["services_revenue"]] += flows.services
        ledger[:, COL["services_cost"]] += flows.services * (1.0 - st.services_margin[:n])
        ledger[:, COL["commissions"]] += flows.commissions
        ledger[:, COL["bonuses"]] += flows.bonuses
        partner = st.is_partner[:n]
        purchases = np.where(partner, flows.vendor_revenue + flows.distributor_margin, 0.0)
        ledger[:, COL["purchases"]] += purchases
        # Two-tier: resellers' purchases are the distributor's sales; it keeps its margin.
        dist = self._static["distributor"][:n]
        two_tier = dist >= 0
        ledger[:, COL["distributor_sales"]] += _sum_by(dist[two_tier], purchases[two_tier], n)
        ledger[:, COL["distributor_margin"]] += _sum_by(
            dist[two_tier], flows.distributor_margin[two_tier], n
        )
        # MDF: last period's accrual is spent on local marketing and reimbursed by the vendor
        # (an inactive partner's accrual expires); this period's purchases accrue the next.
        active = st.active[:n].copy()
        balance = st.row("mdf_balance")[:n]
        spend = np.where(active[:n], balance, 0.0)
        ledger[:, COL["mdf_received"]] += spend
        ledger[:, COL["mdf_spent"]] += spend
        self.vendor_costs_period["mdf"] += float(spend.sum())
        terr = st.territories[:n]
        per_terr = spend / np.maximum(terr.sum(axis=1), 1)
        self._mdf_territory = (
            (per_terr @ terr) * sc.program.mdf.awareness_per_100k / 100_000.0 / self.period_months
        )
        closes = st.closes_deals[:n]
        balance[:] = np.where(
            partner & closes & (purchases > 0), sc.program.mdf.accrual_rate * purchases, 0.0
        )
        self.vendor_costs_period["commissions"] += float(flows.commissions.sum())
        self.vendor_costs_period["rebates_bonuses"] += float(flows.bonuses.sum())

        for i in end_period(self, active).tolist():
            seller = self.sellers[i]
            seller.status = Status.EXITED
            seller.exited_period = self.period
        # Desk capacity follows commitment (Partner.capacity_slots for all partners at once).
        # Exited partners keep working the deals they won.
        # Only desks whose slot count changed are touched: a partner's count is compared with
        # the one set last period, the vendor's own desks are asked every period.
        partner_slots = np.maximum(1.0, np.round(self._static["slot_base"] * st.commitment))
        is_partner = self._static["is_partner"]
        prev = self._partner_slots_set
        changed = ~is_partner
        changed[len(prev) :] = True
        changed[: len(prev)] |= partner_slots[: len(prev)] != prev
        changed &= self._static["has_desk"]
        banked: list[int] = []
        banked_slots: list[int] = []
        for i in np.flatnonzero(changed).tolist():
            seller = self.sellers[i]
            slots = int(partner_slots[i]) if is_partner[i] else seller.capacity_slots()
            if seller.desk is not None:
                seller.desk.set_slots(slots)
            else:
                banked.append(i)
                banked_slots.append(UNLIMITED if slots is None else slots)
        if banked:
            self.desks.set_slots(
                np.array(banked, dtype=np.int64),
                np.array(banked_slots, dtype=np.int64),
                float(self.env.now),
            )
        self._partner_slots_set = partner_slots
        self._recruit()

    def _recruit(self) -> None:
        sc = self.config
        rec = sc.recruitment
        if not rec.enabled:
            return
        rng = self.streams.get("recruitment")
        n_vert = len(self.population.vertical_names)
        weights = np.array(list(sc.market.territories.values()), dtype=np.float64)
        # Live (active or onboarding) partners per type, from the seller-state columns.
        type_code = self._static["partner_type"]
        live_mask = self.seller_state.live[: len(type_code)] & (type_code >= 0)
        live_counts = np.bincount(type_code[live_mask], minlength=len(PARTNER_TYPES)).tolist()
        distributors: list[Distributor] | None = None
        for code, ptype in enumerate(PARTNER_TYPES):
            params = sc.partners.of(ptype)
            if params.count == 0 or ptype not in ROLE_CLASSES:
                continue
            gap = min(params.count - live_counts[code], rec.max_per_month)
            if gap <= 0:
                continue
            if distributors is None:
                distributors = [s for s in self.sellers if isinstance(s, Distributor)]
            live = [self.sellers[i] for i in np.flatnonzero(live_mask & (type_code == code))]
            exclusive = sc.program.exclusivity.get(ptype, "open") == "exclusive"
            holders = sc.program.exclusivity_holders.get(ptype, 1)
            for _ in range(max(gap, 0)):
                if exclusive:
                    counts = (
                        np.sum([s.territories for s in live], axis=0)
                        if live
                        else np.zeros(len(weights))
                    )
                    terr = free_exclusive_territory(
                        np.asarray(counts, dtype=np.int64), holders, weights
                    )
                    if terr is None:
                        break
                    mask = np.zeros(len(weights), dtype=bool)
                    mask[terr] = True
                else:
                    mask = assign_territories(1, weights, params.territories_each, False, 1, rng)[0]
                partner = self._add_partner(ptype, mask, exclusive, n_vert, rng, onboarding=True)
                live.append(partner)
                self._link_one(partner, distributors, rng)
                self._open_desk(partner)
                self.vendor_costs_period["fees"] += rec.cost_per_partner

    def _vendor_updates(self) -> None:
        sc = self.config
        pm = self.period_months
        self.vendor_costs_period["direct_sales"] += self.direct.monthly_cost() * pm
        st = self.seller_state
        n_partners = int((st.active & st.is_partner).sum())
        self.vendor_costs_period["program_overhead"] += (
            n_partners * sc.program.overhead_per_partner * pm
        )
        self.training_subsidies_period = self.vendor_costs_period.pop("certification_subsidy")
        self.vendor_costs_period["program_overhead"] += self.training_subsidies_period
        self.vendor_costs_period["certification_subsidy"] = 0.0

    # 7. data collection ----------------------------------------------------------

    def _collect(self) -> None:
        self.datacollector.collect(self)


class _PeriodCounters:
    """Counts of one period that the metrics read."""

    def __init__(self) -> None:
        self.new_aware = 0
        self.opened = 0
        self.won = 0
        self.lost_rival = 0
        self.no_decision = 0
        self.conflicts = 0
        self.new_customers = 0
        self.bookings = 0.0
        self.cycle_sum = 0.0
        self.churned = 0
        self.churned_by_segment = np.zeros(len(SEGMENTS), dtype=np.int64)
        self.partner_sourced = 0.0
        self.mrr = 0.0


def _sum_by(index: NDArray[np.integer[Any]], amount: FloatArray, n: int) -> FloatArray:
    """Sum of ``amount`` per value of ``index`` in ``[0, n)``."""
    return np.bincount(index, weights=amount, minlength=n)


class _Flows:
    """Money flows of one period by seller (vendor net, margins, services, payments)."""

    def __init__(self, n_sellers: int) -> None:
        z = np.zeros
        self.list_revenue = z(n_sellers)
        self.vendor_revenue = z(n_sellers)
        self.customer_revenue = z(n_sellers)
        self.reseller_margin = z(n_sellers)
        self.distributor_margin = z(n_sellers)
        self.billings_vendor = z(n_sellers)
        self.services = z(n_sellers)
        self.commissions = z(n_sellers)
        self.bonuses = z(n_sellers)
        self.once_vendor_sourced = 0.0

    def add_sales(
        self,
        sel: IntArray,
        once_list: FloatArray,
        billed_list: FloatArray,
        con: Contracts,
        acc: IntArray,
    ) -> None:
        """One-off amounts of new sales, split by each account's waterfall.

        They are recognised now; ``billed_list`` (the one-off amount plus the first year of
        maintenance, invoiced a year ahead) is what the vendor invoices now.
        """
        n = len(self.list_revenue)

        def by_seller(amount: FloatArray) -> FloatArray:
            return _sum_by(sel, amount, n)

        r_vendor = con.r_vendor[acc]
        vendor = once_list * r_vendor
        self.list_revenue += by_seller(once_list)
        self.vendor_revenue += by_seller(vendor)
        self.customer_revenue += by_seller(once_list * con.r_customer[acc])
        self.reseller_margin += by_seller(once_list * con.r_reseller[acc])
        self.distributor_margin += by_seller(once_list * con.r_distributor[acc])
        self.billings_vendor += by_seller(billed_list * r_vendor)
        self.once_vendor_sourced += float((vendor * con.partner_sourced[acc]).sum())


def _has_desk(seller: Seller) -> bool:
    """Whether the seller works won opportunities at a sales desk (it closes deals)."""
    return seller.closes_deals or isinstance(seller, Distributor)
