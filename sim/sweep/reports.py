"""Analyses of a sweep directory: they read its manifest and runs and call :mod:`sim.analysis`.

The analyses themselves (:mod:`sim.analysis.saturation`, :mod:`sim.analysis.sensitivity`,
:mod:`sim.analysis.discovery`) work on frames and plain data and know nothing of sweep
directories; this module, in the sweep layer, reads a directory (:mod:`sim.sweep.store`) and the
sweep's design (:mod:`sim.sweep.design`) and hands them what they need.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy import stats as sps

from sim.analysis.discovery import DiscoveryResult, discover_frame
from sim.analysis.saturation import saturation_lever, write_saturation_curves
from sim.analysis.saturation_thresholds import wants_thresholds, write_saturation_thresholds
from sim.analysis.sensitivity import (
    check_method,
    sensitivity_frame,
    write_sensitivity_files,
)
from sim.analysis.stats import t_interval
from sim.errors import InputError
from sim.scenario import load_scenario
from sim.sweep.design import problem_of, set_values, unit_design
from sim.sweep.spec import LoadedSweep, SweepSpec, override
from sim.sweep.store import MANIFEST, load_sweep_frame, read_manifest

__all__ = [
    "LEVER_SUMMARY",
    "LEVER_SUMMARY_COLUMNS",
    "analyse",
    "discover",
    "format_lever_summary",
    "lever_summary",
    "manifest_run_points",
    "sensitivity_problem",
    "sweep_factors",
    "write_lever_summary",
    "write_saturation_files",
    "write_threshold_file",
]

# ---------------------------------------------------------------------------------------------
# saturation
# ---------------------------------------------------------------------------------------------


def write_saturation_files(sweep_dir: str | Path, loaded_sweep: LoadedSweep) -> list[Path]:
    """Write the saturation files of a saturation sweep (nothing for any other sweep).

    Uses the finished runs only (a sweep with failed runs gets curves of what completed). The
    lever value of each run comes from the manifest's design
    (:func:`sim.analysis.saturation.write_saturation_curves`).

    Args:
        sweep_dir: The sweep directory (with ``manifest.json`` and ``runs/``).
        loaded_sweep: The loaded sweep.

    Returns:
        The files written, per KPI: the CSV, the JSON sidecar and the PNG; [] when the sweep
        is not a saturation sweep or no run finished.
    """
    lever = saturation_lever(loaded_sweep)
    if lever is None:
        return []
    root = Path(sweep_dir)
    frame = load_sweep_frame(root, wide=True)
    if frame.empty:
        return []
    design = read_manifest(root)["design"]
    return write_saturation_curves(root, lever, frame, design, list(loaded_sweep.spec.kpis))


def sweep_territories(loaded_sweep: LoadedSweep) -> int | None:
    """Territories (weight > 0) of a sweep's scenario: the base with the sweep's ``set``.

    Args:
        loaded_sweep: The loaded sweep.

    Returns:
        The count; None when the lever itself changes ``market.territories`` or the scenario
        cannot be loaded.
    """
    lever = saturation_lever(loaded_sweep)
    if lever is not None and lever.startswith("market.territories"):
        return None
    items = [override(k, v) for k, v in set_values(loaded_sweep.spec).items()]
    try:
        scenario = load_scenario(str(loaded_sweep.base_source), items).scenario
    except InputError:
        return None
    return sum(1 for weight in scenario.market.territories.values() if weight > 0)


def write_threshold_file(
    sweep_dir: str | Path, loaded_sweep: LoadedSweep
) -> tuple[Path, dict[str, Any]] | None:
    """Write ``saturation_thresholds.json`` of a saturation sweep that asks for it.

    A saturation sweep whose ``kpis`` name ``contribution_total`` or ``var_profit_per_active``
    gets the densities at which one more partner adds nothing to the vendor's contribution and
    at which the average partner's profit falls below its cost of effort
    (:mod:`sim.analysis.saturation_thresholds`), per lever value and per territory.

    Args:
        sweep_dir: The sweep directory (with ``manifest.json`` and ``runs/``).
        loaded_sweep: The loaded sweep.

    Returns:
        The file and its report; None for any other sweep or when no run finished.
    """
    lever = saturation_lever(loaded_sweep)
    if lever is None or not wants_thresholds(list(loaded_sweep.spec.kpis)):
        return None
    root = Path(sweep_dir)
    frame = load_sweep_frame(root, wide=True)
    if frame.empty:
        return None
    design = read_manifest(root)["design"]
    territories = sweep_territories(loaded_sweep)
    return write_saturation_thresholds(root, lever, frame, design, territories)


# ---------------------------------------------------------------------------------------------
# sensitivity
# ---------------------------------------------------------------------------------------------


def sensitivity_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sweep; factors given as non-numeric values span [0, 1].

    Args:
        spec: The sweep.

    Returns:
        ``num_vars``, ``names`` (the factors' keys) and ``bounds``.
    """
    try:
        return problem_of(spec)
    except ValueError:
        bounds: list[list[float]] = []
        for factor in spec.factors:
            if factor.has_range:
                bounds.append([float(factor.low or 0.0), float(factor.high or 1.0)])
                continue
            values = factor.values or []
            numbers = [
                float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)
            ]
            if len(numbers) == len(values) and numbers:
                bounds.append([min(numbers), max(numbers)])
            else:
                bounds.append([0.0, 1.0])
        return {"num_vars": len(bounds), "names": [f.key for f in spec.factors], "bounds": bounds}


