"""Lead routing: each policy on hand-made inputs, acceptance and reassignment, and in a run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.kpis import RunView
from sim.api import load
from sim.engine.lead_router import LeadRouter
from sim.engine.period import Clock, PeriodContext, PeriodCounters
from sim.names import LeadRoutingPolicy
from sim.program.lead_routing import (
    AssignDraws,
    RoutingInputs,
    acceptance_probability,
    assign_leads,
    get_policy,
    known_policies,
    uniform_pick,
    weighted_pick,
)
from sim.rng import Streams
from sim.run import RunResult, simulate
from sim.sales.leads import lead_candidates, route_leads
from sim.sales.tables import SellerTable
from sim.scenario import InputError, load_scenario
from sim.scenario.schema import LeadRouting, Scenario
from sim.validation.identities import TOLERANCE, residuals

SEEDS = (1, 2, 3)
SHORT = {"time.periods": 24, "market.customers": 4000}


def inputs(n_leads: int, n_cols: int, **given: np.ndarray) -> RoutingInputs:
    """Policy inputs with neutral defaults (weights 1, free desks, nobody served yet)."""
    ones = np.ones(n_cols)
    return RoutingInputs(
        priority=given.get("priority", ones),
        win_rate=given.get("win_rate", ones),
        free=given.get("free", ones),
        served=given.get("served", np.zeros(n_cols)),
    )


def counts(picked: np.ndarray, n_cols: int) -> np.ndarray:
    return np.bincount(picked, minlength=n_cols)


# -- the registry ------------------------------------------------------------------------------


def test_every_declared_policy_is_registered() -> None:
    assert known_policies() == sorted(p.value for p in LeadRoutingPolicy)
    with pytest.raises(KeyError, match="unknown lead-routing policy 'nearest'; known: capacity"):
        get_policy("nearest")


def test_bad_policy_name_is_a_one_line_error_naming_the_key() -> None:
    with pytest.raises(InputError) as err:
        load_scenario("tiny", ["program.lead_routing.policy=nearest"])
    lines = [line for line in str(err.value).splitlines() if "lead_routing" in line]
    assert len(lines) == 1
    assert "program.lead_routing.policy" in lines[0] and "round_robin" in lines[0]


# -- each policy on hand-made inputs --------------------------------------------------------


def test_round_robin_cycles_evenly_and_keeps_its_turn_across_batches() -> None:
    cand = np.ones((8, 3), dtype=bool)
    picked = get_policy("round_robin")(cand, np.zeros(8), inputs(8, 3))
    assert picked.tolist() == [0, 1, 2, 0, 1, 2, 0, 1]
    # Next batch: partner 2 was served longest ago, then 0, then 1.
    served = np.array([7.0, 8.0, 6.0])
    picked = get_policy("round_robin")(cand[:4], np.zeros(4), inputs(4, 3, served=served))
    assert picked.tolist() == [2, 0, 1, 2]


def test_round_robin_is_even_among_the_partners_that_cover_each_lead() -> None:
    # Partner 1 covers only every other lead: it does not hand its turns to partner 2.
    n = 600
    cand = np.ones((n, 4), dtype=bool)
    cand[1::2, 1] = False
    picked = get_policy("round_robin")(cand, np.zeros(n), inputs(n, 4))
    got = counts(picked, 4)
    assert got.sum() == n and got.max() - got.min() <= 0.06 * n / 4
    assert (picked[1::2] != 1).all()


def test_round_robin_skips_a_partner_that_cannot_take_the_lead() -> None:
    cand = np.array([[False, True, True]])  # partner 0 waited longest but does not cover it
    picked = get_policy("round_robin")(cand, np.zeros(1), inputs(1, 3))
    assert picked.tolist() == [1]


def test_tier_weighted_is_proportional_to_the_weights() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    weight = np.array([1.0, 2.0, 0.0, 5.0])
    cand = np.ones((n, 4), dtype=bool)
    picked = get_policy("tier_weighted")(cand, rng.random(n), inputs(n, 4, priority=weight))
    observed = counts(picked, 4)
    assert observed[2] == 0  # weight 0: never
    expected = n * weight / weight.sum()
    keep = expected > 0
    chi2 = float((((observed - expected)[keep]) ** 2 / expected[keep]).sum())
    assert chi2 < 13.8  # 2 degrees of freedom, p = 0.001


def test_tier_weighted_with_equal_weights_is_geographic() -> None:
    rng = np.random.default_rng(3)
    cand = rng.random((500, 6)) < 0.4
    u = rng.random(500)
    same = inputs(500, 6, priority=np.full(6, 2.5))
    assert (get_policy("tier_weighted")(cand, u, same) == uniform_pick(cand, u)).all()


def test_weighted_pick_only_picks_candidates_and_falls_back_to_uniform() -> None:
    rng = np.random.default_rng(5)
    cand = rng.random((2000, 5)) < 0.5
    picked = weighted_pick(cand, rng.random(2000), np.array([0.0, 3.0, 1.0, 0.0, 2.0]))
    has = cand.any(axis=1)
    assert (picked[~has] == -1).all()
    assert cand[np.flatnonzero(has), picked[has]].all()
    # Candidates that all weigh 0 share the lead uniformly.
    zero = np.array([[True, False, False, True]] * 4000)
    split = counts(weighted_pick(zero, rng.random(4000), np.zeros(4)), 4)
    assert split[0] / 4000 == pytest.approx(0.5, abs=0.03) and split[0] + split[3] == 4000


def test_performance_favours_the_better_partner() -> None:
    rng = np.random.default_rng(11)
    n = 10_000
    cand = np.ones((n, 2), dtype=bool)
    given = inputs(n, 2, win_rate=np.array([0.1, 0.3]))
    share = counts(get_policy("performance")(cand, rng.random(n), given), 2) / n
    assert share[1] == pytest.approx(0.75, abs=0.02)


def test_capacity_picks_the_freest_partner_and_draws_among_ties() -> None:
    free = np.array([0.2, 0.9, 0.5, 0.9])
    cand = np.array([[True, True, True, True], [True, False, True, False]] * 1000)
    u = np.random.default_rng(2).random(2000)
    picked = get_policy("capacity")(cand, u, inputs(2000, 4, free=free))
    assert set(picked[0::2].tolist()) == {1, 3}  # tied at 0.9: both get leads
    assert set(picked[1::2].tolist()) == {2}  # among 0 and 2, partner 2 is freer
    assert get_policy("capacity")(np.zeros((1, 4), dtype=bool), u[:1], inputs(1, 4)).tolist() == [
        -1
    ]


# -- acceptance and reassignment ----------------------------------------------------------


def test_acceptance_rises_with_commitment_free_capacity_and_timeout() -> None:
    p = acceptance_probability(np.array([0.2, 0.8, 0.8, 0.8]), np.array([1, 1, 0.25, 0]), 3, 2)
    assert p[1] > p[0] and p[1] > p[2] > p[3] == 0.0
    assert p[1] == pytest.approx(1 - np.exp(-3 * 0.8 / 2))
    longer = acceptance_probability(np.array([0.5]), np.array([1.0]), 5, 2)
    assert longer[0] > acceptance_probability(np.array([0.5]), np.array([1.0]), 2, 2)[0]


def test_a_refused_lead_goes_to_the_next_partner_in_line() -> None:
    # Round robin: lead 0's turn is partner 0, which always refuses; partner 1 always accepts.
    cand = np.ones((2, 3), dtype=bool)
    draws = AssignDraws(first=np.zeros(2), again=np.zeros((2, 2)), accept=np.full((2, 3), 0.5))
    accept_p = np.array([0.0, 1.0, 1.0])
    done = assign_leads(cand, get_policy("round_robin"), inputs(2, 3), draws, accept_p)
    assert done.first.tolist() == [0, 1]
    assert done.taker.tolist() == [1, 1]
    assert done.reassigned.tolist() == [1, 0]
    # Capacity: the freest refuses, the next freest takes it.
    free = np.array([0.9, 0.5, 0.7])
    one = AssignDraws(first=np.zeros(1), again=np.zeros((1, 2)), accept=np.full((1, 3), 0.5))
    done = assign_leads(cand[:1], get_policy("capacity"), inputs(1, 3, free=free), one, accept_p)
    assert done.taker.tolist() == [2]


def test_reassignment_stops_at_the_limit_or_when_candidates_run_out() -> None:
    cand = np.array([[True, True, True, True], [True, True, False, False]])
    never = np.zeros(4)
    draws = AssignDraws(first=np.zeros(2), again=np.zeros((2, 2)), accept=np.full((2, 3), 0.5))
    done = assign_leads(cand, get_policy("round_robin"), inputs(2, 4), draws, never)
    assert done.taker.tolist() == [-1, -1]
    assert done.reassigned.tolist() == [2, 1]  # lead 0: three offers; lead 1: both partners


def test_without_acceptance_every_first_offer_is_taken() -> None:
    rng = np.random.default_rng(4)
    cand = rng.random((300, 5)) < 0.5
    draws = AssignDraws(first=rng.random(300), again=np.zeros((300, 0)), accept=None)
    done = assign_leads(cand, get_policy("geographic"), inputs(300, 5), draws, None)
    assert (done.taker == done.first).all() and not done.reassigned.any()


def _table(n_partners: int, can_bid: bool = True) -> SellerTable:
    """Direct (row 0) and partners, everyone covering the one territory."""
    n = n_partners + 1
    ones = np.ones((n, 1), dtype=bool)
    return SellerTable(
        can_bid=np.full(n, can_bid),
        bid_probability=np.ones(n),
        territories=ones,
        segments=np.ones((n, 3), dtype=bool),
        verticals=ones,
        specialised=~ones,
        route=np.array([1] + [2] * n_partners, dtype=np.int8),
        is_direct=np.arange(n) == 0,
        services=np.zeros(n, dtype=bool),
        managed=np.zeros(n, dtype=bool),
        projects_only=np.arange(n) == n - 1,  # the last partner is an SI
        service_quality=np.zeros(n),
        price_month=np.ones((n, 1, 3)),
        reach=np.ones((n, 1)),
        incumbent=np.zeros((n, 1), dtype=bool),
        selling=np.full(n, can_bid),
        partner_type=np.array([-1] + [0] * n_partners),
    )


def _router(config: Scenario, table_partners: int, commitment: float) -> tuple[LeadRouter, int]:
    from sim.agents.state import SellerState

    state = SellerState(1)
    for i in range(table_partners + 1):
        state.allocate()
        state.row("commitment")[i] = commitment
        state.row("is_partner")[i] = i > 0
    free = np.ones(table_partners + 1)
    return LeadRouter(config.program.lead_routing, state, lambda: free, 1.0), 0


def _ctx(config: Scenario, seed: int = 1) -> PeriodContext:
    return PeriodContext(config, Streams(seed), Clock(1, 1.0, 12), PeriodCounters(), {})


def _route(config: Scenario, n: int, commitment: float = 1.0) -> tuple[np.ndarray, PeriodCounters]:
    router, direct = _router(config, 3, commitment)
    ctx = _ctx(config)
    zeros = np.zeros(n, dtype=np.int64)
    owners = router.route(zeros, zeros, zeros, _table(3), direct, ctx, np.ones(n, dtype=bool))
    return owners, ctx.counters


def _config(**routing: object) -> Scenario:
    config = Scenario()
    config.program.lead_routing = LeadRouting.model_validate(routing)
    config.marketing.direct_lead_share = 0.3
    return config


@pytest.mark.parametrize("policy", [p.value for p in LeadRoutingPolicy])
def test_direct_keeps_its_share_under_every_policy(policy: str) -> None:
    _, counters = _route(_config(policy=policy, acceptance=True), 6000, commitment=1.0)
    direct_first = counters.leads_direct - counters.leads_escalated
    assert direct_first / 6000 == pytest.approx(0.3, abs=0.02)
    assert (
        counters.leads == counters.leads_direct + counters.leads_accepted + counters.leads_unworked
    )
    assert counters.leads_to_partners == 6000 - direct_first


def test_the_same_draws_keep_the_direct_share_whatever_the_policy() -> None:
    # The first uniform of each lead decides direct's share: the same leads go to direct.
    kept = [_route(_config(policy=p.value), 500)[0] == 0 for p in LeadRoutingPolicy]
    assert all((k == kept[0]).all() for k in kept)


def test_geographic_without_acceptance_is_the_former_routing() -> None:
    config = _config()
    owners, _ = _route(config, 800)
    zeros = np.zeros(800, dtype=np.int64)
    before = route_leads(zeros, zeros, zeros, _table(3), 0, 0.3, Streams(1).get("leads"))
    assert (owners == before).all()


def test_refused_leads_go_back_to_direct_or_stay_unworked() -> None:
    # Partners with no commitment never accept: every partner lead is refused by all three.
    back, c = _route(_config(acceptance=True), 400, commitment=0.0)
    assert c.leads_accepted == 0 and c.leads_escalated == c.leads_to_partners > 0
    assert (back == 0).all()
    assert c.leads_reassigned == 2 * c.leads_to_partners  # max_reassignments = 2, 3 partners
    lost, c = _route(_config(acceptance=True, unaccepted="unworked"), 400, commitment=0.0)
    assert c.leads_unworked == c.leads_to_partners and (lost[lost != 0] == -1).all()


def test_si_gets_no_lead_without_a_project_except_under_geographic() -> None:
    table = _table(3)  # partner 3 bids only on projects
    zeros = np.zeros(2000, dtype=np.int64)
    no_project = np.zeros(2000, dtype=bool)
    fit = lead_candidates(zeros, zeros, zeros, table, 0, no_project)
    assert not fit.cand[:, 2].any() and fit.cand[:, :2].all()
    assert lead_candidates(zeros, zeros, zeros, table, 0).cand.all()


# -- in a run ---------------------------------------------------------------------------------


def run(policy: str, seed: int, **more: object) -> RunResult:
    overrides = {**SHORT, "program.lead_routing.policy": policy, **more}
    return simulate(load("baseline", overrides), seed)


def _lead_totals(ts: pd.DataFrame) -> pd.Series:
    return ts[[c for c in ts.columns if c.startswith("leads")]].sum()


def test_performance_routes_more_leads_to_partners_that_win_more() -> None:
    # Against round robin, on the same seeds: the partners with the better win rates (top half
    # of those that took leads) take a larger share of the partners' leads.
    for seed in SEEDS:
        shares = {}
        for policy in ("round_robin", "performance"):
            p = run(policy, seed).partners
            p = p[(p["partner_id"] != "direct") & (p["bids"] >= 20)]
            top = p["win_rate"] >= p["win_rate"].median()
            shares[policy] = p.loc[top, "leads_received"].sum() / p["leads_received"].sum()
        assert shares["performance"] > shares["round_robin"], (seed, shares)


def test_round_robin_spreads_leads_more_evenly_than_geographic() -> None:
    def spread(policy: str, seed: int) -> float:
        p = run(policy, seed).partners
        got = p.loc[(p["partner_id"] != "direct") & (p["type"] == "var"), "leads_received"]
        return float(got.std() / got.mean())

    for seed in SEEDS:
        assert spread("round_robin", seed) < spread("geographic", seed), seed


def test_a_shorter_timeout_means_more_reassignments_and_fewer_accepted() -> None:
    for seed in SEEDS:
        short = _lead_totals(
            run(
                "round_robin",
                seed,
                **{
                    "program.lead_routing.acceptance": True,
                    "program.lead_routing.acceptance_timeout_days": 1.0,
                },
            ).timeseries
        )
        long = _lead_totals(
            run(
                "round_robin",
                seed,
                **{
                    "program.lead_routing.acceptance": True,
                    "program.lead_routing.acceptance_timeout_days": 5.0,
                },
            ).timeseries
        )
        assert short["leads_reassigned"] > long["leads_reassigned"], seed
        assert short["leads_accepted"] / short["leads_to_partners"] < (
            long["leads_accepted"] / long["leads_to_partners"]
        ), seed


@pytest.mark.parametrize("policy", [p.value for p in LeadRoutingPolicy])
def test_identities_hold_with_routing_and_acceptance_on(policy: str) -> None:
    result = simulate(
        load(
            "tiny",
            {"program.lead_routing.policy": policy, "program.lead_routing.acceptance": True},
        ),
        1,
    )
    ts, partners = result.timeseries, result.partners
    view = RunView(ts, partners, result.deals, load("tiny", {}).scenario)
    for identity, residual in residuals(view).items():
        assert residual <= TOLERANCE, (policy, identity, residual)
    assert (ts["leads"] == ts["leads_direct"] + ts["leads_accepted"] + ts["leads_unworked"]).all()
    assert (ts["leads_accepted"] + ts["leads_escalated"] <= ts["leads_to_partners"]).all()
    assert partners["leads_received"].sum() == ts["leads"].sum() - ts["leads_unworked"].sum()
    assert ts["leads_reassigned"].sum() > 0
    accepted = ts["leads_accepted"].sum() / ts["leads_to_partners"].sum()
    assert result.kpis["lead_acceptance_rate"] == pytest.approx(accepted)
    assert 0 < accepted < 1
