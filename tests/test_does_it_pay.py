"""Does a design pay? The money lines and the one-sentence answer, on hand-made tables and a run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sim.analysis.does_it_pay import MONEY_LINES, answer, money_deltas
from sim.cli import app
from sim.compare import COMPARISON_COLUMNS


def _table(diffs: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """A comparison table with a reference 'a' and a design 'b' with the given (diff, low, high)."""
    rows = []
    for kpi, (diff, low, high) in diffs.items():
        ref = dict.fromkeys(COMPARISON_COLUMNS)
        ref.update(kpi=kpi, design="a", n=5, mean=100.0)
        row = dict.fromkeys(COMPARISON_COLUMNS)
        row.update(
            kpi=kpi,
            design="b",
            n=5,
            mean=100.0 + diff,
            diff_mean=diff,
            diff_ci_low=low,
            diff_ci_high=high,
            n_higher=4 if diff > 0 else 1,
        )
        rows += [ref, row]
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def test_lines_in_order_with_their_intervals() -> None:
    table = _table({kpi: (1.0, 0.5, 1.5) for kpi, _ in MONEY_LINES})
    lines = money_deltas(table, "b")
    assert [line.kpi for line in lines] == [kpi for kpi, _ in MONEY_LINES]
    assert all(line.diff == 1.0 and line.low == 0.5 and line.n == 5 for line in lines)
    assert all(line.n_higher == 4 for line in lines)


def test_pays_the_vendor_when_the_interval_is_above_zero() -> None:
    table = _table(
        {"contribution_total": (10.0, 2.0, 18.0), "partner_profit_total": (-5.0, -9.0, -1.0)}
    )
    text = answer("b", "a", money_deltas(table, "b"))
    assert text.startswith("b vs a: pays the vendor")
    assert "partners lose" in text
    assert "higher in 4 of 5" in text


def test_costs_the_vendor_or_no_detectable_effect() -> None:
    costs = _table({"contribution_total": (-10.0, -18.0, -2.0)})
    assert "costs the vendor" in answer("b", "a", money_deltas(costs, "b"))
    unclear = _table(
        {"contribution_total": (3.0, -1.0, 7.0), "partner_profit_total": (1.0, -1.0, 3.0)}
    )
    text = answer("b", "a", money_deltas(unclear, "b"))
    assert "no detectable effect on the vendor's contribution" in text
    assert "no detectable effect on partner profit" in text


def test_compare_prints_the_answer(tmp_path: Path) -> None:
    variant = tmp_path / "deeper.toml"
    variant.write_text('extends = "tiny"\n[partners.var]\ndiscount = 0.45\n', encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "compare",
            "tiny",
            str(variant),
            "--replications",
            "3",
            "--set",
            "time.periods=12",
            "--out",
            str(tmp_path / "cmp"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "Does deeper pay? Δ vs tiny" in result.stdout
    assert "deeper vs tiny:" in result.stdout
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    discounts = table[(table["kpi"] == "discount_cost_total") & (table["design"] == "deeper")]
    # A deeper reseller discount gives more list revenue away in every paired replication.
    assert int(discounts["n_higher"].iloc[0]) == 3
