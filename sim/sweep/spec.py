"""Sweep files: a base scenario, the factors to vary, a design method and what to keep.

A sweep file is TOML::

    description = "Does a bigger VAR network pay?"
    base = "baseline"            # a scenario path (relative to this file first) or shipped name
    set = ["time.periods=36"]    # overrides of the base for every run (like --set)
    method = "grid"              # grid | random | lhs | sobol | morris
    samples = 16                 # see SweepSpec.samples
    replications = 3             # runs per design point, on common seeds
    seed = 1                     # replication r runs with seed + r; also seeds the design
    kpis = ["revenue_total"]     # summary KPIs to keep (default: DEFAULT_KPIS)

    [[levers]]                   # what the vendor decides
    key = "partners.var.count"
    values = [20, 40, 60, 80]

    [[uncertainties]]            # market conditions
    key = "market.awareness.imitation"
    low = 0.2
    high = 0.5

:func:`load_sweep` reads and validates a sweep file with the error quality of scenarios: every
problem is one line ``<file>: <key path>: <value> is not accepted; expected <what>`` and they are
raised together as an :class:`~sim.errors.InputError` (exit status 2 in the CLI). Factor keys and
values are checked by loading the base scenario with each value applied, so a sweep that loads
only names scenario keys and values the scenario accepts.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.analysis.kpi_registry import KPI_NAMES, SWEEP_DEFAULT_KPIS
from sim.errors import InputError
from sim.scenario.loader import (
    SET_FILE,
    Key,
    describe_type,
    display_path,
    find_source,
    format_key,
    format_value,
    is_model_type,
    is_table_type,
    load_scenario,
    parse_set_key,
    parse_set_value,
    read_toml_checked,
    schema_type,
    shipped_dir,
    shipped_names_text,
    unknown_key_message,
    unwrap_annotated,
)

SWEEPS_SUBDIR = "sweeps"
"""The shipped sweeps are ``<shipped scenarios folder>/sweeps/*.toml``."""

Method = Literal["grid", "random", "lhs", "sobol", "morris"]
"""Design methods."""

Scalar = bool | int | float | str
"""A factor value: anything a scenario key holds that is not a table."""

DEFAULT_KPIS: tuple[str, ...] = SWEEP_DEFAULT_KPIS
"""The headline KPIs a sweep keeps when its file has no ``kpis`` (chosen in the KPI registry)."""

_RANGE_METHODS: tuple[str, ...] = ("sobol", "morris")
_SAMPLED_METHODS: tuple[str, ...] = ("random", "lhs", "sobol", "morris")


class Factor(BaseModel):
    """One scenario key a sweep varies.

    A factor gives either ``values`` (an explicit list, usable by every method) or a range
    ``low``/``high`` (sampled by random, lhs, sobol and morris; the grid needs ``levels``, evenly
    spaced values from ``low`` to ``high``).

    Attributes:
        key: A dotted scenario key, e.g. ``partners.var.count``.
        values: The values to use (grid: each one; random and lhs: drawn uniformly).
        low: The range's lower end.
        high: The range's upper end (> ``low``).
        levels: For the grid: this many evenly spaced values from ``low`` to ``high``.
        integer: Round sampled values to ints (``low`` and ``high`` must then be whole).
        distribution: ``uniform``, or ``loguniform`` (uniform in log space; needs ``low`` > 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    key: Annotated[str, Field(min_length=1)]
    values: Annotated[list[Scalar], Field(min_length=1)] | None = None
    low: float | None = None
    high: float | None = None
    levels: Annotated[int, Field(ge=2)] | None = None
    integer: bool = False
    distribution: Literal["uniform", "loguniform"] = "uniform"

    @property
    def has_range(self) -> bool:
        """Whether the factor has a ``low``/``high`` range."""
        return self.low is not None and self.high is not None


class SweepSpec(BaseModel):
    """A sweep file, validated for types and ranges (see :func:`check_spec` for the rest).

    Attributes:
        description: What the sweep answers.
        base: The base scenario: a path relative to the sweep file, or a shipped name.
        set: ``KEY=VALUE`` overrides applied to the base for every run, before the factors.
        method: The design method.
        samples: Design size: points for random and lhs; the base sample N for sobol
            (N·(D+2) points, a power of 2); trajectories r for morris (r·(D+1) points); ignored by
            the grid. Required by every method but the grid.
        replications: Runs per point, on common seeds ``seed``, ``seed + 1``, ...
        seed: The first replication's seed; also seeds the sampled designs.
        kpis: Summary KPIs to keep (:data:`KPI_NAMES`), default :data:`DEFAULT_KPIS`.
        levers: Factors the vendor decides.
        uncertainties: Factors of the market.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    description: str = ""
    base: Annotated[str, Field(min_length=1)]
    set: list[str] = Field(default_factory=list)
    method: Method = "grid"
    samples: Annotated[int, Field(ge=1)] | None = None
    replications: Annotated[int, Field(ge=1, le=100_000)] = 1
    seed: Annotated[int, Field(ge=0)] = 1
    kpis: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: list(DEFAULT_KPIS)
    )
    levers: list[Factor] = Field(default_factory=list)
    uncertainties: list[Factor] = Field(default_factory=list)

    @property
    def factors(self) -> list[Factor]:
        """Levers, then uncertainties: the order of a design point's keys."""
        return [*self.levers, *self.uncertainties]

    def factor_paths(self) -> list[Key]:
        """The key path of each factor in the file, e.g. ``("levers", 0)``, in factor order."""
        paths: list[Key] = [("levers", i) for i in range(len(self.levers))]
        return paths + [("uncertainties", i) for i in range(len(self.uncertainties))]


@dataclass(frozen=True)
class LoadedSweep:
    """A validated sweep and where it came from.

    Attributes:
        spec: The validated sweep.
        path: The absolute path of the sweep file.
        base_source: The absolute path of the base scenario file.
        name: The sweep's name: its file's stem (``quick`` for ``scenarios/sweeps/quick.toml``).
    """

    spec: SweepSpec
    path: Path
    base_source: Path
    name: str


# ---------------------------------------------------------------------------------------------
# finding sweep files
# ---------------------------------------------------------------------------------------------


def shipped_sweeps_dir() -> Path:
    """Return the folder of the shipped sweeps (``sweeps/`` of the shipped scenarios' folder)."""
    return shipped_dir() / SWEEPS_SUBDIR


def list_shipped_sweeps() -> list[str]:
    """List the shipped sweeps' names, sorted."""
    folder = shipped_sweeps_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if p.is_file())


def resolve_sweep(source: str | Path) -> Path:
    """Find the file a sweep source names: a path, else a shipped sweep's name.

    Args:
        source: A path (absolute or relative to the working directory) or the name of a
            shipped sweep, with or without ``.toml``.

    Returns:
        The path (it exists; it may still be a folder or unreadable).

    Raises:
        InputError: ``source`` names no file and no shipped sweep.
    """
    text = str(source)
    if text.strip():
        candidate = Path(text).expanduser()
        if candidate.exists():
            return candidate
        if "/" not in text and "\\" not in text and not text.startswith("."):
            shipped = shipped_sweeps_dir() / f"{text.removesuffix('.toml')}.toml"
            if shipped.is_file():
                return shipped
    names = ", ".join(list_shipped_sweeps()) or f"(none in {shipped_sweeps_dir()})"
    shown = text if text.strip() else repr(text)
    raise InputError(
        f"{shown}: no such file or shipped sweep; expected a path to a sweep file or a shipped "
        f"sweep: {names}"
    )


# ---------------------------------------------------------------------------------------------
# problem lines
# ---------------------------------------------------------------------------------------------


def _problem(file: str, path: Key, message: str) -> str:
    return f"{file}: {format_key(path)}: {message}" if path else f"{file}: {message}"


def _get(data: Any, path: Key) -> tuple[bool, Any]:
    for key in path:
        in_table = isinstance(data, dict) and isinstance(key, str) and key in data
        in_list = isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)
        if not (in_table or in_list):
            return False, None
        data = data[key]
    return True, data


def _data_prefix(data: Any, loc: Key) -> Key:
    n = 0
    for key in loc:
        found, value = _get(data, (key,))
        if not found:
            break
        data = value
        n += 1
    return loc[:n]


def _spec_type(path: Key) -> tuple[Any, list[Any]] | None:
    """The declared type and constraints at a key path of :class:`SweepSpec`."""
    return schema_type(path, SweepSpec)


def _sweep_unknown_key(path: Key) -> str:
    found = _spec_type(path[:-1])
    accepted: list[str] = []
    if found is not None:
        tp, _ = unwrap_annotated(*found)
        if is_model_type(tp):
            accepted = list(tp.model_fields)
    close = difflib.get_close_matches(str(path[-1]), accepted, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return "unknown key; expected one of: " + ", ".join(accepted)


def _pydantic_problems(file: str, data: dict[str, Any], exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc: Key = tuple(err["loc"])
        kind = err["type"]
        path = loc if kind == "missing" else _data_prefix(data, loc)
        found = _spec_type(path)
        expected = describe_type(*found) if found is not None else "a valid value"
        if kind == "extra_forbidden":
            message = _sweep_unknown_key(path)
        elif kind == "missing":
            message = f"key is missing; expected {expected}"
        elif kind == "too_short":
            message = f"{format_value(err.get('input'))} is not accepted; expected a non-empty " + (
                expected.removeprefix("a ")
            )
        elif kind == "finite_number":
            message = f"{format_value(err.get('input'))} is not accepted; expected a finite number"
        else:
            message = f"{format_value(err.get('input'))} is not accepted; expected {expected}"
        problems.append(_problem(file, path, message))
    return list(dict.fromkeys(problems))


# ---------------------------------------------------------------------------------------------
# checks beyond types
# ---------------------------------------------------------------------------------------------


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def check_spec(spec: SweepSpec, file: str = "<sweep>") -> list[str]:
    """Check what the types cannot: factor shapes, the method's needs and the KPI names.

    Scenario keys and values are not checked here (:func:`load_sweep` does, against the base).

    Args:
        spec: A sweep, valid for types.
        file: The file part of the problem lines.

    Returns:
        The problem lines; empty if the sweep is consistent.
    """
    out: list[str] = []
    if not spec.factors:
        out.append(
            _problem(
                file,
                (),
                "no levers and no uncertainties; expected at least one [[levers]] or "
                "[[uncertainties]] table with a key to vary",
            )
        )
    out += _check_factors(spec, file)
    out += _check_samples(spec, file)
    out += _check_set_items(spec, file)
    out += _check_kpi_names(spec, file)
    return list(dict.fromkeys(out))


def _bad(file: str, path: Key, value: Any, expected: str) -> str:
    """The problem line for a value that is not accepted at ``path``."""
    return _problem(file, path, f"{format_value(value)} is not accepted; expected {expected}")


def _check_factors(spec: SweepSpec, file: str) -> list[str]:
    """Each factor: a key varied once (not the seed), a well-formed set of values or range."""
    out: list[str] = []
    seen: dict[str, Key] = {}
    for path, factor in zip(spec.factor_paths(), spec.factors, strict=True):
        key_path = (*path, "key")
        if factor.key in seen:
            expected = f"a key not already varied by {format_key(seen[factor.key])}"
            out.append(_bad(file, key_path, factor.key, expected))
        seen.setdefault(factor.key, path)
        if factor.key == "seed":
            expected = "a scenario key other than seed (replications set seeds)"
            out.append(_bad(file, key_path, factor.key, expected))
        out += _check_values_or_range(file, path, factor)
        out += _check_range(file, path, factor)
        out += _check_factor_for_method(file, path, factor, spec.method)
    return out


def _check_values_or_range(file: str, path: Key, factor: Factor) -> list[str]:
    """A factor has either a list of values or both ends of a range."""
    has_low, has_high = factor.low is not None, factor.high is not None
    if factor.values is not None and (has_low or has_high):
        which = "low" if has_low else "high"
        return [
            _bad(
                file, (*path, which), getattr(factor, which), "either values or low/high, not both"
            )
        ]
    if factor.values is None and not (has_low or has_high):
        return [
            _problem(
                file,
                path,
                "no values and no range; expected values = [...] or low = ... and high = ...",
            )
        ]
    if has_low != has_high:
        missing = "high" if has_low else "low"
        return [_problem(file, (*path, missing), "key is missing; expected a number")]
    return []


def _check_range(file: str, path: Key, factor: Factor) -> list[str]:
    """A range's ends are ordered, positive for loguniform, whole for integer factors."""
    out: list[str] = []
    if factor.has_range:
        low, high = factor.low, factor.high
        assert low is not None and high is not None
        if not low < high:
            out.append(_bad(file, (*path, "high"), high, f"a number > low ({format_value(low)})"))
        if factor.distribution == "loguniform" and low <= 0:
            out.append(
                _bad(file, (*path, "low"), low, "a number > 0 for distribution 'loguniform'")
            )
        if factor.integer:
            for end in ("low", "high"):
                value = getattr(factor, end)
                if not float(value).is_integer():
                    expected = "a whole number for an integer factor"
                    out.append(_bad(file, (*path, end), value, expected))
    if factor.levels is not None and not factor.has_range:
        out.append(_bad(file, (*path, "levels"), factor.levels, "levels only with low and high"))
    return out


def _check_factor_for_method(file: str, path: Key, factor: Factor, method: str) -> list[str]:
    """A grid needs values or levels; the range methods need ranges, not value lists."""
    out: list[str] = []
    grid_range = method == "grid" and factor.values is None and factor.has_range
    if grid_range and factor.levels is None:
        out.append(
            _problem(
                file,
                path,
                "a range without levels; expected values = [...] or levels = n "
                "(n evenly spaced values from low to high) for method 'grid'",
            )
        )
    if method in _RANGE_METHODS and factor.values is not None:
        out.append(
            _bad(
                file,
                (*path, "values"),
                factor.values,
                f"low and high (method {method!r} samples ranges, not value lists)",
            )
        )
    return out


def _check_samples(spec: SweepSpec, file: str) -> list[str]:
    """The sample count the method needs: present, a power of 2 for Sobol, ≥ 2 for Morris."""
    out: list[str] = []
    if spec.method in _SAMPLED_METHODS and spec.samples is None:
        out.append(
            _problem(file, ("samples",), f"key is missing; expected an int ≥ 1 for {spec.method!r}")
        )
    if spec.method == "sobol" and spec.samples is not None and not _is_power_of_two(spec.samples):
        out.append(
            _bad(file, ("samples",), spec.samples, "a power of 2 for 'sobol' (e.g. 32, 64, 128)")
        )
    if spec.method == "morris" and spec.samples is not None and spec.samples < 2:
        out.append(_bad(file, ("samples",), spec.samples, "an int ≥ 2 (trajectories) for 'morris'"))
    return out


def _check_set_items(spec: SweepSpec, file: str) -> list[str]:
    """Each ``set`` item gives a single value, not a table."""
    return [
        _bad(
            file,
            ("set", i),
            item,
            "KEY=VALUE with a single value, one item per key (e.g. partners.var.count=3), "
            "not a table",
        )
        for i, item in enumerate(spec.set)
        if isinstance(parse_set_value(item.partition("=")[2]), dict)
    ]


def _check_kpi_names(spec: SweepSpec, file: str) -> list[str]:
    """Each KPI to keep is a summary KPI name (with a suggestion for a near miss)."""
    out: list[str] = []
    for i, kpi in enumerate(spec.kpis):
        if kpi not in KPI_NAMES:
            close = difflib.get_close_matches(kpi, KPI_NAMES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            expected = f"a summary KPI name (see sim.sweep.spec.KPI_NAMES){hint}"
            out.append(_bad(file, ("kpis", i), kpi, expected))
    return out


# ---------------------------------------------------------------------------------------------
# scenario keys and values
# ---------------------------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """Format one value as a TOML value, as ``KEY=VALUE`` overrides expect.

    Args:
        value: A bool, int, float or string.

    Returns:
        The TOML text, e.g. ``0.25``, ``true``, ``"unlimited"``.
    """
    return tomli_w.dumps({"v": value}).strip().removeprefix("v = ")


def override(key: str, value: Any) -> str:
    """Build a ``KEY=VALUE`` override for :func:`~sim.scenario.load_scenario`."""
    return f"{key}={toml_value(value)}"


def _key_problem(key: str) -> str | None:
    """Why ``key`` is not a scenario key holding a value, or None if it is one."""
    path = parse_set_key(key)
    if path is None:
        return "not a dotted key"
    for n in range(1, len(path) + 1):
        if schema_type(path[:n]) is None:
            return f"{format_key(path[:n])}: {unknown_key_message(path[:n])}"
    found = schema_type(path)
    if found is not None and is_table_type(found[0]):
        return f"{format_key(path)} is {describe_type(*found)}, not a single value"
    return None


def _loader_reason(err: InputError, item: str) -> str:
    """The loader's problems without their ``--set: <item>: `` prefix, joined by ``; ``."""
    prefix = f"{SET_FILE}: {item}: "
    return "; ".join(p.removeprefix(prefix) for p in err.problems)


def _check_values(file: str, spec: SweepSpec, base: str, base_overrides: list[str]) -> list[str]:
    """Load the base with each factor's values applied in turn; report what it refuses."""
    out: list[str] = []
    for path, factor in zip(spec.factor_paths(), spec.factors, strict=True):
        reason = _key_problem(factor.key)
        if reason is not None:
            out.append(
                _problem(
                    file,
                    (*path, "key"),
                    f"{format_value(factor.key)} is not accepted; "
                    f"expected a scenario key ({reason})",
                )
            )
            continue
        trials: list[tuple[Key, Any]] = []
        if factor.values is not None:
            trials = [((*path, "values", i), v) for i, v in enumerate(factor.values)]
        elif factor.has_range:
            for end in ("low", "high"):
                value = getattr(factor, end)
                trials.append(((*path, end), int(value) if factor.integer else value))
        for where, value in trials:
            item = override(factor.key, value)
            try:
                load_scenario(base, [*base_overrides, item])
            except InputError as err:
                out.append(
                    _problem(
                        file,
                        where,
                        f"{format_value(value)} is not accepted; expected a value of scenario key "
                        f"{factor.key} ({_loader_reason(err, item)})",
                    )
                )
    return out


# ---------------------------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------------------------


def _read_sweep_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        return read_toml_checked(path, shown)
    except InputError as err:
        raise InputError([p.replace("TOML scenario", "TOML sweep") for p in err.problems]) from None


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and validate a sweep file.

    Checks, in order (every problem of a failing stage is reported together): the file (empty,
    not UTF-8, TOML syntax with line and column); the types and ranges of every key, unknown keys
    with a "did you mean"; the factors' shapes and the method's needs (:func:`check_spec`); the
    base scenario with the sweep's ``set``; then every factor key and value, by loading the base
    with it applied.

    Args:
        path: A path to a sweep file or a shipped sweep's name (``quick``).

    Returns:
        The validated sweep, its path and its base scenario's path.

    Raises:
        InputError: Anything wrong with the sweep, one line per problem, naming the sweep file
            and the key path.
    """
    found = resolve_sweep(path)
    text = str(path)
    shown = text if Path(text).expanduser().exists() else display_path(found)
    data = _read_sweep_toml(found, shown)
    non_finite = [
        _problem(shown, p, f"{format_value(v)} is not accepted; expected a finite number")
        for p, v in _non_finite(data, ())
    ]
    if non_finite:
        raise InputError(non_finite)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(_pydantic_problems(shown, data, exc)) from None
    problems = check_spec(spec, shown)

    base_path = find_source(spec.base, relative_to=found.parent)
    if base_path is None or not base_path.is_file():
        problems.append(
            _problem(
                shown,
                ("base",),
                f"{format_value(spec.base)} is not accepted: it names no scenario file in the "
                f"folder of {shown} and no shipped scenario; expected a path relative to the "
                f"sweep file or a shipped scenario: {shipped_names_text()}",
            )
        )
        raise InputError(problems)
    base = display_path(base_path)
    try:
        load_scenario(base, spec.set)
    except InputError as err:
        problems += _base_problems(shown, spec, err)
        raise InputError(list(dict.fromkeys(problems))) from None
    problems += _check_values(shown, spec, base, spec.set)
    if problems:
        raise InputError(list(dict.fromkeys(problems)))
    return LoadedSweep(
        spec=spec, path=found.resolve(), base_source=base_path.resolve(), name=found.stem
    )


def with_command_line(
    loaded: LoadedSweep, set_items: Sequence[str], periods: int | None, seed: int | None
) -> LoadedSweep:
    """Apply ``channelsim sweep --set/--periods/--seed`` to a loaded sweep.

    The ``--set`` items (then ``time.periods``) follow the sweep file's ``set``, so they apply to
    the base scenario of every run and win over the file's ``set``; ``--seed`` replaces the
    sweep's ``seed`` (replication r runs with seed + r).

    Args:
        loaded: The validated sweep.
        set_items: ``KEY=VALUE`` items of ``--set``.
        periods: ``--periods`` (None: keep the scenario's ``time.periods``).
        seed: ``--seed`` (None: keep the sweep's ``seed``).

    Returns:
        The sweep with these applied (``loaded`` itself when nothing is given).

    Raises:
        InputError: A ``--set`` key is one of the sweep's factors (its values would override
            it), or an item is not accepted by the base scenario (one line each).
    """
    items = list(set_items) + ([f"time.periods={periods}"] if periods is not None else [])
    if not items and seed is None:
        return loaded
    factors = {f.key for f in loaded.spec.factors}
    swept = [i for i in items if i.partition("=")[0].strip() in factors]
    if swept:
        raise InputError(
            [
                f"--set: {i}: key is swept by the sweep; expected a key that is not one of its "
                "levers or uncertainties"
                for i in swept
            ]
        )
    load_scenario(str(loaded.base_source), [*loaded.spec.set, *items])
    update: dict[str, Any] = {"set": [*loaded.spec.set, *items]}
    if seed is not None:
        update["seed"] = seed
    return replace(loaded, spec=loaded.spec.model_copy(update=update))


def _base_problems(file: str, spec: SweepSpec, err: InputError) -> list[str]:
    """Move the loader's ``--set`` problems onto the sweep file's ``set[i]``."""
    out: list[str] = []
    for line in err.problems:
        for i, item in enumerate(spec.set):
            prefix = f"{SET_FILE}: {item}: "
            if line.startswith(prefix):
                out.append(_problem(file, ("set", i), f"{item}: {line.removeprefix(prefix)}"))
                break
        else:
            out.append(f"{file}: base {spec.base!r}: {line}")
    return out


def _non_finite(data: Any, prefix: Key) -> list[tuple[Key, float]]:
    if isinstance(data, float) and not math.isfinite(data):
        return [(prefix, data)]
    if isinstance(data, dict):
        return [x for k, v in data.items() for x in _non_finite(v, (*prefix, k))]
    if isinstance(data, list):
        return [x for i, v in enumerate(data) for x in _non_finite(v, (*prefix, i))]
    return []


__all__ = [
    "DEFAULT_KPIS",
    "KPI_NAMES",
    "Factor",
    "LoadedSweep",
    "Method",
    "SweepSpec",
    "check_spec",
    "list_shipped_sweeps",
    "load_sweep",
    "override",
    "resolve_sweep",
    "shipped_sweeps_dir",
    "toml_value",
    "with_command_line",
]
