"""``compare`` knows what it compares: the differing keys, and a warning when scales differ."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import sim.api as cs
from sim.cli import DIFFERENCES_SHOWN, app
from sim.compare import DIFFERENCE_COLUMNS
from sim.scenario.diff import (
    design_differences,
    differences,
    flatten,
    format_value,
    scale_warnings,
    scenario_keys,
)

SHORT = ["--replications", "2", "--set", "time.periods=6"]
"""Tiny runs: 2 replications of 6 months."""

runner = CliRunner()


def invoke(args: Sequence[str]) -> tuple[int, str, str]:
    """Run the CLI in this process; return (exit status, stdout, stderr)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def variant(folder: Path, name: str, body: str) -> Path:
    """A design file that extends tiny."""
    path = folder / f"{name}.toml"
    path.write_text(f'extends = "tiny"\ndescription = "{name}"\n\n{body}', encoding="utf-8")
    return path


def read_differences(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "differences.csv", keep_default_na=False, dtype=str)


# ----------------------------------------------------------------- flattening and the diff

REFERENCE = {
    "description": "the reference",
    "seed": 1,
    "time": {"periods": 24, "period": "month"},
    "partners": {"var": {"count": 6, "discount": 0.3, "segments": ["smb", "mid"]}},
    "events": [{"period": 3, "what": "launch"}],
    "empty": {},
}


def test_flatten_joins_nested_tables_and_keeps_scalar_lists_whole() -> None:
    flat = flatten(REFERENCE)
    assert flat == {
        "description": "the reference",
        "seed": 1,
        "time.periods": 24,
        "time.period": "month",
        "partners.var.count": 6,
        "partners.var.discount": 0.3,
        "partners.var.segments": ["smb", "mid"],
        "events[0].period": 3,
        "events[0].what": "launch",
    }
    assert flatten({"grid": [[1, 2], [3]]}) == {"grid[0]": [1, 2], "grid[1]": [3]}


def test_scenario_keys_leave_out_description_and_seed() -> None:
    keys = scenario_keys(REFERENCE)
    assert "description" not in keys and "seed" not in keys
    assert keys["partners.var.discount"] == 0.3


def test_differences_of_nested_tables_lists_and_one_sided_keys() -> None:
    other = {
        "description": "another text",
        "seed": 7,
        "time": {"periods": 24, "period": "week"},
        "partners": {"var": {"count": 6, "discount": 0.4, "segments": ["smb"], "reps": 3}},
        "events": [{"period": 3, "what": "launch"}, {"period": 9, "what": "cut"}],
    }
    found = differences(scenario_keys(REFERENCE), scenario_keys(other))
    assert found == {
        "time.period": ("month", "week"),
        "partners.var.discount": (0.3, 0.4),
        "partners.var.segments": (["smb", "mid"], ["smb"]),
        "partners.var.reps": (None, 3),
        "events[1].period": (None, 9),
        "events[1].what": (None, "cut"),
    }
    # Reference order first, then the keys only the other design has.
    assert list(found)[:3] == ["time.period", "partners.var.discount", "partners.var.segments"]
    assert differences({"a": 1}, {}) == {"a": (1, None)}


def test_equal_numbers_are_no_difference_but_a_bool_is_not_a_number() -> None:
    assert differences({"a": 1, "b": [1, 2]}, {"a": 1.0, "b": [1, 2]}) == {}
    assert differences({"a": True}, {"a": 1}) == {"a": (True, 1)}
    assert differences({"a": False}, {"a": False}) == {}


def test_design_differences_compare_every_design_with_the_first() -> None:
    a = {"market": {"customers": 600}, "x": 1}
    b = {"market": {"customers": 600}, "x": 2}
    c = {"market": {"customers": 900}, "x": 1}
    found = design_differences(["a", "b", "c"], [a, b, c])
    assert [(d.design, d.key, d.reference_value, d.value) for d in found] == [
        ("b", "x", 1, 2),
        ("c", "market.customers", 600, 900),
    ]
    assert design_differences(["a", "a-2"], [a, dict(a)]) == []


def test_format_value_reads_like_a_scenario_file() -> None:
    assert format_value(True) == "true"
    assert format_value(0.25) == "0.25"
    assert format_value("month") == "month"
    assert format_value(["smb", "mid"]) == '["smb", "mid"]'
    assert format_value(None) == "(not set)"


def test_scale_warnings_name_the_key_and_the_values() -> None:
    a = {"market": {"customers": 10000}, "time": {"periods": 60, "period": "month"}}
    b = {"market": {"customers": 3000}, "time": {"periods": 60, "period": "month"}}
    c = {"market": {"customers": 10000}, "time": {"periods": 36, "period": "week"}}
    assert scale_warnings([a, b]) == [
        "designs differ in market.customers (10000 vs 3000): totals are not comparable; "
        "per-account and per-month KPIs are"
    ]
    lines = scale_warnings([a, b, c])
    assert [line.split(" (")[0] for line in lines] == [
        "designs differ in market.customers",
        "designs differ in time.periods",
        "designs differ in time.period",
    ]
    assert "(60 vs 36)" in lines[1] and "(month vs week)" in lines[2]
    assert scale_warnings([a, dict(a)]) == []


