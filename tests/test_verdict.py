"""The verdict of ``channelsim compare``: pure logic on hand-made inputs, then the command."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis.stats import holm
from sim.analysis.verdict import (
    NOT_TESTED,
    Z_80,
    Z_975,
    can_test,
    count_better,
    duplicates,
    mark,
    money_scale,
    plain_verdict,
    replications_needed,
)
from sim.cli import app
from sim.compare import RunOutcome, comparison_table, shown_kpis

SHORT = ["--replications", "3", "--set", "time.periods=12"]
runner = CliRunner()


# ----------------------------------------------------------------------------- pure logic


def test_duplicates_keep_the_first_of_equal_kpis() -> None:
    values: dict[str, Sequence[float | None]] = {
        "a": [1.0, 2.0, None],
        "b": [1.0, 2.0, None],
        "c": [1.0, 2.5, None],
        "d": [1.0, 2.0, None],
    }
    assert duplicates(["a", "b", "c", "d"], values) == {"b": "a", "d": "a"}
    assert duplicates(["c", "a"], values) == {}
    assert duplicates(["x", "a"], values) == {}  # x has no values: never a duplicate


def test_testable_needs_two_unequal_differences() -> None:
    assert can_test([1.0, 2.0])
    assert not can_test([3.0, 3.0, 3.0])
    assert not can_test([0.0, 0.0])
    assert not can_test([5.0])
    assert not can_test([])
    assert not can_test([0.3 - 0.2, 0.4 - 0.3, 0.1])  # equal up to rounding
    assert can_test([0.1, 0.1000001])


def test_count_better_follows_the_direction() -> None:
    ref, other = [1.0, 2.0, 3.0, 4.0], [2.0, 1.0, 3.0, 5.0]
    assert count_better(ref, other, "higher") == 2
    assert count_better(ref, other, "lower") == 1  # the tie counts for neither
    assert count_better(ref, other, "") is None
    with pytest.raises(ValueError, match="differ in length"):
        count_better([1.0], [1.0, 2.0], "higher")


def _power(n: int, effect: float, alpha: float = 0.05) -> float:
    """Power of the two-sided paired t-test with n pairs at effect = |mean| / sd."""
    from scipy import stats

    crit = stats.t.ppf(1.0 - alpha / 2.0, n - 1)
    delta = math.sqrt(n) * effect
    return float(stats.nct.sf(crit, n - 1, delta) + stats.nct.cdf(-crit, n - 1, delta))


def test_replications_needed() -> None:
    # The normal approximation ((1.96 + 0.8416) · sd / |mean|)² gives 7.85 → 8 for sd = |mean|;
    # the t refinement raises it to 10, where the exact power is about 80 %.
    assert math.ceil((Z_975 + Z_80) ** 2) == 8
    assert replications_needed(1.0, 1.0) == replications_needed(-1.0, 1.0) == 10
    for effect in (1.0, 0.5, 0.2, 2.0):
        n = replications_needed(effect, 1.0)
        assert n is not None
        assert _power(n, effect) > 0.77 and _power(n - 1, effect) < 0.81, effect
    # Large n: close to the normal approximation.
    z_n = math.ceil(((Z_975 + Z_80) * 5.0) ** 2)
    assert z_n == 197 and z_n <= (replications_needed(2.0, 10.0) or 0) <= z_n + 3
    # A stricter level needs more runs.
    assert (replications_needed(1.0, 1.0, alpha=0.05 / 7) or 0) > 10
    assert replications_needed(10.0, 0.1) == 2  # never fewer than 2
    assert replications_needed(0.0, 1.0) is None
    assert replications_needed(1.0, 0.0) is None
    assert replications_needed(None, 1.0) is None
    assert replications_needed(1.0, float("nan")) is None


def test_marks_and_plain_verdicts() -> None:
    assert (mark("better"), mark("worse"), mark("no difference")) == ("▲", "▼", "·")
    assert mark(NOT_TESTED) == mark(None) == mark("higher") == ""
    assert plain_verdict("better", 20, None) == "better"
    assert plain_verdict("worse", 20, 3) == "worse"
    assert plain_verdict("better", 20, None, 0.0123) == "better (Holm-adjusted p = 0.012)"
    assert "(Holm-adjusted p = 0.08);" in plain_verdict("no difference", 3, 5, 0.08)
    text = plain_verdict("no difference", 3, 41)
    assert text.startswith("no detectable difference at 3 replications")
    assert "about 41 paired replications" in text and "80 % power, two-sided 5 %)" in text
    assert "5 % / 7 tests" in plain_verdict("no difference", 3, 41, 0.5, tests=7)
    assert plain_verdict(NOT_TESTED, 3, None).startswith("not tested")


def test_money_scale() -> None:
    assert money_scale([1.5e6, -2.0e3, None]) == (1e6, "M")
    assert money_scale([-2.5e3, 10.0]) == (1e3, "k")
    assert money_scale([999.0, float("nan")]) == (1.0, "")
    assert money_scale([]) == (1.0, "")


# ----------------------------------------------------------------------------- the table


def _outcomes(rows: dict[str, tuple[list[float], list[float]]]) -> list[RunOutcome]:
    """Outcomes of designs ref (0) and alt (1), each KPI's values by replication."""
    n = len(next(iter(rows.values()))[0])
    return [
        RunOutcome(d, r, 10 + r, kpis={k: v[d][r] for k, v in rows.items()})
        for d in (0, 1)
        for r in range(n)
    ]


