"""The ``channelsim`` command line (``python -m sim`` works too).

Commands: ``run``, ``validate``, ``scenarios``, ``compare``, ``sweep``, ``sensitivity`` and
``check-model`` (SPEC §4; ``compare`` and ``sweep`` exit 1 when a run failed, after the other
runs finished; ``check-model`` exits 1 when a theory check fails). Exit status: 0 success;
2 bad input of any kind (scenario, ``--set``, options, an output directory that exists or cannot be
written), printed to stderr as plain lines, one per problem, without a traceback and without
writing anything; 1 an internal error, printed as one ``internal error: ...`` line (the
traceback too when ``CHANNELSIM_DEBUG=1``).

Heavy modules (numpy, pandas, mesa, matplotlib, the model, even the scenario schema) are imported
inside the commands (each marked ``# lazy``), so that ``channelsim --help`` answers at once: with
typer and rich already loaded, importing ``sim.scenario`` costs about 1.2 s, ``sim.run`` 0.8 s,
``sim.compare`` 3.1 s and ``sim.sweep.execute`` 2.8 s (``python -X importtime``, measured).
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

import sim
from sim.analysis.kpi_registry import (
    KPIS_BY_NAME,
    RUN_TABLE_KPIS,
    delta_unit,
    format_value,
    kpi_of,
)
from sim.errors import InputError

if TYPE_CHECKING:
    from sim.compare import CompareResult, Design
    from sim.scenario import LoadedScenario

DEBUG_ENV = "CHANNELSIM_DEBUG"
"""Environment variable: ``1`` prints the traceback of internal errors."""

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2

_one_shot_process = False
"""Set by :func:`main`: this process ends with the command (see :func:`_prepare_run`)."""


def _err(line: str) -> None:
    sys.stderr.write(line.rstrip("\n") + "\n")
    sys.stderr.flush()


def _is_click_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a click usage/parameter error (typer vendors click in recent versions)."""
    return any(cls.__name__ == "ClickException" for cls in type(exc).__mro__)


def _report_click_error(exc: Any) -> int:
    """Print a click error as plain lines; return its exit status."""
    code = int(getattr(exc, "exit_code", EXIT_INPUT))
    message = str(exc.format_message()).strip()
    if type(exc).__name__ == "NoArgsIsHelpError":
        # The help has been printed already (rich) or is the message (plain).
        if message:
            sys.stdout.write(message + "\n")
        return code
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "channelsim"
    hint = f" (see '{where} --help')" if ctx is not None else ""
    _err(f"{where}: {' '.join(message.split())}{hint}")
    return code


def _report_internal(exc: BaseException) -> int:
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    _err(f"internal error: {name}: {text}" if text else f"internal error: {name}")
    if os.environ.get(DEBUG_ENV, "").strip() not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    return EXIT_INTERNAL


class _Group(TyperGroup):
    """The command group, with the program's own error handling.

    Click and typer would draw usage errors in a rich box and let other exceptions end in a
    traceback; here every failure becomes plain lines on stderr and an exit status.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; see the module docstring for exit statuses."""
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or "channelsim",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        except InputError as exc:
            for line in exc.problems:
                _err(line)
            code = EXIT_INPUT
        except typer.Abort:
            _err("aborted")
            code = EXIT_INTERNAL
        except Exception as exc:
            code = _report_click_error(exc) if _is_click_error(exc) else _report_internal(exc)
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    name="channelsim",
    cls=_Group,
    help="ChannelSim: agent-based simulation of direct and partner sales channels.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _help_type(param: Any, ctx: Any) -> str | None:
    """The value column of an option in ``--help``: plain words, never a ``<bool>`` placeholder.

    Typer shows each parameter's Python type in angle brackets (``<bool>``, ``<int range>``,
    ``<str>``); a newcomer reads those as something to type. Here a flag shows nothing, an
    argument nothing beside its name, and an option its metavar (``DIR``, ``KPI``) or click's
    type as a word (``INTEGER``).
    """
    del ctx
    if param.param_type_name == "argument" or getattr(param, "is_flag", False):
        return None
    if param.metavar is not None:
        return str(param.metavar)
    bare = str(param.bare_type())
    return _TYPE_WORDS.get(bare, bare.upper())


