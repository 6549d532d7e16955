"""The sweep store: run files in long format, atomic writes, manifest, DuckDB reads, compaction."""

from __future__ import annotations

import hashlib
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.errors import InputError
from sim.sweep import store
from sim.sweep.types import RunSpec


def _rid(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _spec(point: int = 0, replication: int = 0, seed: int = 7, **overrides: Any) -> RunSpec:
    return RunSpec(_rid(point, replication, seed), point, replication, seed, dict(overrides))


def _timeseries(periods: int = 3, shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": np.arange(1, periods + 1, dtype=np.int64),
            "revenue": np.arange(periods, dtype=np.float64) * 10.0 + shift,
            "adoption": [np.nan] + [0.5 + shift] * (periods - 1),
            "conflicts": np.arange(periods, dtype=np.int64),
            "label": ["x"] * periods,  # not numeric: left out
        }
    )


KPIS: dict[str, Any] = {
    "revenue_total": 30.0,
    "nrr": None,  # None: skipped
    "channel_mix.direct": 0.25,
    "bass_p": math.inf,  # not finite: skipped
    "customers_final": 5,
}


def _write(root: Path, spec: RunSpec, shift: float = 0.0) -> Path:
    return store.write_run(root, store.run_table(spec, _timeseries(shift=shift), KPIS), spec.run_id)


