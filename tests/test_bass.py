"""Tests for sim.analysis.bass."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.bass import BassFit, _simulate, bass_cumulative, fit_bass, months_to_share


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
