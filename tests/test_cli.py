"""The ``channelsim`` command line: run, validate, scenarios, exit statuses and messages."""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.metrics import COLUMNS
from sim.names import PARTNER_TYPES, SEGMENTS
from sim.scenario import list_shipped

REPO = Path(__file__).resolve().parents[1]

SMALL: list[str] = (
    ["tiny"]
    if "tiny" in {name for name, _ in list_shipped()}
    else ["baseline", "--set", "market.customers=600", "--set", "time.periods=24"]
)
"""A small scenario longer than 12 months (NRR and GRR are defined)."""

DATA_FILES = (
    "timeseries.csv",
    "timeseries.parquet",
    "partners.csv",
    "deals.parquet",
    "summary.json",
    "scenario.resolved.toml",
)
PLOTS = ("revenue_by_channel.png", "adoption.png", "partners_by_tier.png", "conflicts.png")

CHANNELS = ("direct", *PARTNER_TYPES)
TIMESERIES_COLUMNS = (
    "period",
    *(f"revenue_{c}" for c in CHANNELS),
    "revenue_total",
    "arr",
    "mrr",
    "billings",
    "cumulative_cash",
    "bookings",
    "cogs",
    "direct_sales_cost",
    "mdf",
    "commissions",
    "rebates_bonuses",
    "fees",
    "program_overhead",
    "vendor_costs",
    "contribution_margin",
    "cost_of_channel",
    "direct_cost_of_sales",
    "revenue_partner_sourced",
    "revenue_partner_fulfilled",
    "customers_active",
    "adoption",
    "aware_share",
    "new_customers",
    "churned_customers",
    *(f"churned_{s}" for s in SEGMENTS),
    "lost_to_rival",
    "opportunities_won",
    "opportunities_lost",
    "win_rate",
    "cycle_length_months",
    "conflicts",
    "conflicts_direct",
    "conflicts_store",
    "conflicts_partner",
    "opportunities_partner_bid",
    *(f"partners_active_{t}" for t in PARTNER_TYPES),
    *(f"partner_profit_{t}" for t in PARTNER_TYPES),
    "partners_profitable_share",
    "trust_mean",
    "commitment_mean",
    "margin_pool_vendor",
    "margin_pool_distributor",
    "margin_pool_resellers",
    "margin_pool_services",
)
PARTNERS_COLUMNS = (
    "partner_id",
    "type",
    "tier",
    "territories",
    "revenue",
    "resale_margin",
    "services_revenue",
    "mdf_received",
    "rebates",
    "costs",
    "profit",
    "win_rate",
    "conflicts_lost_to_direct",
    "conflicts_lost_to_store",
    "conflicts_lost_to_partner",
    "commitment",
    "trust",
    "onboarded_period",
    "exited_period",
)
DEALS_COLUMNS = (
    "period",
    "account",
    "segment",
    "territory",
    "seller",
    "parties",
    "registered",
    "conflict",
    "list_amount",
    "customer_discount",
    "customer_price",
    "reseller_margin",
    "distributor_margin",
    "vendor_net",
    "outcome",
)
SUMMARY_KEYS = (
    "seed",
    "version",
    "scenario_sha256",
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
    "store_conflict_rate",
    "partner_conflict_rate",
    "partner_churn",
    "cac_by_channel",
    "nrr",
    "grr",
)


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sim ARGS`` in a fresh process."""
    full_env = {k: v for k, v in os.environ.items() if k != "CHANNELSIM_DEBUG"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=600,
        check=False,
    )


runner = CliRunner()


def invoke(args: Sequence[str]) -> tuple[int, str, str]:
    """Run the CLI in this process; return (exit status, stdout, stderr)."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_plain_problems(stderr: str) -> list[str]:
    """Bad input: plain lines, no traceback, no rich box."""
    assert "Traceback" not in stderr
    for ch in "╭╮╰╯│─":
        assert ch not in stderr
    lines = problem_lines(stderr)
    assert lines
    return lines


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------------- help, lists


def test_help_lists_commands() -> None:
    code, out, _ = invoke(["--help"])
    assert code == 0
    for command in ("run", "validate", "scenarios", "check-model"):
        assert command in out


def test_version() -> None:
    import sim

    code, out, _ = invoke(["--version"])
    assert code == 0
    assert out == f"channelsim {sim.__version__}\n"


