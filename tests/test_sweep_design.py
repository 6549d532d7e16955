"""Sweep designs: sizes, determinism, value mapping, run ids (designs only, no model runs)."""

from __future__ import annotations

import hashlib
import itertools
import math
from pathlib import Path
from typing import Any

import pytest

from sim.errors import InputError
from sim.scenario import dump_resolved, load_scenario
from sim.sweep.design import (
    design_points,
    design_runs,
    point_overrides,
    problem_of,
    run_id_of,
)
from sim.sweep.spec import SweepSpec, check_spec, list_shipped_sweeps, load_sweep, toml_value
from sim.sweep.types import RunSpec

RANGES: list[dict[str, Any]] = [
    {"key": "partners.var.discount", "low": 0.2, "high": 0.4},
    {"key": "partners.var.count", "low": 2, "high": 10, "integer": True},
    {"key": "market.awareness.imitation", "low": 0.05, "high": 0.5, "distribution": "loguniform"},
]


def make(method: str, samples: int | None = 8, seed: int = 1, **extra: Any) -> SweepSpec:
    data: dict[str, Any] = {
        "base": "tiny",
        "method": method,
        "samples": samples,
        "seed": seed,
        "levers": RANGES[:2],
        "uncertainties": RANGES[2:],
        **extra,
    }
    spec = SweepSpec.model_validate(data)
    assert check_spec(spec) == []
    return spec


SAMPLED = ["random", "lhs", "sobol", "morris"]


# ---------------------------------------------------------------------------------------------
# sizes
# ---------------------------------------------------------------------------------------------


def test_grid_is_the_cartesian_product_in_factor_order() -> None:
    spec = SweepSpec.model_validate(
        {
            "base": "tiny",
            "levers": [
                {"key": "partners.var.count", "values": [2, 6, 10]},
                {"key": "direct.reps", "values": [0, "unlimited"]},
            ],
            "uncertainties": [
                {"key": "market.awareness.imitation", "low": 0.2, "high": 0.5, "levels": 4}
            ],
        }
    )
    points = design_points(spec)
    assert len(points) == 3 * 2 * 4
    assert points[0] == {
        "partners.var.count": 2,
        "direct.reps": 0,
        "market.awareness.imitation": 0.2,
    }
    assert points[1]["market.awareness.imitation"] == pytest.approx(0.3)
    assert points[3]["market.awareness.imitation"] == 0.5
    assert points[4]["direct.reps"] == "unlimited"
    assert points[-1] == {
        "partners.var.count": 10,
        "direct.reps": "unlimited",
        "market.awareness.imitation": 0.5,
    }
    assert list(points[0]) == ["partners.var.count", "direct.reps", "market.awareness.imitation"]


def test_grid_levels_integer_and_loguniform() -> None:
    spec = SweepSpec.model_validate(
        {
            "base": "tiny",
            "levers": [
                {"key": "partners.var.count", "low": 1, "high": 100, "levels": 3, "integer": True},
                {
                    "key": "market.awareness.imitation",
                    "low": 0.01,
                    "high": 1.0,
                    "levels": 3,
                    "distribution": "loguniform",
                },
            ],
        }
    )
    points = design_points(spec)
    assert sorted({p["partners.var.count"] for p in points}) == [1, 50, 100]
    assert all(isinstance(p["partners.var.count"], int) for p in points)
    imitation = sorted({p["market.awareness.imitation"] for p in points})
    assert imitation == pytest.approx([0.01, 0.1, 1.0])


def test_grid_integer_levels_are_not_repeated() -> None:
    spec = SweepSpec.model_validate(
        {
            "base": "tiny",
            "levers": [{"key": "direct.reps", "low": 0, "high": 2, "levels": 5, "integer": True}],
        }
    )
    assert [p["direct.reps"] for p in design_points(spec)] == [0, 1, 2]


