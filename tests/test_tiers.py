"""Program tiers: qualifying on hand-made criteria, reviews with demotion grace, the reviews in a
run (moves exactly at review periods, to the tier the criteria give), validation, and the
direction of the lever on common seeds (partners climb; a tier discount lowers vendor net)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.engine.tier_review import TierProgram
from sim.errors import InputError
from sim.model import ChannelModel
from sim.names import TIERS
from sim.outputs import deals_frame, partners_frame
from sim.program.tiers import TierTable, exclusivity_by_tier, qualified_level, review_levels
from sim.scenario import load_scenario
from sim.scenario.schema import Program, Tier

# Tiers a tiny market's partners can reach within two years (tiny's partners earn tens of
# thousands a year): silver needs revenue, gold also deals, platinum also certified reps.
TINY_TIERS = (
    "program.tier_review_months=3",
    "program.tiers.silver.min_revenue=10000",
    "program.tiers.silver.extra_discount=0.05",
    "program.tiers.silver.mdf_rate=0.01",
    "program.tiers.silver.lead_priority=1.5",
    "program.tiers.gold.min_revenue=40000",
    "program.tiers.gold.min_deals=3",
    "program.tiers.gold.extra_discount=0.10",
    "program.tiers.gold.lead_priority=2",
    "program.tiers.gold.protection_months=3",
    "program.tiers.platinum.min_revenue=80000",
    "program.tiers.platinum.min_deals=6",
    "program.tiers.platinum.min_certified=1",
    "program.tiers.platinum.extra_discount=0.15",
)

SEEDS = (1, 2, 3)


def _table() -> TierTable:
    return TierTable.of(
        Program(
            tiers={
                "silver": Tier(min_revenue=100.0, extra_discount=0.05),
                "gold": Tier(min_revenue=500.0, min_deals=5, min_certified=1, extra_discount=0.1),
                "platinum": Tier(
                    min_revenue=1000.0, min_deals=10, min_certified_share=0.5, extra_discount=0.2
                ),
            }
        )
    )


# ------------------------------------------------------------------------ hand-made inputs


def test_table_lists_tiers_lowest_first_with_registered() -> None:
    table = _table()
    assert table.names == ("registered", "silver", "gold", "platinum")
    np.testing.assert_array_equal(table.code, [0, 1, 2, 3])
    assert table.has_tiers
    assert not TierTable.of(Program()).has_tiers


def test_highest_tier_whose_criteria_are_all_met() -> None:
    table = _table()
    revenue = np.array([99.9, 100.0, 500.0, 500.0, 1000.0, 1000.0, 1000.0, 5000.0])
    deals = np.array([50, 0, 5, 4, 10, 10, 10, 10], dtype=float)
    certified = np.array([9, 0, 1, 1, 2, 1, 2, 0], dtype=float)
    reps = np.array([10, 4, 4, 4, 4, 4, 5, 4], dtype=float)
    level = qualified_level(table, revenue, certified, reps, deals)
    # just below silver's revenue; exactly silver's; gold exactly; gold short of one deal;
    # platinum with half its reps certified; one short of half; 2 of 5 < ceil(2.5); no rep.
    np.testing.assert_array_equal(level, [0, 1, 2, 1, 3, 2, 2, 1])


def test_review_moves_up_at_once_and_down_after_grace() -> None:
    current = np.array([0, 2, 2, 2, 1])
    qualified = np.array([2, 0, 0, 2, 1])
    failed = np.array([0, 0, 1, 1, 0])
    level, failures = review_levels(current, qualified, failed, grace=1)
    # up at once; first failed review kept (grace); second demoted to what it qualifies for;
    # a passed review resets the failures.
    np.testing.assert_array_equal(level, [2, 2, 0, 2, 1])
    np.testing.assert_array_equal(failures, [0, 1, 0, 0, 0])
    level0, _ = review_levels(current, qualified, failed, grace=0)
    np.testing.assert_array_equal(level0, [2, 0, 0, 2, 1])


# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (
            ("program.tiers.silver.min_revenue=1000", "program.tiers.gold.min_revenue=500"),
            "program.tiers.gold.min_revenue",
        ),
        (("program.tiers.gold.min_deals=5", "program.tiers.platinum.min_deals=2"), "min_deals"),
        (("program.tiers.diamond.min_revenue=1",), "program.tiers.diamond"),
        (("program.tiers.registered.min_deals=1",), "program.tiers.registered.min_deals"),
        (("program.tiers.silver.extra_discount=0.1",), "program.tiers.silver"),
    ],
    ids=["revenue-falls", "deals-fall", "unknown-name", "registered-criteria", "no-criteria"],
)
def test_unordered_or_unknown_tiers_are_refused(overrides: tuple[str, ...], key: str) -> None:
    with pytest.raises(InputError) as err:
        load_scenario("tiny", list(overrides))
    lines = str(err.value).splitlines()
    assert len(lines) == 1 and key in lines[0], lines


def test_cli_exits_2_on_an_unknown_tier() -> None:
    result = CliRunner().invoke(
        app, ["validate", "tiny", "--set", "program.tiers.diamond.min_revenue=1"]
    )
    assert result.exit_code == 2
    assert "program.tiers.diamond" in result.stderr and "registered, silver" in result.stderr


def test_tiered_program_scenario_validates() -> None:
    scenario = load_scenario("tiered_program").scenario
    assert tuple(scenario.program.tiers) == TIERS


# ------------------------------------------------------------------------ in a run


def _model(*overrides: str, seed: int = 1) -> ChannelModel:
    return ChannelModel(load_scenario("tiny", list(overrides)).scenario, seed=seed)


def test_tiers_change_exactly_at_reviews_to_the_tier_the_criteria_give() -> None:
    m = _model(*TINY_TIERS, "program.tier_demotion_grace=0")
    program: TierProgram = m.tier_program
    assert program.review_periods == 3
    before = m.seller_state.tier.copy()
    moved_at: list[int] = []
    for _ in range(m.config.time.periods):
        m.step()
        st = m.seller_state
        now = st.tier.copy()
        changed = now[: len(before)] != before
        if m.period % 3:
            assert not changed.any(), m.period
            assert program.upgrades == program.downgrades == 0
        else:
            standing = program.standing_of(m)
            reviewed = np.flatnonzero(st.active & st.is_partner & st.closes_deals)
            expected = qualified_level(
                program.table,
                standing.revenue[reviewed],
                standing.certified[reviewed],
                standing.reps[reviewed],
                standing.deals[reviewed],
            )
            np.testing.assert_array_equal(now[reviewed], program.table.code[expected])
            assert program.upgrades + program.downgrades == int(changed.sum())
            if changed.any():
                moved_at.append(m.period)
        before = now
    assert moved_at, "no partner changed tier in two years"
    # Benefits follow the tier: discount, lead priority, MDF rate and protection.
    st = m.seller_state
    for s in m.sellers:
        if s.is_partner and s.closes_deals:
            lv = TIERS.index(s.tier)
            assert s.discount == pytest.approx(s.params.discount + program.table.extra_discount[lv])
            assert st.lead_priority[s.index] == program.table.lead_priority[lv]
            assert st.mdf_rate[s.index] == program.table.mdf_rate[lv]
            assert st.protection_months[s.index] == program.table.protection_months[lv]


def test_without_tiers_every_seller_stays_registered_with_neutral_benefits() -> None:
    m = _model()
    m.run()
    st = m.seller_state
    assert (st.tier == 0).all()
    assert (st.lead_priority == 1.0).all() and (st.mdf_rate == 0.0).all()
    frame = m.metrics.frame()
    assert frame[["tier_upgrades", "tier_downgrades"]].to_numpy().sum() == 0
    assert (frame[[f"partners_tier_{t}" for t in TIERS[1:]]].to_numpy() == 0).all()


def _partner_vendor_share(m: ChannelModel) -> float:
    """Vendor net per list amount of the partner deals won (the buy price's share of list)."""
    deals = deals_frame(m)
    won = deals[(deals["outcome"] == "won") & (deals["seller"] != "direct")]
    return float(won["vendor_net"].sum() / won["list_amount"].sum())


def test_direction_partners_climb_and_vendor_net_per_deal_falls() -> None:
    climbed, share_on, share_off = [], [], []
    for seed in SEEDS:
        on = _model(*TINY_TIERS, seed=seed)
        on.run()
        off = _model(seed=seed)
        off.run()
        frame = on.metrics.frame()
        climbed.append(frame[[f"partners_tier_{t}" for t in TIERS[1:]]].iloc[-1].sum())
        share_on.append(_partner_vendor_share(on))
        share_off.append(_partner_vendor_share(off))
    assert np.mean(climbed) > 0
    assert np.mean(share_on) < np.mean(share_off)


def test_seller_table_partners_csv_and_timeseries_show_tiers() -> None:
    m = _model(*TINY_TIERS)
    m.run()
    table = m._seller_table()  # the table the next period would see
    np.testing.assert_array_equal(table.lead_priority, m.seller_state.lead_priority)
    assert (table.lead_priority > 1.0).any()
    partners = partners_frame(m)
    assert set(partners["tier"]) - {""} <= set(TIERS)
    assert partners["tier"].isin(TIERS[1:]).any()
    frame = m.metrics.frame()
    active_in_tiers = frame[[f"partners_tier_{t}" for t in TIERS]].sum(axis=1)
    active = frame[[c for c in frame.columns if c.startswith("partners_active_")]].sum(axis=1)
    np.testing.assert_array_equal(active_in_tiers, active)


# ------------------------------------------------------------------ exclusivity by tier


def test_exclusivity_is_a_tier_benefit_only_when_a_tier_grants_it() -> None:
    assert not exclusivity_by_tier(Program())
    assert not exclusivity_by_tier(Program(tiers={"gold": Tier(min_revenue=1.0)}))
    assert exclusivity_by_tier(Program(tiers={"gold": Tier(exclusivity_eligible=True)}))


def _holder_commitment(overrides: tuple[str, ...], seed: int) -> float:
    """Mean commitment of the exclusive holders at the end of a small exclusive_territories run."""
    base = ("market.customers=2000", "time.periods=18")
    m = ChannelModel(load_scenario("exclusive_territories", [*base, *overrides]).scenario, seed)
    m.run()
    st = m.seller_state
    holders = st.exclusive[: st.n] & st.live[: st.n]
    return float(st.commitment[: st.n][holders].mean())


def test_exclusive_holders_lose_the_commitment_bonus_until_their_tier_is_eligible() -> None:
    # Gold grants exclusivity but nobody reaches it: no holder enjoys the bonus, so holders'
    # commitment is lower than without tiers, on every seed (common random numbers).
    gated = ("program.tiers.gold.min_revenue=1e12", "program.tiers.gold.exclusivity_eligible=true")
    for seed in SEEDS:
        assert _holder_commitment(gated, seed) < _holder_commitment((), seed), seed
    # Every tier eligible, the entry tier included: the same as without tiers, exactly.
    everyone = ("program.tiers.registered.exclusivity_eligible=true",)
    assert _holder_commitment(everyone, 1) == _holder_commitment((), 1)
