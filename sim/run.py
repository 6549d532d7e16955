"""Run one scenario (:func:`simulate`) and write its run directory atomically (:func:`write_run`).

:func:`simulate` is the one way to run a scenario: ``channelsim run``, ``compare``, ``sweep`` and
the Python API (:mod:`sim.api`) all call it and get a :class:`RunResult` (the tables in memory).

A run directory (SPEC §5) holds ``timeseries.csv``, ``timeseries.parquet``, ``partners.csv``,
``deals.parquet``, ``summary.json``, ``scenario.resolved.toml`` and four PNG plots. Everything is
written into a temporary sibling directory first and renamed into place at the end, so a run
that fails leaves nothing behind, and an existing directory is never overwritten. Nothing time-
or host-dependent enters the files: the same scenario and seed give the same bytes.

Imports of the model, pandas, pyarrow, matplotlib and the KPI modules are lazy (inside the
functions, marked ``# lazy``): ``channelsim validate`` imports this module for :func:`run_name`
and would otherwise load them all (seconds, measured with ``python -X importtime``), and on
``channelsim run`` the CLI imports the model before them (``sim.cli._prepare_run``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sim
from sim.errors import InputError
from sim.progress import progress_bar, wants_progress
from sim.scenario import dump_resolved, scenario_sha256

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from sim.analysis.bass import BassFit
    from sim.analysis.kpis import Retention
    from sim.model import ChannelModel
    from sim.scenario import LoadedScenario, Scenario

RUN_FILES: tuple[str, ...] = (
    "timeseries.csv",
    "timeseries.parquet",
    "partners.csv",
    "deals.parquet",
    "summary.json",
    "scenario.resolved.toml",
)
"""Data files of a run directory (besides the plots)."""

PLOT_FILES: tuple[str, ...] = (
    "revenue_by_channel.png",
    "adoption.png",
    "partners_by_tier.png",
    "conflicts.png",
)
"""Plots of a run directory."""


RESOLVED_HEADER = re.compile(
    r'# channelsim resolved scenario: name = (".*"), sha256 = ([0-9a-f]{64})'
)
"""First line of a run's ``scenario.resolved.toml``: the scenario's name and hash."""


def resolved_text(name: str, scenario: Scenario) -> str:
    """The text of ``scenario.resolved.toml``: a header line naming the scenario, then TOML.

    The header is a TOML comment, so the file loads as the scenario itself. It records the name
    so that running the file reproduces the run byte for byte, name included (see
    :func:`run_name`).

    Args:
        name: The scenario's name.
        scenario: The validated scenario.

    Returns:
        The file's text.
    """
    header = (
        f"# channelsim resolved scenario: name = {json.dumps(name, ensure_ascii=False)}, "
        f"sha256 = {scenario_sha256(scenario)}\n"
    )
    return header + dump_resolved(scenario)


def run_name(loaded: LoadedScenario) -> str:
    """The name a run records for its scenario.

    The file's stem, except for a run's ``scenario.resolved.toml`` (or a copy of it) whose
    scenario is unchanged: that keeps the name recorded in its header line.

    Args:
        loaded: The validated scenario.

    Returns:
        The name.
    """
    try:
        with open(loaded.path, encoding="utf-8-sig") as fh:
            first = fh.readline(4096).rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return loaded.name
    match = RESOLVED_HEADER.fullmatch(first)
    if match is None or match[2] != scenario_sha256(loaded.scenario):
        return loaded.name
    try:
        name = json.loads(match[1])
    except ValueError:
        return loaded.name
    return name if isinstance(name, str) and name else loaded.name


@dataclass(frozen=True)
class RunResult:
    """One finished run in memory: its tables, its KPIs and (if kept) its model.

    The tables are the content of the run directory's files (:func:`write_run` writes them).
    The summary and the KPIs are computed on first use and kept.

    Attributes:
        loaded: The scenario of the run.
        seed: The root seed used.
        timeseries: One row per period (``timeseries.csv``).
        partners: One row per seller (``partners.csv``).
        deals: One row per won deal (``deals.parquet``).
        retention: The MRR retention of the cohort of customers 12 months before the end
            (None when the run is not longer than 12 months).
        model_seconds: Wall time of the model run alone (not written to any file).
        model: The model after its last period, when :func:`simulate` was asked to keep it.
    """

    loaded: LoadedScenario
    seed: int
    timeseries: pd.DataFrame
    partners: pd.DataFrame
    deals: pd.DataFrame
    retention: Retention | None = None
    model_seconds: float = 0.0
    model: ChannelModel | None = field(default=None, repr=False, compare=False)

    @cached_property
    def bass_fit(self) -> BassFit:
        """The Bass model fitted to the adoption per period."""
        from sim.analysis.bass import fit_bass  # lazy: see the module docstring

        return fit_bass(self.timeseries["adoption"].to_numpy(dtype="float64"))

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json`` (:func:`summary_document`)."""
        from sim.analysis.kpis import summary_kpis  # lazy: see the module docstring

        kpis = summary_kpis(
            self.timeseries,
            self.partners,
            self.deals,
            self.loaded.scenario,
            self.retention,
            self.bass_fit,
        )
        return summary_document(self.loaded, self.seed, kpis)

    @cached_property
    def kpis(self) -> dict[str, Any]:
        """The KPIs that ``compare`` and ``sweep`` analyse (:func:`run_kpis`)."""
        return run_kpis(
            self.timeseries,
            self.partners,
            self.deals,
            self.loaded,
            self.retention,
            self.bass_fit,
        )


