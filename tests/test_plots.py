"""Tests for sim.plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import sim.plots
from sim.analysis.bass import BassFit, bass_cumulative, fit_bass
from sim.analysis.kpi_registry import kpi_of
from sim.compare import plot_revenue
from sim.plots import (
    CHANNEL_COLOURS,
    PARTNERS_COLOUR,
    kpi_label,
    money_axis,
    new_figure,
    plot_adoption,
    plot_conflicts,
    plot_partners_by_tier,
    plot_revenue_by_channel,
    save_figure,
    write_run_plots,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED = ["revenue_by_channel.png", "adoption.png", "partners_by_tier.png", "conflicts.png"]


def _synthetic_ts(periods: int = 24, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    period = np.arange(1, periods + 1)
    adoption = bass_cumulative(0.02, 0.4, periods, 0.8)
    data: dict[str, np.ndarray] = {
        "period": period,
        "adoption": adoption,
        "aware_share": np.minimum(1.0, adoption * 1.4 + 0.05),
        "revenue_direct": rng.uniform(1e4, 2e4, periods),
        "revenue_distributor": np.zeros(periods),  # all zero: skipped
        "revenue_var": rng.uniform(0, 8e3, periods),
        "revenue_si": rng.uniform(0, 5e3, periods),
        "revenue_msp": rng.uniform(0, 3e3, periods),
        "revenue_affiliate": rng.uniform(0, 1e3, periods),
        "revenue_oem": np.zeros(periods),
        "revenue_isv": rng.uniform(0, 2e3, periods),
        "revenue_alliance": rng.uniform(0, 1e3, periods),
        "revenue_broker": rng.uniform(0, 5e2, periods),
        "partners_tier_registered": rng.integers(5, 15, periods),
        "partners_tier_silver": rng.integers(2, 8, periods),
        "partners_tier_gold_elite": rng.integers(0, 3, periods),
        "conflicts": rng.integers(0, 5, periods),
        "opportunities_opened": rng.integers(0, 30, periods),
    }
    data["opportunities_opened"][0] = 0  # division-by-zero guard
    return pd.DataFrame(data)


def _check_pngs(paths: list[Path], out_dir: Path) -> None:
    assert [p.name for p in paths] == EXPECTED
    for p in paths:
        assert p.parent == out_dir
        assert p.exists()
        assert p.read_bytes()[:8] == PNG_SIGNATURE


def test_write_run_plots_writes_four_pngs(tmp_path: Path) -> None:
    ts = _synthetic_ts()
    fit = fit_bass(ts["adoption"].to_numpy())
    assert fit.converged
    paths = write_run_plots(ts, tmp_path / "plots", fit, "EUR")
    _check_pngs(paths, tmp_path / "plots")


def test_plots_are_byte_identical_across_writes(tmp_path: Path) -> None:
    ts = _synthetic_ts()
    fit = fit_bass(ts["adoption"].to_numpy())
    first = write_run_plots(ts, tmp_path / "a", fit, "USD")
    second = write_run_plots(ts, tmp_path / "b", fit, "USD")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_plots_with_degenerate_data(tmp_path: Path) -> None:
    periods = 6
    ts = pd.DataFrame(
        {
            "period": np.arange(1, periods + 1),
            "adoption": np.zeros(periods),
            "aware_share": np.zeros(periods),
            "revenue_direct": np.zeros(periods),
            "conflicts": np.zeros(periods, dtype=int),
            "opportunities_opened": np.zeros(periods, dtype=int),
        }
    )
    fit = fit_bass(ts["adoption"].to_numpy())
    assert not fit.converged
    paths = write_run_plots(ts, tmp_path, fit, "USD")
    _check_pngs(paths, tmp_path)


@pytest.mark.parametrize("tier_value", [0, None])
def test_partners_plot_without_partners(tmp_path: Path, tier_value: int | None) -> None:
    ts = pd.DataFrame({"period": [1, 2, 3]})
    if tier_value is not None:
        ts["partners_tier_gold"] = tier_value
    out = plot_partners_by_tier(ts, tmp_path / "p.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_conflicts_plot_with_no_opportunities(tmp_path: Path) -> None:
    ts = pd.DataFrame({"period": [1, 2], "conflicts": [0, 0], "opportunities_opened": [0, 0]})
    out = plot_conflicts(ts, tmp_path / "c.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_adoption_plot_differs_with_and_without_fit(tmp_path: Path) -> None:
    ts = _synthetic_ts()
    fit = fit_bass(ts["adoption"].to_numpy())
    nan = float("nan")
    no_fit = BassFit(nan, nan, nan, nan, False)
    a = plot_adoption(ts, tmp_path / "fit.png", fit)
    b = plot_adoption(ts, tmp_path / "nofit.png", no_fit)
    assert a.read_bytes() != b.read_bytes()


@pytest.mark.slow
def test_run_plots_do_not_use_pyplot(tmp_path: Path) -> None:
    # The run's figures draw on their own Agg canvas: pyplot (its import, its global figure
    # registry) stays out of a run.
    probe = (
        "import sys\n"
        "import numpy as np, pandas as pd\n"
        "from sim.analysis.bass import fit_bass\n"
        "from sim.plots import write_run_plots\n"
        "ts = pd.DataFrame({'period': [1, 2, 3, 4], 'adoption': [0.1, 0.3, 0.5, 0.6],\n"
        "                   'conflicts': [0, 1, 2, 1], 'opportunities_opened': [1, 2, 3, 4]})\n"
        f"write_run_plots(ts, {str(tmp_path)!r}, fit_bass(ts['adoption'].to_numpy()), 'USD')\n"
        "print('PYPLOT:', 'matplotlib.pyplot' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip().splitlines()[-1] == "PYPLOT: False"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(EXPECTED)


def test_save_closes_a_pyplot_figure(tmp_path: Path) -> None:
    # Other modules hand pyplot figures to save_figure; it must still close them.
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    number = fig.number
    out = save_figure(fig, tmp_path / "f.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert number not in plt.get_fignums()


class _Captured:
    """Stand-in for ``save_figure`` that keeps each figure (drawn, so tick texts exist)."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def __call__(self, fig: Figure, path: Path) -> Path:
        fig.canvas.draw()
        self.figures.append(fig)
        return path


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> _Captured:
    keep = _Captured()
    monkeypatch.setattr(sim.plots, "save_figure", keep)
    return keep


