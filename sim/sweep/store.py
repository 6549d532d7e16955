"""Durable storage of a sweep (SPEC §5): one directory, one Parquet file per finished run.

Layout of a sweep directory::

    manifest.json            the sweep file's text, the base scenario and the design (every
                             run's run_id, point, replication, seed and overrides); written by
                             the parent before any run
    runs/<run_id>.parquet    one file per finished run, in long format (:data:`RUN_SCHEMA`)
    failed/<run_id>.txt      the error (traceback text) of a run that raised
    sweep.parquet            the compaction of every run file, sorted by run_id, period, metric,
                             with one typed column per design variable (the swept keys, from
                             the manifest's ``variables``) after ``seed``

A run file holds one row per (period, metric): every numeric column of the run's timeseries for
periods 1 … T (NaN stored as null), and the summary KPIs at period 0 (dict-valued KPIs flattened
as ``name.key``; KPIs that are None or not finite are left out). Rows are sorted by period,
then metric. The file is written to ``runs/.<run_id>.<pid>.tmp`` and renamed into place with
:func:`os.replace`, so a reader (or a resumed sweep) sees a run file completely or not at all.
Its bytes depend only on the run: no pandas metadata, no timestamps, no host names.

:func:`load_sweep_frame` reads the run files through DuckDB and works while the sweep is still
running (only renamed, complete files match ``runs/*.parquet``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import sim
from sim.errors import InputError

if TYPE_CHECKING:
    from sim.sweep.types import RunSpec

MANIFEST = "manifest.json"
"""The manifest's file name."""

RUNS_DIR = "runs"
"""Folder of the per-run files."""

FAILED_DIR = "failed"
"""Folder of the error files of failed runs."""

SWEEP_FILE = "sweep.parquet"
"""The compaction of every run file."""

MANIFEST_FORMAT = 1
"""Version of the manifest's layout (``format`` key)."""

RUN_COLUMNS: tuple[str, ...] = (
    "run_id",
    "point",
    "replication",
    "seed",
    "period",
    "metric",
    "value",
)
"""Columns of a run file, in order."""

TMP_SUFFIX = ".tmp"
"""Suffix of temporary files (removed by :func:`clear_stale`)."""


def run_schema() -> pa.Schema:
    """The Arrow schema of a run file (and of ``sweep.parquet``).

    Returns:
        ``run_id`` string, ``point``/``replication``/``seed``/``period`` int64, ``metric``
        string, ``value`` float64.
    """
    return pa.schema(
        [
            ("run_id", pa.string()),
            ("point", pa.int64()),
            ("replication", pa.int64()),
            ("seed", pa.int64()),
            ("period", pa.int64()),
            ("metric", pa.string()),
            ("value", pa.float64()),
        ]
    )


# ---------------------------------------------------------------------------------------------
# paths
# ---------------------------------------------------------------------------------------------


def run_path(sweep_dir: Path, run_id: str) -> Path:
    """Where the file of a finished run lives: ``runs/<run_id>.parquet``."""
    return Path(sweep_dir) / RUNS_DIR / f"{run_id}.parquet"


def failed_path(sweep_dir: Path, run_id: str) -> Path:
    """Where the error of a failed run lives: ``failed/<run_id>.txt``."""
    return Path(sweep_dir) / FAILED_DIR / f"{run_id}.txt"


def _tmp_path(final: Path) -> Path:
    """A temporary sibling of ``final`` private to this process: ``.<stem>.<pid>.tmp``."""
    return final.with_name(f".{final.stem}.{os.getpid()}{TMP_SUFFIX}")


def _check_run_id(run_id: str) -> None:
    """Refuse a run id that could leave the sweep directory (ids are hex digests)."""
    if not run_id or not all(c.isalnum() or c in "-_" for c in run_id):
        raise ValueError(f"invalid run id {run_id!r}: expected letters, digits, '-' or '_'")


