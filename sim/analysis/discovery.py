"""Scenario discovery: which market conditions make one design beat another (PRIM).

A sweep's *uncertainties* are the market conditions; its *levers* are what the vendor decides.
:func:`discover_frame` labels every case of a finished sweep as of interest or not and runs PRIM
(the Patient Rule Induction Method, through ``ema_workbench.analysis.prim``) on the
uncertainties to find one box — a range per uncertainty — where the cases of interest
concentrate. Two modes:

* **comparison** (``than`` given): the sweep has a lever whose design values include
  ``better`` and ``than`` (e.g. ``partners.var.discount`` = ``"0.3"`` and ``"0.2"``). Runs are
  paired when they share the seed, the uncertainties and every other lever (the same point
  apart from that lever), and a pair is of interest when ``KPI(better) > KPI(than)``. The design
  must cross the lever with the uncertainties (e.g. ``method = "grid"``).
* **threshold** (``than`` None): every run of design ``better`` (or every run of the sweep when
  ``better`` is :data:`ALL_RUNS`) is a case, of interest when ``KPI >= threshold`` (default:
  the 75th percentile of the KPI over those runs).

The box's quality is read from its *coverage* (share of all cases of interest that fall in the
box), *density* (share of the cases in the box that are of interest) and *mass* (share of all
cases in the box). PRIM peels the box step by step; the *peeling trajectory* holds these three
along the way, and the box kept is the last one (or, with ``min_density``, the one of largest
coverage whose density reaches it). :func:`write_discovery` writes the box, the trajectory and
a coverage–density trade-off plot.

:func:`discover_frame` works on a DataFrame (one row per run, as
:func:`sim.sweep.store.load_sweep_frame` gives with ``wide=True``), usable without files;
:func:`sim.sweep.reports.discover` reads a sweep directory and calls it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.errors import Pandas4Warning

from sim.errors import InputError

__all__ = [
    "ALL_RUNS",
    "BOX_COLUMNS",
    "DEFAULT_QUANTILE",
    "TRAJECTORY_COLUMNS",
    "DiscoveryResult",
    "discover_frame",
    "plot_tradeoff",
    "write_discovery",
]

ALL_RUNS = "*"
"""``better`` in threshold mode (``than`` None) meaning every run of the sweep."""

DEFAULT_QUANTILE = 0.75
"""Threshold mode: the default threshold is this quantile of the KPI."""

BOX_COLUMNS: tuple[str, ...] = ("uncertainty", "low", "high", "categories", "restricted")
"""Columns of :attr:`DiscoveryResult.box` (and of ``discovery_<name>_box.csv``)."""

TRAJECTORY_COLUMNS: tuple[str, ...] = (
    "id",
    "coverage",
    "density",
    "mass",
    "res_dim",
    "n",
    "k",
    "chosen",
)
"""Columns of :attr:`DiscoveryResult.trajectory` (and of ``discovery_<name>_trajectory.csv``)."""


@dataclass(frozen=True)
class DiscoveryResult:
    """The box PRIM found, with its statistics and the peeling trajectory.

    Attributes:
        kpi: The KPI compared.
        mode: ``"comparison"`` (``better`` vs ``than``) or ``"threshold"``.
        lever: The lever whose values are compared (comparison mode), else the lever ``better``
            selected runs of (threshold mode), or None (every run).
        better: The design of interest (a lever value as given), or None (every run).
        than: The design compared against (comparison mode), else None.
        threshold: Threshold mode: the KPI threshold; None in comparison mode.
        uncertainties: The uncertainties PRIM worked on (the columns of ``x``).
        box: One row per uncertainty (:data:`BOX_COLUMNS`): the box's ``low`` and ``high``
            limits of a numeric uncertainty (NaN for a categorical one), the categories kept
            in the box of a categorical one (``;``-separated, empty for a numeric one), and
            whether the box restricts it.
        coverage: Share of the cases of interest that lie in the box.
        density: Share of the cases in the box that are of interest.
        mass: Share of all cases that lie in the box.
        n_cases: Number of cases (runs, or pairs of runs in comparison mode).
        n_interest: Number of cases of interest.
        n_in_box: Number of cases in the box.
        box_index: The chosen box's position on the trajectory.
        trajectory: The peeling (and pasting) trajectory (:data:`TRAJECTORY_COLUMNS`), one
            row per box, ``chosen`` marking the box kept.
    """

    kpi: str
    mode: str
    lever: str | None
    better: str | None
    than: str | None
    threshold: float | None
    uncertainties: tuple[str, ...]
    box: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n_cases: int
    n_interest: int
    n_in_box: int
    box_index: int
    trajectory: pd.DataFrame

    @property
    def restricted(self) -> list[str]:
        """The uncertainties the box restricts (the rule found)."""
        return [str(u) for u in self.box.loc[self.box["restricted"], "uncertainty"]]

    def describe(self) -> str:
        """A one-paragraph, readable account of the box."""
        if self.mode == "comparison":
            what = f"{self.lever}={self.better} beats {self.lever}={self.than} on {self.kpi}"
        else:
            who = "all runs" if self.better is None else f"{self.lever}={self.better}"
            what = f"{self.kpi} >= {self.threshold:.6g} ({who})"
        rules = []
        for row in self.box.to_dict("records"):
            if not row["restricted"]:
                continue
            name = str(row["uncertainty"])
            if row["categories"]:
                rules.append(f"{name} in {{{row['categories']}}}")
            else:
                rules.append(f"{float(row['low']):.6g} <= {name} <= {float(row['high']):.6g}")
        rule = " and ".join(rules) if rules else "no restriction"
        return (
            f"{what}: {self.n_interest} of {self.n_cases} cases. Box: {rule}; "
            f"coverage {self.coverage:.3f}, density {self.density:.3f}, mass {self.mass:.3f}."
        )


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _prim_module() -> Any:
    """Import ``ema_workbench.analysis.prim``, silencing its optional-dependency warnings.

    Importing ema_workbench 3.0.0 warns, once, about optional extras this package does not
    use: a ``UserWarning`` "ipyparallel not installed - IpyparalleEvaluator not available" (from
    ``ema_workbench.em_framework``) and an ``ImportWarning`` "altair based interactive
    inspection not available" (from ``ema_workbench.analysis.prim``). Under warnings-as-errors
    (pytest here, ``python -W error``) they would make the import fail, so exactly these two
    are ignored; any other warning still surfaces.

    Returns:
        The module.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
        warnings.filterwarnings(
            "ignore", message="altair based interactive inspection", category=ImportWarning
        )
        # lazy: optional heavy dependency, only for discovery (measured)
        from ema_workbench.analysis import prim

    return prim


