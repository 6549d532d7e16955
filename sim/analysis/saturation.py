"""Saturation curves: a KPI against one numeric lever, a fitted saturating curve, marginal value.

A *saturation sweep* has exactly one lever, whose values are numbers (a value list or a
range), and no uncertainties, e.g. ``scenarios/sweeps/var_saturation.toml``. For each KPI of the
sweep's ``kpis`` (a table KPI such as ``channel_mix`` gives one KPI per channel,
``channel_mix.var`` …) :func:`write_saturation_curves` (called by
:func:`sim.sweep.reports.write_saturation_files`) writes three files into the sweep directory,
named ``saturation_<kpi>_vs_<lever>`` with every ``.`` of the KPI and of the lever's dotted key
replaced by ``_`` (``saturation_revenue_total_vs_partners_var_count``):

* ``.csv``: one row per lever value, ascending: ``lever_value``; ``mean``, ``sd`` (ddof 1),
  ``n`` and the 95 % Student-t interval ``ci_low``/``ci_high`` of the KPI over the runs at that
  value (replications; empty with one run); ``fitted``, the fitted curve at the value;
  ``marginal_fitted``, the fitted curve's slope dy/dx there (the value of one more unit of the
  lever); ``marginal_empirical``, the backward finite difference of the means,
  ``(mean_i − mean_{i−1}) / (x_i − x_{i−1})`` (empty in the first row); then, the same on every
  row, ``r2``, ``aic_curve``, ``aic_line`` and ``status`` (see below). Fitted columns are
  empty when no curve could be fitted.
* ``.json`` (the sidecar holding the fit): ``kpi``, ``lever``, ``formula``, ``model``
  (``"hill"``, ``"michaelis_menten"`` or ``"none"``), ``ok``, ``parameters`` (``y0``, ``vmax``,
  ``k``, ``h``) and their standard errors ``stderr``, ``r2``, ``n_obs`` and a ``message``
  saying why there is no fit when there is none; ``status``, ``reason``, ``criterion``,
  ``aic_curve``, ``aic_line``, ``swept_range`` and ``marginal_at_max`` (the fitted slope at the
  largest swept value, labelled by ``marginal_at_max_label``). Non-finite numbers are ``null``.
* ``.png``: the means with their intervals (and each run as a faint dot), the fitted curve,
  and the marginal value (fitted slope, and the empirical differences at the midpoints between
  consecutive values) on a second y axis.

The curve is the Hill function ``y = y0 + vmax · x^h / (k^h + x^h)``; with ``h = 1`` it is
Michaelis–Menten. Both are fitted by least squares on every run (not on the means) with
:func:`scipy.optimize.curve_fit` (trust-region reflective, bounded, on data rescaled to unit
size, from several starting values of ``k``): the Hill curve when there are at least five
distinct lever values, Michaelis–Menten when there are at least three; of the curves that fit,
the one with the lower AIC is kept. ``vmax`` may be negative (a KPI that falls and levels off).
A fit that fails is reported in the sidecar (``ok`` false, ``message``) and never raises.

Honesty (:func:`judge`): the chosen curve is compared with the least-squares straight line on
the same observations by the corrected Akaike criterion AICc (Hurvich & Tsai 1989; Burnham &
Anderson 2002). ``status`` is ``"saturating"`` only when the curve's R² ≥ :data:`R2_MIN`, its
AICc is at least :data:`DELTA_AICC` below the line's, and its half-saturation point ``k`` lies
inside the swept range; otherwise it is ``"no saturation within the swept range"`` with the
reasons in ``reason`` (``"no fit"`` when no curve was fitted). The marginal value is never
extrapolated: :meth:`SaturationFit.marginal` is NaN outside [min, max] of the swept values.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from sim.analysis.stats import t_interval

if TYPE_CHECKING:
    from sim.sweep.spec import LoadedSweep

FloatArray = NDArray[np.float64]

FORMULA = "y = y0 + vmax * x^h / (k^h + x^h)"
"""The fitted curve (Hill; Michaelis–Menten when h = 1)."""

HILL_MIN_VALUES = 5
"""Distinct lever values needed to fit the Hill curve (four parameters)."""

MM_MIN_VALUES = 3
"""Distinct lever values needed to fit the Michaelis–Menten curve (three parameters)."""

LEVEL = 0.95
"""Confidence level of the intervals of the means."""

R2_MIN = 0.5
"""Below this R² of the curve the data show no saturation (assumption: half the variance)."""

DELTA_AICC = 2.0
"""The curve must beat the straight line by this much AICc (Burnham & Anderson 2002, §2.6)."""

SATURATING = "saturating"
"""Status of a curve that fits, beats the line and half-saturates inside the swept range."""

NO_SATURATION = "no saturation within the swept range"
"""Status when the line is as good, R² is low, or the half-saturation point lies outside."""

NO_FIT = "no fit"
"""Status when no curve could be fitted at all."""

MARGINAL_AT_MAX = "slope of the fitted curve at the largest swept value (not extrapolated)"
"""Label of the sidecar's ``marginal_at_max``."""