def manifest_run_points(sweep_dir: Path) -> list[tuple[int, str]]:
    """``(point, run_id)`` of every run in a sweep directory's manifest, in design order."""
    design = read_manifest(sweep_dir)["design"]
    return [(int(d["point"]), str(d["run_id"])) for d in design if isinstance(d, dict)]


def analyse(sweep_dir: str | Path, loaded_sweep: LoadedSweep) -> pd.DataFrame:
    """Compute a sobol or morris sweep's indices and write ``sensitivity.csv`` and the charts.

    Args:
        sweep_dir: The sweep directory (manifest and finished runs).
        loaded_sweep: The loaded sweep that was run there.

    Returns:
        The table written to ``sensitivity.csv``.

    Raises:
        InputError: The sweep's method is neither sobol nor morris, or the directory holds no
            sweep manifest.
    """
    check_method(loaded_sweep)
    root = Path(sweep_dir)
    spec = loaded_sweep.spec
    run_points = manifest_run_points(root)
    runs = load_sweep_frame(root, wide=True)
    unit = unit_design(spec) if str(spec.method) == "morris" else None
    table = sensitivity_frame(spec, run_points, runs, sensitivity_problem(spec), unit)
    write_sensitivity_files(root, table)
    return table


# ---------------------------------------------------------------------------------------------
# scenario discovery
# ---------------------------------------------------------------------------------------------


def sweep_factors(sweep_dir: str | Path) -> tuple[list[str], list[str]]:
    """The lever and uncertainty keys of a sweep directory, from its manifest's sweep file.

    Args:
        sweep_dir: The sweep directory.

    Returns:
        The levers' keys and the uncertainties' keys, in the sweep file's order.

    Raises:
        InputError: No manifest, or its sweep file cannot be read.
    """
    manifest = read_manifest(Path(sweep_dir))
    where = Path(sweep_dir) / MANIFEST
    text = manifest.get("sweep_file")
    if not isinstance(text, str):
        raise InputError(f"{where}: sweep_file: missing; cannot tell levers from uncertainties")
    try:
        spec: SweepSpec = SweepSpec.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"{where}: sweep_file: cannot read the sweep: {first}") from None
    return [f.key for f in spec.levers], [f.key for f in spec.uncertainties]


def discover(  # noqa: PLR0913 (public API: the analysis's options, as keywords)
    sweep_dir: str | Path,
    better: str,
    than: str | None = None,
    kpi: str = "contribution_total",
    threshold: float | None = None,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    *,
    lever: str | None = None,
    min_density: float | None = None,
) -> DiscoveryResult:
    """Which market conditions (uncertainties) make one design beat another, in a sweep.

    Reads the sweep's finished runs (:func:`sim.sweep.store.load_sweep_frame`, ``wide=True``)
    and its levers and uncertainties (the manifest's sweep file), then runs
    :func:`discover_frame`.

    Args:
        sweep_dir: The sweep directory.
        better: A lever value: the design of interest. In threshold mode (``than`` None),
            :data:`ALL_RUNS` (``"*"``) analyses every run.
        than: The lever value compared against; None for threshold mode.
        kpi: The KPI.
        threshold: Threshold mode: the KPI threshold (default: its 75th percentile).
        peel_alpha: Share of the cases PRIM peels per step.
        mass_min: Smallest mass of a box.
        lever: The lever to compare, when the values occur in several levers.
        min_density: Keep the largest-coverage box whose density reaches this (default:
            PRIM's last box).

    Returns:
        The box and its statistics.

    Raises:
        InputError: Not a sweep directory, no finished runs, or any problem
            :func:`discover_frame` raises for.
    """
    levers, uncertainties = sweep_factors(sweep_dir)
    if not uncertainties:
        raise InputError(
            f"{sweep_dir}: the sweep has no uncertainties; scenario discovery needs market "
            "conditions ([[uncertainties]]) to explain the outcome"
        )
    frame = load_sweep_frame(sweep_dir, wide=True)
    if frame.empty:
        raise InputError(f"{sweep_dir}: no finished runs to analyse")
    return discover_frame(
        frame,
        uncertainties,
        better,
        than,
        kpi,
        threshold,
        levers=levers,
        lever=lever,
        peel_alpha=peel_alpha,
        mass_min=mass_min,
        min_density=min_density,
    )


# ---------------------------------------------------------------------------------------------
# main effects: summary_by_lever.csv
# ---------------------------------------------------------------------------------------------

LEVER_SUMMARY = "summary_by_lever.csv"
"""File name of the main effects of a sweep."""

