"""Tests for sim.analysis.bass."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.bass import (
    BassFit,
    _cdf_and_gradient,
    _simulate,
    bass_continuous_cdf,
    bass_cumulative,
    fit_bass,
    fit_bass_nls,
    months_to_share,
)
from sim.validation.estimator import SYNTHETIC_CASES, continuous_adoptions


def test_recursion_matches_hand_computed_three_steps() -> None:
    # p=0.1, q=0.5, m=1:
    # F1 = 0 + 0.1 * 1 = 0.1
    # F2 = 0.1 + (0.1 + 0.05) * 0.9 = 0.235
    # F3 = 0.235 + (0.1 + 0.1175) * 0.765 = 0.4013875
    np.testing.assert_allclose(bass_cumulative(0.1, 0.5, 3), [0.1, 0.235, 0.4013875], rtol=1e-12)


def test_recursion_scales_with_market_potential() -> None:
    # A(t) = m * F(t) for the same p, q.
    np.testing.assert_allclose(
        bass_cumulative(0.02, 0.3, 50, m=0.6), 0.6 * bass_cumulative(0.02, 0.3, 50), rtol=1e-12
    )


def test_recursion_edge_cases() -> None:
    assert bass_cumulative(0.1, 0.5, 0).shape == (0,)
    assert np.all(bass_cumulative(0.1, 0.5, 5, m=0.0) == 0.0)
    np.testing.assert_array_equal(bass_cumulative(1.0, 0.0, 4, m=0.5), [0.5] * 4)
    with pytest.raises(ValueError):
        bass_cumulative(0.1, 0.5, -1)


def test_recursion_clips_at_m_for_overshooting_parameters() -> None:
    # q=5 overshoots the discrete recursion; the clip keeps it at m.
    a = bass_cumulative(0.5, 5.0, 10, m=0.8)
    assert np.all(a <= 0.8)
    assert a[-1] == pytest.approx(0.8)


def test_analytic_jacobian_matches_finite_differences() -> None:
    theta = np.array([0.02, 0.45, 0.8])
    _, jac = _simulate(*theta, 30)
    h = 1e-7
    for j in range(3):
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (_simulate(*up, 30)[0] - _simulate(*down, 30)[0]) / (2 * h)
        np.testing.assert_allclose(jac[:, j], fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(("p", "q", "m"), [(0.01, 0.4, 1.0), (0.03, 0.2, 0.7)])
def test_fit_recovers_parameters(p: float, q: float, m: float) -> None:
    fit = fit_bass(bass_cumulative(p, q, 60, m))
    assert fit.converged
    assert fit.p == pytest.approx(p, rel=1e-3, abs=1e-6)
    assert fit.q == pytest.approx(q, rel=1e-3, abs=1e-6)
    assert fit.m == pytest.approx(m, rel=1e-3, abs=1e-6)
    assert fit.rmse < 1e-6


def test_fit_with_noise_is_close_and_deterministic() -> None:
    rng = np.random.default_rng(20240601)
    y = np.clip(bass_cumulative(0.02, 0.5, 40, 0.8) + rng.normal(0.0, 0.01, 40), 0.0, 1.0)
    fit = fit_bass(y)
    assert fit.converged
    assert fit.p == pytest.approx(0.02, abs=0.01)
    assert fit.q == pytest.approx(0.5, abs=0.1)
    assert fit.m == pytest.approx(0.8, abs=0.05)
    assert fit_bass(y) == fit


@pytest.mark.parametrize(
    "series",
    [
        [],
        [0.1],
        [0.1, 0.2],
        [0.0, 0.0, 0.0, 0.0],
        np.zeros(50),
        [0.1, float("nan"), 0.3],
        [0.1, float("inf"), 0.3],
    ],
)
def test_fit_degenerate_inputs_do_not_raise(series: list[float]) -> None:
    fit = fit_bass(np.asarray(series, dtype=float))
    assert isinstance(fit, BassFit)
    assert not fit.converged
    assert math.isnan(fit.p) and math.isnan(fit.q) and math.isnan(fit.m)


def test_fit_odd_but_valid_inputs_do_not_raise() -> None:
    # Flat, decreasing, and saturated series are not Bass-shaped but must not raise.
    for series in ([0.5] * 10, [0.9, 0.5, 0.1, 0.0], [1.0] * 5, [0.0, 0.0, 1.0]):
        fit = fit_bass(np.asarray(series))
        assert isinstance(fit, BassFit)
        if fit.converged:
            assert 0.0 <= fit.p <= 1.0 and 0.0 <= fit.q <= 5.0 and 0.0 < fit.m <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    p=st.floats(0.0, 1.0),
    q=st.floats(0.0, 5.0),
    m=st.floats(1e-3, 1.0),
    periods=st.integers(0, 120),
)
def test_cumulative_is_monotone_and_bounded(p: float, q: float, m: float, periods: int) -> None:
    a = bass_cumulative(p, q, periods, m)
    assert a.shape == (periods,)
    assert np.all(np.isfinite(a))
    assert np.all(a >= 0.0)
    assert np.all(a <= m)
    assert np.all(np.diff(a) >= 0.0)


def test_months_to_share() -> None:
    adoption = np.array([0.05, 0.2, 0.45, 0.5, 0.7])
    assert months_to_share(adoption, 0.5) == 4.0
    assert months_to_share(adoption, 0.5, period_months=3.0) == 12.0
    assert months_to_share(adoption, 0.05) == 1.0
    assert months_to_share(adoption, 0.9) is None
    assert months_to_share(np.array([]), 0.1) is None


# -- the continuous Bass model and its NLS estimator (Srinivasan & Mason 1986) ------------------


def test_continuous_cdf_closed_form() -> None:
    # F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}); p=0.03, q=0.38, t=2:
    # e^{−0.82} = 0.44043165450, F = 0.55956834550 / (1 + 12.6666… · 0.44043165450).
    expected = (1 - math.exp(-0.82)) / (1 + 0.38 / 0.03 * math.exp(-0.82))
    assert bass_continuous_cdf(0.03, 0.38, 2.0) == pytest.approx(expected, rel=1e-14)
    # q = 0: the exponential F = 1 − e^{−pt}; p = 0: nobody adopts.
    assert bass_continuous_cdf(0.2, 0.0, 3.0) == pytest.approx(1 - math.exp(-0.6), rel=1e-14)
    np.testing.assert_array_equal(bass_continuous_cdf(0.0, 0.5, [0.0, 1.0, 9.0]), 0.0)
    # The density is (p + qF)(1 − F): check dF/dt by central differences.
    t, h = 4.0, 1e-6
    deriv = (bass_continuous_cdf(0.03, 0.38, t + h) - bass_continuous_cdf(0.03, 0.38, t - h)) / (
        2 * h
    )
    f = bass_continuous_cdf(0.03, 0.38, t)
    assert deriv == pytest.approx((0.03 + 0.38 * f) * (1 - f), rel=1e-7)


def test_continuous_gradient_matches_finite_differences() -> None:
    t = np.linspace(0.0, 30.0, 31)
    _, df_dp, df_dq = _cdf_and_gradient(0.02, 0.45, t)
    h = 1e-7
    fd_p = (bass_continuous_cdf(0.02 + h, 0.45, t) - bass_continuous_cdf(0.02 - h, 0.45, t)) / (
        2 * h
    )
    fd_q = (bass_continuous_cdf(0.02, 0.45 + h, t) - bass_continuous_cdf(0.02, 0.45 - h, t)) / (
        2 * h
    )
    np.testing.assert_allclose(df_dp, fd_p, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(df_dq, fd_q, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(("p", "q", "m", "periods", "per_year"), SYNTHETIC_CASES)
def test_nls_recovers_continuous_bass_exactly(
    p: float, q: float, m: float, periods: int, per_year: float
) -> None:
    fit = fit_bass_nls(continuous_adoptions(p, q, m, periods, per_year), per_year)
    assert fit.converged
    assert fit.p == pytest.approx(p, rel=1e-6)
    assert fit.q == pytest.approx(q, rel=1e-6)
    assert fit.m == pytest.approx(m, rel=1e-6)
    assert fit.r2 == pytest.approx(1.0, abs=1e-10)
    # The fitted cumulative curve is m F(t_k).
    np.testing.assert_allclose(
        fit.cumulative(periods),
        np.cumsum(continuous_adoptions(p, q, m, periods, per_year)),
        rtol=1e-6,
    )


def test_nls_units_per_year_whatever_the_period() -> None:
    # The same diffusion sampled monthly and annually gives the same per-year estimates.
    monthly = fit_bass_nls(continuous_adoptions(0.03, 0.4, 1000.0, 120, 12.0), 12.0)
    annual = fit_bass_nls(continuous_adoptions(0.03, 0.4, 1000.0, 10, 1.0), 1.0)
    for a, b in ((monthly.p, annual.p), (monthly.q, annual.q), (monthly.m, annual.m)):
        assert a == pytest.approx(b, rel=1e-6)
    # Per period, the estimates are the per-year ones divided by periods per year.
    per_period = fit_bass_nls(continuous_adoptions(0.03, 0.4, 1000.0, 120, 12.0))
    assert per_period.p == pytest.approx(0.03 / 12, rel=1e-6)
    assert per_period.q == pytest.approx(0.4 / 12, rel=1e-6)


def test_nls_cumulative_input_is_differenced() -> None:
    y = continuous_adoptions(0.02, 0.6, 0.9, 48, 12.0)
    a = fit_bass_nls(y, 12.0, m_max=1.0)
    b = fit_bass_nls(np.cumsum(y), 12.0, m_max=1.0, cumulative=True)
    assert b.converged
    assert (b.p, b.q, b.m) == pytest.approx((a.p, a.q, a.m), rel=1e-9)


def test_nls_short_series_before_the_peak() -> None:
    # Ten months of a diffusion that peaks in month ~60: m is only weakly identified, but the
    # fit converges inside the bounds and reproduces the data; noise-free, it recovers all three.
    y = continuous_adoptions(0.01, 0.5, 1.0, 10, 12.0)
    fit = fit_bass_nls(y, 12.0, m_max=1.0)
    assert fit.converged and 0 < fit.m <= 1.0
    assert fit.r2 > 0.999999
    assert fit.p == pytest.approx(0.01, rel=1e-3)
    assert fit.q == pytest.approx(0.5, rel=1e-3)


def test_nls_with_noise_is_close_and_deterministic() -> None:
    rng = np.random.default_rng(7)
    clean = continuous_adoptions(0.1, 2.0, 0.8, 60, 12.0)
    y = clean + rng.normal(0.0, 0.02 * clean.max(), clean.size)
    fit = fit_bass_nls(y, 12.0, m_max=1.0)
    assert fit.converged
    assert fit.p == pytest.approx(0.1, rel=0.25)
    assert fit.q == pytest.approx(2.0, rel=0.1)
    assert fit.m == pytest.approx(0.8, rel=0.05)
    assert 0.9 < fit.r2 < 1.0
    assert fit_bass_nls(y, 12.0, m_max=1.0) == fit


def test_nls_m_is_not_capped_for_counts_but_is_with_m_max() -> None:
    y = continuous_adoptions(0.02, 0.5, 40.0, 60, 12.0)
    assert fit_bass_nls(y, 12.0).m == pytest.approx(40.0, rel=1e-6)
    capped = fit_bass_nls(y, 12.0, m_max=30.0)
    assert capped.m <= 30.0 + 1e-9
    assert capped.r2 < 1.0


@pytest.mark.parametrize(
    "series", [[], [1.0], [1.0, 2.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -3.0], [1.0, float("nan"), 2.0]]
)
def test_nls_degenerate_inputs_do_not_raise(series: list[float]) -> None:
    fit = fit_bass_nls(np.asarray(series, dtype=float), 12.0)
    assert not fit.converged
    assert math.isnan(fit.p) and math.isnan(fit.q) and math.isnan(fit.m) and math.isnan(fit.r2)


@pytest.mark.parametrize(("period", "per_year"), [("month", 12.0), ("week", 52.0)])
def test_summary_bass_kpis_are_per_year_and_shares(period: str, per_year: float) -> None:
    import pandas as pd

    from sim.analysis.kpis import RunView
    from sim.scenario import load_scenario

    config = load_scenario("baseline", [f"time.period={period}"]).scenario
    # A continuous Bass diffusion of 0.6 of the accounts at p = 0.1, q = 1.5 per year.
    periods = int(5 * per_year)
    adoption = np.cumsum(continuous_adoptions(0.1, 1.5, 0.6, periods, per_year))
    ts = pd.DataFrame({"period": np.arange(1, periods + 1), "adoption": adoption})
    run = RunView(ts, pd.DataFrame(), pd.DataFrame(), config)
    assert run.bass_nls("p") == pytest.approx(0.1, rel=1e-6)
    assert run.bass_nls("q") == pytest.approx(1.5, rel=1e-6)
    assert run.bass_nls("m") == pytest.approx(0.6, rel=1e-6)
    assert run.bass_nls("r2") == pytest.approx(1.0, abs=1e-9)
    # The discrete recursion's fit stays per period: close to q / periods per year here,
    # where the period is short against the diffusion (1.47 and 1.49 per year).
    assert run.bass("q") == pytest.approx(1.5 / per_year, rel=0.03)