@pytest.mark.parametrize(("method", "samples"), [("random", 7), ("lhs", 7)])
def test_random_and_lhs_size(method: str, samples: int) -> None:
    assert len(design_points(make(method, samples))) == samples


@pytest.mark.parametrize("n", [4, 16])
def test_sobol_size_without_second_order(n: int) -> None:
    d = len(RANGES)
    assert len(design_points(make("sobol", n))) == n * (d + 2)


@pytest.mark.parametrize("r", [2, 5])
def test_morris_size(r: int) -> None:
    d = len(RANGES)
    assert len(design_points(make("morris", r))) == r * (d + 1)


def test_single_factor_sobol_and_morris() -> None:
    one = {"levers": [RANGES[0]], "uncertainties": []}
    assert len(design_points(make("sobol", 8, **one))) == 8 * 3
    assert len(design_points(make("morris", 3, **one))) == 3 * 2


# ---------------------------------------------------------------------------------------------
# determinism and values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", SAMPLED)
def test_sampled_designs_are_deterministic(method: str) -> None:
    a = design_points(make(method, 8, seed=1))
    b = design_points(make(method, 8, seed=1))
    c = design_points(make(method, 8, seed=2))
    assert a == b
    assert a != c


def test_grid_is_deterministic() -> None:
    spec = SweepSpec.model_validate(
        {"base": "tiny", "levers": [{"key": "direct.reps", "values": [3, 1, 2]}]}
    )
    assert (
        design_points(spec)
        == design_points(spec)
        == [
            {"direct.reps": 3},
            {"direct.reps": 1},
            {"direct.reps": 2},
        ]
    )


@pytest.mark.parametrize("method", SAMPLED)
def test_sampled_values_within_bounds_and_typed(method: str) -> None:
    points = design_points(make(method, 16))
    for p in points:
        discount = p["partners.var.discount"]
        count = p["partners.var.count"]
        imitation = p["market.awareness.imitation"]
        assert isinstance(discount, float) and 0.2 <= discount <= 0.4
        assert type(count) is int and 2 <= count <= 10
        assert isinstance(imitation, float) and 0.05 <= imitation <= 0.5


def test_integer_values_cover_the_range_evenly() -> None:
    points = design_points(make("random", 2000))
    counts = [p["partners.var.count"] for p in points]
    assert set(counts) == set(range(2, 11))
    share = [counts.count(k) / len(counts) for k in range(2, 11)]
    assert all(abs(s - 1 / 9) < 0.03 for s in share)


def test_loguniform_is_uniform_in_log_space() -> None:
    points = design_points(make("random", 4000))
    logs = [math.log(p["market.awareness.imitation"]) for p in points]
    low, high = math.log(0.05), math.log(0.5)
    below_mid = sum(x < (low + high) / 2 for x in logs) / len(logs)
    assert below_mid == pytest.approx(0.5, abs=0.03)  # linear-uniform would give ~0.2


def test_lhs_is_stratified() -> None:
    n = 10
    points = design_points(make("lhs", n))
    u = sorted((p["partners.var.discount"] - 0.2) / 0.2 for p in points)
    assert [math.floor(x * n) for x in u] == list(range(n))


def test_value_lists_in_sampled_designs() -> None:
    spec = make(
        "random",
        300,
        levers=[{"key": "direct.reps", "values": [0, 10, "unlimited"]}],
        uncertainties=[],
    )
    values = [p["direct.reps"] for p in design_points(spec)]
    assert set(values) == {0, 10, "unlimited"}


def test_morris_moves_one_factor_per_step() -> None:
    spec = make("morris", 3)
    points = design_points(spec)
    d = len(RANGES)
    for t in range(3):
        trajectory = points[t * (d + 1) : (t + 1) * (d + 1)]
        for a, b in itertools.pairwise(trajectory):
            assert sum(a[k] != b[k] for k in a) <= 1


