"""Statistics for comparing designs: t-intervals, paired tests, Holm adjustment, verdicts.

Which direction of a KPI is better comes from the KPI registry
(:func:`sim.analysis.kpi_registry.better_direction`, re-exported here).

Used by ``channelsim compare`` (:mod:`sim.compare`). Every function returns plain Python floats
(or None where a figure is undefined, e.g. an interval from a single value), never NaN.

Conventions:

* Intervals are two-sided Student-t intervals at the given level (95 % by default):
  ``mean ± t(1 − α/2, n − 1) · sd / √n`` with the sample standard deviation (``ddof=1``).
* Paired differences are ``design − reference`` replication by replication (common seeds).
* The paired test is :func:`scipy.stats.ttest_rel`, except when the differences have zero
  variance, where the t statistic is undefined: then p = 1 if every difference is 0 (the designs
  gave identical results) and p = 0 otherwise (a constant non-zero shift, as certain as a
  difference can be).
* Multiple comparisons are adjusted with Holm's step-down method (Holm 1979), which controls the
  family-wise error rate without assumptions on the dependence between tests.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sim.analysis.kpi_registry import HIGHER, LOWER, better_direction

__all__ = [
    "HIGHER",
    "LOWER",
    "Interval",
    "PairedTest",
    "better_direction",
    "holm",
    "paired_test",
    "t_interval",
    "verdict",
]


@dataclass(frozen=True)
class Interval:
    """A sample mean with its confidence interval.

    Attributes:
        n: Number of values.
        mean: Their mean (None without values).
        low: Lower bound of the interval (None with fewer than 2 values).
        high: Upper bound of the interval (None with fewer than 2 values).
    """

    n: int
    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class PairedTest:
    """The paired difference ``b − a`` of two samples: its mean, interval and p-value.

    Attributes:
        interval: Mean of the differences and its t-interval.
        p_value: Two-sided p-value of the paired t-test (None with fewer than 2 pairs).
    """

    interval: Interval
    p_value: float | None


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def t_interval(values: ArrayLike, level: float = 0.95) -> Interval:
    """The mean of a sample and its two-sided Student-t confidence interval.

    Args:
        values: The sample (finite numbers).
        level: Confidence level in (0, 1).

    Returns:
        The interval; bounds are None with fewer than 2 values. With zero variance the
        interval is the mean itself.

    Raises:
        ValueError: ``level`` is not in (0, 1).

    Example:
        >>> t_interval([1.0, 2.0, 3.0]).high  # 2 + t(0.975, 2) · 1 / √3
        4.484...
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1); got {level}")
    x = np.asarray(values, dtype=np.float64).ravel()
    n = int(x.size)
    if n == 0:
        return Interval(0, None, None, None)
    mean = float(x.mean())
    if n < 2:
        return Interval(n, _finite(mean), None, None)
    from scipy import stats

    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * sd / math.sqrt(n)
    return Interval(n, _finite(mean), _finite(mean - half), _finite(mean + half))


def paired_test(a: ArrayLike, b: ArrayLike, level: float = 0.95) -> PairedTest:
    """Paired comparison of ``b`` against ``a`` (same replications, same order).

    The differences ``b − a`` get a t-interval (:func:`t_interval`) and a two-sided paired
    t-test (:func:`scipy.stats.ttest_rel`). When the differences have zero variance the test is
    undefined; the p-value is then 1 if every difference is 0 and 0 otherwise.

    Args:
        a: The reference sample (e.g. the first design).
        b: The other sample, paired with ``a`` element by element.
        level: Confidence level of the interval.

    Returns:
        The mean difference, its interval and the p-value (None with fewer than 2 pairs).

    Raises:
        ValueError: ``a`` and ``b`` have different lengths.
    """
    xa = np.asarray(a, dtype=np.float64).ravel()
    xb = np.asarray(b, dtype=np.float64).ravel()
    if xa.shape != xb.shape:
        raise ValueError(f"paired samples differ in length: {xa.size} and {xb.size}")
    diff = xb - xa
    interval = t_interval(diff, level)
    if diff.size < 2:
        return PairedTest(interval, None)
    if np.all(diff == diff[0]):
        return PairedTest(interval, 1.0 if diff[0] == 0.0 else 0.0)
    from scipy import stats

    with warnings.catch_warnings():
        # Near-constant differences may warn about precision; the p-value is still right.
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.ttest_rel(xb, xa).pvalue)
    return PairedTest(interval, _finite(p))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni step-down adjustment of p-values.

    Sort the m p-values ascending, p₍₁₎ ≤ … ≤ p₍ₘ₎; the adjusted value of p₍ᵢ₎ is
    ``max_{j ≤ i} min(1, (m − j + 1) · p₍ⱼ₎)``, returned in the input order. Rejecting where the
    adjusted value is below α controls the family-wise error rate at α. Ties keep their input
    order (a stable sort), which does not change the result.

    Args:
        p_values: The raw p-values, each in [0, 1].

    Returns:
        The adjusted p-values, in the order given.

    Raises:
        ValueError: A p-value is not a number in [0, 1].

    Example:
        >>> holm([0.01, 0.04, 0.03])
        [0.03, 0.06, 0.06]
    """
    ps = [float(p) for p in p_values]
    for p in ps:
        if not 0.0 <= p <= 1.0:  # also rejects NaN
            raise ValueError(f"p-values must be in [0, 1]; got {p}")
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adjusted[i] = running
    return adjusted


def verdict(diff_mean: float | None, significant: bool | None, better: str) -> str:
    """The verdict on a design against the reference for one KPI.

    Args:
        diff_mean: Mean paired difference (design − reference); None when undefined.
        significant: Whether the Holm-adjusted p-value is below the threshold.
        better: The KPI's better direction (``"higher"``, ``"lower"`` or ``""``).

    Returns:
        ``""`` when the difference is undefined; ``"no difference"`` when not significant;
        else ``"better"`` or ``"worse"``, or for a KPI without a better direction ``"higher"``
        or ``"lower"``.
    """
    if diff_mean is None or significant is None:
        return ""
    if not significant or diff_mean == 0.0:
        return "no difference"
    up = diff_mean > 0.0
    if better == HIGHER:
        return "better" if up else "worse"
    if better == LOWER:
        return "worse" if up else "better"
    return HIGHER if up else LOWER
