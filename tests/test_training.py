"""Training and certification for every reselling role: the decision on hand-made inputs (the
quality a rep brings and the next tier's benefit against the cost net of the subsidy), its
duration, the vendor's subsidy, and on common seeds the direction of the subsidy (more certified
reps, higher service quality) and of tiers (partners certify to reach them)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.base import Partner
from sim.agents.state import COL
from sim.model import ChannelModel
from sim.program.tiers import PartnerStanding, TierTable, certification_gain, certifies
from sim.scenario import load_scenario
from sim.scenario.schema import PartnerType, Program, SiType, Tier, VarType

SEEDS = (1, 2, 3)


def _table() -> TierTable:
    return TierTable.of(
        Program(
            tiers={
                "silver": Tier(min_revenue=100.0, min_deals=2, extra_discount=0.05),
                "gold": Tier(
                    min_revenue=1000.0,
                    min_deals=10,
                    min_certified=2,
                    extra_discount=0.10,
                    mdf_rate=0.01,
                ),
            }
        )
    )


def _standing(**values: list[float]) -> PartnerStanding:
    n = len(next(iter(values.values())))
    base = {
        "level": np.ones(n, dtype=np.int64),
        "revenue": np.full(n, 1000.0),
        "certified": np.zeros(n),
        "reps": np.full(n, 4.0),
        "deals": np.full(n, 10.0),
        "purchases_month": np.full(n, 1000.0),
    }
    for key, value in values.items():
        base[key] = np.asarray(value, dtype=base[key].dtype)
    return PartnerStanding(**base)


# ------------------------------------------------------------------------ hand-made inputs


def test_gain_is_the_next_tiers_benefit_when_only_certification_is_missing() -> None:
    standing = _standing(
        # silver: certification missing only; one rep already; revenue within reach (80 %);
        # revenue out of reach; already gold (top); too few reps for two certifications.
        level=[1, 1, 1, 1, 2, 1],
        certified=[0, 1, 0, 0, 0, 0],
        revenue=[1000, 1000, 800, 700, 1000, 1000],
        reps=[4, 4, 4, 4, 4, 1],
    )
    gain, missing = certification_gain(_table(), standing, horizon_months=12.0, reach=0.8)
    # (10 − 5 points of discount + 1 point of MDF) × 1000 a month × 12 months.
    full = (0.05 + 0.01) * 1000.0 * 12.0
    np.testing.assert_allclose(gain, [full, full, full, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(missing, [2, 1, 2, 0, 0, 0])


def test_invests_when_the_benefit_repays_the_net_cost_and_not_otherwise() -> None:
    net_cost = np.full(5, 4500.0)
    decide = certifies(
        quality_value=np.array([0.0, 0.0, 4600.0, 0.0, 2000.0]),
        tier_gain=np.array([9000.0, 10000.0, 0.0, 0.0, 6000.0]),
        reps_missing=np.array([2.0, 2.0, 0.0, 0.0, 2.0]),
        net_cost=net_cost,
    )
    # 9000 over two reps = 4500 (not more than the cost); 5000 a rep; quality alone;
    # nothing; quality 2000 + 3000 a rep.
    np.testing.assert_array_equal(decide, [False, True, True, False, True])


def test_certification_keys_on_every_type_keep_var_numbers() -> None:
    var, si, base = VarType(), SiType(), PartnerType()
    assert (var.certification_cost, var.certification_months) == (6_000.0, 2.0)
    assert (var.certification_subsidy, var.certification_quality) == (0.25, 0.15)
    # Other types carry the keys and certify only to reach a tier unless given a quality.
    assert si.certification_quality == base.certification_quality == 0.0
    assert si.certification_cost == var.certification_cost


# ------------------------------------------------------------------------ in a run


def _run(*overrides: str, seed: int = 1) -> ChannelModel:
    m = ChannelModel(load_scenario("tiny", list(overrides)).scenario, seed=seed)
    m.run()
    return m


def _resellers(m: ChannelModel) -> list[Partner]:
    return [s for s in m.sellers if isinstance(s, Partner) and s.closes_deals and s.reps > 0]


def test_every_reselling_role_certifies_when_it_pays() -> None:
    off = _run()
    assert sum(s.certified for s in off.sellers if s.kind in ("si", "msp")) == 0
    on = _run(
        "partners.si.certification_quality=0.15",
        "partners.msp.certification_quality=0.15",
        "partners.msp.certification_cost=1000",  # tiny's MSPs earn too little for 6,000
    )
    kinds = {s.kind for s in on.sellers if s.is_partner and s.certified > 0}
    assert {"var", "si", "msp"} <= kinds


@pytest.mark.parametrize("months", [2, 3])
def test_a_certification_takes_its_months(months: int) -> None:
    m = ChannelModel(
        load_scenario(
            "tiny",
            [
                "partners.si.certification_quality=0.15",
                f"partners.si.certification_months={months}",
            ],
        ).scenario,
        seed=1,
    )
    started: dict[int, tuple[int, int]] = {}
    finished: dict[int, int] = {}
    for _ in range(m.config.time.periods):
        m.step()
        for s in m.sellers:
            if s.kind != "si":
                continue
            if s.certifying and s.index not in started:
                started[s.index] = (m.period, s.certified)
            begun = started.get(s.index)
            if begun and s.index not in finished and s.certified > begun[1]:
                finished[s.index] = m.period
    assert finished
    for i, period in finished.items():
        assert period - started[i][0] == months


def test_subsidy_is_in_the_vendors_accounts_and_the_partners_ledgers() -> None:
    m = _run("partners.si.certification_quality=0.15", "partners.si.certification_subsidy=0.5")
    frame = m.metrics.frame()
    ledger = m.seller_state.row("total")[: len(m.sellers), COL["subsidies"]].sum()
    assert frame["training_subsidies"].sum() == pytest.approx(ledger)
    assert ledger > 0
    assert (frame["program_overhead"] >= frame["training_subsidies"]).all()


def _training(subsidy: float, seed: int) -> tuple[float, float]:
    overrides = [f"partners.{t}.certification_subsidy={subsidy}" for t in ("var", "si", "msp")]
    overrides += [f"partners.{t}.certification_quality=0.15" for t in ("si", "msp")]
    m = _run(*overrides, seed=seed)
    partners = _resellers(m)
    certified = float(sum(s.certified for s in partners))
    quality = float(np.mean([s.service_quality - s.base_quality for s in partners]))
    return certified, quality


def test_direction_more_subsidy_more_certified_reps_higher_quality() -> None:
    low = np.array([_training(0.0, seed) for seed in SEEDS])
    high = np.array([_training(0.9, seed) for seed in SEEDS])
    assert high[:, 0].mean() > low[:, 0].mean()
    assert high[:, 1].mean() > low[:, 1].mean()


def test_direction_partners_certify_to_reach_a_tier() -> None:
    tiers = (
        "program.tiers.silver.min_revenue=10000",
        "program.tiers.silver.min_certified=1",
        "program.tiers.silver.extra_discount=0.10",
        "program.tiers.silver.mdf_rate=0.02",
        "program.tier_review_months=3",
    )
    without, with_tiers = [], []
    for seed in SEEDS:
        without.append(sum(s.certified for s in _run(seed=seed).sellers if s.kind == "si"))
        with_tiers.append(
            sum(s.certified for s in _run(*tiers, seed=seed).sellers if s.kind == "si")
        )
    # SIs bring no quality by default: without tiers they never certify.
    assert sum(without) == 0
    assert np.mean(with_tiers) > 0
