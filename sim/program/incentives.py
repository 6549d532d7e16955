"""Incentives and program fees: the growth rebate over a trailing baseline, the annual fee.

A **growth rebate** pays, at each settlement (every ``rebate_settlement_months``), ``rate`` of a
partner's purchases in the settlement window above its baseline: the purchases of the twelve
months before the window, scaled to the window's length, times ``1 + threshold``. Only partners
with a full baseline (a year of history before the window) qualify. A **program fee** is an
annual amount per tier, charged pro rata each period to active reselling partners.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def growth_rebate(
    window: FloatArray, baseline_year: FloatArray, rate: float, threshold: float, share: float
) -> FloatArray:
    """The rebate on each partner's purchases above its growth baseline.

    ``rate × max(0, window − share × baseline_year × (1 + threshold))``.

    Args:
        window: Purchases in the settlement window.
        baseline_year: Purchases in the twelve months before the window.
        rate: Rebate share of the purchases above the baseline.
        threshold: Growth over the baseline before the rebate starts.
        share: The window's length as a share of a year.

    Returns:
        The rebate per partner.
    """
    above = window - share * baseline_year * (1.0 + threshold)
    return np.asarray(rate * np.maximum(above, 0.0))


class PurchaseWindows:
    """Each seller's purchases per period over the last year plus one settlement window.

    Args:
        window_periods: Periods per settlement window.
        year_periods: Periods per year (the baseline).
    """

    def __init__(self, window_periods: int, year_periods: int) -> None:
        self.window = window_periods
        self.year = year_periods
        self.length = window_periods + year_periods
        self.ring = np.zeros((0, self.length))
        self.seen = np.zeros(0, dtype=np.int64)
        self.pos = 0

    def record(self, purchases: FloatArray) -> None:
        """Add one period of purchases (one per seller; new sellers get rows)."""
        n = len(purchases)
        if n > len(self.seen):
            ring = np.zeros((n, self.length))
            ring[: len(self.ring)] = self.ring
            self.ring = ring
            self.seen = np.concatenate([self.seen, np.zeros(n - len(self.seen), dtype=np.int64)])
        self.ring[:, self.pos] = 0.0
        self.ring[:n, self.pos] = purchases
        self.seen[:n] += 1
        self.pos = (self.pos + 1) % self.length

    def window_and_baseline(self) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Per seller: the last window's purchases, the year before it, and a full history."""
        recent_first = (self.pos - 1 - np.arange(self.length)) % self.length
        ordered = self.ring[:, recent_first]
        window = ordered[:, : self.window].sum(axis=1)
        baseline = ordered[:, self.window :].sum(axis=1)
        return window, baseline, self.seen >= self.length


def settle_growth_rebates(
    windows: PurchaseWindows,
    period: int,
    eligible: BoolArray,
    rate: float,
    threshold: float,
) -> FloatArray:
    """The rebates due this period (zero outside settlement periods), per recorded seller.

    Args:
        windows: The purchases recorded up to and including this period.
        period: The current period (a settlement when a multiple of the window).
        eligible: Per seller, whether it may earn a rebate (active reselling partners).
        rate: ``program.incentives.growth_rebate``.
        threshold: ``program.incentives.growth_threshold``.

    Returns:
        The rebate per seller.
    """
    n = len(windows.seen)
    if rate <= 0.0 or period % windows.window != 0:
        return np.zeros(n)
    window, baseline, full = windows.window_and_baseline()
    rebate = growth_rebate(window, baseline, rate, threshold, windows.window / windows.year)
    return np.where(full & eligible[:n], rebate, 0.0)


def program_fees(
    tiers: NDArray[np.str_], fees: dict[str, float], payers: BoolArray, period_months: float
) -> FloatArray:
    """Each seller's share of its tier's annual program fee this period.

    Args:
        tiers: Each seller's tier name.
        fees: ``program.fees``: tier name → annual fee.
        payers: Per seller, whether it pays (active reselling partners).
        period_months: Months per period.

    Returns:
        The fee per seller this period (annual fee × months / 12).
    """
    names = np.asarray(tiers, dtype=str)
    annual = np.zeros(len(names))
    for tier, fee in fees.items():
        annual[names == tier] = fee
    return np.asarray(np.where(payers, annual * period_months / 12.0, 0.0))
