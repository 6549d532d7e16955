"""Saturation thresholds: the density at which one more partner stops paying, for both sides.

A saturation sweep (:mod:`sim.analysis.saturation`) that lists ``contribution_total`` or
``var_profit_per_active`` among its ``kpis`` (as ``scenarios/sweeps/var_saturation.toml`` does)
also gets ``saturation_thresholds.json`` (:func:`write_saturation_thresholds`) and a short table
on the console (:func:`format_thresholds`). Two rules, both from the grid's replications at
95 %:

* **One more partner adds nothing to the vendor** (:data:`VENDOR_KPI`, ``contribution_total``).
  For consecutive lever values ``x_i < x_{i+1}`` and each seed run at both (common random
  numbers: replication k at ``x_i`` against replication k at ``x_{i+1}``), the paired difference
  per added unit of the lever is ``d_k = (y_k(x_{i+1}) − y_k(x_i)) / (x_{i+1} − x_i)``; the step's
  marginal value is the mean of the ``d_k`` with its Student-t interval (the paired t-interval
  of :func:`sim.analysis.stats.paired_test`, divided by the step). ``adds_nothing`` is the first
  step whose interval includes or lies below zero (lower bound ≤ 0): there, one more partner's
  contribution is not distinguishable from nothing. ``subtracts`` is the first step whose upper
  bound is below zero: one more partner lowers the vendor's contribution. ``last_positive`` is
  the last step whose interval lies wholly above zero (every later step's includes or lies below
  zero): a check on the first rule, which one underpowered step can meet early. Each is
  reported with the step's values, per territory, and the fitted saturation curve's slope
  (:func:`sim.analysis.saturation.fit_saturation` on every run) at the step's midpoint (always
  inside the swept range: the slope is never extrapolated); the fit's ``status`` says whether
  the curve shows saturation at all (it beats a straight line by AICc, R² ≥ 0.5, and its
  half-saturation point lies in the grid).
* **The average partner earns less than its cost of effort** (:data:`PROFIT_KPI`,
  ``var_profit_per_active``: profit after every cost, effort included, per active partner
  month). From the KPI's mean and t-interval at each lever value
  (:func:`sim.analysis.saturation.aggregate`): ``below_cost`` is the first value whose upper
  bound is below 0 (the average partner's profit is below its cost of effort at 95 %), and
  ``mean_below_cost`` the first value whose mean is below 0.

A rule that no step or value meets is reported as ``null`` with "not reached in the grid". With
fewer than two seeds at both ends of a step the step has no interval and meets no rule.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from sim.analysis.saturation import LEVEL, aggregate, fit_saturation, kpi_columns
from sim.analysis.stats import paired_test

VENDOR_KPI = "contribution_total"
"""The vendor's KPI whose marginal value per added partner is tested."""

PROFIT_KPI = "var_profit_per_active"
"""The partners' profit per active partner-month, tested against 0 (their cost of effort)."""

CONTEXT_KPIS: tuple[str, ...] = ("var_margin_rate", "var_revenue_per_active")
"""Per-partner KPIs shown beside the thresholds (means and intervals per lever value)."""

FILE_NAME = "saturation_thresholds.json"
"""The file :func:`write_saturation_thresholds` writes into the sweep directory."""

NOT_REACHED = "not reached in the grid"

RULES = {
    "adds_nothing": "first step between consecutive lever values whose 95 % paired t-interval "
    "of the change in contribution_total per added unit (common seeds) has lower bound <= 0",
    "subtracts": "first such step whose interval's upper bound is < 0",
    "last_positive": "last such step whose interval's lower bound is > 0",
    "below_cost": "first lever value whose 95 % t-interval of var_profit_per_active has upper "
    "bound < 0",
    "mean_below_cost": "first lever value whose mean var_profit_per_active is < 0",
}
"""The rules, as written into the file."""

STEP_COLUMNS = ["from_value", "to_value", "pairs", "mean_per_unit", "ci_low", "ci_high"]