@dataclass(frozen=True)
class RunFiles:
    """What :func:`write_run` wrote.

    Attributes:
        out_dir: The run directory.
        seed: The root seed used.
        summary: The content of ``summary.json``.
        files: The files written, relative to ``out_dir``, sorted.
        model_seconds: Wall time of the model run alone (not written to any file).
    """

    out_dir: Path
    seed: int
    summary: dict[str, Any]
    files: list[str] = field(default_factory=list)
    model_seconds: float = 0.0


def default_out_dir(name: str, seed: int) -> Path:
    """The default run directory: ``results/<name>-s<seed>-<UTC timestamp>``.

    Args:
        name: The scenario's name.
        seed: The root seed of the run.

    Returns:
        A path relative to the current working directory, e.g.
        ``results/baseline-s1-20250101T120000Z``.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("results") / f"{name}-s{seed}-{stamp}"


def check_out_dir(out_dir: Path) -> None:
    """Check that a run directory can be created: it does not exist and its parent is writable.

    Args:
        out_dir: The run directory to create.

    Raises:
        InputError: The path exists, or its nearest existing ancestor is not a writable folder.
    """
    shown = str(out_dir)
    if out_dir.exists() or out_dir.is_symlink():
        raise InputError(
            f"{shown}: output directory already exists; expected a path that does not exist "
            "(a run never overwrites another)"
        )
    ancestor = out_dir.absolute().parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(
            f"{shown}: cannot create the output directory: {ancestor} is not a directory"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(f"{shown}: cannot create the output directory: {ancestor} is not writable")


def make_temp_dir(out_dir: Path) -> Path:
    """Create the per-process temporary sibling a result directory is written into.

    Everything is written there and renamed to ``out_dir`` at the end, so a failed or
    interrupted command leaves no half-written result.

    Args:
        out_dir: The result directory to be (it must not exist).

    Returns:
        The new, empty temporary directory ``.<name>.tmp-<pid>`` beside ``out_dir``.

    Raises:
        InputError: When the directory cannot be created.
    """
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"{out_dir}: cannot create the output directory: {exc.strerror or exc}"
        ) from None
    tmp = parent / f".{out_dir.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        tmp.mkdir()
    except OSError as exc:
        raise InputError(
            f"{out_dir}: cannot create the output directory: {exc.strerror or exc}"
        ) from None
    return tmp


def run_model(
    loaded: LoadedScenario, seed: int | None, progress: bool = False
) -> tuple[ChannelModel, Retention | None]:
    """Run the model of a scenario period by period.

    Args:
        loaded: The validated scenario.
        seed: Root seed (None: the scenario's ``seed``).
        progress: Draw a progress bar on stderr when it is a terminal.

    Returns:
        The model after its last period, and the MRR retention of the cohort of customers
        12 months before the end (None when the run is not longer than 12 months).
    """
    # lazy: see the module docstring
    from sim.analysis.kpis import RETENTION_WINDOW_MONTHS, period_months, retention_from_mrr
    from sim.model import ChannelModel
    from sim.outputs import account_mrr

    scenario = loaded.scenario
    model = ChannelModel(scenario, seed)
    periods = scenario.time.periods
    window = round(RETENTION_WINDOW_MONTHS / period_months(scenario))
    snapshot_after = periods - window
    start_mrr = None
    with progress_bar(periods, loaded.name, wants_progress(progress)) as advance:
        for t in range(1, periods + 1):
            model.step()
            if t == snapshot_after:
                start_mrr = account_mrr(model)
            advance(1)
    retention = None if start_mrr is None else retention_from_mrr(start_mrr, account_mrr(model))
    return model, retention


def _arrow_table(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """An arrow table without pandas metadata or index (stable bytes)."""
    import pyarrow as pa  # lazy: see the module docstring

    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    return table.replace_schema_metadata(None)


def _deals_schema(frame: pd.DataFrame) -> pa.Schema:
    """Explicit types of the deals table (so an empty table keeps its column types)."""
    import pyarrow as pa  # lazy: see the module docstring

    types: dict[str, pa.DataType] = {}
    for name, dtype in frame.dtypes.items():
        kind = getattr(dtype, "kind", "O")
        if kind == "b":
            types[str(name)] = pa.bool_()
        elif kind in "iu":
            types[str(name)] = pa.int64()
        elif kind == "f":
            types[str(name)] = pa.float64()
        else:
            types[str(name)] = pa.string()
    return pa.schema(list(types.items()))


def write_parquet(frame: pd.DataFrame, path: Path, schema: pa.Schema | None = None) -> None:
    """Write a frame as Parquet without pandas metadata or index (stable bytes).

    Args:
        frame: The table.
        path: The output file.
        schema: Explicit column types (None: inferred).
    """
    import pyarrow.parquet as pq  # lazy: see the module docstring

    pq.write_table(_arrow_table(frame, schema), path)


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def summary_document(loaded: LoadedScenario, seed: int, kpis: dict[str, Any]) -> dict[str, Any]:
    """The content of ``summary.json``: run identity, then the KPIs at top level.

    Args:
        loaded: The scenario of the run.
        seed: The root seed used.
        kpis: The KPIs (:func:`sim.analysis.kpis.summary_kpis`).

    Returns:
        A JSON-safe dict with ``seed``, ``version``, ``scenario`` (name), ``scenario_sha256``,
        ``periods``, ``period``, ``currency``, ``customers`` and every KPI.
    """
    scenario = loaded.scenario
    identity: dict[str, Any] = {
        "seed": int(seed),
        "version": sim.__version__,
        "scenario": run_name(loaded),
        "scenario_sha256": scenario_sha256(scenario),
        "periods": int(scenario.time.periods),
        "period": str(scenario.time.period),
        "currency": scenario.finance.currency,
        "customers": int(scenario.market.customers),
    }
    clash = sorted(set(identity) & set(kpis))
    if clash:
        raise ValueError(f"KPI names clash with summary keys: {', '.join(clash)}")
    return {**identity, **kpis}


def simulate(
    loaded: LoadedScenario,
    seed: int | None = None,
    *,
    progress: bool = False,
    keep_model: bool = False,
) -> RunResult:
    """Run a scenario with a seed and return its tables: the one way every command runs.

    ``channelsim run`` (:func:`run_scenario`), ``compare``, ``sweep`` and :mod:`sim.api` all
    call this function; the same scenario and seed give the same tables.

    Args:
        loaded: The validated scenario (:func:`sim.scenario.load_scenario`).
        seed: Root seed (None: the scenario's ``seed``).
        progress: Draw a progress bar on stderr when it is a terminal.
        keep_model: Keep the model after its last period in :attr:`RunResult.model` (it holds
            every account and seller: memory that a long batch of runs may not want to keep).

    Returns:
        The run's tables; its summary and KPIs are computed when first read.
    """
    from sim.outputs import deals_frame, partners_frame  # lazy: see the module docstring

    start = time.perf_counter()
    model, retention = run_model(loaded, seed, progress)
    model_seconds = time.perf_counter() - start
    return RunResult(
        loaded=loaded,
        seed=int(model.seed),
        timeseries=model.metrics.frame(),
        partners=partners_frame(model),
        deals=deals_frame(model),
        retention=retention,
        model_seconds=model_seconds,
        model=model if keep_model else None,
    )


def run_kpis(
    ts: pd.DataFrame,
    partners: pd.DataFrame,
    deals: pd.DataFrame,
    loaded: LoadedScenario,
    retention: Retention | None,
    fit: BassFit | None = None,
) -> dict[str, Any]:
    """The KPIs of one run: :func:`~sim.analysis.kpis.summary_kpis` plus the partner-side totals.

    ``discount_cost_total`` (the ``discounts`` column summed) follows ``revenue_total`` and
    ``partner_profit_total`` (every ``partner_profit_<type>`` column summed over the run)
    follows ``contribution_total``. These are the KPIs of ``compare`` and ``sweep``.

    Args:
        ts: The timeseries.
        partners: The partners table.
        deals: The deals table.
        loaded: The scenario of the run.
        retention: The retention cohort (:func:`run_model`).
        fit: The Bass fit of the adoption (None: fitted here).

    Returns:
        The KPIs by name, in a fixed order; JSON-safe.
    """
    # lazy: see the module docstring
    import numpy as np

    from sim.analysis.bass import fit_bass
    from sim.analysis.kpis import json_safe, summary_kpis

    if fit is None:
        fit = fit_bass(ts["adoption"].to_numpy(dtype="float64"))
    base = summary_kpis(ts, partners, deals, loaded.scenario, retention, fit)
    profit_cols = [str(c) for c in ts.columns if str(c).startswith("partner_profit_")]
    partner_profit = float(np.nan_to_num(ts[profit_cols].to_numpy(dtype=np.float64), nan=0.0).sum())
    discounts = (
        float(np.nan_to_num(ts["discounts"].to_numpy(dtype=np.float64), nan=0.0).sum())
        if "discounts" in ts.columns
        else None
    )
    out: dict[str, Any] = {}
    for key, value in base.items():
        out[key] = value
        if key == "revenue_total":
            out["discount_cost_total"] = discounts
        elif key == "contribution_total":
            out["partner_profit_total"] = partner_profit
    return {key: json_safe(value) for key, value in out.items()}


def flatten_kpis(kpis: dict[str, Any]) -> dict[str, float | None]:
    """The scalar numeric KPIs, dict-valued ones flattened as ``name.key``.

    Args:
        kpis: KPIs as :func:`run_kpis` returns them.

    Returns:
        KPI name → float or None, in the order of ``kpis``; booleans and strings are left out.
    """
    out: dict[str, float | None] = {}

    def put(name: str, value: Any) -> None:
        if value is None:
            out[name] = None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value) if math.isfinite(float(value)) else None

    for key, value in kpis.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                put(f"{key}.{sub}", inner)
        else:
            put(key, value)
    return out


def write_run_files(result: RunResult, folder: Path) -> dict[str, Any]:
    """Write every file of a run directory into ``folder`` (which must exist).

    Args:
        result: The run (:func:`simulate`).
        folder: Where to write.

    Returns:
        The content of ``summary.json``.
    """
    from sim.plots import write_run_plots  # lazy: see the module docstring

    scenario = result.loaded.scenario
    ts, partners, deals = result.timeseries, result.partners, result.deals

    ts.to_csv(folder / "timeseries.csv", index=False, lineterminator="\n")
    write_parquet(ts, folder / "timeseries.parquet")
    partners.to_csv(folder / "partners.csv", index=False, lineterminator="\n")
    write_parquet(deals, folder / "deals.parquet", _deals_schema(deals))

    summary = result.summary
    text = json.dumps(summary, sort_keys=True, indent=2, allow_nan=False, ensure_ascii=False)
    _write_text(folder / "summary.json", text + "\n")
    name = run_name(result.loaded)
    _write_text(folder / "scenario.resolved.toml", resolved_text(name, scenario))

    write_run_plots(ts, folder, result.bass_fit, scenario.finance.currency)
    return summary


def publish_dir(tmp: Path, out_dir: Path) -> None:
    """Move a finished temporary folder to ``out_dir``, never replacing anything there.

    Args:
        tmp: The finished folder (:func:`make_temp_dir`).
        out_dir: The result directory; it must not exist.

    Raises:
        InputError: ``out_dir`` was created by someone else meanwhile.
        OSError: The rename failed.
    """
    try:
        # mkdir is atomic: it fails if anyone created out_dir meanwhile. rename then replaces
        # our own empty folder, and fails if someone wrote into it in between.
        os.mkdir(out_dir)
    except FileExistsError:
        raise InputError(
            f"{out_dir}: output directory already exists; expected a path that does not exist "
            "(a run never overwrites another)"
        ) from None
    try:
        os.rename(tmp, out_dir)
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(out_dir)
        raise


def write_run(result: RunResult, out_dir: Path) -> RunFiles:
    """Write a run's directory atomically: tables, ``summary.json``, resolved scenario, plots.

    The files are written into ``.<name>.tmp-<pid>`` next to ``out_dir`` and renamed to
    ``out_dir`` at the end; on any failure the temporary folder is removed and nothing is left.

    Args:
        result: The run (:func:`simulate`).
        out_dir: The run directory; it must not exist. Missing parents are created.

    Returns:
        What was written.

    Raises:
        InputError: ``out_dir`` exists or cannot be created.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    tmp = make_temp_dir(out_dir)
    try:
        summary = write_run_files(result, tmp)
        files = sorted(p.name for p in tmp.iterdir())
        publish_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunFiles(
        out_dir=out_dir,
        seed=result.seed,
        summary=summary,
        files=files,
        model_seconds=result.model_seconds,
    )


def run_scenario(
    loaded: LoadedScenario, seed: int | None, out_dir: Path, progress: bool = False
) -> RunFiles:
    """Run a scenario and write its run directory atomically (``channelsim run``).

    ``out_dir`` is checked before the model runs, so a bad directory fails at once.

    Args:
        loaded: The validated scenario.
        seed: Root seed (None: the scenario's ``seed``).
        out_dir: The run directory; it must not exist. Missing parents are created.
        progress: Draw a progress bar on stderr when it is a terminal.

    Returns:
        What was written.

    Raises:
        InputError: ``out_dir`` exists or cannot be created.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    return write_run(simulate(loaded, seed, progress=progress), out_dir)
