"""Sensitivity analysis of sweeps: Y in design order, Sobol and Morris indices, the command."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import sobol as sobol_sample

from sim.analysis.sensitivity import INDEX_COLUMNS, compute_indices, point_means

MORRIS_SWEEP = """\
description = "tiny morris"
base = "tiny"
set = ["time.periods=6"]
method = "morris"
samples = 2
seed = 1
kpis = ["revenue_total", "adoption_final"]

[[levers]]
key = "partners.var.count"
low = 2
high = 8
integer = true

[[uncertainties]]
key = "market.awareness.imitation"
low = 0.2
high = 0.5
"""

GRID_SWEEP = """\
base = "tiny"
set = ["time.periods=6"]
method = "grid"

[[levers]]
key = "partners.var.count"
values = [2, 4]
"""


def _cli(*args: str) -> int:
    from sim.cli import app

    return int(app(args=list(args), standalone_mode=False))


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on [-π, π]³."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_point_means_orders_by_design_point_and_shares_run_ids() -> None:
    # point 2 resolves to the same scenario as point 0 and shares its run ids
    run_points = [(0, "a0"), (0, "a1"), (1, "b0"), (1, "b1"), (2, "a0"), (2, "a1")]
    values = {"b1": 4.0, "a1": 3.0, "b0": 2.0, "a0": 1.0}
    np.testing.assert_array_equal(point_means(run_points, values, 3), [2.0, 3.0, 2.0])
    # a run without a value is left out of its point's mean; a point without any is NaN
    partial = point_means(run_points, {"a0": 1.0, "a1": math.nan}, 3)
    assert partial[0] == 1.0 and np.isnan(partial[1]) and partial[2] == 1.0


def test_sobol_indices_of_ishigami_through_the_y_ordering() -> None:
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    rng = np.random.Generator(np.random.PCG64(7))
    x = sobol_sample.sample(problem, 1024, calc_second_order=False, seed=rng)  # N a power of 2
    y = ishigami(x)
    # two replications per point with noise that cancels in the mean, stored in shuffled order
    run_points = [(p, f"p{p}-r{r}") for p in range(len(x)) for r in range(2)]
    values = {f"p{p}-r{r}": y[p] + (0.5 if r else -0.5) for p in range(len(x)) for r in range(2)}
    items = list(values.items())
    shuffled = dict(items[i] for i in rng.permutation(len(items)))
    y_points = point_means(run_points, shuffled, len(x))
    np.testing.assert_allclose(y_points, y)

    res = compute_indices(problem, "sobol", y_points, seed=1)
    assert set(res) == set(INDEX_COLUMNS["sobol"])
    # analytic values for a = 7, b = 0.1
    np.testing.assert_allclose(res["S1"], [0.3139, 0.4424, 0.0], atol=0.06)
    np.testing.assert_allclose(res["ST"], [0.5576, 0.4424, 0.2437], atol=0.06)
    assert np.all(res["S1_conf"] > 0) and np.all(res["ST_conf"] > 0)


def test_morris_indices_of_a_linear_model() -> None:
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    x = morris_sample.sample(problem, 10, num_levels=4, seed=3)
    y = 5.0 * x[:, 0] + 1.0 * x[:, 1]
    res = compute_indices(problem, "morris", y, x, seed=1)
    np.testing.assert_allclose(res["mu_star"], [5.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(res["sigma"], [0.0, 0.0, 0.0], atol=1e-9)


def test_cli_sensitivity_of_a_tiny_morris_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "morris.toml"
    path.write_text(MORRIS_SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    assert _cli("sensitivity", str(path), "--workers", "1", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "morris sensitivity" in printed and "sensitivity.csv" in printed

    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == ["kpi", "factor", "method", *INDEX_COLUMNS["morris"], "note"]
    factors = ["partners.var.count", "market.awareness.imitation"]
    assert list(zip(table["kpi"], table["factor"], strict=True)) == [
        (k, f) for k in ("revenue_total", "adoption_final") for f in factors
    ]
    assert (table["method"] == "morris").all()
    for png in ("sensitivity_revenue_total.png", "sensitivity_adoption_final.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG")
    ok = table[table["note"].isna()]
    assert not ok.empty and (ok["mu_star"] >= 0).all()

    # resuming finds every run done and recomputes the same indices
    first = (out / "sensitivity.csv").read_bytes()
    args = ("sensitivity", str(path), "--workers", "1", "--out", str(out), "--resume", "--quiet")
    assert _cli(*args) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert (out / "sensitivity.csv").read_bytes() == first


def test_cli_sensitivity_refuses_a_grid_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(GRID_SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    assert _cli("sensitivity", str(path), "--workers", "1", "--out", str(out)) == 2
    assert "sensitivity needs a sobol or morris sweep" in capsys.readouterr().err
    assert not out.exists()
