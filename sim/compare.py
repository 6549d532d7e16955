"""Compare program designs with paired replications on common seeds (``channelsim compare``).

Each design is a validated scenario. Replication r runs every design with the root seed
``base + r``, so the designs share their random streams (common random numbers, SPEC §2.6) and
their differences can be tested pair by pair, which removes most of the run-to-run noise.

A comparison directory (SPEC §5) holds:

* ``comparison.csv``: one row per (KPI, design) with the columns of :data:`COMPARISON_COLUMNS`:
  ``n`` (runs with a value), ``mean`` and its 95 % t-interval ``ci_low``/``ci_high``; for every
  design but the first, the paired difference from the first design ``diff_mean`` with its
  t-interval over the replication pairs and the differences' standard deviation ``diff_sd``,
  ``pct_change`` (``diff_mean`` / the first design's mean × 100), ``n_higher`` (in how many of
  the paired replications the design's value is higher than the first design's), ``n_better``
  (in how many it is better in the KPI's direction: higher, or lower for a lower-is-better KPI;
  empty for a descriptive KPI), ``p_value`` (paired t-test), ``p_holm`` (Holm-adjusted within
  its family: the KPIs of the terminal table, :func:`shown_kpis` — the headline KPIs and the
  objective — form one family, every other KPI the second), ``significant`` (``p_holm`` < 0.05)
  and ``verdict`` (``better``, ``worse`` or ``no difference``; ``higher``/``lower`` for a
  descriptive KPI); ``better`` says which direction is better for the KPI (its entry in
  :mod:`sim.analysis.kpi_registry`; empty if none). A difference that is the same in every
  paired run (zero variance, up to rounding) or a KPI whose values equal an earlier KPI's in
  every run is not tested: ``p_value``, ``p_holm`` and ``significant`` empty, verdict
  ``not tested`` (:mod:`sim.analysis.verdict`). A KPI that is undefined (None) in any run of a
  design has empty statistics for that design, and then no difference.
* ``runs/<design>-s<seed>/summary.json`` and ``timeseries.csv``: the same bytes as the files of
  ``channelsim run`` with that seed.
* ``failed/<design>-s<seed>.txt``: the error of each run that raised.
* ``differences.csv``: what differs between the designs, with the columns of
  :data:`DIFFERENCE_COLUMNS`: one row per design but the first and key of its resolved scenario
  (``scenario.resolved.toml`` flattened into dotted keys, :mod:`sim.scenario.diff`; the
  description and seed left out) whose value differs from the first design's, values as
  written in a scenario file (``(not set)`` for an absent key).
* ``manifest.json``: the designs (name, source, resolved scenario sha256), seeds, replications,
  the command's arguments and ``differences`` (the rows of ``differences.csv``, values as JSON,
  null for an absent key).
* ``compare_revenue_by_channel.png`` and ``compare_kpis.png``.

The KPIs are the scalar numeric KPIs of :func:`sim.analysis.kpis.summary_kpis` (dict-valued ones
flattened as ``name.key``) in the order of the KPI registry (:mod:`sim.analysis.kpi_registry`),
which puts ``discount_cost_total`` (list revenue given away) beside ``revenue_total`` and
``partner_profit_total`` beside ``contribution_total``, so that "does deal registration pay?"
reads as Δ net revenue against Δ discount cost, and vendor contribution stands beside partner
profit.

The directory is written into a temporary sibling and renamed into place at the end. Results do
not depend on the number of worker processes: every run is deterministic in (design, seed) and
all statistics are computed in the parent in a fixed order.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.analysis.kpi_registry import COMPARE_HEADLINE_KPIS, KPIS_BY_NAME, kpi_of
from sim.analysis.stats import better_direction, holm, paired_test, t_interval, verdict
from sim.analysis.verdict import NOT_TESTED, can_test, count_better, duplicates
from sim.errors import InputError
from sim.pools import spawn_context
from sim.progress import runs_progress, wants_progress
from sim.run import flatten_kpis, simulate, summary_document
from sim.rundir import check_out_dir, make_temp_dir, publish_dir, run_name
from sim.scenario import LoadedScenario, load_scenario, scenario_sha256
from sim.scenario.diff import design_differences, format_value, scale_warnings

COMPARISON_COLUMNS: tuple[str, ...] = (
    "kpi",
    "design",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_sd",
    "pct_change",
    "n_higher",
    "n_better",
    "p_value",
    "p_holm",
    "significant",
    "better",
    "verdict",
)
"""Columns of ``comparison.csv``, in order."""

DIFFERENCE_COLUMNS: tuple[str, ...] = ("design", "key", "reference_value", "value")
"""Columns of ``differences.csv`` and of :attr:`CompareResult.differences`, in order."""

HEADLINE_KPIS: tuple[str, ...] = COMPARE_HEADLINE_KPIS
"""KPIs of the terminal table and of ``compare_kpis.png`` (chosen in the KPI registry)."""

DEFAULT_OBJECTIVE = "contribution_npv"
"""The KPI of the verdict unless ``--objective`` says otherwise (vendor contribution NPV)."""


def check_objective(name: str) -> str:
    """Check an ``--objective``: a scalar KPI of the registry (a per-channel one flattened).

    Args:
        name: The KPI name (``contribution_npv``, ``cac_by_channel.direct``, ...).

    Returns:
        The name.

    Raises:
        InputError: Not a KPI of :mod:`sim.analysis.kpi_registry` (one line).
    """
    entry = kpi_of(name)
    if entry is None or (entry.by_channel and name in KPIS_BY_NAME):
        raise InputError(
            f"--objective: {name!r} is not a KPI; expected a name of docs/kpis.md, e.g. "
            f"{DEFAULT_OBJECTIVE} (a per-channel KPI as name.channel)"
        )
    return name


def shown_kpis(objective: str = DEFAULT_OBJECTIVE) -> tuple[str, ...]:
    """The KPIs of the terminal table: the headline KPIs, then the objective if not among them.

    Args:
        objective: The objective KPI.

    Returns:
        The KPI names, in order; they are the first family of Holm-adjusted tests.
    """
    return HEADLINE_KPIS if objective in HEADLINE_KPIS else (*HEADLINE_KPIS, objective)


ALPHA = 0.05
"""Significance threshold on Holm-adjusted p-values."""

DEFAULT_REPLICATIONS = 20
"""Replications per design unless ``--replications`` says otherwise."""

SERIAL_MAX_RUNS = 8
"""Up to this many runs in all, the default is to run them in this process (no pool)."""

PLOT_FILES: tuple[str, ...] = ("compare_revenue_by_channel.png", "compare_kpis.png")
"""Plots of a comparison directory."""


@dataclass(frozen=True)
class Design:
    """One design of a comparison.

    Attributes:
        name: The design's name in file names and tables (unique in the comparison).
        source: The scenario as given on the command line (path or shipped name).
        loaded: The validated scenario.
    """

    name: str
    source: str
    loaded: LoadedScenario


@dataclass(frozen=True)
class RunTask:
    """One run of a comparison: a design with a seed.

    Attributes:
        design: Index of the design.
        replication: Replication index r (the seed is ``base + r``).
        seed: The root seed.
        loaded: The design's scenario.
    """

    design: int
    replication: int
    seed: int
    loaded: LoadedScenario


@dataclass
class RunOutcome:
    """What one run gave: its KPIs and timeseries, or its error.

    Attributes:
        design: Index of the design.
        replication: Replication index.
        seed: The root seed.
        kpis: The KPIs (:attr:`sim.run.RunResult.kpis`), None if the run failed.
        timeseries: The per-period timeseries, None if the run failed.
        error: The error text of a failed run (type, message and traceback), else None.
    """

    design: int
    replication: int
    seed: int
    kpis: dict[str, Any] | None = None
    timeseries: pd.DataFrame | None = None
    error: str | None = None


@dataclass(frozen=True)
class CompareResult:
    """What a comparison wrote.

    Attributes:
        out_dir: The comparison directory.
        table: The content of ``comparison.csv``.
        failed: Names (``<design>-s<seed>``) of the runs that failed, in task order.
        currency: The first design's currency (for display).
        seeds: The seeds of the replications.
        outcomes: Every run's outcome, in task order (design-major).
        differences: What differs between the designs (:func:`differences_frame`).
        objective: The objective KPI of the verdict.
    """

    out_dir: Path
    table: pd.DataFrame
    failed: list[str] = field(default_factory=list)
    currency: str = ""
    seeds: list[int] = field(default_factory=list)
    outcomes: list[RunOutcome] = field(default_factory=list, repr=False)
    differences: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(DIFFERENCE_COLUMNS)), repr=False
    )
    objective: str = DEFAULT_OBJECTIVE


# ---------------------------------------------------------------------------------------------
# designs and tasks
# ---------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(name: str) -> str:
    """A file-name-safe design name (no separators, never ``.`` or ``..``)."""
    safe = _UNSAFE.sub("_", name).strip("_")
    return "design" if not safe or set(safe) == {"."} else safe


def design_names(names: Sequence[str]) -> list[str]:
    """Unique, file-name-safe names for designs, in order.

    A repeated name gets ``-2``, ``-3``… from its second occurrence on (``tiny``, ``tiny-2``).

    Args:
        names: The scenarios' names (:func:`sim.rundir.run_name`).

    Returns:
        One unique name per design.
    """
    taken: set[str] = set()
    out: list[str] = []
    for raw in names:
        base = _safe_name(raw)
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}-{k}"
        taken.add(name)
        out.append(name)
    return out


def load_designs(
    sources: Sequence[str], overrides: Sequence[str], periods: int | None = None
) -> list[Design]:
    """Validate every design before anything runs.

    Args:
        sources: Scenario paths or shipped names, at least two.
        overrides: ``--set`` items applied to every design.
        periods: ``--periods`` (overrides ``time.periods`` of every design).

    Returns:
        The designs, in the order given.

    Raises:
        InputError: Fewer than two designs, or any problem in any design (all problems, each
            once, in order).
    """
    if len(sources) < 2:
        shown = ", ".join(sources) if sources else "none"
        raise InputError(
            f"compare: expected at least 2 scenarios (designs) to compare; got {len(sources)}: "
            f"{shown}"
        )
    items = list(overrides)
    if periods is not None:
        items.append(f"time.periods={periods}")
    prefix = f"--set: time.periods={periods}:"
    problems: list[str] = []
    loaded: list[LoadedScenario] = []
    for source in sources:
        try:
            loaded.append(load_scenario(source, items))
        except InputError as exc:
            for line in exc.problems:
                if periods is not None and line.startswith(prefix):
                    line = f"--periods: {periods}:{line[len(prefix) :]}"
                if line not in problems:
                    problems.append(line)
    if problems:
        raise InputError(problems)
    names = design_names([run_name(item) for item in loaded])
    return [
        Design(name=name, source=str(source), loaded=item)
        for name, source, item in zip(names, sources, loaded, strict=True)
    ]


def _resolved(design: Design) -> dict[str, Any]:
    """A design's resolved scenario as plain data (what ``scenario.resolved.toml`` holds)."""
    data: dict[str, Any] = design.loaded.scenario.model_dump(mode="json", exclude_none=True)
    return data