_TYPE_WORDS = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "Path": "PATH"}


_HELP_TYPE_METHOD = "display_type_rich"
"""Typer's method for the value column; it has no hook, so its parameter classes get ours."""
for _param_class in (typer.core.TyperOption, typer.core.TyperArgument):
    setattr(_param_class, _HELP_TYPE_METHOD, _help_type)


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"channelsim {sim.__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", is_eager=True, callback=_show_version
        ),
    ] = False,
) -> None:
    """ChannelSim: agent-based simulation of direct and partner sales channels."""


ScenarioArg = Annotated[
    str,
    typer.Argument(
        metavar="SCENARIO",
        help="A scenario file (path) or the name of a shipped scenario (see `scenarios`).",
        show_default=False,
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a scenario key (VALUE is a TOML value, else a string); repeatable.",
        show_default=False,
    ),
]


def _load(scenario: str, overrides: Sequence[str]) -> LoadedScenario:
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.scenario import load_scenario

    with _gc_paused():  # the first call imports the scenario schema (pydantic builds classes)
        return load_scenario(scenario, list(overrides))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _prepare_run() -> None:
    """Import what a run needs with the cyclic garbage collector paused.

    The imports (numpy, pandas, scipy, mesa, pyarrow, matplotlib and the model) create a few
    hundred thousand long-lived objects, and the collector would traverse them over and over
    while they are being created: about 0.2 s of a ``run`` here. In a one-shot process (the
    ``channelsim`` command itself, see :func:`main`) they are then frozen (:func:`gc.freeze`),
    so the collections during the run do not traverse them again either (another 0.1 s). A
    long-lived process (tests, ``CliRunner``) is left unfrozen: freezing there would also keep
    any unreachable cycles alive for good.
    """
    with _gc_paused():
        # lazy (preloading for the run, measured): Mesa first: it names its loggers by
        # inspecting the call stack, which costs time in proportion to the modules already
        # imported (0.1-0.2 s more after the others).
        import sim.model  # noqa: I001 (the order is deliberate)

        import pyarrow.parquet  # noqa: F401

        import sim.analysis.kpis
        import sim.outputs
        import sim.plots  # noqa: F401
    if _one_shot_process:
        gc.freeze()


@app.command()
def run(
    scenario: ScenarioArg,
    seed: Annotated[
        int | None,
        typer.Option(min=0, help="Root seed (default: the scenario's `seed`).", show_default=False),
    ] = None,
    periods: Annotated[
        int | None,
        typer.Option(help="Run length in periods (overrides `time.periods`).", show_default=False),
    ] = None,
    set_: SetOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Run directory; must not exist. Default: results/SCENARIO-sSEED-TIME (UTC).",
            show_default=False,
            file_okay=True,
            dir_okay=True,
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")
    ] = False,
) -> None:
    """Run one scenario and write its run directory (tables, summary, plots)."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.run import run_scenario
    from sim.rundir import check_out_dir, default_out_dir, run_name

    overrides = list(set_ or [])
    if periods is not None:
        overrides.append(f"time.periods={periods}")
    problems: list[str] = []
    loaded = None
    try:
        loaded = _load(scenario, overrides)
    except InputError as exc:
        prefix = f"--set: time.periods={periods}:"
        problems += [
            f"--periods: {periods}:{line[len(prefix) :]}" if line.startswith(prefix) else line
            for line in exc.problems
        ]
    if out is not None:
        try:
            check_out_dir(out)
        except InputError as exc:
            problems += exc.problems
    if problems or loaded is None:
        raise InputError(problems)
    used_seed = loaded.scenario.seed if seed is None else seed
    out_dir = out if out is not None else default_out_dir(run_name(loaded), used_seed)
    _prepare_run()
    result = run_scenario(loaded, seed, out_dir, progress=not quiet)
    if quiet:
        sys.stdout.write(f"{result.out_dir}\n")
        return
    _print_summary(result.summary, result.out_dir)


def _print_summary(summary: dict[str, Any], out_dir: Path) -> None:
    cur = str(summary.get("currency", ""))
    table = Table(
        title=f"{summary['scenario']} (seed {summary['seed']}, {summary['periods']} periods)"
    )
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for kpi in RUN_TABLE_KPIS:
        table.add_row(KPIS_BY_NAME[kpi].label, format_value(kpi, summary.get(kpi), cur))
    console = Console()
    console.print(table)
    console.print(f"wrote {out_dir}", highlight=False, soft_wrap=True)


@app.command()
def validate(scenario: ScenarioArg, set_: SetOpt = None) -> None:
    """Check a scenario against the schema without running it."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.rundir import run_name

    loaded = _load(scenario, set_ or [])
    sys.stdout.write(f"ok: {loaded.path} ({run_name(loaded)})\n")


