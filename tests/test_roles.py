"""The ecosystem roles: OEM, ISV, alliance partner and broker (SPEC §2.4, docs/model.md §7.27).

Each role's rule on hand-made inputs, then its effect against the same scenario without it, on
common random numbers (the same seeds), and the accounting identities with all nine types on.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from sim.agents import Alliance, Broker, Isv, Oem
from sim.agents.alliance import alliance_reach
from sim.agents.broker import BrokerNetwork, referral_fees
from sim.agents.isv import attached_revenue, coverage
from sim.agents.oem import bass_share, oem_units
from sim.analysis.kpis import RunView
from sim.engine.ecosystem import concat_opportunities, customer_seats
from sim.errors import InputError
from sim.market.population import CUSTOMER, UNAWARE
from sim.model import ChannelModel
from sim.names import PARTNER_TYPES, SEGMENTS
from sim.outputs import deals_frame, partners_frame
from sim.sales.book import Outcome, Source
from sim.sales.tables import Opportunities
from sim.scenario import load_scenario
from sim.scenario.schema import BrokerType, OemType
from sim.validation.identities import TOLERANCE, residuals

SEEDS = (1, 2, 3, 4, 5)
Make = Callable[..., ChannelModel]


def run(make_model: Make, name: str, *overrides: str, seed: int = 1) -> ChannelModel:
    m = make_model(name, *overrides, seed=seed)
    m.run()
    return m


# ------------------------------------------------------------------------ hand-made inputs


def test_bass_share_is_an_s_curve_from_zero_to_one() -> None:
    ages = np.array([0.0, 1.0, 6.0, 24.0, 600.0])
    f = bass_share(ages, 0.03, 0.2)
    assert f[0] == 0.0
    assert (np.diff(f) > 0).all()
    assert f[-1] == pytest.approx(1.0)
    # F(1) = (1 − e^{−(p+q)}) / (1 + (q/p) e^{−(p+q)})
    e = np.exp(-0.23)
    assert f[1] == pytest.approx((1 - e) / (1 + 0.2 / 0.03 * e))
    assert (bass_share(ages, 0.0, 0.2) == 0.0).all()


def test_oem_units_scale_with_commitment_and_stop_when_inactive() -> None:
    params = OemType(units_per_month=100.0, market_innovation=0.05, market_imitation=0.3)
    commitment = np.array([0.5, 1.0, 1.0])
    age = np.array([600.0, 600.0, 600.0])
    size = np.array([1.0, 1.0, 2.0])
    units = oem_units(params, size, commitment, age, np.array([True, True, False]), 1.0)
    np.testing.assert_allclose(units, [50.0, 100.0, 0.0], rtol=1e-9)
    weekly = oem_units(params, size, commitment, age, np.array([True, True, True]), 12 / 52)
    np.testing.assert_allclose(weekly, [50.0 * 12 / 52, 100.0 * 12 / 52, 200.0 * 12 / 52])


def test_isv_coverage_saturates_in_shared_cells() -> None:
    # Two ISVs: one in territory 0 / vertical 1, one in territories 0–1 / vertical 1.
    terr = np.array([[True, False], [True, True]])
    vert = np.array([[False, True, False], [False, True, False]])
    c = np.array([0.5, 0.4])
    cover = coverage(c, terr, vert, np.array([True, True]))
    expected = np.zeros((2, 3))
    expected[0, 1] = 1 - 0.5 * 0.6
    expected[1, 1] = 0.4
    np.testing.assert_allclose(cover, expected)
    inactive = coverage(c, terr, vert, np.array([False, True]))
    assert inactive[0, 1] == pytest.approx(0.4)


def test_attached_revenue_splits_each_cell_by_commitment() -> None:
    terr = np.array([[True, False], [True, True]])
    vert = np.array([[False, True, False], [False, True, False]])
    c = np.array([0.5, 0.4])
    active = np.array([True, True])
    seats = np.array([[10.0, 100.0, 7.0], [20.0, 50.0, 3.0]])
    rev = attached_revenue(seats, c, terr, vert, active, per_seat=2.0)
    cell0 = 2.0 * 100.0 * (1 - 0.5 * 0.6)
    cell1 = 2.0 * 50.0 * 0.4
    np.testing.assert_allclose(rev, [cell0 * 0.5 / 0.9, cell0 * 0.4 / 0.9 + cell1])
    # Seats outside every ISV's cells earn nothing; the total is the covered cells' revenue.
    assert rev.sum() == pytest.approx(cell0 + cell1)


def test_alliance_reach_adds_up_over_active_partners() -> None:
    terr = np.array([[True, False, False], [True, True, False]])
    reach = alliance_reach(0.01, np.array([0.5, 1.0]), terr, np.array([True, True]))
    np.testing.assert_allclose(reach, [0.015, 0.01, 0.0])
    none = alliance_reach(0.01, np.array([0.5, 1.0]), terr, np.array([False, False]))
    assert (none == 0.0).all()


def test_referral_fees_are_paid_on_won_deals_only() -> None:
    outcome = np.array([Outcome.OPEN, Outcome.WON, Outcome.RIVAL, Outcome.NO_DECISION], np.int8)
    settled, fee = referral_fees(outcome, np.array([1e3, 2e3, 3e3, 4e3]), int(Outcome.WON), 0.1)
    np.testing.assert_array_equal(settled, [False, True, True, True])
    np.testing.assert_allclose(fee, [0.0, 200.0, 0.0, 0.0])


def test_broker_network_keeps_open_opportunities_until_they_settle() -> None:
    net = BrokerNetwork(BrokerType(referral_fee=0.2), {})
    net.track(np.array([0, 2]), np.array([3, 4]))
    outcome = np.array([Outcome.OPEN, Outcome.OPEN, Outcome.WON], np.int8)
    vendor_net = np.array([500.0, 0.0, 1000.0])
    fees = net.settle(outcome, vendor_net, int(Outcome.WON), 6)
    np.testing.assert_allclose(fees, [0, 0, 0, 0, 200.0, 0])
    np.testing.assert_array_equal(net.pending_ids, [0])
    outcome[0] = Outcome.WON
    fees = net.settle(outcome, vendor_net, int(Outcome.WON), 6)
    np.testing.assert_allclose(fees, [0, 0, 0, 100.0, 0, 0])
    assert len(net.pending_ids) == 0


def test_broker_referrals_come_from_its_pool_once_each(make_model: Make) -> None:
    m = make_model("tiny", "partners.broker.count=3", "partners.broker.referrals_per_month=20")
    net = m.ecosystem.brokers
    pop = m.population
    commitment = np.ones(len(m.sellers))
    accounts, brokers = net.referrals(
        commitment, np.random.default_rng(7), 1.0, lambda a: np.ones(len(a), dtype=bool)
    )
    assert len(accounts) > 0
    assert len(np.unique(accounts)) == len(accounts)  # no account brought twice
    assert (pop.segment[accounts] == SEGMENTS.index("enterprise")).all()
    for account, broker in zip(accounts.tolist(), brokers.tolist(), strict=True):
        seller = m.sellers[broker]
        assert isinstance(seller, Broker)
        assert seller.territories[pop.territory[account]]
    # Ineligible accounts are never brought.
    none, _ = net.referrals(
        commitment, np.random.default_rng(7), 1.0, lambda a: np.zeros(len(a), dtype=bool)
    )
    assert len(none) == 0


def _opps(n: int, offset: int) -> Opportunities:
    a = np.arange(offset, offset + n, dtype=np.int64)
    return Opportunities(
        a, a % 2, a % 3, a % 4, a * 1.0, a * 2.0, a % 2 == 0, a % 3 == 0,
        (a % 3).astype(np.int8), -a, a % 5 == 0,
    )  # fmt: skip


def test_concat_opportunities_keeps_every_field_in_order() -> None:
    both = concat_opportunities(_opps(3, 0), _opps(2, 10))
    np.testing.assert_array_equal(both.account, [0, 1, 2, 10, 11])
    np.testing.assert_array_equal(both.owner, [0, -1, -2, -10, -11])
    assert both.fit_bonus is None


# ------------------------------------------------------------------------ validation, ids


def test_positive_counts_of_the_new_roles_load_and_get_their_ids(make_model: Make) -> None:
    overrides = [f"partners.{t}.count=2" for t in ("oem", "isv", "alliance", "broker")]
    scenario = load_scenario("tiny", overrides).scenario  # no longer refused
    m = ChannelModel(scenario, seed=1)
    ids = {s.partner_id: s for s in m.sellers}
    for ptype, cls in (("oem", Oem), ("isv", Isv), ("alliance", Alliance), ("broker", Broker)):
        for n in (1, 2):
            seller = ids[f"{ptype}-{n:03d}"]
            assert isinstance(seller, cls)
            assert not seller.closes_deals and not seller.has_desk


def test_bad_role_values_are_refused_naming_the_key() -> None:
    with pytest.raises(InputError) as info:
        load_scenario("tiny", ["partners.broker.referral_fee=1.5", "partners.isv.addon_fit=-1"])
    problems = info.value.problems
    assert len(problems) == 2
    assert any(p.startswith("--set: partners.broker.referral_fee=1.5: ") for p in problems)
    assert any(p.startswith("--set: partners.isv.addon_fit=-1: ") for p in problems)


# ------------------------------------------------------------------------ effects on CRN


def test_oems_earn_royalties_without_touching_the_accounts(make_model: Make) -> None:
    base = run(make_model, "tiny")
    on = run(make_model, "tiny", "partners.oem.count=3")
    ts0, ts1 = base.metrics.frame(), on.metrics.frame()
    # The N accounts are untouched: same adoption and deals, period by period.
    np.testing.assert_array_equal(ts0["adoption"], ts1["adoption"])
    np.testing.assert_array_equal(ts0["opportunities_won"], ts1["opportunities_won"])
    np.testing.assert_array_equal(ts0["revenue_var"], ts1["revenue_var"])
    assert (ts1["revenue_oem"] > 0).all() and (ts1["oem_units"] > 0).all()
    np.testing.assert_allclose(ts1["revenue_oem"], 30.0 * ts1["oem_units"], rtol=1e-12)
    # The royalty is vendor revenue (and contribution) over the base run.
    gain = ts1["revenue_total"] - ts0["revenue_total"]
    np.testing.assert_allclose(gain, ts1["revenue_oem"], rtol=1e-9)
    rows = partners_frame(on)
    oems = rows[rows["type"] == "oem"]
    assert len(oems) == 3 and (oems["revenue"] > 0).all()
    # Its profit: its own margin net of the royalty, less its effort.
    assert (oems["resale_margin"] > 0).all()


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [("units_per_month", 100, 300), ("royalty_per_unit", 20, 40)],
)
def test_royalty_revenue_rises_with_units_and_royalty(
    make_model: Make, key: str, low: float, high: float
) -> None:
    revenue = {}
    for value in (low, high):
        oems = ("partners.oem.count=3", f"partners.oem.{key}={value}")
        revenue[value] = np.mean(
            [
                run(make_model, "tiny", *oems, seed=s).metrics.frame()["revenue_oem"].sum()
                for s in SEEDS[:3]
            ]
        )
    assert revenue[low] > 0
    assert revenue[high] > revenue[low]


def _cell_customers(m: ChannelModel, cells: np.ndarray) -> int:
    pop = m.population
    covered = cells[pop.territory, pop.vertical]
    return int((pop.ever_bought & covered).sum())


def test_isv_add_ons_win_more_accounts_in_their_verticals(make_model: Make) -> None:
    common = ("market.customers=1500", "time.periods=18")
    with_isv, without = [], []
    for seed in SEEDS:
        on = run(make_model, "tiny", *common, "partners.isv.count=3", seed=seed)
        off = run(make_model, "tiny", *common, seed=seed)
        # The cells the ISVs cover (same population in both runs: same seed).
        cells = np.zeros((len(on.population.territory_names), len(on.population.vertical_names)))
        for s in on.ecosystem.isvs:
            cells += s.territories[:, None] & s.verticals[None, :]
        cells = cells > 0
        np.testing.assert_array_equal(on.population.vertical, off.population.vertical)
        with_isv.append(_cell_customers(on, cells))
        without.append(_cell_customers(off, cells))
        assert on.metrics.frame()["isv_fit_bonus"].gt(0).all()
        assert on.metrics.frame()["isv_addon_revenue"].iloc[-1] > 0
    assert np.mean(with_isv) > np.mean(without)


def _aware_share(m: ChannelModel, territories: np.ndarray) -> float:
    pop = m.population
    inside = territories[pop.territory]
    return float((pop.state[inside] != UNAWARE).mean())


def test_alliances_raise_awareness_in_their_territories(make_model: Make) -> None:
    common = ("market.customers=1500", "time.periods=6")
    with_alliance, without = [], []
    for seed in SEEDS:
        alliances = ("partners.alliance.count=2", "partners.alliance.reach=0.005")
        on = run(make_model, "tiny", *common, *alliances, seed=seed)
        off = run(make_model, "tiny", *common, seed=seed)
        terr = np.any([s.territories for s in on.ecosystem.alliances], axis=0)
        with_alliance.append(_aware_share(on, terr))
        without.append(_aware_share(off, terr))
        ts = on.metrics.frame()
        assert (ts["alliance_reach"] > 0).all()
        # Co-marketing funds are an MDF-like cost the alliance partners receive.
        assert (ts["mdf"] >= ts["alliance_co_marketing"]).all()
        assert ts["alliance_co_marketing"].iloc[0] == pytest.approx(2 * 4000.0)
    assert np.mean(with_alliance) > np.mean(without)


def _enterprise_opportunities(m: ChannelModel) -> int:
    seg = m.population.segment[m.book["account"]]
    return int((seg == SEGMENTS.index("enterprise")).sum())


def test_brokers_bring_enterprise_opportunities_and_are_paid_fees(make_model: Make) -> None:
    common = ("market.customers=2000", "time.periods=18")
    brokers = ("partners.broker.count=3", "partners.broker.referrals_per_month=2")
    with_brokers, without, fees = [], [], []
    for seed in SEEDS[:3]:
        on = run(make_model, "tiny", *common, *brokers, seed=seed)
        off = run(make_model, "tiny", *common, seed=seed)
        with_brokers.append(_enterprise_opportunities(on))
        without.append(_enterprise_opportunities(off))
        ts = on.metrics.frame()
        deals = deals_frame(on)
        brought = deals[deals["source"] == "broker"]
        booked = int((on.book["source"] == Source.BROKER).sum())
        assert booked == ts["broker_opportunities"].sum() > 0
        assert 0 < len(brought) <= booked  # deals.parquet lists the decided ones
        segment = on.population.segment[brought["account"].to_numpy()]
        assert (segment == SEGMENTS.index("enterprise")).all()
        won = brought[brought["outcome"] == "won"]
        # Each decided one names its broker as referrer; brokers earn no affiliate commission.
        rows = partners_frame(on)
        pid_type = dict(zip(rows["partner_id"], rows["type"], strict=True))
        assert brought["referrer"].map(pid_type).eq("broker").all()
        con = on.accounts.contracts
        assert (con.commission_rate[won["account"].to_numpy()] == 0.0).all()
        # Fees: 10 % of each won deal's vendor net first-year value, paid as commissions.
        assert ts["broker_fees"].sum() == pytest.approx(0.10 * won["vendor_net"].sum())
        got = rows.loc[rows["type"] == "broker", "commissions"].sum()
        assert got == pytest.approx(ts["broker_fees"].sum())
        assert (ts["commissions"] >= ts["broker_fees"] - 1e-9).all()
        fees.append(ts["broker_fees"].sum())
    assert np.mean(with_brokers) > np.mean(without)
    assert np.mean(fees) > 0


def test_full_ecosystem_runs_with_every_type_and_its_identities_hold(make_model: Make) -> None:
    m = run(make_model, "full_ecosystem", "market.customers=1500", "time.periods=18")
    ts = m.metrics.frame()
    assert all(m.config.partners.of(t).count > 0 for t in PARTNER_TYPES)
    kinds = {s.kind for s in m.sellers}
    assert set(PARTNER_TYPES) <= kinds
    view = RunView(ts, partners_frame(m), deals_frame(m), m.config)
    for identity, residual in residuals(view).items():
        assert residual <= TOLERANCE, (identity, residual)
    for col in ("revenue_oem", "oem_units", "isv_addon_revenue", "alliance_co_marketing"):
        assert ts[col].sum() > 0, col
    rows = view.partners
    assert (rows.loc[rows["type"].isin(["oem", "isv", "alliance"]), "profit"] != 0).all()


def test_customer_seats_by_cell(make_model: Make) -> None:
    m = run(make_model, "tiny", "time.periods=6")
    pop = m.population
    seats = customer_seats(pop, (len(pop.territory_names), len(pop.vertical_names)))
    cust = pop.state == CUSTOMER
    assert seats.sum() == pytest.approx(pop.seats[cust].sum())
