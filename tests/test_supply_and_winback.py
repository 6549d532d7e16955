"""Supply and credit made visible (stock-outs, delays, credit blocks); churned accounts return."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.market.population import State
from tests.conftest import build_model

SEEDS = (1, 2, 3)
# Two-tier distribution over the 40 months in which its stock runs short.
TWO_TIER = {"time.periods": 40}


def _two_tier(seed: int, **overrides: object) -> pd.DataFrame:
    return api.run("two_tier_distribution", seed, {**TWO_TIER, **overrides}).timeseries


def _mean_total(column: str, **overrides: object) -> float:
    return float(np.mean([_two_tier(seed, **overrides)[column].sum() for seed in SEEDS]))


# ------------------------------------------------------------------------------ supply and credit


def test_two_tier_shows_stockouts_and_credit_blocks() -> None:
    for seed in SEEDS:
        result = api.run("two_tier_distribution", seed, TWO_TIER)
        ts, kpis = result.timeseries, result.kpis
        assert ts["stockouts"].sum() > 0, seed
        assert ts["deals_delayed_by_stock"].sum() > 0, seed
        assert ts["credit_blocks"].sum() > 0, seed
        assert kpis["stockouts_total"] == ts["stockouts"].sum()
        assert kpis["deals_delayed_by_stock_total"] == ts["deals_delayed_by_stock"].sum()
        assert kpis["credit_blocks_total"] == ts["credit_blocks"].sum()
        # The mean delay is the total delay over the delayed deals, and a wait is positive.
        delayed = ts["deals_delayed_by_stock"].sum()
        assert kpis["stock_delay_months_mean"] == pytest.approx(
            ts["stock_delay_months"].sum() / delayed
        )
        assert kpis["stock_delay_months_mean"] > 0
        # No delay is recorded without a delayed deal.
        assert (ts.loc[ts["deals_delayed_by_stock"] == 0, "stock_delay_months"] == 0).all()


def test_more_stock_fewer_stockouts() -> None:
    """A higher order-up-to level and reorder point: fewer stock-outs (common random numbers)."""
    default = _mean_total("stockouts")
    ample_stock = {
        "partners.distributor.order_up_to": 4000.0,
        "partners.distributor.reorder_point": 1500.0,
    }
    ample = _mean_total("stockouts", **ample_stock)
    assert default > 0
    assert ample < default


def test_smaller_credit_line_more_credit_blocks() -> None:
    default = _mean_total("credit_blocks")
    tight = _mean_total("credit_blocks", **{"partners.distributor.credit_line": 50_000.0})
    assert tight > default


def test_credit_blocks_count_blocked_active_resellers() -> None:
    model = build_model("two_tier_distribution", ("time.periods=12",))
    for _ in range(12):
        model.step()
        blocked = sum(
            1
            for s in model.sellers
            if s.credit_blocked and model.seller_state.active[s.index] and s.closes_deals
        )
        assert model.counters.credit_blocks == blocked


def test_no_stock_or_credit_without_hardware_or_distributors() -> None:
    ts = api.run("baseline", 1, {"market.customers": 3000}).timeseries
    assert ts["stockouts"].sum() == 0
    assert ts["deals_delayed_by_stock"].sum() == 0
    assert ts["stock_delay_months"].sum() == 0
    no_dist = api.run("tiny", 1, {"partners.distributor.count": 0}).timeseries
    assert no_dist["credit_blocks"].sum() == 0
    assert no_dist["stockouts"].sum() == 0


# ------------------------------------------------------------------------------ churned accounts


def _states_by_period(name: str, *overrides: str) -> tuple[list[np.ndarray], pd.DataFrame]:
    model = build_model(name, overrides)
    states = []
    while model.running:
        model.step()
        states.append(model.population.state.copy())
    return states, model.metrics.frame()


@pytest.mark.parametrize("months", [3, 7])
def test_lapsed_accounts_return_after_churn_return_months(months: int) -> None:
    """Churned in period t: lapsed through t + R − 1, aware at the end of t + R."""
    states, _ = _states_by_period("tiny", f"market.churn_return_months={months}")
    lapsed, aware = int(State.LAPSED), int(State.AWARE)
    checked = 0
    for t in range(1, len(states)):
        churned = np.flatnonzero((states[t - 1] == State.CUSTOMER) & (states[t] == lapsed))
        back = t + months
        if not len(churned) or back >= len(states):
            continue
        for u in range(t, back):
            assert (states[u][churned] == lapsed).all(), (t, u)
        assert (states[back][churned] == aware).all(), t
        checked += len(churned)
    assert checked > 0


def test_churned_accounts_are_won_back_without_double_counting() -> None:
    _, ts = _states_by_period("tiny", "market.churn_return_months=3", "time.periods=48")
    assert ts["won_back"].sum() > 0
    assert (ts["won_back"] <= ts["new_customers"]).all()
    # Adoption counts first purchases only: new customers − win-backs = accounts that ever bought.
    first_purchases = (ts["new_customers"] - ts["won_back"]).cumsum()
    assert np.allclose(first_purchases / 600, ts["adoption"])
    # Lapsed accounts leave that state: it is not monotone any more.
    assert (ts["state_lapsed"].diff().dropna() < 0).any()


def test_no_return_when_off() -> None:
    _, ts = _states_by_period("tiny", "market.churn_return_months=0", "time.periods=48")
    assert ts["won_back"].sum() == 0
    assert (ts["state_lapsed"].diff().dropna() >= 0).all()
    assert ts["state_lapsed"].iloc[-1] == ts["churned_customers"].sum()


@pytest.mark.parametrize("scenario", ["saas_shift", "tiny"])
def test_ended_contracts_leave_no_churn_date_behind(scenario: str) -> None:
    # A contract that ends (churn or lapsed maintenance) clears its churn date, so an account
    # that comes back and buys again cannot "churn" on its old contract's date. Every period,
    # only customers carry a churn date.
    model = build_model(scenario, ("market.churn_return_months=3",))
    never = np.iinfo(np.int32).max
    while model.running:
        model.step()
        con, state = model.accounts.contracts, model.population.state
        assert (con.churn_at[state != State.CUSTOMER] == never).all(), model.period
