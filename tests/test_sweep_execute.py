"""Sweep execution: process pool, failures, resume, determinism, SIGKILL of the parent, CLI."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.errors import InputError
from sim.scenario import load_scenario, override_items, scenario_sha256
from sim.sweep import execute, store
from sim.sweep.execute import RunStatus, run_sweep
from sim.sweep.types import RunSpec

BASE = "tiny"
PERIODS = 12


def make_spec(point: int, replication: int, overrides: dict[str, Any]) -> RunSpec:
    """A run of ``tiny`` (12 periods) whose id is the sha256 of its resolved scenario and seed."""
    seed = 100 + replication
    full = {"time.periods": PERIODS, **overrides}
    scenario = load_scenario(BASE, override_items(full)).scenario
    run_id = hashlib.sha256(f"{scenario_sha256(scenario)}:{seed}".encode()).hexdigest()
    return RunSpec(run_id, point, replication, seed, full)


def bad_spec(point: int) -> RunSpec:
    """A run whose override the scenario loader refuses: it raises inside the worker."""
    run_id = hashlib.sha256(f"bad:{point}".encode()).hexdigest()
    return RunSpec(run_id, point, 0, 100, {"time.periods": PERIODS, "partners.var.count": -3})


def grid(points: int, replications: int) -> list[RunSpec]:
    return [
        make_spec(p, r, {"partners.var.count": 2 + p})
        for p in range(points)
        for r in range(replications)
    ]


def run_bytes(sweep_dir: Path) -> dict[str, bytes]:
    runs = sweep_dir / store.RUNS_DIR
    return {p.stem: p.read_bytes() for p in sorted(runs.glob("*.parquet"))}


def sweep(
    runs: list[RunSpec], out: Path, workers: int = 1, resume: bool = False, **kw: Any
) -> execute.SweepSummary:
    return run_sweep(
        BASE, runs, out, name="t", sweep_text="# test\n", workers=workers, resume=resume, **kw
    )


DRIVER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from sim.sweep.execute import run_sweep
    from sim.sweep.types import RunSpec

    if __name__ == "__main__":
        args = json.loads(Path(sys.argv[1]).read_text())
        runs = [RunSpec(**r) for r in args["runs"]]
        summary = run_sweep(
            args["base"], runs, Path(args["out"]), name="driver", sweep_text="",
            workers=args["workers"], resume=args["resume"],
        )
        print(json.dumps({"done": summary.done, "failed": summary.failed}))
    """
)


