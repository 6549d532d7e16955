"""Seat expansion and contraction (docs/model.md §7.14a): closed form, totals, NRR against GRR."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.billing import Contracts, RecurringTotals
from sim.engine.period import PeriodCounters
from sim.engine.seat_changes import change_seats
from sim.market.population import Population, State
from sim.model import ChannelModel
from sim.names import SEGMENTS
from sim.rng import Streams
from sim.scenario import load_scenario
from sim.scenario.schema import Market

SEEDS = (1, 2, 3, 4, 5)
N_SELLERS = 5


def _market(expansion: float, contraction: float, step: float = 0.2) -> Market:
    market = Market(customers=20_000, seat_change=step)
    for s in SEGMENTS:
        market.segments[s].contraction_monthly = contraction
        market.segments[s].expansion_monthly = expansion
    return market


def _customers(market: Market, seed: int) -> tuple[Population, Contracts, RecurringTotals]:
    """Every account a subscription customer since period 0, of one of five sellers."""
    streams = Streams(seed)
    pop = Population(market, streams)
    n = pop.n
    rng = streams.get("test.contracts")
    pop.state[:] = State.CUSTOMER
    pop.customer_since[:] = 0
    pop.seller[:] = rng.integers(0, N_SELLERS, n)
    con = Contracts(n)
    con.monthly_list[:] = 40.0 * pop.seats
    con.maint_annual_list[:] = np.where(rng.random(n) < 0.3, 60.0 * pop.seats, 0.0)
    con.managed_fee[:] = np.where(rng.random(n) < 0.2, 8.0 * pop.seats, 0.0)
    con.r_vendor[:] = rng.uniform(0.6, 0.9, n)
    con.r_reseller[:] = 1.0 - con.r_vendor
    con.r_customer[:] = 0.95
    con.referrer[:] = np.where(rng.random(n) < 0.2, rng.integers(0, N_SELLERS, n), -1)
    con.commission_rate[:] = np.where(con.referrer >= 0, 0.1, 0.0)
    con.commission_until[:] = rng.integers(1, 24, n)
    rec = RecurringTotals(N_SELLERS, len(pop.territory_names))
    acc = np.arange(n)
    rec.start(con, acc, pop.seller[acc].astype(np.int64), pop.territory)
    return pop, con, rec


def _vendor_mrr(con: Contracts) -> float:
    return float((con.list_per_month(np.arange(len(con.r_vendor))) * con.r_vendor).sum())


def _twelve_months(market: Market, seed: int) -> tuple[float, float, float, float]:
    """Start and end vendor MRR of the cohort, and the summed expansion and contraction MRR."""
    pop, con, rec = _customers(market, seed)
    start = _vendor_mrr(con)
    rng = Streams(seed).get("billing.expansion")
    expansion = contraction = 0.0
    for period in range(1, 13):
        # Commission windows that end now close first, as in the billing phase.
        rec.commission(con, np.flatnonzero(con.commission_until == period), -1.0)
        counters = PeriodCounters()
        change_seats(con, rec, pop, market, rng, period, 1.0, counters)
        expansion += counters.expansion_mrr
        contraction += counters.contraction_mrr
    check_totals(pop, con, rec, period=12)
    return start, _vendor_mrr(con), expansion, contraction


def check_totals(pop: Population, con: Contracts, rec: RecurringTotals, period: int) -> None:
    """The per-seller totals equal direct sums over the contracts."""
    acc = np.arange(pop.n)
    seller = pop.seller.astype(np.int64)
    lm = con.list_per_month(acc)
    direct = {
        "list": lm,
        "vendor": lm * con.r_vendor,
        "monthly_vendor": con.monthly_list * con.r_vendor,
        "reseller": lm * con.r_reseller,
        "customer": lm * con.r_customer,
        "managed": con.managed_fee,
    }
    for key, amount in direct.items():
        want = np.bincount(seller, weights=amount, minlength=N_SELLERS)
        np.testing.assert_allclose(rec.totals[key], want, rtol=1e-9, err_msg=key)
    windowed = (con.referrer >= 0) & (con.commission_until > period)
    ref = con.referrer[windowed].astype(np.int64)
    amount = lm[windowed] * con.r_vendor[windowed] * con.commission_rate[windowed]
    np.testing.assert_allclose(
        rec.totals["commission"], np.bincount(ref, weights=amount, minlength=N_SELLERS), rtol=1e-9
    )


def test_cohort_growth_matches_closed_form() -> None:
    """E[MRR_12 / MRR_0] = (1 + s (p_e − p_c))^12 for a cohort without churn, over five seeds."""
    p_e, p_c, s = 0.08, 0.03, 0.2
    market = _market(p_e, p_c, s)
    ratios = []
    for seed in SEEDS:
        start, end, expansion, contraction = _twelve_months(market, seed)
        ratios.append(end / start)
        # Accounting: the MRR moves by exactly the expansions less the contractions.
        assert end - start == pytest.approx(expansion - contraction, rel=1e-9)
        assert expansion > 0 and contraction > 0
    expected = (1.0 + s * (p_e - p_c)) ** 12
    assert float(np.mean(ratios)) == pytest.approx(expected, rel=0.01)
    # Without the change, the cohort's MRR would not move: the test can tell.
    assert expected > 1.12


def test_no_rates_no_change() -> None:
    market = _market(0.0, 0.0)
    start, end, expansion, contraction = _twelve_months(market, 1)
    assert end == start
    assert expansion == contraction == 0.0


def test_contraction_only_shrinks() -> None:
    market = _market(0.0, 0.05, 0.25)
    start, end, expansion, contraction = _twelve_months(market, 2)
    assert expansion == 0.0
    assert end == pytest.approx(start - contraction, rel=1e-9)
    assert end / start == pytest.approx((1.0 - 0.25 * 0.05) ** 12, rel=0.02)


def test_new_contracts_wait_a_period() -> None:
    """A contract that started this period does not change in it."""
    market = _market(1.0, 0.0)
    pop, con, rec = _customers(market, 3)
    pop.customer_since[:] = 5
    before = con.monthly_list.copy()
    change_seats(
        con, rec, pop, market, Streams(3).get("billing.expansion"), 5, 1.0, PeriodCounters()
    )
    np.testing.assert_array_equal(con.monthly_list, before)
    change_seats(
        con, rec, pop, market, Streams(3).get("billing.expansion"), 6, 1.0, PeriodCounters()
    )
    np.testing.assert_allclose(con.monthly_list, 1.2 * before)


def test_rates_must_leave_room() -> None:
    with pytest.raises(ValueError, match="at most 1"):
        _market(0.7, 0.4)


# ------------------------------------------------------------------------ NRR and GRR in runs


def _segments(expansion: float, contraction: float, churn: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in SEGMENTS:
        out[f"market.segments.{s}.expansion_monthly"] = expansion
        out[f"market.segments.{s}.contraction_monthly"] = contraction
        out[f"market.segments.{s}.churn_monthly"] = churn
    return out


def _retention(expansion: float, contraction: float, churn: float) -> tuple[float, float]:
    kpis = [
        api.run("tiny", seed, _segments(expansion, contraction, churn)).kpis for seed in (1, 2, 3)
    ]
    return float(np.mean([k["nrr"] for k in kpis])), float(np.mean([k["grr"] for k in kpis]))


def test_nrr_above_one_when_expansion_outweighs_contraction_and_churn() -> None:
    # Monthly factor (1 + 0.2 (0.15 − 0.01)) × (1 − 0.005) ≈ 1.023 > 1.
    nrr, grr = _retention(0.15, 0.01, 0.005)
    assert nrr > 1.0
    assert nrr > grr


def test_nrr_below_one_when_churn_and_contraction_outweigh_expansion() -> None:
    # Monthly factor (1 + 0.2 (0.03 − 0.01)) × (1 − 0.03) ≈ 0.974 < 1; NRR still exceeds GRR.
    nrr, grr = _retention(0.03, 0.01, 0.03)
    assert grr < nrr < 1.0


def test_without_expansion_nrr_equals_grr() -> None:
    nrr, grr = _retention(0.0, 0.0, 0.03)
    assert nrr == pytest.approx(grr)


def test_recurring_flag_matches_states_and_amounts_every_period() -> None:
    """``Contracts.recurring`` (kept as contracts start, stop and shrink) is what a scan finds.

    The seat changes read the flag instead of scanning every account: each period of runs with
    win-backs and hybrid (subscription plus maintenance) contracts, it must equal the customers
    whose contract has a recurring amount.
    """
    for name, seed in (("tiny", 1), ("saas_shift", 2), ("msp_led", 3)):
        scenario = load_scenario(name, ["market.customers=3000", "time.periods=36"]).scenario
        model = ChannelModel(scenario, seed=seed)
        checked = 0
        for _ in range(scenario.time.periods):
            model.step()
            pop, con = model.population, model.contracts
            scan = (pop.state == State.CUSTOMER) & ((con.monthly_list > 0) | (con.managed_fee > 0))
            np.testing.assert_array_equal(con.recurring, scan)
            checked += int(scan.sum())
        # Customers with recurring contracts were there to check, and contracts ended and shrank.
        frame = model.metrics.frame()
        assert checked > 0
        assert frame["churned_customers"].sum() > 0 and frame["contraction_mrr"].sum() > 0
