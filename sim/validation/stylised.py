"""The stylised facts of channel economics on ``baseline`` (SPEC §3).

Over R replications: partners carry 40–80 % of revenue; the top 20 % of the partners that close
deals earn 70–90 % of those partners' revenue; in ``two_tier_distribution`` the distributors'
gross margin is 5–7 % and is the margin realised on its deals. The means over the replications
must fall in the ranges (``tests/test_stylised_facts.py`` asserts the same through
:data:`FACTS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.validation.measures import LABELS
from sim.validation.registry import Check, CheckResult, Context, Settings, verdict
from sim.validation.runs import RunSpec

REALISED_REL_TOL = 1e-12


@dataclass(frozen=True)
class Fact:
    """A measure whose mean over replications must lie in ``[low, high]``."""

    scenario: str
    measure: str
    low: float
    high: float


FACTS: tuple[Fact, ...] = (
    Fact("baseline", "partner_share", 0.40, 0.80),
    Fact("baseline", "partner_revenue_top20_share", 0.70, 0.90),
    Fact("two_tier_distribution", "distributor_gross_margin", 0.05, 0.07),
)
"""SPEC §3's stylised facts."""

FACTS_BY_MEASURE = {fact.measure: fact for fact in FACTS}


def fact_specs(settings: Settings, scenario: str) -> list[RunSpec]:
    """The replications of one scenario for the stylised facts."""
    return [RunSpec(scenario, settings.baseline, s) for s in settings.seeds]


def _plan(settings: Settings) -> list[RunSpec]:
    scenarios = dict.fromkeys(fact.scenario for fact in FACTS)
    return [spec for name in scenarios for spec in fact_specs(settings, name)]


def _fact_row(ctx: Context, fact: Fact) -> CheckResult:
    specs = fact_specs(ctx.settings, fact.scenario)
    values = np.array([ctx.of(s).values[fact.measure] for s in specs])
    mean = float(np.mean(values))
    return CheckResult(
        "stylised_facts",
        f"{LABELS[fact.measure]} ({fact.scenario})",
        f"{mean:.3f} (runs {values.min():.3f}–{values.max():.3f})",
        f"{fact.low:.2f}–{fact.high:.2f}",
        f"mean of {len(values)} runs in range",
        verdict(bool(fact.low <= mean <= fact.high)),
    )


def _realised_row(ctx: Context) -> CheckResult:
    specs = fact_specs(ctx.settings, "two_tier_distribution")
    kpi = np.array([ctx.of(s).values["distributor_gross_margin"] for s in specs])
    deals = np.array([ctx.of(s).values["realised_distributor_margin"] for s in specs])
    gap = float(np.max(np.abs(kpi / deals - 1.0)))
    return CheckResult(
        "stylised_facts",
        "distributor gross margin KPI = margin realised on deals",
        f"largest relative gap {gap:.1e}",
        "0",
        f"≤ {REALISED_REL_TOL:g}",
        verdict(gap <= REALISED_REL_TOL),
    )


def _evaluate(ctx: Context) -> list[CheckResult]:
    return [_fact_row(ctx, fact) for fact in FACTS] + [_realised_row(ctx)]


CHECK = Check(
    name="stylised_facts",
    theory="baseline shows SPEC §3's stylised facts of channel economics",
    evaluate=_evaluate,
    plan=_plan,
)