# Bounds in the rescaled problem (x / max|x|, (y − min y) / range y).
_Y0_BOUND = 10.0
_VMAX_BOUND = 1e3
_K_BOUNDS = (1e-4, 1e2)
_H_BOUNDS = (0.2, 8.0)
_K_STARTS = (0.05, 0.2, 0.5, 1.0, 3.0)

PARAMETERS: tuple[str, ...] = ("y0", "vmax", "k", "h")
"""The parameter names of :data:`FORMULA`."""


def hill(x: ArrayLike, y0: float, vmax: float, k: float, h: float) -> FloatArray:
    """The Hill curve ``y0 + vmax · x^h / (k^h + x^h)``.

    Args:
        x: Lever values (≥ 0).
        y0: The value at x = 0.
        vmax: The rise from x = 0 to x → ∞ (negative for a falling curve).
        k: The half-saturation point: the curve has risen by vmax / 2 at x = k.
        h: The Hill coefficient (1: Michaelis–Menten; > 1: S-shaped).

    Returns:
        The curve at ``x``.
    """
    xa = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        xh = np.power(xa, h)
        return np.asarray(y0 + vmax * xh / (k**h + xh), dtype=np.float64)


def hill_slope(x: ArrayLike, vmax: float, k: float, h: float) -> FloatArray:
    """The slope dy/dx of the Hill curve: ``vmax · h · k^h · x^(h−1) / (k^h + x^h)²``.

    Args:
        x: Lever values (≥ 0).
        vmax: See :func:`hill`.
        k: See :func:`hill`.
        h: See :func:`hill`.

    Returns:
        The slope at ``x``; NaN where it is infinite (x = 0 with h < 1).
    """
    xa = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        kh = k**h
        out = vmax * h * kh * np.power(xa, h - 1.0) / (kh + np.power(xa, h)) ** 2
    out = np.asarray(out, dtype=np.float64)
    return np.where(np.isfinite(out), out, np.nan)


@dataclass(frozen=True)
class SaturationFit:
    """A fitted saturating curve (or why there is none).

    Attributes:
        model: ``"hill"``, ``"michaelis_menten"`` or ``"none"``.
        params: ``y0``, ``vmax``, ``k``, ``h`` (NaN without a fit).
        stderr: Their standard errors (NaN when not estimable; ``h`` of Michaelis–Menten is 0).
        r2: Coefficient of determination on the observations (NaN without a fit).
        n_obs: Observations fitted.
        message: Why there is no fit (or notes on the fit); empty when all went well.
        aic_curve: AICc of the chosen curve (NaN without a fit).
        aic_line: AICc of the least-squares straight line on the same observations.
        status: :data:`SATURATING`, :data:`NO_SATURATION` or :data:`NO_FIT`.
        reason: Why the status is not :data:`SATURATING` (empty when it is).
        x_min: The smallest swept lever value (NaN without observations).
        x_max: The largest swept lever value; :meth:`marginal` is NaN outside [x_min, x_max].
    """

    model: str
    params: dict[str, float]
    stderr: dict[str, float] = field(default_factory=dict)
    r2: float = math.nan
    n_obs: int = 0
    message: str = ""
    aic_curve: float = math.nan
    aic_line: float = math.nan
    status: str = NO_FIT
    reason: str = ""
    x_min: float = math.nan
    x_max: float = math.nan

    @property
    def ok(self) -> bool:
        """Whether a curve was fitted."""
        return self.model != "none"

    def predict(self, x: ArrayLike) -> FloatArray:
        """The fitted curve at ``x`` (NaN without a fit)."""
        xa = np.asarray(x, dtype=np.float64)
        if not self.ok:
            return np.full(xa.shape, np.nan)
        return hill(xa, *(self.params[p] for p in PARAMETERS))

    @property
    def saturating(self) -> bool:
        """Whether the data show saturation within the swept range (status :data:`SATURATING`)."""
        return self.status == SATURATING

    def marginal(self, x: ArrayLike) -> FloatArray:
        """The fitted curve's slope dy/dx at ``x``; NaN without a fit and outside [x_min, x_max].

        The marginal value is never extrapolated: beyond the swept range it is NaN.
        """
        xa = np.asarray(x, dtype=np.float64)
        if not self.ok:
            return np.full(xa.shape, np.nan)
        slope = hill_slope(xa, self.params["vmax"], self.params["k"], self.params["h"])
        inside = (xa >= self.x_min) & (xa <= self.x_max)
        return np.asarray(np.where(inside, slope, np.nan), dtype=np.float64)

    def marginal_at_max(self) -> float:
        """The fitted slope at the largest swept value, ``x_max`` (:data:`MARGINAL_AT_MAX`)."""
        return float(self.marginal(np.array([self.x_max]))[0])


