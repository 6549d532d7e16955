"""Run a sweep's design: many runs of one base scenario, batched over worker processes.

Execution model:

* The runs still to do are cut into chunks of consecutive runs (about four chunks per worker,
  at most :data:`MAX_CHUNK` runs each), so that the cost of scheduling a task is spread over
  several runs.
* Each chunk is one task, :func:`run_chunk`, submitted to a :class:`concurrent.futures.Executor`.
  The task runs its runs one after the other and writes each run's file itself
  (:func:`sim.sweep.store.write_run`, atomic), or its error file when it raised; it returns only
  ``(run_id, ok)`` per run. The parent never holds results, so its memory stays flat however
  long the sweep, and at most a few chunks per worker are in flight at any time.
* The default executor is a local process pool with the ``spawn`` start method (no ``fork``: the
  parent may hold threads whose state a fork would copy undefined); with one worker the runs
  execute in this process (:class:`InlineExecutor`). Any other
  :class:`concurrent.futures.Executor` works as well — a Dask cluster, for example, through
  ``distributed.Client(address).get_executor(pure=False)``, provided its workers see the
  sweep directory.

Workers exit with their parent. Each pool worker, when it starts (:func:`_worker_init`), asks
Linux to send it SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` through
ctypes) and, as a second line on every platform, starts a daemon thread that polls
``os.getppid()`` every :data:`PARENT_POLL_SECONDS` and calls ``os._exit(1)`` once it changes (the
orphan has been re-parented). A run killed while writing leaves only a temporary file, which
``--resume`` removes (:func:`sim.sweep.store.clear_stale`); a finished run's file is complete or
absent, so a resumed sweep neither loses nor duplicates a run.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import InputError
from sim.pools import check_main_guard, spawn_context
from sim.progress import runs_progress, wants_progress
from sim.run import flatten_kpis, simulate
from sim.rundir import check_out_dir
from sim.scenario import load_scenario, override_items
from sim.sweep import store
from sim.sweep.types import RunSpec

if TYPE_CHECKING:
    import pyarrow as pa

RUNS_PER_WORKER = 4
"""Target number of chunks per worker (load balance against scheduling overhead)."""

MAX_CHUNK = 16
"""At most this many runs per chunk."""

IN_FLIGHT_PER_WORKER = 2
"""Chunks submitted ahead per worker; more are submitted as chunks finish."""

PARENT_POLL_SECONDS = 0.5
"""How often a worker's watchdog thread checks that its parent is alive."""

_PR_SET_PDEATHSIG = 1
"""``PR_SET_PDEATHSIG`` of ``<linux/prctl.h>``."""


@dataclass(frozen=True)
class ChunkTask:
    """A batch of runs executed by one task.

    Attributes:
        base_source: The base scenario (a path or a shipped scenario's name).
        sweep_dir: The sweep directory (absolute), where the task writes its run files.
        runs: The runs, executed in order.
    """

    base_source: str
    sweep_dir: str
    runs: tuple[RunSpec, ...]


@dataclass(frozen=True)
class RunStatus:
    """What a task reports for one run.

    Attributes:
        run_id: The run.
        ok: True when its run file was written, False when it raised (see ``failed/``).
    """

    run_id: str
    ok: bool


@dataclass(frozen=True)
class SweepSummary:
    """The outcome of executing a sweep's design.

    Attributes:
        sweep_dir: The sweep directory.
        total: Distinct runs in the design.
        done: Runs that finished in this invocation.
        failed: Runs that raised in this invocation (their errors are in ``failed/``).
        skipped: Runs already finished before (``--resume``).
        failed_ids: The ids of the failed runs, sorted.
        seconds: Wall time of the execution.
    """

    sweep_dir: Path
    total: int
    done: int
    failed: int
    skipped: int
    failed_ids: tuple[str, ...] = field(default_factory=tuple)
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# one run (worker side)
# ---------------------------------------------------------------------------------------------


