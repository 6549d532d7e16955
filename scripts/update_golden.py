"""Regenerate the golden ``tiny`` run that ``tests/test_golden.py`` compares against.

Runs the shipped ``tiny`` scenario with seed 1 and writes its per-period metrics to
``tests/golden/tiny_timeseries.csv`` (``to_csv(index=False)``, floats at full round-trip
precision). Run it only when a change of model behaviour is intended, and commit the new file
with that change::

    .venv/bin/python scripts/update_golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "tiny_timeseries.csv"
SCENARIO = "tiny"
SEED = 1


def render() -> str:
    """Run the golden scenario and return its timeseries as CSV text."""
    from sim.model import ChannelModel
    from sim.scenario import load_scenario

    model = ChannelModel(load_scenario(SCENARIO, []).scenario, seed=SEED)
    model.run()
    return str(model.metrics.frame().to_csv(index=False, lineterminator="\n"))


def main() -> int:
    """Write the golden file and report what changed."""
    text = render()
    old = GOLDEN.read_text(encoding="utf-8") if GOLDEN.exists() else None
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    tmp = GOLDEN.with_suffix(".csv.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(GOLDEN)
    rel = GOLDEN.relative_to(ROOT)
    if old is None:
        print(f"wrote {rel} ({text.count(chr(10))} lines)")
    elif old == text:
        print(f"{rel} unchanged")
    else:
        print(f"updated {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
