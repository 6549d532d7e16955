"""Result directories written atomically, and the files of a run directory (:func:`write_run`).

A run directory (SPEC §5) holds ``timeseries.csv``, ``timeseries.parquet``, ``partners.csv``,
``deals.parquet``, ``summary.json``, ``scenario.resolved.toml`` and four PNG plots. Everything is
written into a temporary sibling directory first (:func:`make_temp_dir`) and renamed into place at
the end (:func:`publish_dir`), so a run that fails leaves nothing behind, and an existing
directory is never overwritten; ``compare`` and ``sweep`` write their directories the same way.
Nothing time- or host-dependent enters the files: the same scenario and seed give the same bytes.

Imports of pandas, pyarrow and matplotlib are lazy (inside the functions, marked ``# lazy``):
``channelsim validate`` imports this module for :func:`run_name` and would otherwise load them
(seconds, measured with ``python -X importtime``), and on ``channelsim run`` the CLI imports the
model before them (``sim.cli._prepare_run``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import InputError
from sim.scenario import dump_resolved, scenario_sha256

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from sim.run import RunResult
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


def write_run_files(result: RunResult, folder: Path) -> dict[str, Any]:
    """Write every file of a run directory into ``folder`` (which must exist).

    Args:
        result: The run (:func:`sim.run.simulate`).
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

    write_run_plots(
        ts, folder, result.bass_nls_fit, scenario.finance.currency, scenario.time.period
    )
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
        result: The run (:func:`sim.run.simulate`).
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