def _big_revenue_ts(periods: int = 12) -> pd.DataFrame:
    """Revenue near 50 million with small variation: a plain ScalarFormatter shows "+5e7"."""
    rng = np.random.default_rng(3)
    ts = _synthetic_ts(periods)
    ts["revenue_direct"] = 5e7 + rng.uniform(0.0, 1e5, periods)
    ts["revenue_var"] = rng.uniform(0.0, 1e4, periods)
    return ts


def test_run_plot_axes_are_in_words_and_units(captured: _Captured, tmp_path: Path) -> None:
    write_run_plots(_big_revenue_ts(), tmp_path, fit_bass(np.zeros(3)), "USD", "week")
    revenue = captured.figures[0].axes[0]
    assert revenue.get_xlabel() == "Week"
    assert revenue.get_ylabel() == "Revenue per week, USD million"
    ticks = [t.get_text() for t in revenue.get_yticklabels() if t.get_text()]
    assert ticks and all(float(t.replace(",", "")) <= 100.0 for t in ticks), ticks
    for fig in captured.figures:
        for ax in fig.axes:
            assert ax.get_xlabel() in ("Week", "")
            assert "index" not in ax.get_xlabel() + ax.get_ylabel()
            assert ax.yaxis.get_offset_text().get_text() == ""
            assert ax.xaxis.get_offset_text().get_text() == ""


def test_time_axis_is_month_by_default(captured: _Captured, tmp_path: Path) -> None:
    plot_revenue_by_channel(_synthetic_ts(), tmp_path / "r.png")
    assert captured.figures[0].axes[0].get_xlabel() == "Month"
    assert captured.figures[0].axes[0].get_ylabel() == "Revenue per month, USD thousand"


def test_money_axis_picks_the_unit_and_has_no_offset() -> None:
    fig, ax = new_figure()
    values = np.array([2.0e9, 2.0e9 + 1.0e6])
    ax.plot([0.0, 1.0], values)
    assert money_axis(ax, values, "Revenue", "EUR") == "Revenue, EUR billion"
    fig.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert money_axis(ax, np.array([5.0, np.nan]), "Cost", "USD") == "Cost, USD"


def test_kpi_labels_come_from_the_registry() -> None:
    entry = kpi_of("contribution_total")
    assert entry is not None
    assert kpi_label("contribution_total", "USD") == "Contribution total, USD"
    assert kpi_label("contribution_total", unit=False) == "Contribution total"
    assert kpi_label("cac_by_channel.var", "USD") == "CAC by channel (VAR), USD"
    assert kpi_label("not_a_kpi") == "not a kpi"


def _stack_colours(ax: Axes) -> dict[str, str]:
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    return {str(p.get_label()): to_hex(p.get_facecolor()[0], keep_alpha=False) for p in polys}


def test_a_channel_has_one_colour_in_every_plot(captured: _Captured, tmp_path: Path) -> None:
    ts = _synthetic_ts()
    plot_revenue_by_channel(ts, tmp_path / "a.png")
    first = _stack_colours(captured.figures[0].axes[0])
    # Another run with a different set of channels present: colours must not shift.
    ts2 = ts.assign(revenue_var=0.0)
    plot_revenue_by_channel(ts2, tmp_path / "b.png")
    second = _stack_colours(captured.figures[1].axes[0])
    assert first["Direct"] == second["Direct"] == CHANNEL_COLOURS["direct"]
    assert first["SI"] == second["SI"] == CHANNEL_COLOURS["si"]
    assert len(set(CHANNEL_COLOURS.values()) | {PARTNERS_COLOUR}) == len(CHANNEL_COLOURS) + 1
    outcomes = [SimpleNamespace(design=0, timeseries=ts.assign(revenue_total=ts["revenue_direct"]))]
    plot_revenue(["base"], cast(Any, outcomes), tmp_path / "c.png", "USD")
    bottom = captured.figures[2].axes[1]
    lines = {str(line.get_label()): to_hex(line.get_color()) for line in bottom.get_lines()}
    assert lines["base: direct"] == first["Direct"]
    assert bottom.get_xlabel() == "Month"
    assert bottom.yaxis.get_offset_text().get_text() == ""
