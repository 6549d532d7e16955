"""Managed and service offers: cost of ownership, the cut-off, unserved reasons, deal columns."""

from __future__ import annotations

import numpy as np
import pytest

from sim.api import load
from sim.outputs import OFFER_TYPES
from sim.run import RunResult, simulate

SEEDS = (1, 2, 3)
SHORT = {"time.periods": 24, "market.customers": 4000}
REASONS = (
    "unserved_no_seller",
    "unserved_queues_full",
    "unserved_over_budget",
    "unserved_not_reached",
)


def run(scenario: str, seed: int, **overrides: object) -> RunResult:
    return simulate(load(scenario, {**SHORT, **overrides}), seed)


def msp_share_of_no_it_smb(result: RunResult) -> float:
    """Of the SMB accounts without IT staff that partners won, the share MSPs won."""
    d = result.deals
    won = d[(d["outcome"] == "won") & (d["segment"] == "smb") & d["no_it_staff"]]
    partner = won[won["offer_type"].isin(["resale", "managed"])]
    return float((partner["offer_type"] == "managed").mean())


def test_unserved_reasons_add_up_and_match_the_deals():
    r = run("baseline", 1)
    ts = r.timeseries
    np.testing.assert_array_equal(ts[list(REASONS)].sum(axis=1), ts["opportunities_unserved"])
    # Opportunities closed without any bidder are the unserved ones (open ones had an offer).
    d = r.deals
    assert int((d["n_bidders"] == 0).sum()) == int(ts["opportunities_unserved"].sum())
    assert r.kpis["unserved_share"] == pytest.approx(
        ts["opportunities_unserved"].sum() / ts["opportunities_opened"].sum()
    )


def test_each_reason_shows_where_it_should():
    nobody = {
        "direct.reps": 0,
        "direct.self_serve.enabled": False,
        **{f"partners.{t}.count": 0 for t in ("var", "si", "msp", "distributor")},
    }
    ts = run("baseline", 1, **nobody).timeseries
    assert ts["opportunities_unserved"].sum() == ts["opportunities_opened"].sum() > 0
    assert ts["unserved_no_seller"].sum() == ts["opportunities_unserved"].sum()
    full = {**nobody, "partners.var.count": 20, "partners.var.max_queue": 0}
    ts = run("baseline", 1, **full).timeseries
    assert ts["unserved_queues_full"].sum() > 0
    assert ts["unserved_no_seller"].sum() < ts["opportunities_unserved"].sum()
    # A cut-off below every offer's cost leaves every covered opportunity over budget.
    ts = run("baseline", 1, **{"market.choice.max_cost_to_budget": 0.05}).timeseries
    assert ts["unserved_over_budget"].sum() == ts["opportunities_opened"].sum()


def test_no_cut_off_makes_every_offer_and_a_tight_one_fewer():
    for seed in SEEDS[:2]:
        loose = run("baseline", seed, **{"market.choice.max_cost_to_budget": 0})
        tight = run("baseline", seed, **{"market.choice.max_cost_to_budget": 1.0})
        assert loose.timeseries["unserved_over_budget"].sum() == 0
        assert tight.timeseries["unserved_over_budget"].sum() > 0


def test_deals_carry_offer_type_fee_and_account_flags():
    d = run("baseline", 1).deals
    won = d[d["outcome"] == "won"]
    assert set(won["offer_type"]) <= set(OFFER_TYPES)
    assert (d.loc[d["outcome"] != "won", "offer_type"] == "").all()
    managed = won[won["offer_type"] == "managed"]
    assert len(managed) and (managed["seller_type"] == "msp").all()
    assert (managed["managed_fee"] > 0).all()
    resale = won[won["offer_type"] == "resale"]
    assert (resale["managed_fee"] == 0).all() and set(resale["seller_type"]) <= {"var", "si"}
    # VAR deals come with services; MSP deals with a monthly fee instead.
    assert resale.loc[resale["seller_type"] == "var", "services_revenue"].mean() > 0
    referral = won[won["offer_type"] == "referral"]
    assert (referral["source"] == "referral").all()
    assert d["no_it_staff"].dtype == bool and set(d["segment"]) <= {"smb", "mid", "enterprise"}


def test_msps_win_most_smb_accounts_without_it_staff_that_partners_win():
    shares = [msp_share_of_no_it_smb(run("baseline", seed)) for seed in SEEDS]
    assert np.mean(shares) > 0.5, shares


def test_running_cost_is_the_managed_advantage():
    # Raising the cost an account without IT staff pays to run a product itself moves those
    # accounts to MSPs, on common random numbers; with no running cost MSPs lose them.
    low, high, none = [], [], []
    for seed in SEEDS:
        low.append(msp_share_of_no_it_smb(run("baseline", seed)))
        high.append(
            msp_share_of_no_it_smb(run("baseline", seed, **{"market.choice.self_run_cost": 60}))
        )
        none.append(
            msp_share_of_no_it_smb(run("baseline", seed, **{"market.choice.self_run_cost": 0}))
        )
    assert all(h > lo for h, lo in zip(high, low, strict=True)), (high, low)
    assert np.mean(none) < 0.5 < np.mean(low), (none, low)


def test_msps_carry_the_largest_partner_share_in_msp_led():
    for seed in SEEDS[:2]:
        mix = run("msp_led", seed).kpis["channel_mix"]
        partners = {t: mix[t] or 0.0 for t in ("var", "si", "msp", "distributor")}
        assert max(partners, key=lambda t: partners[t]) == "msp", partners