def _no_fit(message: str, n_obs: int) -> SaturationFit:
    nan = dict.fromkeys(PARAMETERS, math.nan)
    return SaturationFit("none", nan, dict(nan), math.nan, n_obs, message)


def aicc(sse: float, n: int, n_params: int) -> float:
    """Corrected Akaike criterion of a Gaussian least-squares fit (Hurvich & Tsai 1989).

    ``AICc = n ln(SSE/n) + 2p + 2p(p+1)/(n−p−1)`` with ``p`` the fitted parameters plus one
    for the error variance; ``inf`` when ``n ≤ p + 1`` (too few observations to compare).

    Args:
        sse: Sum of squared residuals.
        n: Observations.
        n_params: Parameters of the mean function.

    Returns:
        The AICc (lower is better).
    """
    p = n_params + 1
    if n <= p + 1:
        return math.inf
    return n * math.log(max(sse, 1e-300) / n) + 2 * p + 2 * p * (p + 1) / (n - p - 1)


def line_sse(x: FloatArray, y: FloatArray) -> float:
    """Sum of squared residuals of the least-squares straight line ``y = a + b x``."""
    slope, intercept = np.polyfit(x, y, 1)
    return float(np.sum((y - (intercept + slope * x)) ** 2))


def judge(fit: SaturationFit, x: FloatArray, y: FloatArray) -> SaturationFit:
    """Compare the fitted curve with a straight line and set ``status``, ``reason`` and AICc.

    Saturating when R² ≥ :data:`R2_MIN`, the curve's AICc is at least :data:`DELTA_AICC` below
    the line's, and the half-saturation point ``k`` lies inside [min x, max x]; else
    :data:`NO_SATURATION` with the reason(s).

    Args:
        fit: A fit of :func:`fit_saturation` (its ``aic_curve`` set when it has a curve).
        x: The lever values fitted.
        y: The KPI values fitted.

    Returns:
        The fit with ``aic_line``, ``status``, ``reason``, ``x_min`` and ``x_max``.
    """
    x_min = float(np.min(x)) if x.size else math.nan
    x_max = float(np.max(x)) if x.size else math.nan
    aic_line = aicc(line_sse(x, y), int(x.size), 2) if np.unique(x).size >= 2 else math.nan
    reasons: list[str] = []
    if fit.ok:
        if not fit.r2 >= R2_MIN:
            reasons.append(f"R² {fit.r2:.2f} < {R2_MIN}")
        if not (math.isfinite(fit.aic_curve) and fit.aic_curve <= aic_line - DELTA_AICC):
            reasons.append(
                f"the straight line is as good (AICc curve {fit.aic_curve:.1f}, "
                f"line {aic_line:.1f}; needs {DELTA_AICC:g} lower)"
            )
        if not x_min <= fit.params["k"] <= x_max:
            reasons.append(
                f"half-saturation point k = {fit.params['k']:.4g} outside [{x_min:g}, {x_max:g}]"
            )
    status = NO_FIT if not fit.ok else (NO_SATURATION if reasons else SATURATING)
    return replace(
        fit, aic_line=aic_line, status=status, reason="; ".join(reasons), x_min=x_min, x_max=x_max
    )