def compute_run(base_source: str, spec: RunSpec) -> pa.Table:
    """Run one design point with one seed and build its long-format table.

    The KPIs are those of ``channelsim compare`` (:attr:`sim.run.RunResult.kpis`, flattened by
    :func:`sim.run.flatten_kpis`).

    Args:
        base_source: The base scenario.
        spec: The run.

    Returns:
        The run's table (:func:`sim.sweep.store.run_table`).

    Raises:
        Exception: Whatever the scenario or the model raises.
    """
    loaded = load_scenario(base_source, override_items(spec.overrides))
    result = simulate(loaded, spec.seed)
    return store.run_table(spec, result.timeseries, flatten_kpis(result.kpis))


def run_one(base_source: str, sweep_dir: Path, spec: RunSpec) -> RunStatus:
    """Run one run and write its file, or its error file when it raises; never raises.

    Args:
        base_source: The base scenario.
        sweep_dir: The sweep directory.
        spec: The run.

    Returns:
        Its status.
    """
    try:
        table = compute_run(base_source, spec)
        store.write_run(sweep_dir, table, spec.run_id)
    except Exception as exc:
        text = "".join(traceback.format_exception(exc))
        store.write_failure(sweep_dir, spec.run_id, text)
        return RunStatus(spec.run_id, ok=False)
    store.clear_failure(sweep_dir, spec.run_id)
    return RunStatus(spec.run_id, ok=True)


def run_chunk(task: ChunkTask) -> list[RunStatus]:
    """Run a chunk of runs one after the other (the task a worker executes).

    Module-level and picklable, for process pools and Dask alike.

    Args:
        task: The chunk.

    Returns:
        One status per run, in order.
    """
    return [run_one(task.base_source, Path(task.sweep_dir), spec) for spec in task.runs]


# ---------------------------------------------------------------------------------------------
# executors
# ---------------------------------------------------------------------------------------------


def _set_parent_death_signal() -> None:
    """On Linux, ask the kernel to SIGKILL this process when its parent dies (best effort)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watch_parent(parent_pid: int) -> None:
    """Exit the process at once when it has been orphaned (its parent pid changed)."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        time.sleep(PARENT_POLL_SECONDS)


def _worker_init(parent_pid: int) -> None:
    """Initializer of a pool worker: die with the parent (see the module docstring).

    Args:
        parent_pid: The pid of the process that started the pool.
    """
    _set_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="channelsim-parent-watch", daemon=True
    ).start()


