"""The Bass NLS estimator's time unit and first-period convention (Srinivasan & Mason 1986).

Series are written out here from the closed form, independently of ``sim.analysis.bass``, and
refitted with :func:`~sim.analysis.bass.fit_bass_nls`. No published series is checked: none with
its published estimates could be read and verified (see the note on issue 11).
"""

from __future__ import annotations

import math

import pytest

from sim.analysis.bass import BassNlsFit, fit_bass_nls

P, Q, M = 0.03, 0.38, 25_000.0


def _srinivasan_mason_series(
    p: float, q: float, m: float, periods: int, per_year: float
) -> tuple[float, ...]:
    """``m (F(k/n) − F((k−1)/n))`` for ``k = 1..periods``, with ``F(0) = 0``.

    The Srinivasan–Mason form: the first observed period is ``t = 1`` and its adoptions are
    ``m F(1)`` (Bass's Basement Research Institute, "Mathematical Derivation of the Bass Model",
    bassbasement.org/BassModel/BassMath.aspx: ``Bass_SM_f(1) = Bass_cF(1)``,
    ``Bass_SM_f(t) = Bass_cF(t) − Bass_cF(t − 1)``). Written out here, independently of
    ``sim.analysis.bass``.
    """

    def cdf(t: float) -> float:
        e = math.exp(-(p + q) * t)
        return (1.0 - e) / (1.0 + (q / p) * e)

    return tuple(m * (cdf(k / per_year) - cdf((k - 1) / per_year)) for k in range(1, periods + 1))


def _refit(series: tuple[float, ...], per_year: float) -> BassNlsFit:
    return fit_bass_nls(series, periods_per_year=per_year)


@pytest.mark.parametrize(("per_year", "periods"), [(1.0, 20), (12.0, 180), (52.0, 520)])
def test_refit_recovers_a_constructed_entry_in_its_time_unit(per_year: float, periods: int) -> None:
    """p and q come back per year and m in counts (not capped at 1), whatever the time unit."""
    fit = _refit(_srinivasan_mason_series(P, Q, M, periods, per_year), per_year)
    assert fit.converged
    assert fit.periods_per_year == per_year
    assert fit.p == pytest.approx(P, rel=1e-6)
    assert fit.q == pytest.approx(Q, rel=1e-6)
    assert fit.m == pytest.approx(M, rel=1e-6)


def test_refit_depends_on_where_the_first_period_falls() -> None:
    """Where ``t = 1`` falls matters: a published series must keep its source's first period.

    The same curve observed from its second year on is again an exact Bass curve, but with a
    larger p (about 0.044 instead of 0.03 per year): a published series whose first years were
    dropped or added would not reproduce its published p however good the fitter.
    """
    series = _srinivasan_mason_series(P, Q, M, 21, 1.0)
    assert _refit(series, 1.0).p == pytest.approx(P, rel=1e-6)
    shifted = _refit(series[1:], 1.0)
    assert shifted.r2 == pytest.approx(1.0, abs=1e-9)
    assert shifted.p > 1.3 * P
