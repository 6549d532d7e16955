"""Accounting identities on whole runs (:mod:`sim.validation.identities`).

Waterfall sums, revenue by channel, costs and contribution, cash, payments between vendor and
partners, and conservation of accounts across states, on one replication of each scenario
below; an identity passes when its largest relative residual is at most
:data:`~sim.validation.identities.TOLERANCE`.
"""

from __future__ import annotations

from sim.validation.identities import TOLERANCE
from sim.validation.registry import Check, CheckResult, Context, Settings, verdict
from sim.validation.runs import RunSpec

SCENARIOS = ("baseline", "two_tier_distribution", "msp_led")
"""One direct-heavy, one two-tier, one managed-service scenario."""


def _plan(settings: Settings) -> list[RunSpec]:
    return [RunSpec(name, settings.baseline, 1) for name in SCENARIOS]


def _evaluate(ctx: Context) -> list[CheckResult]:
    runs = [ctx.of(spec) for spec in _plan(ctx.settings)]
    rows = []
    for identity in runs[0].residuals:
        worst = max(run.residuals[identity] for run in runs)
        rows.append(
            CheckResult(
                "accounting_identities",
                identity,
                f"largest relative residual {worst:.1e}",
                "0",
                f"≤ {TOLERANCE:g} in {', '.join(SCENARIOS)} (seed 1)",
                verdict(worst <= TOLERANCE),
            )
        )
    return rows


CHECK = Check(
    name="accounting_identities",
    theory="money and accounts are conserved: the identities of docs/model.md §7.22",
    evaluate=_evaluate,
    plan=_plan,
)
