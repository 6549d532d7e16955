"""Baseline shows the stylised facts of channel economics (SPEC §3)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from sim.analysis.inequality import top_share
from sim.analysis.kpis import RunView
from sim.model import ChannelModel
from sim.outputs import deals_frame, partners_frame
from sim.validation.measures import partner_share, realised_distributor_margin
from sim.validation.stylised import FACTS, FACTS_BY_MEASURE

SEEDS = (1, 2, 3)

pytestmark = pytest.mark.slow


def view(m: ChannelModel) -> RunView:
    return RunView(m.metrics.frame(), partners_frame(m), deals_frame(m), m.config)


@pytest.fixture(scope="module")
def baselines(run_scenario: Callable[..., ChannelModel]) -> list[RunView]:
    return [view(run_scenario("baseline", seed=s)) for s in SEEDS]


@pytest.fixture(scope="module")
def two_tier(run_scenario: Callable[..., ChannelModel]) -> list[RunView]:
    return [view(run_scenario("two_tier_distribution", seed=s)) for s in SEEDS]


def in_range(measure: str, values: list[float]) -> bool:
    """Whether the mean lies in the range sim.validation.stylised gives the fact (SPEC §3)."""
    fact = FACTS_BY_MEASURE[measure]
    return fact.low <= float(np.mean(values)) <= fact.high


def test_the_facts_are_spec_ranges() -> None:
    ranges = {f.measure: (f.low, f.high) for f in FACTS}
    assert ranges == {
        "partner_share": (0.40, 0.80),
        "partner_revenue_top20_share": (0.70, 0.90),
        "distributor_gross_margin": (0.05, 0.07),
    }


def test_partners_carry_40_to_80_percent_of_revenue(baselines: list[RunView]) -> None:
    shares = [partner_share(r) for r in baselines]
    assert in_range("partner_share", shares), shares


def test_top_20_percent_of_closing_partners_earn_70_to_90_percent(
    baselines: list[RunView],
) -> None:
    """Over partners that close deals only; no such partner earns nothing by construction."""
    for run in baselines:
        rows = run.closing_partner_rows
        assert len(rows) and not (rows["type"].isin(["affiliate", "direct"])).any()
    shares = [run.partner_revenue_top20_share() for run in baselines]
    assert all(s is not None for s in shares), shares
    assert in_range("partner_revenue_top20_share", [float(s or 0.0) for s in shares]), shares


def test_affiliate_commissions_are_concentrated_but_not_by_construction(
    baselines: list[RunView],
) -> None:
    shares = [run.affiliate_revenue_top20_share() for run in baselines]
    assert all(s is not None and 0.2 < s < 1.0 for s in shares), shares


def test_distributor_gross_margin_reads_realised_deals(two_tier: list[RunView]) -> None:
    """Σ distributor margin ÷ Σ distributor sales of won two-tier deals lies in 5–7 %."""
    margins = [run.distributor_gross_margin() for run in two_tier]
    assert all(m is not None for m in margins), margins
    for run, m in zip(two_tier, margins, strict=True):
        assert m == pytest.approx(realised_distributor_margin(run.deals), rel=1e-12)
    assert in_range("distributor_gross_margin", [float(m or 0.0) for m in margins]), margins


def test_distributor_gross_margin_none_without_two_tier_deals(baselines: list[RunView]) -> None:
    deals = baselines[0].deals
    direct_only = deals[deals["distributor"] == ""]
    run = RunView(baselines[0].ts, baselines[0].partners, direct_only, baselines[0].config)
    assert run.distributor_gross_margin() is None


def _var_top20(run: RunView) -> float:
    rows = run.closing_partner_rows
    return top_share(rows.loc[rows["type"] == "var", "revenue"].to_numpy(dtype=float), 0.2)


def test_size_dispersion_concentrates_var_revenue(
    baselines: list[RunView], run_scenario: Callable[..., ChannelModel]
) -> None:
    """Among VARs (one type, so no deal-size mix) equal sizes give a flatter revenue split."""
    equal = [view(run_scenario("baseline", "partners.var.weight=0.0", seed=s)) for s in SEEDS]
    dispersed = float(np.mean([_var_top20(r) for r in baselines]))
    flat = float(np.mean([_var_top20(r) for r in equal]))
    assert dispersed > flat + 0.05, (dispersed, flat)
