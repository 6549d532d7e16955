"""The check registry: what a check is, what it returns, and the settings of a validation run.

A :class:`Check` names a piece of theory the model must reproduce and holds two functions:
``plan`` lists the simulation runs it needs (:class:`~sim.validation.runs.RunSpec`), so that
every check's runs can be executed together (in a pool of workers) and shared between checks,
and ``evaluate`` turns the runs' measures into :class:`CheckResult` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.validation.runs import Measures, RunSpec

PASS = "pass"
FAIL = "fail"
NOT_AVAILABLE = "not available"


@dataclass(frozen=True)
class Settings:
    """How much simulation a validation run spends.

    Attributes:
        name: ``full`` or ``quick``.
        replications: Common-random-number replications per lever design and seeds of the
            stylised facts (seeds 1 … R).
        baseline: ``--set`` overrides applied to every run but ``pure_diffusion``'s (none in
            either shipped mode).
        diffusion_seeds: Replications of ``pure_diffusion``.
        diffusion_customers: Accounts in each ``pure_diffusion`` run.
        diffusion_periods: Months of each ``pure_diffusion`` run.
    """

    name: str
    replications: int
    baseline: tuple[str, ...] = ()
    diffusion_seeds: int = 8
    diffusion_customers: int = 10_000
    diffusion_periods: int = 40

    @property
    def seeds(self) -> tuple[int, ...]:
        """The replications' seeds, 1 … R."""
        return tuple(range(1, self.replications + 1))


FULL = Settings("full", replications=20)
"""``channelsim check-model``: 20 replications, the scenarios' own market."""
QUICK = Settings(
    "quick",
    replications=4,
    diffusion_seeds=4,
    diffusion_customers=5_000,
    diffusion_periods=30,
)
"""``--quick`` (for tests): 4 replications and a smaller, shorter ``pure_diffusion``.

The lever and stylised-fact runs keep the scenarios' own market: with 4,000 accounts and 36
months, exclusivity's effect on partner-vs-partner conflicts was inside the noise of 5 runs
(measured: Δ −23, sd 45).
"""


@dataclass(frozen=True)
class CheckResult:
    """One row of the validation report.

    Attributes:
        check: The check's name.
        item: What was measured (a lever, a series, an identity).
        measured: The measured figure, formatted.
        expected: The expected figure or sign, formatted.
        criterion: The tolerance, interval or rule that decides pass or fail.
        status: :data:`PASS`, :data:`FAIL` or :data:`NOT_AVAILABLE`.
        extra: Further columns of the check's own table (column → value), in order.
    """

    check: str
    item: str
    measured: str
    expected: str
    criterion: str
    status: str
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the row passed (a check that is not available does not fail the report)."""
        return self.status != FAIL


def verdict(passed: bool) -> str:
    """:data:`PASS` or :data:`FAIL`."""
    return PASS if passed else FAIL


def no_runs(settings: Settings) -> list[RunSpec]:
    """The plan of a check that runs no simulation."""
    del settings
    return []


@dataclass(frozen=True)
class Context:
    """What a check's ``evaluate`` receives: the settings and every planned run's measures."""

    settings: Settings
    measures: Mapping[RunSpec, Measures] = field(default_factory=dict)

    def of(self, spec: RunSpec) -> Measures:
        """The measures of one planned run."""
        return self.measures[spec]


@dataclass(frozen=True)
class Check:
    """A theory check.

    Attributes:
        name: Short identifier (``bass_recursion``, ``lever_directions``…).
        theory: What theory or identity it checks, one sentence.
        evaluate: Context → result rows.
        plan: Settings → the runs it needs (none by default).
    """

    name: str
    theory: str
    evaluate: Callable[[Context], list[CheckResult]]
    plan: Callable[[Settings], list[RunSpec]] = no_runs
