"""Print ChannelSim's performance figures next to the targets of the product spec.

Usage::

    .venv/bin/python benchmarks/run_benchmarks.py [--quick]

Every measurement runs sequentially in this one invocation (the 1M-account run and the command
timings in child processes, one at a time). A measurement that fails shows ``error: <message>``
in its rows; the others still run. The figures are also written to ``benchmarks/out/latest.json``.
There are no assertions and the exit code does not depend on the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_FILE = BENCH_DIR / "out" / "latest.json"

# The benchmark helpers live next to this script; the project itself is imported as ``sim``.
for _path in (str(BENCH_DIR), str(REPO_ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from mesa_reference import MesaReferenceModel  # noqa: E402
from numpy_kernel import run_numpy_kernel  # noqa: E402

SEED = 1
CHILD_FLAG = "--child-1m"
CHILD_TIMEOUT_S = 900.0
COMMAND_TIMEOUT_S = 300.0
# The third-party libraries every `channelsim run` imports (Mesa brings numpy, scipy.spatial and
# networkx itself): the start-up cost no change to ChannelSim's own code can remove.
IMPORT_FLOOR_MODULES = ("mesa", "scipy.optimize", "matplotlib.figure", "pyarrow.parquet", "pandas")

TargetKind = Literal["le", "lt", "ge"]
_TARGET_SYMBOL: dict[str, str] = {"le": "≤", "lt": "<", "ge": "≥"}


@dataclass
class Figure:
    """One row of the table: a measured value, its unit and (optionally) the spec's target."""

    key: str
    label: str
    unit: str
    target: float | None = None
    kind: TargetKind = "le"
    value: float | None = None
    error: str | None = None
    note: str = ""
    applies: bool = True  # False when the size differs from the spec's (quick mode)
    skipped: bool = False

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None or not self.applies:
            return None
        if self.kind == "le":
            return self.value <= self.target
        if self.kind == "lt":
            return self.value < self.target
        return self.value >= self.target

    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{_TARGET_SYMBOL[self.kind]} {_fmt(self.target)} {self.unit}".rstrip()

    def value_text(self) -> str:
        if self.error is not None:
            return f"error: {self.error}"
        if self.skipped:
            return "skipped"
        if self.value is None:
            return "not measured"
        return f"{_fmt(self.value)} {self.unit}".rstrip()

    def status_text(self) -> str:
        if self.error is not None:
            return "error"
        met = self.met
        if met is None:
            return "n/a" if self.target is not None else ""
        return "met" if met else "NOT MET"


@dataclass
class Timing:
    """Wall-clock seconds of one model run: construction, stepping and their sum."""

    setup_s: float
    run_s: float

    @property
    def total_s(self) -> float:
        return self.setup_s + self.run_s


@dataclass
class Bench:
    """The figures of one invocation, plus measurements shared between rows."""

    quick: bool
    figures: dict[str, Figure] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures[figure.key] = figure
        return figure


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:,.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _size_label(n: int, periods: int) -> str:
    def short(x: int) -> str:
        if x >= 1_000_000 and x % 1_000_000 == 0:
            return f"{x // 1_000_000}M"
        if x >= 1_000 and x % 1_000 == 0:
            return f"{x // 1_000}k"
        return str(x)

    return f"{short(n)} accounts × {periods} periods"


