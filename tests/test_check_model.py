"""``channelsim check-model``: the theory checks, their rules, and the report they write."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis.bass import BassNlsFit, fit_bass_nls
from sim.cli import app
from sim.validation import catalogue, estimator
from sim.validation.catalogue import CHECKS
from sim.validation.identities import TOLERANCE, deal_residuals, timeseries_residuals
from sim.validation.levers import LEVERS_BY_NAME, lever_result
from sim.validation.registry import FAIL, NOT_AVAILABLE, PASS, QUICK, CheckResult, Context
from sim.validation.report import HEADER, markdown
from sim.validation.runs import RunSpec, execute

EXPECTED_NOT_AVAILABLE: set[str] = set()
"""Checks whose slot is not filled in this code base yet (none)."""


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str]:
    """``check-model --quick`` once: exit code, stdout and the report's text."""
    out = tmp_path_factory.mktemp("check") / "docs" / "validation.md"
    result = CliRunner().invoke(
        app, ["check-model", "--quick", "--workers", "2", "-q", "--out", str(out)]
    )
    return result.exit_code, result.output, out.read_text(encoding="utf-8")


def test_quick_run_passes_every_check_and_writes_the_report(
    quick_report: tuple[int, str, str],
) -> None:
    code, output, text = quick_report
    assert code == 0, output
    assert text.startswith(HEADER)
    for check in CHECKS:
        assert f"## `{check.name}`" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.endswith(" |")]
    statuses = [line.rsplit("|", 2)[-2].strip() for line in rows]
    assert f"| {FAIL} |" not in text
    assert statuses.count(PASS) >= 30  # 2 recursion, 6+ estimator, 6 levers, 4 facts, 16 identities
    # Only the published series may be "not available" (no verified series in the code base).
    for line in rows:
        if line.endswith(f"| {NOT_AVAILABLE} |"):
            assert "published series" in line, line
    assert any("logit–Bertrand" in line and line.endswith(f"| {PASS} |") for line in rows)


def test_lever_table_has_a_row_per_lever(quick_report: tuple[int, str, str]) -> None:
    _, _, text = quick_report
    for lever in LEVERS_BY_NAME.values():
        assert f"| {lever.change} |" in text


def test_report_counts_and_marks_failures() -> None:
    rows = [CheckResult(c.name, "x", "1", "1", "=", PASS) for c in CHECKS]
    rows[0] = CheckResult(CHECKS[0].name, "y", "2", "1", "=", FAIL)
    text = markdown(CHECKS, rows, QUICK)
    assert f"**{len(CHECKS) - 1} passed, 1 failed, 0 not available.**" in text
    assert f"| `{CHECKS[0].name}` | {CHECKS[0].theory} | 0/1 | {FAIL} |" in text
    assert f"| `{CHECKS[1].name}` | {CHECKS[1].theory} | 1/1 | {PASS} |" in text
    assert not rows[0].ok and rows[1].ok
    assert CheckResult("c", "x", "—", "—", "—", NOT_AVAILABLE).ok  # a slot does not fail
    assert len({c.name for c in CHECKS}) == len(CHECKS)


def test_measures_do_not_depend_on_workers() -> None:
    specs = [RunSpec("tiny", (), 1), RunSpec("tiny", ("partners.var.count=2",), 2)]
    serial = execute(specs, 1)
    pooled = execute(specs, 2)
    for spec in specs:
        assert serial[spec].values == pytest.approx(pooled[spec].values, nan_ok=True)
        np.testing.assert_array_equal(serial[spec].adoption, pooled[spec].adoption)


# -- the rules ------------------------------------------------------------------------------------


def test_lever_rule_needs_the_ci_on_the_expected_side() -> None:
    lever = LEVERS_BY_NAME["direct_reps"]  # expected +
    low = np.array([1.0, 2.0, 3.0, 4.0])
    assert lever_result(lever, low, low + np.array([1.0, 1.2, 0.9, 1.1])).status == PASS
    assert lever_result(lever, low, low - np.array([1.0, 1.2, 0.9, 1.1])).status == FAIL
    # Right sign on average but inside the noise: the CI includes 0.
    assert lever_result(lever, low, low + np.array([3.0, -2.0, 2.5, -1.5])).status == FAIL
    falling = LEVERS_BY_NAME["var_count"]  # expected −
    assert lever_result(falling, low, low - 1.0).status == PASS


