"""Each lever's direction: a table lever → KPI → expected sign → measured Δ with its 95 % CI.

Every lever is run at two settings on the same seeds (common random numbers: both designs draw
from the same named streams) and the paired differences ``high − low`` get a Student-t
interval (:func:`sim.analysis.stats.paired_test`).

**Rule.** A lever passes when its 95 % CI excludes zero on the expected side (a one-sided test
at 2.5 %). The weaker rule "the mean Δ has the right sign" would pass half the time for a lever
that does nothing, so it could not catch a lever whose effect has gone; the CI rule can, at the
price of needing enough replications for the effect to stand out of the noise.

The levers are those of ``tests/test_levers.py`` (which reads :data:`LEVERS`) and
``tests/test_mdf_effect.py``, ``tests/test_conflict_rule_effects.py`` and ``tests/test_tiers.py``:
SPEC §2.5's program levers and the market's churn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.analysis.stats import paired_test
from sim.validation.measures import LABELS
from sim.validation.registry import Check, CheckResult, Context, Settings, verdict
from sim.validation.runs import RunSpec

OPEN_EXCLUSIVE_TYPES = (
    'program.exclusivity.var="open"',
    'program.exclusivity.si="open"',
    'program.exclusivity.msp="open"',
)


@dataclass(frozen=True)
class Lever:
    """A lever moved from ``low`` to ``high`` and the measure it must move.

    Attributes:
        name: Short identifier.
        change: The change, as a reader would write it.
        scenario: The scenario both designs extend.
        low: ``--set`` overrides of the first design.
        high: ``--set`` overrides of the second design.
        measure: Name in :data:`sim.validation.measures.MEASURES`.
        sign: +1 when the measure must rise from low to high, −1 when it must fall.
        why: The theory behind the expected sign.
    """

    name: str
    change: str
    scenario: str
    low: tuple[str, ...]
    high: tuple[str, ...]
    measure: str
    sign: int
    why: str

    def specs(self, settings: Settings, seed: int) -> tuple[RunSpec, RunSpec]:
        """The (low, high) runs of one replication."""
        return (
            RunSpec(self.scenario, (*settings.baseline, *self.low), seed),
            RunSpec(self.scenario, (*settings.baseline, *self.high), seed),
        )


LEVERS: tuple[Lever, ...] = (
    Lever(
        "var_count",
        "VARs 20 → 80",
        "baseline",
        ("partners.var.count=20",),
        ("partners.var.count=80",),
        "var_revenue_per_var",
        -1,
        "cannibalisation: more resellers share the same accounts",
    ),
    Lever(
        "exclusivity",
        "VAR/SI/MSP open → exclusive",
        "exclusive_territories",
        OPEN_EXCLUSIVE_TYPES,
        (),
        "same_type_conflicts",
        -1,
        "an exclusive holder meets no other partner of its type in its territory",
    ),
    Lever(
        "var_density_margin",
        "VARs 20 → 80",
        "baseline",
        ("partners.var.count=20",),
        ("partners.var.count=80",),
        "var_margin_rate",
        -1,
        "logit–Bertrand: more resellers per cell lower each one's share and so its markup",
    ),
    Lever(
        "direct_encroachment",
        "direct reps 0 → 60",
        "baseline",
        ("direct.reps=0",),
        ("direct.reps=60",),
        "var_mid_margin_rate",
        -1,
        "a direct team that wins part of a segment lowers resellers' margins there",
    ),
    Lever(
        "smb_churn",
        "SMB churn default → 12 %/month",
        "baseline",
        (),
        ("market.segments.smb.churn_monthly=0.12",),
        "customers_final",
        -1,
        "more churn leaves fewer paying accounts (most accounts are SMB; revenue is not: final "
        "MRR moves less, and a cohort's retention shifts towards the larger accounts)",
    ),
    Lever(
        "var_discount",
        "VAR discount 20 % → 40 %",
        "baseline",
        ("partners.var.discount=0.20",),
        ("partners.var.discount=0.40",),
        "mean_var_commitment",
        1,
        "a deeper discount raises the VAR's profit and so its commitment",
    ),
    Lever(
        "direct_reps",
        "direct reps 5 → 40",
        "baseline",
        ("direct.reps=5",),
        ("direct.reps=40",),
        "direct_revenue",
        1,
        "more direct capacity closes more direct deals",
    ),
    Lever(
        "mdf",
        "MDF accrual 0 → default",
        "baseline",
        ("program.mdf.accrual_rate=0",),
        (),
        "early_awareness",
        1,
        "MDF spent on marketing raises awareness in the partner's territory",
    ),
    Lever(
        "registered_wins",
        "conflict rule free_for_all → registered_wins (registration on)",
        "deal_registration",
        ('program.conflict.rule="free_for_all"',),
        (),
        "direct_conflict_rate",
        -1,
        "the registered partner is protected: the direct reps stand down where it bids",
    ),
    Lever(
        "channel_neutral",
        "conflict rule free_for_all → channel_neutral",
        "channel_conflict",
        (),
        ('program.conflict.rule="channel_neutral"',),
        "direct_conflict_rate",
        -1,
        "channel-neutral reps assist where a partner bids instead of competing",
    ),
    Lever(
        "tiers",
        "tier discounts 0 → tiered_program's (5/10/15 points)",
        "tiered_program",
        (
            "program.tiers.silver.extra_discount=0",
            "program.tiers.gold.extra_discount=0",
            "program.tiers.platinum.extra_discount=0",
        ),
        (),
        "discount_share",
        1,
        "partners that qualify for a tier buy at its extra discount",
    ),
)
"""The levers checked, in report order."""

LEVERS_BY_NAME = {lever.name: lever for lever in LEVERS}


def _plan(settings: Settings) -> list[RunSpec]:
    return [spec for lever in LEVERS for s in settings.seeds for spec in lever.specs(settings, s)]


def lever_result(lever: Lever, low: np.ndarray, high: np.ndarray) -> CheckResult:
    """One lever's row: the paired Δ, its 95 % CI and pass when the CI excludes zero correctly.

    Args:
        lever: The lever.
        low: The measure per replication at the low setting.
        high: The measure per replication at the high setting (same seeds, same order).

    Returns:
        The result row.
    """
    interval = paired_test(low, high).interval
    lo, hi, mean = interval.low, interval.high, interval.mean
    passed = lo is not None and hi is not None and (lo > 0 if lever.sign > 0 else hi < 0)
    sign = "+" if lever.sign > 0 else "−"
    ci = "n/a" if lo is None or hi is None else f"[{lo:.4g}, {hi:.4g}]"
    return CheckResult(
        check="lever_directions",
        item=lever.change,
        measured=f"Δ = {mean:.4g}" if mean is not None else "n/a",
        expected=sign,
        criterion="95 % CI excludes 0 on the expected side",
        status=verdict(passed),
        extra=(
            ("KPI", LABELS[lever.measure]),
            ("low → high (means)", f"{np.mean(low):.4g} → {np.mean(high):.4g}"),
            ("95 % CI of Δ", ci),
            ("n", str(interval.n)),
        ),
    )


def _evaluate(ctx: Context) -> list[CheckResult]:
    rows = []
    for lever in LEVERS:
        pairs = [lever.specs(ctx.settings, s) for s in ctx.settings.seeds]
        low = np.array([ctx.of(a).values[lever.measure] for a, _ in pairs])
        high = np.array([ctx.of(b).values[lever.measure] for _, b in pairs])
        rows.append(lever_result(lever, low, high))
    return rows


CHECK = Check(
    name="lever_directions",
    theory="each program or market lever moves its KPI in the direction theory predicts",
    evaluate=_evaluate,
    plan=_plan,
)
