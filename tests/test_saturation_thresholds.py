"""Saturation thresholds: where one more VAR adds nothing, where the average VAR loses money."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.saturation import NO_SATURATION, SATURATING
from sim.analysis.saturation_thresholds import (
    FILE_NAME,
    NOT_REACHED,
    format_thresholds,
    marginal_thresholds,
    paired_steps,
    profit_thresholds,
    threshold_report,
)

GRID = np.array([4.0, 8.0, 12.0, 16.0, 20.0, 24.0, 32.0, 40.0])
SEEDS = np.arange(1, 6)

THRESHOLD_SWEEP = """\
description = "tiny saturation with thresholds"
base = "tiny"
set = ["time.periods=6"]
method = "grid"
replications = 2
seed = 1
kpis = ["contribution_total", "var_profit_per_active", "var_margin_rate"]

[[levers]]
key = "partners.var.count"
values = [1, 3, 6, 10]
"""


def _cli(*args: str) -> int:
    from sim.cli import app

    return int(app(args=list(args), standalone_mode=False))


def _grid(curve: np.ndarray, noise_sd: float, seed_effect: float) -> pd.DataFrame:
    """Runs on GRID × SEEDS: the curve, a large per-seed level (common across x) and noise."""
    rng = np.random.Generator(np.random.PCG64(11))
    x = np.repeat(GRID, SEEDS.size)
    seed = np.tile(SEEDS, GRID.size)
    y = np.repeat(curve, SEEDS.size) + seed_effect * seed + rng.normal(0.0, noise_sd, x.size)
    return pd.DataFrame({"x": x, "seed": seed, "y": y})


def _concave(x: np.ndarray) -> np.ndarray:
    """+100 per unit up to 16, flat to 24, −100 per unit beyond: concave, with known steps."""
    return 100.0 * np.minimum(x, 16.0) - 100.0 * np.maximum(x - 24.0, 0.0)


def test_paired_steps_of_a_line_are_its_slope() -> None:
    runs = _grid(3.0 * GRID, noise_sd=0.0, seed_effect=1e6)
    steps = paired_steps(runs["x"], runs["seed"], runs["y"])
    assert steps["from_value"].tolist() == GRID[:-1].tolist()
    assert steps["to_value"].tolist() == GRID[1:].tolist()
    assert (steps["pairs"] == SEEDS.size).all()
    # per added unit, whatever the step's width; the seed level cancels in the pairs
    np.testing.assert_allclose(steps["mean_per_unit"], 3.0, rtol=1e-9)
    np.testing.assert_allclose(steps["ci_low"], 3.0, rtol=1e-6)
    np.testing.assert_allclose(steps["ci_high"], 3.0, rtol=1e-6)


def test_adds_nothing_at_the_known_step_thanks_to_pairing() -> None:
    runs = _grid(_concave(GRID), noise_sd=20.0, seed_effect=5_000.0)
    found = marginal_thresholds(runs["x"], runs["seed"], runs["y"], territories=4)
    first = found["adds_nothing"]
    assert first is not None and (first["from_value"], first["to_value"]) == (16.0, 20.0)
    assert (first["from_per_territory"], first["to_per_territory"]) == (4.0, 5.0)
    assert first["ci_low"] <= 0.0 <= first["ci_high"]
    falling = found["subtracts"]
    assert falling is not None and (falling["from_value"], falling["to_value"]) == (24.0, 32.0)
    assert falling["mean_per_unit"] == pytest.approx(-100.0, abs=5.0)
    assert falling["ci_high"] < 0.0
    # every rising step is clearly positive, although the seeds' levels (5,000 apart) dwarf
    # the gain of one step (400): only pairing on the seeds shows it
    last = found["last_positive"]
    assert last is not None and (last["from_value"], last["to_value"]) == (12.0, 16.0)
    rising = [s for s in found["steps"] if s["to_value"] <= 16.0]
    assert all(s["ci_low"] > 0.0 for s in rising)
    assert all(s["mean_per_unit"] == pytest.approx(100.0, abs=5.0) for s in rising)
    assert found["message"] == ""
    assert isinstance(first["fitted_marginal"], float | None)


def test_contribution_that_keeps_rising_never_saturates() -> None:
    runs = _grid(1_000.0 * np.sqrt(GRID), noise_sd=5.0, seed_effect=1_000.0)
    found = marginal_thresholds(runs["x"], runs["seed"], runs["y"], territories=4)
    assert found["adds_nothing"] is None and found["subtracts"] is None
    assert found["last_positive"]["to_value"] == GRID[-1]
    assert found["message"] == NOT_REACHED
    # the fitted curve's slope at each step's midpoint is close to d(1000 √x)/dx there
    mids = np.array([(s["from_value"] + s["to_value"]) / 2 for s in found["steps"]])
    fitted = np.array([s["fitted_marginal"] for s in found["steps"]], dtype=float)
    assert found["fit"]["model"] != "none"
    np.testing.assert_allclose(fitted, 500.0 / np.sqrt(mids), rtol=0.25)


def test_a_straight_contribution_is_reported_as_no_saturation() -> None:
    runs = _grid(50.0 * GRID, noise_sd=40.0, seed_effect=0.0)
    found = marginal_thresholds(runs["x"], runs["seed"], runs["y"], territories=4)
    fit = found["fit"]
    assert fit["status"] == NO_SATURATION and fit["reason"]
    assert fit["aic_curve"] > fit["aic_line"] - 2.0
    # a Michaelis–Menten rise with its half-saturation point (12) inside the grid saturates
    curve = _grid(2_000.0 * GRID / (12.0 + GRID), noise_sd=20.0, seed_effect=0.0)
    found = marginal_thresholds(curve["x"], curve["seed"], curve["y"])
    assert found["fit"]["status"] == SATURATING and found["fit"]["reason"] == ""
    # √x keeps rising: its fitted half-saturation point lies beyond the grid
    root = _grid(1_000.0 * np.sqrt(GRID), noise_sd=20.0, seed_effect=0.0)
    found = marginal_thresholds(root["x"], root["seed"], root["y"])
    assert found["fit"]["status"] == NO_SATURATION and "outside" in found["fit"]["reason"]


def test_profit_crossing_zero_at_known_values() -> None:
    per_value = {
        4.0: [900, 950, 1000, 1050, 1100],
        8.0: [400, 420, 380, 410, 390],
        12.0: [-80, 40, -60, 30, -30],  # mean −20, interval spans 0
        16.0: [-500, -520, -480, -510, -490],
        20.0: [-900, -950, -1000, -1050, -1100],
    }
    x = np.repeat(list(per_value), 5)
    y = np.concatenate([np.asarray(v, dtype=float) for v in per_value.values()])
    found = profit_thresholds(x, y, territories=4)
    mean_below = found["mean_below_cost"]
    assert mean_below is not None and mean_below["lever_value"] == 12.0
    assert mean_below["mean"] == pytest.approx(-20.0)
    assert mean_below["ci_low"] < 0.0 < mean_below["ci_high"]
    below = found["below_cost"]
    assert below is not None and below["lever_value"] == 16.0 and below["per_territory"] == 4.0
    assert below["ci_high"] < 0.0
    assert [r["lever_value"] for r in found["values"]] == list(per_value)


def test_profit_that_stays_positive_is_not_reached() -> None:
    x = np.repeat(GRID, 5)
    y = np.repeat(1_000.0 / GRID, 5) + np.tile(np.linspace(-1.0, 1.0, 5), GRID.size)
    found = profit_thresholds(x, y)
    assert found["below_cost"] is None and found["mean_below_cost"] is None
    assert found["message"] == NOT_REACHED
    assert all(r["per_territory"] is None for r in found["values"])


def test_report_and_table_say_not_reached() -> None:
    runs = _grid(1_000.0 * np.sqrt(GRID), noise_sd=5.0, seed_effect=0.0)
    runs = runs.rename(columns={"y": "contribution_total"})
    runs["var_profit_per_active"] = 100.0 + runs["x"]
    runs["var_margin_rate"] = 0.2 - runs["x"] / 1_000.0
    report = threshold_report("partners.var.count", runs, list(runs.columns), territories=4)
    assert report["territories"] == 4 and set(report["rules"]) >= {"adds_nothing", "below_cost"}
    assert report["context"]["var_margin_rate"][0]["mean"] == pytest.approx(0.196)
    text = format_thresholds(report)
    assert text.count(NOT_REACHED) == 4  # both rules of both KPIs
    assert "0.196" in text and "0.160" in text
    json.dumps(report, allow_nan=False)  # JSON as written: no NaN


def test_sweep_writes_the_thresholds_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sat.toml"
    path.write_text(THRESHOLD_SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    assert _cli("sweep", str(path), "--workers", "1", "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "saturation thresholds (partners.var.count)" in printed
    report = json.loads((out / FILE_NAME).read_text(encoding="utf-8"))
    assert report["lever"] == "partners.var.count" and report["territories"] == 4
    steps = report["contribution"]["steps"]
    assert [(s["from_value"], s["to_value"]) for s in steps] == [(1, 3), (3, 6), (6, 10)]
    assert all(s["pairs"] == 2 for s in steps)
    assert steps[0]["from_per_territory"] == 0.25
    values = report["profit"]["values"]
    assert [v["lever_value"] for v in values] == [1, 3, 6, 10]
    assert all(v["n"] == 2 for v in values)
    assert [r["lever_value"] for r in report["context"]["var_margin_rate"]] == [1, 3, 6, 10]
    for rule in ("adds_nothing", "subtracts"):
        step = report["contribution"][rule]
        assert step is None or step["ci_low"] <= 0.0


def test_sweep_without_the_kpis_writes_no_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "sat.toml"
    path.write_text(
        THRESHOLD_SWEEP.replace(
            '["contribution_total", "var_profit_per_active", "var_margin_rate"]',
            '["revenue_total"]',
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert _cli("sweep", str(path), "--workers", "1", "--quiet", "--out", str(out)) == 0
    assert not (out / FILE_NAME).exists()
    assert (out / "saturation_revenue_total_vs_partners_var_count.csv").exists()
