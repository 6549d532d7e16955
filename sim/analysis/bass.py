"""Bass diffusion: the discrete recursion, the continuous model's NLS estimator, milestones.

The model is the discrete-time Bass recursion on cumulative adopters ``A(t)`` in a market of
potential ``m`` (expressed as a share of all accounts, so ``0 < m <= 1``)::

    A(t) = A(t-1) + (p + q * A(t-1) / m) * (m - A(t-1)),    A(0) = 0,

where ``p`` is the coefficient of innovation (external influence) and ``q`` the coefficient of
imitation (word of mouth). With ``F = A / m`` this is the textbook recursion
``F(t) = F(t-1) + (p + q F(t-1)) (1 - F(t-1))`` (:func:`fit_bass`).

The literature's estimator (Srinivasan & Mason 1986, *Marketing Science* 5(2)) is nonlinear least
squares of the adoptions per period on the continuous Bass model's increments::

    s(k) = m * (F(t_k) - F(t_{k-1})),   F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}),

with ``t_k = k / periods_per_year`` in years, so ``p`` and ``q`` come out per year whatever the
series' period is, and ``m`` in the series' units (counts or shares; :func:`fit_bass_nls`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares

__all__ = [
    "BassFit",
    "BassNlsFit",
    "bass_continuous_cdf",
    "bass_cumulative",
    "fit_bass",
    "fit_bass_nls",
    "months_to_share",
]

FloatArray = npt.NDArray[np.float64]

# Parameter bounds for the fit: p in [0, 1], q in [0, 5], m in (0, 1].
_LOWER = np.array([0.0, 0.0, 1e-6])
_UPPER = np.array([1.0, 5.0, 1.0])
_MIN_POINTS = 3


@dataclass(frozen=True)
class BassFit:
    """Result of fitting the discrete Bass model.

    Attributes:
        p: Coefficient of innovation (NaN if the fit was not attempted).
        q: Coefficient of imitation (NaN if the fit was not attempted).
        m: Market potential as a share of all accounts (NaN if not attempted).
        rmse: Root-mean-square error of the fitted curve against the data.
        converged: Whether the optimiser reported success with finite parameters.
    """

    p: float
    q: float
    m: float
    rmse: float
    converged: bool


def _simulate(p: float, q: float, m: float, periods: int) -> tuple[FloatArray, FloatArray]:
    """Run the clipped recursion and its forward-mode Jacobian.

    Args:
        p: Coefficient of innovation.
        q: Coefficient of imitation.
        m: Market potential (must be > 0).
        periods: Number of periods to simulate.

    Returns:
        ``(A, J)`` where ``A[t-1]`` is cumulative adoption at ``t = 1..periods`` and
        ``J[t-1]`` is ``dA(t) / d(p, q, m)``.
    """
    # Plain Python floats and lists, converted once at the end: writing numpy elements one by
    # one costs more than the arithmetic (the fit calls this a few hundred times).
    values: list[float] = []
    rows: list[tuple[float, float, float]] = []
    a = 0.0
    dp = dq = dm = 0.0  # dA/dp, dA/dq, dA/dm, carried forward
    for _ in range(periods):
        gap = m - a
        g = p + q * a / m
        nxt = a + g * gap
        if nxt >= m:
            # Clipped at the market potential: A(t) = m.
            a, dp, dq, dm = m, 0.0, 0.0, 1.0
        else:
            d_prev = 1.0 + (q / m) * gap - g
            dp = d_prev * dp + gap
            dq = d_prev * dq + (a / m) * gap
            dm = d_prev * dm + g - (q * a / (m * m)) * gap
            a = nxt
        values.append(a)
        rows.append((dp, dq, dm))
    return (
        np.array(values, dtype=np.float64),
        np.array(rows, dtype=np.float64).reshape(periods, 3),
    )


def bass_cumulative(p: float, q: float, periods: int, m: float = 1.0) -> FloatArray:
    """Cumulative adoption under the discrete Bass recursion.

    Computes ``A(t) = A(t-1) + (p + q*A(t-1)/m) * (m - A(t-1))`` with ``A(0) = 0`` for
    ``t = 1..periods``, clipping each step at ``m``. With ``p, q >= 0`` and ``p <= 1`` the
    result is nondecreasing and lies in ``[0, m]``.

    Args:
        p: Coefficient of innovation (external influence), typically in ``[0, 1]``.
        q: Coefficient of imitation (word of mouth), typically in ``[0, 5]``.
        periods: Number of periods to return; ``0`` gives an empty array.
        m: Market potential (the level adoption saturates at). If ``m <= 0`` the result is
            all zeros.

    Returns:
        Array of shape ``(periods,)`` with cumulative adoption for ``t = 1..periods``.

    Raises:
        ValueError: If ``periods`` is negative.
    """
    if periods < 0:
        raise ValueError(f"periods must be >= 0, got {periods}")
    if m <= 0.0:
        return np.zeros(periods, dtype=np.float64)
    values, _ = _simulate(float(p), float(q), float(m), int(periods))
    return values


def _nan_fit() -> BassFit:
    """Return the sentinel fit used when fitting is impossible.

    Returns:
        A :class:`BassFit` with NaN parameters and ``converged=False``.
    """
    nan = float("nan")
    return BassFit(p=nan, q=nan, m=nan, rmse=nan, converged=False)


def _start_values(y: FloatArray) -> list[FloatArray]:
    """Deterministic grid of starting points for the optimiser.

    Args:
        y: Observed cumulative adoption series.

    Returns:
        Starting vectors ``(p, q, m)`` inside the bounds.
    """
    top = float(np.max(y))
    m_starts = sorted({min(1.0, max(top, 1e-3)), min(1.0, max(1.5 * top, 1e-3)), 1.0})
    starts: list[FloatArray] = []
    for m0 in m_starts:
        # Innovation start from the first observation: A(1) = p * m.
        p_data = float(np.clip(y[0] / m0, 1e-4, 0.5))
        for p0 in sorted({p_data, 0.01, 0.05}):
            for q0 in (0.1, 0.4, 1.0):
                starts.append(np.array([p0, q0, m0], dtype=np.float64))
    return starts


def _best_least_squares(
    residuals: Callable[[FloatArray], FloatArray],
    jacobian: Callable[[FloatArray], FloatArray],
    starts: list[FloatArray],
    bounds: tuple[FloatArray, FloatArray] | None = None,
    tol: float = 1e-12,
    max_nfev: int = 2000,
) -> tuple[float, FloatArray, bool] | None:
    """The lowest-cost finite fit over the starting points: (cost, parameters, converged).

    Each start runs ``scipy.optimize.least_squares`` (trust region reflective, scaled by the
    Jacobian) within ``bounds`` (default: the discrete fit's bounds).

    Returns:
        None when every start fails or ends on a non-finite cost or parameters.
    """
    best: tuple[float, FloatArray, bool] | None = None
    for x0 in starts:
        try:
            with np.errstate(all="ignore"):
                res = least_squares(
                    residuals,
                    x0,
                    jac=jacobian,
                    bounds=(_LOWER, _UPPER) if bounds is None else bounds,
                    method="trf",
                    x_scale="jac",
                    xtol=tol,
                    ftol=tol,
                    gtol=tol,
                    max_nfev=max_nfev,
                )
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            continue
        cost = float(res.cost)
        if not (math.isfinite(cost) and np.all(np.isfinite(res.x))):
            continue
        if best is None or cost < best[0]:
            best = (cost, np.asarray(res.x, dtype=np.float64), bool(res.success))
    return best


def fit_bass(adoption: npt.ArrayLike) -> BassFit:
    """Fit the discrete Bass model to an observed cumulative adoption series.

    Bounded nonlinear least squares (``scipy.optimize.least_squares``, trust-region
    reflective, analytic Jacobian) with bounds ``p in [0, 1]``, ``q in [0, 5]``,
    ``m in (0, 1]``, started from a fixed grid of starting points; the fit with the lowest
    cost wins. The procedure is deterministic and never raises.

    Args:
        adoption: Cumulative adoption shares in ``[0, 1]`` observed at ``t = 1..T``.

    Returns:
        The best :class:`BassFit`. If the series has fewer than 3 points, is all zero,
        contains non-finite values, or every optimisation fails, all of ``p``, ``q``, ``m``
        and ``rmse`` are NaN and ``converged`` is ``False``.
    """
    try:
        y = np.asarray(adoption, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return _nan_fit()
    if y.size < _MIN_POINTS or not np.all(np.isfinite(y)) or not np.any(y != 0.0):
        return _nan_fit()
    periods = int(y.size)
    # The optimiser asks for the Jacobian at the point whose residuals it has just evaluated;
    # one simulation gives both, so keep the last one.
    last: list[tuple[bytes, FloatArray, FloatArray]] = []

    def simulate(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        key = np.asarray(theta, dtype=np.float64).tobytes()
        if not last or last[0][0] != key:
            values, jac = _simulate(float(theta[0]), float(theta[1]), float(theta[2]), periods)
            last[:] = [(key, values, jac)]
        return last[0][1], last[0][2]

    def residuals(theta: FloatArray) -> FloatArray:
        return simulate(theta)[0] - y

    def jacobian(theta: FloatArray) -> FloatArray:
        return simulate(theta)[1].copy()

    best = _best_least_squares(residuals, jacobian, _start_values(y))
    if best is None:
        return _nan_fit()
    cost, x, success = best
    rmse = math.sqrt(2.0 * cost / periods)
    return BassFit(p=float(x[0]), q=float(x[1]), m=float(x[2]), rmse=rmse, converged=success)


def months_to_share(
    adoption: npt.ArrayLike, share: float, period_months: float = 1.0
) -> float | None:
    """Time until cumulative adoption first reaches a given share.

    Args:
        adoption: Cumulative adoption observed at periods ``t = 1..T``.
        share: Threshold share of accounts (e.g. ``0.5``).
        period_months: Length of one period in months.

    Returns:
        ``t * period_months`` for the first period ``t`` (1-based) with
        ``adoption[t-1] >= share``, or ``None`` if the threshold is never reached.
    """
    y = np.asarray(adoption, dtype=np.float64).ravel()
    hits = np.flatnonzero(y >= share)
    if hits.size == 0:
        return None
    return float(hits[0] + 1) * float(period_months)


# -- the continuous Bass model and its NLS estimator (Srinivasan & Mason 1986) ------------------

# Bounds per period of the series: p in (0, 1], q in [0, 5]. m is bounded below by a tiny share
# of the observed total and above by ``m_max`` (or a large multiple of the observed total).
_NLS_P_BOUNDS = (1e-9, 1.0)
_NLS_Q_BOUNDS = (0.0, 5.0)
_NLS_M_FACTOR = 1e3


@dataclass(frozen=True)
class BassNlsFit:
    """Result of the NLS fit of the continuous Bass model.

    Attributes:
        p: Coefficient of innovation per year (NaN if the fit was not attempted).
        q: Coefficient of imitation per year (NaN if the fit was not attempted).
        m: Market potential in the series' units (NaN if not attempted).
        r2: 1 − SSE / SST of the adoptions per period (NaN without variance).
        converged: Whether the optimiser reported success with finite parameters.
        periods_per_year: Periods of the series in one year (the time unit of ``p``, ``q``).
    """

    p: float
    q: float
    m: float
    r2: float
    converged: bool
    periods_per_year: float = 1.0

    def cumulative(self, periods: int) -> FloatArray:
        """Fitted cumulative adoption ``m · F(t_k)`` at the ends of periods ``k = 1..periods``."""
        t = np.arange(1, periods + 1, dtype=np.float64) / self.periods_per_year
        return self.m * bass_continuous_cdf(self.p, self.q, t)


def bass_continuous_cdf(p: float, q: float, t: npt.ArrayLike) -> FloatArray:
    """The continuous Bass model's cumulative adoption share ``F(t)``.

    ``F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t})``, written as
    ``p (1 − E) / (p + q E)`` with ``E = e^{−(p+q)t}`` so that ``p = 0`` gives 0.

    Args:
        p: Coefficient of innovation per unit of ``t`` (≥ 0).
        q: Coefficient of imitation per unit of ``t`` (≥ 0).
        t: Times (≥ 0).

    Returns:
        ``F(t)`` in ``[0, 1)``, the shape of ``t``.
    """
    tt = np.asarray(t, dtype=np.float64)
    if p <= 0.0:
        return np.zeros_like(tt)
    e = np.exp(-(p + q) * tt)
    return np.asarray(p * (1.0 - e) / (p + q * e), dtype=np.float64)


def _cdf_and_gradient(
    p: float, q: float, t: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``F(t)`` with ``dF/dp`` and ``dF/dq`` (``F = N / D``, ``N = p(1 − E)``, ``D = p + qE``)."""
    e = np.exp(-(p + q) * t)
    num = p * (1.0 - e)
    den = p + q * e
    te = t * e
    dnum_dp = (1.0 - e) + p * te
    dnum_dq = p * te
    dden_dp = 1.0 - q * te
    dden_dq = e - q * te
    den2 = den * den
    return (
        num / den,
        (dnum_dp * den - num * dden_dp) / den2,
        (dnum_dq * den - num * dden_dq) / den2,
    )