def differences_frame(designs: Sequence[Design]) -> pd.DataFrame:
    """What differs between the designs: each design's keys that differ from the first's.

    Args:
        designs: The designs, the reference first.

    Returns:
        One row per (design ≠ first, differing dotted key), columns :data:`DIFFERENCE_COLUMNS`;
        values as in the scenario (None for an absent key). Empty when the designs agree.
    """
    found = design_differences([d.name for d in designs], [_resolved(d) for d in designs])
    rows = [(d.design, d.key, d.reference_value, d.value) for d in found]
    return pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS), dtype=object)


def comparability_warnings(designs: Sequence[Design]) -> list[str]:
    """One line per scale key (market size, horizon, period) on which the designs differ.

    Totals (revenue, contribution, ...) of such designs are not comparable; per-account and
    per-month KPIs are. See :func:`sim.scenario.diff.scale_warnings`.

    Args:
        designs: The designs, the reference first.

    Returns:
        The warnings (without a ``warning:`` prefix); empty when the designs agree.
    """
    return scale_warnings([_resolved(d) for d in designs])


def write_differences(frame: pd.DataFrame, path: Path) -> None:
    """Write ``differences.csv``: values as written in a scenario file (``(not set)``: absent).

    Args:
        frame: :func:`differences_frame`.
        path: The CSV file.
    """
    text = frame.copy()
    for column in ("reference_value", "value"):
        text[column] = [format_value(v) for v in frame[column]]
    text.to_csv(path, index=False, lineterminator="\n")