def test_holm_families_and_untested_kpis() -> None:
    rows = {
        "revenue_total": ([1.0, 2.0, 3.0, 4.0], [2.0, 3.5, 3.9, 5.2]),
        "contribution_total": ([1.0, 2.0, 3.0, 4.0], [1.5, 2.1, 3.8, 4.1]),
        "revenue_npv": ([1.0, 2.0, 3.0, 4.0], [2.0, 3.5, 3.9, 5.2]),  # = revenue_total
        "conflict_rate": ([0.2, 0.3, 0.4, 0.5], [0.3, 0.4, 0.5, 0.6]),  # constant difference
        "win_rate": ([0.1, 0.2, 0.3, 0.4], [0.0, 0.25, 0.2, 0.3]),
    }
    table = comparison_table(["ref", "alt"], _outcomes(rows), 4).set_index(["kpi", "design"])
    alt = table.xs("alt", level="design")
    for kpi in ("revenue_npv", "conflict_rate"):
        assert pd.isna(alt.loc[kpi, "p_value"]) and pd.isna(alt.loc[kpi, "p_holm"]), kpi
        assert alt.loc[kpi, "verdict"] == NOT_TESTED
    # The table's KPIs (revenue, contribution) form one family; win_rate is alone in the other.
    shown = ["revenue_total", "contribution_total"]
    expected = holm([float(alt.loc[k, "p_value"]) for k in shown])
    assert [float(alt.loc[k, "p_holm"]) for k in shown] == pytest.approx(expected)
    assert float(alt.loc["win_rate", "p_holm"]) == pytest.approx(
        float(alt.loc["win_rate", "p_value"])
    )
    # n_better counts the better direction: win_rate is higher-is-better, conflict lower.
    assert alt.loc["win_rate", "n_better"] == 1
    assert alt.loc["win_rate", "n_higher"] == 1
    assert alt.loc["conflict_rate", "n_better"] == 0
    assert alt.loc["conflict_rate", "n_higher"] == 4
    assert float(alt.loc["revenue_total", "diff_sd"]) == pytest.approx(
        pd.Series([1.0, 1.5, 0.9, 1.2]).std()
    )


def test_objective_joins_the_tested_kpis() -> None:
    assert shown_kpis("contribution_total").count("contribution_total") == 1
    assert shown_kpis("win_rate")[-1] == "win_rate"
    rows = {
        "revenue_total": ([1.0, 2.0, 3.0], [2.0, 3.5, 3.9]),
        "win_rate": ([0.1, 0.2, 0.3], [0.0, 0.25, 0.2]),
    }
    for objective, family_size in (("contribution_npv", 1), ("win_rate", 2)):
        table = comparison_table(["ref", "alt"], _outcomes(rows), 3, objective)
        alt = table[table["design"] == "alt"].set_index("kpi")
        p = float(alt.loc["revenue_total", "p_value"])
        assert float(alt.loc["revenue_total", "p_holm"]) == pytest.approx(
            holm([p, float(alt.loc["win_rate", "p_value"])])[0] if family_size == 2 else p
        )


# ----------------------------------------------------------------------------- the command


def _variant(folder: Path) -> Path:
    path = folder / "variant.toml"
    path.write_text('extends = "tiny"\n\n[partners.var]\ndiscount = 0.40\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def conflict_cmp(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """tiny against a higher VAR discount, objective conflict_rate (lower is better)."""
    folder = tmp_path_factory.mktemp("verdict")
    out = folder / "out"
    args = ["compare", "tiny", str(_variant(folder)), *SHORT, "--objective", "conflict_rate"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    return out, result.stdout


def test_verdict_line_per_design(conflict_cmp: tuple[Path, str]) -> None:
    out, stdout = conflict_cmp
    table = pd.read_csv(out / "comparison.csv").set_index(["kpi", "design"])
    row = table.loc[("conflict_rate", "variant")]
    assert row["better"] == "lower"
    assert "Verdict on conflict_rate against tiny:" in stdout
    lines = [line for line in stdout.splitlines() if line.startswith("variant: Δ conflict rate")]
    assert len(lines) == 1, stdout
    assert f"better in {int(row['n_better'])} of 3 paired runs" in lines[0]
    assert "[95 % CI" in lines[0]
    words = {"better": "→ better", "worse": "→ worse"}.get(row["verdict"], "→ no detectable")
    assert words in lines[0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["arguments"]["objective"] == "conflict_rate"


def test_table_fits_100_columns_with_marks_and_units(conflict_cmp: tuple[Path, str]) -> None:
    out, stdout = conflict_cmp
    table_lines = stdout.split("Verdict on")[0].splitlines()
    assert max(len(line) for line in table_lines if line.startswith(("│", "┃", "┏"))) <= 100
    assert "money in USD M" in stdout or "money in USD k" in stdout
    assert "revenue total, USD" in stdout
    frame = pd.read_csv(out / "comparison.csv")
    shown = frame[frame["kpi"].isin(shown_kpis("conflict_rate")) & (frame["design"] == "variant")]
    marks = {"better": "▲", "worse": "▼", "no difference": "·"}
    for verdict in shown["verdict"].dropna():
        if verdict in marks:
            assert marks[verdict] in stdout


def test_unknown_objective_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["compare", "tiny", "tiny", *SHORT, "--objective", "nope", "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "--objective: 'nope' is not a KPI; expected a name of docs/kpis.md, e.g. "
        "contribution_npv (a per-channel KPI as name.channel)"
    ]
    assert not (tmp_path / "o").exists()