def _as_number(value: Any) -> float | None:
    """A value as a finite float if it is (or spells) a number, else None (bools are not)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _matches(column: pd.Series, wanted: str) -> np.ndarray:
    """Which values of ``column`` are the design value ``wanted`` (as text, or as a number)."""
    target = _as_number(wanted)
    out = np.zeros(len(column), dtype=bool)
    for i, value in enumerate(column.tolist()):
        if str(value) == wanted:
            out[i] = True
        elif target is not None:
            number = _as_number(value)
            out[i] = number is not None and math.isclose(
                number, target, rel_tol=1e-12, abs_tol=1e-15
            )
    return out


def _values_text(column: pd.Series) -> str:
    """The distinct values of a column, for an error message."""
    values = sorted({str(v) for v in column.dropna().tolist()})
    shown = ", ".join(values[:10]) + (", ..." if len(values) > 10 else "")
    return f"[{shown}]"


def _prepare_x(frame: pd.DataFrame, uncertainties: Sequence[str]) -> pd.DataFrame:
    """The uncertainty columns as PRIM wants them: numbers as float64, the rest as objects.

    ema-workbench 3.0.0 mishandles integer columns under pandas 3, so they are cast to float;
    bools and text become object (categorical) columns.
    """
    x = pd.DataFrame(index=range(len(frame)))
    for name in uncertainties:
        column = frame[name].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(
            column.dtype
        ):
            x[name] = pd.Series([str(v) for v in column.tolist()], dtype=object)
        else:
            x[name] = column.astype(np.float64)
    return x


def _find_lever(
    frame: pd.DataFrame, levers: Sequence[str], better: str, than: str, lever: str | None
) -> str:
    """The lever whose column holds both design values."""
    if lever is not None:
        if lever not in frame.columns:
            known = ", ".join(levers) or "none"
            raise InputError(f"lever {lever!r} is not in the sweep; its levers: {known}")
        candidates = [lever]
    else:
        candidates = [name for name in levers if name in frame.columns]
        if not candidates:
            raise InputError(
                f"the sweep has no levers; comparing {better!r} with {than!r} needs a lever "
                "with both values"
            )
    found = [
        name
        for name in candidates
        if _matches(frame[name], better).any() and _matches(frame[name], than).any()
    ]
    if not found:
        values = "; ".join(f"{name} {_values_text(frame[name])}" for name in candidates)
        raise InputError(
            f"no lever of the sweep has both values {better!r} and {than!r}; values: {values}"
        )
    if len(found) > 1:
        raise InputError(
            f"values {better!r} and {than!r} occur in several levers ({', '.join(found)}); "
            "name the lever to compare"
        )
    return found[0]


def _labels_comparison(
    frame: pd.DataFrame,
    uncertainties: Sequence[str],
    levers: Sequence[str],
    lever: str,
    better: str,
    than: str,
    kpi: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Pair the runs of ``better`` and ``than`` and label the pairs where ``better`` wins."""
    if better == than or _matches(pd.Series([better]), than).all():
        raise InputError(f"{lever}: 'better' and 'than' are the same value ({better!r})")
    seed = ["seed"] if "seed" in frame.columns else []
    keys = [*[c for c in levers if c != lever and c in frame.columns], *uncertainties, *seed]
    sides = []
    for wanted in (better, than):
        rows = frame.loc[_matches(frame[lever], wanted), [*keys, kpi]]
        rows = rows[np.isfinite(rows[kpi].to_numpy(dtype=np.float64))]
        # Repeated points (e.g. a random design drawing the same values) are averaged.
        sides.append(rows.groupby(keys, as_index=False, sort=True, dropna=False)[kpi].mean())
    pairs = sides[0].merge(sides[1], on=keys, how="inner", suffixes=("_better", "_than"))
    if pairs.empty:
        raise InputError(
            f"{lever}: no runs of {better!r} and {than!r} share the seed and the uncertainties "
            "(and the other levers); use a design that crosses the lever with the uncertainties"
            ' (method = "grid")'
        )
    diff = pairs[f"{kpi}_better"].to_numpy(np.float64) - pairs[f"{kpi}_than"].to_numpy(np.float64)
    return pairs.reset_index(drop=True), diff > 0