def replication_seeds(base: int, replications: int) -> list[int]:
    """The seeds of the replications: ``base + r`` for r = 0 … R − 1.

    Args:
        base: The base seed.
        replications: R.

    Returns:
        The seeds.
    """
    return [base + r for r in range(replications)]


def default_workers(runs: int) -> int:
    """The default number of worker processes.

    Args:
        runs: Runs in all (replications × designs).

    Returns:
        1 for a small comparison (:data:`SERIAL_MAX_RUNS` runs or fewer: starting workers
        would cost more than it saves), else the number of usable cores.
    """
    if runs <= SERIAL_MAX_RUNS:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, runs))


def default_out_dir() -> Path:
    """The default comparison directory: ``results/compare-<UTC timestamp>``.

    Returns:
        A path relative to the current working directory.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("results") / f"compare-{stamp}"


# ---------------------------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------------------------


def compare_tasks(designs: Sequence[Design], seeds: Sequence[int]) -> list[RunTask]:
    """Every run of a comparison: each design (outer) with each replication's seed (inner).

    Args:
        designs: The designs, the reference first.
        seeds: The replications' seeds (:func:`replication_seeds`).

    Returns:
        The tasks, design-major.
    """
    return [
        RunTask(d, r, seed, design.loaded)
        for d, design in enumerate(designs)
        for r, seed in enumerate(seeds)
    ]


def run_task(task: RunTask) -> RunOutcome:
    """Run one (design, seed); never raises for a failing run (the error is returned).

    Runs in a worker process: module-level and picklable.

    Args:
        task: The run.

    Returns:
        The KPIs and timeseries, or the error.
    """
    try:
        result = simulate(task.loaded, task.seed)
        return RunOutcome(
            task.design, task.replication, task.seed, kpis=result.kpis, timeseries=result.timeseries
        )
    except Exception as exc:
        text = "".join(traceback.format_exception(exc))
        return RunOutcome(task.design, task.replication, task.seed, error=text)


def execute(
    tasks: Sequence[RunTask], workers: int, advance: Callable[[int, int], None] | None = None
) -> list[RunOutcome]:
    """Run every task, in this process (1 worker) or in a pool of ``spawn``-ed processes.

    Workers are started with ``spawn``, not ``fork``: the parent may hold threads (BLAS,
    Arrow) that a fork would copy in an undefined state (:mod:`sim.pools`).

    Args:
        tasks: The runs.
        workers: Worker processes (1: run here, one after the other).
        advance: Called with (1, 0) after each finished run and (0, 1) after each failed one
            (a progress bar).

    Returns:
        One outcome per task, in the order of ``tasks`` whatever the order of completion.

    Raises:
        UnguardedMainError: See :func:`sim.pools.check_main_guard`.
    """

    def step(outcome: RunOutcome) -> None:
        if advance is not None:
            failed = outcome.error is not None
            advance(int(not failed), int(failed))

    if workers <= 1 or len(tasks) <= 1:
        outcomes = []
        for task in tasks:
            outcomes.append(run_task(task))
            step(outcomes[-1])
        return outcomes
    results: dict[int, RunOutcome] = {}
    context = spawn_context(f"compare with {workers} workers")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        futures = {pool.submit(run_task, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except Exception as exc:  # a worker died (BrokenProcessPool) or did not pickle
                task = tasks[i]
                text = "".join(traceback.format_exception(exc))
                results[i] = RunOutcome(task.design, task.replication, task.seed, error=text)
            step(results[i])
    return [results[i] for i in range(len(tasks))]


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------


def _kpi_order(flat: Sequence[dict[str, float | None]]) -> list[str]:
    names: dict[str, None] = {}
    for item in flat:
        for name in item:
            names.setdefault(name, None)
    return list(names)


def _kpis_by_design(
    outcomes: Sequence[RunOutcome], n_designs: int, replications: int
) -> list[list[dict[str, float | None] | None]]:
    """Flattened KPIs of design d in replication r at ``[d][r]`` (None: the run failed)."""
    values: list[list[dict[str, float | None] | None]] = [
        [None] * replications for _ in range(n_designs)
    ]
    for outcome in outcomes:
        if outcome.kpis is not None:
            values[outcome.design][outcome.replication] = flatten_kpis(outcome.kpis)
    return values


def _sample(
    design_values: Sequence[dict[str, float | None] | None], kpi: str
) -> tuple[dict[int, float] | None, int]:
    """One design's values of a KPI by replication, and how many are defined.

    The sample is None (undefined) when no run finished or the KPI is undefined in any of them.
    """
    runs = {r: v for r, v in enumerate(design_values) if v is not None}
    got = {r: v.get(kpi) for r, v in runs.items()}
    defined = {r: x for r, x in got.items() if x is not None}
    return (defined if runs and len(defined) == len(runs) else None), len(defined)


def _paired_difference(
    ref: dict[int, float], sample: dict[int, float], ref_mean: float | None, better: str
) -> dict[str, Any]:
    """The paired difference from the reference over the common replications (columns)."""
    pairs = sorted(set(sample) & set(ref))
    if not pairs:
        return {}
    a = np.array([ref[r] for r in pairs])
    b = np.array([sample[r] for r in pairs])
    test = paired_test(a, b)
    diff = test.interval.mean
    diffs = [float(x) for x in b - a]
    sd = float(np.std(b - a, ddof=1)) if len(pairs) > 1 else None
    return {
        "diff_mean": diff,
        "diff_ci_low": test.interval.low,
        "diff_ci_high": test.interval.high,
        "diff_sd": sd if sd is not None and math.isfinite(sd) else None,
        "pct_change": 100.0 * diff / ref_mean if diff is not None and ref_mean else None,
        "n_higher": sum(sample[r] > ref[r] for r in pairs),
        "n_better": count_better(list(a), list(b), better),
        "p_value": test.p_value if can_test(diffs) else None,
    }


def _judge(rows: list[dict[str, Any]], families: Sequence[list[tuple[int, float]]]) -> None:
    """Holm-adjust each family of tests on its own, then give each tested difference a verdict.

    A row with a difference but no test (:data:`sim.analysis.verdict.NOT_TESTED`) keeps its
    verdict; rows outside every test have none.
    """
    for tests in families:
        adjusted = holm([p for _, p in tests])
        for (i, _), p_adj in zip(tests, adjusted, strict=True):
            row = rows[i]
            row["p_holm"] = p_adj
            row["significant"] = p_adj < ALPHA
            row["verdict"] = verdict(row["diff_mean"], row["significant"], row["better"]) or None


def _run_values(
    values: Sequence[Sequence[dict[str, float | None] | None]], kpis: Sequence[str]
) -> dict[str, list[float | None]]:
    """Each KPI's value in every run (design-major; None: undefined or the run failed)."""
    return {
        kpi: [None if v is None else v.get(kpi) for design in values for v in design]
        for kpi in kpis
    }


