"""Accounting identities and state invariants, checked at the end of every period (SPEC §6)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.agents import Distributor
from sim.analysis.kpis import RunView
from sim.engine.pricing import list_per_seat
from sim.engine.seller_arrays import seller_arrays
from sim.market.population import State
from sim.metrics import COLUMNS
from sim.model import ChannelModel
from sim.outputs import deals_frame, partners_frame
from sim.sales.book import Outcome
from sim.validation.identities import (
    COST_COLUMNS,
    REVENUE_COLUMNS,
    TOLERANCE,
    residuals,
    timeseries_residuals,
)

STATE_CODES = np.array([s.value for s in State])

CASES = [
    pytest.param("tiny", (), id="tiny"),
    pytest.param("tiny", ("time.period=week", "time.periods=52"), id="tiny-weekly"),
    pytest.param("baseline", ("market.customers=3000",), id="baseline-3000"),
    pytest.param("tiny", ('market.awareness.word_of_mouth="territory"',), id="tiny-wom-territory"),
    pytest.param(
        "tiny", ("market.churn_return_months=3", "time.periods=48"), id="tiny-churn-return"
    ),
    pytest.param("tiny", ('market.awareness.word_of_mouth="network"',), id="tiny-wom-network"),
    pytest.param(
        "tiny",
        tuple(
            f"market.segments.{s}.{k}={v}"
            for s in ("smb", "mid", "enterprise")
            for k, v in (("expansion_monthly", 0.2), ("contraction_monthly", 0.1))
        ),
        id="tiny-seat-changes",
    ),
    pytest.param("saas_shift", ("market.customers=2000", 'product.model="hybrid"'), id="hybrid"),
    pytest.param(
        "tiny",
        (
            "time.periods=30",
            'program.mdf.workflow="claims"',
            "program.mdf.discretionary_budget=5000",
            'program.mdf.allocation="growth"',
            "program.mdf.request_share=0.3",
            "program.mdf.expiry_months=3",
            "program.mdf.claim_rejection=0.1",
            "program.incentives.growth_rebate=0.05",
            "program.incentives.rebate_settlement_months=3",
            "program.incentives.new_logo_bonus=200",
            "program.fees={registered=3000, silver=6000}",
            "program.tier_review_months=3",
            "program.tiers.silver.min_revenue=10000",
            "program.tiers.silver.mdf_rate=0.01",
            "product.cost_per_seat_month=2",
            "partners.affiliate.referral_bounty=50",
        ),
        id="tiny-program-money",
    ),
    pytest.param(
        "tiny",
        (
            "time.period=week",
            "time.periods=120",
            'program.mdf.workflow="claims"',
            "program.mdf.discretionary_budget=5000",
            "program.mdf.claim_rejection=0.1",
            "program.incentives.growth_rebate=0.05",
            "program.incentives.rebate_settlement_months=3",
            "program.fees={registered=3000}",
            "product.cost_per_seat_month=2",
        ),
        id="tiny-program-money-weekly",
    ),
    pytest.param(
        "tiny",
        (
            "program.tier_review_months=3",
            "program.tiers.silver.min_revenue=10000",
            "program.tiers.silver.extra_discount=0.05",
            "program.tiers.silver.mdf_rate=0.01",
            "program.tiers.gold.min_revenue=40000",
            "program.tiers.gold.min_certified=1",
            "program.tiers.gold.extra_discount=0.10",
            "partners.si.certification_quality=0.15",
        ),
        id="tiny-tiers",
    ),
    pytest.param("tiered_program", ("market.customers=3000",), id="tiered", marks=pytest.mark.slow),
    pytest.param(
        "tiny",
        ('program.lead_routing.policy="round_robin"', "program.lead_routing.acceptance=true"),
        id="tiny-lead-routing",
    ),
    pytest.param(
        "full_ecosystem", ("market.customers=1500", "time.periods=18"), id="full-ecosystem-small"
    ),
    pytest.param(
        "deal_registration", ("market.customers=2000", "time.periods=24"), id="deal_registration"
    ),
    pytest.param(
        "deal_registration",
        (
            "market.customers=2000",
            "time.periods=24",
            "program.conflict.rule=channel_neutral",
            "program.deal_registration.approval=automatic",
        ),
        id="registration-channel-neutral",
    ),
    # Every program lever and all nine partner types at once (the benchmark's scenario).
    pytest.param(
        str(Path(__file__).resolve().parents[1] / "benchmarks" / "every_lever.toml"),
        ("market.customers=2000", "time.periods=24"),
        id="every-lever",
    ),
    pytest.param("two_tier_distribution", (), id="two_tier", marks=pytest.mark.slow),
    pytest.param("saas_shift", (), id="saas_shift", marks=pytest.mark.slow),
    pytest.param("msp_led", (), id="msp_led", marks=pytest.mark.slow),
    pytest.param("affiliate_led", (), id="affiliate_led", marks=pytest.mark.slow),
    pytest.param("direct_only", (), id="direct_only", marks=pytest.mark.slow),
    pytest.param("channel_conflict", (), id="channel_conflict", marks=pytest.mark.slow),
    pytest.param("exclusive_territories", (), id="exclusive_territories", marks=pytest.mark.slow),
    pytest.param(
        "baseline",
        ("time.period=week", "time.periods=78"),
        id="baseline-weekly",
        marks=pytest.mark.slow,
    ),
]


def check_period(m: ChannelModel, frame: pd.DataFrame, prev: pd.Series | None) -> None:
    row = frame.iloc[-1]
    t = int(row["period"])
    where = f"period {t}"
    pop = m.population

    # Account states: one valid state each, counts sum to N and match the columns.
    assert np.isin(pop.state, STATE_CODES).all(), where
    counts = np.bincount(pop.state, minlength=len(STATE_CODES))
    assert counts.sum() == pop.n, where
    for s in State:
        assert row[f"state_{s.name.lower()}"] == counts[s], (where, s)
    assert row["customers_active"] == counts[State.CUSTOMER], where
    # Customers and lapsed accounts have bought; adoption is the share that ever bought.
    bought_states = (pop.state == State.CUSTOMER) | (pop.state == State.LAPSED)
    assert pop.ever_bought[bought_states].all(), where
    assert row["adoption"] == pytest.approx(pop.ever_bought.mean()), where

    # Revenue columns and accounting identities (SPEC §2.3), as check-model reports them.
    for identity, residual in timeseries_residuals(frame, pop.n).items():
        assert residual <= TOLERANCE, (where, identity, residual)
    money = float(row["list_revenue"]) + float(row["customer_spend"])
    for col in (
        "list_revenue",
        "customer_spend",
        "margin_pool_distributor",
        "margin_pool_services",
    ):
        assert row[col] >= -1e-9, (where, col)
    assert row["margin_pool_resellers"] >= -1e-9 * max(1.0, money), where
    assert row["discounts"] >= -1e-9 * max(1.0, money), where
    for col in COST_COLUMNS:
        assert row[col] >= 0.0, (where, col)

    # Shares and adoption.
    assert 0.0 <= row["adoption"] <= 1.0, where
    assert 0.0 <= row["aware_share"] <= 1.0, where
    assert 0.0 <= row["win_rate"] <= 1.0, where
    assert row["opportunities_won"] + row["opportunities_lost"] <= row["opportunities_opened"]
    if prev is not None:
        assert row["adoption"] >= prev["adoption"], where
        # No account ever returns to "unaware".
        assert row["aware_share"] >= prev["aware_share"], where

    # Partners: stock, commitment and trust.
    for s in m.sellers:
        if isinstance(s, Distributor):
            assert s.stock.level >= 0.0, (where, s.partner_id)
        assert 0.0 <= s.commitment <= 1.0, (where, s.partner_id)
        assert 0.0 <= s.trust <= 1.0, (where, s.partner_id)


def check_caches(m: ChannelModel) -> None:
    """What the model caches across periods equals what it would compute afresh."""
    subscription = m.subscription_now()
    fresh = seller_arrays(
        m.sellers,
        list_per_seat(m.config.product, subscription, managed=False),
        list_per_seat(m.config.product, subscription, managed=True),
        m.config.market.choice.horizon_months,
    )
    cached = m.seller_arrays
    n_cached = len(cached)
    assert n_cached <= len(m.sellers)
    for field in dataclasses.fields(cached):
        value = getattr(cached, field.name)
        np.testing.assert_array_equal(
            value, getattr(fresh, field.name)[:n_cached], err_msg=field.name
        )
    active = np.array([s.active for s in m.sellers])
    np.testing.assert_array_equal(m.seller_state.active, active)
    live = np.array([s.status in ("active", "onboarding") for s in m.sellers])
    np.testing.assert_array_equal(m.seller_state.live, live)
    # Affiliate reach and referral rates, computed for all affiliates at once, are each
    # affiliate's own Affiliate.reach / referral_rate.
    reach = np.zeros(len(m.population.territory_names))
    for a in m.affiliates.members:
        reach = reach + a.territories * a.reach()
    np.testing.assert_allclose(m.affiliates.reach(m.seller_state), reach, rtol=1e-12)
    active_affiliates = [a for a in m.affiliates.members if a.active]
    np.testing.assert_allclose(
        m.affiliates.referral_rates(m.seller_state, active_affiliates),
        [a.referral_rate() for a in active_affiliates],
        rtol=1e-12,
    )
    # The desk bank: counts in progress add up, and no deal waits while its desk has a free
    # slot (a desk is over its slots only after they were cut).
    bank = m.desks
    assert (bank.busy >= 0).all()
    assert bank.in_progress == int(bank.busy.sum())
    waiting = bank.queue_lengths(len(bank.slots)) > 0
    assert (bank.busy[waiting] >= bank.slots[waiting]).all()
    # Customers per (seller, territory) and the recurring totals of their contracts.
    pop, con = m.population, m.contracts
    customers = np.flatnonzero(pop.state == State.CUSTOMER)
    seller = pop.seller[customers].astype(np.int64)
    n_s, n_t = len(m.sellers), len(pop.territory_names)
    counts = np.zeros((n_s, n_t), dtype=int)
    np.add.at(counts, (seller, pop.territory[customers].astype(np.int64)), 1)
    rec = m.accounts.recurring
    kept = np.zeros((n_s, n_t), dtype=int)
    kept[: len(rec.customers)] = rec.customers
    np.testing.assert_array_equal(kept, counts)
    n_rec = len(rec.contracts)
    np.testing.assert_array_equal(rec.contracts, np.bincount(seller, minlength=n_rec))
    lm = con.monthly_list[customers] + con.maint_annual_list[customers] / 12.0
    expected = {
        "list": lm,
        "vendor": lm * con.r_vendor[customers],
        "monthly_vendor": con.monthly_list[customers] * con.r_vendor[customers],
        "customer": lm * con.r_customer[customers],
        "reseller": lm * con.r_reseller[customers],
        "distributor": lm * con.r_distributor[customers],
        "managed": con.managed_fee[customers],
    }
    for key, amount in expected.items():
        direct = np.bincount(seller, weights=amount, minlength=n_rec)
        np.testing.assert_allclose(rec.totals[key], direct, rtol=1e-9, atol=1e-6, err_msg=key)
    # Commissions: referred customers still in their commission window, by referrer.
    ref = con.referrer[customers].astype(np.int64)
    window = (ref >= 0) & (con.commission_until[customers] > m.period)
    amount = (lm * con.r_vendor[customers] * con.commission_rate[customers])[window]
    direct = np.bincount(ref[window], weights=amount, minlength=n_rec)
    np.testing.assert_allclose(rec.totals["commission"], direct, rtol=1e-9, atol=1e-6)


def check_payments(m: ChannelModel, frame: pd.DataFrame) -> None:
    """Every vendor payment to partners appears once as partner income (cumulative)."""
    where = f"through period {len(frame)}"
    paid_commissions = float(frame["commissions"].sum())
    got_commissions = sum(s.ledger.total["commissions"] for s in m.sellers)
    assert got_commissions == pytest.approx(paid_commissions, rel=1e-9, abs=1e-6), where
    paid_mdf = float(frame["mdf"].sum())
    got_mdf = sum(s.ledger.total["mdf_received"] for s in m.sellers)
    assert got_mdf == pytest.approx(paid_mdf, rel=1e-9, abs=1e-6), where
    paid_bonuses = float(frame["rebates_bonuses"].sum())
    got_bonuses = sum(s.ledger.total["bonuses"] for s in m.sellers)
    assert got_bonuses == pytest.approx(paid_bonuses, rel=1e-9, abs=1e-6), where
    # Certification subsidies: booked by the vendor inside program overhead.
    paid_subsidies = float(frame["training_subsidies"].sum())
    got_subsidies = sum(s.ledger.total["subsidies"] for s in m.sellers)
    assert got_subsidies == pytest.approx(paid_subsidies, rel=1e-9, abs=1e-6), where
    assert (frame["training_subsidies"] <= frame["program_overhead"] + 1e-9).all(), where
    # Vendor net revenue booked by sellers equals the vendor's revenue.
    got_revenue = sum(s.ledger.total["vendor_revenue"] for s in m.sellers)
    assert got_revenue == pytest.approx(float(frame["revenue_total"].sum()), rel=1e-9), where


def check_book(m: ChannelModel) -> None:
    book = m.book
    outcome = book["outcome"]
    assert np.isin(outcome, [o.value for o in Outcome]).all()
    won = outcome == Outcome.WON
    cp = book["customer_price"][won]
    parts = book["vendor_net"][won] + book["distributor_margin"][won] + book["reseller_margin"][won]
    np.testing.assert_allclose(parts, cp, rtol=1e-9, atol=1e-9)
    for col in ("customer_price", "vendor_net", "distributor_margin", "list_amount"):
        assert (book[col][won] >= 0.0).all(), col
    assert (book["reseller_margin"][won] >= -1e-9 * np.maximum(1.0, cp)).all()
    assert (book["customer_price"][won] <= book["list_amount"][won] * (1 + 1e-12)).all()
    sellers = book["seller"][won]
    assert ((sellers >= 0) & (sellers < len(m.sellers))).all()
    # A won deal's seller closes deals; a conflict is two or more distinct parties bidding
    # (the direct team and the online store are one party, ``direct``).
    assert all(m.sellers[int(i)].closes_deals for i in np.unique(sellers))
    offsets, bidders = book.bidders()
    np.testing.assert_array_equal(np.diff(offsets), book["n_bidders"])
    ids = np.array([s.partner_id for s in m.sellers])
    parties = np.array(
        [len(set(ids[bidders[offsets[i] : offsets[i + 1]]])) for i in range(len(offsets) - 1)]
    )
    np.testing.assert_array_equal(book["conflict"], parties >= 2)
    # The winner is one of the bidders.
    for i in np.flatnonzero(won)[:2000]:
        assert book["seller"][i] in bidders[offsets[i] : offsets[i + 1]]


def test_columns_are_declared_once() -> None:
    revenue = [
        c
        for c in COLUMNS
        if c.startswith("revenue_")
        and c not in ("revenue_total", "revenue_partner_sourced", "revenue_partner_fulfilled")
    ]
    assert revenue == list(REVENUE_COLUMNS)
    assert len(REVENUE_COLUMNS) == 10


@pytest.mark.parametrize(("name", "overrides"), CASES)
def test_invariants_every_period(
    name: str, overrides: tuple[str, ...], make_model: Callable[..., ChannelModel]
) -> None:
    m = make_model(name, *overrides)
    periods = m.config.time.periods
    prev: pd.Series | None = None
    for _ in range(periods):
        m.step()
        frame = m.metrics.frame()
        row = frame.iloc[-1]
        assert int(row["period"]) == len(frame)
        check_period(m, frame, prev)
        check_payments(m, frame)
        check_caches(m)
        prev = row
    frame = m.metrics.frame()
    assert list(frame["period"]) == list(range(1, periods + 1))
    assert list(frame.columns) == list(COLUMNS)
    assert np.isfinite(frame.to_numpy(dtype=float)).all()
    check_book(m)
    view = RunView(frame, partners_frame(m), deals_frame(m), m.config)
    for identity, residual in residuals(view).items():
        assert residual <= TOLERANCE, (identity, residual)
    # The scenario exercised something: deals were won.
    assert frame["opportunities_won"].sum() > 0
