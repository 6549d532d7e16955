"""Sweeps you can query: design columns in sweep.parquet, --set/--periods/--seed, main effects.

One small finished sweep (4 runs of ``tiny`` over 6 periods) serves the module; the README's
DuckDB queries run on it exactly as printed there (only the directory replaced).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sim.analysis.stats import t_interval
from sim.cli import app
from sim.sweep import store
from sim.sweep.design import design_runs
from sim.sweep.reports import LEVER_SUMMARY, LEVER_SUMMARY_COLUMNS, lever_summary
from sim.sweep.spec import load_sweep, with_command_line

ROOT = Path(__file__).resolve().parents[1]

SWEEP_TOML = """
base = "tiny"
replications = 1
seed = 1
kpis = ["revenue_total", "contribution_total"]

[[levers]]
key = "partners.var.count"
values = [2, 4]

[[levers]]
key = "partners.var.discount"
values = [0.2, 0.35]
"""
SEED = 7
OPTIONS = ["--periods", "6", "--seed", str(SEED), "--set", "market.customers=200"]


def _cli(*args: str) -> int:
    return int(app(args=list(args), standalone_mode=False))


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweepq") / "q.toml"
    path.write_text(SWEEP_TOML, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished(sweep_file: Path) -> tuple[Path, str]:
    """Run the sweep once; return its directory and what it printed."""
    out = sweep_file.parent / "out"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = _cli("sweep", str(sweep_file), "--workers", "1", "--out", str(out), *OPTIONS)
    assert code == 0
    return out, buffer.getvalue()


def test_sweep_parquet_has_one_typed_column_per_design_variable(
    finished: tuple[Path, str],
) -> None:
    out, _ = finished
    con = duckdb.connect()
    described = con.execute(f"DESCRIBE SELECT * FROM '{out / store.SWEEP_FILE}'").fetchall()
    assert [(row[0], row[1]) for row in described] == [
        ("run_id", "VARCHAR"),
        ("point", "BIGINT"),
        ("replication", "BIGINT"),
        ("seed", "BIGINT"),
        ("partners.var.count", "BIGINT"),
        ("partners.var.discount", "DOUBLE"),
        ("period", "BIGINT"),
        ("metric", "VARCHAR"),
        ("value", "DOUBLE"),
    ]
    frame = pd.read_parquet(out / store.SWEEP_FILE)
    per_run = frame.drop_duplicates("run_id").set_index("run_id")
    manifest = json.loads((out / store.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["variables"] == ["partners.var.count", "partners.var.discount"]
    assert len(per_run) == 4
    for item in manifest["design"]:
        row = per_run.loc[item["run_id"]]
        assert row["partners.var.count"] == item["overrides"]["partners.var.count"]
        assert row["partners.var.discount"] == item["overrides"]["partners.var.discount"]
    assert frame["partners.var.count"].notna().all()


def test_options_apply_to_every_run_and_are_recorded(
    finished: tuple[Path, str], sweep_file: Path
) -> None:
    out, _ = finished
    manifest = json.loads((out / store.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["command_line"] == {
        "set": ["market.customers=200"],
        "periods": 6,
        "seed": SEED,
    }
    assert {d["seed"] for d in manifest["design"]} == {SEED}
    for item in manifest["design"]:
        assert item["overrides"]["market.customers"] == 200
        assert item["overrides"]["time.periods"] == 6
    frame = pd.read_parquet(out / store.SWEEP_FILE)
    assert frame["period"].max() == 6  # tiny runs 24 periods without --periods
    # the runs differ from the sweep without the options (run ids hash the resolved scenario)
    plain = {r.run_id for r in design_runs(load_sweep(sweep_file))}
    assert plain.isdisjoint(store.manifest_run_ids(manifest))


def test_with_command_line_puts_options_after_the_sweeps_set(sweep_file: Path) -> None:
    loaded = load_sweep(sweep_file)
    changed = with_command_line(loaded, ["market.customers=200"], 6, 3)
    assert changed.spec.set == [*loaded.spec.set, "market.customers=200", "time.periods=6"]
    assert changed.spec.seed == 3
    assert with_command_line(loaded, [], None, None) is loaded


def test_set_of_a_swept_key_is_refused(
    sweep_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--out", str(tmp_path / "x"), "--set", "partners.var.count=3"]
    assert _cli("sweep", str(sweep_file), *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "partners.var.count=3" in err[0] and "swept" in err[0]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    "options",
    [
        ["--periods", "7", "--seed", str(SEED), "--set", "market.customers=200"],
        ["--periods", "6", "--seed", str(SEED + 1), "--set", "market.customers=200"],
        ["--periods", "6", "--seed", str(SEED)],
    ],
)
def test_resume_refuses_other_options(
    finished: tuple[Path, str],
    sweep_file: Path,
    options: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, _ = finished
    before = (out / store.MANIFEST).read_text(encoding="utf-8")
    assert _cli("sweep", str(sweep_file), "--out", str(out), "--resume", *options) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--set/--periods/--seed differ" in err[0]
    assert "--periods 6" in err[0]
    assert (out / store.MANIFEST).read_text(encoding="utf-8") == before


def test_resume_with_the_same_options_skips_every_run(
    finished: tuple[Path, str], sweep_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = finished
    code = _cli("sweep", str(sweep_file), "--workers", "1", "--out", str(out), "--resume", *OPTIONS)
    assert code == 0
    assert "4 runs: 0 done, 4 finished before" in capsys.readouterr().out


def _readme_queries(out: Path) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
    block = next(b for b in blocks if "sweep.parquet" in b)
    text = block.replace("results/quick", out.as_posix())
    return [q.strip() for q in text.split(";") if q.strip()]


def test_the_readmes_duckdb_queries(finished: tuple[Path, str]) -> None:
    out, _ = finished
    queries = _readme_queries(out)
    assert len(queries) == 3
    con = duckdb.connect()
    first, second, third = (con.execute(q).df() for q in queries)
    wide = store.load_sweep_frame(out, wide=True)  # the run files and the manifest

    expected = wide.groupby("partners.var.count")["revenue_total"].agg(["count", "mean"])
    assert first["var_count"].tolist() == [2, 4]
    assert first["runs"].tolist() == expected["count"].tolist() == [2, 2]
    np.testing.assert_allclose(first["revenue"], expected["mean"], rtol=1e-12)

    points = wide.groupby(["partners.var.count", "partners.var.discount"])["contribution_total"]
    best = points.mean().sort_values(ascending=False).head(3)
    assert len(second) == 3
    assert list(zip(second["var_count"], second["discount"], strict=True)) == list(best.index)
    np.testing.assert_allclose(second["contribution"], best.to_numpy(), rtol=1e-12)

    long = store.load_sweep_frame(out)
    var = long[(long["metric"] == "revenue_var") & (long["period"] > 0)]
    monthly = var.groupby(["point", "period"])["value"].mean().reset_index()
    assert len(third) == 4 * 6
    assert third[["point", "period"]].to_numpy().tolist() == (
        monthly[["point", "period"]].to_numpy().tolist()
    )
    np.testing.assert_allclose(third["revenue_var"], monthly["value"], rtol=1e-12)
    assert third["revenue_var"].sum() > 0  # VARs sell something: the query is not vacuous


def test_summary_by_lever_is_written_and_printed(finished: tuple[Path, str]) -> None:
    out, printed = finished
    table = pd.read_csv(out / LEVER_SUMMARY)
    assert tuple(table.columns) == LEVER_SUMMARY_COLUMNS
    assert set(table["kpi"]) == {"revenue_total", "contribution_total"}
    assert set(table["kind"]) == {"mean"}  # two levels each: no slope
    wide = store.load_sweep_frame(out, wide=True)
    for key in ("partners.var.count", "partners.var.discount"):
        rows = table[(table["lever"] == key) & (table["kpi"] == "revenue_total")]
        assert len(rows) == 2
        for row in rows.itertuples(index=False):
            values = wide.loc[np.isclose(wide[key], row.level), "revenue_total"]
            iv = t_interval(values.to_numpy())
            assert row.n == 2
            assert row.estimate == pytest.approx(iv.mean, rel=1e-9)
            assert row.ci_low == pytest.approx(iv.low, rel=1e-9)
            assert row.ci_high == pytest.approx(iv.high, rel=1e-9)
    assert "Main effects" in printed
    assert "partners.var.count → revenue_total" in printed
    assert "summary_by_lever.csv" in printed


def test_lever_summary_means_and_slope_on_hand_made_runs() -> None:
    rng = np.random.default_rng(0)
    x = np.repeat(np.arange(8), 3).astype(float)  # 8 levels, 3 runs each
    y = 10.0 + 3.0 * x + rng.normal(0.0, 0.5, x.size)
    runs = pd.DataFrame({"lever": x, "kind": np.tile(["a", "b", "c"], 8), "kpi": y})
    table = lever_summary(runs, [("lever", "lever"), ("kind", "uncertainty")], ["kpi"])
    means = table[(table["lever"] == "lever") & (table["kind"] == "mean")]
    assert means["level"].tolist() == list(range(8))  # integral levels read back as ints
    np.testing.assert_allclose(means["estimate"], [y[x == v].mean() for v in range(8)])
    slope = table[table["kind"] == "slope"].iloc[0]
    assert slope["lever"] == "lever" and slope["n"] == 24
    assert slope["ci_low"] < 3.0 < slope["ci_high"]
    assert slope["ci_high"] - slope["ci_low"] < 0.3
    assert np.polyfit(x, y, 1)[0] == pytest.approx(slope["estimate"])
    # a categorical factor: means only, no slope
    cats = table[table["lever"] == "kind"]
    assert set(cats["kind"]) == {"mean"} and cats["role"].eq("uncertainty").all()
    # exact line: the interval collapses on the slope
    exact = lever_summary(pd.DataFrame({"k": x, "v": 2.0 * x}), [("k", "lever")], ["v"])
    row = exact[exact["kind"] == "slope"].iloc[0]
    assert row["estimate"] == pytest.approx(2.0)
    assert row["ci_low"] == pytest.approx(2.0) and row["ci_high"] == pytest.approx(2.0)


def test_lever_summary_few_and_many_levels() -> None:
    few = pd.DataFrame({"k": [1.0, 1.0, 2.0, 2.0, 3.0, 3.0], "v": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    table = lever_summary(few, [("k", "lever")], ["v"])
    assert set(table["kind"]) == {"mean"}  # 3 levels: no slope
    many = pd.DataFrame({"k": np.linspace(0.1, 0.9, 30), "v": np.linspace(1.0, 5.0, 30)})
    table = lever_summary(many, [("k", "lever")], ["v", "absent"])
    assert table["kind"].tolist() == ["slope"]  # a Latin hypercube: only the slope
    assert table["estimate"].iloc[0] == pytest.approx(5.0)


def test_manifest_without_variables_takes_the_keys_that_vary() -> None:
    design = [
        {"run_id": "a", "point": 0, "overrides": {"time.periods": 6, "x.n": 1, "x.d": 0.5}},
        {"run_id": "b", "point": 1, "overrides": {"time.periods": 6, "x.n": 2, "x.d": 1}},
        {"run_id": "b", "point": 2, "overrides": {"time.periods": 6, "x.n": 2, "x.d": 1}},
    ]
    assert store.manifest_variables({"design": design}) == ["x.n", "x.d"]
    assert store.manifest_variables({"design": design, "variables": ["x.d"]}) == ["x.d"]
    table = store.design_table({"design": design})
    assert table.column_names == ["run_id", "point", "x.n", "x.d"]
    assert str(table.schema.field("x.n").type) == "int64"
    assert str(table.schema.field("x.d").type) == "double"  # 0.5 and 1 mixed: float
    assert table.num_rows == 3  # a shared run id keeps a row per point
