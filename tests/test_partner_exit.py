"""Partner exit (docs/model.md §7.19): reviews on a per-partner schedule, frozen state after exit.

Frozen state and partners.csv are checked on a real run where partners exit; the review schedule
and the trailing-profit window against closed forms; spread and the discount lever over 3 seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sim.agents.exits import reviewed, trailing_profit
from sim.agents.state import SellerState
from sim.analysis.kpis import RunView
from sim.model import ChannelModel
from sim.outputs import partners_frame
from sim.scenario import load_scenario

SEEDS = (1, 2, 3)
FROZEN = ("commitment", "trust", "expected_profit_per_effort", "profit_at_exit")


def exited_partners(model: ChannelModel) -> list[int]:
    return [s.index for s in model.sellers if s.exited_period is not None]


def test_state_is_frozen_after_exit(make_model: Callable[..., ChannelModel]) -> None:
    model = make_model("msp_led")
    for _ in range(30):
        model.step()
    gone = exited_partners(model)
    assert len(gone) >= 5  # msp_led loses partners in its first 30 months
    st = model.seller_state
    before = {name: st.row(name)[gone].copy() for name in FROZEN}
    for _ in range(20):
        model.step()
    for name in FROZEN:
        np.testing.assert_array_equal(st.row(name)[gone], before[name], err_msg=name)
    # Live partners keep moving.
    live = np.flatnonzero(st.live & st.is_partner)
    assert np.any(st.row("trust")[live] != 1.0)


def test_partners_csv_shows_the_values_at_exit(run_scenario: Callable[..., ChannelModel]) -> None:
    model = run_scenario("msp_led")
    frame = partners_frame(model).set_index("partner_id")
    gone = [s for s in model.sellers if s.exited_period is not None]
    assert gone
    for s in gone:
        row = frame.loc[s.partner_id]
        total = s.ledger.profit(s.ledger.total)
        assert row["profit"] == pytest.approx(s.profit_at_exit)
        assert row["profit"] + row["profit_after_exit"] == pytest.approx(total)
        assert row["trust"] == s.trust and row["commitment"] == s.commitment
    stayed = frame[frame["exited_period"].isna()]
    assert (stayed["profit_after_exit"] == 0.0).all()
    # Trust at exit differs between partners (it no longer drifts to a common value).
    assert frame.loc[[s.partner_id for s in gone], "trust"].nunique() > len(gone) // 2


def test_trailing_profit_sums_the_last_periods() -> None:
    st = SellerState(n_territories=1, history=4)
    for _ in range(2):
        st.allocate()
    for value in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0):  # the ring wraps: last four are 3 … 6
        st.push_history(np.zeros(2), np.array([value, -value]), np.zeros(2))
    got = trailing_profit(st, np.array([2, 9]))
    np.testing.assert_allclose(got, [5.0 + 6.0, -(3.0 + 4.0 + 5.0 + 6.0)])


def test_reviews_of_a_cohort_fall_in_different_periods() -> None:
    """Phases 0 … R−1: each partner is reviewed once every R periods, each in its own period."""
    st = SellerState(n_territories=1, history=12)
    r = 6
    for _ in range(r):
        st.allocate()
    st.row("review_periods")[:r] = r
    st.row("review_phase")[:r] = np.arange(r)
    judged = np.ones(r, dtype=bool)
    due = np.array([reviewed(st, judged) for _ in range(36)])  # periods 1 … 36 active
    assert not due[:11].any()  # the first year is a ramp-up: no review before 12 periods
    first = due.argmax(axis=0) + 1
    assert sorted(first.tolist()) == list(range(12, 12 + r))
    assert (due.sum(axis=1) <= 1).all()  # one partner per period
    np.testing.assert_array_equal(due[11:].sum(axis=0), (36 - first) // r + 1)


def test_exits_are_spread_over_time(run_scenario: Callable[..., ChannelModel]) -> None:
    """msp_led: no single month holds more than 20 % of a run's exits (21 of 54 once did)."""
    for seed in SEEDS:
        periods = pd.Series(
            [
                p
                for s in run_scenario("msp_led", seed=seed).sellers
                if (p := s.exited_period) is not None
            ]
        )
        assert len(periods) >= 20, seed
        share = periods.value_counts().max() / len(periods)
        assert share <= 0.2, (seed, share)


def closing_exits(model: ChannelModel) -> int:
    return sum(s.exited_period is not None and s.closes_deals for s in model.sellers[2:])


@pytest.mark.slow
def test_lower_discount_makes_more_partners_exit(
    run_scenario: Callable[..., ChannelModel],
) -> None:
    """baseline, VAR discount 30 % → 12 %: VARs lose money and more partners leave (3 seeds)."""
    base = np.mean([closing_exits(run_scenario("baseline", seed=s)) for s in SEEDS])
    low = np.mean(
        [
            closing_exits(run_scenario("baseline", "partners.var.discount=0.12", seed=s))
            for s in SEEDS
        ]
    )
    assert low > base + 5


def test_partner_churn_counts_partners_that_close_deals() -> None:
    partners = pd.DataFrame(
        {
            "partner_id": ["direct", "var-001", "var-002", "affiliate-001", "affiliate-002"],
            "type": ["direct", "var", "var", "affiliate", "affiliate"],
            "status": ["active", "exited", "active", "exited", "exited"],
            "closes_deals": [True, True, True, False, False],
        }
    )
    config = load_scenario("tiny", []).scenario
    view = RunView(pd.DataFrame({"period": [1]}), partners, pd.DataFrame(), config)
    assert view.partner_churn() == pytest.approx(0.5)  # one of two VARs; affiliates left out
    by_type = view.partner_churn_by_type()
    assert by_type["var"] == pytest.approx(0.5)
    assert by_type["affiliate"] == pytest.approx(1.0)
    assert by_type["direct"] is None and by_type["msp"] is None