@app.command()
def scenarios() -> None:
    """List the shipped scenarios with their one-line descriptions."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.scenario import list_shipped

    shipped = list_shipped()
    if not shipped:
        # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
        from sim.scenario.loader import shipped_dir

        sys.stdout.write(f"no shipped scenarios in {shipped_dir()}\n")
        return
    table = Table(show_lines=False)
    table.add_column("scenario", no_wrap=True)
    table.add_column("description")
    for name, description in shipped:
        table.add_row(name, description)
    Console().print(table)


@app.command()
def compare(  # noqa: PLR0913 (a Typer command: one parameter per CLI option)
    scenarios: Annotated[
        list[str],
        typer.Argument(
            metavar="SCENARIO",
            help="Two or more designs: scenario files (paths) or shipped scenario names. "
            "The first is the reference the others are compared with.",
            show_default=False,
        ),
    ],
    replications: Annotated[
        int,
        typer.Option(
            "--replications",
            "-r",
            min=2,
            help="Paired replications per design (seeds base, base+1, …).",
        ),
    ] = 20,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Base seed: replication r uses base + r for every design "
            "(default: the first scenario's `seed`).",
            show_default=False,
        ),
    ] = None,
    periods: Annotated[
        int | None,
        typer.Option(
            help="Run length in periods for every design (overrides `time.periods`).",
            show_default=False,
        ),
    ] = None,
    set_: SetOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (default: 1 for 8 runs or fewer, else the number of cores).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Comparison directory; must not exist. Default: results/compare-TIME (UTC).",
            show_default=False,
            file_okay=True,
            dir_okay=True,
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no table; print the DIR.")
    ] = False,
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            metavar="KPI",
            help="The KPI of the verdict (any KPI of docs/kpis.md, judged in its better "
            "direction); it joins the table's KPIs.",
        ),
    ] = "contribution_npv",
) -> int:
    """Compare designs on paired replications with common seeds (comparison.csv, plots)."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.compare import (
        check_objective,
        comparability_warnings,
        default_out_dir,
        default_workers,
        differences_frame,
        load_designs,
        replication_seeds,
        run_compare,
    )

    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.rundir import check_out_dir

    problems: list[str] = []
    designs: list[Design] = []
    try:
        check_objective(objective)
    except InputError as exc:
        problems += exc.problems
    try:
        designs = load_designs(scenarios, list(set_ or []), periods)
    except InputError as exc:
        problems += exc.problems
    if out is not None:
        try:
            check_out_dir(out)
        except InputError as exc:
            problems += exc.problems
    if problems or not designs:
        raise InputError(problems)
    base = designs[0].loaded.scenario.seed if seed is None else seed
    seeds = replication_seeds(base, replications)
    n_workers = workers if workers is not None else default_workers(len(seeds) * len(designs))
    out_dir = out if out is not None else default_out_dir()
    arguments = {
        "scenarios": list(scenarios),
        "replications": replications,
        "seed": seed,
        "periods": periods,
        "set": list(set_ or []),
        "workers": n_workers,
        "out": str(out_dir),
        "objective": objective,
    }
    for line in comparability_warnings(designs):
        _err(f"warning: {line}")
    if not quiet:
        _print_differences(differences_frame(designs), [d.name for d in designs])
    result = run_compare(designs, seeds, out_dir, n_workers, not quiet, arguments, objective)
    for run_id in result.failed:
        _err(f"run failed: {run_id} (see {result.out_dir / 'failed' / (run_id + '.txt')})")
    if quiet:
        sys.stdout.write(f"{result.out_dir}\n")
    else:
        _print_comparison(result, [d.name for d in designs])
    return EXIT_INTERNAL if result.failed else EXIT_OK


