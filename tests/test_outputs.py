"""Run outputs: partners and deals tables, summary KPIs, atomic run directories."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.analysis.kpis import (
    CHANNELS,
    Retention,
    json_safe,
    retention_from_mrr,
    summary_kpis,
)
from sim.errors import InputError
from sim.model import ChannelModel
from sim.outputs import (
    DEAL_COLUMNS,
    PARTNER_COLUMNS,
    account_mrr,
    deals_frame,
    partners_frame,
)
from sim.run import run_model, run_scenario
from sim.rundir import (
    check_out_dir,
    default_out_dir,
    resolved_text,
    run_name,
    write_parquet,
)
from sim.scenario import LoadedScenario, Scenario, list_shipped, load_scenario
from sim.scenario.schema import SEGMENTS

SPEC_KPIS = (
    "revenue_total",
    "revenue_npv",
    "contribution_total",
    "contribution_npv",
    "channel_mix",
    "adoption_final",
    "months_to_50pct_adoption",
    "peak_new_customers_period",
    "bass_p",
    "bass_q",
    "bass_m",
    "bass_fit_r2",
    "bass_p_discrete",
    "bass_q_discrete",
    "bass_m_discrete",
    "partner_revenue_gini",
    "partner_revenue_top20_share",
    "conflict_rate",
    "partner_churn",
    "cac_by_channel",
    "nrr",
    "grr",
)


def small_scenario(*extra: str) -> LoadedScenario:
    """``tiny`` when shipped, else a small ``baseline``; both longer than 12 months."""
    if "tiny" in {name for name, _ in list_shipped()}:
        return load_scenario("tiny", list(extra))
    return load_scenario("baseline", ["market.customers=600", "time.periods=24", *extra])


class Run:
    """A finished small run and its tables (shared, read-only)."""

    def __init__(self) -> None:
        self.loaded = small_scenario()
        self.model, self.retention = run_model(self.loaded, seed=11)
        self.ts = self.model.metrics.frame()
        self.partners = partners_frame(self.model)
        self.deals = deals_frame(self.model)
        self.kpis = summary_kpis(
            self.ts, self.partners, self.deals, self.loaded.scenario, self.retention
        )


@pytest.fixture(scope="module")
def run() -> Run:
    return Run()


# ---------------------------------------------------------------------------------- partners


def test_partners_frame_columns_and_order(run: Run) -> None:
    p = run.partners
    assert list(p.columns) == list(PARTNER_COLUMNS)
    assert p["partner_id"].is_unique
    assert p["partner_id"].iloc[0] == "direct"
    assert (p["partner_id"] == "direct").sum() == 1
    rest = p["partner_id"].iloc[1:].tolist()
    key = [(pid.rsplit("-", 1)[0], int(pid.rsplit("-", 1)[1])) for pid in rest]
    assert key == sorted(key)
    assert set(p["type"]) <= set(CHANNELS)
    partner_ids = {s.partner_id for s in run.model.sellers}
    assert set(p["partner_id"]) == partner_ids


def test_partners_frame_aggregates_direct_and_matches_revenue(run: Run) -> None:
    p = run.partners
    direct = p[p["partner_id"] == "direct"].iloc[0]
    sellers = [s for s in run.model.sellers if s.partner_id == "direct"]
    assert len(sellers) == 2  # the direct team and the self-serve store
    assert direct["revenue"] == pytest.approx(
        sum(s.ledger.total["vendor_revenue"] for s in sellers)
    )
    assert direct["bids"] == sum(s.bids for s in sellers)
    assert direct["revenue"] == pytest.approx(run.ts["revenue_direct"].sum())
    # Every unit of vendor net revenue belongs to exactly one seller.
    assert p["revenue"].sum() == pytest.approx(run.ts["revenue_total"].sum())
    territories = set(run.model.population.territory_names)
    for cell in p["territories"]:
        assert cell and set(cell.split(";")) <= territories
    exited = p[p["status"] == "exited"]
    assert exited["exited_period"].notna().all()
    assert p[p["status"] != "exited"]["exited_period"].isna().all()


# ------------------------------------------------------------------------------------- deals


def test_deals_frame_columns_and_rows(run: Run) -> None:
    d = run.deals
    book = run.model.book
    assert list(d.columns) == list(DEAL_COLUMNS)
    assert set(d["outcome"]) <= {"won", "rival", "no_decision"}
    assert d["opportunity_id"].is_monotonic_increasing
    n_open = int((np.asarray(book["outcome"]) == 0).sum())
    assert len(d) + n_open == book.size == run.ts["opportunities_opened"].sum()
    assert set(d["segment"]) <= set(SEGMENTS)
    assert set(d["territory"]) <= set(run.model.population.territory_names)
    assert not d["registered"].any()


def test_deals_periods_match_timeseries(run: Run) -> None:
    d = run.deals
    ts = run.ts.set_index("period")
    won = d[d["outcome"] == "won"].groupby("period").size()
    lost = d[d["outcome"] != "won"].groupby("period").size()
    periods = ts.index
    assert (won.reindex(periods, fill_value=0) == ts["new_customers"]).all()
    assert (lost.reindex(periods, fill_value=0) == ts["opportunities_lost"]).all()
    lost_rows = d[d["outcome"] != "won"]
    assert (lost_rows["period"] == lost_rows["period_opened"]).all()
    won_rows = d[d["outcome"] == "won"]
    assert (won_rows["period"] >= won_rows["period_opened"]).all()


def test_deals_sellers_parties_and_waterfall(run: Run) -> None:
    d = run.deals
    won = d["outcome"] == "won"
    assert (d.loc[won, "seller"] != "").all()
    assert (d.loc[~won, "seller"] == "").all()
    assert (d.loc[won, "seller_type"] != "").all()
    for seller, parties in zip(d.loc[won, "seller"], d.loc[won, "parties"], strict=True):
        assert seller in parties.split(";")
    n_parties = []
    for parties in d["parties"]:
        names = parties.split(";") if parties else []
        assert len(names) == len(set(names))
        n_parties.append(len(names))
    # A conflict is two or more distinct parties (direct team and online store are one).
    assert ((np.array(n_parties) >= 2) == d["conflict"].to_numpy()).all()
    assert np.allclose(d["customer_discount"], d["list_amount"] - d["customer_price"])
    priced = d.loc[won]
    total = priced["vendor_net"] + priced["distributor_margin"] + priced["reseller_margin"]
    assert np.allclose(total, priced["customer_price"])
    assert d.loc[~won, "cycle_months"].isna().all()
    assert (d.loc[won, "cycle_months"] >= 0).all()
    two_tier = d["distributor"] != ""
    assert d.loc[two_tier, "distributor"].str.startswith("distributor-").all()
    assert set(d["source"]) <= {"organic", "vendor_lead", "referral"}
    assert ((d["referrer"] != "") == (d["source"] == "referral")).all()


def test_deals_frame_optional_scenario_column(run: Run) -> None:
    d = deals_frame(run.model, "tiny-x")
    assert d.columns[0] == "scenario"
    assert (d["scenario"] == "tiny-x").all()
    assert list(d.columns[1:]) == list(DEAL_COLUMNS)


def test_account_mrr_matches_timeseries(run: Run) -> None:
    assert account_mrr(run.model).sum() == pytest.approx(run.ts["mrr"].iloc[-1])


# -------------------------------------------------------------------------------------- KPIs


def test_summary_kpis_keys_and_json_safety(run: Run) -> None:
    k = run.kpis
    for key in SPEC_KPIS:
        assert key in k
    json.dumps(k, allow_nan=False)
    assert set(k["channel_mix"]) == set(CHANNELS)
    assert set(k["cac_by_channel"]) == set(CHANNELS)
    assert sum(k["channel_mix"].values()) == pytest.approx(1.0)
    assert k["partner_share_of_revenue"] == pytest.approx(1.0 - k["channel_mix"]["direct"])
    assert k["revenue_total"] == pytest.approx(run.ts["revenue_total"].sum())
    assert 0 < k["revenue_npv"] < k["revenue_total"]
    assert k["adoption_final"] == run.ts["adoption"].iloc[-1]
    assert 0.0 <= k["conflict_rate"] <= 1.0
    assert 0.0 <= k["partner_churn"] <= 1.0
    assert k["grr"] is not None and 0.0 < k["grr"] <= 1.0
    assert k["nrr"] > k["grr"]  # seats expand by default (docs/model.md §7.14a)
    assert isinstance(k["customers_final"], int)
    for key in ("oem", "isv", "alliance", "broker"):
        assert k["cac_by_channel"][key] is None
        assert k["channel_mix"][key] == 0.0


def test_npv_discounting_months_and_weeks() -> None:
    periods = np.arange(1, 25)
    ts = pd.DataFrame({"period": periods, "revenue_total": 100.0, "contribution_margin": 10.0})
    empty = pd.DataFrame()
    monthly = Scenario.model_validate({"finance": {"discount_rate_annual": 0.12}})
    k = summary_kpis(ts, empty, empty, monthly)
    expected = sum(100.0 * 1.12 ** (-t / 12) for t in periods)
    assert k["revenue_npv"] == pytest.approx(expected)
    assert k["contribution_npv"] == pytest.approx(expected / 10)
    weekly = Scenario.model_validate(
        {"finance": {"discount_rate_annual": 0.12}, "time": {"period": "week"}}
    )
    k = summary_kpis(ts, empty, empty, weekly)
    assert k["revenue_npv"] == pytest.approx(sum(100.0 * 1.12 ** (-t / 52) for t in periods))
    flat = Scenario.model_validate({"finance": {"discount_rate_annual": 0.0}})
    assert summary_kpis(ts, empty, empty, flat)["revenue_npv"] == pytest.approx(2400.0)


def test_kpis_undefined_values_are_none() -> None:
    ts = pd.DataFrame({"period": [1, 2, 3], "adoption": [0.0, 0.0, 0.0]})
    k = summary_kpis(ts, pd.DataFrame(), pd.DataFrame(), Scenario())
    json.dumps(k, allow_nan=False)
    for key in (
        "months_to_50pct_adoption",
        "peak_new_customers_period",
        "partner_revenue_gini",
        "partner_revenue_top20_share",
        "conflict_rate",
        "partner_churn",
        "nrr",
        "grr",
        "distributor_gross_margin",
        "partner_share_of_revenue",
    ):
        assert k[key] is None, key
    assert all(v is None for v in k["cac_by_channel"].values())
    assert all(v is None for v in k["channel_mix"].values())


def test_retention_from_mrr() -> None:
    start = np.array([0.0, 100.0, 50.0, 30.0])
    end = np.array([70.0, 100.0, 0.0, 40.0])  # new, kept, churned, expanded
    r = retention_from_mrr(start, end)
    assert r == Retention(start_mrr=180.0, retained_mrr=130.0, expansion_mrr=10.0)
    ts = pd.DataFrame({"period": [1]})
    k = summary_kpis(ts, pd.DataFrame(), pd.DataFrame(), Scenario(), r)
    assert k["grr"] == pytest.approx(130 / 180)
    assert k["nrr"] == pytest.approx(140 / 180)


def test_json_safe() -> None:
    data: dict[str, Any] = {"a": np.float64("nan"), "b": np.int64(3), "c": [math.inf, 1.5]}
    assert json_safe(data) == {"a": None, "b": 3, "c": [None, 1.5]}


# ------------------------------------------------------------------------- files and folders


def test_parquet_bytes_are_stable(tmp_path: Path) -> None:
    frame = pd.DataFrame({"period": [1, 2], "x": [0.1, 0.2], "s": ["a", "b"]})
    write_parquet(frame, tmp_path / "a.parquet")
    write_parquet(frame.copy(), tmp_path / "b.parquet")
    first = (tmp_path / "a.parquet").read_bytes()
    assert first == (tmp_path / "b.parquet").read_bytes()
    assert b"pandas" not in first
    assert pd.read_parquet(tmp_path / "a.parquet").equals(frame)


def test_check_out_dir(tmp_path: Path) -> None:
    check_out_dir(tmp_path / "new" / "deeper" / "run")
    (tmp_path / "exists").mkdir()
    with pytest.raises(InputError, match="already exists"):
        check_out_dir(tmp_path / "exists")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        check_out_dir(tmp_path / "afile" / "run")
    with pytest.raises(InputError, match="already exists"):
        check_out_dir(tmp_path / "afile")


def test_default_out_dir() -> None:
    path = default_out_dir("baseline", 7)
    assert not path.is_absolute()
    assert path.parent == Path("results")
    assert re.fullmatch(r"baseline-s7-\d{8}T\d{6}Z", path.name)


def test_resolved_header_keeps_the_name(tmp_path: Path) -> None:
    loaded = small_scenario()
    text = resolved_text("my-name", loaded.scenario)
    assert text.startswith('# channelsim resolved scenario: name = "my-name", sha256 = ')
    path = tmp_path / "scenario.resolved.toml"
    path.write_text(text, encoding="utf-8")
    again = load_scenario(str(path))
    assert again.scenario == loaded.scenario
    assert run_name(again) == "my-name"
    # Changed by --set (or edited): the file's own name.
    changed = load_scenario(str(path), ["seed=99"])
    assert run_name(changed) == "scenario.resolved"
    assert run_name(loaded) == loaded.name


def test_failed_run_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.plots

    def boom(*args: object, **kwargs: object) -> list[Path]:
        raise RuntimeError("plotting failed")

    monkeypatch.setattr(sim.plots, "write_run_plots", boom)
    loaded = small_scenario("time.periods=3")
    with pytest.raises(RuntimeError, match="plotting failed"):
        run_scenario(loaded, 1, tmp_path / "out", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_run_scenario_writes_every_file(tmp_path: Path) -> None:
    loaded = small_scenario("time.periods=3")
    result = run_scenario(loaded, 2, tmp_path / "runs" / "one", progress=True)
    assert result.out_dir == tmp_path / "runs" / "one"
    assert result.seed == 2
    assert sorted(p.name for p in result.out_dir.iterdir()) == result.files
    assert set(result.files) == {
        "timeseries.csv",
        "timeseries.parquet",
        "partners.csv",
        "deals.parquet",
        "summary.json",
        "scenario.resolved.toml",
        "revenue_by_channel.png",
        "adoption.png",
        "partners_by_tier.png",
        "conflicts.png",
    }
    # Only the run directory is left in its parent: the temporary folder is gone.
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["one"]
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert summary == result.summary
    assert summary["seed"] == 2 and summary["periods"] == 3
    with pytest.raises(InputError, match="already exists"):
        run_scenario(loaded, 2, result.out_dir, progress=False)


def test_model_step_loop_matches_run() -> None:
    """run_model steps the model itself; it must give what ChannelModel.run gives."""
    loaded = small_scenario("time.periods=6")
    stepped, _ = run_model(loaded, seed=4)
    whole = ChannelModel(loaded.scenario, 4)
    whole.run()
    pd.testing.assert_frame_equal(stepped.metrics.frame(), whole.metrics.frame())
