"""Scenario discovery (PRIM) on fake sweeps with a planted rule; no model runs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discovery import (
    BOX_COLUMNS,
    TRAJECTORY_COLUMNS,
    discover_frame,
    write_discovery,
)
from sim.errors import InputError
from sim.sweep import store
from sim.sweep.reports import discover, sweep_factors
from sim.sweep.types import RunSpec

LEVER = "partners.var.discount"
IMITATION = "market.awareness.imitation"
INNOVATION = "market.awareness.innovation"
REPS = "partners.var.reps"  # an integer uncertainty (exercises the int → float cast)


def _kpi(discount: float, imitation: float, innovation: float, seed: int) -> float:
    """Planted rule: discount 0.3 beats 0.2 exactly when imitation > 0.4."""
    base = 1000.0 + 50.0 * seed + 2000.0 * innovation
    if discount == 0.3:
        return base + (25.0 if imitation > 0.4 else -25.0)
    return base


def _frame(n_points: int = 150, seeds: int = 2, seed: int = 7) -> pd.DataFrame:
    """A wide sweep frame: LEVER crossed with random uncertainty points and common seeds."""
    rng = np.random.default_rng(seed)
    imitation = rng.uniform(0.2, 0.6, n_points)
    innovation = rng.uniform(0.01, 0.05, n_points)
    reps = rng.integers(1, 6, n_points)
    rows: list[dict[str, Any]] = []
    for discount in (0.2, 0.3):
        for i in range(n_points):
            for s in range(1, seeds + 1):
                rows.append(
                    {
                        "run_id": f"r{len(rows)}",
                        "point": i,
                        "replication": s - 1,
                        "seed": s,
                        LEVER: discount,
                        IMITATION: float(imitation[i]),
                        INNOVATION: float(innovation[i]),
                        REPS: int(reps[i]),
                        "contribution_total": _kpi(discount, imitation[i], innovation[i], s),
                    }
                )
    frame = pd.DataFrame(rows)
    assert frame[REPS].dtype.kind == "i"
    return frame


UNCS = [IMITATION, INNOVATION, REPS]


def _restricted(box: pd.DataFrame) -> set[str]:
    return {str(u) for u in box.loc[box["restricted"], "uncertainty"]}


def _limits(box: pd.DataFrame, name: str) -> tuple[float, float]:
    row = box.set_index("uncertainty").loc[name]
    return float(row["low"]), float(row["high"])


# ---------------------------------------------------------------------------------------------
# the core on a DataFrame
# ---------------------------------------------------------------------------------------------


def test_comparison_recovers_planted_rule() -> None:
    frame = _frame()
    result = discover_frame(frame, UNCS, "0.3", "0.2", levers=[LEVER])
    assert result.mode == "comparison"
    assert result.lever == LEVER
    assert result.n_cases == 150 * 2  # one pair per point and seed
    truth = frame[(frame[LEVER] == 0.3)][IMITATION] > 0.4
    assert result.n_interest == int(truth.sum())
    assert _restricted(result.box) == {IMITATION}
    low, high = _limits(result.box, IMITATION)
    assert 0.38 <= low <= 0.43
    assert high == pytest.approx(frame[IMITATION].max())
    assert result.density >= 0.95
    assert result.coverage >= 0.9
    assert 0.0 < result.mass < 1.0
    assert list(result.box.columns) == list(BOX_COLUMNS)
    assert list(result.box["uncertainty"]) == UNCS
    traj = result.trajectory
    assert list(traj.columns) == list(TRAJECTORY_COLUMNS)
    assert traj["chosen"].sum() == 1 and bool(traj["chosen"].iloc[result.box_index])
    assert traj["mass"].iloc[0] == pytest.approx(1.0)
    assert traj["coverage"].iloc[0] == pytest.approx(1.0)
    assert IMITATION in result.describe()


def test_values_match_as_text_or_number() -> None:
    frame = _frame(n_points=60, seeds=1)
    a = discover_frame(frame, UNCS, "0.30", "0.2", levers=[LEVER])
    frame_text = frame.assign(**{LEVER: frame[LEVER].map(str)})
    b = discover_frame(frame_text, UNCS, "0.3", "0.2", levers=[LEVER])
    assert a.n_cases == b.n_cases == 60
    pd.testing.assert_frame_equal(a.box, b.box)


def test_reversed_comparison_finds_the_complement() -> None:
    frame = _frame()
    result = discover_frame(frame, UNCS, "0.2", "0.3", levers=[LEVER])
    low, high = _limits(result.box, IMITATION)
    assert low == pytest.approx(frame[IMITATION].min())
    assert 0.37 <= high <= 0.42
    assert result.density >= 0.95


def test_threshold_mode() -> None:
    frame = _frame()
    frame["revenue_total"] = np.where(frame[IMITATION] > 0.4, 10.0, 1.0) + frame["seed"] * 0.1
    result = discover_frame(frame, UNCS, "*", kpi="revenue_total", threshold=5.0)
    assert result.mode == "threshold" and result.better is None and result.lever is None
    assert result.threshold == 5.0
    assert result.n_cases == len(frame)
    assert _restricted(result.box) == {IMITATION}
    assert 0.38 <= _limits(result.box, IMITATION)[0] <= 0.43
    assert result.density >= 0.95

    # Default threshold: the 75th percentile; ``better`` selects one design's runs.
    one = discover_frame(frame, UNCS, "0.3", kpi="revenue_total", levers=[LEVER])
    runs = frame[frame[LEVER] == 0.3]["revenue_total"]
    assert one.threshold == pytest.approx(float(np.quantile(runs, 0.75)))
    assert one.n_cases == len(runs) and one.lever == LEVER


def test_min_density_picks_largest_coverage_box() -> None:
    frame = _frame()
    frame["revenue_total"] = np.where(frame[IMITATION] > 0.4, 10.0, 1.0) + frame[INNOVATION]
    last = discover_frame(frame, UNCS, "*", kpi="revenue_total")
    assert last.box_index == len(last.trajectory) - 1
    traj = last.trajectory
    for min_density in (0.0, 0.6, 0.99):
        chosen = discover_frame(frame, UNCS, "*", kpi="revenue_total", min_density=min_density)
        ok = traj[traj["density"] >= min_density]
        best = ok[ok["coverage"] == ok["coverage"].max()]
        assert chosen.coverage == pytest.approx(best["coverage"].max())
        assert chosen.density == pytest.approx(best["density"].max())
        assert bool(chosen.trajectory["chosen"].iloc[chosen.box_index])
    loose = discover_frame(frame, UNCS, "*", kpi="revenue_total", min_density=0.0)
    assert loose.coverage == pytest.approx(1.0)
    assert loose.coverage >= last.coverage and loose.density <= last.density


def test_errors() -> None:
    frame = _frame(n_points=40, seeds=1)
    with pytest.raises(InputError, match="no uncertainties"):
        discover_frame(frame, [], "0.3", "0.2", levers=[LEVER])
    with pytest.raises(InputError, match=r"not in the sweep's results: market\.nope"):
        discover_frame(frame, ["market.nope"], "0.3", "0.2", levers=[LEVER])
    with pytest.raises(InputError, match="KPI 'nope'"):
        discover_frame(frame, UNCS, "0.3", "0.2", kpi="nope", levers=[LEVER])
    with pytest.raises(InputError, match=r"both values '0.5' and '0.2'.*0\.2, 0\.3"):
        discover_frame(frame, UNCS, "0.5", "0.2", levers=[LEVER])
    with pytest.raises(InputError, match=r"lever 'partners\.si\.count' is not in the sweep"):
        discover_frame(frame, UNCS, "0.3", "0.2", levers=[LEVER], lever="partners.si.count")
    with pytest.raises(InputError, match="no levers"):
        discover_frame(frame, UNCS, "0.3", "0.2")
    with pytest.raises(InputError, match="same value"):
        discover_frame(frame, UNCS, "0.3", "0.30", levers=[LEVER])
    # No case of interest: 0.3 never beats 0.3 + 1000.
    worse = frame.assign(
        contribution_total=np.where(frame[LEVER] == 0.3, 0.0, frame["contribution_total"])
    )
    with pytest.raises(InputError, match="no case of interest"):
        discover_frame(worse, UNCS, "0.3", "0.2", levers=[LEVER])
    with pytest.raises(InputError, match="every case is of interest"):
        discover_frame(worse, UNCS, "0.2", "0.3", levers=[LEVER])
    with pytest.raises(InputError, match="every case is of interest"):
        discover_frame(frame.assign(contribution_total=1.0), UNCS, "*")
    with pytest.raises(InputError, match="no case of interest"):
        discover_frame(frame, UNCS, "*", threshold=1e12)
    # A design that does not cross the lever with the uncertainties: nothing to pair.
    shifted = frame.copy()
    shifted.loc[shifted[LEVER] == 0.3, IMITATION] += 1e-3
    with pytest.raises(InputError, match=r"no runs of '0\.3' and '0\.2' share"):
        discover_frame(shifted, UNCS, "0.3", "0.2", levers=[LEVER])
    # The same values in two levers: ambiguous unless the lever is named.
    twin = frame.assign(**{"partners.si.discount": np.where(frame["point"] < 20, 0.2, 0.3)})
    with pytest.raises(InputError, match="several levers"):
        discover_frame(twin, UNCS, "0.3", "0.2", levers=[LEVER, "partners.si.discount"])
    named = discover_frame(
        twin, UNCS, "0.3", "0.2", levers=[LEVER, "partners.si.discount"], lever=LEVER
    )
    assert named.lever == LEVER


# ---------------------------------------------------------------------------------------------
# sweep directories (written through sim.sweep.store)
# ---------------------------------------------------------------------------------------------

SWEEP_TEXT = f"""
base = "tiny"
method = "grid"
replications = 2
kpis = ["contribution_total"]