def start_driver(
    tmp_path: Path,
    runs: list[RunSpec],
    out: Path,
    workers: int,
    env: dict[str, str] | None = None,
    resume: bool = False,
) -> subprocess.Popen[str]:
    """A separate Python process running :func:`run_sweep` (the parent of the pool)."""
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    args = tmp_path / f"args-{out.name}.json"
    records = [
        {
            "run_id": s.run_id,
            "point": s.point,
            "replication": s.replication,
            "seed": s.seed,
            "overrides": s.overrides,
        }
        for s in runs
    ]
    payload = {"base": BASE, "runs": records, "out": str(out), "workers": workers, "resume": resume}
    args.write_text(json.dumps(payload))
    return subprocess.Popen(
        [sys.executable, str(script), str(args)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# ---------------------------------------------------------------------------------------------
# one pooled sweep, shared by several tests
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Six good runs and one failing run on 2 spawned workers (PYTHONHASHSEED=1 in them).

    While the sweep runs, the parent reads the run files through DuckDB after each finished run.
    """
    out = tmp_path_factory.mktemp("pooled") / "sweep"
    runs = [*grid(3, 2), bad_spec(9)]
    reads: list[tuple[set[str], pd.DataFrame]] = []

    def on_status(status: RunStatus) -> None:
        frame = store.load_sweep_frame(out)  # workers keep writing meanwhile
        reads.append((store.finished_run_ids(out), frame))

    mp = pytest.MonkeyPatch()
    mp.setenv("PYTHONHASHSEED", "1")  # inherited by the spawned workers
    try:
        summary = sweep(runs, out, workers=2, on_status=on_status)
    finally:
        mp.undo()
    yield {"out": out, "runs": runs, "summary": summary, "reads": reads}


def test_pooled_sweep_writes_every_good_run(pooled: dict[str, Any]) -> None:
    out, runs, summary = pooled["out"], pooled["runs"], pooled["summary"]
    good = {s.run_id for s in runs[:-1]}
    assert summary.total == 7 and summary.done == 6 and summary.skipped == 0
    assert summary.failed == 1 and summary.failed_ids == (runs[-1].run_id,)
    assert store.finished_run_ids(out) == good
    manifest = store.read_manifest(out)
    assert manifest["sweep_file"] == "# test\n"
    assert [d["run_id"] for d in manifest["design"]] == [s.run_id for s in runs]
    assert sorted(p.name for p in out.iterdir()) == [
        "failed",
        "manifest.json",
        "runs",
        "sweep.parquet",
    ]


def test_failing_run_is_recorded_and_others_complete(pooled: dict[str, Any]) -> None:
    out, bad = pooled["out"], pooled["runs"][-1]
    assert store.failed_run_ids(out) == {bad.run_id}
    text = store.failed_path(out, bad.run_id).read_text()
    assert "Traceback" in text and "InputError" in text and "partners.var.count" in text


def test_run_file_holds_timeseries_and_kpis(pooled: dict[str, Any]) -> None:
    out, spec = pooled["out"], pooled["runs"][0]
    frame = pq.read_table(store.run_path(out, spec.run_id)).to_pandas()
    assert list(frame.columns) == list(store.RUN_COLUMNS)
    assert sorted(set(frame["period"])) == list(range(PERIODS + 1))
    kpis = set(frame.loc[frame["period"] == 0, "metric"])
    assert {"revenue_total", "adoption_final", "channel_mix.direct", "bass_q"} <= kpis
    assert "nrr" not in kpis  # None for a 12-period run: skipped
    per_period = frame[frame["period"] > 0].groupby("period")["metric"].apply(set)
    assert all(m == per_period.iloc[0] for m in per_period)
    assert {"revenue_direct", "adoption", "conflicts"} <= per_period.iloc[0]
    assert (frame["seed"] == spec.seed).all() and (frame["point"] == spec.point).all()


def test_duckdb_reads_while_the_sweep_runs(pooled: dict[str, Any]) -> None:
    reads = pooled["reads"]
    assert len(reads) == 7
    sizes = []
    for finished, frame in reads:
        seen = set(frame["run_id"])
        assert seen <= finished
        sizes.append(len(seen))
        for run_id, rows in frame.groupby("run_id").size().items():  # visible runs are complete
            assert rows == pq.read_metadata(store.run_path(pooled["out"], str(run_id))).num_rows
    assert 0 < min(sizes) < 6 and sizes[-1] == 6


def test_compaction_holds_every_run_exactly_once(pooled: dict[str, Any]) -> None:
    out = pooled["out"]
    compacted = pq.read_table(out / store.SWEEP_FILE).to_pandas()
    per_file = store.load_sweep_frame(out)
    assert set(compacted["run_id"]) == store.finished_run_ids(out)
    assert not compacted.duplicated(["run_id", "period", "metric"]).any()
    # sweep.parquet adds a column per design variable (here the only key that varies)
    design_column = "partners.var.count"
    expected = [*store.RUN_COLUMNS[:4], design_column, *store.RUN_COLUMNS[4:]]
    assert list(compacted.columns) == expected
    compacted = compacted.drop(columns=[design_column])
    pd.testing.assert_frame_equal(compacted, per_file, check_dtype=False)
    wide = store.load_sweep_frame(out, wide=True)
    assert len(wide) == 6
    assert sorted(wide["partners.var.count"].unique()) == [2, 3, 4]


def test_same_bytes_in_process_and_in_a_pool(pooled: dict[str, Any], tmp_path: Path) -> None:
    """1 worker (this process) vs 2 spawned workers with another PYTHONHASHSEED."""
    good = pooled["runs"][:-1]
    summary = sweep(good, tmp_path / "inline", workers=1)
    assert summary.done == 6
    assert run_bytes(tmp_path / "inline") == run_bytes(pooled["out"])


def test_same_bytes_in_another_process_with_another_hash_seed(
    pooled: dict[str, Any], tmp_path: Path
) -> None:
    runs = pooled["runs"][:2]
    out = tmp_path / "other"
    proc = start_driver(tmp_path, runs, out, workers=1, env={"PYTHONHASHSEED": "12345"})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    mine = run_bytes(pooled["out"])
    assert run_bytes(out) == {s.run_id: mine[s.run_id] for s in runs}


# ---------------------------------------------------------------------------------------------
# in-process: resume, failures, directories
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Callable[[set[str]], list[str]]:
    """Count model runs in this process; runs whose id is in ``fail`` raise."""
    real = execute.compute_run

    def install(fail: set[str]) -> list[str]:
        calls: list[str] = []

        def compute(base_source: str, spec: RunSpec) -> pa.Table:
            calls.append(spec.run_id)
            if spec.run_id in fail:
                raise RuntimeError(f"boom in {spec.run_id[:8]}")
            return real(base_source, spec)

        monkeypatch.setattr(execute, "compute_run", compute)
        return calls

    return install


def test_resume_skips_finished_runs_and_retries_failed(
    tmp_path: Path, counting: Callable[[set[str]], list[str]]
) -> None:
    runs = grid(2, 2)
    out = tmp_path / "s"
    calls = counting({runs[1].run_id})
    first = sweep(runs, out)
    assert (first.done, first.failed, first.skipped) == (3, 1, 0)
    assert len(calls) == 4
    assert "boom in" in store.failed_path(out, runs[1].run_id).read_text()
    before = run_bytes(out)

    calls = counting(set())
    (out / store.RUNS_DIR / f".{runs[1].run_id}.4242.tmp").write_bytes(b"stale")
    second = sweep(runs, out, resume=True)
    assert calls == [runs[1].run_id]  # only the failed run ran again
    assert (second.done, second.failed, second.skipped) == (1, 0, 3)
    assert store.failed_run_ids(out) == set()
    assert store.finished_run_ids(out) == {s.run_id for s in runs}
    assert not list((out / store.RUNS_DIR).glob(".*"))
    after = run_bytes(out)
    assert {k: after[k] for k in before} == before

    calls = counting(set())
    third = sweep(runs, out, resume=True)
    assert calls == [] and (third.done, third.skipped) == (0, 4)


def test_a_chunk_that_cannot_run_is_recorded(tmp_path: Path) -> None:
    class Broken(execute.InlineExecutor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("pool is broken")

    runs = grid(1, 2)
    summary = sweep(runs, tmp_path / "s", executor=Broken())
    assert summary.failed == 2 and summary.done == 0
    assert "pool is broken" in store.failed_path(tmp_path / "s", runs[0].run_id).read_text()


def test_new_sweep_refuses_an_existing_directory(tmp_path: Path) -> None:
    out = tmp_path / "s"
    out.mkdir()
    with pytest.raises(InputError, match="already exists"):
        sweep(grid(1, 1), out)
    assert list(out.iterdir()) == []


def test_resume_refuses_another_design_or_no_directory(tmp_path: Path) -> None:
    runs = grid(1, 1)
    out = tmp_path / "s"
    with pytest.raises(InputError, match="no such sweep directory"):
        sweep(runs, out, resume=True)
    store_dir = out
    store_dir.mkdir()
    store.write_manifest(store_dir, store.manifest_document("t", BASE, "", runs))
    other = [make_spec(0, 0, {"partners.var.count": 5})]
    with pytest.raises(InputError, match="does not match"):
        sweep(other, out, resume=True)


def test_chunking() -> None:
    assert execute.chunk_size(1000, 2) == 16
    assert execute.chunk_size(24, 2) == 3
    assert execute.chunk_size(3, 8) == 1
    chunks = execute.make_chunks(grid(1, 1) * 5, 2)
    assert [len(c) for c in chunks] == [2, 2, 1]


def test_override_args_are_toml() -> None:
    args = override_items({"a.b": 3, "c": 0.5, "d": "x y", "e": [1, 2], "f": {"g": True}})
    assert args[:3] == ["a.b=3", "c=0.5", 'd="x y"']
    assert args[3].startswith("e=[") and args[4] == "f.g=true"


# ---------------------------------------------------------------------------------------------
# SIGKILL of the parent
# ---------------------------------------------------------------------------------------------


def _children(pid: int) -> dict[int, str]:
    """Live children of ``pid`` (pid → start time), from /proc."""
    out: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(int(entry))
        if fields is not None and fields[1] == str(pid):
            out[int(entry)] = fields[19]
    return out


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _alive(pid: int, start: str) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[19] == start and fields[0] not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_the_parent_leaves_no_worker_and_resume_completes(
    tmp_path: Path,
) -> None:
    runs = [make_spec(p, r, {"partners.var.count": 1 + p}) for p in range(8) for r in range(3)]
    out = tmp_path / "killed"
    proc = start_driver(tmp_path, runs, out, workers=2)
    children: dict[int, str] = {}
    deadline = time.monotonic() + 60
    try:
        while len(store.finished_run_ids(out)) < 3:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "no run files after 60 s"
            children.update(_children(proc.pid))
            time.sleep(0.05)
        children.update(_children(proc.pid))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert len(children) >= 2  # the pool's workers (and multiprocessing's resource tracker)
    deadline = time.monotonic() + 10
    while any(_alive(pid, start) for pid, start in children.items()):
        assert time.monotonic() < deadline, "workers survived their parent"
        time.sleep(0.05)

    finished_before = run_bytes(out)
    assert 3 <= len(finished_before) < len(runs)
    summary = sweep(runs, out, workers=1, resume=True)
    assert summary.failed == 0
    assert summary.skipped == len(finished_before)
    assert summary.done + summary.skipped == len(runs)
    after = run_bytes(out)
    assert set(after) == {s.run_id for s in runs}
    assert {k: after[k] for k in finished_before} == finished_before
    assert sorted(p.name for p in (out / store.RUNS_DIR).iterdir()) == sorted(
        f"{s.run_id}.parquet" for s in runs
    )
    compacted = pq.read_table(out / store.SWEEP_FILE).to_pandas()
    assert compacted.groupby("run_id")["period"].min().eq(0).all()
    assert compacted["run_id"].nunique() == len(runs)
    assert not compacted.duplicated(["run_id", "period", "metric"]).any()


# ---------------------------------------------------------------------------------------------
# the command line (with a stand-in for the sweep file loader and the design)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def fake_sweep_modules(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[list[RunSpec]], Path]:
    """Stand-ins for ``sim.sweep.spec`` / ``sim.sweep.design``; returns a sweep file's path."""

    def install(runs: list[RunSpec]) -> Path:
        # the real reports module, imported before the stand-ins (it imports from both)
        importlib.import_module("sim.sweep.reports")
        path = tmp_path / "quick.toml"
        path.write_text("# a sweep\n")

        class Loaded:
            def __init__(self, p: Path) -> None:
                self.spec = None
                self.path = p
                self.base_source = BASE
                self.name = "quick"

        spec_mod = types.ModuleType("sim.sweep.spec")
        spec_mod.load_sweep = lambda p: Loaded(Path(p))  # type: ignore[attr-defined]
        vars(spec_mod).update(LoadedSweep=Loaded, SweepSpec=Loaded)
        vars(spec_mod).update(with_command_line=lambda loaded, *_: loaded)
        design_mod = types.ModuleType("sim.sweep.design")
        design_mod.design_runs = lambda loaded: list(runs)  # type: ignore[attr-defined]
        # sim.sweep.reports (the saturation files after a sweep) imports these; unused here
        vars(design_mod).update(problem_of=None, unit_design=None)
        monkeypatch.setitem(sys.modules, "sim.sweep.spec", spec_mod)
        monkeypatch.setitem(sys.modules, "sim.sweep.design", design_mod)
        return path

    return install


def _cli(*args: str) -> int:
    from sim.cli import app

    return int(app(args=list(args), standalone_mode=False))


def test_cli_sweep_exit_statuses(
    tmp_path: Path,
    fake_sweep_modules: Callable[[list[RunSpec]], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    runs = grid(1, 2)
    path = fake_sweep_modules([*runs, bad_spec(5)])
    out = tmp_path / "out"
    assert _cli("sweep", str(path), "--workers", "1", "--out", str(out), "--quiet") == 1
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    assert "run failed: " + bad_spec(5).run_id in captured.err
    assert (out / store.SWEEP_FILE).is_file()

    # the directory exists: bad input
    assert _cli("sweep", str(path), "--workers", "1", "--out", str(out), "--quiet") == 2
    assert "already exists" in capsys.readouterr().err
    # --resume without --out, or of another design: bad input
    assert _cli("sweep", str(path), "--resume") == 2
    assert "--out" in capsys.readouterr().err
    fake_sweep_modules(runs)
    assert _cli("sweep", str(path), "--out", str(out), "--resume", "--quiet") == 2
    assert "does not match" in capsys.readouterr().err

    # a clean sweep, then a resume that has nothing left to do
    clean = tmp_path / "clean"
    assert _cli("sweep", str(path), "--workers", "1", "--out", str(clean)) == 0
    assert "2 runs: 2 done, 0 finished before, 0 failed" in capsys.readouterr().out
    assert _cli("sweep", str(path), "--workers", "1", "--out", str(clean), "--resume") == 0
    assert "2 runs: 0 done, 2 finished before, 0 failed" in capsys.readouterr().out