@app.command("check-model")
def check_model(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="PATH",
            help="The report to write (replaced if it exists).",
            dir_okay=False,
        ),
    ] = Path("docs/validation.md"),
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Fewer replications and a smaller pure_diffusion (tests)."),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Worker processes (default: the number of cores).", show_default=False
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no table; print the PATH.")
    ] = False,
) -> int:
    """Run every theory check and write the validation report (exit 1 if a check fails)."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.compare import default_workers
    from sim.progress import runs_progress, wants_progress
    from sim.validation.catalogue import CHECKS, planned_runs, run_checks
    from sim.validation.registry import FULL, QUICK
    from sim.validation.report import check_report_path, console_table, markdown, write_report

    check_report_path(out)
    settings = QUICK if quick else FULL
    runs = planned_runs(settings)
    n_workers = workers if workers is not None else default_workers(runs)
    with runs_progress(runs, "check-model", wants_progress(not quiet)) as advance:
        results = run_checks(settings, n_workers, advance)
    write_report(out, markdown(CHECKS, results, settings))
    if quiet:
        sys.stdout.write(f"{out}\n")
    else:
        console = Console()
        console.print(console_table(results))
        console.print(f"wrote {out}", highlight=False, soft_wrap=True)
    return EXIT_OK if all(r.ok for r in results) else EXIT_INTERNAL


def _cell(x: Any) -> Any:
    """A comparison-table value as printed: None for a missing or non-finite number."""
    if x is None or isinstance(x, bool | str):
        return x
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _money_scale(table: Any, kpis: Sequence[str]) -> tuple[float, str]:
    """One divisor and suffix for every money KPI of the comparison table (k or M)."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.analysis.verdict import money_scale

    money = [k for k in kpis if k in KPIS_BY_NAME and KPIS_BY_NAME[k].fmt == "money"]
    rows = table[table["kpi"].isin(money)]
    return money_scale([_cell(x) for x in rows["mean"]])


def _shown(kpi: str, value: Any, scale: tuple[float, str], delta: bool = False) -> str:
    """A value of the comparison table: money divided by the table's scale, else as registered."""
    entry = KPIS_BY_NAME.get(kpi)
    if entry is None or entry.fmt != "money" or value is None:
        return format_value(kpi, value, delta=delta)
    digits = 2 if scale[1] else 0
    return f"{value / scale[0]:{'+' if delta else ''},.{digits}f}"


def _kpi_label(kpi: str, scale: tuple[float, str], currency: str) -> str:
    """A KPI's row label; money KPIs name their unit (e.g. ``revenue total, USD M``)."""
    entry = kpi_of(kpi)
    label = kpi if entry is None else entry.label
    if entry is not None and kpi not in KPIS_BY_NAME:  # a per-channel KPI, flattened
        label = f"{label} ({kpi.partition('.')[2]})"
    if entry is not None and entry.fmt == "money":
        return f"{label}, {currency} {scale[1]}".rstrip()
    if entry is not None and entry.fmt == "share":
        return f"{label}, % (Δ pp)"
    return label