# -------------------------------------------------------------------- through the command


@pytest.fixture(scope="module")
def designs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("designs")
    return {
        "discount": variant(folder, "discount", "[partners.var]\ndiscount = 0.2\n"),
        "market": variant(folder, "market", "[market]\ncustomers = 300\n"),
        "many": variant(
            folder,
            "many",
            "[partners.var]\n"
            + "".join(
                f"{key} = {value}\n"
                for key, value in {
                    "discount": 0.2,
                    "pass_through": 0.3,
                    "away_reach": 0.2,
                    "reps": 4,
                    "concurrent_opportunities": 5,
                    "max_queue": 5,
                    "cost_per_rep": 3100.0,
                    "territories_each": 2,
                    "verticals_each": 3,
                    "service_quality": 0.6,
                    "services_attach": 0.5,
                    "services_ratio": 0.4,
                    "services_margin": 0.3,
                    "cycle_multiplier": 1.1,
                    "two_tier_share": 0.4,
                    "initial_trust": 0.7,
                    "weight": 1.2,
                }.items()
            ),
        ),
    }


def test_a_changed_key_is_listed_written_and_recorded(
    designs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    code, stdout, stderr = invoke(
        ["compare", "tiny", str(designs["discount"]), *SHORT, "--out", str(out)]
    )
    assert code == 0, stderr
    assert "partners.var.discount: 0.3 → 0.2" in stdout
    # The list comes before the KPI table.
    assert stdout.index("partners.var.discount") < stdout.index("revenue total")
    assert "warning" not in stderr
    frame = read_differences(out)
    assert tuple(frame.columns) == DIFFERENCE_COLUMNS
    assert frame.to_dict(orient="records") == [
        {
            "design": "discount",
            "key": "partners.var.discount",
            "reference_value": "0.3",
            "value": "0.2",
        }
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["differences"] == [
        {"design": "discount", "key": "partners.var.discount", "reference_value": 0.3, "value": 0.2}
    ]


def test_a_different_market_size_warns_on_stderr_and_still_runs(
    designs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    code, stdout, stderr = invoke(
        ["compare", "tiny", str(designs["market"]), *SHORT, "--out", str(out)]
    )
    assert code == 0, stderr
    assert stderr.count("warning:") == 1
    assert (
        "warning: designs differ in market.customers (600 vs 300): totals are not comparable; "
        "per-account and per-month KPIs are"
    ) in stderr
    assert "market.customers: 600 → 300" in stdout
    assert (out / "comparison.csv").is_file()
    frame = read_differences(out)
    assert list(frame["key"]) == ["market.customers"]


def test_quiet_silences_the_list_but_not_the_warning(
    designs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "tiny", str(designs["market"]), *SHORT, "--out", str(out), "--quiet"]
    code, stdout, stderr = invoke(args)
    assert code == 0, stderr
    assert stdout.strip() == str(out)
    assert "warning: designs differ in market.customers (600 vs 300)" in stderr
    assert read_differences(out)["key"].tolist() == ["market.customers"]


def test_a_long_list_is_cut_and_points_to_the_file(
    designs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "tiny", str(designs["many"]), "tiny", *SHORT, "--out", str(out)]
    code, stdout, stderr = invoke(args)
    assert code == 0, stderr
    frame = read_differences(out)
    assert len(frame) == 17 and set(frame["design"]) == {"many"}
    shown = [line for line in stdout.splitlines() if line.startswith("    partners.var.")]
    assert len(shown) == DIFFERENCES_SHOWN
    assert f"… and {17 - DIFFERENCES_SHOWN} more, see differences.csv" in stdout
    assert "tiny-2: nothing (the same scenario)" in stdout
    assert "warning" not in stderr


# ------------------------------------------------------------------------ the Python API


def test_the_api_returns_the_differences_and_warns_on_scale() -> None:
    overrides = {"time.periods": 6}
    same_scale = cs.compare(
        {"base": "tiny", "cut": cs.load("tiny", {"partners.var.discount": 0.2})},
        replications=2,
        overrides=overrides,
    )
    assert same_scale.differences.to_dict(orient="records") == [
        {"design": "cut", "key": "partners.var.discount", "reference_value": 0.3, "value": 0.2}
    ]
    with pytest.warns(UserWarning, match=r"designs differ in market\.customers \(600 vs 300\)"):
        scaled = cs.compare(
            {"base": "tiny", "small": cs.load("tiny", {"market.customers": 300})},
            replications=2,
            overrides=overrides,
        )
    assert scaled.differences["key"].tolist() == ["market.customers"]