class InlineExecutor(Executor):
    """An executor that runs each task at once in the calling thread (one worker, no pool)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` now; return a finished future with its result or error."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def default_workers() -> int:
    """The default number of workers: the number of cores."""
    return max(1, os.cpu_count() or 1)


def local_executor(workers: int) -> Executor:
    """The local executor for ``workers`` workers.

    Args:
        workers: Worker processes; 1 runs in this process.

    Returns:
        An :class:`InlineExecutor`, or a ``spawn`` process pool whose workers exit with this
        process.

    Raises:
        UnguardedMainError: See :func:`sim.pools.check_main_guard`.
    """
    if workers <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=spawn_context(f"sweep with {workers} workers"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


def chunk_size(runs: int, workers: int) -> int:
    """Runs per chunk: about :data:`RUNS_PER_WORKER` chunks per worker, 1 … :data:`MAX_CHUNK`.

    Args:
        runs: Runs to execute.
        workers: Workers.

    Returns:
        The chunk size.
    """
    return max(1, min(MAX_CHUNK, math.ceil(runs / (RUNS_PER_WORKER * max(1, workers)))))


def make_chunks(runs: Sequence[RunSpec], size: int) -> list[tuple[RunSpec, ...]]:
    """Cut ``runs`` into consecutive chunks of ``size`` runs (the last may be shorter)."""
    return [tuple(runs[i : i + size]) for i in range(0, len(runs), size)]


# ---------------------------------------------------------------------------------------------
# progress
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# execution
# ---------------------------------------------------------------------------------------------


def _unique(runs: Iterable[RunSpec]) -> list[RunSpec]:
    """The runs in their order, each run id once (the first of duplicates kept)."""
    seen: set[str] = set()
    out: list[RunSpec] = []
    for spec in runs:
        if spec.run_id not in seen:
            seen.add(spec.run_id)
            out.append(spec)
    return out


def execute_runs(
    base_source: str,
    runs: Sequence[RunSpec],
    sweep_dir: Path,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    on_status: Callable[[RunStatus], None] | None = None,
) -> SweepSummary:
    """Execute the runs of ``runs`` not yet finished in ``sweep_dir``; failed ones are retried.

    Args:
        base_source: The base scenario the runs' overrides apply to.
        runs: The design (duplicate run ids are run once).
        sweep_dir: The sweep directory (must exist).
        workers: Worker processes (default: the number of cores); sizes the chunks, and the
            local pool when ``executor`` is None (1: run in this process).
        executor: Run the chunks on this executor instead of a local one (it is not shut down).
        progress: Draw a progress bar on stderr when it is a terminal.
        on_status: Called in this process for every finished run, as chunks complete.

    Returns:
        What happened.
    """
    start = time.perf_counter()
    sweep_dir = Path(sweep_dir).absolute()
    design = _unique(runs)
    finished = store.finished_run_ids(sweep_dir)
    pending = [spec for spec in design if spec.run_id not in finished]
    skipped = len(design) - len(pending)
    n_workers = workers if workers is not None else default_workers()
    size = chunk_size(len(pending), n_workers)
    tasks = [ChunkTask(base_source, str(sweep_dir), chunk) for chunk in make_chunks(pending, size)]
    tally = _Tally(on_status)
    own = executor is None and bool(tasks)
    pool: Executor | None = executor
    if own:
        pool = local_executor(min(n_workers, len(tasks)))
    try:
        with runs_progress(len(design), "sweep", wants_progress(progress), skipped) as advance:
            limit = max(1, IN_FLIGHT_PER_WORKER * n_workers)
            _run_chunks(pool, tasks, limit, sweep_dir, tally, advance)
    finally:
        if own and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return SweepSummary(
        sweep_dir=sweep_dir,
        total=len(design),
        done=tally.done,
        failed=len(tally.failed_ids),
        skipped=skipped,
        failed_ids=tuple(sorted(tally.failed_ids)),
        seconds=time.perf_counter() - start,
    )


@dataclass
class _Tally:
    """The runs finished so far, and the caller's per-run callback.

    Attributes:
        on_status: Called for every finished run (None: nobody listens).
        done: Runs that succeeded.
        failed_ids: Run ids that failed.
    """

    on_status: Callable[[RunStatus], None] | None
    done: int = 0
    failed_ids: list[str] = field(default_factory=list)

    def record(self, statuses: Iterable[RunStatus], advance: Callable[[int, int], None]) -> None:
        """Count a chunk's statuses, pass each to ``on_status``, advance the progress bar."""
        ok = bad = 0
        for status in statuses:
            if status.ok:
                ok += 1
            else:
                bad += 1
                self.failed_ids.append(status.run_id)
            if self.on_status is not None:
                self.on_status(status)
        self.done += ok
        advance(ok, bad)


def _run_chunks(
    pool: Executor | None,
    tasks: Sequence[ChunkTask],
    limit: int,
    sweep_dir: Path,
    tally: _Tally,
    advance: Callable[[int, int], None],
) -> None:
    """Keep up to ``limit`` chunks in flight on ``pool`` and record each one as it completes.

    A chunk that cannot be submitted, or whose task raises, is recorded by :func:`_chunk_lost`.
    """
    queue = iter(tasks)
    in_flight: dict[Future[list[RunStatus]], ChunkTask] = {}
    while True:
        while pool is not None and len(in_flight) < limit:
            task = next(queue, None)
            if task is None:
                break
            try:
                in_flight[pool.submit(run_chunk, task)] = task
            except Exception as exc:  # e.g. a broken pool: the chunk cannot run
                tally.record(_chunk_lost(task, sweep_dir, exc), advance)
        if not in_flight:
            break
        finished_now, _ = wait(in_flight, return_when=FIRST_COMPLETED)
        for future in finished_now:
            task = in_flight.pop(future)
            try:
                statuses = future.result()
            except Exception as exc:  # a worker died, or the task did not pickle
                statuses = _chunk_lost(task, sweep_dir, exc)
            tally.record(statuses, advance)