def _comparison_line(
    kpi: str, rows: dict[str, Any], names: list[str], scale: tuple[float, str], currency: str
) -> list[str | Text]:
    """One KPI's row of the comparison table: each design's mean, then its difference.

    Args:
        kpi: The KPI.
        rows: The KPI's rows of ``comparison.csv`` by design.
        names: The designs, the reference first.
        scale: The money divisor and its suffix (:func:`_money_scale`).
        currency: The currency of money KPIs.
    """
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.analysis.verdict import mark

    line: list[str | Text] = [_kpi_label(kpi, scale, currency)]
    for i, name in enumerate(names):
        row = rows.get(name)
        if row is None:
            line += ["–"] if i == 0 else ["–", "–"]
            continue
        line.append(_shown(kpi, _cell(row["mean"]), scale).removesuffix(" %"))
        if i == 0:
            continue
        diff = _cell(row["diff_mean"])
        if diff is None:
            line.append("–")
            continue
        low = _shown(kpi, _cell(row["diff_ci_low"]), scale, delta=True)
        high = _shown(kpi, _cell(row["diff_ci_high"]), scale, delta=True)
        verdict = _cell(row["verdict"]) or ""
        text = f"{_shown(kpi, diff, scale, delta=True)} [{low}, {high}] {mark(verdict) or ' '}"
        style = {"better": "green", "worse": "red"}.get(verdict, "")
        line.append(Text(text, style=style))
    return line


