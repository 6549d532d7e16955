"""Saturation curves: the Hill / Michaelis–Menten fit, its marginal value, and the sweep files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.saturation import (
    NO_SATURATION,
    SATURATING,
    file_stem,
    fit_saturation,
    hill,
    hill_slope,
    saturation_lever,
    saturation_table,
)
from sim.sweep.reports import write_saturation_files
from sim.sweep.spec import load_sweep

SATURATION_SWEEP = """\
description = "tiny saturation"
base = "tiny"
set = ["time.periods=6"]
method = "grid"
replications = 2
seed = 1
kpis = ["revenue_total", "channel_mix.var"]

[[levers]]
key = "partners.var.count"
values = [1, 3, 6, 10]
"""


def _cli(*args: str) -> int:
    from sim.cli import app

    return int(app(args=list(args), standalone_mode=False))


def test_fit_recovers_michaelis_menten_parameters() -> None:
    rng = np.random.Generator(np.random.PCG64(20240501))
    x = np.repeat(np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]), 8)
    y0, vmax, k = 100.0, 500.0, 10.0
    y = hill(x, y0, vmax, k, 1.0) + rng.normal(0.0, 10.0, x.size)

    fit = fit_saturation(x, y, model="michaelis_menten")
    assert fit.ok and fit.model == "michaelis_menten"
    assert fit.params["y0"] == pytest.approx(y0, rel=0.1)
    assert fit.params["vmax"] == pytest.approx(vmax, rel=0.05)
    assert fit.params["k"] == pytest.approx(k, rel=0.15)
    assert fit.params["h"] == 1.0
    assert fit.r2 > 0.99

    # auto (Hill allowed with 7 distinct values) finds h close to 1
    auto = fit_saturation(x, y)
    assert auto.ok and auto.params["h"] == pytest.approx(1.0, abs=0.2)

    table, fit = saturation_table(x, y)
    assert list(table.columns) == [
        "lever_value",
        "mean",
        "sd",
        "n",
        "ci_low",
        "ci_high",
        "fitted",
        "marginal_fitted",
        "marginal_empirical",
        "r2",
        "aic_curve",
        "aic_line",
        "status",
    ]
    assert (table["n"] == 8).all()
    assert (table["ci_low"] < table["mean"]).all() and (table["mean"] < table["ci_high"]).all()
    marginal = table["marginal_fitted"].to_numpy()
    assert np.all(marginal > 0) and np.all(np.diff(marginal) < 0)  # diminishing returns
    assert np.isnan(table["marginal_empirical"].iloc[0])
    assert np.all(np.diff(table["marginal_empirical"].to_numpy()[1:]) < 0)


SWEPT = np.repeat(np.array([1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0]), 5)


def _rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def test_clean_saturating_series_is_saturating_and_beats_the_line() -> None:
    y = hill(SWEPT, 100.0, 500.0, 6.0, 1.0) + _rng(7).normal(0.0, 10.0, SWEPT.size)
    fit = fit_saturation(SWEPT, y)
    assert fit.status == SATURATING and fit.saturating and fit.reason == ""
    assert fit.r2 > 0.95
    assert fit.aic_curve < fit.aic_line - 2.0
    assert 1.0 <= fit.params["k"] <= 32.0


def test_straight_line_with_noise_shows_no_saturation() -> None:
    for seed in (7, 8, 9):
        y = 100.0 + 5.0 * SWEPT + _rng(seed).normal(0.0, 10.0, SWEPT.size)
        fit = fit_saturation(SWEPT, y)
        assert fit.ok  # a curve is fitted, but it is not better than the line
        assert fit.status == NO_SATURATION and not fit.saturating
        assert fit.aic_curve > fit.aic_line - 2.0
        table, _ = saturation_table(SWEPT, y)
        assert (table["status"] == NO_SATURATION).all()


def test_noise_only_has_low_r2_and_is_not_ok() -> None:
    for seed in (7, 8, 9):
        y = 50.0 + _rng(seed).normal(0.0, 10.0, SWEPT.size)
        fit = fit_saturation(SWEPT, y)
        assert fit.r2 < 0.5
        assert fit.status == NO_SATURATION and "R²" in fit.reason


def test_marginal_value_is_never_extrapolated() -> None:
    y = hill(SWEPT, 100.0, 500.0, 6.0, 1.0) + _rng(7).normal(0.0, 10.0, SWEPT.size)
    fit = fit_saturation(SWEPT, y)
    assert fit.x_min == 1.0 and fit.x_max == 32.0
    outside = fit.marginal(np.array([0.0, 0.99, 32.01, 100.0]))
    assert np.isnan(outside).all()
    inside = fit.marginal(np.array([1.0, 10.0, 32.0]))
    assert np.isfinite(inside).all()
    # at the top end: the derivative at max, not beyond
    expected = hill_slope(32.0, fit.params["vmax"], fit.params["k"], fit.params["h"])
    assert fit.marginal_at_max() == pytest.approx(float(expected))
    table, _ = saturation_table(SWEPT, y)
    assert table["marginal_fitted"].notna().all()  # every row is inside the swept range


def test_hill_slope_matches_finite_difference() -> None:
    x = np.array([0.5, 2.0, 7.0, 30.0])
    step = 1e-6
    numeric = (hill(x + step, 3.0, 40.0, 5.0, 2.5) - hill(x - step, 3.0, 40.0, 5.0, 2.5)) / (
        2 * step
    )
    np.testing.assert_allclose(hill_slope(x, 40.0, 5.0, 2.5), numeric, rtol=1e-5)


def test_fit_reports_instead_of_raising() -> None:
    constant = fit_saturation([1, 2, 3, 4], [5.0, 5.0, 5.0, 5.0])
    assert not constant.ok and "constant" in constant.message
    too_few = fit_saturation([1, 1, 2, 2], [1.0, 2.0, 3.0, 4.0])
    assert not too_few.ok and "distinct" in too_few.message
    assert np.isnan(too_few.predict([1.0, 2.0])).all()


def test_saturation_files_of_a_tiny_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sat.toml"
    path.write_text(SATURATION_SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    assert _cli("sweep", str(path), "--workers", "1", "--out", str(out)) == 0
    assert "saturation files" in capsys.readouterr().out

    lever = "partners.var.count"
    for kpi in ("revenue_total", "channel_mix.var"):
        stem = file_stem(kpi, lever)
        assert stem == f"saturation_{kpi.replace('.', '_')}_vs_partners_var_count"
        table = pd.read_csv(out / f"{stem}.csv")
        assert table["lever_value"].tolist() == [1.0, 3.0, 6.0, 10.0]
        assert (table["n"] == 2).all()
        sidecar = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
        assert sidecar["kpi"] == kpi and sidecar["lever"] == lever
        assert sidecar["model"] in ("michaelis_menten", "none")
        if sidecar["ok"]:
            assert table["fitted"].notna().all()
        assert sidecar["status"] in (SATURATING, NO_SATURATION, "no fit")
        assert (table["status"] == sidecar["status"]).all()
        assert sidecar["swept_range"] == [1.0, 10.0]
        assert "not extrapolated" in sidecar["marginal_at_max_label"]
        png = (out / f"{stem}.png").read_bytes()
        assert png.startswith(b"\x89PNG")

    # rewriting gives the same files; not a saturation sweep: nothing
    loaded = load_sweep(path)
    assert saturation_lever(loaded) == lever
    written = write_saturation_files(out, loaded)
    assert sorted(p.name for p in written) == sorted(
        f"{file_stem(k, lever)}.{ext}"
        for k in ("revenue_total", "channel_mix.var")
        for ext in ("csv", "json", "png")
    )
    two = tmp_path / "two.toml"
    two.write_text(
        SATURATION_SWEEP + '\n[[levers]]\nkey = "partners.var.discount"\nvalues = [0.2, 0.3]\n',
        encoding="utf-8",
    )
    assert saturation_lever(load_sweep(two)) is None
    assert write_saturation_files(out, load_sweep(two)) == []