def comparison_table(
    design_list: Sequence[str],
    outcomes: Sequence[RunOutcome],
    replications: int,
    objective: str = DEFAULT_OBJECTIVE,
) -> pd.DataFrame:
    """The content of ``comparison.csv`` (see the module docstring).

    Args:
        design_list: The design names, the reference first.
        outcomes: Every run's outcome (failed runs are left out of the statistics).
        replications: R.
        objective: The objective KPI (tested with the headline KPIs, :func:`shown_kpis`).

    Returns:
        One row per (KPI, design), KPIs in the order of the KPI dict, designs in the order
        given; columns :data:`COMPARISON_COLUMNS`.
    """
    values = _kpis_by_design(outcomes, len(design_list), replications)
    kpis = _kpi_order([v for row in values for v in row if v is not None])
    repeated = duplicates(kpis, _run_values(values, kpis))
    shown = set(shown_kpis(objective))
    rows: list[dict[str, Any]] = []
    families: tuple[list[tuple[int, float]], list[tuple[int, float]]] = ([], [])
    for kpi in kpis:
        better = better_direction(kpi)
        samples = [_sample(design_values, kpi) for design_values in values]
        ref, ref_mean = samples[0][0], None
        for d, (sample, n) in enumerate(samples):
            row: dict[str, Any] = dict.fromkeys(COMPARISON_COLUMNS)
            row.update(kpi=kpi, design=design_list[d], n=n, better=better)
            if sample is not None:
                ci = t_interval(np.array([sample[r] for r in sorted(sample)]))
                row.update(mean=ci.mean, ci_low=ci.low, ci_high=ci.high)
                if d == 0:
                    ref_mean = ci.mean
            if d > 0 and sample is not None and ref is not None:
                row.update(_paired_difference(ref, sample, ref_mean, better))
                if kpi in repeated:
                    row["p_value"] = None
                if row["p_value"] is not None:
                    families[0 if kpi in shown else 1].append((len(rows), row["p_value"]))
                elif row["diff_mean"] is not None:
                    row["verdict"] = NOT_TESTED
            rows.append(row)
    _judge(rows, families)
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    frame["n"] = frame["n"].astype("int64")
    return frame