def _verdict_lines(result: CompareResult, names: list[str]) -> list[str]:
    """One line per design ≠ first: Δ objective [95 % CI], better in k of R, the verdict."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.analysis.verdict import plain_verdict, replications_needed
    from sim.compare import ALPHA, shown_kpis

    objective = result.objective
    table = result.table
    family = table[table["kpi"].isin(shown_kpis(objective))]
    tests = max(1, int(family["p_value"].notna().sum()))
    rows = {str(r["design"]): r for _, r in table[table["kpi"] == objective].iterrows()}
    entry = kpi_of(objective)
    label = entry.label if entry is not None else objective
    scale = _money_scale(table, [objective])
    unit = f" {result.currency} {scale[1]}".rstrip() if entry and entry.fmt == "money" else ""
    unit = unit or delta_unit(objective)
    lines = []
    for name in names[1:]:
        row = rows.get(name)
        diff = None if row is None else _cell(row["diff_mean"])
        if row is None or diff is None:
            lines.append(f"{name}: Δ {label} undefined (the KPI has no value in some run)")
            continue
        low = _shown(objective, _cell(row["diff_ci_low"]), scale, delta=True)
        high = _shown(objective, _cell(row["diff_ci_high"]), scale, delta=True)
        n_better, n = _cell(row["n_better"]), int(row["n"])
        count = "" if n_better is None else f"; better in {int(n_better)} of {n} paired runs"
        needed = replications_needed(diff, _cell(row["diff_sd"]), ALPHA / tests)
        words = plain_verdict(_cell(row["verdict"]), n, needed, _cell(row["p_holm"]), tests)
        lines.append(
            f"{name}: Δ {label} {_shown(objective, diff, scale, delta=True)}{unit} "
            f"[95 % CI {low}, {high}]{count} → {words}"
        )
    return lines


DIFFERENCES_SHOWN = 15
"""At most this many differing keys are printed per design (all are in differences.csv)."""


def _print_differences(differences: Any, names: list[str]) -> None:
    """Print what differs from the first design, per design, before anything runs.

    Args:
        differences: :func:`sim.compare.differences_frame` of the designs.
        names: The designs, the reference first.
    """
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.scenario.diff import format_value

    lines = [f"What differs from {names[0]} (resolved scenarios; description and seed aside):"]
    for name in names[1:]:
        rows = differences[differences["design"] == name]
        if rows.empty:
            lines.append(f"  {name}: nothing (the same scenario)")
            continue
        lines.append(f"  {name}:")
        for row in rows.head(DIFFERENCES_SHOWN).itertuples(index=False):
            ref, value = format_value(row.reference_value), format_value(row.value)
            lines.append(f"    {row.key}: {ref} → {value}")
        if len(rows) > DIFFERENCES_SHOWN:
            more = len(rows) - DIFFERENCES_SHOWN
            lines.append(f"    … and {more} more, see differences.csv")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def _print_comparison(result: CompareResult, names: list[str]) -> None:
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.compare import ALPHA, shown_kpis

    table = result.table
    seeds = result.seeds
    first = names[0]
    kpis = shown_kpis(result.objective)
    scale = _money_scale(table, kpis)
    view = Table(
        title=f"{len(names)} designs × {len(seeds)} paired replications "
        f"(seeds {seeds[0]}–{seeds[-1]}); money in {result.currency} {scale[1]}".rstrip()
    )
    view.add_column("KPI")
    view.add_column(f"{first}\nmean", justify="right")
    for name in names[1:]:
        view.add_column(f"{name}\nmean", justify="right")
        view.add_column(f"Δ vs {first}\n[95 % CI]", justify="right")
    for kpi in kpis:
        rows = {str(r["design"]): r for _, r in table[table["kpi"] == kpi].iterrows()}
        if not rows:
            continue
        view.add_row(*_comparison_line(kpi, rows, names, scale, result.currency))
    console = Console() if sys.stdout.isatty() else Console(width=100)
    console.print(view)
    console.print(
        f"▲ better, ▼ worse, · no difference: Holm-adjusted p < {ALPHA:g} over the KPIs of this "
        "table; a KPI with the same difference in every run or repeating another is not "
        "tested (no mark). All KPIs: comparison.csv",
        highlight=False,
    )
    for name in names[1:]:
        _print_does_it_pay(console, table, name, first, result.currency)
    if len(names) > 1:
        console.print(
            "'Does … pay?' intervals are each paired difference's own 95 % CI; the marks above "
            "use the stricter Holm adjustment. Discounts are already out of net "
            "revenue; program cost is net of the program fees partners pay.",
            highlight=False,
        )
    console.print(f"Verdict on {result.objective} against {first}:", highlight=False)
    for line in _verdict_lines(result, names):
        console.print(line, highlight=False, soft_wrap=True)
    console.print(f"wrote {result.out_dir}", highlight=False, soft_wrap=True)


def _print_does_it_pay(
    console: Console, table: Any, design: str, reference: str, currency: str
) -> None:
    """Print whether a design pays: its money lines against the reference, then the answer."""
    # lazy: keeps `channelsim --help` fast (pandas)
    from sim.analysis.does_it_pay import answer, money_deltas

    lines = money_deltas(table, design)
    if not lines:
        return
    view = Table(title=f"Does {design} pay? Δ vs {reference} over the run, paired [95 % CI]")
    view.add_column("line")
    view.add_column("Δ", justify="right")
    view.add_column("95 % CI", justify="right")
    view.add_column("higher in", justify="right")
    for line in lines:
        view.add_row(line.label, *line.parts(currency))
    console.print(view)
    console.print(answer(design, reference, lines, currency), highlight=False, soft_wrap=True)


@app.command()
def sweep(  # noqa: PLR0913 (a typer command: one argument per option, 9 since --set/--periods/--seed)
    sweep_file: Annotated[
        str,
        typer.Argument(metavar="SWEEP", help="A sweep file (TOML).", show_default=False),
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (default: the number of cores; 1 runs in this process).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run on the Dask scheduler at ADDRESS (e.g. tcp://host:8786) instead of local "
            "processes; not with --workers. Its workers need channelsim installed and the "
            "sweep directory on a shared filesystem at the same path.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Sweep directory; must not exist unless --resume. "
            "Default: results/sweep-NAME-TIME (the sweep file name, TIME in UTC).",
            show_default=False,
            file_okay=True,
            dir_okay=True,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the sweep in --out DIR: skip finished runs, retry failed ones.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary; print the DIR.")
    ] = False,
    set_: SetOpt = None,
    periods: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Run length in periods of every run (overrides `time.periods`).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="The sweep's seed (default: its `seed`); replication r uses seed + r.",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Run every run of a sweep's design, one Parquet file per run, then compact them.

    --set and --periods apply to the base scenario of every run (after the sweep's `set`);
    they and --seed are recorded in manifest.json, and --resume must repeat them.
    """
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.sweep.design import design_runs
    from sim.sweep.execute import default_out_dir, run_sweep
    from sim.sweep.spec import load_sweep, with_command_line
    from sim.sweep.store import command_line_record

    if resume and out is None:
        raise InputError("--resume: expected --out DIR, the directory of the sweep to continue")
    if scheduler is not None and workers is not None:
        raise InputError(
            "--workers: not accepted with --scheduler; expected one of them (the Dask "
            "cluster's workers run the sweep)"
        )
    loaded = with_command_line(load_sweep(sweep_file), set_ or [], periods, seed)
    command_line = command_line_record(set_ or [], periods, seed)
    runs = design_runs(loaded)
    try:
        text = Path(loaded.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{sweep_file}: cannot read the sweep file: {exc}") from None
    out_dir = out if out is not None else default_out_dir(loaded.name)
    executor: Executor | None = None
    close: Callable[[], None] | None = None
    if scheduler is not None:  # connect before anything is written: unreachable → exit 2
        # lazy: dask is an optional dependency, imported only with --scheduler
        from sim.sweep.dask_backend import cluster_threads, dask_executor

        executor, close = dask_executor(scheduler)
        workers = max(1, cluster_threads(executor))  # sizes the chunks for the cluster
    try:
        summary = run_sweep(
            str(loaded.base_source),
            runs,
            out_dir,
            name=loaded.name,
            sweep_text=text,
            source=sweep_file,
            workers=workers,
            resume=resume,
            progress=not quiet,
            executor=executor,
            variables=[f.key for f in getattr(loaded.spec, "factors", None) or []],
            command_line=command_line,
        )
    finally:
        if close is not None:
            close()
    for run_id in summary.failed_ids:
        _err(f"run failed: {run_id} (see {out_dir / 'failed' / (run_id + '.txt')})")
    if quiet:
        sys.stdout.write(f"{out_dir}\n")
    else:
        sys.stdout.write(
            f"{summary.total} runs: {summary.done} done, {summary.skipped} finished before, "
            f"{summary.failed} failed ({summary.seconds:.1f} s)\nwrote {out_dir}\n"
        )
    _write_saturation(out_dir, loaded, quiet)
    _write_thresholds(out_dir, loaded, quiet)
    _write_lever_summary(out_dir, loaded, quiet)
    return EXIT_INTERNAL if summary.failed else EXIT_OK


def _write_lever_summary(out_dir: Path, loaded: Any, quiet: bool) -> None:
    """Write ``summary_by_lever.csv`` (main effects) and print it (unless quiet)."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.sweep.reports import format_lever_summary, write_lever_summary

    written = write_lever_summary(out_dir, loaded)
    if quiet or written is None or written[1].empty:
        return
    path, table = written
    sys.stdout.write(format_lever_summary(table))
    sys.stdout.write(f"wrote {path}\n")


def _write_saturation(out_dir: Path, loaded: Any, quiet: bool) -> None:
    """Write a saturation sweep's curves into its directory (nothing for other sweeps)."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.sweep.reports import write_saturation_files

    paths = write_saturation_files(out_dir, loaded)
    if quiet or not paths:
        return
    for path in paths:
        if path.suffix == ".json":
            fit = json.loads(path.read_text(encoding="utf-8"))
            if not fit.get("ok"):
                sys.stdout.write(f"saturation: no curve for {fit['kpi']}: {fit['message']}\n")
            elif fit.get("status") != "saturating":
                sys.stdout.write(f"saturation: {fit['kpi']}: {fit['status']} ({fit['reason']})\n")
    sys.stdout.write(f"wrote {len(paths)} saturation files (saturation_*.csv, .json, .png)\n")


def _write_thresholds(out_dir: Path, loaded: Any, quiet: bool) -> None:
    """Write a saturation sweep's thresholds file and print its table (when it asks for it)."""
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.analysis.saturation_thresholds import format_thresholds
    from sim.sweep.reports import write_threshold_file

    written = write_threshold_file(out_dir, loaded)
    if quiet or written is None:
        return
    path, report = written
    sys.stdout.write(format_thresholds(report))
    sys.stdout.write(f"wrote {path}\n")


@app.command()
def sensitivity(
    sweep_file: Annotated[
        str,
        typer.Argument(
            metavar="SWEEP",
            help="A sweep file (TOML) with method sobol or morris.",
            show_default=False,
        ),
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (default: the number of cores; 1 runs in this process).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run on the Dask scheduler at ADDRESS instead of local processes (as `sweep`).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Sweep directory; must not exist unless --resume. "
            "Default: results/sweep-NAME-TIME (the sweep file name, TIME in UTC).",
            show_default=False,
            file_okay=True,
            dir_okay=True,
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the sweep in --out DIR (skip finished runs, retry failed ones), "
            "then compute the indices.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no table; print the DIR.")
    ] = False,
) -> int:
    """Run (or resume) a sobol or morris sweep, then compute its sensitivity indices.

    Writes sensitivity.csv and a bar chart per KPI; failed runs: no indices, exit 1.
    """
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.analysis.sensitivity import check_method
    from sim.sweep.execute import default_out_dir
    from sim.sweep.reports import analyse
    from sim.sweep.spec import load_sweep

    if resume and out is None:
        raise InputError("--resume: expected --out DIR, the directory of the sweep to continue")
    loaded = load_sweep(sweep_file)
    check_method(loaded)
    out_dir = out if out is not None else default_out_dir(loaded.name)
    code = sweep(
        sweep_file, workers=workers, scheduler=scheduler, out=out_dir, resume=resume, quiet=quiet
    )
    if code != EXIT_OK:
        _err(
            f"sensitivity: no indices: some runs failed; once fixed, continue with "
            f"'channelsim sensitivity {sweep_file} --resume --out {out_dir}'"
        )
        return code
    table = analyse(out_dir, loaded)
    if not quiet:
        _print_sensitivity(table, out_dir)
    return EXIT_OK


