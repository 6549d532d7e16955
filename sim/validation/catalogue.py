"""Every theory check, in report order, and :func:`run_checks`, which runs them all."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sim.validation import accounting, diffusion, estimator, levers, pricing_check, stylised
from sim.validation.registry import Check, CheckResult, Context, Settings
from sim.validation.runs import execute

CHECKS: tuple[Check, ...] = (
    diffusion.CHECK,
    estimator.CHECK,
    pricing_check.CHECK,
    levers.CHECK,
    stylised.CHECK,
    accounting.CHECK,
)
"""The registry: every check ``channelsim check-model`` runs."""


def planned_runs(settings: Settings, checks: Sequence[Check] = CHECKS) -> int:
    """How many distinct simulation runs the checks need."""
    return len({spec for check in checks for spec in check.plan(settings)})


def run_checks(
    settings: Settings,
    workers: int = 1,
    advance: Callable[[int, int], None] | None = None,
    checks: Sequence[Check] = CHECKS,
) -> list[CheckResult]:
    """Run every check's simulations (each distinct run once), then evaluate the checks.

    Args:
        settings: How many replications and how large a market.
        workers: Worker processes for the runs (1: in this process).
        advance: Progress callback, called with (1, 0) after each run.
        checks: The checks (default: all of :data:`CHECKS`).

    Returns:
        Every check's result rows, in check order.
    """
    specs = [spec for check in checks for spec in check.plan(settings)]
    ctx = Context(settings, execute(specs, workers, advance))
    return [row for check in checks for row in check.evaluate(ctx)]