# ---------------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------------


def _mean_band(series: Sequence[pd.Series]) -> tuple[Any, Any, Any]:
    """Per-period mean and ±1.96·se over replications (aligned on ``period``)."""
    frame = pd.concat(list(series), axis=1)
    mean = frame.mean(axis=1)
    n = frame.count(axis=1).to_numpy(dtype=np.float64)
    sd = frame.std(axis=1, ddof=1).fillna(0.0).to_numpy(dtype=np.float64)
    se = np.where(n > 1, sd / np.sqrt(np.maximum(n, 1.0)), 0.0)
    return frame.index.to_numpy(dtype=np.float64), mean.to_numpy(dtype=np.float64), 1.96 * se


def plot_revenue(
    design_list: Sequence[str],
    outcomes: Sequence[RunOutcome],
    path: Path,
    currency: str,
    period: str = "month",
) -> Path:
    """Mean revenue per period of every design, overlaid, with a ±1.96·se band.

    The top panel shows ``revenue_total`` (one colour per design); the bottom one splits it by
    channel into direct and partners (total − direct) in the channels' colours of every plot
    (:data:`sim.plots.CHANNEL_COLOURS`), one line style per design.

    Args:
        design_list: The design names, in order.
        outcomes: The run outcomes (failed runs are skipped).
        path: Output PNG path.
        currency: Currency of the y-axis labels.
        period: The scenario's period length (``"month"`` or ``"week"``) for the axis labels.

    Returns:
        The output path.
    """
    # lazy: spawned workers import this module (run_task); matplotlib slows their start, measured
    import matplotlib.pyplot as plt

    from sim.plots import draw_note, plain_axis, save_figure

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.0, 7.0), sharex=True)
    fig.subplots_adjust(left=0.12, right=0.97, top=0.94, bottom=0.08, hspace=0.15)
    drawn: list[Any] = []
    for d, name in enumerate(design_list):
        runs = [o.timeseries for o in outcomes if o.design == d and o.timeseries is not None]
        if runs:
            drawn.append(_revenue_lines(top, bottom, d, name, runs))
    if drawn:
        top.legend(loc="upper left", fontsize=8)
        bottom.legend(loc="upper left", fontsize=7, ncols=2)
    else:
        draw_note(top, "no completed runs")
    for ax in (top, bottom):
        plain_axis(ax)
        ax.grid(True, alpha=0.3)
    _label_revenue_axes(top, bottom, np.concatenate(drawn or [np.zeros(1)]), currency, period)
    return save_figure(fig, path)