def test_problem_of() -> None:
    problem = problem_of(make("sobol", 8))
    assert problem == {
        "num_vars": 3,
        "names": ["partners.var.discount", "partners.var.count", "market.awareness.imitation"],
        "bounds": [[0.2, 0.4], [2.0, 10.0], [0.05, 0.5]],
        "dists": ["unif", "unif", "logunif"],
    }
    spec = SweepSpec.model_validate(
        {"base": "tiny", "levers": [{"key": "direct.reps", "values": [5, 1, 9]}]}
    )
    assert problem_of(spec)["bounds"] == [[1.0, 9.0]]


# ---------------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------------


def write_sweep(path: Path, method: str = "grid", replications: int = 3) -> Path:
    body = f'base = "tiny"\nset = ["time.periods=6"]\nmethod = "{method}"\nsamples = 4\n'
    body += f"replications = {replications}\nseed = 5\n"
    if method == "grid":
        body += '[[levers]]\nkey = "partners.var.count"\nvalues = [2, 4]\n'
        body += '[[levers]]\nkey = "partners.var.discount"\nvalues = [0.2, 0.3]\n'
    else:
        body += '[[levers]]\nkey = "partners.var.discount"\nlow = 0.2\nhigh = 0.4\n'
    path.write_text(body, encoding="utf-8")
    return path


def test_design_runs_order_seeds_and_ids(tmp_path: Path) -> None:
    loaded = load_sweep(write_sweep(tmp_path / "s.toml"))
    runs = design_runs(loaded)
    assert len(runs) == 4 * 3
    assert all(isinstance(r, RunSpec) for r in runs)
    assert [(r.point, r.replication, r.seed) for r in runs[:4]] == [
        (0, 0, 5),
        (0, 1, 6),
        (0, 2, 7),
        (1, 0, 5),
    ]
    assert runs[0].overrides == {
        "time.periods": 6,
        "partners.var.count": 2,
        "partners.var.discount": 0.2,
    }
    assert runs[3].overrides == {
        "time.periods": 6,
        "partners.var.count": 2,
        "partners.var.discount": 0.3,
    }
    assert len({r.run_id for r in runs}) == len(runs), "distinct across points and seeds"
    again = design_runs(load_sweep(tmp_path / "s.toml"))
    assert [r.run_id for r in again] == [r.run_id for r in runs], "stable"


def test_run_id_is_sha256_of_resolved_scenario_and_seed(tmp_path: Path) -> None:
    loaded = load_sweep(write_sweep(tmp_path / "s.toml"))
    run = design_runs(loaded)[4]
    overrides = point_overrides(loaded.spec, run.overrides)
    assert overrides == ["time.periods=6", "partners.var.count=2", "partners.var.discount=0.3"]
    text = dump_resolved(load_scenario("tiny", overrides).scenario)
    expected = hashlib.sha256(f"{text}\n# seed = {run.seed}\n".encode()).hexdigest()
    assert run.run_id == run_id_of(text, run.seed) == expected


def test_a_run_is_its_base_and_overrides(tmp_path: Path) -> None:
    # A worker that knows only the base and the RunSpec resolves the scenario of the run id.
    path = tmp_path / "s.toml"
    path.write_text(
        'base = "tiny"\nset = ["time.periods=6", "direct.reps=unlimited", '
        '"partners.var.count=3", "partners.var.discount=0.25", "partners.var.count=4"]\n'
        'method = "lhs"\nsamples = 3\nseed = 2\n'
        '[[levers]]\nkey = "partners.var.discount"\nlow = 0.2\nhigh = 0.4\n',
        encoding="utf-8",
    )
    loaded = load_sweep(path)
    for run in design_runs(loaded):
        assert list(run.overrides)[:3] == ["time.periods", "direct.reps", "partners.var.count"]
        assert run.overrides["direct.reps"] == "unlimited"
        assert run.overrides["partners.var.count"] == 4
        assert run.overrides["partners.var.discount"] != 0.25  # the factor wins over set
        items = [f"{k}={toml_value(v)}" for k, v in run.overrides.items()]
        scenario = load_scenario(str(loaded.base_source), items).scenario
        assert scenario.time.periods == 6
        assert run_id_of(dump_resolved(scenario), run.seed) == run.run_id


