"""Growth rebates over a trailing baseline, and affiliate referral bounties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.agents.affiliate import referral_bounties
from sim.model import ChannelModel
from sim.outputs import partners_frame
from sim.program.incentives import PurchaseWindows, growth_rebate, settle_growth_rebates
from sim.scenario.loader import load_scenario


def test_growth_rebate_pays_only_above_the_grown_baseline() -> None:
    window = np.array([120.0, 100.0, 200.0, 30.0])
    baseline = np.array([100.0, 100.0, 100.0, 0.0])
    rebate = growth_rebate(window, baseline, rate=0.05, threshold=0.1, share=1.0)
    # 120 − 110 = 10 above; 100 is below 110; 200 − 110 = 90; no baseline: all of it.
    np.testing.assert_allclose(rebate, [0.5, 0.0, 4.5, 1.5])
    # A quarterly window is compared with a quarter of the trailing year.
    np.testing.assert_allclose(
        growth_rebate(np.array([30.0]), np.array([100.0]), 0.1, 0.0, 0.25), [0.5]
    )


def _windows(periods: int, purchases: list[float]) -> PurchaseWindows:
    w = PurchaseWindows(window_periods=12, year_periods=12)
    for t in range(periods):
        # Seller 0 flat, seller 1 doubles in its second year, seller 2 joins in period 13.
        row = [purchases[0], purchases[1] * (2.0 if t >= 12 else 1.0)]
        if t >= 12:
            row.append(purchases[2])
        w.record(np.array(row))
    return w


def test_settlement_pays_growth_at_settlement_periods_to_partners_with_a_full_year() -> None:
    w = _windows(24, [10.0, 10.0, 50.0])
    eligible = np.array([True, True, True])
    rebate = settle_growth_rebates(w, 24, eligible, rate=0.1, threshold=0.1)
    # Seller 1: 240 in the window against 120 × 1.1 = 132 → 0.1 × 108.
    np.testing.assert_allclose(rebate, [0.0, 10.8, 0.0])
    assert settle_growth_rebates(w, 23, eligible, 0.1, 0.1).sum() == 0.0
    assert settle_growth_rebates(w, 24, np.array([True, False, True]), 0.1, 0.1).sum() == 0.0
    assert settle_growth_rebates(w, 24, eligible, 0.0, 0.1).sum() == 0.0


def test_referral_bounty_once_per_new_customer() -> None:
    ref = np.array([2, -1, 2, 3, 3])
    first = np.array([True, True, True, False, True])
    np.testing.assert_array_equal(referral_bounties(ref, first, 50.0, 4), [0, 0, 100, 50])


def _run(overrides: list[str], seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    model = ChannelModel(load_scenario("tiny", overrides).scenario, seed=seed)
    model.run()
    return model.metrics.frame(), partners_frame(model)


REBATE = ["time.periods=36", "program.incentives.growth_rebate=0.05"]


def test_growth_rebates_in_a_run_are_paid_at_settlements_as_partner_income() -> None:
    ts, partners = _run([*REBATE, "program.incentives.growth_threshold=0.0"])
    paid = ts.loc[ts["growth_rebates"] > 0, "period"].tolist()
    assert paid == [24, 36]  # the first settlement with a full baseline year, then yearly
    assert (ts["rebates_bonuses"] >= ts["growth_rebates"]).all()
    assert partners["rebates"].sum() == pytest.approx(ts["rebates_bonuses"].sum(), rel=1e-9)
    # Quarterly settlement from period 15 (a year of baseline before a quarter).
    q, _ = _run([*REBATE, "program.incentives.rebate_settlement_months=3"])
    assert set(q.loc[q["growth_rebates"] > 0, "period"]) <= {15, 18, 21, 24, 27, 30, 33, 36}


def test_a_higher_threshold_pays_less_on_common_seeds() -> None:
    for seed in (1, 2, 3):
        low, _ = _run([*REBATE, "program.incentives.growth_threshold=0.0"], seed)
        high, _ = _run([*REBATE, "program.incentives.growth_threshold=0.5"], seed)
        # Period 24's settlement, before rebates could change anyone's behaviour.
        assert high["growth_rebates"].iloc[23] < low["growth_rebates"].iloc[23]


def test_referral_bounty_raises_commissions_by_the_bounty_per_referred_customer() -> None:
    base, _ = _run(["time.periods=12"])
    bounty, partners = _run(["time.periods=12", "partners.affiliate.referral_bounty=100"])
    extra = bounty["commissions"].sum() - base["commissions"].sum()
    referred = extra / 100.0  # whole referred new customers
    assert round(referred) >= 1 and referred == pytest.approx(round(referred), abs=1e-6)
    assert partners["commissions"].sum() == pytest.approx(bounty["commissions"].sum(), rel=1e-9)
    # Commissions are the vendor's cost and nothing else changes: the vendor's revenue is the same.
    assert (bounty["net_revenue"] == base["net_revenue"]).all()