_DESIGN_STYLES = ("-", "--", ":", "-.")
"""Line style of each design in the by-channel panel of ``revenue.png`` (cycled)."""


def _revenue_lines(top: Any, bottom: Any, d: int, name: str, runs: list[pd.DataFrame]) -> Any:
    """Draw one design's revenue lines and bands on both panels of ``revenue.png``.

    Args:
        top: Total revenue panel (design colour).
        bottom: By-channel panel (channel colours, design line style).
        d: Design index.
        name: Design name.
        runs: The design's run time series.

    Returns:
        The values drawn (for the axis scale).
    """
    from sim.plots import CHANNEL_COLOURS, PARTNERS_COLOUR

    color = f"C{d % 10}"
    style = _DESIGN_STYLES[d % len(_DESIGN_STYLES)]
    indexed = [ts.set_index("period") for ts in runs]
    x, mean, band = _mean_band([ts["revenue_total"] for ts in indexed])
    top.plot(x, mean, color=color, lw=1.8, label=f"{name} (n={len(runs)})")
    top.fill_between(x, mean - band, mean + band, color=color, alpha=0.2, lw=0)
    x, direct, dband = _mean_band([ts["revenue_direct"] for ts in indexed])
    x, partner, pband = _mean_band([ts["revenue_total"] - ts["revenue_direct"] for ts in indexed])
    for y, yband, colour, what in (
        (direct, dband, CHANNEL_COLOURS["direct"], "direct"),
        (partner, pband, PARTNERS_COLOUR, "partners"),
    ):
        bottom.plot(x, y, color=colour, lw=1.5, ls=style, label=f"{name}: {what}")
        bottom.fill_between(x, y - yband, y + yband, color=colour, alpha=0.15, lw=0)
    return np.concatenate([mean + band, direct + dband, partner + pband])