def _fit_scaled(
    u: FloatArray, v: FloatArray, hill_free: bool
) -> tuple[FloatArray, FloatArray, float] | str:
    """Least squares on rescaled data; returns (params, stderr, sse) or a failure message."""
    # lazy: scipy.optimize is heavy, only for the fit (measured)
    from scipy.optimize import OptimizeWarning, curve_fit

    def mm(x: FloatArray, y0: float, vmax: float, k: float) -> FloatArray:
        return hill(x, y0, vmax, k, 1.0)

    fn: Callable[..., FloatArray] = hill if hill_free else mm
    low = [-_Y0_BOUND, -_VMAX_BOUND, _K_BOUNDS[0]]
    high = [_Y0_BOUND, _VMAX_BOUND, _K_BOUNDS[1]]
    if hill_free:
        low.append(_H_BOUNDS[0])
        high.append(_H_BOUNDS[1])
    order = np.argsort(u, kind="stable")
    u_lo, u_hi = float(u[order[0]]), float(u[order[-1]])
    v_lo = float(np.mean(v[u == u_lo]))
    v_hi = float(np.mean(v[u == u_hi]))
    best: tuple[FloatArray, FloatArray, float] | None = None
    errors: list[str] = []
    for k0 in _K_STARTS:
        y0 = v_lo - (v_hi - v_lo) * u_lo / max(u_hi - u_lo, 1e-12)
        vmax = (v_hi - y0) * (k0 + u_hi) / max(u_hi, 1e-12)
        p0 = [float(np.clip(y0, -_Y0_BOUND, _Y0_BOUND)), float(np.clip(vmax, -999, 999)), k0]
        if hill_free:
            p0.append(1.0)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", OptimizeWarning)
                popt, pcov = curve_fit(
                    fn, u, v, p0=p0, bounds=(low, high), method="trf", maxfev=20_000
                )
        except (RuntimeError, ValueError) as exc:
            errors.append(str(exc))
            continue
        popt = np.asarray(popt, dtype=np.float64)
        resid = v - fn(u, *popt)
        sse = float(np.sum(resid**2))
        if not (np.all(np.isfinite(popt)) and math.isfinite(sse)):
            errors.append("non-finite parameters")
            continue
        with np.errstate(all="ignore"):
            se = np.sqrt(np.diag(np.asarray(pcov, dtype=np.float64)))
        se = np.where(np.isfinite(se), se, np.nan)
        if best is None or sse < best[2]:
            best = (popt, se, sse)
    if best is None:
        return "; ".join(dict.fromkeys(errors)) or "no starting value converged"
    return best


def _unfit_reason(xa: FloatArray, ya: FloatArray, distinct: int) -> str | None:
    """Why the finite observations ``xa``, ``ya`` cannot be fitted at all; None if they can."""
    if xa.size == 0:
        return "no values"
    if np.any(xa < 0):
        return "negative lever values; the curve needs x >= 0"
    if float(np.max(np.abs(xa))) == 0.0 or distinct < MM_MIN_VALUES:
        return f"{distinct} distinct lever values; at least {MM_MIN_VALUES} needed"
    if float(np.ptp(ya)) == 0.0:
        return "the KPI is constant; nothing to fit"
    return None