def test_run_table_long_format() -> None:
    spec = _spec(point=2, replication=1, seed=11)
    table = store.run_table(spec, _timeseries(), KPIS)
    assert table.schema.names == list(store.RUN_COLUMNS)
    assert table.schema.metadata is None
    frame = table.to_pandas()
    kpis = frame[frame["period"] == 0]
    assert kpis["metric"].tolist() == ["channel_mix.direct", "customers_final", "revenue_total"]
    assert kpis["value"].tolist() == [0.25, 5.0, 30.0]
    ts = frame[frame["period"] > 0]
    assert len(ts) == 3 * 3  # three numeric metrics × three periods
    assert ts["period"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert ts["metric"].tolist()[:3] == ["adoption", "conflicts", "revenue"]
    first_adoption = ts[(ts["period"] == 1) & (ts["metric"] == "adoption")]["value"]
    assert first_adoption.isna().all()  # NaN stored as null
    assert table.column("value").null_count == 1
    assert set(frame["run_id"]) == {spec.run_id}
    assert set(frame["point"]) == {2} and set(frame["replication"]) == {1}
    assert set(frame["seed"]) == {11}


def test_round_trip_through_duckdb(tmp_path: Path) -> None:
    specs = [_spec(point=p, replication=r) for p in range(2) for r in range(2)]
    for i, spec in enumerate(specs):
        _write(tmp_path, spec, shift=float(i))
    frame = store.load_sweep_frame(tmp_path)
    assert list(frame.columns) == list(store.RUN_COLUMNS)
    assert str(frame["value"].dtype) == "float64"
    assert frame["run_id"].is_monotonic_increasing
    assert set(frame["run_id"]) == {s.run_id for s in specs}
    assert len(frame) == len(specs) * (3 + 9)
    summary = frame[frame["period"] == 0]
    assert set(summary["metric"]) == {"channel_mix.direct", "customers_final", "revenue_total"}
    # one file read back equals what was written
    one = frame[frame["run_id"] == specs[0].run_id].reset_index(drop=True)
    written = pq.read_table(store.run_path(tmp_path, specs[0].run_id)).to_pandas()
    pd.testing.assert_frame_equal(one, written, check_dtype=False)


def test_wide_frame_has_one_row_per_run_with_overrides(tmp_path: Path) -> None:
    specs = [_spec(point=p, replication=0, **{"partners.var.count": 2 + p}) for p in range(3)]
    design = [*specs, specs[0]]  # two points may share a run id: one run, one row
    store.write_manifest(tmp_path, store.manifest_document("s", "tiny", "text", design))
    for spec in specs:
        _write(tmp_path, spec)
    wide = store.load_sweep_frame(tmp_path, wide=True)
    assert len(wide) == 3
    assert list(wide.columns[:5]) == [
        "run_id",
        "point",
        "replication",
        "seed",
        "partners.var.count",
    ]
    assert list(wide.columns[5:]) == ["channel_mix.direct", "customers_final", "revenue_total"]
    by_id = wide.set_index("run_id")
    for spec in specs:
        assert by_id.loc[spec.run_id, "partners.var.count"] == spec.overrides["partners.var.count"]
        assert by_id.loc[spec.run_id, "revenue_total"] == 30.0


def test_empty_sweep_reads_as_empty_frames(tmp_path: Path) -> None:
    assert store.load_sweep_frame(tmp_path).empty
    assert list(store.load_sweep_frame(tmp_path).columns) == list(store.RUN_COLUMNS)
    assert store.load_sweep_frame(tmp_path, wide=True).empty
    path = store.compact(tmp_path)
    assert pq.read_table(path).num_rows == 0


def test_same_run_gives_same_bytes(tmp_path: Path) -> None:
    spec = _spec()
    one = store.parquet_bytes(store.run_table(spec, _timeseries(), KPIS))
    two = store.parquet_bytes(store.run_table(spec, _timeseries(), dict(reversed(KPIS.items()))))
    assert one == two
    assert b"pandas" not in one
    path = _write(tmp_path, spec)
    assert path.read_bytes() == one


class _BoomError(OSError):
    pass


def test_atomic_write_leaves_nothing_when_interrupted_mid_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = open

    class HalfFile(io.FileIO):
        def write(self, data: Any) -> int:
            super().write(bytes(data)[: len(data) // 2])
            raise _BoomError("disk full")

    def fake_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" in mode:
            return HalfFile(path, "w")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(store, "open", fake_open, raising=False)
    spec = _spec()
    with pytest.raises(_BoomError):
        _write(tmp_path, spec)
    assert os.listdir(tmp_path / store.RUNS_DIR) == []
    assert store.finished_run_ids(tmp_path) == set()


def test_atomic_write_leaves_nothing_when_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(src: Any, dst: Any) -> None:
        raise _BoomError("rename failed")

    monkeypatch.setattr(store.os, "replace", failing_replace)
    with pytest.raises(_BoomError):
        _write(tmp_path, _spec())
    assert os.listdir(tmp_path / store.RUNS_DIR) == []


def test_partial_and_temporary_files_are_invisible(tmp_path: Path) -> None:
    spec = _spec()
    _write(tmp_path, spec)
    runs = tmp_path / store.RUNS_DIR
    (runs / f".{_rid('x')}.12345.tmp").write_bytes(b"PAR1 half a file")
    assert store.finished_run_ids(tmp_path) == {spec.run_id}
    assert set(store.load_sweep_frame(tmp_path)["run_id"]) == {spec.run_id}


def test_clear_stale(tmp_path: Path) -> None:
    done, failed = _spec(point=0), _spec(point=1)
    _write(tmp_path, done)
    store.write_failure(tmp_path, done.run_id, "old error")  # killed before it was cleared
    store.write_failure(tmp_path, failed.run_id, "Traceback ...")
    (tmp_path / store.RUNS_DIR / f".{failed.run_id}.999.tmp").write_bytes(b"partial")
    (tmp_path / ".sweep.999.tmp").write_bytes(b"partial")
    assert store.clear_stale(tmp_path) == 3
    assert sorted(os.listdir(tmp_path / store.RUNS_DIR)) == [f"{done.run_id}.parquet"]
    assert store.failed_run_ids(tmp_path) == {failed.run_id}
    assert not (tmp_path / ".sweep.999.tmp").exists()


def test_failure_files(tmp_path: Path) -> None:
    spec = _spec()
    path = store.write_failure(tmp_path, spec.run_id, "Traceback: boom\n")
    assert path == tmp_path / "failed" / f"{spec.run_id}.txt"
    assert path.read_text() == "Traceback: boom\n"
    assert store.failed_run_ids(tmp_path) == {spec.run_id}
    store.clear_failure(tmp_path, spec.run_id)
    store.clear_failure(tmp_path, spec.run_id)  # twice is fine
    assert store.failed_run_ids(tmp_path) == set()


@pytest.mark.parametrize("bad", ["", "../escape", "a/b", "x.parquet"])
def test_run_ids_cannot_leave_the_directory(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        store.write_failure(tmp_path, bad, "x")


def test_compaction_holds_every_run_once(tmp_path: Path) -> None:
    specs = [_spec(point=p) for p in range(5)]
    for i, spec in enumerate(specs):
        _write(tmp_path, spec, shift=float(i))
    path = store.compact(tmp_path)
    assert path == tmp_path / store.SWEEP_FILE
    compacted = pq.read_table(path).to_pandas()
    assert list(compacted.columns) == list(store.RUN_COLUMNS)
    counts = compacted.groupby("run_id").size()
    assert set(counts.index) == {s.run_id for s in specs}
    assert (counts == 12).all()
    assert not compacted.duplicated(["run_id", "period", "metric"]).any()
    ordered = compacted.sort_values(["run_id", "period", "metric"], kind="stable")
    assert (ordered.index == compacted.index).all()
    assert len(os.listdir(tmp_path / store.RUNS_DIR)) == 5  # run files kept
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    # compacting again (e.g. after a resume) replaces the file
    _write(tmp_path, _spec(point=9))
    again = pq.read_table(store.compact(tmp_path)).to_pandas()
    assert again["run_id"].nunique() == 6


def test_manifest_round_trip_and_errors(tmp_path: Path) -> None:
    specs = [_spec(point=0, **{"direct.reps": 4}), _spec(point=1, **{"direct.reps": 8})]
    document = store.manifest_document("grid", "tiny", "[sweep]\nbase = 'tiny'\n", specs)
    store.write_manifest(tmp_path, document)
    back = store.read_manifest(tmp_path)
    assert back["sweep_file"] == "[sweep]\nbase = 'tiny'\n"
    assert store.manifest_run_ids(back) == [s.run_id for s in specs]
    assert back["design"][1] == {
        "run_id": specs[1].run_id,
        "point": 1,
        "replication": 0,
        "seed": 7,
        "overrides": {"direct.reps": 8},
    }
    with pytest.raises(InputError, match=r"no manifest\.json"):
        store.read_manifest(tmp_path / "nowhere")
    (tmp_path / store.MANIFEST).write_text("{not json")
    with pytest.raises(InputError, match="cannot read the manifest"):
        store.read_manifest(tmp_path)
    (tmp_path / store.MANIFEST).write_text('{"x": 1}')
    with pytest.raises(InputError, match="not a sweep manifest"):
        store.read_manifest(tmp_path)
