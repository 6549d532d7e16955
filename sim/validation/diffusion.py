"""The Bass limit: ``pure_diffusion``'s adoption follows the discrete Bass recursion (SPEC §2.2).

With marketing, the rival, churn and sales cycles off and one direct channel of unlimited
capacity, an aware account buys at once, so the share that ever bought follows
``F(t) = F(t−1) + (p + q F(t−1)) (1 − F(t−1))`` (:func:`sim.analysis.bass.bass_cumulative`).
The mean of R replications must lie within ``4 · se + 0.002`` of it in every month (se: the
replications' standard error, floored at the binomial one), and the discrete fit of the mean
curve must recover p and q within 15 % and m = 1 within 0.02. ``tests/test_bass_limit.py``
asserts the same through :func:`recursion_gap`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.analysis.bass import bass_cumulative, fit_bass
from sim.validation.registry import Check, CheckResult, Context, Settings, verdict
from sim.validation.runs import RunSpec

FloatArray = npt.NDArray[np.float64]

SCENARIO = "pure_diffusion"
FIT_REL_TOL = 0.15
"""Relative tolerance of the fitted p and q (the mean of R runs is still noisy)."""
FIT_M_TOL = 0.02


@dataclass(frozen=True)
class RecursionGap:
    """The mean adoption of R runs against the Bass recursion, month by month.

    Attributes:
        mean: Mean adoption per period.
        expected: The recursion's F(t).
        gap: ``|mean − expected|``.
        tolerance: ``4 · se + 0.002`` per period.
    """

    mean: FloatArray
    expected: FloatArray
    gap: FloatArray
    tolerance: FloatArray

    @property
    def worst(self) -> int:
        """The period index (0-based) where the gap is largest against its tolerance."""
        return int(np.argmax(self.gap - self.tolerance))

    @property
    def ok(self) -> bool:
        """Whether every period's gap is within its tolerance."""
        return bool(np.all(self.gap <= self.tolerance))


def recursion_gap(curves: FloatArray, p: float, q: float, customers: int) -> RecursionGap:
    """Compare adoption curves (replications × periods) with the discrete Bass recursion.

    Args:
        curves: Adoption share per replication and period.
        p: Bass p per period.
        q: Bass q per period.
        customers: Accounts per run (for the binomial floor of the standard error).

    Returns:
        The gap and tolerance per period.
    """
    runs, periods = curves.shape
    expected = bass_cumulative(p, q, periods)
    mean = curves.mean(axis=0)
    se = curves.std(axis=0, ddof=1) / np.sqrt(runs)
    # Binomial floor on the standard error, so that a lucky small spread is not over-trusted.
    se = np.maximum(se, np.sqrt(expected * (1 - expected) / (customers * runs)))
    return RecursionGap(mean, expected, np.abs(mean - expected), 4.0 * se + 0.002)


def diffusion_specs(settings: Settings) -> list[RunSpec]:
    """The ``pure_diffusion`` replications of a validation run."""
    overrides = (
        f"market.customers={settings.diffusion_customers}",
        f"time.periods={settings.diffusion_periods}",
    )
    return [RunSpec(SCENARIO, overrides, s) for s in range(1, settings.diffusion_seeds + 1)]


def _inputs() -> tuple[float, float]:
    from sim.scenario import load_scenario  # lazy: the schema is heavy to import

    awareness = load_scenario(SCENARIO).scenario.market.awareness
    return float(awareness.innovation), float(awareness.imitation)


def _evaluate(ctx: Context) -> list[CheckResult]:
    specs = diffusion_specs(ctx.settings)
    curves = np.array([ctx.of(s).adoption for s in specs])
    p, q = _inputs()
    gap = recursion_gap(curves, p, q, ctx.of(specs[0]).customers)
    w = gap.worst
    fit = fit_bass(gap.mean)
    fit_ok = (
        fit.converged
        and abs(fit.p / p - 1) <= FIT_REL_TOL
        and abs(fit.q / q - 1) <= FIT_REL_TOL
        and abs(fit.m - 1.0) <= FIT_M_TOL
    )
    runs = f"{len(specs)} runs × {ctx.settings.diffusion_customers} accounts"
    return [
        CheckResult(
            "bass_recursion",
            f"mean adoption vs F(t), {runs}",
            f"worst month {w + 1}: {gap.mean[w]:.4f} vs {gap.expected[w]:.4f}",
            "gap 0",
            f"gap ≤ 4·se + 0.002 every month (there {gap.tolerance[w]:.4f})",
            verdict(gap.ok),
        ),
        CheckResult(
            "bass_recursion",
            "discrete fit of the mean curve",
            f"p = {fit.p:.4f}, q = {fit.q:.4f}, m = {fit.m:.4f}",
            f"p = {p:.4f}, q = {q:.4f}, m = 1",
            f"p, q within {FIT_REL_TOL:.0%}; m within {FIT_M_TOL}",
            verdict(fit_ok),
        ),
    ]


CHECK = Check(
    name="bass_recursion",
    theory="pure_diffusion's adoption follows the discrete Bass recursion (SPEC §2.2)",
    evaluate=_evaluate,
    plan=diffusion_specs,
)
