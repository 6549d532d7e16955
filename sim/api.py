"""The Python API of ChannelSim, for notebooks and scripts (see ``docs/python.md``).

Four functions do what the commands do, and return pandas objects instead of printing:

* :func:`load` reads a scenario (a shipped name or a path) with overrides given as a dict;
* :func:`run` runs it with a seed and returns a :class:`~sim.run.RunResult` (timeseries,
  partners, deals, summary);
* :func:`compare` runs designs on paired replications with common seeds and returns the
  comparison table and every run's KPIs;
* :func:`sweep` runs a sweep file into its directory and returns one row per run.

They call what ``channelsim run``, ``compare`` and ``sweep`` call, so the same scenario, seed and
overrides give the same numbers. Bad input raises :class:`~sim.errors.InputError` with the same
one-line messages as the command line.

``compare`` and ``sweep`` with more than one worker start worker processes with ``spawn``; in a
script, call them under ``if __name__ == "__main__":`` (they raise
:class:`UnguardedMainError` at once otherwise). Notebooks need no guard.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.compare import (
    DEFAULT_REPLICATIONS,
    DIFFERENCE_COLUMNS,
    Design,
    RunOutcome,
    comparability_warnings,
    compare_tasks,
    comparison_table,
    design_names,
    differences_frame,
    execute,
    replication_seeds,
    run_compare,
)
from sim.errors import InputError
from sim.pools import UnguardedMainError
from sim.progress import runs_progress, wants_progress
from sim.run import RunResult, flatten_kpis, simulate
from sim.rundir import run_name
from sim.scenario import LoadedScenario, dump_resolved, load_scenario, override_items
from sim.sweep import execute as sweep_execute
from sim.sweep import store
from sim.sweep.design import design_runs
from sim.sweep.spec import load_sweep

__all__ = [
    "Comparison",
    "InputError",
    "RunResult",
    "UnguardedMainError",
    "compare",
    "load",
    "run",
    "sweep",
]

ScenarioLike = str | Path | LoadedScenario
"""A shipped scenario's name, a path to a scenario file, or a loaded scenario."""


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`.

    Attributes:
        table: The comparison table (the content of ``comparison.csv``): one row per (KPI,
            design) with mean, 95 % interval and, for every design but the first, the paired
            difference from the first, its p-value (Holm-adjusted over the headline KPIs and
            the default objective; every other KPI in a second family) and a verdict.
        runs: One row per run: ``design``, ``replication``, ``seed``, ``status`` (``ok`` or
            ``failed``) and one column per KPI (dict-valued KPIs as ``name.key``).
        failed: The runs that raised, as ``<design>-s<seed>``; their errors are in ``errors``.
        errors: The error text (type, message, traceback) of each failed run, by run name.
        out_dir: The comparison directory written, or None when nothing was written.
        differences: What differs between the designs (the content of ``differences.csv``,
            values as in the scenario, None for an absent key): one row per design but the
            first and dotted key of its resolved scenario whose value differs from the first
            design's; columns ``design``, ``key``, ``reference_value``, ``value``.
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    failed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict, repr=False)
    out_dir: Path | None = None
    differences: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(DIFFERENCE_COLUMNS)), repr=False
    )


def load(scenario: ScenarioLike, overrides: Mapping[str, Any] | None = None) -> LoadedScenario:
    """Load and validate a scenario.

    Args:
        scenario: A shipped scenario's name (``"baseline"``, ``"tiny"``), a path to a scenario
            file, or an already loaded scenario (the overrides apply on top of it; returned as
            is without overrides).
        overrides: Dotted scenario keys and their values, applied after ``extends`` and checked
            exactly like ``--set KEY=VALUE`` (e.g. ``{"time.periods": 12,
            "partners.var.count": 40}``); a dict value sets the keys below it.

    Returns:
        The validated scenario (``.scenario`` is the pydantic model, ``.name`` and ``.path``
        say where it came from).

    Raises:
        InputError: Any problem with the scenario or an override, one line per problem.
    """
    items = override_items(overrides or {})
    if not isinstance(scenario, LoadedScenario):
        return load_scenario(scenario, items)
    if not items:
        return scenario
    # Apply the overrides on top of the loaded scenario (its own overrides included): load its
    # resolved TOML, which reproduces it exactly, then keep its name and path.
    with tempfile.TemporaryDirectory(prefix="channelsim-") as folder:
        resolved = Path(folder) / f"{scenario.name}.toml"
        resolved.write_text(dump_resolved(scenario.scenario), encoding="utf-8")
        changed = load_scenario(resolved, items)
    return LoadedScenario(scenario=changed.scenario, name=scenario.name, path=scenario.path)


def run(
    scenario: ScenarioLike,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    keep_model: bool = False,
    progress: bool = False,
) -> RunResult:
    """Run one scenario with a seed, in memory (``channelsim run`` without the files).

    Args:
        scenario: A shipped scenario's name, a path, or a loaded scenario (:func:`load`).
        seed: The root seed (None: the scenario's ``seed``). The same scenario and seed give
            the same result.
        overrides: Dotted scenario keys and values (see :func:`load`).
        keep_model: Keep the model after its last period in ``result.model`` (for inspecting
            partners or accounts directly).
        progress: Draw a progress bar on stderr when it is a terminal.

    Returns:
        The run: ``timeseries`` (one row per period), ``partners`` (one row per seller),
        ``deals`` (one row per closed or lost opportunity), ``summary`` (the content of
        ``summary.json``) and ``kpis`` (the summary KPIs, which ``compare`` and ``sweep``
        report).
        :func:`sim.rundir.write_run` writes it as a run directory.

    Raises:
        InputError: A problem with the scenario or an override.
    """
    loaded = load(scenario, overrides)
    return simulate(loaded, seed, progress=progress, keep_model=keep_model)


def _designs(
    designs: Sequence[ScenarioLike] | Mapping[str, ScenarioLike],
    overrides: Mapping[str, Any] | None,
) -> list[Design]:
    """Load every design; names from the mapping's keys or from the scenarios."""
    if isinstance(designs, Mapping):
        given: list[str | None] = [str(name) for name in designs]
        items = list(designs.values())
    else:
        items = list(designs)
        given = [None] * len(items)
    if len(items) < 2:
        raise InputError(
            f"compare: expected at least 2 scenarios (designs) to compare; got {len(items)}"
        )
    problems: list[str] = []
    loaded: list[LoadedScenario] = []
    for item in items:
        try:
            loaded.append(load(item, overrides))
        except InputError as exc:
            problems += [line for line in exc.problems if line not in problems]
    if problems:
        raise InputError(problems)
    names = design_names([name or run_name(item) for name, item in zip(given, loaded, strict=True)])
    return [
        Design(name=name, source=_source(item), loaded=one)
        for name, item, one in zip(names, items, loaded, strict=True)
    ]


def _source(item: ScenarioLike) -> str:
    """How a design was given, for the manifest."""
    return str(item.path if isinstance(item, LoadedScenario) else item)


def _runs_frame(designs: Sequence[Design], outcomes: Sequence[RunOutcome]) -> pd.DataFrame:
    """One row per run with its flattened KPIs (failed runs have no KPI values)."""
    rows: list[dict[str, Any]] = []
    for outcome in outcomes:
        row: dict[str, Any] = {
            "design": designs[outcome.design].name,
            "replication": outcome.replication,
            "seed": outcome.seed,
            "status": "failed" if outcome.kpis is None else "ok",
        }
        if outcome.kpis is not None:
            row.update(flatten_kpis(outcome.kpis))
        rows.append(row)
    return pd.DataFrame(rows)


def compare(
    designs: Sequence[ScenarioLike] | Mapping[str, ScenarioLike],
    replications: int = DEFAULT_REPLICATIONS,
    seed: int | None = None,
    *,
    workers: int = 1,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    progress: bool = False,
) -> Comparison:
    """Compare designs on paired replications with common seeds (``channelsim compare``).

    Replication r runs every design with the seed ``seed + r``, so the designs share their
    random streams and their differences are tested pair by pair. Results do not depend on
    ``workers``.

    Args:
        designs: Two or more scenarios (names, paths or loaded scenarios), the reference first;
            or a dict of design name → scenario.
        replications: Runs per design.
        seed: The base seed (None: the first design's ``seed``).
        workers: Worker processes (1: run in this process). More than one starts ``spawn``
            workers: in a script, call this under ``if __name__ == "__main__":``.
        overrides: Dotted scenario keys and values applied to every design (see :func:`load`).
        out: Also write the comparison directory there (it must not exist), as the command
            does; None writes nothing.
        progress: Draw a progress bar on stderr when it is a terminal.

    Warns before running (:class:`UserWarning`, one per key) when the designs differ in market
    size, horizon or period length (``market.customers``, ``time.periods``, ``time.period``):
    their totals are not comparable, their per-account and per-month KPIs are.

    Returns:
        The comparison table, every run's KPIs and what differs between the designs.

    Raises:
        InputError: Fewer than two designs, a problem in any design, or ``out`` exists.
        UnguardedMainError: ``workers`` > 1 from the unguarded top level of a script.
        RuntimeError: Every run failed (the first error is in the message).
    """
    if replications < 1:
        raise InputError(f"replications: {replications}; expected an integer of at least 1")
    loaded_designs = _designs(designs, overrides)
    base = loaded_designs[0].loaded.scenario.seed if seed is None else seed
    seeds = replication_seeds(base, replications)
    for line in comparability_warnings(loaded_designs):
        warnings.warn(line, UserWarning, stacklevel=2)
    out_dir: Path | None = None
    if out is not None:
        result = run_compare(loaded_designs, seeds, Path(out), workers, progress)
        outcomes, table, out_dir = result.outcomes, result.table, result.out_dir
    else:
        tasks = compare_tasks(loaded_designs, seeds)
        with runs_progress(len(tasks), "compare", wants_progress(progress)) as advance:
            outcomes = execute(tasks, workers, advance)
        table = comparison_table([d.name for d in loaded_designs], outcomes, len(seeds))
    errors = {
        f"{loaded_designs[o.design].name}-s{o.seed}": o.error or "unknown error"
        for o in outcomes
        if o.kpis is None
    }
    _check_failures(errors, len(outcomes), "compare")
    return Comparison(
        table=table,
        runs=_runs_frame(loaded_designs, outcomes),
        failed=list(errors),
        errors=errors,
        out_dir=out_dir,
        differences=differences_frame(loaded_designs),
    )


def _check_failures(errors: Mapping[str, str], total: int, what: str) -> None:
    """Raise when every run failed, warn when some did."""
    if not errors:
        return
    first, text = next(iter(errors.items()))
    last_line = text.strip().splitlines()[-1] if text.strip() else "unknown error"
    if len(errors) == total:
        raise RuntimeError(f"{what}: every run failed ({total}); {first}: {last_line}")
    warnings.warn(
        f"{what}: {len(errors)} of {total} runs failed; {first}: {last_line}",
        RuntimeWarning,
        stacklevel=3,
    )


def _read_text(path: Path) -> str:
    """A failed run's error text ('' when it cannot be read)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def sweep(
    sweep_file: str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    resume: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sweep into its directory and return one row per run (``channelsim sweep``).

    Args:
        sweep_file: A sweep file's path or a shipped sweep's name (``"quick"``).
        out: The sweep directory; it must not exist unless ``resume``. None:
            ``results/sweep-<name>-<UTC time>`` under the working directory.
        workers: Worker processes (None: the number of cores; 1: run in this process). More
            than one starts ``spawn`` workers: in a script, call this under
            ``if __name__ == "__main__":``.
        resume: Continue the sweep in ``out``: skip finished runs, retry failed ones.
        progress: Draw a progress bar on stderr when it is a terminal.

    Returns:
        The wide table (:func:`sim.sweep.store.load_sweep_frame` with ``wide=True``):
        ``run_id``, ``point``, ``replication``, ``seed``, one column per swept scenario key
        and one per KPI. The directory also holds every run's timeseries (``sweep.parquet``).

    Raises:
        InputError: A problem with the sweep file or its base scenario, or with ``out``.
        UnguardedMainError: ``workers`` > 1 from the unguarded top level of a script.
        RuntimeError: Every run failed.
    """
    loaded = load_sweep(str(sweep_file))
    runs = design_runs(loaded)
    try:
        text = Path(loaded.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{sweep_file}: cannot read the sweep file: {exc}") from None
    if resume and out is None:
        raise InputError("resume: expected out, the directory of the sweep to continue")
    out_dir = Path(out) if out is not None else sweep_execute.default_out_dir(loaded.name)
    summary = sweep_execute.run_sweep(
        str(loaded.base_source),
        runs,
        out_dir,
        name=loaded.name,
        sweep_text=text,
        source=str(sweep_file),
        workers=workers,
        resume=resume,
        progress=progress,
        variables=[f.key for f in loaded.spec.factors],
    )
    errors = {
        run_id: _read_text(store.failed_path(out_dir, run_id)) for run_id in summary.failed_ids
    }
    _check_failures(errors, summary.total - summary.skipped, "sweep")
    return store.load_sweep_frame(out_dir, wide=True)