def paired_steps(x: ArrayLike, seed: ArrayLike, y: ArrayLike, level: float = LEVEL) -> pd.DataFrame:
    """The KPI's change per added unit of the lever between consecutive values, paired by seed.

    Args:
        x: Lever value of each run.
        seed: Seed (or replication) of each run; runs with the same seed are paired.
        y: KPI value of each run (non-finite ones are left out).
        level: Confidence level.

    Returns:
        One row per step between consecutive distinct lever values, ascending: ``from_value``,
        ``to_value``, ``pairs`` (seeds finished at both), ``mean_per_unit`` and its interval
        ``ci_low``, ``ci_high`` (NaN with fewer than 2 pairs; ``mean_per_unit`` NaN without).
    """
    runs = pd.DataFrame(
        {
            "x": np.asarray(x, dtype=np.float64).ravel(),
            "seed": np.asarray(seed).ravel(),
            "y": np.asarray(y, dtype=np.float64).ravel(),
        }
    )
    runs = runs[np.isfinite(runs["x"]) & np.isfinite(runs["y"])]
    wide = runs.pivot_table(index="seed", columns="x", values="y", aggfunc="mean")
    values = sorted(float(v) for v in wide.columns)
    rows: list[dict[str, float]] = []
    for lo, hi in itertools.pairwise(values):
        both = wide[[lo, hi]].dropna()
        test = paired_test(both[lo].to_numpy(), both[hi].to_numpy(), level)
        step = hi - lo
        rows.append(
            {
                "from_value": lo,
                "to_value": hi,
                "pairs": len(both),
                "mean_per_unit": _scaled(test.interval.mean, step),
                "ci_low": _scaled(test.interval.low, step),
                "ci_high": _scaled(test.interval.high, step),
            }
        )
    return pd.DataFrame(rows, columns=STEP_COLUMNS)


def _scaled(value: float | None, step: float) -> float:
    return math.nan if value is None else value / step


def first_row(table: pd.DataFrame, mask: pd.Series) -> dict[str, Any] | None:
    """The first row of ``table`` where ``mask`` holds (NaN comparisons never hold), or None."""
    hits = table[mask.fillna(False).astype(bool)]
    return None if hits.empty else {str(k): _plain(v) for k, v in hits.iloc[0].items()}


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar: Python numbers, NaN and infinities as None."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def _per_unit(table: pd.DataFrame, columns: Sequence[str], territories: int | None) -> None:
    """Add ``<column>_per_territory`` beside each lever-value column (NaN without a count)."""
    for column in columns:
        name = column.replace("_value", "") + "_per_territory"
        table[name] = table[column] / territories if territories else math.nan


def marginal_thresholds(
    x: ArrayLike, seed: ArrayLike, y: ArrayLike, territories: int | None = None
) -> dict[str, Any]:
    """Where one more unit of the lever adds nothing to a KPI (``adds_nothing``, ``subtracts``).

    Args:
        x: Lever value of each run.
        seed: Seed of each run (pairs runs across lever values).
        y: The KPI (e.g. ``contribution_total``) of each run.
        territories: Territories of the scenario, for the per-territory densities (None: none).

    Returns:
        ``steps`` (the rows of :func:`paired_steps` with ``from_per_territory``,
        ``to_per_territory`` and ``fitted_marginal``, the fitted curve's slope at the step's
        midpoint), ``adds_nothing`` and ``subtracts`` (the first step meeting each rule, or
        None), ``last_positive`` (the last step wholly above zero, or None), ``fit`` (the
        fitted curve's model, R², ``status`` "saturating" or "no saturation within the swept
        range" with its ``reason``, and the AICc of the curve and of a straight line) and
        ``message`` (:data:`NOT_REACHED` when ``adds_nothing`` is None).
    """
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    steps = paired_steps(xa, seed, ya)
    fit = fit_saturation(xa, ya)
    _per_unit(steps, ["from_value", "to_value"], territories)
    mids = ((steps["from_value"] + steps["to_value"]) / 2.0).to_numpy(dtype=np.float64)
    steps["fitted_marginal"] = fit.marginal(mids)
    adds_nothing = first_row(steps, steps["ci_low"] <= 0.0)
    backwards = steps.iloc[::-1]
    return {
        "steps": [{str(k): _plain(v) for k, v in row.items()} for row in steps.to_dict("records")],
        "adds_nothing": adds_nothing,
        "subtracts": first_row(steps, steps["ci_high"] < 0.0),
        "last_positive": first_row(backwards, backwards["ci_low"] > 0.0),
        "fit": {
            "model": fit.model,
            "r2": _plain(fit.r2),
            "message": fit.message,
            "status": fit.status,
            "reason": fit.reason,
            "aic_curve": _plain(fit.aic_curve),
            "aic_line": _plain(fit.aic_line),
        },
        "message": "" if adds_nothing is not None else NOT_REACHED,
    }


