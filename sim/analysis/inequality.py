"""Inequality measures for revenue or deal concentration across partners or accounts."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["gini", "top_share"]


def _as_nonnegative(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert input to a flat float array and validate it.

    Args:
        values: Array-like of nonnegative numbers.

    Returns:
        Flat float64 array.

    Raises:
        ValueError: If any value is negative or not finite.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite")
    if np.any(x < 0.0):
        raise ValueError("values must be nonnegative")
    return x


def gini(values: npt.ArrayLike) -> float:
    """Gini coefficient of nonnegative values.

    Uses the standard formula on ascending-sorted values ``x_1 <= ... <= x_n``::

        G = 2 * sum(i * x_i) / (n * sum(x)) - (n + 1) / n

    which is 0 for equal values and ``(n - 1) / n`` when one holder has everything.

    Args:
        values: Nonnegative values (e.g. revenue per partner).

    Returns:
        The Gini coefficient in ``[0, (n-1)/n]``; 0 for empty or all-zero input.

    Raises:
        ValueError: If any value is negative or not finite.
    """
    x = np.sort(_as_nonnegative(values))
    n = x.size
    total = float(x.sum())
    if n == 0 or total <= 0.0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    g = 2.0 * float(np.dot(ranks, x)) / (n * total) - (n + 1) / n
    return float(min(max(g, 0.0), (n - 1) / n))


def top_share(values: npt.ArrayLike, fraction: float = 0.2) -> float:
    """Share of the total held by the largest values.

    Args:
        values: Nonnegative values (e.g. revenue per partner).
        fraction: Fraction of holders counted as the top, in ``[0, 1]``; the top
            ``ceil(fraction * n)`` values are used (with a tiny tolerance so that e.g.
            ``0.2 * 15`` counts as 3, not 4).

    Returns:
        Share of the total held by the top values, in ``[0, 1]``; 0 if the total is 0.

    Raises:
        ValueError: If ``fraction`` is outside ``[0, 1]`` or any value is negative or not
            finite.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    x = _as_nonnegative(values)
    total = float(x.sum())
    if x.size == 0 or total <= 0.0:
        return 0.0
    k = min(x.size, math.ceil(fraction * x.size - 1e-9))
    if k <= 0:
        return 0.0
    top = np.sort(x)[::-1][:k]
    return float(min(float(top.sum()) / total, 1.0))
