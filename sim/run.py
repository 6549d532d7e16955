"""Run one scenario with a seed (:func:`simulate`): the one way every command runs the model.

``channelsim run`` (:func:`run_scenario`), ``compare``, ``sweep`` and the Python API
(:mod:`sim.api`) all call :func:`simulate` and get a :class:`RunResult`: the run's tables in
memory, its ``summary.json`` content and its KPIs. :func:`sim.rundir.write_run` writes a result
as a run directory.

Imports of the model, pandas and the KPI modules are lazy (inside the functions, marked
``# lazy``): the commands import this module before they check their input, which should fail
fast, and ``channelsim run`` imports the model before the other libraries
(``sim.cli._prepare_run``: Mesa starts faster with fewer modules loaded, measured).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sim
from sim.progress import progress_bar, wants_progress
from sim.rundir import RunFiles, check_out_dir, run_name, write_run
from sim.scenario import scenario_sha256

if TYPE_CHECKING:
    import pandas as pd

    from sim.analysis.bass import BassFit, BassNlsFit
    from sim.analysis.kpis import Retention
    from sim.model import ChannelModel
    from sim.scenario import LoadedScenario


@dataclass(frozen=True)
class RunResult:
    """One finished run in memory: its tables, its KPIs and (if kept) its model.

    The tables are the content of the run directory's files (:func:`sim.rundir.write_run`
    writes them).
    The summary and the KPIs are computed on first use and kept.

    Attributes:
        loaded: The scenario of the run.
        seed: The root seed used.
        timeseries: One row per period (``timeseries.csv``).
        partners: One row per seller (``partners.csv``).
        deals: One row per closed or lost opportunity (``deals.parquet``).
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
    def bass_nls_fit(self) -> BassNlsFit:
        """The continuous Bass model fitted by NLS to the adoptions per period (p, q per year)."""
        from sim.analysis.bass import fit_bass_nls  # lazy: see the module docstring

        months = 1.0 if self.loaded.scenario.time.period == "month" else 12.0 / 52.0
        adoption = self.timeseries["adoption"].to_numpy(dtype="float64")
        return fit_bass_nls(adoption, 12.0 / months, m_max=1.0, cumulative=True)

    @cached_property
    def kpis(self) -> dict[str, Any]:
        """The KPIs of ``summary.json``, which ``compare`` and ``sweep`` analyse too.

        Computed by :func:`sim.analysis.kpis.summary_kpis` on first read, in registry order.
        """
        # lazy: see the module docstring
        from sim.analysis.kpis import summary_kpis as compute_summary_kpis

        return compute_summary_kpis(
            self.timeseries,
            self.partners,
            self.deals,
            self.loaded.scenario,
            self.retention,
            self.bass_fit,
            self.bass_nls_fit,
        )

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``: the run's identity and its KPIs."""
        return summary_document(self.loaded, self.seed, self.kpis)


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


def flatten_kpis(kpis: dict[str, Any]) -> dict[str, float | None]:
    """The scalar numeric KPIs, dict-valued ones flattened as ``name.key``.

    Args:
        kpis: KPIs as :attr:`RunResult.kpis` holds them.

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
