"""``channelsim compare``: paired replications, comparison.csv, run files, plots, exit statuses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.compare import (
    COMPARISON_COLUMNS,
    PLOT_FILES,
    RunOutcome,
    comparison_table,
    default_workers,
    design_names,
    flatten_kpis,
)

SHORT = ["--replications", "3", "--set", "time.periods=12"]
"""Small and fast: tiny, 3 replications of 12 months."""

DIFF_COLUMNS = (
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_sd",
    "pct_change",
    "n_higher",
    "n_better",
    "p_value",
    "p_holm",
    "significant",
    "verdict",
)

runner = CliRunner()


def invoke(args: Sequence[str]) -> tuple[int, str, str]:
    """Run the CLI in this process; return (exit status, stdout, stderr)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def variant_file(folder: Path) -> Path:
    """A design that extends tiny with a higher VAR discount."""
    path = folder / "variant.toml"
    path.write_text('extends = "tiny"\n\n[partners.var]\ndiscount = 0.40\n', encoding="utf-8")
    return path


def read_table(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "comparison.csv", keep_default_na=False, dtype=str)


def num(cell: str) -> float:
    return float(cell)


@pytest.fixture(scope="module")
def variant_cmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny against tiny with VAR discount 0.40, one worker."""
    folder = tmp_path_factory.mktemp("cmp")
    out = folder / "out"
    code, stdout, stderr = invoke(
        ["compare", "tiny", str(variant_file(folder)), *SHORT, "--workers", "1", "--out", str(out)]
    )
    assert code == 0, stderr
    assert "revenue total" in stdout
    return out


@pytest.fixture(scope="module")
def self_cmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny against itself."""
    out = tmp_path_factory.mktemp("self") / "out"
    code, _, stderr = invoke(["compare", "tiny", "tiny", *SHORT, "--out", str(out), "--quiet"])
    assert code == 0, stderr
    return out


# ------------------------------------------------------------------------------- files


def test_writes_every_file(variant_cmp: Path) -> None:
    names = {p.name for p in variant_cmp.iterdir()}
    assert names == {"comparison.csv", "differences.csv", "manifest.json", "runs", *PLOT_FILES}
    runs = sorted(p.name for p in (variant_cmp / "runs").iterdir())
    assert runs == [f"{d}-s{s}" for d in ("tiny", "variant") for s in (1, 2, 3)]
    for run in runs:
        files = sorted(p.name for p in (variant_cmp / "runs" / run).iterdir())
        assert files == ["summary.json", "timeseries.csv"]
    for plot in PLOT_FILES:
        assert (variant_cmp / plot).read_bytes().startswith(b"\x89PNG")
    # Nothing left behind next to the directory.
    assert [p.name for p in variant_cmp.parent.iterdir() if p.name != "variant.toml"] == ["out"]


