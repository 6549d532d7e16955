"""The MDF funds ledger on hand-made inputs, and the claims workflow in a run."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.state import COL, SellerState
from sim.engine.mdf import settle_mdf, spend_awareness
from sim.engine.period import Clock
from sim.program.funds import (
    IMMEDIATE,
    DatedAmounts,
    FundTerms,
    MdfFunds,
    allocate,
    allocation_weights,
)
from sim.run import simulate
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Mdf

TERMS = FundTerms(
    request_share=1.0, activity_periods=1, claim_delay_periods=2, expiry_periods=3, rejection=0.1
)


def _conserved(funds: MdfFunds, steps: list, n: int) -> None:
    accrued = sum(float(s.accrued.sum()) for s in steps)
    settled = sum(float((s.reimbursed + s.rejected + s.expired).sum()) for s in steps)
    assert accrued == pytest.approx(settled + float(funds.open_total(n).sum()), abs=1e-9)


def test_request_activity_claim_reimbursement_and_expiry() -> None:
    funds = MdfFunds()
    yes_no = np.array([True, False])
    steps = [funds.step(1, np.array([100.0, 50.0]), yes_no, TERMS)]
    # Period 2: seller 0 requests its 100 (activity in period 3); seller 1 never requests.
    steps.append(funds.step(2, np.zeros(2), yes_no, TERMS))
    np.testing.assert_allclose(steps[-1].requested, [100.0, 0.0])
    assert steps[-1].spent.sum() == 0.0
    steps.append(funds.step(3, np.zeros(2), yes_no, TERMS))
    np.testing.assert_allclose(steps[-1].spent, [100.0, 0.0])
    np.testing.assert_allclose(steps[-1].rejected, [10.0, 0.0])
    assert steps[-1].reimbursed.sum() == 0.0  # the claim waits two periods
    # Period 4: seller 1's 50, accrued in period 1, expire unrequested.
    steps.append(funds.step(4, np.zeros(2), yes_no, TERMS))
    np.testing.assert_allclose(steps[-1].expired, [0.0, 50.0])
    assert steps[-1].reimbursed.sum() == 0.0
    steps.append(funds.step(5, np.zeros(2), yes_no, TERMS))
    np.testing.assert_allclose(steps[-1].reimbursed, [90.0, 0.0])
    assert funds.open_total(2).sum() == 0.0
    _conserved(funds, steps, 2)


def test_partial_requests_take_the_oldest_funds_first_and_new_sellers_join() -> None:
    funds = MdfFunds()
    terms = FundTerms(0.5, 0, 0, 2, 0.0)
    steps = [funds.step(1, np.array([40.0]), np.array([False]), terms)]
    steps.append(funds.step(2, np.array([20.0, 8.0]), np.array([False, False]), terms))
    # Period 3: half of the 60 open (30) is requested, spent and reimbursed at once, taken from
    # the period-1 funds (40 → 10), which then expire; the period-2 funds stay open.
    steps.append(funds.step(3, np.zeros(2), np.array([True, False]), terms))
    np.testing.assert_allclose(steps[-1].reimbursed, [30.0, 0.0])
    np.testing.assert_allclose(steps[-1].expired, [10.0, 0.0])
    np.testing.assert_allclose(funds.open_total(2), [20.0, 8.0])
    _conserved(funds, steps, 2)


def test_immediate_terms_spend_next_period_or_expire() -> None:
    funds = MdfFunds()
    funds.step(1, np.array([30.0, 12.0]), np.array([True, True]), IMMEDIATE)
    step = funds.step(2, np.array([5.0, 5.0]), np.array([True, False]), IMMEDIATE)
    np.testing.assert_array_equal(step.spent, [30.0, 0.0])
    np.testing.assert_array_equal(step.reimbursed, [30.0, 0.0])
    np.testing.assert_array_equal(step.expired, [0.0, 12.0])
    np.testing.assert_array_equal(funds.open_total(2), [5.0, 5.0])


def test_dated_amounts_pop_everything_due() -> None:
    d = DatedAmounts()
    d.add(3, np.array([1.0]))
    d.add(5, np.array([0.0, 2.0]))
    d.add(4, np.zeros(3))  # nothing filed
    np.testing.assert_array_equal(d.pop_due(4, 2), [1.0, 0.0])
    np.testing.assert_array_equal(d.total(1), [0.0, 2.0])
    assert list(d.due) == [5]


def test_discretionary_allocation_rules() -> None:
    # Purchases per period, most recent first: seller 0 flat, seller 1 growing.
    history = np.array([[10.0, 10.0, 10.0, 10.0], [30.0, 20.0, 5.0, 5.0], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(allocation_weights(history, "revenue"), [40.0, 60.0, 0.0])
    np.testing.assert_array_equal(allocation_weights(history, "growth"), [0.0, 40.0, 0.0])
    eligible = np.array([True, True, True])
    np.testing.assert_allclose(
        allocate(1000.0, allocation_weights(history, "revenue"), eligible), [400.0, 600.0, 0.0]
    )
    np.testing.assert_array_equal(
        allocate(1000.0, np.array([1.0, 1.0, 0.0]), np.array([False, True, True])),
        [0.0, 1000.0, 0.0],
    )
    assert allocate(1000.0, np.zeros(3), eligible).sum() == 0.0


def _state(n: int, n_terr: int = 2) -> SellerState:
    st = SellerState(n_terr, history=4)
    for i in range(n):
        st.allocate()
        st.row("is_partner")[i] = i > 0  # seller 0 is the direct team
        st.row("closes_deals")[i] = True
        st.row("active")[i] = True
        st.row("territories")[i, i % n_terr] = True
    return st


def test_settle_mdf_accrues_a_per_seller_rate_and_spends_in_the_territories() -> None:
    st = _state(3)
    funds = MdfFunds()
    purchases = np.array([500.0, 1000.0, 2000.0])
    active = np.ones(3, dtype=bool)
    params = Mdf(accrual_rate=0.03, awareness_per_100k=0.05)
    rate = np.array([0.05, 0.02, 0.04])
    totals, awareness = settle_mdf(st, purchases, active, params, Clock(1, 1.0, 12), funds, rate)
    assert totals.accrued == pytest.approx(0.02 * 1000 + 0.04 * 2000)  # not the direct team
    assert totals.spent == 0.0 and not awareness.any()
    totals, awareness = settle_mdf(st, np.zeros(3), active, params, Clock(2, 1.0, 12), funds)
    assert totals.reimbursed == pytest.approx(100.0)
    np.testing.assert_allclose(st.row("period")[:3, COL["mdf_received"]], [0.0, 20.0, 80.0])
    # Seller 1 serves territory 1, seller 2 territory 0.
    np.testing.assert_allclose(awareness, [80.0 * 0.05 / 1e5, 20.0 * 0.05 / 1e5])
    np.testing.assert_allclose(
        spend_awareness(np.array([[True, True]]), np.array([100.0]), 0.05, 1.0),
        [0.025e-3, 0.025e-3],
    )


def test_discretionary_budget_goes_to_active_reselling_partners_by_trailing_purchases() -> None:
    st = _state(3)
    st.push_history(np.zeros(3), np.zeros(3), np.array([0.0, 100.0, 300.0]))
    params = Mdf(accrual_rate=0.0, discretionary_budget=2000.0)
    totals, _ = settle_mdf(
        st, np.zeros(3), np.ones(3, dtype=bool), params, Clock(1, 1.0, 12), MdfFunds()
    )
    assert totals.accrued == pytest.approx(2000.0)
    assert totals.open == pytest.approx(2000.0)


def _ts(overrides: list[str], seed: int = 1) -> object:
    return simulate(load_scenario("tiny", overrides), seed).timeseries


CLAIMS = [
    'program.mdf.workflow="claims"',
    "program.mdf.activity_months=1",
    "program.mdf.claim_delay_months=2",
    "program.mdf.expiry_months=3",
    "program.mdf.request_share=0.2",
    "program.mdf.claim_rejection=0.1",
    "program.mdf.discretionary_budget=3000",
]


def test_claims_workflow_conserves_funds_and_lags_reimbursement() -> None:
    ts = _ts(CLAIMS)
    accrued = ts["mdf_accrued"].sum()
    settled = ts["mdf"].sum() + ts["mdf_rejected"].sum() + ts["mdf_expired"].sum()
    assert accrued == pytest.approx(settled + ts["mdf_open"].iloc[-1], rel=1e-12)
    assert ts["mdf_expired"].sum() > 0 and ts["mdf_rejected"].sum() > 0
    # Nothing is reimbursed before the first claim is due: accrual in period 1, request in 2,
    # activity in 3, reimbursement in 5.
    assert (ts["mdf"].iloc[:4] == 0).all() and ts["mdf"].iloc[4] > 0
    assert ts["mdf_rejected"].sum() == pytest.approx(ts["mdf_spent"].sum() * 0.1, rel=1e-9)


def test_claims_with_immediate_terms_reproduce_the_immediate_workflow() -> None:
    same = [
        'program.mdf.workflow="claims"',
        "program.mdf.activity_months=0",
        "program.mdf.claim_delay_months=0",
        "program.mdf.expiry_months=1",
    ]
    a, b = _ts([]), _ts(same)
    assert a.equals(b)