def _box_table(prim_obj: Any, box_lim: pd.DataFrame, uncertainties: Sequence[str]) -> pd.DataFrame:
    """The box limits as one row per uncertainty (:data:`BOX_COLUMNS`)."""
    init = prim_obj.box_init
    rows: list[dict[str, Any]] = []
    for name in uncertainties:
        if name not in box_lim.columns:  # dropped by PRIM: a single category
            rows.append(
                {
                    "uncertainty": name,
                    "low": math.nan,
                    "high": math.nan,
                    "categories": "",
                    "restricted": False,
                }
            )
            continue
        low, high = box_lim[name].iloc[0], box_lim[name].iloc[1]
        if isinstance(low, set | frozenset):
            kept = sorted(str(v) for v in low)
            restricted = set(low) != set(init[name].iloc[0])
            rows.append(
                {
                    "uncertainty": name,
                    "low": math.nan,
                    "high": math.nan,
                    "categories": ";".join(kept),
                    "restricted": restricted,
                }
            )
        else:
            restricted = bool(low > init[name].iloc[0] or high < init[name].iloc[1])
            rows.append(
                {
                    "uncertainty": name,
                    "low": float(low),
                    "high": float(high),
                    "categories": "",
                    "restricted": restricted,
                }
            )
    return pd.DataFrame(rows, columns=list(BOX_COLUMNS))


