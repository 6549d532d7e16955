"""A golden ``tiny`` run guards model behaviour: any change to its numbers must be deliberate."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "update_golden.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_golden", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_matches_golden_timeseries() -> None:
    script = _load_script()
    golden: Path = script.GOLDEN
    assert golden.exists(), "no golden file: run `.venv/bin/python scripts/update_golden.py`"
    expected = golden.read_text(encoding="utf-8")
    actual = script.render()
    if actual != expected:
        exp_lines = expected.splitlines()
        act_lines = actual.splitlines()
        header = exp_lines[0].split(",") if exp_lines else []
        changed: list[str] = []
        for e, a in zip(exp_lines[1:], act_lines[1:], strict=False):
            for name, x, y in zip(header, e.split(","), a.split(","), strict=False):
                if x != y and name not in changed:
                    changed.append(name)
        diff = "\n".join(
            list(difflib.unified_diff(exp_lines, act_lines, "golden", "now", lineterm="", n=0))[:8]
        )
        raise AssertionError(
            f"the tiny run (seed 1) no longer matches {golden.relative_to(ROOT)}; "
            f"columns changed: {', '.join(changed[:12]) or '(header or row count)'}.\n"
            "If this change of model behaviour is intended, run "
            "`.venv/bin/python scripts/update_golden.py` and commit the new golden file.\n"
            f"{diff}"
        )