def _label_revenue_axes(top: Any, bottom: Any, values: Any, currency: str, period: str) -> None:
    """Axis labels of ``revenue.png`` in words, money in a scaled unit without offset text.

    Args:
        top: Total revenue panel.
        bottom: By-channel panel.
        values: Every value drawn (for the money unit).
        currency: Currency code.
        period: The scenario's period length.
    """
    from sim.plots import money_axis, period_label

    word = period_label(period)
    top.set_title(f"Revenue per {word.lower()}: mean over replications, band ±1.96·se")
    money_axis(top, values, f"Revenue per {word.lower()}", currency)
    money_axis(bottom, values, "By channel", currency)
    bottom.set_xlabel(word)


def _value(x: Any) -> float | None:
    """A table cell as a finite float, or None (empty, NaN, not a number)."""
    if x is None or isinstance(x, bool | str):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def plot_kpis(table: pd.DataFrame, design_list: Sequence[str], path: Path) -> Path:
    """Bars of the headline KPIs' means per design with 95 % CI, first design = 100.

    KPIs whose first-design mean is 0 or undefined cannot be normalised and are left out
    (named under the axis).

    Args:
        table: The comparison table (:func:`comparison_table`).
        design_list: The design names, in order.
        path: Output PNG path.

    Returns:
        The output path.
    """
    # lazy: spawned workers import this module (run_task); matplotlib slows their start, measured
    from sim.plots import draw_note, kpi_label, new_figure, plain_axis, save_figure

    fig, ax = new_figure()
    plain_axis(ax)
    shown: list[str] = []
    skipped: list[str] = []
    stats: dict[tuple[str, str], tuple[float, float, float]] = {}
    for kpi in HEADLINE_KPIS:
        rows = table[table["kpi"] == kpi]
        if rows.empty:
            continue
        ref = _value(rows.iloc[0]["mean"])
        if ref is None or ref == 0.0:
            skipped.append(kpi)
            continue
        shown.append(kpi)
        for _, row in rows.iterrows():
            mean, low, high = (_value(row[c]) for c in ("mean", "ci_low", "ci_high"))
            if mean is None or low is None or high is None:
                continue
            stats[(kpi, str(row["design"]))] = (
                100.0 * mean / ref,
                100.0 * low / ref,
                100.0 * high / ref,
            )
    if shown:
        width = 0.8 / max(1, len(design_list))
        x = np.arange(len(shown), dtype=np.float64)
        for d, name in enumerate(design_list):
            heights = np.array([stats.get((k, name), (np.nan,) * 3)[0] for k in shown])
            lows = np.array([stats.get((k, name), (np.nan,) * 3)[1] for k in shown])
            highs = np.array([stats.get((k, name), (np.nan,) * 3)[2] for k in shown])
            # A negative reference mean flips the bounds; error bars need them ordered.
            err = np.vstack([heights - np.minimum(lows, highs), np.maximum(lows, highs) - heights])
            ax.bar(
                x + (d - (len(design_list) - 1) / 2) * width,
                heights,
                width=width * 0.95,
                yerr=err,
                capsize=3,
                color=f"C{d % 10}",
                alpha=0.85,
                label=name,
            )
        ax.axhline(100.0, color="0.3", lw=0.8, ls=":")
        ax.set_xticks(
            x, [kpi_label(k, unit=False).replace(" ", "\n", 1) for k in shown], fontsize=8
        )
        ax.legend(loc="best", fontsize=8)
    else:
        draw_note(ax, "no KPI to normalise")
    gone = ", ".join(kpi_label(k, unit=False) for k in skipped)
    note = f" (not shown, first design's mean is 0: {gone})" if skipped else ""
    ax.set_xlabel(f"KPI{note}", fontsize=8)
    ax.set_ylabel(f"Mean, {design_list[0]} = 100 (95 % CI)")
    ax.set_title("Headline KPIs by design")
    ax.grid(True, axis="y", alpha=0.3)
    return save_figure(fig, path)


