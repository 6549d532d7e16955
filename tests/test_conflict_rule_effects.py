"""Conflict rules in a run: their effect against free_for_all on common random numbers."""

from __future__ import annotations

import pytest

from sim.api import load
from sim.run import RunResult, simulate

SEEDS = (1, 2, 3)
SHORT = {"time.periods": 24, "market.customers": 4000}


def run(rule: str, seed: int) -> RunResult:
    return simulate(load("baseline", {**SHORT, "program.conflict.rule": rule}), seed)


@pytest.mark.parametrize("rule", ["partner_first", "named_accounts"])
def test_rule_lowers_the_direct_conflict_rate(rule: str) -> None:
    for seed in SEEDS:
        free = run("free_for_all", seed).kpis["conflict_rate"]
        ruled = run(rule, seed).kpis["conflict_rate"]
        assert ruled < free, (seed, free, ruled)


def test_partner_first_leaves_no_direct_conflict() -> None:
    # The reps never bid beside a partner, so no opportunity is a direct conflict.
    for seed in SEEDS:
        assert run("partner_first", seed).timeseries["conflicts_direct"].sum() == 0


def test_named_accounts_direct_wins_only_named_accounts() -> None:
    for seed in SEEDS:
        deals = run("named_accounts", seed).deals
        direct = deals[(deals["outcome"] == "won") & (deals["offer_type"] == "direct")]
        assert len(direct) and (direct["segment"] == "enterprise").all(), seed
        partner = deals[
            (deals["outcome"] == "won") & deals["offer_type"].isin(["resale", "managed"])
        ]
        assert not (partner["segment"] == "enterprise").any(), seed