def test_run_ids_do_not_depend_on_where_the_sweep_lives(tmp_path: Path) -> None:
    a = design_runs(load_sweep(write_sweep(tmp_path / "a.toml", "lhs")))
    (tmp_path / "sub").mkdir()
    b = design_runs(load_sweep(write_sweep(tmp_path / "sub" / "b.toml", "lhs")))
    assert [r.run_id for r in a] == [r.run_id for r in b]


def test_same_values_same_run_ids_across_sweeps(tmp_path: Path) -> None:
    grid = design_runs(load_sweep(write_sweep(tmp_path / "g.toml", replications=1)))
    (tmp_path / "one.toml").write_text(
        'base = "tiny"\nset = ["time.periods=6"]\nseed = 5\n[[levers]]\n'
        'key = "partners.var.discount"\nvalues = [0.2]\n',
        encoding="utf-8",
    )
    # tiny has 6 VARs; the grid point (count=2) differs, so no id is shared ...
    one = design_runs(load_sweep(tmp_path / "one.toml"))
    assert one[0].run_id not in {r.run_id for r in grid}
    # ... while the same resolved scenario gives the same id.
    (tmp_path / "two.toml").write_text(
        'base = "tiny"\nset = ["time.periods=6", "partners.var.count=2"]\nseed = 5\n'
        '[[levers]]\nkey = "partners.var.discount"\nvalues = [0.2]\n',
        encoding="utf-8",
    )
    two = design_runs(load_sweep(tmp_path / "two.toml"))
    assert two[0].run_id == grid[0].run_id


def test_point_the_scenario_refuses_is_an_input_error(tmp_path: Path) -> None:
    # Each value alone validates against the base; the combination fails a cross-check.
    path = tmp_path / "s.toml"
    path.write_text(
        'base = "tiny"\n[[levers]]\nkey = "product.hardware.unit_cost"\nvalues = [500, 590]\n'
        '[[levers]]\nkey = "product.hardware.unit_price"\nvalues = [550, 800]\n',
        encoding="utf-8",
    )
    loaded = load_sweep(path)
    with pytest.raises(InputError) as info:
        design_runs(loaded)
    assert info.value.problems == [
        f"{loaded.path}: design point 2: product.hardware.unit_cost=590: 590 is not accepted; "
        "expected ≤ unit_price (550.0)"
    ]


# ---------------------------------------------------------------------------------------------
# shipped sweeps
# ---------------------------------------------------------------------------------------------


def test_shipped_sweeps_exist() -> None:
    assert {"quick", "var_saturation", "var_discount_x_direct_reps", "sobol_main"} <= set(
        list_shipped_sweeps()
    )


@pytest.mark.parametrize("name", list_shipped_sweeps())
def test_every_shipped_sweep_designs(name: str) -> None:
    loaded = load_sweep(name)
    points = design_points(loaded.spec)
    runs = design_runs(loaded)
    assert len(runs) == len(points) * loaded.spec.replications
    assert runs == design_runs(loaded)


def test_shipped_sizes() -> None:
    sizes = {name: len(design_runs(load_sweep(name))) for name in ["quick", "var_saturation"]}
    assert sizes["quick"] == 3 * 2 * 4
    assert 10 <= sizes["var_saturation"] <= 100
    assert len(design_points(load_sweep("var_discount_x_direct_reps").spec)) == 5 * 4
    assert len(design_points(load_sweep("sobol_main").spec)) == 64 * (6 + 2)
    quick = load_sweep("quick")
    assert quick.base_source.name == "tiny.toml"