def fit_saturation(x: ArrayLike, y: ArrayLike, model: str = "auto") -> SaturationFit:
    """Fit the saturating curve :data:`FORMULA` to observations; never raises.

    Args:
        x: Lever values, one per observation (≥ 0).
        y: KPI values, one per observation.
        model: ``"auto"`` (Hill with ≥ 5 distinct x, Michaelis–Menten with ≥ 3; the lower AIC
            wins), ``"hill"`` or ``"michaelis_menten"``.

    Returns:
        The fit; ``model == "none"`` with a ``message`` when there is none. Its ``status``
        (:func:`judge`) says whether the data show saturation within the swept range.
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    return judge(_fit_curve(xa, ya, model), xa, ya)


def _fit_curve(xa: FloatArray, ya: FloatArray, model: str) -> SaturationFit:
    """:func:`fit_saturation` on finite observations, before :func:`judge`."""
    n = int(xa.size)
    distinct = int(np.unique(xa).size)
    reason = _unfit_reason(xa, ya, distinct)
    if reason is not None:
        return _no_fit(reason, n)
    x_scale = float(np.max(np.abs(xa)))
    y_min, y_range = float(np.min(ya)), float(np.ptp(ya))
    u, v = xa / x_scale, (ya - y_min) / y_range
    candidates: list[tuple[str, bool]] = []
    if model in ("auto", "hill") and distinct >= HILL_MIN_VALUES:
        candidates.append(("hill", True))
    if model in ("auto", "michaelis_menten"):
        candidates.append(("michaelis_menten", False))
    if not candidates:
        return _no_fit(f"{distinct} distinct lever values; Hill needs {HILL_MIN_VALUES}", n)
    fits: list[tuple[float, SaturationFit]] = []
    notes: list[str] = []
    for name, free in candidates:
        result = _fit_scaled(u, v, free)
        if isinstance(result, str):
            notes.append(f"{name} fit failed: {result}")
            continue
        popt, se, sse = result
        h, h_se = (float(popt[3]), float(se[3])) if free else (1.0, 0.0)
        params = {
            "y0": y_min + y_range * float(popt[0]),
            "vmax": y_range * float(popt[1]),
            "k": x_scale * float(popt[2]),
            "h": h,
        }
        stderr = {
            "y0": y_range * float(se[0]),
            "vmax": y_range * float(se[1]),
            "k": x_scale * float(se[2]),
            "h": h_se,
        }
        sst = float(np.sum((v - v.mean()) ** 2))
        r2 = 1.0 - sse / sst if sst > 0 else math.nan
        aic = aicc(sse * y_range**2, n, len(popt))
        fits.append((aic, SaturationFit(name, params, stderr, r2, n, "", aic_curve=aic)))
    if not fits:
        return _no_fit("; ".join(notes), n)
    chosen = min(fits, key=lambda item: item[0])[1]
    return replace(chosen, message="; ".join(notes)) if notes else chosen


def aggregate(x: ArrayLike, y: ArrayLike, level: float = LEVEL) -> pd.DataFrame:
    """The KPI's mean, sd, n and t-interval per lever value.

    Args:
        x: Lever values, one per observation.
        y: KPI values, one per observation (non-finite ones are left out).
        level: Confidence level.

    Returns:
        Columns ``lever_value``, ``mean``, ``sd``, ``n``, ``ci_low``, ``ci_high``, one row per
        lever value, ascending; ``sd`` and the interval are NaN with one observation.
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    rows: list[dict[str, float]] = []
    for value in np.unique(xa):
        sample = ya[xa == value]
        interval = t_interval(sample, level)
        rows.append(
            {
                "lever_value": float(value),
                "mean": float(sample.mean()),
                "sd": float(sample.std(ddof=1)) if sample.size > 1 else math.nan,
                "n": int(sample.size),
                "ci_low": math.nan if interval.low is None else interval.low,
                "ci_high": math.nan if interval.high is None else interval.high,
            }
        )
    columns = ["lever_value", "mean", "sd", "n", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=columns)


def saturation_table(x: ArrayLike, y: ArrayLike) -> tuple[pd.DataFrame, SaturationFit]:
    """The saturation CSV's table and the fit (see the module docstring for the columns).

    Args:
        x: Lever values, one per run.
        y: KPI values, one per run.

    Returns:
        The table and the fit.
    """
    table = aggregate(x, y)
    fit = fit_saturation(x, y)
    xs = table["lever_value"].to_numpy(dtype=np.float64)
    means = table["mean"].to_numpy(dtype=np.float64)
    table["fitted"] = fit.predict(xs)
    table["marginal_fitted"] = fit.marginal(xs)
    empirical = np.full(xs.shape, np.nan)
    if xs.size > 1:
        empirical[1:] = np.diff(means) / np.diff(xs)
    table["marginal_empirical"] = empirical
    table["r2"] = fit.r2
    table["aic_curve"] = fit.aic_curve
    table["aic_line"] = fit.aic_line
    table["status"] = fit.status
    return table, fit