def _print_sensitivity(table: Any, out_dir: Path) -> None:
    # lazy: keeps `channelsim --help` fast, measured (see the module docstring)
    from sim.analysis.sensitivity import CSV_FILE

    def pm(value: Any, conf: Any = None) -> str:
        if value is None or not math.isfinite(float(value)):
            return "–"
        text = f"{float(value):.3g}"
        if conf is not None and math.isfinite(float(conf)):
            text += f" ± {float(conf):.2g}"
        return text

    method = str(table["method"].iloc[0]) if len(table) else "sobol"
    view = Table(title=f"{method} sensitivity (95 % CI)")
    view.add_column("KPI")
    view.add_column("factor")
    if method == "sobol":
        view.add_column("S1 first order", justify="right")
        view.add_column("ST total order", justify="right")
    else:
        view.add_column("μ*", justify="right")
        view.add_column("μ", justify="right")
        view.add_column("σ", justify="right")
    for _, row in table.iterrows():
        if method == "sobol":
            cells = [pm(row["S1"], row["S1_conf"]), pm(row["ST"], row["ST_conf"])]
        else:
            cells = [pm(row["mu_star"], row["mu_star_conf"]), pm(row["mu"]), pm(row["sigma"])]
        if row["note"]:
            cells = [str(row["note"])] + [""] * (len(cells) - 1)
        view.add_row(str(row["kpi"]), str(row["factor"]), *cells)
    console = Console()
    console.print(view)
    console.print(
        f"wrote {out_dir / CSV_FILE} and sensitivity_*.png", highlight=False, soft_wrap=True
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``channelsim`` command.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).
    """
    global _one_shot_process
    _one_shot_process = True
    app(args=None if argv is None else list(argv), prog_name="channelsim")