# ---------------------------------------------------------------------------------------------
# the comparison directory
# ---------------------------------------------------------------------------------------------


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def _write_runs(
    tmp: Path, designs: Sequence[Design], outcomes: Sequence[RunOutcome]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Write each run's ``runs/<run>/`` files (or ``failed/<run>.txt``) into the comparison.

    Returns:
        The manifest's entry of every run, and the ids of the runs that failed.
    """
    (tmp / "runs").mkdir()
    runs: list[dict[str, Any]] = []
    failed: list[str] = []
    for outcome in outcomes:
        design = designs[outcome.design]
        run_id = f"{design.name}-s{outcome.seed}"
        entry: dict[str, Any] = {
            "run": run_id,
            "design": design.name,
            "replication": outcome.replication,
            "seed": outcome.seed,
        }
        if outcome.error is not None or outcome.kpis is None or outcome.timeseries is None:
            failed.append(run_id)
            (tmp / "failed").mkdir(exist_ok=True)
            _write_text(tmp / "failed" / f"{run_id}.txt", outcome.error or "unknown error\n")
            entry["status"] = "failed"
        else:
            folder = tmp / "runs" / run_id
            folder.mkdir()
            outcome.timeseries.to_csv(folder / "timeseries.csv", index=False, lineterminator="\n")
            summary = summary_document(design.loaded, outcome.seed, outcome.kpis)
            _write_text(folder / "summary.json", _json(summary))
            entry["status"] = "ok"
        runs.append(entry)
    return runs, failed


def _manifest(
    designs: Sequence[Design],
    seeds: Sequence[int],
    table: pd.DataFrame,
    arguments: dict[str, Any] | None,
) -> dict[str, Any]:
    """The comparison's ``manifest.json`` without its runs: command, designs, seeds, KPIs."""
    return {
        "command": "compare",
        "version": sim.__version__,
        "arguments": arguments or {},
        "designs": [
            {
                "name": design.name,
                "source": design.source,
                "scenario": design.loaded.name,
                "path": str(design.loaded.path),
                "scenario_sha256": scenario_sha256(design.loaded.scenario),
            }
            for design in designs
        ],
        "reference": designs[0].name,
        "replications": len(seeds),
        "seeds": list(seeds),
        "kpis": list(dict.fromkeys(str(k) for k in table["kpi"])),
    }


def run_compare(
    designs: Sequence[Design],
    seeds: Sequence[int],
    out_dir: Path,
    workers: int,
    progress: bool = False,
    arguments: dict[str, Any] | None = None,
    objective: str = DEFAULT_OBJECTIVE,
) -> CompareResult:
    """Run every design with every seed and write the comparison directory atomically.

    Args:
        designs: The designs (:func:`load_designs`), the reference first.
        seeds: The replications' seeds (:func:`replication_seeds`).
        out_dir: The comparison directory; it must not exist.
        workers: Worker processes (1: run in this process).
        progress: Draw a progress bar on stderr when it is a terminal.
        arguments: The command's arguments, recorded in ``manifest.json``.
        objective: The objective KPI (:func:`comparison_table`).

    Returns:
        What was written; ``failed`` lists the runs that raised (their errors are in
        ``failed/``).

    Raises:
        InputError: ``out_dir`` exists or cannot be created.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    tasks = compare_tasks(designs, seeds)
    with runs_progress(len(tasks), "compare", wants_progress(progress)) as advance:
        outcomes = execute(tasks, workers, advance)

    names = [design.name for design in designs]
    table = comparison_table(names, outcomes, len(seeds), objective)
    differences = differences_frame(designs)

    tmp = make_temp_dir(out_dir)
    try:
        runs, failed = _write_runs(tmp, designs, outcomes)
        table.to_csv(tmp / "comparison.csv", index=False, lineterminator="\n")
        write_differences(differences, tmp / "differences.csv")
        manifest = _manifest(designs, seeds, table, arguments) | {"runs": runs, "failed": failed}
        manifest["differences"] = differences.to_dict(orient="records")
        _write_text(tmp / "manifest.json", _json(manifest))
        currency = designs[0].loaded.scenario.finance.currency
        period = designs[0].loaded.scenario.time.period
        plot_revenue(names, outcomes, tmp / PLOT_FILES[0], currency, period)
        plot_kpis(table, names, tmp / PLOT_FILES[1])
        publish_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return CompareResult(
        out_dir=out_dir,
        table=table,
        failed=failed,
        currency=currency,
        seeds=list(seeds),
        outcomes=outcomes,
        differences=differences,
        objective=objective,
    )
