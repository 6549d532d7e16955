"""Conflict rules in a run: their effect against free_for_all on common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.api import load
from sim.model import ChannelModel
from sim.run import RunResult, simulate
from sim.validation.identities import COST_COLUMNS

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


# -- deal registration: registered_wins and channel_neutral ---------------------------------------


def run_registration(rule: str, seed: int) -> RunResult:
    return simulate(load("deal_registration", {**SHORT, "program.conflict.rule": rule}), seed)


def test_registered_wins_protects_lowers_conflict_and_keeps_trust() -> None:
    free_trust, ruled_trust = [], []
    for seed in SEEDS:
        free = run_registration("free_for_all", seed)
        ruled = run_registration("registered_wins", seed)
        deals = ruled.deals
        won = deals[(deals["outcome"] == "won") & (deals["protected_by"] != "")]
        holder_bid = [
            p in parties.split(";")
            for p, parties in zip(won["protected_by"], won["parties"], strict=True)
        ]
        protected = won[holder_bid]
        assert len(protected) > 0, seed
        # No protected deal (its holder bid) was won by another seller.
        assert (protected["seller"] == protected["protected_by"]).all(), seed
        assert ruled.kpis["conflict_rate"] < free.kpis["conflict_rate"], seed
        free_trust.append(free.timeseries["trust_mean"].mean())
        ruled_trust.append(ruled.timeseries["trust_mean"].mean())
    assert sum(ruled_trust) > sum(free_trust), (free_trust, ruled_trust)


def test_registered_deals_carry_the_extra_discount_in_the_book() -> None:
    deals = run_registration("registered_wins", SEEDS[0]).deals
    registered = deals[deals["registered"]]
    assert len(registered) > 0
    assert (registered["outcome"] == "won").all()
    assert (registered["registration_discount"] > 0).all()
    assert set(registered["registration_status"]) <= {"won", "expired", "approved", "protected"}
    assert (deals.loc[~deals["registered"], "registration_discount"] == 0).all()
    conflicted = deals[deals["conflict_kind"] != ""]
    assert (conflicted["conflict_rule"] == "registered_wins").all()
    assert (deals.loc[deals["conflict_kind"] == "", "conflict_rule"] == "").all()
    assert (deals["stood_down"] != "").any()


def test_registration_without_extra_discount_still_registers() -> None:
    overrides = {**SHORT, "program.deal_registration.extra_discount": 0.0}
    result = simulate(load("deal_registration", overrides), SEEDS[0])
    ts, deals = result.timeseries, result.deals
    assert ts["registered_deals"].sum() >= deals["registered"].sum() > 0
    assert ts["registration_discount"].sum() == 0
    assert (deals["registration_discount"] == 0).all()
    assert ts["registrations_approved"].sum() <= ts["registrations_submitted"].sum()


def test_channel_neutral_reps_assist_and_are_paid() -> None:
    first_wins, neutral_wins = 0, 0
    for seed in SEEDS:
        first = run("partner_first", seed)
        neutral = run("channel_neutral", seed)
        ts = neutral.timeseries
        # The reps never bid beside a partner; they are paid on the deals they assisted.
        assert ts["conflicts_direct"].sum() == 0, seed
        assert ts["channel_neutral_comp"].sum() > 0, seed
        # The pay is a cost line inside contribution.
        others = ts[[c for c in COST_COLUMNS if c != "channel_neutral_comp"]].sum(axis=1)
        np.testing.assert_allclose(ts["vendor_costs"] - others, ts["channel_neutral_comp"])
        np.testing.assert_allclose(
            ts["contribution_margin"], ts["revenue_total"] - ts["vendor_costs"]
        )
        assert first.timeseries["channel_neutral_comp"].sum() == 0
        assisted = neutral.deals[neutral.deals["assisted"]]
        assert len(assisted) and not (assisted["offer_type"] == "direct").any(), seed
        partner = ["resale", "managed"]
        first_wins += first.deals["offer_type"].isin(partner).sum()
        neutral_wins += neutral.deals["offer_type"].isin(partner).sum()
    # The reps' help raises the partners' wins.
    assert neutral_wins > first_wins, (first_wins, neutral_wins)


def test_protection_follows_the_partners_tier() -> None:
    # Tiers of tiered_program: registered 1 month (set here), silver 2, gold and platinum 3;
    # the program's own protection_months (4) applies to none of them.
    overrides = {
        **SHORT,
        "program.deal_registration.enabled": True,
        "program.deal_registration.protection_months": 4.0,
        "program.deal_registration.extension_months": 0.0,
        "program.tiers.registered.protection_months": 1.0,
    }
    model = ChannelModel(load("tiered_program", overrides).scenario, seed=SEEDS[0])
    model.run()
    reg = model.registrations
    protected = reg["expires"] < np.inf
    lengths = set((reg["expires"] - reg["submitted"])[protected].tolist())
    assert 1.0 in lengths and lengths <= {1.0, 2.0, 3.0}, lengths
