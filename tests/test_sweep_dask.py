"""Sweeps on a Dask cluster: the run files of the local pool; a bad scheduler is bad input.

The test starts its own ``distributed.LocalCluster`` (two worker processes, one thread each) and
points ``channelsim sweep --scheduler`` at it. Starting and stopping the cluster emits no
warning with distributed 2026.8, so no warning filter is needed here; should a later release
warn on shutdown, filter that one message in this module (``pytestmark``), never globally.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.sweep import dask_backend, store

SWEEP = textwrap.dedent(
    """
    description = "Dask test: 3 VAR counts x 2 replications of tiny over 6 months"
    base = "tiny"
    set = ["time.periods=6"]
    method = "grid"
    replications = 2
    seed = 3
    kpis = ["revenue_total", "contribution_total"]

    [[levers]]
    key = "partners.var.count"
    values = [2, 4, 6]
    """
)


def _cli(*args: str) -> int:
    from sim.cli import app

    return int(app(args=list(args), standalone_mode=False))


def _run_files(sweep_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((sweep_dir / store.RUNS_DIR).glob("*.parquet"))}


@pytest.fixture(scope="module")
def scheduler_address() -> Iterator[str]:
    """A LocalCluster of two single-threaded worker processes, started by the test."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


@pytest.mark.slow
def test_dask_and_local_pool_write_the_same_bytes(
    scheduler_address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep_file = tmp_path / "small.toml"
    sweep_file.write_text(SWEEP, encoding="utf-8")
    on_dask = tmp_path / "dask"
    local = tmp_path / "local"

    code = _cli("sweep", str(sweep_file), "--scheduler", scheduler_address, "--out", str(on_dask))
    assert code == 0, capsys.readouterr().err
    assert "6 runs: 6 done, 0 finished before, 0 failed" in capsys.readouterr().out
    assert _cli("sweep", str(sweep_file), "--workers", "2", "--out", str(local), "-q") == 0
    capsys.readouterr()

    dask_files, local_files = _run_files(on_dask), _run_files(local)
    assert len(dask_files) == 6
    assert dask_files == local_files
    assert not list((on_dask / store.FAILED_DIR).iterdir())
    assert (on_dask / store.SWEEP_FILE).is_file()
    frame = store.load_sweep_frame(on_dask, wide=True)
    assert len(frame) == 6 and frame["revenue_total"].notna().all()

    # resuming on the cluster finds nothing left to do
    code = _cli(
        "sweep", str(sweep_file), "--scheduler", scheduler_address, "--out", str(on_dask),
        "--resume",
    )  # fmt: skip
    assert code == 0
    assert "6 runs: 0 done, 6 finished before, 0 failed" in capsys.readouterr().out


def test_unreachable_scheduler_is_bad_input_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 2.0)
    sweep_file = tmp_path / "small.toml"
    sweep_file.write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    address = "tcp://127.0.0.1:1"  # port 1: nothing listens there

    start = time.perf_counter()
    code = _cli("sweep", str(sweep_file), "--scheduler", address, "--out", str(out), "-q")
    elapsed = time.perf_counter() - start
    captured = capsys.readouterr()
    assert code == 2
    assert elapsed < 8.0
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert address in lines[0] and "cannot reach" in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml"]


@pytest.mark.parametrize("address", ["foo://host:8786", "host", "tcp://host:port"])
def test_malformed_scheduler_address_is_bad_input(
    address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep_file = tmp_path / "small.toml"
    sweep_file.write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    assert _cli("sweep", str(sweep_file), "--scheduler", address, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "--scheduler" in err and "tcp://HOST:8786" in err
    assert not out.exists()


def test_workers_and_scheduler_together_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep_file = tmp_path / "small.toml"
    sweep_file.write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    code = _cli(
        "sweep", str(sweep_file), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1",
        "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert "not accepted with --scheduler" in capsys.readouterr().err
    assert not out.exists()
