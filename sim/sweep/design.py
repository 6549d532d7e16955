"""Sweep designs: the points of a sweep and the runs they make.

A design point is a dict of scenario key → value, keys in factor order (levers, then
uncertainties). Every method is deterministic: the same spec gives the same points.

* ``grid``: the cartesian product of each factor's values (``values``, or ``levels`` evenly
  spaced values from ``low`` to ``high``, geometrically spaced for ``loguniform``), the first
  factor varying slowest.
* ``random``: ``samples`` independent uniform draws.
* ``lhs``: a Latin hypercube of ``samples`` points (SALib ``latin``).
* ``sobol``: Saltelli's scheme (SALib ``sobol.sample`` with ``calc_second_order=False``):
  N·(D+2) points for N = ``samples`` and D factors, for first- and total-order indices.
* ``morris``: ``samples`` trajectories of D+1 points on a 4-level grid (SALib ``morris``).

Sampled methods draw a point u in the unit cube and map each coordinate to a value: a range maps
linearly (``uniform``) or in log space (``loguniform``); an ``integer`` range splits [low, high+1)
into equal bins, one per integer, so every integer is equally likely (for ``loguniform`` the bins
are equal in log space); a value list splits [0, 1) into one equal bin per value. The generator
is ``PCG64(SeedSequence(spec.seed, spawn_key=stream_key("sweep.design")))``.

Two points can resolve to the same scenario (integer rounding, repeated draws, Morris
trajectories that cross). Their runs then share a run id and have identical results: the
executor runs each distinct run id once.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.analysis.sensitivity import MORRIS_LEVELS
from sim.errors import InputError
from sim.rng import stream_key
from sim.scenario import dump_resolved, load_scenario
from sim.scenario.loader import SET_FILE, display_path, format_key, parse_set_key, parse_set_value
from sim.sweep.spec import Factor, LoadedSweep, SweepSpec, override
from sim.sweep.types import RunSpec

DESIGN_STREAM = "sweep.design"
"""The name of the random stream of sampled designs (:func:`sim.rng.stream_key`)."""


def design_rng(seed: int) -> np.random.Generator:
    """The generator of a sweep's sampled design.

    Args:
        seed: The sweep's seed.

    Returns:
        A PCG64 generator seeded from ``seed`` and the stable key of ``"sweep.design"``.
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=stream_key(DESIGN_STREAM))
    return np.random.Generator(np.random.PCG64(ss))