def profit_thresholds(x: ArrayLike, y: ArrayLike, territories: int | None = None) -> dict[str, Any]:
    """Where the average partner's profit falls below 0 (rules ``below_cost``, ``mean_below_cost``).

    Args:
        x: Lever value of each run.
        y: Profit per active partner-month (``var_profit_per_active``) of each run.
        territories: Territories of the scenario, for the per-territory densities (None: none).

    Returns:
        ``values`` (:func:`sim.analysis.saturation.aggregate`'s rows with ``per_territory``),
        ``below_cost`` and ``mean_below_cost`` (the first row meeting each rule, or None) and
        ``message`` (:data:`NOT_REACHED` when neither is met).
    """
    table = aggregate(x, y)
    _per_unit(table, ["lever_value"], territories)
    table = table.rename(columns={"lever_per_territory": "per_territory"})
    below = first_row(table, table["ci_high"] < 0.0)
    mean_below = first_row(table, table["mean"] < 0.0)
    return {
        "values": [{str(k): _plain(v) for k, v in r.items()} for r in table.to_dict("records")],
        "below_cost": below,
        "mean_below_cost": mean_below,
        "message": "" if below is not None or mean_below is not None else NOT_REACHED,
    }


def _context(x: ArrayLike, y: ArrayLike) -> list[dict[str, Any]]:
    table = aggregate(x, y)
    return [{str(k): _plain(v) for k, v in r.items()} for r in table.to_dict("records")]


def wants_thresholds(sweep_kpis: Sequence[str]) -> bool:
    """Whether a saturation sweep's ``kpis`` name :data:`VENDOR_KPI` or :data:`PROFIT_KPI`."""
    return VENDOR_KPI in sweep_kpis or PROFIT_KPI in sweep_kpis


def threshold_report(
    lever: str, runs: pd.DataFrame, kpis: Sequence[str], territories: int | None = None
) -> dict[str, Any]:
    """Both rules (see the module docstring) on the runs of a one-lever sweep.

    Args:
        lever: The lever's key.
        runs: One row per run: ``x`` (lever value), ``seed`` and a column per KPI.
        kpis: The KPIs to report; of :data:`VENDOR_KPI`, :data:`PROFIT_KPI` and
            :data:`CONTEXT_KPIS` those present in ``runs`` are used.
        territories: Territories of the scenario (None: no per-territory densities).

    Returns:
        ``lever``, ``territories``, ``level``, ``rules``, ``contribution``
        (:func:`marginal_thresholds`, with ``kpi``; None without the KPI), ``profit``
        (:func:`profit_thresholds`, with ``kpi``; None without it) and ``context`` (KPI → rows
        of means and intervals per lever value).
    """
    present = [k for k in kpis if k in runs.columns]
    x = runs["x"].to_numpy(dtype=np.float64)
    report: dict[str, Any] = {
        "lever": lever,
        "territories": territories,
        "level": LEVEL,
        "rules": dict(RULES),
        "contribution": None,
        "profit": None,
        "context": {},
    }
    if VENDOR_KPI in present:
        y = runs[VENDOR_KPI].to_numpy(dtype=np.float64)
        report["contribution"] = {
            "kpi": VENDOR_KPI,
            **marginal_thresholds(x, runs["seed"].to_numpy(), y, territories),
        }
    if PROFIT_KPI in present:
        y = runs[PROFIT_KPI].to_numpy(dtype=np.float64)
        report["profit"] = {"kpi": PROFIT_KPI, **profit_thresholds(x, y, territories)}
    for kpi in CONTEXT_KPIS:
        if kpi in present:
            report["context"][kpi] = _context(x, runs[kpi].to_numpy(dtype=np.float64))
    return report


def threshold_runs(
    lever: str, frame: pd.DataFrame, design: Sequence[Mapping[str, Any]], kpis: Sequence[str]
) -> pd.DataFrame:
    """One row per (design point, run): ``x``, ``seed`` and the KPI columns of ``kpis``.

    Args:
        lever: The sweep's lever.
        frame: One row per finished run (``run_id``, KPI columns), as
            ``load_sweep_frame(..., wide=True)`` gives.
        design: The manifest's design: one mapping per run with ``run_id``, ``seed`` and
            ``overrides``.
        kpis: KPI names; those without a column are left out.

    Returns:
        The runs that finished, with a finite lever value.
    """
    runs = pd.DataFrame(
        {
            "run_id": [str(d["run_id"]) for d in design],
            "x": pd.to_numeric(
                pd.Series([d.get("overrides", {}).get(lever) for d in design]), errors="coerce"
            ),
            "seed": [d.get("seed", d.get("replication")) for d in design],
        }
    )
    columns = [k for k in kpi_columns(list(kpis), list(frame.columns)) if k in frame.columns]
    by_run = frame.drop_duplicates("run_id").set_index("run_id")[columns].astype("float64")
    runs = runs.join(by_run, on="run_id", how="inner")
    return runs[np.isfinite(runs["x"].to_numpy(dtype=np.float64))].reset_index(drop=True)