def test_help_does_not_import_heavy_modules() -> None:
    probe = (
        "import sys\n"
        "from sim.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['numpy', 'pandas', 'mesa', 'matplotlib', 'scipy', 'sim.model', 'sim.scenario']\n"
        "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:"


@pytest.mark.slow
def test_python_dash_m_sim_help() -> None:
    done = cli("--help")
    assert done.returncode == 0, done.stderr
    assert "run" in done.stdout and "validate" in done.stdout


def test_scenarios_lists_baseline() -> None:
    code, out, err = invoke(["scenarios"])
    assert code == 0, err
    assert "baseline" in out
    assert "Mid-size vendor" in out or "baseline" in out


def test_validate_ok() -> None:
    code, out, err = invoke(["validate", "baseline"])
    assert code == 0, err
    assert re.fullmatch(r"ok: .*baseline\.toml \(baseline\)\n", out)
    assert err == ""


def test_validate_with_set_ok() -> None:
    code, out, _ = invoke(["validate", "baseline", "--set", "market.customers=500"])
    assert code == 0
    assert out.startswith("ok: ")


def test_no_command_shows_help() -> None:
    code, out, _ = invoke([])
    assert code == 2
    assert "run" in out


# ---------------------------------------------------------------------------- bad input (2)

BAD_FILES: dict[str, tuple[bytes, list[str]]] = {
    # name: (content, one expected fragment per problem line)
    "unknown_key": (
        b'extends = "baseline"\n[market]\ncustomrs = 5\n',
        ["market.customrs: unknown key; did you mean 'customers'?"],
    ),
    "wrong_type": (b'[time]\nperiods = "x"\n', ["time.periods: 'x' is not accepted"]),
    "out_of_range": (b"[partners.var]\ncount = -3\n", ["partners.var.count: -3 is not accepted"]),
    "unknown_enum": (
        b'[program.conflict]\nrule = "bogus"\n',
        ["program.conflict.rule: 'bogus' is not accepted; expected one of"],
    ),
    "several": (
        b'[market]\ncustomrs = 5\n[time]\nperiods = "x"\n',
        ["market.customrs: unknown key", "time.periods: 'x' is not accepted"],
    ),
    "empty": (b"", ["file is empty"]),
    "not_utf8": (b"seed = 1\ndescription = '\xff\xfe'\n", ["line 2: file is not UTF-8"]),
    "syntax": (b"seed = 1\n[market\ncustomers = 5\n", ["line 2, column 8: TOML syntax error"]),
    "dangling_extends": (b'extends = "no_such_parent"\n', ["extends: 'no_such_parent'"]),
}


@pytest.mark.parametrize("command", ["run", "validate"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_files(tmp_path: Path, case: str, command: str) -> None:
    content, fragments = BAD_FILES[case]
    path = tmp_path / f"{case}.toml"
    path.write_bytes(content)
    args = [command, str(path)]
    if command == "run":
        args += ["--out", str(tmp_path / "out")]
    code, out, err = invoke(args)
    assert code == 2, (out, err)
    lines = assert_plain_problems(err)
    assert len(lines) == len(fragments), lines
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, lines)
    for line in lines:
        assert line.startswith(str(path) + ": "), line
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


BAD_SETS: dict[str, tuple[list[str], list[str]]] = {
    "no_equals": (["--set", "foo"], ["--set: foo: no '='"]),
    "empty_key": (["--set", "=3"], ["--set: =3: empty key"]),
    "unknown_set_key": (
        ["--set", "market.customerz=5"],
        ["--set: market.customerz=5: unknown key; did you mean 'customers'?"],
    ),
    "set_out_of_range": (["--set", "market.customers=0"], ["--set: market.customers=0: 0 is"]),
    "broker_fee_out_of_range": (
        ["--set", "partners.broker.referral_fee=1.5"],
        ["--set: partners.broker.referral_fee=1.5: 1.5 is not accepted"],
    ),
    "rule_needs_registration": (
        ["--set", "program.conflict.rule=registered_wins"],
        ["--set: program.conflict.rule=registered_wins:", "program.deal_registration.enabled"],
    ),
    "periods_out_of_range": (["--periods", "0"], ["--periods: 0: 0 is not accepted"]),
    "periods_too_long": (["--periods", "5000"], ["--periods: 5000: 5000 is not accepted"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SETS))
def test_bad_overrides(tmp_path: Path, case: str) -> None:
    extra, fragments = BAD_SETS[case]
    code, out, err = invoke(["run", "baseline", *extra, "--out", str(tmp_path / "out")])
    assert code == 2, (out, err)
    lines = assert_plain_problems(err)
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--seed", "abc"], "--seed"),
        (["--seed", "-1"], "--seed"),
        (["--periods", "x"], "--periods"),
        (["--bogus"], "--bogus"),
    ],
)
def test_bad_options(tmp_path: Path, args: list[str], fragment: str) -> None:
    code, _, err = invoke(["run", "baseline", *args, "--out", str(tmp_path / "out")])
    assert code == 2
    lines = assert_plain_problems(err)
    assert len(lines) == 1 and fragment in lines[0], lines
    assert list(tmp_path.iterdir()) == []


def test_unknown_command() -> None:
    code, _, err = invoke(["rn", "baseline"])
    assert code == 2
    lines = assert_plain_problems(err)
    assert len(lines) == 1 and "'run'" in lines[0]


def test_unknown_scenario(tmp_path: Path) -> None:
    code, _, err = invoke(["run", "no_such_scenario", "--out", str(tmp_path / "out")])
    assert code == 2
    lines = assert_plain_problems(err)
    assert len(lines) == 1 and lines[0].startswith("no_such_scenario: no such file")
    assert list(tmp_path.iterdir()) == []


def test_existing_out_dir(tmp_path: Path) -> None:
    out = tmp_path / "exists"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = invoke(["run", "baseline", "--out", str(out)])
    assert code == 2
    lines = assert_plain_problems(err)
    assert lines == [
        f"{out}: output directory already exists; expected a path that does not exist "
        "(a run never overwrites another)"
    ]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists"]


def test_unwritable_out_dir(tmp_path: Path) -> None:
    # Tests may run as root, where permissions do not stop writes: use a parent that is a file.
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "out"
    code, _, err = invoke(["run", "baseline", "--out", str(out)])
    assert code == 2
    lines = assert_plain_problems(err)
    assert len(lines) == 1 and lines[0].startswith(f"{out}: cannot create the output directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_scenario_and_out_dir_problems_together(tmp_path: Path) -> None:
    out = tmp_path / "exists"
    out.mkdir()
    code, _, err = invoke(["run", "baseline", "--set", "foo", "--out", str(out)])
    assert code == 2
    lines = assert_plain_problems(err)
    assert len(lines) == 2
    assert lines[0].startswith("--set: foo") and lines[1].startswith(f"{out}: ")


@pytest.mark.slow
def test_bad_input_in_a_fresh_process(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[market]\ncustomrs = 5\n[time]\nperiods = "x"\n')
    done = cli("run", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    lines = assert_plain_problems(done.stderr)
    assert len(lines) == 2
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]
    done = cli("validate", "baseline", "--set", "partners.oem.territories_each=9")
    assert done.returncode == 2
    assert "partners.oem.territories_each" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------------ internal errors (1)


def test_internal_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.run

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("model exploded\nsecond line")

    monkeypatch.setattr(sim.run, "run_model", broken)
    monkeypatch.delenv("CHANNELSIM_DEBUG", raising=False)
    code, _, err = invoke(["run", "baseline", "--out", str(tmp_path / "out")])
    assert code == 1
    assert err == "internal error: RuntimeError: model exploded second line\n"
    assert list(tmp_path.iterdir()) == []

    monkeypatch.setenv("CHANNELSIM_DEBUG", "1")
    code, _, err = invoke(["run", "baseline", "--out", str(tmp_path / "out")])
    assert code == 1
    assert err.startswith("internal error: RuntimeError: model exploded second line\n")
    assert "Traceback" in err
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run in a fresh process (seed 5)."""
    out = tmp_path_factory.mktemp("runs") / "first"
    done = cli("run", *SMALL, "--seed", "5", "--out", str(out), env={"PYTHONHASHSEED": "1"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert str(out) in done.stdout
    return out


@pytest.mark.slow
def test_run_writes_every_file(first_run: Path) -> None:
    names = {p.name for p in first_run.iterdir()}
    assert names == set(DATA_FILES) | set(PLOTS)
    for plot in PLOTS:
        assert (first_run / plot).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.slow
def test_timeseries_columns(first_run: Path) -> None:
    csv = pd.read_csv(first_run / "timeseries.csv")
    parquet = pd.read_parquet(first_run / "timeseries.parquet")
    for column in TIMESERIES_COLUMNS:
        assert column in csv.columns, column
    assert list(csv.columns) == list(COLUMNS)
    assert list(parquet.columns) == list(csv.columns)
    assert csv["period"].tolist() == list(range(1, len(csv) + 1))
    assert parquet["period"].tolist() == csv["period"].tolist()
    revenue = csv[[f"revenue_{c}" for c in CHANNELS]].sum(axis=1)
    assert (revenue - csv["revenue_total"]).abs().max() < 1e-6 * max(1.0, revenue.max())
    assert csv["adoption"].between(0, 1).all()
    metadata = pq.read_metadata(first_run / "timeseries.parquet").metadata or {}
    assert b"pandas" not in metadata


@pytest.mark.slow
def test_partners_and_deals_columns(first_run: Path) -> None:
    partners = pd.read_csv(first_run / "partners.csv", keep_default_na=False)
    for column in PARTNERS_COLUMNS:
        assert column in partners.columns, column
    assert partners["partner_id"].iloc[0] == "direct"
    assert partners["partner_id"].is_unique
    deals = pd.read_parquet(first_run / "deals.parquet")
    for column in DEALS_COLUMNS:
        assert column in deals.columns, column
    assert set(deals["outcome"]) <= {"won", "rival", "no_decision"}
    sellers = set(deals["seller"]) - {""}
    assert sellers <= set(partners["partner_id"])


@pytest.mark.slow
def test_summary_json(first_run: Path) -> None:
    text = (first_run / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text)
    for key in SUMMARY_KEYS:
        assert key in summary, key
    assert summary["seed"] == 5
    assert summary["scenario"] == SMALL[0]
    assert re.fullmatch(r"[0-9a-f]{64}", summary["scenario_sha256"])
    assert "NaN" not in text and "Infinity" not in text
    assert list(summary) == sorted(summary)
    assert set(summary["channel_mix"]) == set(CHANNELS)
    assert summary["nrr"] is not None and summary["grr"] is not None


@pytest.mark.slow
def test_same_seed_same_bytes(first_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "second"
    done = cli("run", *SMALL, "--seed", "5", "--out", str(out), env={"PYTHONHASHSEED": "2"})
    assert done.returncode == 0, done.stderr
    first, second = snapshot(first_run), snapshot(out)
    assert set(first) == set(second)
    for name in DATA_FILES:
        assert first[name] == second[name], name


@pytest.mark.slow
def test_resolved_scenario_reproduces_the_run(first_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    resolved = first_run / "scenario.resolved.toml"
    done = cli("run", str(resolved), "--seed", "5", "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    first, again = snapshot(first_run), snapshot(out)
    for name in DATA_FILES:
        assert first[name] == again[name], name
    done = cli("validate", str(resolved))
    assert done.returncode == 0 and done.stdout.strip().endswith(f"({SMALL[0]})")


@pytest.mark.slow
def test_run_never_overwrites(first_run: Path) -> None:
    before = snapshot(first_run)
    done = cli("run", *SMALL, "--seed", "6", "--out", str(first_run))
    assert done.returncode == 2
    lines = assert_plain_problems(done.stderr)
    assert len(lines) == 1 and "already exists" in lines[0]
    assert snapshot(first_run) == before
    leftovers = [p.name for p in first_run.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


@pytest.mark.slow
def test_run_default_out_dir_and_summary_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    frozen = gc.get_freeze_count()
    code, out, err = invoke(["run", *SMALL, "--seed", "3", "--periods", "3"])
    assert code == 0, err
    # In a process that goes on (here: the test run), the collector is left as it was: running
    # again, and nothing frozen (only the `channelsim` process itself freezes its imports).
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    runs = list((tmp_path / "results").iterdir())
    assert len(runs) == 1
    assert re.fullmatch(rf"{SMALL[0]}-s3-\d{{8}}T\d{{6}}Z", runs[0].name)
    assert "revenue total" in out
    assert str(Path("results") / runs[0].name) in out
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert summary["periods"] == 3 and summary["seed"] == 3