def _choose(trajectory: pd.DataFrame, min_density: float | None) -> int:
    """The box to keep: the last, or the largest-coverage one with density >= min_density."""
    last = len(trajectory) - 1
    if min_density is None:
        return last
    ok = trajectory[trajectory["density"] >= min_density - 1e-12]
    if ok.empty:
        return last
    best = ok.sort_values(["coverage", "density", "id"], ascending=[False, False, True])
    return int(best["id"].iloc[0])


# ---------------------------------------------------------------------------------------------
# the core
# ---------------------------------------------------------------------------------------------


def discover_frame(  # noqa: PLR0913 (public API: the analysis's options, as keywords)
    frame: pd.DataFrame,
    uncertainties: Sequence[str],
    better: str | None,
    than: str | None = None,
    kpi: str = "contribution_total",
    threshold: float | None = None,
    *,
    levers: Sequence[str] = (),
    lever: str | None = None,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    min_density: float | None = None,
) -> DiscoveryResult:
    """Find the market conditions under which the cases of interest concentrate (PRIM).

    Args:
        frame: One row per run: the design's columns (levers, uncertainties), ``seed`` and the
            KPI columns, as :func:`sim.sweep.store.load_sweep_frame` gives with ``wide=True``.
        uncertainties: The uncertainty columns (PRIM's inputs).
        better: Comparison mode: the lever value of the design of interest. Threshold mode: a
            lever value whose runs are analysed, or None / :data:`ALL_RUNS` for every run.
            Values are matched as text (``str(value)``) or, when both are numbers, numerically.
        than: The lever value compared against (comparison mode); None for threshold mode.
        kpi: The KPI column.
        threshold: Threshold mode: a case is of interest when ``KPI >= threshold``; default
            the 75th percentile of the KPI over the cases. Ignored in comparison mode.
        levers: The lever columns (to find the lever holding ``better``/``than`` and to pair
            runs that agree on every other lever).
        lever: The lever to compare, when the values occur in several levers.
        peel_alpha: Share of the cases PRIM peels per step.
        mass_min: Smallest mass of a box.
        min_density: If given, keep the box of largest coverage on the trajectory whose
            density reaches it (the last box when none does); default the last box.

    Returns:
        The box and its statistics.

    Raises:
        InputError: No uncertainties (or one missing from ``frame``), the KPI is not in
            ``frame``, the lever or values are not in the sweep, no runs to pair, or no or
            only cases of interest.
    """
    uncs = [str(u) for u in uncertainties]
    _check_inputs(frame, uncs, kpi, levers, peel_alpha, mass_min)
    if than is not None:
        labelled = _comparison_cases(frame, uncs, levers, better, than, kpi, lever)
    else:
        labelled = _threshold_cases(frame, levers, better, kpi, threshold, lever)
    y = labelled.y
    n_interest = int(y.sum())
    if n_interest == 0:
        raise InputError(
            f"no case of interest ({labelled.what}) among {len(y)} cases; nothing to explain"
        )
    if n_interest == len(y):
        raise InputError(
            f"every case is of interest ({labelled.what}, {len(y)} cases); nothing to tell apart"
        )

    x = _prepare_x(labelled.rows, uncs)
    prim_obj, box = _run_prim(x, y, peel_alpha, mass_min)
    raw = box.peeling_trajectory.reset_index(drop=True)
    index = _choose(raw, min_density)
    trajectory = _trajectory_table(raw, index)
    row = trajectory.iloc[index]
    return DiscoveryResult(
        kpi=kpi,
        mode=labelled.mode,
        lever=labelled.lever,
        better=labelled.better,
        than=than,
        threshold=labelled.threshold,
        uncertainties=tuple(uncs),
        box=_box_table(prim_obj, box.box_lims[index], uncs),
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        n_cases=len(y),
        n_interest=n_interest,
        n_in_box=int(row["n"]),
        box_index=index,
        trajectory=trajectory,
    )