def _frame(n: int = 3) -> pd.DataFrame:
    from sim.validation.identities import COST_COLUMNS, REVENUE_COLUMNS, STATE_COLUMNS

    zeros = {c: np.zeros(n) for c in (*REVENUE_COLUMNS, *COST_COLUMNS)}
    f = pd.DataFrame(zeros)
    f["revenue_direct"] = [10.0, 20.0, 30.0]
    f["revenue_var"] = [5.0, 5.0, 5.0]
    f["cogs"] = [1.0, 1.0, 1.0]
    for c in STATE_COLUMNS:
        f[c] = 0
    f["state_customer"] = [10, 20, 30]
    f["state_unaware"] = 100 - f["state_customer"]
    f["revenue_total"] = f["revenue_direct"] + f["revenue_var"]
    f["net_revenue"] = f["revenue_total"]
    f["list_revenue"] = f["revenue_total"] + 2.0
    f["discounts"] = 2.0
    f["revenue_partner_fulfilled"] = f["revenue_var"]
    f["vendor_costs"] = f["cogs"]
    f["contribution_margin"] = f["revenue_total"] - f["cogs"]
    f["customer_spend"] = f["revenue_total"] + 1.0
    f["margin_pool_vendor"] = f["revenue_total"]
    f["margin_pool_distributor"] = 0.0
    f["margin_pool_resellers"] = 1.0
    f["billings"] = f["revenue_total"]
    f["marketing_cost"] = 0.5
    f["cumulative_cash"] = (f["billings"] - f["vendor_costs"] - f["marketing_cost"]).cumsum()
    f["customers_active"] = f["state_customer"]
    return f


def test_identities_hold_on_a_consistent_frame_and_catch_each_break() -> None:
    good = _frame()
    assert max(timeseries_residuals(good, 100).values()) <= TOLERANCE
    for column, identity in (
        ("revenue_var", "revenue_total = Σ revenue by channel"),
        ("cogs", "vendor_costs = Σ cost lines"),
        ("cumulative_cash", "cash(t) = cash(t−1) + billings − costs − marketing"),
        ("state_unaware", "Σ state_* = N"),
    ):
        bad = good.copy()
        bad.loc[1, column] += 10.0
        got = timeseries_residuals(bad, 100)
        assert got[identity] > 1e-3, (column, got)


def test_waterfall_identity_catches_a_leak() -> None:
    deals = pd.DataFrame(
        {
            "outcome": ["won", "won", "lost"],
            "customer_price": [90.0, 80.0, 0.0],
            "vendor_net": [70.0, 80.0, 0.0],
            "distributor_margin": [5.0, 0.0, 0.0],
            "reseller_margin": [15.0, 0.0, 0.0],
            "list_amount": [100.0, 100.0, 100.0],
            "customer_discount": [10.0, 20.0, 100.0],
        }
    )
    assert max(deal_residuals(deals).values()) <= TOLERANCE
    deals.loc[0, "reseller_margin"] = 10.0
    assert deal_residuals(deals)["customer price = vendor + distributor + reseller"] > 0.01


# -- the published series: reported, or "not available" without its module -----------------------


def _fake_reference(p: float) -> types.ModuleType:
    """A stand-in for sim.analysis.bass_reference: one series generated at p = 0.03."""
    adoptions = estimator.continuous_adoptions(0.03, 0.4, 1000.0, 60, 12.0)
    ref = types.SimpleNamespace(
        name="synthetic", source="test", adoptions=adoptions, periods_per_year=12.0,
        p=p, q=0.4, m=1000.0, rel_tol=0.01,
    )  # fmt: skip

    def refit(fit: types.SimpleNamespace) -> BassNlsFit:
        return fit_bass_nls(fit.adoptions, fit.periods_per_year)

    module = types.ModuleType(estimator.REFERENCE_MODULE)
    module.PUBLISHED_FITS = (ref,)  # type: ignore[attr-defined]
    module.refit = refit  # type: ignore[attr-defined]
    return module


def _published(monkeypatch: pytest.MonkeyPatch, module: types.ModuleType | None) -> list[str]:
    monkeypatch.setitem(sys.modules, estimator.REFERENCE_MODULE, module)  # type: ignore[arg-type]
    rows = estimator.CHECK.evaluate(Context(QUICK))
    return [r.status for r in rows if "published" in r.item]


def test_published_series_are_checked_when_the_module_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _published(monkeypatch, _fake_reference(0.03)) == [PASS]
    assert _published(monkeypatch, _fake_reference(0.05)) == [FAIL]


def test_published_series_not_available_without_the_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A None entry in sys.modules makes the import raise ModuleNotFoundError.
    assert _published(monkeypatch, None) == [NOT_AVAILABLE]


# -- exit codes -----------------------------------------------------------------------------------


def test_exit_1_when_a_check_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    failing = [CheckResult("bass_recursion", "x", "1", "0", "= 0", FAIL)]
    monkeypatch.setattr(catalogue, "run_checks", lambda *args, **kwargs: failing)
    monkeypatch.setattr(catalogue, "planned_runs", lambda settings: 0)
    out = tmp_path / "v.md"
    result = CliRunner().invoke(app, ["check-model", "--quick", "-q", "--out", str(out)])
    assert result.exit_code == 1
    assert "| fail |" in out.read_text(encoding="utf-8")


def test_exit_2_on_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["check-model", "--out", str(tmp_path)]).exit_code == 2
    assert runner.invoke(app, ["check-model", "--workers", "0"]).exit_code == 2
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = runner.invoke(app, ["check-model", "--out", str(blocked / "v.md")])
    assert result.exit_code == 2
    assert not (blocked / "v.md").exists()
