"""Global sensitivity of a sweep's KPIs to its factors: Sobol indices or Morris screening.

For a ``sobol`` sweep, :func:`analyse` computes per KPI and factor the first-order index
``S1`` and the total-order index ``ST`` with their bootstrap confidence half-widths
(``S1_conf``, ``ST_conf``; :func:`SALib.analyze.sobol.analyze` with
``calc_second_order=False``, as the design was sampled). For a ``morris`` sweep it computes the
mean elementary effect ``mu``, the mean absolute effect ``mu_star`` with its confidence
half-width ``mu_star_conf``, and their standard deviation ``sigma``
(:func:`SALib.analyze.morris.analyze`, ``num_levels=4``); an elementary effect is the change
of the KPI over one Morris step divided by that step in the unit cube (2/3 for four levels), so
``mu_star`` is in the KPI's units per whole factor range. Confidence levels are 95 %; the
bootstrap is seeded with the sweep's ``seed``.

The model output ``Y`` of a design point is the mean of the KPI over the point's
replications, in design order: the manifest's ``design`` maps each run id to its point (two
points resolving to the same scenario share a run id, and so its value). A KPI with a point
without any finished run, or whose output is constant, gets NaN indices and a ``note``.

Files written into the sweep directory:

* ``sensitivity.csv``: one row per KPI × factor (KPIs in the order of the sweep's ``kpis``, a
  table KPI such as ``channel_mix`` expanded to its channels; factors in factor order):
  ``kpi``, ``factor``, ``method``, then ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (sobol) or
  ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma`` (morris), then ``note``.
* ``sensitivity_<kpi>.png`` (dots of the KPI replaced by ``_``): a bar chart per KPI with the
  confidence intervals as error bars (S1 and ST; or μ* and σ).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.analysis.kpi_registry import unit_of
from sim.analysis.saturation import kpi_columns
from sim.errors import InputError

if TYPE_CHECKING:
    from sim.sweep.spec import LoadedSweep, SweepSpec

FloatArray = NDArray[np.float64]

METHODS: tuple[str, ...] = ("sobol", "morris")
"""The sweep methods sensitivity analysis accepts."""

INDEX_COLUMNS: dict[str, tuple[str, ...]] = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
}
"""The index columns of ``sensitivity.csv`` per method."""

CSV_FILE = "sensitivity.csv"
"""The table of indices in the sweep directory."""

CONF_LEVEL = 0.95
"""Confidence level of the bootstrap intervals."""

NUM_RESAMPLES = 100
"""Bootstrap resamples of the confidence intervals."""

NOT_SENSITIVITY = "sensitivity needs a sobol or morris sweep"
"""The message for sweeps of any other method."""

MORRIS_LEVELS = 4
"""Grid levels of a Morris design (the sampler, :mod:`sim.sweep.design`, and the analysis)."""


def check_method(loaded: LoadedSweep) -> str:
    """The sweep's method when it is one sensitivity analysis accepts.

    Args:
        loaded: A loaded sweep.

    Returns:
        ``"sobol"`` or ``"morris"``.

    Raises:
        InputError: Any other method.
    """
    method = str(loaded.spec.method)
    if method not in METHODS:
        raise InputError(f"{loaded.path}: method {method!r}: {NOT_SENSITIVITY}")
    return method


def point_means(
    run_points: Sequence[tuple[int, str]], values: Mapping[str, float], n_points: int
) -> FloatArray:
    """The model output of each design point: the mean over its replications, in design order.

    Args:
        run_points: ``(point, run_id)`` of every run of the design (points may share run ids).
        values: A KPI's value per run id (runs without a value are missing or NaN).
        n_points: The number of design points.

    Returns:
        An array of ``n_points`` means; NaN for a point without any value.
    """
    sums = np.zeros(n_points, dtype=np.float64)
    counts = np.zeros(n_points, dtype=np.int64)
    for point, run_id in run_points:
        value = values.get(run_id)
        if value is None or not math.isfinite(float(value)):
            continue
        sums[point] += float(value)
        counts[point] += 1
    out = np.full(n_points, np.nan)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def compute_indices(
    problem: Mapping[str, Any],
    method: str,
    y: FloatArray,
    x: FloatArray | None = None,
    seed: int | None = None,
) -> dict[str, FloatArray]:
    """Sobol or Morris indices of one output.

    Args:
        problem: The SALib problem (``num_vars``, ``names``, ``bounds``).
        method: ``"sobol"`` or ``"morris"``.
        y: The output at each design point, in design order (finite).
        x: The design matrix in the problem's bounds (Morris only).
        seed: Seed of the bootstrap.

    Returns:
        The columns of :data:`INDEX_COLUMNS` for the method, one value per factor.

    Raises:
        ValueError: Unknown method, or Morris without ``x``.
    """
    d = int(problem["num_vars"])
    yv = np.asarray(y, dtype=np.float64)
    if method == "sobol":
        # lazy: SALib is heavy, only for the indices (measured)
        from SALib.analyze import sobol

        res = sobol.analyze(
            dict(problem),
            yv,
            calc_second_order=False,
            num_resamples=NUM_RESAMPLES,
            conf_level=CONF_LEVEL,
            print_to_console=False,
            seed=seed,
        )
    elif method == "morris":
        # lazy: SALib is heavy, only for the indices (measured)
        from SALib.analyze import morris

        if x is None:
            raise ValueError("Morris needs the design matrix x")
        with warnings.catch_warnings():
            if yv.size // (d + 1) < 2:
                # One trajectory: sigma (ddof 1) is undefined; numpy warns and returns NaN.
                warnings.simplefilter("ignore", RuntimeWarning)
            res = morris.analyze(
                dict(problem),
                np.asarray(x, dtype=np.float64),
                yv,
                num_resamples=NUM_RESAMPLES,
                conf_level=CONF_LEVEL,
                print_to_console=False,
                num_levels=MORRIS_LEVELS,
                seed=seed,
            )
    else:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    return {
        c: np.asarray(np.ma.filled(res[c], np.nan), dtype=np.float64) for c in INDEX_COLUMNS[method]
    }


def sensitivity_frame(
    spec: SweepSpec,
    run_points: Sequence[tuple[int, str]],
    runs: pd.DataFrame,
    problem: Mapping[str, Any],
    unit: FloatArray | None = None,
) -> pd.DataFrame:
    """The indices of every KPI of a sweep (the table of ``sensitivity.csv``).

    Args:
        spec: The sweep (method sobol or morris).
        run_points: ``(point, run_id)`` of every run of the design.
        runs: One row per finished run: ``run_id`` and KPI columns
            (:func:`sim.sweep.store.load_sweep_frame` with ``wide=True``).
        problem: The SALib problem of the sweep (:func:`sim.sweep.reports.sensitivity_problem`).
        unit: The design in the unit cube (:func:`sim.sweep.design.unit_design`); Morris needs
            it.

    Raises:
        ValueError: Morris without ``unit``.

    Returns:
        One row per KPI × factor, columns as in ``sensitivity.csv``.
    """
    method = str(spec.method)
    n_points = max((p for p, _ in run_points), default=-1) + 1
    x: FloatArray | None = None
    if method == "morris":
        if unit is None:
            raise ValueError("Morris needs the design in the unit cube")
        u = np.asarray(unit, dtype=np.float64)
        bounds = np.asarray(problem["bounds"], dtype=np.float64)
        x = bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])
        n_points = max(n_points, int(u.shape[0]))
    reserved = {"run_id", "point", "replication", "seed", *problem["names"]}
    kpis = kpi_columns(list(spec.kpis), [str(c) for c in runs.columns if c not in reserved])
    by_run = runs.drop_duplicates("run_id").set_index("run_id")
    columns = INDEX_COLUMNS[method]
    rows: list[dict[str, Any]] = []
    for kpi in kpis:
        values: dict[str, float] = {}
        if kpi in by_run.columns:
            values = {str(k): float(v) for k, v in by_run[kpi].astype("float64").items()}
        y = point_means(run_points, values, n_points)
        missing = int(np.sum(~np.isfinite(y)))
        note = ""
        result: dict[str, FloatArray] = {}
        if missing:
            note = f"no value at {missing} of {n_points} design points"
        elif float(np.ptp(y)) == 0.0:
            note = "the KPI is constant over the design"
        else:
            result = compute_indices(problem, method, y, x, seed=int(spec.seed))
        for i, factor in enumerate(problem["names"]):
            row: dict[str, Any] = {"kpi": kpi, "factor": factor, "method": method}
            for c in columns:
                row[c] = float(result[c][i]) if result else math.nan
            row["note"] = note
            rows.append(row)
    return pd.DataFrame(rows, columns=["kpi", "factor", "method", *columns, "note"])


def plot_indices(path: Path, table: pd.DataFrame, kpi: str) -> Path:
    """Bar chart of one KPI's indices with their confidence intervals, as a PNG.

    Args:
        path: The PNG's path.
        table: The rows of ``sensitivity.csv`` for this KPI.
        kpi: The KPI's name (title).

    Returns:
        ``path``.
    """
    # lazy: pyplot only when a chart is drawn (measured)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    method = str(table["method"].iloc[0]) if len(table) else "sobol"
    factors = [str(f) for f in table["factor"]]
    pos = np.arange(len(factors), dtype=np.float64)
    width = 0.38
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(factors) + 2.0), 4.5))

    def col(name: str) -> FloatArray:
        return np.nan_to_num(table[name].to_numpy(dtype=np.float64), nan=0.0)

    if method == "sobol":
        ax.bar(
            pos - width / 2,
            col("S1"),
            width,
            yerr=col("S1_conf"),
            capsize=3,
            label="S1 (first order)",
        )
        ax.bar(
            pos + width / 2,
            col("ST"),
            width,
            yerr=col("ST_conf"),
            capsize=3,
            label="ST (total order)",
        )
        ax.set_ylabel("Sobol index (95 % CI)")
    else:
        ax.bar(
            pos - width / 2,
            col("mu_star"),
            width,
            yerr=col("mu_star_conf"),
            capsize=3,
            label="μ* (95 % CI)",
        )
        ax.bar(pos + width / 2, col("sigma"), width, label="σ")
        unit = unit_of(kpi)  # μ* is in the KPI's unit per whole factor range
        per_range = f" ({unit} per factor range)" if unit else ""
        ax.set_ylabel(f"Morris elementary effects of {kpi}{per_range}")
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xticks(pos)
    ax.set_xticklabels(factors, rotation=20, ha="right", fontsize=8)
    notes = sorted({str(n) for n in table["note"] if str(n)})
    ax.set_title(kpi + (f" — {notes[0]}" if notes else ""), fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def write_sensitivity_files(out_dir: str | Path, table: pd.DataFrame) -> None:
    """Write ``sensitivity.csv`` and one chart per KPI (``sensitivity_<kpi>.png``).

    Args:
        out_dir: Where to write (the sweep directory).
        table: The indices (:func:`sensitivity_frame`).
    """
    root = Path(out_dir)
    table.to_csv(root / CSV_FILE, index=False)
    for kpi in dict.fromkeys(table["kpi"]):
        plot_indices(
            root / f"sensitivity_{str(kpi).replace('.', '_')}.png",
            table[table["kpi"] == kpi],
            str(kpi),
        )


__all__ = [
    "CSV_FILE",
    "INDEX_COLUMNS",
    "METHODS",
    "MORRIS_LEVELS",
    "NOT_SENSITIVITY",
    "check_method",
    "compute_indices",
    "plot_indices",
    "point_means",
    "sensitivity_frame",
    "write_sensitivity_files",
]
