"""Print the sweep figures of the product spec (§7): overhead per run, parallel wall time, memory.

Usage::

    .venv/bin/python benchmarks/sweep_benchmark.py [--runs N] [--scenario tiny|baseline]
    .venv/bin/python benchmarks/sweep_benchmark.py --quick     # 12 runs of tiny

Default: 40 runs of ``baseline`` with ``time.periods=24``. Everything runs one after the other in
this one process (the pooled sweep and the speed-up probe in child processes, one pool at a
time):

1. the sum of single-run times: each run timed in process through
   :func:`sim.sweep.execute.run_one`, the function a sweep worker calls for every run (compute the
   run and write its Parquet file), without any scheduling;
2. the same runs as a sweep with one worker (:func:`sim.sweep.execute.run_sweep`, in process):
   overhead per run = (sweep wall − sum of single runs) / runs, as a % of the mean run;
3. the machine's parallel speed-up: a fixed CPU-bound task (pure Python plus numpy) done by one
   process, then split over ``os.cpu_count()`` processes;
4. the sweep on the local ``spawn`` pool at ``os.cpu_count()`` workers, worker start-up
   included, against 1.05 × (sum of single runs ÷ speed-up);
5. the parent's memory: peak RSS before and after the pooled sweep, and its RSS after each
   completed chunk (first, max, last).

The figures are also written to ``benchmarks/out/sweep_latest.json``. There are no assertions and
the exit code does not depend on the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_FILE = BENCH_DIR / "out" / "sweep_latest.json"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

OVERHEAD_TARGET_PCT = 5.0
WALL_FACTOR = 1.05
DEFAULT_RUNS = 40
DEFAULT_SCENARIO = "baseline"
QUICK_RUNS = 12
QUICK_SCENARIO = "tiny"
PERIODS = 24
LEVER = "partners.var.count"
PROBE_UNITS_PER_PROCESS = 4  # units of the speed-up task each process does in the parallel leg


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def vm_rss_kib() -> int | None:
    """The current resident set size of this process, in KiB (``VmRSS`` of /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_kib() -> int:
    """This process's peak resident set size so far, in KiB (``ru_maxrss``; Linux units)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def mib(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def write_sweep_file(folder: Path, scenario: str, runs: int, lever_value: int) -> Path:
    """A grid sweep with one point and ``runs`` replications: seeds 1 … runs, all distinct."""
    text = (
        "# written by benchmarks/sweep_benchmark.py\n"
        f'base = "{scenario}"\n'
        f'set = ["time.periods={PERIODS}"]\n'
        'method = "grid"\n'
        f"replications = {runs}\n"
        "seed = 1\n"
        "\n[[levers]]\n"
        f'key = "{LEVER}"\n'
        f"values = [{lever_value}]\n"
    )
    path = folder / "bench_sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def base_lever_value(scenario: str) -> int:
    """The scenario's own VAR count (the single grid value, so the runs are the scenario's)."""
    from sim.scenario import load_scenario

    scenario_obj = load_scenario(scenario, [f"time.periods={PERIODS}"]).scenario
    return int(scenario_obj.partners.var.count)


# --------------------------------------------------------------------------------------------
# the parallel speed-up probe
# --------------------------------------------------------------------------------------------


def cpu_unit() -> float:
    """One fixed unit of CPU-bound work: a pure-Python loop and single-threaded numpy ops."""
    import numpy as np

    acc = 0
    for i in range(400_000):
        acc += (i * i) % 7
    a = np.arange(1_000_000, dtype=np.float64)
    for _ in range(10):
        a = np.sqrt(a * 1.0001 + 1.0)
    return float(acc) + float(a[-1])


def cpu_task(units: int) -> float:
    """``units`` units of :func:`cpu_unit`, one after the other."""
    out = 0.0
    for _ in range(units):
        out += cpu_unit()
    return out


def _noop() -> int:
    import numpy  # noqa: F401  (warm the import in the worker)

    time.sleep(0.05)  # long enough that the submissions spread over every worker
    return os.getpid()


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _timed_on_pool(workers: int, units_each: int) -> float:
    """Seconds for ``workers`` already-started processes each to do ``units_each`` units."""
    with _spawn_pool(workers) as pool:
        # start and warm every worker before timing (start-up is not the machine's speed-up)
        pids: set[int] = set()
        for _ in range(20):
            pids |= {f.result() for f in [pool.submit(_noop) for _ in range(workers * 2)]}
            if len(pids) >= workers:
                break
        t0 = time.perf_counter()
        list(pool.map(cpu_task, [units_each] * workers))
        return time.perf_counter() - t0


def measure_speedup(workers: int, units_per_process: int) -> dict[str, Any]:
    """The same total work on 1 process, then on ``workers`` processes; the ratio."""
    total_units = workers * units_per_process
    serial = _timed_on_pool(1, total_units)
    parallel = _timed_on_pool(workers, units_per_process) if workers > 1 else serial
    return {
        "processes": workers,
        "units_total": total_units,
        "serial_s": serial,
        "parallel_s": parallel,
        "speedup": serial / parallel if parallel > 0 else float("nan"),
    }


# --------------------------------------------------------------------------------------------
# the sweep measurements
# --------------------------------------------------------------------------------------------


def time_single_runs(base_source: str, runs: list[Any], sweep_dir: Path) -> list[float]:
    """Time each run through ``run_one`` (compute + write its run file), in process."""
    from sim.sweep import store
    from sim.sweep.execute import run_one

    sweep_dir.mkdir(parents=True)
    (sweep_dir / store.RUNS_DIR).mkdir()
    (sweep_dir / store.FAILED_DIR).mkdir()
    times: list[float] = []
    for spec in runs:
        gc.collect()
        t0 = time.perf_counter()
        status = run_one(base_source, sweep_dir, spec)
        times.append(time.perf_counter() - t0)
        if not status.ok:
            failure = store.failed_path(sweep_dir, spec.run_id).read_text(encoding="utf-8")
            raise RuntimeError(f"run {spec.run_id} failed:\n{failure}")
    return times


def timed_sweep(
    base_source: str,
    runs: list[Any],
    sweep_dir: Path,
    *,
    workers: int,
    sweep_text: str,
    on_status: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """Run a whole sweep (directory, manifest, execution, compaction); its wall time."""
    from sim.sweep.execute import run_sweep

    gc.collect()
    t0 = time.perf_counter()
    summary = run_sweep(
        base_source,
        runs,
        sweep_dir,
        name="bench",
        sweep_text=sweep_text,
        workers=workers,
        progress=False,
        on_status=on_status,
    )
    wall = time.perf_counter() - t0
    if summary.failed or summary.done != len(runs):
        raise RuntimeError(
            f"sweep with {workers} worker(s): {summary.done} done, {summary.failed} failed "
            f"of {len(runs)}; see {sweep_dir / 'failed'}"
        )
    return {"wall_s": wall, "execute_s": summary.seconds, "compact_etc_s": wall - summary.seconds}


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help=f"runs (default {DEFAULT_RUNS})")
    parser.add_argument(
        "--scenario",
        choices=["tiny", "baseline"],
        default=None,
        help=f"base scenario (default {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_RUNS} runs of {QUICK_SCENARIO}"
    )
    args = parser.parse_args(argv)
    n_runs = args.runs or (QUICK_RUNS if args.quick else DEFAULT_RUNS)
    scenario = args.scenario or (QUICK_SCENARIO if args.quick else DEFAULT_SCENARIO)
    if n_runs < 1:
        parser.error("--runs must be at least 1")
    cpus = max(1, os.cpu_count() or 1)

    from sim.sweep.design import design_runs
    from sim.sweep.execute import chunk_size, run_one
    from sim.sweep.spec import load_sweep

    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario": scenario,
        "periods": PERIODS,
        "runs": n_runs,
        "cpu_count": cpus,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_start": load_average(),
    }
    print(
        f"Sweep benchmark: {n_runs} runs of {scenario} (time.periods={PERIODS}), "
        f"{cpus} CPUs, load average {result['load_average_start']}"
    )

    root = Path(tempfile.mkdtemp(prefix="channelsim-sweep-bench-"))
    try:
        sweep_path = write_sweep_file(root, scenario, n_runs, base_lever_value(scenario))
        loaded = load_sweep(sweep_path)
        runs = design_runs(loaded)
        assert len({r.run_id for r in runs}) == n_runs and len({r.seed for r in runs}) == n_runs
        base_source = str(loaded.base_source)
        sweep_text = sweep_path.read_text(encoding="utf-8")

        # warm-up: imports and first-call costs, paid by neither measurement below
        warm = root / "warmup"
        warm.mkdir()
        (warm / "runs").mkdir()
        (warm / "failed").mkdir()
        run_one(base_source, warm, runs[0])
        shutil.rmtree(warm)

        # 1. single runs
        times = time_single_runs(base_source, runs, root / "single")
        shutil.rmtree(root / "single")
        sum_single = sum(times)
        mean_run = sum_single / n_runs
        result["single_runs"] = {
            "sum_s": sum_single,
            "mean_s": mean_run,
            "min_s": min(times),
            "max_s": max(times),
        }
        print("\n1. Single runs (run_one in process: compute + write the run file)")
        print(f"   sum of {n_runs} runs        {sum_single:8.2f} s")
        print(
            f"   mean / min / max run   {mean_run:8.3f} s / {min(times):.3f} s / {max(times):.3f} s"
        )

        # 2. inline sweep, one worker
        inline = timed_sweep(base_source, runs, root / "inline", workers=1, sweep_text=sweep_text)
        shutil.rmtree(root / "inline")
        overhead_per_run = (inline["wall_s"] - sum_single) / n_runs
        overhead_pct = 100.0 * overhead_per_run / mean_run
        inline.update(
            {
                "chunk_size": chunk_size(n_runs, 1),
                "overhead_per_run_s": overhead_per_run,
                "overhead_pct_of_run": overhead_pct,
                "target_pct": OVERHEAD_TARGET_PCT,
                "met": overhead_pct <= OVERHEAD_TARGET_PCT,
            }
        )
        result["inline_sweep"] = inline
        print("\n2. Sweep, --workers 1 (InlineExecutor; run_sweep with manifest + compaction)")
        print(
            f"   wall                   {inline['wall_s']:8.2f} s "
            f"(execution {inline['execute_s']:.2f} s, directory + compaction "
            f"{inline['compact_etc_s']:.2f} s)"
        )
        print(
            f"   overhead per run       {overhead_per_run * 1000:8.1f} ms = {overhead_pct:.1f} % "
            f"of the mean run (target ≤ {OVERHEAD_TARGET_PCT:g} %: "
            f"{'met' if inline['met'] else 'NOT MET'})"
        )

        # 3. machine speed-up
        probe = measure_speedup(cpus, PROBE_UNITS_PER_PROCESS)
        result["speedup_probe"] = probe
        print("\n3. Parallel speed-up of the machine (fixed CPU-bound task, same total work)")
        print(
            f"   1 process {probe['serial_s']:.2f} s, {cpus} processes {probe['parallel_s']:.2f} s"
            f" → speed-up {probe['speedup']:.2f}×"
        )

        # 4 + 5. pooled sweep, memory
        size = chunk_size(n_runs, cpus)
        samples: list[int] = []
        seen = [0]

        def on_status(status: Any) -> None:
            del status
            seen[0] += 1
            if seen[0] % size == 0 or seen[0] == n_runs:  # the last status of a chunk
                rss = vm_rss_kib()
                if rss is not None:
                    samples.append(rss)

        gc.collect()
        peak_before = peak_rss_kib()
        rss_before = vm_rss_kib()
        pooled = timed_sweep(
            base_source,
            runs,
            root / "pooled",
            workers=cpus,
            sweep_text=sweep_text,
            on_status=on_status,
        )
        peak_after = peak_rss_kib()
        shutil.rmtree(root / "pooled")
        target_wall = WALL_FACTOR * sum_single / probe["speedup"]
        pooled.update(
            {
                "workers": cpus,
                "chunk_size": size,
                "target_wall_s": target_wall,
                "wall_over_target": pooled["wall_s"] / target_wall,
                "speedup_vs_single_sum": sum_single / pooled["wall_s"],
                "met": pooled["wall_s"] <= target_wall,
            }
        )
        result["pooled_sweep"] = pooled
        print(f"\n4. Sweep, local spawn pool at {cpus} workers (start-up included)")
        print(
            f"   wall                   {pooled['wall_s']:8.2f} s "
            f"(execution {pooled['execute_s']:.2f} s, directory + compaction "
            f"{pooled['compact_etc_s']:.2f} s), chunks of {size}"
        )
        print(
            f"   target                 {target_wall:8.2f} s = {WALL_FACTOR} × {sum_single:.2f} s"
            f" ÷ {probe['speedup']:.2f} → {pooled['wall_over_target']:.2f} × target "
            f"({'met' if pooled['met'] else 'NOT MET'}); speed-up over the single-run sum "
            f"{pooled['speedup_vs_single_sum']:.2f}×"
        )

        memory = {
            "unit": "KiB",
            "peak_rss_before": peak_before,
            "peak_rss_after": peak_after,
            "rss_before": rss_before,
            "rss_after_chunks": samples,
            "rss_first": samples[0] if samples else None,
            "rss_max": max(samples) if samples else None,
            "rss_last": samples[-1] if samples else None,
        }
        result["parent_memory"] = memory
        print("\n5. Parent memory during the pooled sweep")
        print(f"   peak RSS before / after {mib(peak_before)} / {mib(peak_after)}")
        print(
            f"   RSS after each chunk ({len(samples)} samples): first {mib(memory['rss_first'])},"
            f" max {mib(memory['rss_max'])}, last {mib(memory['rss_last'])}"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)

    result["load_average_end"] = load_average()
    print(f"\nload average at the end {result['load_average_end']}")
    if result["load_average_start"] and result["load_average_start"][0] > 0.5:
        print(
            "note: the machine was not idle at the start; other CPU load distorts every figure "
            "(most of all the speed-up and the pooled sweep)."
        )
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(result, indent=2, allow_nan=True) + "\n", encoding="utf-8")
    print(f"written to {OUT_FILE.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
