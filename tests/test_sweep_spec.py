"""Sweep files: loading, shipped names, and the error lines of bad input."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.scenario.loader import SHIPPED_DIR
from sim.sweep.spec import (
    DEFAULT_KPIS,
    LoadedSweep,
    list_shipped_sweeps,
    load_sweep,
    resolve_sweep,
    toml_value,
)

GOOD = """\
description = "test"
base = "tiny"
set = ["time.periods=6"]
method = "grid"
replications = 2
seed = 3

[[levers]]
key = "partners.var.count"
values = [2, 4]

[[uncertainties]]
key = "market.awareness.imitation"
low = 0.2
high = 0.5
levels = 3
"""

SHIPPED = [
    "quick",
    "sobol_main",
    "var_discount_x_direct_reps",
    "var_saturation",
    "conflict_trust",
]


@pytest.fixture(autouse=True)
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work from tmp_path so that problem lines show short relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(text: str, name: str = "x.toml") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(text: str) -> list[str]:
    write(text)
    with pytest.raises(InputError) as info:
        load_sweep("x.toml")
    return info.value.problems


def sweep(body: str, head: str = 'base = "tiny"\n') -> str:
    return head + body


LEVER = '[[levers]]\nkey = "partners.var.count"\nvalues = [2, 4]\n'
RANGE = '[[uncertainties]]\nkey = "market.awareness.imitation"\nlow = 0.2\nhigh = 0.5\n'


# ---------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------


def test_load_good_sweep() -> None:
    write(GOOD)
    loaded = load_sweep("x.toml")
    assert isinstance(loaded, LoadedSweep)
    assert loaded.name == "x"
    assert loaded.path == Path("x.toml").resolve()
    assert loaded.base_source == (SHIPPED_DIR / "tiny.toml").resolve()
    spec = loaded.spec
    assert spec.method == "grid" and spec.replications == 2 and spec.seed == 3
    assert [f.key for f in spec.factors] == ["partners.var.count", "market.awareness.imitation"]
    assert spec.kpis == list(DEFAULT_KPIS)
    assert pickle.loads(pickle.dumps(loaded)) == loaded


def test_base_relative_to_sweep_file_first(work: Path) -> None:
    folder = work / "sub"
    folder.mkdir()
    (folder / "mine.toml").write_text('extends = "tiny"\n[time]\nperiods = 5\n', encoding="utf-8")
    (folder / "s.toml").write_text(GOOD.replace('"tiny"', '"mine"'), encoding="utf-8")
    loaded = load_sweep(folder / "s.toml")
    assert loaded.base_source == (folder / "mine.toml").resolve()
    (folder / "s.toml").write_text(GOOD.replace('"tiny"', '"mine.toml"'), encoding="utf-8")
    assert load_sweep("sub/s.toml").base_source == (folder / "mine.toml").resolve()


def test_shipped_sweep_names() -> None:
    assert set(SHIPPED) <= set(list_shipped_sweeps())
    assert resolve_sweep("quick") == SHIPPED_DIR / "sweeps" / "quick.toml"
    assert resolve_sweep("quick.toml") == SHIPPED_DIR / "sweeps" / "quick.toml"
    loaded = load_sweep("quick")
    assert loaded.name == "quick"
    with pytest.raises(InputError, match=r"^nope: no such file or shipped sweep; .*quick"):
        load_sweep("nope")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_sweep_validates(name: str) -> None:
    loaded = load_sweep(name)
    text = loaded.path.read_text(encoding="utf-8")
    assert text.startswith("# "), "a comment header says what the sweep answers"
    assert loaded.spec.description


def test_toml_value() -> None:
    assert toml_value(3) == "3"
    assert toml_value(0.25) == "0.25"
    assert toml_value(True) == "true"
    assert toml_value("unlimited") == '"unlimited"'


# ---------------------------------------------------------------------------------------------
# bad files
# ---------------------------------------------------------------------------------------------


def test_empty_file() -> None:
    assert problems_of("  \n") == ["x.toml: file is empty; expected a TOML sweep"]


def test_not_utf8() -> None:
    Path("x.toml").write_bytes(b'base = "tiny"\ndescription = "caf\xe9"\n')
    with pytest.raises(InputError) as info:
        load_sweep("x.toml")
    assert info.value.problems == [
        "x.toml: line 2: file is not UTF-8 text (byte 0xe9); expected a TOML sweep saved as UTF-8"
    ]


def test_syntax_error_with_line_and_column() -> None:
    (problem,) = problems_of('base = "tiny"\nmethod = grid\n')
    assert problem.startswith("x.toml: line 2, column 10: TOML syntax error: ")


# ---------------------------------------------------------------------------------------------
# bad keys and values
# ---------------------------------------------------------------------------------------------


def test_unknown_top_level_key_did_you_mean() -> None:
    assert problems_of(sweep("replicatons = 3\n" + LEVER)) == [
        "x.toml: replicatons: unknown key; did you mean 'replications'?"
    ]


def test_unknown_factor_key_did_you_mean() -> None:
    text = sweep('[[levers]]\nkey = "partners.var.count"\nvalue = [2, 4]\n')
    assert problems_of(text) == ["x.toml: levers[0].value: unknown key; did you mean 'values'?"]


def test_bad_method() -> None:
    assert problems_of(sweep('method = "latin"\n' + LEVER)) == [
        "x.toml: method: 'latin' is not accepted; expected one of 'grid', 'random', 'lhs', "
        "'sobol', 'morris'"
    ]


def test_wrong_types_and_ranges() -> None:
    problems = problems_of(sweep('replications = 0\nseed = -1\nsamples = "many"\n' + LEVER))
    assert problems == [
        "x.toml: samples: 'many' is not accepted; expected an int ≥ 1",
        "x.toml: replications: 0 is not accepted; expected an int in [1, 100000]",
        "x.toml: seed: -1 is not accepted; expected an int ≥ 0",
    ]


def test_missing_base() -> None:
    assert problems_of(LEVER) == [
        "x.toml: base: key is missing; expected a string of at least 1 character"
    ]


def test_non_finite_number() -> None:
    text = sweep('[[levers]]\nkey = "partners.var.discount"\nlow = 0.1\nhigh = inf\n')
    assert problems_of(text) == [
        "x.toml: levers[0].high: inf is not accepted; expected a finite number"
    ]


def test_no_factors() -> None:
    assert problems_of(sweep("")) == [
        "x.toml: no levers and no uncertainties; expected at least one [[levers]] or "
        "[[uncertainties]] table with a key to vary"
    ]


def test_factor_without_values_or_range() -> None:
    assert problems_of(sweep('[[levers]]\nkey = "partners.var.count"\n')) == [
        "x.toml: levers[0]: no values and no range; expected values = [...] or low = ... and "
        "high = ..."
    ]


def test_factor_with_half_a_range() -> None:
    text = sweep('method = "lhs"\nsamples = 4\n[[levers]]\nkey = "direct.reps"\nlow = 1\n')
    assert problems_of(text) == ["x.toml: levers[0].high: key is missing; expected a number"]


def test_factor_with_values_and_range() -> None:
    text = sweep('[[levers]]\nkey = "direct.reps"\nvalues = [1]\nlow = 1\nhigh = 3\n')
    assert problems_of(text) == [
        "x.toml: levers[0].low: 1 is not accepted; expected either values or low/high, not both"
    ]


def test_low_not_below_high() -> None:
    text = sweep('method = "random"\nsamples = 4\n' + RANGE.replace("0.2", "0.5"))
    assert problems_of(text) == [
        "x.toml: uncertainties[0].high: 0.5 is not accepted; expected a number > low (0.5)"
    ]


def test_grid_range_needs_levels() -> None:
    assert problems_of(sweep(RANGE)) == [
        "x.toml: uncertainties[0]: a range without levels; expected values = [...] or levels = n "
        "(n evenly spaced values from low to high) for method 'grid'"
    ]


def test_sampled_methods_need_samples() -> None:
    assert problems_of(sweep('method = "lhs"\n' + RANGE)) == [
        "x.toml: samples: key is missing; expected an int ≥ 1 for 'lhs'"
    ]


def test_sobol_and_morris_need_ranges() -> None:
    problems = problems_of(sweep('method = "sobol"\nsamples = 8\n' + LEVER + RANGE))
    assert problems == [
        "x.toml: levers[0].values: [2, 4] is not accepted; expected low and high (method "
        "'sobol' samples ranges, not value lists)"
    ]


def test_sobol_samples_power_of_two() -> None:
    assert problems_of(sweep('method = "sobol"\nsamples = 10\n' + RANGE)) == [
        "x.toml: samples: 10 is not accepted; expected a power of 2 for 'sobol' (e.g. 32, 64, 128)"
    ]


def test_loguniform_needs_positive_low() -> None:
    text = sweep(
        'method = "random"\nsamples = 3\n[[levers]]\nkey = "direct.reps"\nlow = 0\nhigh = 9\n'
        'integer = true\ndistribution = "loguniform"\n'
    )
    assert problems_of(text) == [
        "x.toml: levers[0].low: 0 is not accepted; expected a number > 0 for distribution "
        "'loguniform'"
    ]


def test_integer_factor_needs_whole_ends() -> None:
    text = sweep(
        'method = "random"\nsamples = 3\n[[levers]]\nkey = "direct.reps"\nlow = 0.5\nhigh = 9\n'
        "integer = true\n"
    )
    assert problems_of(text) == [
        "x.toml: levers[0].low: 0.5 is not accepted; expected a whole number for an integer factor"
    ]


def test_duplicate_factor_key() -> None:
    text = sweep(LEVER + LEVER.replace("levers", "uncertainties"))
    assert problems_of(text) == [
        "x.toml: uncertainties[0].key: 'partners.var.count' is not accepted; expected a key not "
        "already varied by levers[0]"
    ]


def test_unknown_kpi_did_you_mean() -> None:
    assert problems_of(sweep('kpis = ["revenue_totl", "channel_mix.var"]\n' + LEVER)) == [
        "x.toml: kpis[0]: 'revenue_totl' is not accepted; expected a summary KPI name (see "
        "sim.sweep.spec.KPI_NAMES); did you mean 'revenue_total'?"
    ]


# ---------------------------------------------------------------------------------------------
# scenario keys, values and the base, reported against the sweep file
# ---------------------------------------------------------------------------------------------


def test_bad_factor_key_reported_against_sweep_file() -> None:
    text = sweep(LEVER.replace("partners.var.count", "partners.var.cnt"))
    assert problems_of(text) == [
        "x.toml: levers[0].key: 'partners.var.cnt' is not accepted; expected a scenario key "
        "(partners.var.cnt: unknown key; did you mean 'count'?)"
    ]


def test_bad_factor_key_prefix() -> None:
    text = sweep(LEVER.replace("partners.var.count", "partners.vra.count"))
    assert problems_of(text) == [
        "x.toml: levers[0].key: 'partners.vra.count' is not accepted; expected a scenario key "
        "(partners.vra: unknown key; did you mean 'var'?)"
    ]


def test_factor_key_that_is_a_table() -> None:
    text = sweep(LEVER.replace("partners.var.count", "partners.var"))
    assert problems_of(text) == [
        "x.toml: levers[0].key: 'partners.var' is not accepted; expected a scenario key "
        "(partners.var is a table, not a single value)"
    ]


def test_factor_key_seed_refused() -> None:
    text = sweep(LEVER.replace("partners.var.count", "seed"))
    assert problems_of(text) == [
        "x.toml: levers[0].key: 'seed' is not accepted; expected a scenario key other than seed "
        "(replications set seeds)"
    ]


def test_bad_factor_value_reported_against_sweep_file() -> None:
    text = sweep(LEVER.replace("[2, 4]", "[2, -4]"))
    assert problems_of(text) == [
        "x.toml: levers[0].values[1]: -4 is not accepted; expected a value of scenario key "
        "partners.var.count (-4 is not accepted; expected an int in [0, 100000])"
    ]


def test_bad_range_end_reported_against_sweep_file() -> None:
    text = sweep(
        'method = "lhs"\nsamples = 4\n[[levers]]\nkey = "partners.var.discount"\nlow = 0.2\n'
        "high = 1.5\n"
    )
    assert problems_of(text) == [
        "x.toml: levers[0].high: 1.5 is not accepted; expected a value of scenario key "
        "partners.var.discount (1.5 is not accepted; expected a number in [0, 1))"
    ]


def test_bad_base() -> None:
    (problem,) = problems_of(sweep(LEVER, head='base = "nowhere"\n'))
    assert problem.startswith(
        "x.toml: base: 'nowhere' is not accepted: it names no scenario file in the folder of "
        "x.toml and no shipped scenario; expected a path relative to the sweep file or a shipped "
        "scenario: "
    )
    assert "baseline" in problem


def test_bad_set_reported_against_sweep_file() -> None:
    text = sweep('set = ["time.periods=12", "time.perods=3"]\n' + LEVER)
    assert problems_of(text) == [
        "x.toml: set[1]: time.perods=3: unknown key; did you mean 'periods'?"
    ]


def test_set_item_must_not_be_a_table() -> None:
    assert problems_of(sweep('set = ["partners.var={count=3}"]\n' + LEVER)) == [
        "x.toml: set[0]: 'partners.var={count=3}' is not accepted; expected KEY=VALUE with a "
        "single value, one item per key (e.g. partners.var.count=3), not a table"
    ]


def test_every_problem_of_a_stage_together() -> None:
    text = sweep(
        'method = "morris"\n'
        + LEVER.replace("partners.var.count", "partners.var.cnt")
        + RANGE.replace("high = 0.5", "high = 0.1")
    )
    assert problems_of(text) == [
        "x.toml: levers[0].values: [2, 4] is not accepted; expected low and high (method "
        "'morris' samples ranges, not value lists)",
        "x.toml: uncertainties[0].high: 0.1 is not accepted; expected a number > low (0.2)",
        "x.toml: samples: key is missing; expected an int ≥ 1 for 'morris'",
        "x.toml: levers[0].key: 'partners.var.cnt' is not accepted; expected a scenario key "
        "(partners.var.cnt: unknown key; did you mean 'count'?)",
    ]


def test_kpi_names_match_what_a_run_reports() -> None:
    # One short run of tiny: KPI_NAMES must follow the KPIs a run actually reports.
    from sim.analysis.kpi_registry import BY_CHANNEL_KPIS, SCALAR_KPIS
    from sim.compare import RunTask, flatten_kpis, run_task
    from sim.scenario import load_scenario
    from sim.sweep.spec import KPI_NAMES

    outcome = run_task(RunTask(0, 0, 1, load_scenario("tiny", ["time.periods=6"])))
    assert outcome.kpis is not None
    assert set(outcome.kpis) == {*SCALAR_KPIS, *BY_CHANNEL_KPIS}
    assert set(flatten_kpis(outcome.kpis)) == set(KPI_NAMES) - set(BY_CHANNEL_KPIS)
    assert set(DEFAULT_KPIS) <= set(KPI_NAMES)