def _increments(values: FloatArray) -> FloatArray:
    """Per-period increments of a cumulative series that starts at 0 before period 1."""
    return np.diff(values, prepend=0.0)


def _ols_start(y: FloatArray) -> FloatArray | None:
    """Bass's (1969) OLS estimate as a starting point, per period; None when it is not usable.

    Regresses ``s_t = a + b Y_{t-1} + c Y_{t-1}^2`` (``Y`` cumulative) and solves
    ``a = pm``, ``b = q − p``, ``c = −q/m`` for the positive root ``m``.
    """
    cum_before = np.cumsum(y) - y
    design = np.column_stack([np.ones_like(y), cum_before, cum_before**2])
    try:
        (a, b, c), *_ = np.linalg.lstsq(design, y, rcond=None)
    except np.linalg.LinAlgError:
        return None
    disc = b * b - 4.0 * a * c
    if not (c < 0.0 and a > 0.0 and disc >= 0.0):
        return None
    m = (-b - math.sqrt(disc)) / (2.0 * c)
    if not (math.isfinite(m) and m > 0.0):
        return None
    return np.array([a / m, -c * m, m], dtype=np.float64)


def _nls_starts(y: FloatArray, m_low: float, m_high: float) -> list[FloatArray]:
    """Starting points (per period, ``m`` scaled to the observed total): Bass OLS and a grid."""
    lower = np.array([_NLS_P_BOUNDS[0], _NLS_Q_BOUNDS[0], m_low])
    upper = np.array([_NLS_P_BOUNDS[1], _NLS_Q_BOUNDS[1], m_high])
    inside = 1e-6 * (upper - lower)
    starts: list[FloatArray] = []
    ols = _ols_start(y)
    if ols is not None and np.all(np.isfinite(ols)):
        starts.append(ols)
    for m0 in (1.2, 3.0):
        for p0 in (0.003, 0.03):
            for q0 in (0.1, 0.5):
                starts.append(np.array([p0, q0, m0]))
    return [np.clip(x, lower + inside, upper - inside) for x in starts]


