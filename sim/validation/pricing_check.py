"""The logit–Bertrand equilibrium check (issue 11 item 4).

For n = 1 … 8 symmetric resellers that always bid, against an outside option, the damped
best-response iteration of :mod:`sim.economics.best_response` must reach the closed-form
symmetric equilibrium: the root of ``m = 1 / (b (1 − s(m)))`` with
``s(m) = e^{a − b m} / (n e^{a − b m} + e^{u0})``, found by root finding.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from sim.economics.best_response import PricingGame, solve_margins
from sim.validation.registry import Check, CheckResult, Context, verdict

WHAT = "resellers' margins vs the symmetric logit–Bertrand equilibrium, 1–8 resellers"
CASES: tuple[tuple[float, float, float], ...] = ((2.0, 0.2, 0.0), (-1.0, 0.5, 0.5))
"""(a, b, u0): scaled utility at zero margin, price coefficient per unit, outside option."""
TOLERANCE = 1e-7


def closed_form_margin(n: int, a: float, b: float, outside: float) -> float:
    """The symmetric equilibrium margin of ``n`` resellers (root of the first-order condition).

    Args:
        n: Resellers, each bidding for sure.
        a: Their scaled utility at zero margin.
        b: The price coefficient per currency unit.
        outside: The outside option's scaled utility.
    """

    def foc(m: float) -> float:
        e = math.exp(a - b * m)
        return m - 1.0 / (b * (1.0 - e / (n * e + math.exp(outside))))

    return float(brentq(foc, 0.0, 100.0 / b, xtol=1e-14))


def symmetric_game(n: int, a: float, b: float, outside: float, upper: float = 1e9) -> PricingGame:
    """One account and ``n`` identical resellers that always bid, margins bounded by ``upper``.

    Args:
        n: Resellers.
        a: Their scaled utility at zero margin.
        b: The price coefficient per currency unit.
        outside: The outside option's scaled utility.
        upper: The largest margin (the default never binds).
    """
    return PricingGame(
        account=np.zeros(n, dtype=np.int64),
        group=np.arange(n, dtype=np.int64),
        v0=np.full(n, a),
        b=np.full(n, b),
        presence=np.ones(n),
        weight=np.ones(n),
        outside=np.array([math.exp(outside)]),
        attached=np.zeros(n),
        services_per_price=np.zeros(n),
        upper=np.full(n, upper),
    )


def logit_bertrand(ctx: Context) -> list[CheckResult]:
    """Largest relative gap between the iteration and the closed form, per case."""
    del ctx
    rows = []
    for a, b, outside in CASES:
        gaps = []
        for n in range(1, 9):
            eq = solve_margins(
                symmetric_game(n, a, b, outside), np.zeros(n), tolerance=1e-10, max_rounds=2000
            )
            expected = closed_form_margin(n, a, b, outside)
            gap = float(np.abs(eq.margins - expected).max()) / expected
            gaps.append(gap if eq.converged else math.inf)
        worst = max(gaps)
        rows.append(
            CheckResult(
                "logit_bertrand",
                f"a = {a:g}, b = {b:g}, u0 = {outside:g}; n = 1 … 8",
                f"max rel. gap {worst:.1e}",
                "0",
                f"≤ {TOLERANCE:g}",
                verdict(worst <= TOLERANCE),
            )
        )
    return rows


CHECK = Check("logit_bertrand", "best-response margins match logit–Bertrand", logit_bertrand)
