"""Directions of the main levers, on common seeds (same seeds for both designs).

Each test compares two designs over the same seeds and averages where the outcome is noisy. The
levers (designs and measures) are those of ``sim.validation.levers``, which
``channelsim check-model`` reports with confidence intervals; here the stronger ones must also
hold seed by seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from sim.analysis.kpis import RunView
from sim.model import ChannelModel
from sim.outputs import deals_frame, partners_frame
from sim.validation.levers import LEVERS_BY_NAME, Lever
from sim.validation.measures import MEASURES

pytestmark = pytest.mark.slow

Run = Callable[..., ChannelModel]


def measured(run_scenario: Run, lever: Lever, high: bool, seed: int) -> float:
    """The lever's measure (sim.validation.measures) in one design and seed."""
    overrides = lever.high if high else lever.low
    m = run_scenario(lever.scenario, *overrides, seed=seed)
    view = RunView(m.metrics.frame(), partners_frame(m), deals_frame(m), m.config)
    return MEASURES[lever.measure](view)


def both(run_scenario: Run, name: str, seeds: tuple[int, ...]) -> tuple[list[float], list[float]]:
    """The measure of a lever of sim.validation.levers at (low, high), per seed."""
    lever = LEVERS_BY_NAME[name]
    low = [measured(run_scenario, lever, False, s) for s in seeds]
    high = [measured(run_scenario, lever, True, s) for s in seeds]
    return low, high


def test_more_vars_lower_revenue_per_var(run_scenario: Run) -> None:
    few, many = both(run_scenario, "var_count", (1, 2, 3))
    assert np.mean(many) < np.mean(few), (few, many)
    # Cannibalisation, not just noise: it holds seed by seed.
    assert all(m < f for f, m in zip(few, many, strict=True)), (few, many)


def test_exclusivity_fewer_partner_vs_partner_conflicts(run_scenario: Run) -> None:
    open_, exclusive = both(run_scenario, "exclusivity", (1, 2, 3, 4))
    assert all(e < o for e, o in zip(exclusive, open_, strict=True)), (exclusive, open_)


def test_higher_churn_fewer_customers_at_the_end(run_scenario: Run) -> None:
    base, churny = both(run_scenario, "smb_churn", (1, 2, 3))
    assert np.mean(churny) < np.mean(base), (base, churny)


def test_deeper_var_discount_higher_commitment(run_scenario: Run) -> None:
    shallow, deep = both(run_scenario, "var_discount", (1, 2, 3))
    assert np.mean(deep) > np.mean(shallow), (shallow, deep)
    assert all(d > s for s, d in zip(shallow, deep, strict=True)), (shallow, deep)


def test_more_direct_reps_more_direct_revenue(run_scenario: Run) -> None:
    # Between 20 and 40 reps the desk is only sometimes the bottleneck, so one seed's paths
    # can cross (the runs diverge after the first different deal): the means must rise
    # with the reps, and each seed must rise from 5 reps to 40.
    seeds = (1, 2, 3)
    few, many = both(run_scenario, "direct_reps", seeds)
    lever = LEVERS_BY_NAME["direct_reps"]
    base = [
        MEASURES[lever.measure](
            RunView(m.metrics.frame(), partners_frame(m), deals_frame(m), m.config)
        )
        for m in (run_scenario("baseline", seed=s) for s in seeds)
    ]
    assert np.mean(few) < np.mean(base) < np.mean(many), (few, base, many)
    assert all(f < m for f, m in zip(few, many, strict=True)), (few, many)


def test_more_vars_lower_the_margin_per_sale(run_scenario: Run) -> None:
    # Logit–Bertrand: more resellers in a cell lower each one's share and so its markup.
    few, many = both(run_scenario, "var_density_margin", (1, 2, 3))
    assert all(m < f for f, m in zip(few, many, strict=True)), (few, many)


def test_a_direct_team_lowers_var_margins_where_it_sells(run_scenario: Run) -> None:
    without, with_reps = both(run_scenario, "direct_encroachment", (1, 2, 3))
    assert all(w < o for o, w in zip(without, with_reps, strict=True)), (without, with_reps)


def test_every_lever_is_tested_here() -> None:
    names = {"var_count", "exclusivity", "smb_churn", "var_discount", "direct_reps"}
    names |= {"var_density_margin", "direct_encroachment"}
    # MDF's direction is tested in tests/test_mdf_effect.py; the conflict rules' in
    # tests/test_conflict_rule_effects.py; the tiers' discount in tests/test_tiers.py.
    assert set(LEVERS_BY_NAME) == names | {"mdf", "registered_wins", "channel_neutral", "tiers"}