def write_saturation_thresholds(
    out_dir: str | Path,
    lever: str,
    frame: pd.DataFrame,
    design: Sequence[Mapping[str, Any]],
    territories: int | None = None,
) -> tuple[Path, dict[str, Any]] | None:
    """Write :data:`FILE_NAME` (:func:`threshold_report`) for a saturation sweep's runs.

    Args:
        out_dir: The sweep directory.
        lever: The sweep's lever (:func:`sim.analysis.saturation.saturation_lever`).
        frame: One row per finished run, as ``load_sweep_frame(..., wide=True)`` gives.
        design: The manifest's design.
        territories: Territories of the sweep's scenario (None: no per-territory densities).

    Returns:
        The file and the report; None when no run has :data:`VENDOR_KPI` or :data:`PROFIT_KPI`.
    """
    kpis = [VENDOR_KPI, PROFIT_KPI, *CONTEXT_KPIS]
    runs = threshold_runs(lever, frame, design, kpis)
    if runs.empty or not wants_thresholds(list(runs.columns)):
        return None
    report = threshold_report(lever, runs, kpis, territories)
    path = Path(out_dir) / FILE_NAME
    path.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path, report


def _fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _interval(row: Mapping[str, Any], mean: str, digits: int = 0) -> str:
    low, high = row.get("ci_low"), row.get("ci_high")
    span = "" if low is None or high is None else f" [{_fmt(low, digits)}, {_fmt(high, digits)}]"
    return f"{_fmt(row.get(mean), digits)}{span}"


def _density(value: float | None, per_territory: float | None) -> str:
    if per_territory is None:
        return _fmt(value)
    return f"{_fmt(value)} ({_fmt(per_territory, 1)} per territory)"


def _verdicts(report: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    contribution = report.get("contribution")
    if contribution is not None:
        for rule in ("adds_nothing", "subtracts", "last_positive"):
            step = contribution[rule]
            where = "none" if rule == "last_positive" else NOT_REACHED
            if step is not None:
                where = (
                    f"{_density(step['from_value'], step['from_per_territory'])} → "
                    f"{_fmt(step['to_value'])}: {_interval(step, 'mean_per_unit')} per unit, "
                    f"fitted {_fmt(step['fitted_marginal'])}"
                )
            lines.append(f"{VENDOR_KPI} {rule.replace('_', ' ')}: {where}")
    profit = report.get("profit")
    if profit is not None:
        for rule in ("below_cost", "mean_below_cost"):
            row = profit[rule]
            where = NOT_REACHED
            if row is not None:
                where = f"{_density(row['lever_value'], row['per_territory'])}: "
                where += _interval(row, "mean")
            lines.append(f"{PROFIT_KPI} {rule.replace('_', ' ')} (< 0): {where}")
    return lines


def format_thresholds(report: Mapping[str, Any]) -> str:
    """A short console table of :func:`threshold_report`: per lever value, then the verdicts.

    Columns: the lever value, per territory, the contribution's change per added unit on the
    step that ends there (mean and interval), the profit per active partner-month (mean and
    interval) and the margin rate (mean).

    Args:
        report: The report.

    Returns:
        The table and one line per rule, each line ending in a newline.
    """
    territories = report.get("territories")
    steps = {s["to_value"]: s for s in (report.get("contribution") or {}).get("steps", [])}
    profit = {r["lever_value"]: r for r in (report.get("profit") or {}).get("values", [])}
    margin = {r["lever_value"]: r for r in report["context"].get("var_margin_rate", [])}
    values = sorted({*steps, *profit, *margin})
    header = f"{'value':>7} {'/terr.':>6}  {'Δcontribution per unit [95 % CI]':<38}"
    header += f"  {'profit per active-month [95 % CI]':<34}  margin rate"
    lines = [f"saturation thresholds ({report['lever']}):", header]
    for value in values:
        per = "–" if not territories else f"{value / territories:.1f}"
        step = _interval(steps[value], "mean_per_unit") if value in steps else ""
        gain = _interval(profit[value], "mean") if value in profit else ""
        rate = margin.get(value, {}).get("mean")
        shown = "" if rate is None else f"{rate:.3f}"
        lines.append(f"{value:>7,.0f} {per:>6}  {step:<38}  {gain:<34}  {shown}")
    lines += _verdicts(report)
    return "".join(f"{line}\n" for line in lines)


__all__ = [
    "CONTEXT_KPIS",
    "FILE_NAME",
    "NOT_REACHED",
    "PROFIT_KPI",
    "RULES",
    "VENDOR_KPI",
    "first_row",
    "format_thresholds",
    "marginal_thresholds",
    "paired_steps",
    "profit_thresholds",
    "threshold_report",
    "threshold_runs",
    "wants_thresholds",
    "write_saturation_thresholds",
]
