"""Baseline shows the stylised facts of channel economics (SPEC §3)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from sim.agents import Distributor
from sim.analysis.inequality import top_share
from sim.model import ChannelModel

SEEDS = (1, 2, 3)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def baselines(run_scenario: Callable[..., ChannelModel]) -> list[ChannelModel]:
    return [run_scenario("baseline", seed=s) for s in SEEDS]


def partner_share(m: ChannelModel) -> float:
    f = m.metrics.frame()
    return float(f["revenue_partner_fulfilled"].sum() / f["revenue_total"].sum())


def top20_partner_share(m: ChannelModel) -> float:
    revenue = [s.ledger.total["vendor_revenue"] for s in m.sellers if s.kind != "direct"]
    return top_share(revenue, 0.2)


def distributor_gross_margin(m: ChannelModel) -> float:
    dists = [s for s in m.sellers if isinstance(s, Distributor)]
    sales = sum(d.ledger.total["distributor_sales"] for d in dists)
    margin = sum(d.ledger.total["distributor_margin"] for d in dists)
    assert sales > 0, "baseline distributors sold nothing"
    return margin / sales


def test_partners_carry_40_to_80_percent_of_revenue(baselines: list[ChannelModel]) -> None:
    shares = [partner_share(m) for m in baselines]
    assert 0.40 <= float(np.mean(shares)) <= 0.80, shares


def test_top_20_percent_of_partners_earn_70_to_90_percent(baselines: list[ChannelModel]) -> None:
    shares = [top20_partner_share(m) for m in baselines]
    assert 0.70 <= float(np.mean(shares)) <= 0.90, shares


def test_distributor_gross_margin_5_to_7_percent(baselines: list[ChannelModel]) -> None:
    margins = [distributor_gross_margin(m) for m in baselines]
    assert 0.05 <= float(np.mean(margins)) <= 0.07, margins
