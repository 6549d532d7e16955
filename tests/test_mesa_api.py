"""The model used as a Mesa model: agent sets, data collector, step/run and the horizon."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sim.agents import ROLE_CLASSES, DirectSales, SelfServe
from sim.metrics import COLUMNS
from sim.model import ChannelModel
from sim.outputs import deals_frame, partners_frame

MakeModel = Callable[..., ChannelModel]


def test_agents_by_type_holds_the_sellers_of_each_role_in_index_order(
    run_scenario: Callable[..., ChannelModel],
) -> None:
    m = run_scenario("tiny")
    recruits = [s for s in m.sellers if s.onboarded_period > 0]
    assert recruits, "tiny recruits partners: the agent sets must hold them too"
    assert list(m.agents) == m.sellers
    assert list(m.agents_by_type[DirectSales]) == [m.direct]
    assert list(m.agents_by_type[SelfServe]) == [m.self_serve]
    for ptype, cls in ROLE_CLASSES.items():
        of_type = [s for s in m.sellers if s.kind == ptype]
        assert list(m.agents_by_type.get(cls, [])) == of_type


def test_sellers_act_once_a_period_in_index_order(make_model: MakeModel) -> None:
    m = make_model("tiny", "time.periods=3")
    calls: list[tuple[int, int]] = []

    def logged(seller_act: Callable[[], None], index: int) -> Callable[[], None]:
        def act() -> None:
            calls.append((m.steps, index))
            seller_act()

        return act

    for seller in m.sellers:
        seller.act = logged(seller.act, seller.index)
    m.step()
    assert calls == [(1, i) for i in range(len(m.sellers))]


def test_stepping_T_times_equals_run(make_model: MakeModel) -> None:
    by_run = make_model("tiny")
    by_run.run()
    by_step = make_model("tiny")
    periods = by_step.config.time.periods
    for _ in range(periods):
        assert by_step.running
        by_step.step()
    assert not by_step.running
    assert by_step.steps == by_run.steps == periods
    pd.testing.assert_frame_equal(by_step.metrics.frame(), by_run.metrics.frame())
    pd.testing.assert_frame_equal(deals_frame(by_step), deals_frame(by_run))
    pd.testing.assert_frame_equal(partners_frame(by_step), partners_frame(by_run))


def test_running_turns_false_after_the_last_period(make_model: MakeModel) -> None:
    m = make_model("tiny", "time.periods=2")
    assert m.running
    m.step()
    assert m.running
    m.step()
    assert not m.running
    m.run()  # nothing left to run
    assert m.steps == 2


def test_run_finishes_a_model_already_stepped(make_model: MakeModel) -> None:
    m = make_model("tiny", "time.periods=4")
    m.step()
    m.run()
    assert m.steps == 4
    assert m.metrics.frame()["period"].tolist() == [1, 2, 3, 4]


def test_step_past_the_horizon_raises_every_time(make_model: MakeModel) -> None:
    m = make_model("tiny", "time.periods=2")
    m.run()
    rows = m.metrics.frame()
    for _ in range(2):
        with pytest.raises(RuntimeError, match=r"has 2 periods; step\(\) was called for period 3"):
            m.step()
    assert m.steps == 2
    assert m.time == 2.0
    pd.testing.assert_frame_equal(m.metrics.frame(), rows)


def test_datacollector_answers_what_mesa_visualization_reads(
    run_scenario: Callable[..., ChannelModel],
) -> None:
    m = run_scenario("tiny")
    dc = m.datacollector
    assert dc is m.metrics
    df = dc.get_model_vars_dataframe()
    periods = m.config.time.periods
    assert list(df.columns) == list(COLUMNS)
    assert df.index.name is None
    assert df.index.tolist() == list(range(1, periods + 1))
    assert df["period"].tolist() == df.index.tolist()
    # Mesa's Altair plots reset the index into a column named "index", renamed "Step".
    assert "index" in df.reset_index().columns
    expected = m.metrics.frame()
    np.testing.assert_array_equal(df.to_numpy(), expected.to_numpy())
    model_vars = dc.model_vars
    assert list(model_vars) == list(COLUMNS)
    assert all(len(v) == periods for v in model_vars.values())
    assert model_vars["revenue_total"] == expected["revenue_total"].tolist()


def test_datacollector_grows_one_row_per_step(make_model: MakeModel) -> None:
    m = make_model("tiny", "time.periods=3")
    assert m.datacollector.get_model_vars_dataframe().empty
    for t in (1, 2):
        m.step()
        assert m.datacollector.get_model_vars_dataframe().index.tolist() == list(range(1, t + 1))