# ---------------------------------------------------------------------------------------------
# sweeps
# ---------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def saturation_lever(loaded: LoadedSweep | Any) -> str | None:
    """The lever key of a saturation sweep, or None when the sweep is not one.

    Args:
        loaded: A loaded sweep.

    Returns:
        The dotted key of the sweep's only lever when it has exactly one lever, no
        uncertainties, and numeric values (a list of numbers or a range); else None.
    """
    spec = getattr(loaded, "spec", None)
    levers = getattr(spec, "levers", None)
    if not isinstance(levers, list) or len(levers) != 1 or getattr(spec, "uncertainties", []):
        return None
    lever = levers[0]
    if lever.values is not None:
        return str(lever.key) if all(_is_number(v) for v in lever.values) else None
    return str(lever.key) if lever.has_range else None


def kpi_columns(kpis: Sequence[str], columns: Sequence[str]) -> list[str]:
    """The KPI columns a sweep's ``kpis`` name in a frame of run KPIs.

    Args:
        kpis: The sweep's ``kpis``; a table KPI (``channel_mix``) names its flattened columns
            (``channel_mix.direct`` …).
        columns: The frame's columns.

    Returns:
        The KPI columns, in the order of ``kpis`` (a table KPI's columns sorted); a KPI with
        no column at all (no run has a value) is kept by name.
    """
    present = set(columns)
    out: list[str] = []
    for kpi in kpis:
        prefixed = sorted(c for c in present if c.startswith(f"{kpi}."))
        found = [kpi] if kpi in present else prefixed
        for name in found or [kpi]:
            if name not in out:
                out.append(name)
    return out


def file_stem(kpi: str, lever: str) -> str:
    """``saturation_<kpi>_vs_<lever>`` with dots replaced by underscores."""
    return f"saturation_{kpi.replace('.', '_')}_vs_{lever.replace('.', '_')}"


def _json_number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _sidecar(kpi: str, lever: str, fit: SaturationFit) -> dict[str, Any]:
    return {
        "kpi": kpi,
        "lever": lever,
        "formula": FORMULA,
        "model": fit.model,
        "ok": fit.ok,
        "parameters": {p: _json_number(fit.params[p]) for p in PARAMETERS},
        "stderr": {p: _json_number(fit.stderr.get(p, math.nan)) for p in PARAMETERS},
        "r2": _json_number(fit.r2),
        "n_obs": fit.n_obs,
        "message": fit.message,
        "status": fit.status,
        "reason": fit.reason,
        "criterion": f"AICc, curve at least {DELTA_AICC:g} below the straight line",
        "aic_curve": _json_number(fit.aic_curve),
        "aic_line": _json_number(fit.aic_line),
        "swept_range": [_json_number(fit.x_min), _json_number(fit.x_max)],
        "marginal_at_max": _json_number(fit.marginal_at_max()),
        "marginal_at_max_label": MARGINAL_AT_MAX,
    }


