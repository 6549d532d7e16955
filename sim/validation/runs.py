"""The simulation runs of a validation: declared by the checks, run once each, measured.

Every check declares the runs it needs as :class:`RunSpec` values (scenario, overrides, seed);
:func:`execute` runs each distinct one once (in this process or in a pool of ``spawn``-ed
workers, :mod:`sim.pools`) and keeps only its :class:`Measures`: the scalar measures of
:data:`sim.validation.measures.MEASURES`, the accounting residuals of
:func:`sim.validation.identities.residuals` and the adoption curve. A run is a pure function of
its spec, so the measures do not depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.pools import spawn_context


@dataclass(frozen=True, order=True)
class RunSpec:
    """One simulation run: a shipped scenario (or path), ``--set`` overrides and a seed."""

    scenario: str
    overrides: tuple[str, ...]
    seed: int

    def label(self) -> str:
        """``scenario[overrides]`` without the seed, for messages."""
        return f"{self.scenario}[{', '.join(self.overrides)}]" if self.overrides else self.scenario


@dataclass(frozen=True)
class Measures:
    """What a validation keeps of one run.

    Attributes:
        values: Measure name → value (:data:`sim.validation.measures.MEASURES`); NaN where a
            measure is undefined in the run.
        residuals: Accounting identity → its largest relative residual over the run.
        adoption: The adoption share per period.
        customers: Accounts in the market.
    """

    values: dict[str, float]
    residuals: dict[str, float]
    adoption: npt.NDArray[np.float64]
    customers: int


def measure_run(spec: RunSpec) -> Measures:
    """Run one spec and measure it (module-level: runs in worker processes).

    Args:
        spec: The run.

    Returns:
        Its measures.
    """
    # lazy: a spawned worker imports only what a run needs
    from sim.analysis.kpis import RunView
    from sim.run import simulate
    from sim.scenario import load_scenario
    from sim.validation.identities import residuals
    from sim.validation.measures import measure_all

    result = simulate(load_scenario(spec.scenario, list(spec.overrides)), spec.seed)
    config = result.loaded.scenario
    view = RunView(
        result.timeseries, result.partners, result.deals, config, retention=result.retention
    )
    return Measures(
        values=measure_all(view),
        residuals=residuals(view),
        adoption=result.timeseries["adoption"].to_numpy(dtype=np.float64),
        customers=int(config.market.customers),
    )


def execute(
    specs: Iterable[RunSpec], workers: int = 1, advance: Callable[[int, int], None] | None = None
) -> dict[RunSpec, Measures]:
    """Run every distinct spec once.

    Args:
        specs: The runs (repeats are run once).
        workers: Worker processes (1: run here, one after the other).
        advance: Called with (1, 0) after each finished run (a progress bar).

    Returns:
        Spec → measures.

    Raises:
        UnguardedMainError: See :func:`sim.pools.check_main_guard`.
    """
    todo = sorted(set(specs))
    out: dict[RunSpec, Measures] = {}
    if workers <= 1 or len(todo) <= 1:
        for spec in todo:
            out[spec] = measure_run(spec)
            if advance is not None:
                advance(1, 0)
        return out
    context = spawn_context(f"check-model with {workers} workers")
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
        for spec, measures in zip(todo, pool.map(measure_run, todo), strict=True):
            out[spec] = measures
            if advance is not None:
                advance(1, 0)
    return out