def test_manifest(variant_cmp: Path) -> None:
    manifest = json.loads((variant_cmp / "manifest.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in manifest["designs"]] == ["tiny", "variant"]
    assert all(len(d["scenario_sha256"]) == 64 for d in manifest["designs"])
    assert manifest["designs"][0]["scenario_sha256"] != manifest["designs"][1]["scenario_sha256"]
    assert manifest["seeds"] == [1, 2, 3]
    assert manifest["replications"] == 3
    assert manifest["failed"] == []
    assert manifest["arguments"]["set"] == ["time.periods=12"]
    assert len(manifest["runs"]) == 6


def test_run_summary_has_partner_side_totals(variant_cmp: Path) -> None:
    summary = json.loads((variant_cmp / "runs" / "variant-s2" / "summary.json").read_text())
    assert summary["seed"] == 2
    assert summary["scenario"] == "variant"
    assert summary["periods"] == 12
    ts = pd.read_csv(variant_cmp / "runs" / "variant-s2" / "timeseries.csv")
    profit_cols = [c for c in ts.columns if c.startswith("partner_profit_")]
    assert summary["partner_profit_total"] == pytest.approx(ts[profit_cols].to_numpy().sum())
    assert summary["discount_cost_total"] == pytest.approx(ts["discounts"].sum())
    assert summary["revenue_total"] == pytest.approx(ts["revenue_total"].sum())


def test_run_files_match_channelsim_run(variant_cmp: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, _, stderr = invoke(
        ["run", "tiny", "--seed", "3", "--set", "time.periods=12", "--out", str(out), "-q"]
    )
    assert code == 0, stderr
    run_dir = variant_cmp / "runs" / "tiny-s3"
    assert (run_dir / "timeseries.csv").read_bytes() == (out / "timeseries.csv").read_bytes()
    mine = json.loads((run_dir / "summary.json").read_text())
    theirs = json.loads((out / "summary.json").read_text())
    assert mine == theirs
    assert (run_dir / "summary.json").read_bytes() == (out / "summary.json").read_bytes()


# ------------------------------------------------------------------------------- comparison.csv


def test_comparison_columns_and_rows(variant_cmp: Path) -> None:
    table = read_table(variant_cmp)
    assert tuple(table.columns) == COMPARISON_COLUMNS
    kpis = list(dict.fromkeys(table["kpi"]))
    assert len(table) == 2 * len(kpis)
    assert list(table["design"]) == ["tiny", "variant"] * len(kpis)
    for kpi in (
        "revenue_total",
        "discount_cost_total",
        "contribution_total",
        "partner_profit_total",
        "adoption_final",
        "conflict_rate",
        "partner_churn",
        "channel_mix.var",
        "cac_by_channel.direct",
    ):
        assert kpi in kpis
    # Partner-side totals sit beside the vendor's.
    assert kpis.index("discount_cost_total") == kpis.index("revenue_total") + 1
    assert kpis.index("partner_profit_total") == kpis.index("contribution_total") + 1
    assert not any(k in kpis for k in ("seed", "version", "scenario_sha256", "channel_mix"))


def test_first_design_has_empty_diff_columns(variant_cmp: Path) -> None:
    first = read_table(variant_cmp).query("design == 'tiny'")
    for column in DIFF_COLUMNS:
        assert (first[column] == "").all(), column
    assert (first["better"].isin(["higher", "lower", ""])).all()


def test_variant_differs_in_revenue(variant_cmp: Path) -> None:
    table = read_table(variant_cmp).set_index(["kpi", "design"])
    row = table.loc[("revenue_total", "variant")]
    base = table.loc[("revenue_total", "tiny")]
    assert row["n"] == "3"
    assert num(row["diff_mean"]) != 0.0
    assert num(row["diff_mean"]) == pytest.approx(num(row["mean"]) - num(base["mean"]))
    assert num(row["diff_ci_low"]) <= num(row["diff_mean"]) <= num(row["diff_ci_high"])
    assert num(row["pct_change"]) == pytest.approx(
        100.0 * num(row["diff_mean"]) / num(base["mean"])
    )
    assert num(row["p_value"]) <= num(row["p_holm"]) <= 1.0
    assert row["significant"] in ("True", "False")
    assert row["better"] == "higher"
    assert row["verdict"] in ("better", "worse", "no difference")
    assert num(base["ci_low"]) <= num(base["mean"]) <= num(base["ci_high"])


def test_self_comparison_has_no_difference(self_cmp: Path) -> None:
    table = read_table(self_cmp)
    assert list(dict.fromkeys(table["design"])) == ["tiny", "tiny-2"]
    other = table[(table["design"] == "tiny-2") & (table["diff_mean"] != "")]
    assert len(other) > 10
    assert (other["diff_mean"].map(float) == 0.0).all()
    # Zero-variance differences are not tested: no p-value, no Holm value, "not tested".
    assert (other["p_value"] == "").all()
    assert (other["p_holm"] == "").all()
    assert (other["significant"] == "").all()
    assert (other["verdict"] == "not tested").all()


def test_undefined_kpis_have_empty_stats(self_cmp: Path) -> None:
    # 12 months: NRR and GRR are undefined in every run (no 12-month-old cohort).
    rows = read_table(self_cmp).query("kpi == 'nrr'")
    assert list(rows["n"]) == ["0", "0"]
    for column in ("mean", "ci_low", "ci_high", *DIFF_COLUMNS):
        assert (rows[column] == "").all(), column


@pytest.mark.slow
def test_workers_do_not_change_results(variant_cmp: Path, tmp_path: Path) -> None:
    out = tmp_path / "two"
    code, _, stderr = invoke(
        [
            "compare",
            "tiny",
            str(variant_file(tmp_path)),
            *SHORT,
            "--workers",
            "2",
            "--out",
            str(out),
            "-q",
        ]
    )
    assert code == 0, stderr
    assert (out / "comparison.csv").read_bytes() == (variant_cmp / "comparison.csv").read_bytes()
    for run in (variant_cmp / "runs").iterdir():
        for name in ("summary.json", "timeseries.csv"):
            assert (out / "runs" / run.name / name).read_bytes() == (run / name).read_bytes()
    for plot in PLOT_FILES:
        assert (out / plot).read_bytes() == (variant_cmp / plot).read_bytes()


# ------------------------------------------------------------------------------- failures


def test_failed_run_is_recorded_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.run

    real = sim.run.run_model

    def flaky(loaded, seed, progress=False):  # type: ignore[no-untyped-def]
        if seed == 2 and loaded.name == "variant":
            raise RuntimeError("boom in seed 2")
        return real(loaded, seed, progress)

    monkeypatch.setattr(sim.run, "run_model", flaky)
    out = tmp_path / "out"
    variant = str(variant_file(tmp_path))
    code, _, stderr = invoke(
        ["compare", "tiny", variant, *SHORT, "--workers", "1", "--out", str(out)]
    )
    assert code == 1
    assert "variant-s2" in stderr
    assert "Traceback" not in stderr
    assert "boom in seed 2" in (out / "failed" / "variant-s2.txt").read_text()
    assert not (out / "runs" / "variant-s2").exists()
    assert (out / "runs" / "variant-s1" / "summary.json").is_file()
    table = read_table(out).set_index(["kpi", "design"])
    assert table.loc[("revenue_total", "tiny"), "n"] == "3"
    assert table.loc[("revenue_total", "variant"), "n"] == "2"
    assert table.loc[("revenue_total", "variant"), "diff_mean"] != ""
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["failed"] == ["variant-s2"]


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["tiny"], "at least 2 scenarios"),
        (["tiny", "no_such_scenario"], "no_such_scenario"),
        (["tiny", "tiny", "--set", "market.customers=-5"], "market.customers"),
        (["tiny", "tiny", "--set", "no.such.key=1"], "unknown key"),
        (["tiny", "tiny", "--periods", "0"], "--periods"),
        (["tiny", "tiny", "--replications", "1"], "--replications"),
        (["tiny", "tiny", "--workers", "0"], "--workers"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    out = tmp_path / "out"
    code, _, stderr = invoke(["compare", *args, "--out", str(out)])
    assert code == 2
    assert "Traceback" not in stderr
    assert fragment in stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_set_is_reported_once(tmp_path: Path) -> None:
    code, _, stderr = invoke(
        ["compare", "tiny", "tiny", "--set", "no.such.key=1", "--out", str(tmp_path / "o")]
    )
    assert code == 2
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == len(set(lines))


def test_existing_out_dir_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, _, stderr = invoke(["compare", "tiny", "tiny", *SHORT, "--out", str(out)])
    assert code == 2
    assert "already exists" in stderr
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------------------- helpers


def test_design_names_are_unique_and_safe() -> None:
    assert design_names(["tiny", "tiny", "tiny"]) == ["tiny", "tiny-2", "tiny-3"]
    assert design_names(["..", "a b/c"]) == ["design", "a_b_c"]


def test_default_workers() -> None:
    assert default_workers(2) == 1
    assert default_workers(8) == 1
    assert default_workers(40) >= 1


def test_flatten_kpis() -> None:
    flat = flatten_kpis({"a": 1, "b": None, "c": {"x": 0.5, "y": None}, "d": "text", "e": True})
    assert flat == {"a": 1.0, "b": None, "c.x": 0.5, "c.y": None}


def test_none_in_any_run_empties_that_designs_stats() -> None:
    def outcome(design: int, r: int, a: float | None, b: float) -> RunOutcome:
        return RunOutcome(design, r, 10 + r, kpis={"a": a, "b": b})

    outcomes = [
        outcome(0, 0, 1.0, 1.0),
        outcome(0, 1, 2.0, 2.0),
        outcome(0, 2, 3.0, 3.0),
        outcome(1, 0, 2.0, 1.0),
        outcome(1, 1, None, 2.0),
        outcome(1, 2, 4.0, 3.0),
    ]
    table = comparison_table(["ref", "alt"], outcomes, 3).set_index(["kpi", "design"])
    assert table.loc[("a", "ref"), "mean"] == pytest.approx(2.0)
    alt = table.loc[("a", "alt")]
    assert alt["n"] == 2
    assert pd.isna(alt["mean"])
    assert pd.isna(alt["diff_mean"])
    assert pd.isna(alt["p_holm"])
    # b is identical in both designs: zero-variance differences are not tested.
    b = table.loc[("b", "alt")]
    assert b["diff_mean"] == 0.0
    assert pd.isna(b["p_value"])
    assert pd.isna(b["p_holm"])
    assert b["verdict"] == "not tested"
