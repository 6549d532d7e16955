"""Regenerate the golden runs that ``tests/test_golden.py`` compares against.

The goldens are what a user sees of two runs made exactly as ``channelsim run`` makes them:

- ``tiny`` with seed 1: ``timeseries.csv``, ``partners.csv``, the deals table (as CSV) and
  ``summary.json``;
- ``baseline`` with seed 1: ``summary.json``.

They live in ``tests/golden/``. The test compares them with a relative tolerance (see
:func:`compare_frames`), so that another CPU or BLAS, which may change a last digit, does not
fail; a change of model behaviour does. Run this script only when such a change is intended,
and review the diff of ``tests/golden/`` in the commit that makes it::

    .venv/bin/python scripts/update_golden.py            # rewrite the golden files
    .venv/bin/python scripts/update_golden.py --check    # compare only; exit 1 on a difference
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "golden"
GOLDEN = GOLDEN_DIR / "tiny_timeseries.csv"
SEED = 1
RTOL = 1e-9
"""Relative tolerance of every number: last-digit differences pass, model changes do not."""

VOLATILE_SUMMARY_KEYS = frozenset({"version", "scenario_sha256"})
"""Summary keys that may change without a change of results (the schema may gain keys)."""


@dataclass(frozen=True)
class Golden:
    """One golden file: which run, which of its outputs, and where it is stored."""

    scenario: str
    output: str  # "timeseries", "partners", "deals" or "summary"
    path: Path


GOLDENS: tuple[Golden, ...] = (
    Golden("tiny", "timeseries", GOLDEN_DIR / "tiny_timeseries.csv"),
    Golden("tiny", "partners", GOLDEN_DIR / "tiny_partners.csv"),
    Golden("tiny", "deals", GOLDEN_DIR / "tiny_deals.csv"),
    Golden("tiny", "summary", GOLDEN_DIR / "tiny_summary.json"),
    Golden("baseline", "summary", GOLDEN_DIR / "baseline_summary.json"),
)


def run_outputs(scenario: str, seed: int = SEED) -> dict[str, str]:
    """Run a shipped scenario as ``channelsim run`` does and return its outputs as text.

    Args:
        scenario: A shipped scenario's name.
        seed: The root seed.

    Returns:
        ``timeseries``, ``partners`` and ``deals`` as CSV text (floats at full round-trip
        precision) and ``summary`` as the text of ``summary.json``.
    """
    import pyarrow.parquet as pq

    from sim.run import run_scenario
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario, [])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        run_scenario(loaded, seed, out)
        deals = pq.read_table(out / "deals.parquet").to_pandas()
        return {
            "timeseries": (out / "timeseries.csv").read_text(encoding="utf-8"),
            "partners": (out / "partners.csv").read_text(encoding="utf-8"),
            "deals": deals.to_csv(index=False, lineterminator="\n"),
            "summary": (out / "summary.json").read_text(encoding="utf-8"),
        }


def render_all() -> dict[Path, str]:
    """The text of every golden file as the current code produces it."""
    texts: dict[Path, str] = {}
    runs: dict[str, dict[str, str]] = {}
    for golden in GOLDENS:
        if golden.scenario not in runs:
            runs[golden.scenario] = run_outputs(golden.scenario)
        texts[golden.path] = runs[golden.scenario][golden.output]
    return texts


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, value


def _close(expected: Any, actual: Any, atol: float = 0.0) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual)
        return math.isclose(expected, actual, rel_tol=RTOL, abs_tol=atol)
    return bool(expected == actual)


def compare_summaries(expected_text: str, actual_text: str) -> list[str]:
    """Differences between two ``summary.json`` texts, within :data:`RTOL`.

    Keys the actual summary adds are allowed (new KPIs); the version and the scenario hash may
    differ. Every other key of the golden must be there with a close value.

    Returns:
        One line per difference (empty when they agree).
    """
    expected = dict(_flatten(json.loads(expected_text)))
    actual = dict(_flatten(json.loads(actual_text)))
    problems: list[str] = []
    for key, value in expected.items():
        if key.split(".")[0] in VOLATILE_SUMMARY_KEYS:
            continue
        if key not in actual:
            problems.append(f"{key}: missing (golden {value!r})")
        elif not _close(value, actual[key]):
            problems.append(f"{key}: golden {value!r}, now {actual[key]!r}")
    return problems


def _text(column: pd.Series) -> pd.Series:
    """A column as text, with missing values as one marker (NaN never equals itself)."""
    return column.astype(object).where(column.notna(), "<missing>").astype(str)


def compare_frames(expected_text: str, actual_text: str) -> list[str]:
    """Differences between two CSV tables, within :data:`RTOL`.

    Columns must be the same, in the same order, with the same number of rows. Numbers are
    compared with a relative tolerance of :data:`RTOL` and an absolute one of :data:`RTOL` times
    the column's largest magnitude (a difference of two large amounts may round to a small
    number differently); text must be equal.

    Returns:
        One line per column that differs (empty when they agree).
    """
    expected = pd.read_csv(io.StringIO(expected_text), keep_default_na=False, na_values=[""])
    actual = pd.read_csv(io.StringIO(actual_text), keep_default_na=False, na_values=[""])
    if list(expected.columns) != list(actual.columns):
        gone = [c for c in expected.columns if c not in actual.columns]
        new = [c for c in actual.columns if c not in expected.columns]
        return [f"columns differ: missing {gone}, new {new}, or in another order"]
    if len(expected) != len(actual):
        return [f"{len(actual)} rows instead of {len(expected)}"]
    problems: list[str] = []
    for name in expected.columns:
        e, a = expected[name], actual[name]
        numeric = pd.api.types.is_numeric_dtype(e) and pd.api.types.is_numeric_dtype(a)
        if numeric and not pd.api.types.is_bool_dtype(e):
            ev = e.to_numpy(dtype=np.float64)
            av = a.to_numpy(dtype=np.float64)
            scale = float(np.nanmax(np.abs(ev))) if np.isfinite(ev).any() else 0.0
            ok = np.isclose(av, ev, rtol=RTOL, atol=RTOL * scale, equal_nan=True)
        else:
            ok = (_text(e) == _text(a)).to_numpy()
        if not ok.all():
            row = int(np.flatnonzero(~ok)[0])
            problems.append(
                f"{name}: {int((~ok).sum())} rows differ, first row {row}: "
                f"golden {e.iloc[row]!r}, now {a.iloc[row]!r}"
            )
    return problems


def compare(golden: Golden, actual_text: str) -> list[str]:
    """Differences between a golden file and the text the current code produces."""
    expected_text = golden.path.read_text(encoding="utf-8")
    if golden.output == "summary":
        return compare_summaries(expected_text, actual_text)
    return compare_frames(expected_text, actual_text)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the golden files and report what changed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    args = parser.parse_args(argv)
    texts = render_all()
    failed = False
    for golden in GOLDENS:
        rel = golden.path.relative_to(ROOT)
        text = texts[golden.path]
        problems = compare(golden, text) if golden.path.exists() else ["no golden file"]
        if args.check:
            failed |= bool(problems)
            print(f"{rel}: " + ("matches" if not problems else "; ".join(problems[:5])))
            continue
        old = golden.path.read_text(encoding="utf-8") if golden.path.exists() else None
        _write(golden.path, text)
        if old is None:
            print(f"wrote {rel}")
        elif old == text:
            print(f"{rel} unchanged")
        else:
            print(f"updated {rel}: " + ("; ".join(problems[:5]) or "same within tolerance"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
