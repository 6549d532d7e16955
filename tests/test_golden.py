"""Golden runs guard model behaviour: any change to their numbers must be deliberate.

The ``tiny`` run (seed 1: timeseries, partners, deals and summary) and the ``baseline`` summary
are compared with the files in ``tests/golden/`` within a relative tolerance of 1e-9, so that a
last-digit difference on another CPU passes and a change of results fails. Byte-identity of a
run with itself is tested in ``test_determinism.py``. Regenerate the goldens only with
``.venv/bin/python scripts/update_golden.py``, and review their diff in the commit.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "update_golden.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_golden", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


GOLDEN = _load_script()
HINT = (
    "If this change of model behaviour is intended, run "
    "`.venv/bin/python scripts/update_golden.py` and commit the new golden files."
)


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict[str, str]]:
    return {name: GOLDEN.run_outputs(name) for name in ("tiny", "baseline")}


@pytest.mark.parametrize("golden", GOLDEN.GOLDENS, ids=lambda g: g.path.name)
def test_run_matches_golden(golden: object, outputs: dict[str, dict[str, str]]) -> None:
    path: Path = golden.path  # type: ignore[attr-defined]
    assert path.exists(), f"no golden file {path.name}: run `scripts/update_golden.py`"
    actual = outputs[golden.scenario][golden.output]  # type: ignore[attr-defined]
    problems = GOLDEN.compare(golden, actual)
    assert not problems, (
        f"{golden.scenario} (seed 1) no longer matches {path.relative_to(ROOT)}:\n  "  # type: ignore[attr-defined]
        + "\n  ".join(problems[:12])
        + f"\n{HINT}"
    )


def test_frame_comparison_tolerates_last_digits_only() -> None:
    header = "period,revenue,name\n"
    golden = header + "1,1234567.891011121,a\n2,0.0,b\n"
    assert GOLDEN.compare_frames(golden, header + "1,1234567.891011122,a\n2,0.0,b\n") == []
    assert GOLDEN.compare_frames(golden, header + "1,1234567.9,a\n2,0.0,b\n")
    assert GOLDEN.compare_frames(golden, header + "1,1234567.891011121,c\n2,0.0,b\n")
    assert GOLDEN.compare_frames(golden, "period,revenue\n1,1.0\n2,0.0\n")
    assert GOLDEN.compare_frames(golden, header + "1,1234567.891011121,a\n")


def test_summary_comparison_allows_new_keys_and_version_only() -> None:
    golden = json.dumps({"version": "0.1.0", "npv": 1e6, "mix": {"direct": 0.5}})
    newer = json.dumps(
        {"version": "0.2.0", "npv": 1e6 * (1 + 1e-12), "mix": {"direct": 0.5}, "x": 1}
    )
    assert GOLDEN.compare_summaries(golden, newer) == []
    changed = json.dumps({"version": "0.1.0", "npv": 1.001e6, "mix": {"direct": 0.5}})
    assert GOLDEN.compare_summaries(golden, changed)
    missing = json.dumps({"version": "0.1.0", "npv": 1e6, "mix": {}})
    assert GOLDEN.compare_summaries(golden, missing)