def _write_atomic(final: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling of ``final`` and rename it into place."""
    tmp = _tmp_path(final)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------------------------
# run files
# ---------------------------------------------------------------------------------------------


def run_table(spec: RunSpec, timeseries: pd.DataFrame, kpis: Mapping[str, Any]) -> pa.Table:
    """The long-format table of one run.

    Args:
        spec: The run.
        timeseries: One row per period with a ``period`` column (1 … T) and metric columns;
            non-numeric columns are left out, NaN becomes null.
        kpis: Summary KPIs (flat: name → number or None); None and non-finite values and
            non-numbers are left out.

    Returns:
        A table with :func:`run_schema`, rows sorted by period then metric (KPIs first, at
        period 0), without any schema metadata.
    """
    names: list[str] = []
    periods: list[Any] = []
    values: list[Any] = []

    kpi_items = sorted(
        (str(k), float(v))
        for k, v in kpis.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))
    )
    names.extend(k for k, _ in kpi_items)
    periods.append(np.zeros(len(kpi_items), dtype=np.int64))
    values.append(np.array([v for _, v in kpi_items], dtype=np.float64))

    metrics = sorted(
        str(c)
        for c in timeseries.columns
        if str(c) != "period" and getattr(timeseries[c].dtype, "kind", "O") in "biuf"
    )
    if metrics:
        ts_periods = timeseries["period"].to_numpy(dtype=np.int64)
        order = np.argsort(ts_periods, kind="stable")
        matrix = timeseries[metrics].to_numpy(dtype=np.float64)[order]  # (T, M)
        periods.append(np.repeat(ts_periods[order], len(metrics)))
        values.append(matrix.reshape(-1))
        names.extend(metrics * len(ts_periods))

    period_arr = np.concatenate(periods)
    value_arr = np.concatenate(values)
    n = len(period_arr)
    table = pa.table(
        [
            pa.array([spec.run_id] * n, pa.string()),
            pa.array(np.full(n, spec.point, dtype=np.int64)),
            pa.array(np.full(n, spec.replication, dtype=np.int64)),
            pa.array(np.full(n, spec.seed, dtype=np.int64)),
            pa.array(period_arr),
            pa.array(names, pa.string()),
            pa.array(value_arr, pa.float64(), from_pandas=True),  # NaN → null
        ],
        schema=run_schema(),
    )
    return table.replace_schema_metadata(None)


def parquet_bytes(table: pa.Table) -> bytes:
    """Serialise a table to Parquet bytes, deterministically (no timestamps, no metadata).

    Args:
        table: The table.

    Returns:
        The file's bytes.
    """
    sink = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(None), sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def write_run(sweep_dir: Path, table: pa.Table, run_id: str) -> Path:
    """Write a finished run's file atomically (temporary file, then :func:`os.replace`).

    Args:
        sweep_dir: The sweep directory (``runs/`` is created if missing).
        table: The run's table (:func:`run_table`).
        run_id: The run's id.

    Returns:
        The path of the run file.
    """
    _check_run_id(run_id)
    final = run_path(sweep_dir, run_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(final, parquet_bytes(table))
    return final


def write_failure(sweep_dir: Path, run_id: str, text: str) -> Path:
    """Record the error of a run that raised in ``failed/<run_id>.txt`` (atomically).

    Args:
        sweep_dir: The sweep directory.
        run_id: The run's id.
        text: The error, e.g. the formatted traceback.

    Returns:
        The path of the error file.
    """
    _check_run_id(run_id)
    final = failed_path(sweep_dir, run_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(final, text.encode("utf-8"))
    return final


def clear_failure(sweep_dir: Path, run_id: str) -> None:
    """Remove the error file of a run (after it succeeded); nothing if there is none."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(failed_path(sweep_dir, run_id))


def _ids(folder: Path, suffix: str) -> set[str]:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return set()
    return {
        e.name[: -len(suffix)]
        for e in entries
        if e.name.endswith(suffix) and not e.name.startswith(".") and e.is_file()
    }


def finished_run_ids(sweep_dir: Path) -> set[str]:
    """The ids of the runs whose file is in ``runs/`` (complete by construction).

    Args:
        sweep_dir: The sweep directory.

    Returns:
        The run ids (empty when there is no ``runs/``).
    """
    return _ids(Path(sweep_dir) / RUNS_DIR, ".parquet")


def failed_run_ids(sweep_dir: Path) -> set[str]:
    """The ids of the runs with an error file in ``failed/``.

    Args:
        sweep_dir: The sweep directory.

    Returns:
        The run ids (empty when there is no ``failed/``).
    """
    return _ids(Path(sweep_dir) / FAILED_DIR, ".txt")


def clear_stale(sweep_dir: Path) -> int:
    """Remove temporary files left by a killed sweep, and error files of runs that finished.

    Only call this while no sweep writes into ``sweep_dir``.

    Args:
        sweep_dir: The sweep directory.

    Returns:
        The number of files removed.
    """
    root = Path(sweep_dir)
    removed = 0
    for folder in (root, root / RUNS_DIR, root / FAILED_DIR):
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX) and entry.is_file():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    # A run may have been killed between writing its file and removing its old error file.
    for run_id in finished_run_ids(root) & failed_run_ids(root):
        clear_failure(root, run_id)
        removed += 1
    return removed


# ---------------------------------------------------------------------------------------------
# manifest
# ---------------------------------------------------------------------------------------------


def spec_record(spec: RunSpec) -> dict[str, Any]:
    """A run spec as a JSON-safe dict (the manifest's ``design`` entries)."""
    return {
        "run_id": spec.run_id,
        "point": int(spec.point),
        "replication": int(spec.replication),
        "seed": int(spec.seed),
        "overrides": dict(spec.overrides),
    }