@dataclass(frozen=True)
class _Cases:
    """The cases PRIM is to explain and which of them are of interest.

    Attributes:
        mode: ``"comparison"`` or ``"threshold"``.
        rows: One row per case (a run, or a pair of runs in comparison mode).
        y: Whether each case is of interest.
        lever: The lever compared or selected on, or None (every run).
        better: The design of interest, or None (every run).
        threshold: Threshold mode: the KPI threshold used; None in comparison mode.
        what: What "of interest" means, for messages.
    """

    mode: str
    rows: pd.DataFrame
    y: np.ndarray
    lever: str | None
    better: str | None
    threshold: float | None
    what: str


def _check_inputs(
    frame: pd.DataFrame,
    uncs: Sequence[str],
    kpi: str,
    levers: Sequence[str],
    peel_alpha: float,
    mass_min: float,
) -> None:
    """Raise :class:`InputError` for missing uncertainties or KPI, or PRIM settings out of range."""
    if not uncs:
        raise InputError(
            "the sweep has no uncertainties; scenario discovery needs market conditions "
            "([[uncertainties]]) to explain the outcome"
        )
    missing = [u for u in uncs if u not in frame.columns]
    if missing:
        raise InputError(f"uncertainties not in the sweep's results: {', '.join(missing)}")
    if kpi not in frame.columns:
        known = [
            str(c)
            for c in frame.columns
            if c not in {"run_id", "point", "replication", "seed", *uncs, *levers}
        ]
        raise InputError(f"KPI {kpi!r} is not in the sweep's results; KPIs: {', '.join(known)}")
    if not 0.0 < peel_alpha < 0.5:
        raise InputError(f"peel_alpha {peel_alpha} is not accepted; expected 0 < peel_alpha < 0.5")
    if not 0.0 < mass_min < 1.0:
        raise InputError(f"mass_min {mass_min} is not accepted; expected 0 < mass_min < 1")


def _comparison_cases(
    frame: pd.DataFrame,
    uncs: Sequence[str],
    levers: Sequence[str],
    better: str | None,
    than: str,
    kpi: str,
    lever: str | None,
) -> _Cases:
    """Comparison mode: pairs of runs, of interest where ``better`` beats ``than`` on the KPI."""
    if better is None or better == ALL_RUNS:
        raise InputError("comparing designs needs a 'better' lever value")
    chosen_lever = _find_lever(frame, levers, better, than, lever)
    cases, y = _labels_comparison(frame, uncs, levers, chosen_lever, better, than, kpi)
    what = f"{chosen_lever}={better} beats {than} on {kpi}"
    return _Cases("comparison", cases, y, chosen_lever, better, None, what)


def _threshold_cases(
    frame: pd.DataFrame,
    levers: Sequence[str],
    better: str | None,
    kpi: str,
    threshold: float | None,
    lever: str | None,
) -> _Cases:
    """Threshold mode: the runs of ``better`` (or all), of interest where KPI >= threshold."""
    chosen_lever: str | None = None
    if better is None or better == ALL_RUNS:
        better = None
        cases = frame
    else:
        chosen_lever = _find_lever(frame, levers, better, better, lever)
        cases = frame[_matches(frame[chosen_lever], better)]
    values = cases[kpi].to_numpy(dtype=np.float64)
    cases = cases[np.isfinite(values)].reset_index(drop=True)
    values = cases[kpi].to_numpy(dtype=np.float64)
    if len(values) == 0:
        raise InputError(f"no run has a value of {kpi!r}")
    used_threshold = (
        float(np.quantile(values, DEFAULT_QUANTILE)) if threshold is None else float(threshold)
    )
    y = values >= used_threshold
    what = f"{kpi} >= {used_threshold:.6g}"
    return _Cases("threshold", cases, y, chosen_lever, better, used_threshold, what)


