"""Discrete Bass diffusion model: simulation, fitting and milestones.

The model is the discrete-time Bass recursion on cumulative adopters ``A(t)`` in a market of
potential ``m`` (expressed as a share of all accounts, so ``0 < m <= 1``)::

    A(t) = A(t-1) + (p + q * A(t-1) / m) * (m - A(t-1)),    A(0) = 0,

where ``p`` is the coefficient of innovation (external influence) and ``q`` the coefficient of
imitation (word of mouth). With ``F = A / m`` this is the textbook recursion
``F(t) = F(t-1) + (p + q F(t-1)) (1 - F(t-1))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares

__all__ = ["BassFit", "bass_cumulative", "fit_bass", "months_to_share"]

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
) -> tuple[float, FloatArray, bool] | None:
    """The lowest-cost finite fit over the starting points: (cost, parameters, converged).

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
                    bounds=(_LOWER, _UPPER),
                    method="trf",
                    x_scale="jac",
                    xtol=1e-12,
                    ftol=1e-12,
                    gtol=1e-12,
                    max_nfev=2000,
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