def plot_saturation(
    path: Path,
    table: pd.DataFrame,
    fit: SaturationFit,
    x: FloatArray,
    y: FloatArray,
    kpi: str,
    lever: str,
) -> Path:
    """Draw a saturation curve (see the module docstring) as a deterministic PNG.

    Args:
        path: The PNG's path.
        table: :func:`saturation_table`'s table.
        fit: The fit.
        x: Lever value of each run.
        y: KPI value of each run.
        kpi: The KPI's name (y label: its registry display name and unit).
        lever: The lever's key (x label).

    Returns:
        ``path``.
    """
    # lazy: pyplot only when a chart is drawn (measured)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.plots import kpi_label, plain_axis, save_figure

    xs = table["lever_value"].to_numpy(dtype=np.float64)
    means = table["mean"].to_numpy(dtype=np.float64)
    low = np.nan_to_num(means - table["ci_low"].to_numpy(dtype=np.float64), nan=0.0)
    high = np.nan_to_num(table["ci_high"].to_numpy(dtype=np.float64) - means, nan=0.0)
    fig, ax = plt.subplots(figsize=(8.0, 4.5))
    ax.scatter(x, y, s=8, color="tab:blue", alpha=0.25, label="runs")
    ax.errorbar(
        xs, means, yerr=[low, high], fmt="o", color="tab:blue", capsize=3, label="mean, 95 % CI"
    )
    twin = ax.twinx()
    if fit.ok and xs.size:
        grid = np.linspace(float(xs.min()), float(xs.max()), 200)
        label = f"{fit.model.replace('_', '–')} fit (R² {fit.r2:.2f})"
        ax.plot(grid, fit.predict(grid), color="tab:blue", label=label)
        twin.plot(grid, fit.marginal(grid), color="tab:orange", linestyle="--", label="dy/dx fit")
        ax.set_title(fit.status if fit.saturating else f"{fit.status}: {fit.reason}", fontsize=8)
    else:
        ax.set_title(f"no curve fitted: {fit.message}", fontsize=8)
    if xs.size > 1:
        mids = (xs[1:] + xs[:-1]) / 2.0
        empirical = table["marginal_empirical"].to_numpy(dtype=np.float64)[1:]
        twin.plot(mids, empirical, "s", color="tab:orange", markersize=4, label="Δmean/Δx")
    for axes in (ax, twin):
        plain_axis(axes)
    name = kpi_label(kpi, unit=False)
    ax.set_xlabel(lever)
    ax.set_ylabel(kpi_label(kpi))
    twin.set_ylabel(f"Marginal value: d {name} / d {lever}")
    handles, labels = ax.get_legend_handles_labels()
    handles2, labels2 = twin.get_legend_handles_labels()
    ax.legend(handles + handles2, labels + labels2, fontsize=8, loc="best")
    fig.tight_layout()
    return save_figure(fig, path)


def write_saturation_curves(
    out_dir: str | Path,
    lever: str,
    frame: pd.DataFrame,
    design: Sequence[Mapping[str, Any]],
    sweep_kpis: Sequence[str],
) -> list[Path]:
    """Write the saturation files of a saturation sweep's finished runs into ``out_dir``.

    A run shared by several design points counts once per point.

    Args:
        out_dir: Where to write (the sweep directory).
        lever: The sweep's lever (:func:`saturation_lever`).
        frame: One row per finished run (``run_id`` and KPI columns), as
            ``load_sweep_frame(..., wide=True)`` gives.
        design: The manifest's design: one mapping per run with ``run_id`` and ``overrides``.
        sweep_kpis: The sweep's ``kpis``.

    Returns:
        The files written, per KPI: the CSV, the JSON sidecar and the PNG; [] without runs.
    """
    if frame.empty:
        return []
    root = Path(out_dir)
    runs = pd.DataFrame(
        {
            "run_id": [str(d["run_id"]) for d in design],
            "x": [d.get("overrides", {}).get(lever) for d in design],
        }
    )
    runs["x"] = pd.to_numeric(runs["x"], errors="coerce")
    reserved = {"run_id", "point", "replication", "seed"}
    kpis = kpi_columns(list(sweep_kpis), [c for c in frame.columns if c not in reserved])
    by_run = frame.drop_duplicates("run_id").set_index("run_id")
    written: list[Path] = []
    for kpi in kpis:
        if kpi in by_run.columns:
            values = by_run[kpi].astype("float64")
            y_all = np.asarray(runs["run_id"].map(values), dtype=np.float64)
        else:
            y_all = np.full(len(runs), math.nan, dtype=np.float64)
        x_all = np.asarray(runs["x"], dtype=np.float64)
        keep = np.isfinite(x_all) & np.isfinite(y_all)
        x, y = x_all[keep], y_all[keep]
        table, fit = saturation_table(x, y)
        stem = file_stem(kpi, lever)
        csv_path = root / f"{stem}.csv"
        table.to_csv(csv_path, index=False)
        json_path = root / f"{stem}.json"
        json_path.write_text(
            json.dumps(_sidecar(kpi, lever, fit), indent=2, allow_nan=False) + "\n",
            encoding="utf-8",
        )
        png_path = plot_saturation(root / f"{stem}.png", table, fit, x, y, kpi, lever)
        written += [csv_path, json_path, png_path]
    return written


__all__ = [
    "FORMULA",
    "PARAMETERS",
    "SaturationFit",
    "aggregate",
    "file_stem",
    "fit_saturation",
    "hill",
    "hill_slope",
    "kpi_columns",
    "plot_saturation",
    "saturation_lever",
    "saturation_table",
    "write_saturation_curves",
]