def _chunk_lost(task: ChunkTask, sweep_dir: Path, exc: BaseException) -> list[RunStatus]:
    """Statuses of a chunk whose task raised: runs with a file are ok, the others failed."""
    text = "".join(traceback.format_exception(exc))
    finished = store.finished_run_ids(sweep_dir)
    out: list[RunStatus] = []
    for spec in task.runs:
        if spec.run_id in finished:
            out.append(RunStatus(spec.run_id, ok=True))
        else:
            store.write_failure(
                sweep_dir, spec.run_id, f"the task running this run failed:\n{text}"
            )
            out.append(RunStatus(spec.run_id, ok=False))
    return out


# ---------------------------------------------------------------------------------------------
# a whole sweep: directory, manifest, execution, compaction
# ---------------------------------------------------------------------------------------------


def default_out_dir(name: str) -> Path:
    """The default sweep directory: ``results/sweep-<name>-<UTC timestamp>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("results") / f"sweep-{name}-{stamp}"


def create_sweep_dir(sweep_dir: Path, manifest: dict[str, Any]) -> None:
    """Create a new sweep directory holding its manifest, atomically.

    The manifest and the empty ``runs/`` and ``failed/`` folders are written into a temporary
    sibling that is renamed into place, so the directory never exists without its manifest.

    Args:
        sweep_dir: The directory; it must not exist (missing parents are created).
        manifest: The manifest (:func:`sim.sweep.store.manifest_document`).

    Raises:
        InputError: The directory exists or cannot be created.
    """
    sweep_dir = Path(sweep_dir)
    exists = (
        f"{sweep_dir}: output directory already exists; expected a path that does not exist "
        "(or --resume to continue the sweep written there)"
    )
    if sweep_dir.exists() or sweep_dir.is_symlink():
        raise InputError(exists)
    check_out_dir(sweep_dir)  # its nearest existing ancestor is a writable folder
    try:
        sweep_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = sweep_dir.parent / f".{sweep_dir.name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
    except OSError as exc:
        raise InputError(
            f"{sweep_dir}: cannot create the output directory: {exc.strerror or exc}"
        ) from None
    try:
        (tmp / store.RUNS_DIR).mkdir()
        (tmp / store.FAILED_DIR).mkdir()
        store.write_manifest(tmp, manifest)
        try:
            # mkdir is atomic: it fails if anyone created sweep_dir meanwhile; the rename then
            # replaces our own empty folder.
            os.mkdir(sweep_dir)
        except FileExistsError:
            raise InputError(exists) from None
        try:
            os.rename(tmp, sweep_dir)
        except OSError:
            with contextlib.suppress(OSError):
                os.rmdir(sweep_dir)
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_resume(
    sweep_dir: Path,
    runs: Sequence[RunSpec],
    source: str,
    command_line: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Check that ``sweep_dir`` holds a sweep with the same design as ``runs``.

    Args:
        sweep_dir: The directory of the earlier sweep.
        runs: The design of the sweep being resumed.
        source: How to name the sweep in messages (e.g. the sweep file).
        command_line: ``--set/--periods/--seed`` of this invocation; they must equal the
            manifest's (a manifest without them had none).

    Returns:
        The directory's manifest.

    Raises:
        InputError: The directory or its manifest is missing, or its run ids differ.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise InputError(
            f"{sweep_dir}: no such sweep directory; --resume expects the directory of an "
            "earlier run of this sweep (--out DIR)"
        )
    manifest = store.read_manifest(sweep_dir)
    ours_cli = command_line if command_line is not None else store.command_line_record()
    theirs_cli = manifest.get("command_line") or store.command_line_record()
    if theirs_cli != ours_cli:
        raise InputError(
            f"{sweep_dir}: --resume: --set/--periods/--seed differ from the original sweep's "
            f"({_cli_text(theirs_cli)}); expected the same options (or a new --out)"
        )
    theirs = set(store.manifest_run_ids(manifest))
    ours = {spec.run_id for spec in runs}
    if theirs != ours:
        raise InputError(
            f"{sweep_dir}: the sweep there does not match {source}: its manifest has "
            f"{len(theirs)} runs, {source} designs {len(ours)}, {len(theirs & ours)} in common; "
            "expected the same sweep file and base scenario (or a new --out without --resume)"
        )
    return manifest


def _cli_text(record: dict[str, Any]) -> str:
    """``--set/--periods/--seed`` as they were given, e.g. ``--periods 6 --seed 3``."""
    parts = [f"--set {item}" for item in record.get("set", [])]
    parts += [f"--{k} {record[k]}" for k in ("periods", "seed") if record.get(k) is not None]
    return " ".join(parts) or "none given"


def run_sweep(  # noqa: PLR0913 (public API: keywords mirror the sweep command's flags)
    base_source: str,
    runs: Sequence[RunSpec],
    sweep_dir: Path,
    *,
    name: str,
    sweep_text: str,
    source: str = "the sweep",
    workers: int | None = None,
    resume: bool = False,
    progress: bool = False,
    executor: Executor | None = None,
    on_status: Callable[[RunStatus], None] | None = None,
    variables: Sequence[str] | None = None,
    command_line: dict[str, Any] | None = None,
) -> SweepSummary:
    """Run a whole sweep: create (or check, on resume) its directory, execute, compact.

    Without ``resume`` the directory must not exist; it is created with its manifest before
    any run. With ``resume`` it must hold the manifest of the same design: stale temporary
    files are removed, finished runs skipped and failed ones retried. At the end every run
    file is compacted into ``sweep.parquet``.

    Args:
        base_source: The base scenario the runs' overrides apply to.
        runs: The design.
        sweep_dir: The sweep directory.
        name: The sweep's name (manifest).
        sweep_text: The sweep file's text (manifest).
        source: How to name the sweep in messages.
        workers: Worker processes (default: the number of cores).
        resume: Continue the sweep in ``sweep_dir``.
        progress: Draw a progress bar on stderr when it is a terminal.
        executor: Run on this executor instead of a local one.
        on_status: Called for every finished run.
        variables: The design variables (manifest; columns of ``sweep.parquet``); None: the
            override keys whose values vary over the design.
        command_line: ``--set/--periods/--seed`` (:func:`sim.sweep.store.command_line_record`);
            recorded in the manifest, and a resume must give the same.

    Returns:
        What happened.

    Raises:
        InputError: The directory exists (without ``resume``), or does not hold this sweep
            (with ``resume``).
        UnguardedMainError: A local pool would re-run the calling script's unguarded top level
            (:func:`sim.pools.check_main_guard`).
    """
    sweep_dir = Path(sweep_dir)
    n_workers = workers if workers is not None else default_workers()
    if executor is None and n_workers > 1:  # before anything is written
        check_main_guard(f"sweep with {n_workers} workers")
    command = command_line if command_line is not None else store.command_line_record()
    if resume:
        check_resume(sweep_dir, runs, source, command_line=command)
        store.clear_stale(sweep_dir)
        for folder in (store.RUNS_DIR, store.FAILED_DIR):
            (sweep_dir / folder).mkdir(exist_ok=True)
    else:
        manifest = store.manifest_document(
            name, base_source, sweep_text, runs, variables=variables, command_line=command
        )
        create_sweep_dir(sweep_dir, manifest)
    summary = execute_runs(
        base_source,
        runs,
        sweep_dir,
        workers=workers,
        executor=executor,
        progress=progress,
        on_status=on_status,
    )
    store.compact(sweep_dir)
    return summary
