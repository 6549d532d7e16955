"""The KPI registry: summary.json, the console tables, compare, sweeps and stats all read it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis import kpi_registry
from sim.analysis.kpi_registry import (
    BY_CHANNEL_KPIS,
    COMPARE_HEADLINE_KPIS,
    HIGHER,
    KPI_NAMES,
    KPIS,
    KPIS_BY_NAME,
    LOWER,
    RUN_TABLE_KPIS,
    SCALAR_KPIS,
    SWEEP_DEFAULT_KPIS,
    better_direction,
    delta_unit,
    format_value,
)
from sim.cli import app
from sim.compare import HEADLINE_KPIS, RunOutcome, comparison_table, flatten_kpis
from sim.names import CHANNELS
from sim.sweep.spec import DEFAULT_KPIS
from sim.sweep.spec import KPI_NAMES as SWEEP_KPI_NAMES

runner = CliRunner()

IDENTITY_KEYS = {
    "seed",
    "version",
    "scenario",
    "scenario_sha256",
    "periods",
    "period",
    "currency",
    "customers",
}
"""The keys of summary.json that are not KPIs (sim.run.summary_document)."""

# The better directions compare used before the registry (sim.analysis.stats.KPI_DIRECTIONS and
# KPI_PREFIX_DIRECTIONS), stated independently: the registry must give the same.
PREVIOUS_DIRECTIONS = {
    **dict.fromkeys(
        (
            "revenue_total",
            "revenue_npv",
            "contribution_total",
            "contribution_npv",
            "partner_profit_total",
            "partner_share_of_revenue",
            "adoption_final",
            "nrr",
            "grr",
            "customers_final",
            "arr_final",
            "mrr_final",
            "cumulative_cash_final",
            "new_customers_total",
            "bookings_total",
            "billings_total",
            "win_rate",
            "won_back_total",
            "lead_acceptance_rate",
        ),
        "higher",
    ),
    **dict.fromkeys(
        (
            "discount_cost_total",
            "program_cost_total",
            "conflict_rate",
            "store_conflict_rate",
            "partner_conflict_rate",
            "registration_discount_total",
            "channel_neutral_comp_total",
            "partner_churn",
            "months_to_50pct_adoption",
            "churned_customers_total",
            "cost_of_channel_total",
            "direct_cost_of_sales_total",
            "stockouts_total",
            "deals_delayed_by_stock_total",
            "stock_delay_months_mean",
            "credit_blocks_total",
            "unserved_share",
            "leads_unworked_share",
        ),
        "lower",
    ),
}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run directory of tiny (13 months, so that NRR and GRR are defined)."""
    out = tmp_path_factory.mktemp("registries") / "run"
    result = runner.invoke(
        app, ["run", "tiny", "--seed", "2", "--periods", "13", "--out", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    (out / "stdout.txt").write_text(result.stdout, encoding="utf-8")
    return out


# -------------------------------------------------------------------------------------- KPIs


def test_summary_json_keys_are_the_registry(tiny_run: Path) -> None:
    summary = json.loads((tiny_run / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) - IDENTITY_KEYS == set(KPIS_BY_NAME)
    for name in BY_CHANNEL_KPIS:
        assert set(summary[name]) == set(CHANNELS)
    for name in SCALAR_KPIS:
        assert not isinstance(summary[name], dict), name
    assert summary["nrr"] is not None


def test_partner_side_totals_are_what_compare_computed(tiny_run: Path) -> None:
    summary = json.loads((tiny_run / "summary.json").read_text(encoding="utf-8"))
    ts = pd.read_csv(tiny_run / "timeseries.csv")
    # The computation compare used on the side before summary.json had these keys.
    profit_cols = [c for c in ts.columns if c.startswith("partner_profit_")]
    profit = float(np.nan_to_num(ts[profit_cols].to_numpy(dtype=np.float64), nan=0.0).sum())
    discounts = float(np.nan_to_num(ts["discounts"].to_numpy(dtype=np.float64), nan=0.0).sum())
    assert summary["partner_profit_total"] == profit
    assert summary["discount_cost_total"] == discounts
    assert discounts > 0.0 and profit != 0.0
    assert summary["discount_cost_total"] == pytest.approx(ts["discounts"].sum())
    # The partners table accounts for the same profit, partner by partner.
    partners = pd.read_csv(tiny_run / "partners.csv")
    rows = partners[partners["partner_id"] != "direct"]
    # (An exited partner's profit is split at its exit: profit + profit_after_exit.)
    whole = rows["profit"] + rows["profit_after_exit"]
    assert summary["partner_profit_total"] == pytest.approx(whole.sum(), rel=1e-9)


def test_run_table_reads_the_registry(tiny_run: Path) -> None:
    stdout = (tiny_run / "stdout.txt").read_text(encoding="utf-8")
    summary = json.loads((tiny_run / "summary.json").read_text(encoding="utf-8"))
    for name in RUN_TABLE_KPIS:
        assert KPIS_BY_NAME[name].label in stdout, name
    revenue = format_value("revenue_total", summary["revenue_total"], summary["currency"])
    assert revenue in stdout
    assert format_value("adoption_final", summary["adoption_final"]) in stdout


def test_registry_order_puts_partner_side_totals_beside_the_vendors() -> None:
    names = [kpi.name for kpi in KPIS]
    assert names.index("discount_cost_total") == names.index("revenue_total") + 1
    assert names.index("partner_profit_total") == names.index("contribution_total") + 1


def test_selections_and_sweep_names_come_from_the_registry() -> None:
    assert HEADLINE_KPIS == COMPARE_HEADLINE_KPIS
    assert DEFAULT_KPIS == SWEEP_DEFAULT_KPIS
    assert SWEEP_KPI_NAMES == KPI_NAMES
    for selection in (RUN_TABLE_KPIS, COMPARE_HEADLINE_KPIS, SWEEP_DEFAULT_KPIS):
        assert set(selection) <= set(KPIS_BY_NAME)
    expected = {*KPIS_BY_NAME, *(f"{k}.{c}" for k in BY_CHANNEL_KPIS for c in CHANNELS)}
    assert set(KPI_NAMES) == expected
    assert len(KPI_NAMES) == len(expected)


def test_every_kpi_entry_is_complete() -> None:
    for kpi in KPIS:
        assert kpi.label and kpi.unit and kpi.meaning, kpi.name
        assert kpi.better in (HIGHER, LOWER, ""), kpi.name
        assert kpi.fmt in ("money", "share", "count", "months", "number"), kpi.name


def test_directions_are_the_previous_ones() -> None:
    for kpi in KPIS:
        if kpi.by_channel:
            continue
        assert better_direction(kpi.name) == PREVIOUS_DIRECTIONS.get(kpi.name, ""), kpi.name
    assert better_direction("cac_by_channel.var") == LOWER
    assert better_direction("channel_mix.direct") == ""
    assert better_direction("no_such_kpi") == ""
    assert better_direction("revenue_total.direct") == ""


def _outcomes() -> list[RunOutcome]:
    """Three replications of two designs; every KPI of the second is higher by about 5.

    The differences vary a little (5, 5.001, 5.002: testable) and every KPI has its own offset
    (no KPI duplicates another, which would leave it out of the tests).
    """
    out = []
    for design in (0, 1):
        for r in range(3):
            kpis: dict[str, Any] = {}
            for k, kpi in enumerate(KPIS):
                value = 1.0 + r + k / 1000.0 + (5.0 + 0.001 * r) * design
                kpis[kpi.name] = dict.fromkeys(CHANNELS, value) if kpi.by_channel else value
            out.append(RunOutcome(design, r, r + 1, kpis=kpis))
    return out


def test_comparison_better_column_comes_from_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = _outcomes()
    table = comparison_table(["ref", "alt"], outcomes, 3)
    assert list(dict.fromkeys(table["kpi"])) == list(flatten_kpis(outcomes[0].kpis or {}))
    for kpi, better in zip(table["kpi"], table["better"], strict=True):
        assert better == better_direction(kpi), kpi
    # Change one entry's direction in the registry: the comparison follows it.
    flipped = dataclasses.replace(KPIS_BY_NAME["win_rate"], better=LOWER)
    monkeypatch.setitem(kpi_registry.KPIS_BY_NAME, "win_rate", flipped)
    table = comparison_table(["ref", "alt"], outcomes, 3).set_index(["kpi", "design"])
    assert table.loc[("win_rate", "alt"), "better"] == "lower"
    assert table.loc[("win_rate", "alt"), "verdict"] == "worse"  # it went up
    assert table.loc[("revenue_total", "alt"), "verdict"] == "better"


def test_format_value() -> None:
    assert format_value("revenue_total", 1234567.4, "USD") == "1,234,567 USD"
    assert format_value("revenue_total", -1234.0, delta=True) == "-1,234"
    assert format_value("revenue_total", 1234.0, delta=True) == "+1,234"
    assert format_value("conflict_rate", 0.1234) == "12.3 %"
    assert format_value("conflict_rate", 0.012, delta=True) == "+1.2"
    assert delta_unit("conflict_rate") == " pp" and delta_unit("revenue_total") == ""
    assert format_value("customers_final", 1234) == "1,234"
    assert format_value("months_to_50pct_adoption", 9.0) == "9"
    assert format_value("months_to_50pct_adoption", None) == "never"
    assert format_value("months_to_50pct_adoption", None, delta=True) == "–"
    assert format_value("nrr", float("nan")) == "–"
    assert format_value("cac_by_channel.var", 1500.0, "EUR") == "1,500 EUR"


def test_registry_module_is_light() -> None:
    probe = (
        "import sys\n"
        "import sim.analysis.kpi_registry\n"
        "heavy = ['numpy', 'pandas', 'pydantic', 'mesa', 'sim.scenario', 'sim.analysis.kpis']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


def test_kpi_reference_is_in_step_with_the_registry() -> None:
    # docs/kpis.md is what the README points to for what each KPI means.
    from sim.analysis.kpi_registry import markdown_table

    path = Path(__file__).resolve().parents[1] / "docs" / "kpis.md"
    assert path.read_text(encoding="utf-8") == markdown_table(), (
        "docs/kpis.md is out of date: python -m sim.analysis.kpi_registry > docs/kpis.md"
    )