[[levers]]
key = "{LEVER}"
values = [0.2, 0.3]

[[uncertainties]]
key = "{IMITATION}"
values = [0.2, 0.25, 0.3, 0.35, 0.45, 0.5, 0.55, 0.6]

[[uncertainties]]
key = "{INNOVATION}"
values = [0.01, 0.03, 0.05]
"""

NO_UNC_TEXT = f"""
base = "tiny"
[[levers]]
key = "{LEVER}"
values = [0.2, 0.3]
"""


def _rid(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _write_sweep(root: Path, text: str, with_uncertainties: bool = True) -> Path:
    imitations = [0.2, 0.25, 0.3, 0.35, 0.45, 0.5, 0.55, 0.6] if with_uncertainties else [0.3]
    innovations = [0.01, 0.03, 0.05] if with_uncertainties else [0.03]
    ts = pd.DataFrame({"period": np.arange(1, 3, dtype=np.int64), "revenue": [1.0, 2.0]})
    specs: list[RunSpec] = []
    point = 0
    for discount in (0.2, 0.3):
        for im in imitations:
            for inn in innovations:
                overrides: dict[str, Any] = {LEVER: discount}
                if with_uncertainties:
                    overrides |= {IMITATION: im, INNOVATION: inn}
                for rep in range(2):
                    seed = 1 + rep
                    spec = RunSpec(_rid(point, seed), point, rep, seed, overrides)
                    specs.append(spec)
                    kpis = {"contribution_total": _kpi(discount, im, inn, seed)}
                    store.write_run(root, store.run_table(spec, ts, kpis), spec.run_id)
                point += 1
    store.write_manifest(root, store.manifest_document("fake", "tiny", text, specs))
    return root


def test_discover_sweep_dir_and_write(tmp_path: Path) -> None:
    root = _write_sweep(tmp_path / "sweep", SWEEP_TEXT)
    assert sweep_factors(root) == ([LEVER], [IMITATION, INNOVATION])
    result = discover(root, "0.3", "0.2", mass_min=0.05)
    assert result.n_cases == 8 * 3 * 2
    assert result.n_interest == 4 * 3 * 2
    assert _restricted(result.box) == {IMITATION}
    assert 0.35 <= _limits(result.box, IMITATION)[0] <= 0.45
    assert result.density == pytest.approx(1.0)
    assert result.coverage == pytest.approx(1.0)

    paths = write_discovery(result, tmp_path / "out", "discount")
    names = [p.name for p in paths]
    assert names == [
        "discovery_discount_box.csv",
        "discovery_discount_trajectory.csv",
        "discovery_discount_tradeoff.png",
    ]
    box = pd.read_csv(paths[0], keep_default_na=False)
    assert list(box.columns) == list(BOX_COLUMNS)
    assert list(box["uncertainty"]) == [IMITATION, INNOVATION]
    traj = pd.read_csv(paths[1])
    assert list(traj.columns) == list(TRAJECTORY_COLUMNS)
    assert len(traj) == len(result.trajectory)
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Deterministic files.
    again = write_discovery(result, tmp_path / "again", "discount")
    for a, b in zip(paths, again, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_discover_sweep_dir_errors(tmp_path: Path) -> None:
    root = _write_sweep(tmp_path / "flat", NO_UNC_TEXT, with_uncertainties=False)
    with pytest.raises(InputError, match="no uncertainties") as info:
        discover(root, "0.3", "0.2")
    assert len(info.value.problems) == 1
    with pytest.raises(InputError, match=r"no manifest\.json"):
        discover(tmp_path / "nowhere", "0.3", "0.2")
    full = _write_sweep(tmp_path / "full", SWEEP_TEXT)
    with pytest.raises(InputError, match="no lever of the sweep has both values"):
        discover(full, "0.4", "0.2")
    with pytest.raises(InputError, match="discovery name"):
        write_discovery(discover(full, "0.3", "0.2"), tmp_path, "../x")


def test_categorical_uncertainty() -> None:
    rng = np.random.default_rng(11)
    n = 240
    frame = pd.DataFrame(
        {
            "seed": 1,
            "market.model": rng.choice(["bass", "logistic", "flat"], n),
            "market.flag": rng.choice([True, False], n),
            IMITATION: rng.uniform(0.2, 0.6, n),
        }
    )
    frame["revenue_total"] = np.where(frame["market.model"] == "bass", 1.0, 0.0)
    uncs = ["market.model", "market.flag", IMITATION]
    result = discover_frame(frame, uncs, "*", kpi="revenue_total", threshold=0.5)
    assert _restricted(result.box) == {"market.model"}
    row = result.box.set_index("uncertainty").loc["market.model"]
    assert row["categories"] == "bass" and np.isnan(row["low"])
    assert result.density == pytest.approx(1.0) and result.coverage == pytest.approx(1.0)
    assert "market.model in {bass}" in result.describe()