def problem_of(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sweep, for the analysis step.

    Args:
        spec: A validated sweep.

    Returns:
        ``{"num_vars": D, "names": [key, ...], "bounds": [[low, high], ...], "dists": [...]}``
        in factor order; ``dists`` is ``"unif"`` or ``"logunif"``. A factor given as a value list
        has the bounds of its numeric values.

    Raises:
        ValueError: A factor's value list is not numeric (SALib needs numeric bounds).
    """
    bounds: list[list[float]] = []
    for factor in spec.factors:
        if factor.has_range:
            assert factor.low is not None and factor.high is not None
            bounds.append([float(factor.low), float(factor.high)])
            continue
        values = factor.values or []
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) != len(values):
            raise ValueError(f"factor {factor.key} has non-numeric values; SALib needs bounds")
        bounds.append([float(min(numbers)), float(max(numbers))])
    return {
        "num_vars": len(spec.factors),
        "names": [f.key for f in spec.factors],
        "bounds": bounds,
        "dists": ["logunif" if f.distribution == "loguniform" else "unif" for f in spec.factors],
    }


def _unit_problem(d: int) -> dict[str, Any]:
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def _grid_values(factor: Factor) -> list[Any]:
    if factor.values is not None:
        return list(factor.values)
    assert factor.low is not None and factor.high is not None and factor.levels is not None
    if factor.distribution == "loguniform":
        raw = np.geomspace(factor.low, factor.high, factor.levels)
    else:
        raw = np.linspace(factor.low, factor.high, factor.levels)
    raw[0], raw[-1] = factor.low, factor.high  # exact ends
    if factor.integer:
        return list(dict.fromkeys(round(float(x)) for x in raw))
    return [float(x) for x in raw]


def _map_unit(factor: Factor, u: float) -> Any:
    """Map a unit-interval coordinate to a factor value (see the module docstring)."""
    u = min(max(float(u), 0.0), 1.0)
    if factor.values is not None:
        n = len(factor.values)
        return factor.values[min(int(u * n), n - 1)]
    assert factor.low is not None and factor.high is not None
    low, high = factor.low, factor.high
    loguniform = factor.distribution == "loguniform"
    if factor.integer:
        top = high + 1.0
        if loguniform:
            x = math.exp(math.log(low) + u * (math.log(top) - math.log(low)))
        else:
            x = low + u * (top - low)
        return int(min(max(math.floor(x), low), high))
    if loguniform:
        x = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    else:
        x = low + u * (high - low)
    return min(max(x, low), high)


def unit_design(spec: SweepSpec) -> NDArray[np.float64]:
    """The sampled design in the unit cube, before mapping to values.

    Args:
        spec: A validated sweep whose method is not ``grid``.

    Returns:
        An array of shape (points, factors) with entries in [0, 1].

    Raises:
        ValueError: The method is ``grid`` (it has no unit design).
    """
    d = len(spec.factors)
    n = spec.samples or 1
    rng = design_rng(spec.seed)
    problem = _unit_problem(d)
    if spec.method == "random":
        return rng.random((n, d))
    if spec.method == "lhs":
        # lazy: SALib is heavy, only for sampled designs (measured)
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, n, seed=rng), dtype=np.float64)
    if spec.method == "sobol":
        # lazy: SALib is heavy, only for sampled designs (measured)
        from SALib.sample import sobol

        out = sobol.sample(problem, n, calc_second_order=False, seed=rng)
        return np.asarray(out, dtype=np.float64)
    if spec.method == "morris":
        # lazy: SALib is heavy, only for sampled designs (measured)
        from SALib.sample import morris

        out = morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=rng)
        return np.asarray(out, dtype=np.float64)
    raise ValueError(f"method {spec.method!r} has no unit design")


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The design points of a sweep, in order.

    Args:
        spec: A validated sweep (:func:`~sim.sweep.spec.load_sweep`).

    Returns:
        One dict per point: scenario key → value (bool, int, float or str), keys in factor
        order. Sizes: grid, the product of the factors' value counts; random and lhs,
        ``samples``; sobol, ``samples``·(D+2); morris, ``samples``·(D+1).
    """
    factors = spec.factors
    keys = [f.key for f in factors]
    if spec.method == "grid":
        combos = itertools.product(*(_grid_values(f) for f in factors))
        return [dict(zip(keys, combo, strict=True)) for combo in combos]
    unit = unit_design(spec)
    return [{f.key: _map_unit(f, u) for f, u in zip(factors, row, strict=True)} for row in unit]


def set_values(spec: SweepSpec) -> dict[str, Any]:
    """The sweep's ``set`` as scenario key → value (VALUE parsed as TOML, else a string).

    Args:
        spec: A validated sweep (its ``set`` items are well formed, none is a table).

    Returns:
        The values, in the order of ``set``; a later item for the same key replaces an earlier
        one (and moves to its place).

    Raises:
        ValueError: An item is malformed (the sweep was not validated by ``load_sweep``).
    """
    out: dict[str, Any] = {}
    for item in spec.set:
        key_text, _, value_text = item.partition("=")
        path = parse_set_key(key_text.strip())
        value = parse_set_value(value_text)
        if path is None or isinstance(value, dict):
            raise ValueError(f"set item {item!r} is not KEY=VALUE (load the sweep first)")
        key = format_key(path)
        out.pop(key, None)
        out[key] = value
    return out


def run_overrides(spec: SweepSpec, point: dict[str, Any]) -> dict[str, Any]:
    """Everything a run changes in the base scenario: the sweep's ``set``, then the point.

    This is :attr:`RunSpec.overrides <sim.sweep.types.RunSpec.overrides>`: the base scenario
    with these overrides applied in order (:func:`point_overrides`) is the run's scenario, so a
    worker needs nothing but the base and the :class:`~sim.sweep.types.RunSpec`.

    Args:
        spec: The sweep.
        point: A design point.

    Returns:
        Scenario key → value; a point's value replaces a ``set`` value of the same key.
    """
    out = set_values(spec)
    for key, value in point.items():
        out.pop(key, None)
        out[key] = value
    return out


def point_overrides(spec: SweepSpec, point: dict[str, Any]) -> list[str]:
    """The ``KEY=VALUE`` overrides of one point: the sweep's ``set``, then the point's values.

    Args:
        spec: The sweep.
        point: A design point.

    Returns:
        Overrides for :func:`~sim.scenario.load_scenario` (values formatted as TOML by
        :func:`~sim.sweep.spec.override`).
    """
    return [override(key, value) for key, value in run_overrides(spec, point).items()]


def run_id_of(resolved_toml: str, seed: int) -> str:
    """The run id: sha256 hex of the resolved scenario's TOML and the seed.

    Args:
        resolved_toml: :func:`~sim.scenario.dump_resolved` of the run's scenario.
        seed: The run's root seed.

    Returns:
        The sha256 hex digest of the UTF-8 text: ``resolved_toml``, a newline, then the line
        ``# seed = <seed>`` and a final newline.
    """
    text = f"{resolved_toml}\n# seed = {seed}\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def design_runs(loaded: LoadedSweep) -> list[RunSpec]:
    """Every run of a sweep: each point (outer) with each replication (inner).

    The scenario of a point is resolved once (base, ``set``, the point's values) and shared by
    its replications; replication r runs with seed ``spec.seed + r`` (common seeds across
    points). Each run's ``overrides`` are :func:`run_overrides` (the sweep's ``set`` and the
    point's values), so ``load_scenario(base, point_overrides(...))`` or any equivalent
    ``KEY=VALUE`` formatting of them gives back the scenario whose hash is in the run id. The
    factor values of a run are ``[run.overrides[k] for k in problem_of(spec)["names"]]``.

    Args:
        loaded: A loaded sweep.

    Returns:
        ``len(points) × replications`` runs, in order.

    Raises:
        InputError: A point's scenario does not validate (e.g. a combination of values the
            scenario's cross-checks refuse).
    """
    spec = loaded.spec
    base = str(loaded.base_source)
    runs: list[RunSpec] = []
    for index, point in enumerate(design_points(spec)):
        overrides = run_overrides(spec, point)
        try:
            scenario = load_scenario(base, [override(k, v) for k, v in overrides.items()]).scenario
        except InputError as err:
            where = f"{display_path(loaded.path)}: design point {index}"
            lines = [line.removeprefix(f"{SET_FILE}: ") for line in err.problems]
            raise InputError([f"{where}: {line}" for line in lines]) from None
        text = dump_resolved(scenario)
        for r in range(spec.replications):
            seed = spec.seed + r
            runs.append(
                RunSpec(
                    run_id=run_id_of(text, seed),
                    point=index,
                    replication=r,
                    seed=seed,
                    overrides=dict(overrides),
                )
            )
    return runs


__all__ = [
    "DESIGN_STREAM",
    "MORRIS_LEVELS",
    "design_points",
    "design_rng",
    "design_runs",
    "point_overrides",
    "problem_of",
    "run_id_of",
    "run_overrides",
    "set_values",
    "unit_design",
]