def _run_prim(
    x: pd.DataFrame, y: np.ndarray, peel_alpha: float, mass_min: float
) -> tuple[Any, Any]:
    """Run PRIM on ``x`` with labels ``y``; returns the Prim object and the box it found."""
    prim = _prim_module()
    with warnings.catch_warnings():
        # ema-workbench 3.0.0 calls pandas APIs that pandas 3.1 deprecates (e.g.
        # ``drop(inplace=True)``); those Pandas4Warnings come from its code, not ours.
        warnings.filterwarnings("ignore", category=Pandas4Warning, module=r"ema_workbench\.")
        prim_obj = prim.Prim(x, y.astype(bool), peel_alpha=peel_alpha, mass_min=mass_min)
        box = prim_obj.find_box()
    return prim_obj, box


def _trajectory_table(raw: pd.DataFrame, index: int) -> pd.DataFrame:
    """PRIM's peeling trajectory as :data:`TRAJECTORY_COLUMNS`, ``chosen`` marking ``index``."""
    return pd.DataFrame(
        {
            "id": raw["id"].astype(np.int64),
            "coverage": raw["coverage"].astype(np.float64),
            "density": raw["density"].astype(np.float64),
            "mass": raw["mass"].astype(np.float64),
            "res_dim": raw["res_dim"].astype(np.int64),
            "n": raw["n"].astype(np.int64),
            "k": raw["k"].astype(np.int64),
            "chosen": np.arange(len(raw)) == index,
        },
        columns=list(TRAJECTORY_COLUMNS),
    )


def plot_tradeoff(path: Path, result: DiscoveryResult) -> Path:
    """The coverage–density trade-off along the peeling trajectory, the kept box marked.

    Args:
        path: The PNG's path.
        result: The discovery.

    Returns:
        ``path``.
    """
    # lazy: pyplot only when a chart is drawn (measured)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.plots import save_figure

    traj = result.trajectory
    coverage = traj["coverage"].to_numpy(dtype=np.float64)
    density = traj["density"].to_numpy(dtype=np.float64)
    res_dim = traj["res_dim"].to_numpy(dtype=np.float64)
    fig, ax = plt.subplots(figsize=(6.5, 5.0))
    ax.plot(coverage, density, color="0.6", linewidth=0.8, zorder=1)
    points = ax.scatter(coverage, density, c=res_dim, cmap="viridis", s=22, zorder=2)
    fig.colorbar(points, ax=ax, label="restricted dimensions")
    i = result.box_index
    ax.scatter(
        [coverage[i]],
        [density[i]],
        s=160,
        facecolors="none",
        edgecolors="red",
        linewidths=1.8,
        zorder=3,
        label=f"chosen box (#{i}): coverage {coverage[i]:.2f}, density {density[i]:.2f}",
    )
    ax.set_xlim(0.0, 1.02)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    if result.mode == "comparison":
        title = f"{result.lever}: {result.better} beats {result.than} on {result.kpi}"
    else:
        title = f"{result.kpi} ≥ {result.threshold:.4g}"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return save_figure(fig, path)


def write_discovery(result: DiscoveryResult, out_dir: str | Path, name: str) -> list[Path]:
    """Write a discovery's box, trajectory and trade-off plot.

    Files: ``discovery_<name>_box.csv`` (:data:`BOX_COLUMNS`),
    ``discovery_<name>_trajectory.csv`` (:data:`TRAJECTORY_COLUMNS`) and
    ``discovery_<name>_tradeoff.png``.

    Args:
        result: The discovery.
        out_dir: The folder (created if missing).
        name: The files' name part (letters, digits, ``-``, ``_``, ``.``).

    Returns:
        The paths written, in the order above.

    Raises:
        InputError: ``name`` is empty or has other characters.
    """
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise InputError(f"discovery name {name!r}: expected letters, digits, '-', '_' or '.'")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"discovery_{name}"
    box_path = folder / f"{stem}_box.csv"
    traj_path = folder / f"{stem}_trajectory.csv"
    png_path = folder / f"{stem}_tradeoff.png"
    result.box.to_csv(box_path, index=False, float_format="%.10g", lineterminator="\n")
    result.trajectory.to_csv(traj_path, index=False, float_format="%.10g", lineterminator="\n")
    plot_tradeoff(png_path, result)
    return [box_path, traj_path, png_path]