def _error_message(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return first_line[:200]


# --------------------------------------------------------------------------------------------
# ChannelSim, in process
# --------------------------------------------------------------------------------------------


def _channelsim_overrides(n: int | None, periods: int | None) -> list[str]:
    overrides: list[str] = []
    if n is not None:
        overrides.append(f"market.customers={n}")
    if periods is not None:
        overrides.append(f"time.periods={periods}")
    return overrides


def _load_scenario(scenario: str, overrides: Sequence[str]) -> Any:
    from sim.scenario import load_scenario

    return load_scenario(scenario, overrides)


def time_channelsim_once(scenario: str, overrides: Sequence[str] = ()) -> Timing:
    """Time construction and ``run()`` of one ChannelModel (scenario loading is not timed)."""
    from sim.model import ChannelModel

    loaded = _load_scenario(scenario, overrides)
    gc.collect()
    t0 = time.perf_counter()
    model = ChannelModel(loaded.scenario, seed=SEED)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    del model
    gc.collect()
    return Timing(setup_s=t1 - t0, run_s=t2 - t1)


def time_channelsim(scenario: str, overrides: Sequence[str], repeats: int) -> list[Timing]:
    """``repeats`` runs, sorted by total time (the first is the best)."""
    timings = [time_channelsim_once(scenario, overrides) for _ in range(repeats)]
    return sorted(timings, key=lambda t: t.total_s)


def best_and_median(times: Sequence[float]) -> tuple[float, float]:
    """The best (smallest) and the median of repeated timings.

    The best is what a figure reports: on a shared machine, slower repetitions measure other
    processes rather than the code (the ``timeit`` convention). The median goes in the note.
    """
    return min(times), statistics.median(times)


def _repeat_note(times: Sequence[float], unit: str = "s") -> str:
    if len(times) == 1:
        return "one run"
    return f"best of {len(times)} (median {_fmt(best_and_median(times)[1])} {unit})"


def _measure_scenario(bench: Bench, key: str, scenario: str, target: float) -> None:
    repeats = 1 if bench.quick else 5
    fig = bench.add(Figure(key, f"ChannelSim model time, scenario {scenario}", "s", target=target))
    times = [t.total_s for t in time_channelsim(scenario, (), repeats)]
    fig.value = min(times)
    fig.note = f"{_repeat_note(times)}; construction + run(), scenario loading excluded"


def measure_scenario_baseline(bench: Bench) -> None:
    _measure_scenario(bench, "baseline_model_s", "baseline", 0.5)


def measure_scenario_tiny(bench: Bench) -> None:
    _measure_scenario(bench, "tiny_model_s", "tiny", 0.1)


EVERY_LEVER = Path(__file__).resolve().parent / "every_lever.toml"
"""Baseline's market with every program lever and all nine partner types on (issue 12)."""


def measure_scenario_every_lever(bench: Bench) -> None:
    _measure_scenario(bench, "every_lever_model_s", str(EVERY_LEVER), 0.5)


# --------------------------------------------------------------------------------------------
# Commands, in child processes
# --------------------------------------------------------------------------------------------


def _channelsim_executable() -> Path:
    exe = Path(sys.prefix) / "bin" / "channelsim"
    if not exe.exists():
        raise FileNotFoundError(f"{exe} not found (is the project installed in this venv?)")
    return exe


def _time_command(args: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        args,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        detail = tail[-1] if tail else ""
        raise RuntimeError(f"exit code {proc.returncode}: {detail}"[:200])
    return elapsed


def measure_command_run(bench: Bench) -> None:
    repeats = 1 if bench.quick else 3
    fig = bench.add(
        Figure(
            "command_run_s",
            "`channelsim run baseline --out …` whole command",
            "s",
            target=2.5,
        )
    )
    exe = _channelsim_executable()
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="channelsim-bench-") as tmp:
        for i in range(repeats):
            times.append(_time_command([str(exe), "run", "baseline", "--out", f"{tmp}/x{i}"]))
    fig.value = min(times)
    fig.note = f"wall time of the subprocess, {_repeat_note(times)}"


def measure_import_floor(bench: Bench) -> None:
    repeats = 1 if bench.quick else 3
    code = f"import {', '.join(IMPORT_FLOOR_MODULES)}"
    fig = bench.add(
        Figure(
            "import_floor_s",
            "import floor: third-party imports of a run",
            "s",
        )
    )
    times = [_time_command([sys.executable, "-c", code]) for _ in range(repeats)]
    fig.value = min(times)
    fig.note = f'`python -c "{code}"`, wall time of the subprocess, {_repeat_note(times)}'
    run = bench.figures.get("command_run_s")
    if run is not None and run.value:
        fig.note += f"; {fig.value / run.value:.0%} of the whole command above"
    bench.shared["import_floor"] = {"modules": list(IMPORT_FLOOR_MODULES), "times_s": times}


def measure_command_help(bench: Bench) -> None:
    fig = bench.add(
        Figure(
            "command_help_s",
            "`channelsim --help` whole command",
            "s",
            target=1.0,
            kind="lt",
        )
    )
    exe = _channelsim_executable()
    times = [_time_command([str(exe), "--help"]) for _ in range(3)]
    fig.value = min(times)
    fig.note = f"wall time of the subprocess, {_repeat_note(times)}"


# --------------------------------------------------------------------------------------------
# 1M accounts, in a child process (time and peak memory)
# --------------------------------------------------------------------------------------------


def _maxrss_bytes(ru_maxrss: int) -> int:
    # Linux reports KiB, macOS bytes.
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def _wait_with_rusage(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, Any]:
    """Wait for ``proc`` and return (exit code, its own resource usage)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid != 0:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, rusage
        if time.monotonic() > deadline:
            proc.kill()
            _, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise TimeoutError(f"child did not finish within {timeout:.0f} s")
        time.sleep(0.05)


def measure_million(bench: Bench) -> None:
    n, periods = 1_000_000, 60
    time_fig = bench.add(
        Figure(
            "million_model_s",
            f"ChannelSim model time, baseline at {_size_label(n, periods)}",
            "s",
            target=20.0,
            note="child process; construction + run()",
        )
    )
    mem_fig = bench.add(
        Figure(
            "million_peak_rss_gb",
            f"Peak memory (RSS) of that child process, {_size_label(n, periods)}",
            "GB",
            target=2.0,
            note="whole child process incl. interpreter and imports; GB = 1e9 bytes",
        )
    )
    if bench.quick:
        time_fig.note = mem_fig.note = "skipped in --quick mode"
        time_fig.skipped = mem_fig.skipped = True
        return
    cmd = [sys.executable, str(Path(__file__).resolve()), CHILD_FLAG, str(n), str(periods)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=out, stderr=err)
        returncode, rusage = _wait_with_rusage(proc, CHILD_TIMEOUT_S)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    lines = stdout.strip().splitlines()
    result: dict[str, Any] = {}
    if lines:
        try:
            result = json.loads(lines[-1])
        except json.JSONDecodeError:
            result = {}
    if "error" in result:
        raise RuntimeError(f"in child: {result['error']}")
    if returncode != 0 or "model_s" not in result:
        tail = stderr.strip().splitlines()
        detail = tail[-1] if tail else "no output"
        raise RuntimeError(f"child exit code {returncode}: {detail}"[:200])
    time_fig.value = float(result["model_s"])
    # Peak RSS of that one child (os.wait4), the same figure getrusage(RUSAGE_CHILDREN) would
    # give were it the only child; only reported for a successful run.
    mem_fig.value = _maxrss_bytes(rusage.ru_maxrss) / 1e9
    result["peak_rss_bytes"] = _maxrss_bytes(rusage.ru_maxrss)
    bench.shared["million"] = result


def child_million(n: int, periods: int) -> int:
    """Child mode: run one ChannelSim model and print its timing as one JSON line."""
    try:
        timing = time_channelsim_once("baseline", _channelsim_overrides(n, periods))
    except Exception as exc:
        print(json.dumps({"error": _error_message(exc)}))
        traceback.print_exc()
        return 1
    print(
        json.dumps(
            {
                "n": n,
                "periods": periods,
                "setup_s": timing.setup_s,
                "run_s": timing.run_s,
                "model_s": timing.total_s,
            }
        )
    )
    return 0


# --------------------------------------------------------------------------------------------
# Side by side: ChannelSim vs the plain-Mesa reference (a) and the numpy kernel (b)
# --------------------------------------------------------------------------------------------


def _time_mesa_reference(n: int, periods: int) -> tuple[float, float, int]:
    """(set-up seconds, stepping seconds, customers) of the plain-Mesa reference."""
    gc.collect()
    t0 = time.perf_counter()
    model = MesaReferenceModel(n, seed=SEED)
    t1 = time.perf_counter()
    for _ in range(periods):
        model.step()
    t2 = time.perf_counter()
    customers = model.customers
    del model
    gc.collect()
    return t1 - t0, t2 - t1, customers


def measure_throughputs(bench: Bench) -> None:
    """The model at 100k × 120, the plain-Mesa reference and the numpy kernel, interleaved.

    Each round runs the three one after another; each figure is the best of the rounds. The
    three see the same machine conditions, so their ratios do not depend on when a neighbour
    process happened to run.
    """
    n = 10_000 if bench.quick else 100_000
    periods = 120
    rounds = 1 if bench.quick else 3
    large = bench.add(
        Figure(
            "large_model_s",
            f"ChannelSim model time, baseline at {_size_label(n, periods)}",
            "s",
            target=4.0,
            applies=not bench.quick,
        )
    )
    mesa = bench.add(
        Figure(
            "mesa_throughput",
            f"(a) plain-Mesa reference throughput, {_size_label(n, periods)}",
            "account-periods/s",
        )
    )
    numpy_fig = bench.add(
        Figure(
            "numpy_throughput",
            f"(b) numpy kernel throughput, {_size_label(n, periods)}",
            "account-periods/s",
        )
    )
    model_timings: list[Timing] = []
    mesa_runs: list[tuple[float, float, int]] = []
    numpy_times: list[float] = []
    numpy_customers = 0
    for _ in range(rounds):
        model_timings.append(time_channelsim_once("baseline", _channelsim_overrides(n, periods)))
        mesa_runs.append(_time_mesa_reference(n, periods))
        t0 = time.perf_counter()
        numpy_customers = run_numpy_kernel(n, periods, seed=SEED)
        numpy_times.append(time.perf_counter() - t0)

    best_model = min(model_timings, key=lambda t: t.run_s)
    bench.shared["channelsim_large"] = (n, periods, best_model)
    bench.shared["channelsim_large_run_s"] = [t.run_s for t in model_timings]
    totals = [t.total_s for t in model_timings]
    large.value = min(totals)
    large.note = f"{_repeat_note(totals)}; construction + run()" + (
        "; quick size, the target is for 100k" if bench.quick else ""
    )

    mesa_step = [run for _, run, _ in mesa_runs]
    mesa.value = n * periods / min(mesa_step)
    mesa.note = f"stepping time, agent creation excluded, {_repeat_note(mesa_step)}"
    bench.shared["mesa"] = {
        "n": n,
        "periods": periods,
        "setup_s": [setup for setup, _, _ in mesa_runs],
        "run_s": mesa_step,
        "customers": mesa_runs[-1][2],
    }

    numpy_fig.value = n * periods / min(numpy_times)
    numpy_fig.note = _repeat_note(numpy_times)
    bench.shared["numpy"] = {
        "n": n,
        "periods": periods,
        "run_s": numpy_times,
        "customers": numpy_customers,
    }


def measure_ratios(bench: Bench) -> None:
    model_fig = bench.add(
        Figure(
            "channelsim_throughput",
            "(model) ChannelSim throughput, same run as the model-time row above",
            "account-periods/s",
            note="stepping time (run()) of the best model run above, construction excluded",
        )
    )
    vs_mesa = bench.add(
        Figure(
            "ratio_model_over_mesa",
            "model / (a): ChannelSim speed-up over plain Mesa",
            "×",
            target=20.0,
            kind="ge",
            applies=not bench.quick,  # the targets are for 100k accounts
        )
    )
    vs_numpy = bench.add(
        Figure(
            "ratio_numpy_over_model",
            "(b) / model: numpy floor over ChannelSim",
            "×",
            target=30.0,
            kind="le",
            applies=not bench.quick,
        )
    )
    large = bench.shared.get("channelsim_large")
    if large is None:
        raise RuntimeError("the ChannelSim large-size measurement failed")
    n, periods, timing = large
    model_fig.label = f"(model) ChannelSim throughput, {_size_label(n, periods)}"
    model_tp = n * periods / timing.run_s
    model_fig.value = model_tp
    mesa_fig = bench.figures.get("mesa_throughput")
    if mesa_fig is not None and mesa_fig.value is not None:
        vs_mesa.value = model_tp / mesa_fig.value
        # Each round ran both back to back: its own ratio shows how much the host moves it.
        mesa_run_s = bench.shared.get("mesa", {}).get("run_s", [])
        model_run_s = bench.shared.get("channelsim_large_run_s", [])
        per_round = [m / c for c, m in zip(model_run_s, mesa_run_s, strict=False)]
        if per_round:
            vs_mesa.note = "best over best; round by round " + ", ".join(
                f"{r:.1f}×" for r in per_round
            )
    else:
        vs_mesa.error = "plain-Mesa measurement failed"
    numpy_fig = bench.figures.get("numpy_throughput")
    if numpy_fig is not None and numpy_fig.value is not None:
        vs_numpy.value = numpy_fig.value / model_tp
    else:
        vs_numpy.error = "numpy kernel measurement failed"


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

Measurement = Callable[[Bench], None]

MEASUREMENTS: list[Measurement] = [
    measure_scenario_baseline,
    measure_scenario_tiny,
    measure_scenario_every_lever,
    measure_command_run,
    measure_import_floor,
    measure_command_help,
    measure_million,
    measure_throughputs,
    measure_ratios,
]


def run_measurement(bench: Bench, measurement: Measurement, verbose: bool) -> None:
    """Run one measurement; on failure mark its rows (or a placeholder row) as errors."""
    before = set(bench.figures)
    print(f"… {measurement.__name__.removeprefix('measure_')}", file=sys.stderr, flush=True)
    try:
        measurement(bench)
    except Exception as exc:
        message = _error_message(exc)
        if verbose:
            traceback.print_exc()
        new_keys = [key for key in bench.figures if key not in before]
        if not new_keys:
            key = measurement.__name__.removeprefix("measure_")
            bench.add(Figure(key, key.replace("_", " "), ""))
            new_keys = [key]
        for key in new_keys:
            fig = bench.figures[key]
            if fig.value is None and fig.error is None:
                fig.error = message


def print_table(bench: Bench, total_s: float) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover - rich is a project dependency
        for fig in bench.figures.values():
            print(
                f"{fig.label}: {fig.value_text()}  target {fig.target_text()}  {fig.status_text()}"
            )
        return
    title = "ChannelSim benchmarks" + (" (--quick: reduced sizes)" if bench.quick else "")
    table = Table(title=title, show_lines=False)
    table.add_column("figure")
    table.add_column("measured", justify="right")
    table.add_column("target", justify="right")
    table.add_column("status")
    table.add_column("note", style="dim")
    styles = {"met": "green", "NOT MET": "bold red", "error": "red"}
    for fig in bench.figures.values():
        status = fig.status_text()
        style = styles.get(status, "")
        table.add_row(
            fig.label,
            fig.value_text(),
            fig.target_text(),
            f"[{style}]{status}[/]" if style else status,
            fig.note,
        )
    console = Console(width=max(160, Console().width))
    console.print(table)
    console.print(
        f"Total benchmark time {total_s:.1f} s. Figures are comparable only within one run on an "
        "otherwise idle machine (two CPU-heavy processes halve each one's speed)."
    )
    console.print(f"JSON: {OUT_FILE}")


def _versions() -> dict[str, str]:
    versions: dict[str, str] = {"python": platform.python_version()}
    for module in ("mesa", "numpy", "pandas"):
        try:
            versions[module] = __import__(module).__version__
        except Exception as exc:  # pragma: no cover - informational only
            versions[module] = f"unavailable ({type(exc).__name__})"
    return versions


def _git_commit() -> str | None:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def write_json(bench: Bench, total_s: float) -> None:
    figures = []
    for fig in bench.figures.values():
        row = asdict(fig)
        row["met"] = fig.met
        figures.append(row)
    shared: dict[str, Any] = {}
    for key, value in bench.shared.items():
        if key == "channelsim_large":
            n, periods, timing = value
            shared[key] = {
                "n": n,
                "periods": periods,
                "setup_s": timing.setup_s,
                "run_s": timing.run_s,
            }
        else:
            shared[key] = value
    payload = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": bench.quick,
        "total_s": total_s,
        "git_commit": _git_commit(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "versions": _versions(),
        "figures": figures,
        "details": shared,
    }
    OUT_FILE.parent.mkdir(parents=True, exist_ok=True)
    OUT_FILE.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == CHILD_FLAG:
        n, periods = (int(args[1]), int(args[2])) if len(args) >= 3 else (1_000_000, 60)
        return child_million(n, periods)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, skip 1M accounts")
    parser.add_argument("--verbose", action="store_true", help="print tracebacks of failures")
    ns = parser.parse_args(args)

    os.chdir(REPO_ROOT)  # scenario names resolve the same way wherever this is started from
    bench = Bench(quick=ns.quick)
    t0 = time.perf_counter()
    for measurement in MEASUREMENTS:
        run_measurement(bench, measurement, ns.verbose)
    total_s = time.perf_counter() - t0
    write_json(bench, total_s)
    print_table(bench, total_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
