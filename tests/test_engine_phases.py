"""Phases of the engine on hand-made inputs, without a model."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents import ROLE_CLASSES
from sim.agents.state import COL, SellerState
from sim.billing import Contracts
from sim.engine.billing_phase import Accounts, bill_recurring, end_contracts, start_contracts
from sim.engine.capacity import update_desk_slots
from sim.engine.flows import Flows
from sim.engine.mdf import settle_mdf
from sim.engine.partner_ledger import post_flows
from sim.engine.period import Clock, PeriodCounters
from sim.engine.pricing import list_per_seat
from sim.market.population import Population, State
from sim.names import IMPLEMENTED_PARTNER_TYPES
from sim.program.funds import MdfFunds
from sim.rng import Streams
from sim.sales.desk_bank import DeskBank
from sim.sales.leads import account_cells, may_open, route_leads
from sim.sales.tables import SellerTable
from sim.scenario.schema import Market, Mdf, Product, Scenario


def _table(territories: list[list[bool]], can_bid: list[bool]) -> SellerTable:
    """A seller table of direct (row 0) and partners covering the given territories."""
    n = len(territories)
    ones = np.ones((n, 1), dtype=bool)
    return SellerTable(
        can_bid=np.array(can_bid),
        bid_probability=np.ones(n),
        territories=np.array(territories),
        segments=np.ones((n, 3), dtype=bool),
        verticals=ones,
        specialised=~ones,
        route=np.array([1] + [2] * (n - 1), dtype=np.int8),
        is_direct=np.array([True] + [False] * (n - 1)),
        services=np.zeros(n, dtype=bool),
        managed=np.zeros(n, dtype=bool),
        projects_only=np.zeros(n, dtype=bool),
        service_quality=np.zeros(n),
        price_month=np.ones((n, 3, 3)),
        reach=np.array(territories, dtype=np.float64),
        incumbent=np.zeros((n, 3), dtype=bool),
        selling=np.array(can_bid),
        partner_type=np.array([-1] + [0] * (n - 1)),
    )


def _route(table: SellerTable, territory: list[int], share: float) -> list[int]:
    n = len(territory)
    zeros = np.zeros(n, dtype=np.int64)
    terr = np.array(territory, dtype=np.int64)
    owners = route_leads(terr, zeros, zeros, table, 0, share, np.random.default_rng(1))
    return [int(o) for o in owners]


def test_leads_go_to_the_partner_covering_the_territory() -> None:
    # Direct covers territories 0 and 1; partner 1 covers 0, partner 2 covers 2.
    table = _table([[True, True, False], [True, False, False], [False, False, True]], [True] * 3)
    # No direct share: a covered lead goes to its partner, an uncovered one to direct.
    assert _route(table, [0, 1, 2, 0], share=0.0) == [1, 0, 2, 1]
    # Direct keeps every lead it covers; territory 2 has no direct coverage.
    assert _route(table, [0, 1, 2], share=1.0) == [0, 0, 2]


def test_leads_nobody_can_take_are_unrouted() -> None:
    # Direct cannot bid and the only partner covers another territory.
    table = _table([[True, True, True], [False, True, False]], [False, True])
    assert _route(table, [0, 1], share=0.0) == [-1, 1]


def test_leads_split_uniformly_among_covering_partners() -> None:
    table = _table([[False] * 3, [True, False, False], [True, False, False]], [True] * 3)
    owners = _route(table, [0] * 4000, share=0.0)
    share_first = owners.count(1) / len(owners)
    assert set(owners) == {1, 2}
    assert share_first == pytest.approx(0.5, abs=0.03)


def test_only_unaware_or_aware_accounts_not_taken_may_open() -> None:
    state = np.array([0, 1, 2, 3, 1], dtype=np.int8)  # unaware, aware, evaluating, customer
    taken = np.array([False, False, False, False, True])
    got = may_open(state, np.arange(5), taken)
    assert got.tolist() == [True, True, False, False, False]


def test_account_cells_group_accounts_by_territory_and_segment() -> None:
    cells = account_cells(np.array([1, 0, 1, 1]), np.array([2, 0, 2, 0]), 3)
    assert {k: v.tolist() for k, v in cells.items()} == {(0, 0): [1], (1, 0): [3], (1, 2): [0, 2]}


def _state(n_sellers: int, n_territories: int) -> SellerState:
    st = SellerState(n_territories)
    for _ in range(n_sellers):
        st.allocate()
    return st


def test_mdf_spends_last_accrual_and_accrues_from_purchases() -> None:
    # Seller 0 is the vendor; 1 and 2 are partners that close deals; 2 is inactive now.
    st = _state(3, 2)
    st.row("is_partner")[1:3] = True
    st.row("closes_deals")[:3] = True
    st.row("territories")[1] = [True, True]
    st.row("territories")[2] = [True, False]
    funds = MdfFunds()
    funds.open.add(1, np.array([0.0, 200_000.0, 50_000.0]))  # last period's accrual
    active = np.array([True, True, False])
    purchases = np.array([0.0, 1000.0, 0.0])
    params = Mdf(accrual_rate=0.04, awareness_per_100k=0.01)
    totals, awareness = settle_mdf(st, purchases, active, params, Clock(1, 1.0, 12), funds)
    # Partner 1 spends its balance, split over its two territories; 2's accrual expires.
    assert totals.reimbursed == 200_000.0
    assert totals.expired == 50_000.0
    assert st.row("period")[1, COL["mdf_spent"]] == 200_000.0
    assert st.row("period")[2, COL["mdf_received"]] == 0.0
    np.testing.assert_allclose(awareness, [0.01, 0.01])
    # The next accrual: 4 % of this period's purchases, for partners only.
    np.testing.assert_allclose(funds.open_total(3), [0.0, 40.0, 0.0])


def test_two_tier_purchases_are_the_distributors_sales() -> None:
    # Seller 0 direct, 1 a distributor, 2 a reseller buying through it.
    st = _state(3, 1)
    st.row("is_partner")[1:3] = True
    flows = Flows.zeros(3)
    flows.vendor_revenue[:] = [500.0, 0.0, 90.0]
    flows.distributor_margin[:] = [0.0, 0.0, 10.0]
    purchases = post_flows(st, flows, np.array([-1, -1, 1]))
    assert purchases.tolist() == [0.0, 0.0, 100.0]
    ledger = st.row("period")
    assert ledger[1, COL["distributor_sales"]] == 100.0
    assert ledger[1, COL["distributor_margin"]] == 10.0
    assert ledger[2, COL["purchases"]] == 100.0
    assert ledger[0, COL["vendor_revenue"]] == 500.0


def test_new_sales_split_by_each_accounts_waterfall() -> None:
    con = Contracts(2)
    con.r_vendor[:] = [1.0, 0.6]
    con.r_customer[:] = [1.0, 0.9]
    con.r_reseller[:] = [0.0, 0.2]
    con.r_distributor[:] = [0.0, 0.1]
    con.partner_sourced[:] = [False, True]
    flows = Flows.zeros(2)
    sellers = np.array([0, 1])
    accounts = np.array([0, 1])
    once = np.array([1000.0, 2000.0])
    flows.add_sales(sellers, once, once + 120.0, con, accounts)
    np.testing.assert_allclose(flows.vendor_revenue, [1000.0, 1200.0])
    np.testing.assert_allclose(flows.customer_revenue, [1000.0, 1800.0])
    np.testing.assert_allclose(flows.reseller_margin, [0.0, 400.0])
    np.testing.assert_allclose(flows.distributor_margin, [0.0, 200.0])
    np.testing.assert_allclose(flows.billings_vendor, [1120.0, 1272.0])
    assert flows.once_vendor_sourced == pytest.approx(1200.0)


def test_partner_desk_slots_follow_commitment() -> None:
    class FakeSeller:
        desk = None

        def capacity_slots(self) -> int | None:
            return None

    st = _state(3, 1)
    st.row("commitment")[:3] = [1.0, 0.5, 0.1]
    desks = DeskBank()
    for i in range(3):
        desks.open(i, 1)
    slots = update_desk_slots(
        [FakeSeller()] * 3,
        np.array([np.nan, 10.0, 4.0]),
        np.array([False, True, True]),
        np.array([True, True, True]),
        st,
        desks,
        np.zeros(0),
        0.0,
    )
    assert slots[1:].tolist() == [5.0, 1.0]  # at least one slot
    assert desks.slots[1:3].tolist() == [5, 1]


def test_managed_offers_are_monthly_whatever_the_product() -> None:
    product = Product(model="perpetual", list_price=1200.0, subscription_price=40.0)
    once, monthly, maint = list_per_seat(product, subscription=False, managed=False)
    assert (once, monthly) == (1200.0, 0.0)
    assert maint == pytest.approx(product.maintenance_rate_annual * 1200.0 / 12.0)
    assert list_per_seat(product, subscription=False, managed=True) == (0.0, 40.0, 0.0)
    assert list_per_seat(product, subscription=True, managed=False) == (0.0, 40.0, 0.0)


def test_every_implemented_partner_type_has_a_role_class() -> None:
    assert set(ROLE_CLASSES) == IMPLEMENTED_PARTNER_TYPES


def test_recurring_billing_and_churn_of_two_accounts() -> None:
    pop = Population(Market(customers=4), Streams(1))
    accounts = Accounts.of(pop)
    con = accounts.contracts
    acc = np.array([0, 1])
    sellers = np.array([0, 1])
    pop.state[acc] = State.CUSTOMER
    pop.seller[acc] = sellers
    con.monthly_list[acc] = [100.0, 50.0]
    con.r_vendor[acc] = [1.0, 0.8]
    con.r_customer[acc] = [1.0, 1.0]
    con.r_reseller[acc] = [0.0, 0.2]
    accounts.recurring.grow(2)
    start_contracts(accounts, pop, acc, sellers, np.random.default_rng(1), period=1)
    con.churn_at[1] = 2  # account 1 churns in period 2, after that period's bill

    for period, expected_vendor, expected_churned in ((1, [100.0, 40.0], 0), (2, [100.0, 40.0], 1)):
        flows = Flows.zeros(2)
        counters = PeriodCounters()
        clock = Clock(period, 1.0, 12)
        rng = np.random.default_rng(2)
        lapsed = bill_recurring(accounts, pop, Scenario(), rng, clock, flows, counters)
        assert len(lapsed) == 0  # no maintenance contracts
        np.testing.assert_allclose(flows.vendor_revenue, expected_vendor)
        np.testing.assert_allclose(flows.reseller_margin, [0.0, 10.0])
        end_contracts(accounts, pop, lapsed, period, counters)
        assert counters.churned == expected_churned
    # Account 1 has lapsed: only account 0's subscription is left in the totals.
    assert pop.state[1] == State.LAPSED
    assert counters.mrr == 100.0
    np.testing.assert_allclose(accounts.recurring.totals["vendor"], [100.0, 0.0])