def manifest_document(
    name: str,
    base_source: str,
    sweep_text: str,
    runs: Sequence[RunSpec],
    *,
    variables: Sequence[str] | None = None,
    command_line: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The content of ``manifest.json``.

    Args:
        name: The sweep's name.
        base_source: The base scenario (path or shipped name) the overrides apply to.
        sweep_text: The text of the sweep file.
        runs: The design, in order.
        variables: The design variables (the levers' and uncertainties' keys), in order; each
            becomes a column of ``sweep.parquet``; None: left out of the manifest, which then
            takes the override keys whose values vary (:func:`manifest_variables`).
        command_line: ``--set``, ``--periods`` and ``--seed`` of ``channelsim sweep``
            (:func:`command_line_record`).

    Returns:
        ``format``, ``name``, ``base``, ``sweep_file`` (text), ``runs`` (count), ``variables``,
        ``command_line`` and ``design``.
    """
    document = {
        "format": MANIFEST_FORMAT,
        "version": sim.__version__,
        "name": name,
        "base": base_source,
        "sweep_file": sweep_text,
        "runs": len(runs),
        "command_line": dict(command_line or command_line_record()),
        "design": [spec_record(s) for s in runs],
    }
    if variables is not None:
        document["variables"] = list(variables)
    return document


def command_line_record(
    set_items: Sequence[str] = (), periods: int | None = None, seed: int | None = None
) -> dict[str, Any]:
    """The manifest's ``command_line``: what ``sweep --set/--periods/--seed`` gave (or not)."""
    return {"set": list(set_items), "periods": periods, "seed": seed}


def manifest_text(document: Mapping[str, Any]) -> str:
    """Serialise a manifest (sorted keys, indented, UTF-8, final newline)."""
    return (
        json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )


def write_manifest(sweep_dir: Path, document: Mapping[str, Any]) -> Path:
    """Write ``manifest.json`` atomically.

    Args:
        sweep_dir: The sweep directory (must exist).
        document: The manifest (:func:`manifest_document`).

    Returns:
        The manifest's path.
    """
    final = Path(sweep_dir) / MANIFEST
    _write_atomic(final, manifest_text(document).encode("utf-8"))
    return final


def read_manifest(sweep_dir: Path) -> dict[str, Any]:
    """Read ``manifest.json``.

    Args:
        sweep_dir: The sweep directory.

    Returns:
        The manifest.

    Raises:
        InputError: The manifest is missing or is not a sweep manifest.
    """
    path = Path(sweep_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{sweep_dir}: no {MANIFEST}; expected a sweep directory written by 'channelsim sweep'"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot read the manifest: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("design"), list):
        raise InputError(f"{path}: not a sweep manifest (no 'design' list)")
    return data


def manifest_run_ids(document: Mapping[str, Any]) -> list[str]:
    """The run ids of a manifest's design, in order."""
    return [str(item.get("run_id")) for item in document["design"] if isinstance(item, dict)]


# ---------------------------------------------------------------------------------------------
# DuckDB: reading and compaction
# ---------------------------------------------------------------------------------------------


def _sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _runs_glob(sweep_dir: Path) -> str:
    return str(Path(sweep_dir).absolute() / RUNS_DIR / "*.parquet")


def _select_runs_sql(sweep_dir: Path) -> str:
    columns = ", ".join(RUN_COLUMNS)
    return (
        f"SELECT {columns} FROM read_parquet({_sql_string(_runs_glob(sweep_dir))}, "
        "union_by_name = true) ORDER BY run_id, period, metric"
    )


def _quoted(name: str) -> str:
    """A SQL identifier (design variables have dots: ``"partners.var.count"``)."""
    return '"' + name.replace('"', '""') + '"'


def manifest_variables(document: Mapping[str, Any]) -> list[str]:
    """The design variables of a manifest: its ``variables``, else the override keys that vary.

    Args:
        document: A manifest (:func:`read_manifest`).

    Returns:
        Scenario keys, in order.
    """
    if isinstance(document.get("variables"), list):
        return [str(v) for v in document["variables"]]
    seen: dict[str, set[str]] = {}
    for item in document["design"]:
        for key, value in dict(item.get("overrides", {})).items():
            seen.setdefault(str(key), set()).add(json.dumps(value, sort_keys=True))
    return [key for key, values in seen.items() if len(values) > 1]


def design_table(document: Mapping[str, Any]) -> pa.Table:
    """One row per (run_id, point) of a manifest's design, one typed column per variable.

    Args:
        document: A manifest.

    Returns:
        ``run_id``, ``point`` and a column per design variable (int64, float64, bool or string,
        as Arrow infers from the values; a variable mixing ints and floats is float64).
    """
    variables = manifest_variables(document)
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for item in document["design"]:
        key = (str(item["run_id"]), int(item["point"]))
        rows.setdefault(key, dict(item.get("overrides", {})))
    columns: dict[str, Any] = {
        "run_id": pa.array([k[0] for k in rows], pa.string()),
        "point": pa.array([k[1] for k in rows], pa.int64()),
    }
    for name in variables:
        columns[name] = pa.array([r.get(name) for r in rows.values()])
    return pa.table(columns)


def _compact_sql(sweep_dir: Path, variables: Sequence[str]) -> str:
    """The runs with the design variables joined in after ``seed`` (``design`` is registered)."""
    head = ", ".join(f"r.{c}" for c in RUN_COLUMNS[:4])
    extra = "".join(f", d.{_quoted(v)}" for v in variables)
    tail = ", ".join(f"r.{c}" for c in RUN_COLUMNS[4:])
    return (
        f"SELECT {head}{extra}, {tail} FROM ({_select_runs_sql(sweep_dir)}) AS r "
        "LEFT JOIN design AS d ON r.run_id = d.run_id AND r.point = d.point "
        "ORDER BY r.run_id, r.period, r.metric"
    )


def compact(sweep_dir: Path) -> Path:
    """Compact every run file into ``sweep.parquet`` with DuckDB (the run files are kept).

    The result is written to a temporary file and renamed into place. Without any run file,
    an empty ``sweep.parquet`` with the run schema is written.

    Args:
        sweep_dir: The sweep directory.

    Returns:
        The path of ``sweep.parquet``.
    """
    import duckdb  # lazy: workers import this module only to write runs (0.3 s, measured)

    root = Path(sweep_dir)
    final = root / SWEEP_FILE
    tmp = _tmp_path(final)
    try:
        if not finished_run_ids(root):
            _write_atomic(final, parquet_bytes(run_schema().empty_table()))
            return final
        select = _select_runs_sql(root)
        con = duckdb.connect()
        try:
            if (root / MANIFEST).is_file():
                document = read_manifest(root)
                con.register("design", design_table(document))
                select = _compact_sql(root, manifest_variables(document))
            con.execute(
                f"COPY ({select}) TO {_sql_string(str(tmp.absolute()))} "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
        finally:
            con.close()
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return final


def _empty_frame() -> pd.DataFrame:

    schema = run_schema()
    return pd.DataFrame({f.name: pd.Series([], dtype=f.type.to_pandas_dtype()) for f in schema})


def load_sweep_frame(sweep_dir: str | Path, wide: bool = False) -> pd.DataFrame:
    """Load a sweep's results into a DataFrame through DuckDB (also while it is running).

    Reads the finished run files (``runs/*.parquet``); a run being written is not visible
    until its file is complete.

    Args:
        sweep_dir: The sweep directory.
        wide: False: the long format (:data:`RUN_COLUMNS`, sorted by run_id, period, metric).
            True: one row per run: ``run_id``, ``point``, ``replication``, ``seed``, the
            design point's overrides (one column per scenario key, from the manifest when it
            is there) and one column per summary KPI (period 0), KPIs sorted by name.

    Returns:
        The frame (empty, with the columns, when no run has finished).
    """
    import duckdb  # lazy: workers import this module only to write runs (0.3 s, measured)

    root = Path(sweep_dir)
    if not finished_run_ids(root):
        long = _empty_frame()
    else:
        con = duckdb.connect()
        try:
            long = con.execute(_select_runs_sql(root)).df()
        finally:
            con.close()
    if not wide:
        return long.reset_index(drop=True)
    return _wide(root, long)


def _wide(root: Path, long: pd.DataFrame) -> pd.DataFrame:

    keys = ["run_id", "point", "replication", "seed"]
    summary = long[long["period"] == 0]
    runs = (
        long[keys]
        .drop_duplicates()
        .sort_values(["point", "replication", "run_id"])
        .reset_index(drop=True)
    )
    kpis = summary.pivot(index="run_id", columns="metric", values="value")
    kpis = kpis.reindex(columns=sorted(kpis.columns)).reset_index()
    kpis.columns.name = None
    frame = runs.merge(kpis, on="run_id", how="left")
    if (root / MANIFEST).is_file():
        design = read_manifest(root)["design"]
        rows = [{"run_id": d["run_id"], **dict(d.get("overrides", {}))} for d in design]
        if rows:
            # Two points resolving to the same scenario share a run id (and one run file).
            params = pd.DataFrame(rows).drop_duplicates("run_id", keep="first")
            params = params[[c for c in params.columns if c not in frame.columns or c == "run_id"]]
            frame = frame.merge(params, on="run_id", how="left")
            order = keys + [c for c in params.columns if c != "run_id"]
            frame = frame[order + [c for c in frame.columns if c not in order]]
    return frame.reset_index(drop=True)