LEVER_SUMMARY_COLUMNS: tuple[str, ...] = (
    "lever",
    "role",
    "kpi",
    "kind",
    "level",
    "n",
    "estimate",
    "ci_low",
    "ci_high",
)
"""Columns of ``summary_by_lever.csv``: ``kind`` is ``mean`` (the KPI's mean over the runs at
``level``, 95 % t-interval) or ``slope`` (KPI change per unit of the lever, OLS over every run,
95 % t-interval; ``level`` empty)."""

SLOPE_MIN_LEVELS = 6
"""A numeric factor with at least this many distinct levels also gets a slope."""

MAX_LEVELS = 20
"""A factor with more distinct levels (e.g. a Latin hypercube) gets only its slope."""


def _slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, float | None]:
    """OLS slope of y on x with its 95 % t-interval (bounds None with fewer than 3 runs)."""
    dx = x - x.mean()
    sxx = float(dx @ dx)
    slope = float(dx @ (y - y.mean())) / sxx
    n = len(x)
    if n < 3:
        return slope, None, None
    resid = y - y.mean() - slope * dx
    se = float(np.sqrt(float(resid @ resid) / (n - 2) / sxx))
    half = float(sps.t.ppf(0.975, n - 2)) * se
    return slope, slope - half, slope + half


def _factor_rows(data: pd.DataFrame, key: str, kpi: str, role: str) -> list[dict[str, Any]]:
    """The main effect of one factor on one KPI: means per level, and the slope if continuous."""
    rows: list[dict[str, Any]] = []
    base = {"lever": key, "role": role, "kpi": kpi}
    column = data[key]
    if pd.api.types.is_float_dtype(column) and bool(np.all(column == np.round(column))):
        data = data.assign(**{key: column.astype(np.int64)})  # an integer key read back as float
    levels = data[key].drop_duplicates().sort_values().tolist()
    if len(levels) <= MAX_LEVELS:
        for level in levels:
            iv = t_interval(data.loc[data[key] == level, kpi].to_numpy(dtype=np.float64))
            rows.append(
                {**base, "kind": "mean", "level": level, "n": iv.n, "estimate": iv.mean}
                | {"ci_low": iv.low, "ci_high": iv.high}
            )
    numeric = pd.api.types.is_numeric_dtype(data[key]) and not pd.api.types.is_bool_dtype(data[key])
    if numeric and len(levels) >= SLOPE_MIN_LEVELS:
        x = data[key].to_numpy(dtype=np.float64)
        slope, low, high = _slope(x, data[kpi].to_numpy(dtype=np.float64))
        rows.append(
            {**base, "kind": "slope", "level": None, "n": len(x), "estimate": slope}
            | {"ci_low": low, "ci_high": high}
        )
    return rows


def lever_summary(
    runs: pd.DataFrame, factors: list[tuple[str, str]], kpis: list[str]
) -> pd.DataFrame:
    """The main effect of each factor on each KPI, one factor at a time (the others averaged).

    Args:
        runs: One row per run, a column per factor and per KPI (``load_sweep_frame(wide=True)``).
        factors: ``(key, role)`` pairs, role ``lever`` or ``uncertainty``.
        kpis: The KPIs.

    Returns:
        A frame with :data:`LEVER_SUMMARY_COLUMNS` (factors and KPIs missing from ``runs`` are
        left out).
    """
    rows: list[dict[str, Any]] = []
    for key, role in factors:
        for kpi in kpis:
            if key in runs.columns and kpi in runs.columns:
                rows += _factor_rows(runs[[key, kpi]].dropna(), key, kpi, role)
    return pd.DataFrame(rows, columns=list(LEVER_SUMMARY_COLUMNS))


def write_lever_summary(
    sweep_dir: str | Path, loaded_sweep: LoadedSweep
) -> tuple[Path, pd.DataFrame] | None:
    """Write ``summary_by_lever.csv`` for the sweep's factors and KPIs.

    Args:
        sweep_dir: The sweep directory.
        loaded_sweep: The sweep.

    Returns:
        The file's path and its table; None (nothing written) for a sweep without factors.
    """
    spec = loaded_sweep.spec
    factors = [(f.key, "lever") for f in getattr(spec, "levers", None) or []]
    factors += [(f.key, "uncertainty") for f in getattr(spec, "uncertainties", None) or []]
    if not factors:
        return None
    table = lever_summary(load_sweep_frame(sweep_dir, wide=True), factors, list(spec.kpis))
    path = Path(sweep_dir) / LEVER_SUMMARY
    table.to_csv(path, index=False)
    return path, table


def _number(value: Any) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):,.4g}"


def format_lever_summary(table: pd.DataFrame) -> str:
    """The main effects as text: per factor and KPI, each level's mean [95 % CI], the slope."""
    lines = ["Main effects (each factor alone, the others averaged; 95 % CI):"]
    for (lever, kpi), group in table.groupby(["lever", "kpi"], sort=False):
        lines.append(f"  {lever} → {kpi}")
        for row in group.itertuples(index=False):
            where = f"at {row.level}" if row.kind == "mean" else "slope per unit"
            lines.append(
                f"    {where}: {_number(row.estimate)} "
                f"[{_number(row.ci_low)}, {_number(row.ci_high)}] (n={row.n})"
            )
    return "\n".join(lines) + "\n"