def _nls_problem(
    y: FloatArray,
) -> tuple[Callable[[FloatArray], FloatArray], Callable[[FloatArray], FloatArray]]:
    """Residuals ``m (F(k) − F(k−1)) − y_k`` (``k`` in periods) and their Jacobian."""
    t = np.arange(0, y.size + 1, dtype=np.float64)

    def residuals(theta: FloatArray) -> FloatArray:
        f = bass_continuous_cdf(float(theta[0]), float(theta[1]), t)
        return np.asarray(theta[2] * np.diff(f) - y, dtype=np.float64)

    def jacobian(theta: FloatArray) -> FloatArray:
        p, q, m = float(theta[0]), float(theta[1]), float(theta[2])
        f, df_dp, df_dq = _cdf_and_gradient(p, q, t)
        return np.column_stack([m * np.diff(df_dp), m * np.diff(df_dq), np.diff(f)])

    return residuals, jacobian


def _nan_nls_fit(periods_per_year: float) -> BassNlsFit:
    """The sentinel NLS fit used when fitting is impossible."""
    nan = float("nan")
    return BassNlsFit(nan, nan, nan, nan, False, periods_per_year)


def fit_bass_nls(
    adoptions: npt.ArrayLike,
    periods_per_year: float = 1.0,
    m_max: float | None = None,
    cumulative: bool = False,
) -> BassNlsFit:
    """Fit the continuous Bass model by nonlinear least squares (Srinivasan & Mason 1986).

    Minimises ``Σ_k (s_k − m (F(k) − F(k−1)))²`` over the adoptions per period ``s_k`` with
    ``scipy.optimize.least_squares`` (trust-region reflective, analytic Jacobian, bounds
    ``p ∈ (0, 1]``, ``q ∈ [0, 5]`` per period and ``0 < m ≤ m_max``), started from Bass's
    (1969) OLS estimate and a small grid; the lowest cost wins. The series is scaled by its
    total so counts and shares fit alike. ``p`` and ``q`` are then converted to per year:
    rates scale with the time unit, ``p_year = p_period · periods_per_year``. Deterministic;
    never raises.

    Args:
        adoptions: Adoptions per period (counts or shares), or cumulative adoption when
            ``cumulative`` is true, observed at periods ``1..T``.
        periods_per_year: Periods of the series in one year (1 annual, 12 monthly, 52 weekly).
        m_max: Upper bound on ``m`` in the series' units (e.g. 1 for shares of a population);
            None bounds it only by a large multiple of the observed total.
        cumulative: Whether ``adoptions`` is cumulative (it is differenced, starting from 0).

    Returns:
        The best :class:`BassNlsFit`; NaN parameters and ``converged=False`` when the series
        has fewer than 3 points, is not finite, has no positive total, or every start fails.
    """
    try:
        y = np.asarray(adoptions, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return _nan_nls_fit(periods_per_year)
    if cumulative:
        y = _increments(y)
    total = float(y.sum()) if y.size else 0.0
    if y.size < _MIN_POINTS or not np.all(np.isfinite(y)) or not total > 0.0:
        return _nan_nls_fit(periods_per_year)
    scaled = y / total
    m_high = _NLS_M_FACTOR if m_max is None else max(m_max / total, 2e-6)
    m_low = min(1e-6, m_high / 2.0)
    residuals, jacobian = _nls_problem(scaled)
    lower = np.array([_NLS_P_BOUNDS[0], _NLS_Q_BOUNDS[0], m_low])
    upper = np.array([_NLS_P_BOUNDS[1], _NLS_Q_BOUNDS[1], m_high])
    best = _best_nls(residuals, jacobian, _nls_starts(scaled, m_low, m_high), (lower, upper))
    if best is None:
        return _nan_nls_fit(periods_per_year)
    cost, x, success = best
    sst = float(np.sum((scaled - scaled.mean()) ** 2))
    r2 = 1.0 - 2.0 * cost / sst if sst > 0.0 else float("nan")
    return BassNlsFit(
        p=float(x[0]) * periods_per_year,
        q=float(x[1]) * periods_per_year,
        m=float(x[2]) * total,
        r2=r2,
        converged=success,
        periods_per_year=periods_per_year,
    )


def _best_nls(
    residuals: Callable[[FloatArray], FloatArray],
    jacobian: Callable[[FloatArray], FloatArray],
    starts: list[FloatArray],
    bounds: tuple[FloatArray, FloatArray],
) -> tuple[float, FloatArray, bool] | None:
    """The lowest-cost finite NLS fit over the starting points: (cost, parameters, converged)."""
    return _best_least_squares(residuals, jacobian, starts, bounds, tol=1e-14, max_nfev=500)
