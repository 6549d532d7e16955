"""The Python API (sim.api), its documentation's examples, and pools started from scripts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import sim.api as cs
from sim.run import run_scenario, simulate
from sim.rundir import write_run
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"time.periods": 6}


def test_load_by_name_with_overrides_matches_set() -> None:
    via_api = cs.load("tiny", {"time.periods": 6, "partners.var": {"count": 3}})
    via_set = load_scenario("tiny", ["time.periods=6", "partners.var.count=3"])
    assert via_api == via_set


def test_load_refuses_a_bad_override_like_set() -> None:
    with pytest.raises(cs.InputError) as caught:
        cs.load("tiny", {"time.periods": 0})
    with pytest.raises(cs.InputError) as expected:
        load_scenario("tiny", ["time.periods=0"])
    assert str(caught.value) == str(expected.value)
    assert str(caught.value).startswith("--set: time.periods=0: ")
    assert "\n" not in str(caught.value)


def test_overrides_apply_on_top_of_a_loaded_scenario() -> None:
    loaded = cs.load("tiny", {"partners.var.count": 3})
    again = cs.load(loaded, SHORT)
    assert again.scenario.partners.var.count == 3
    assert again.scenario.time.periods == 6
    assert (again.name, again.path) == (loaded.name, loaded.path)
    assert again == load_scenario("tiny", ["partners.var.count=3", "time.periods=6"])


def test_run_returns_the_tables_that_run_writes(tmp_path: Path) -> None:
    result = cs.run("tiny", seed=3, overrides=SHORT)
    assert result.seed == 3 and result.model is None
    assert len(result.timeseries) == 6
    assert {"partner_id", "type", "revenue"} <= set(result.partners.columns)
    assert isinstance(result.deals, pd.DataFrame)
    assert result.summary["seed"] == 3
    assert result.kpis["revenue_total"] == result.summary["revenue_total"]
    assert "partner_profit_total" in result.kpis

    written = run_scenario(load_scenario("tiny", ["time.periods=6"]), 3, tmp_path / "cli")
    assert written.summary == result.summary
    mine = write_run(result, tmp_path / "api")
    assert mine.files == written.files
    for name in written.files:
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()


def test_run_is_deterministic_and_keeps_the_model_on_request() -> None:
    loaded = cs.load("tiny", SHORT)
    first = simulate(loaded, 5, keep_model=True)
    second = cs.run(loaded, seed=5)
    assert first.model is not None and first.model.seed == 5
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries)
    pd.testing.assert_frame_equal(first.partners, second.partners)
    pd.testing.assert_frame_equal(first.deals, second.deals)


def test_compare_returns_the_table_and_every_runs_kpis(tmp_path: Path) -> None:
    more = cs.load("tiny", {"partners.var.count": 8})
    result = cs.compare({"base": "tiny", "more": more}, replications=2, seed=1, overrides=SHORT)
    assert result.failed == [] and result.out_dir is None
    assert list(result.runs["design"]) == ["base", "base", "more", "more"]
    assert list(result.runs["seed"]) == [1, 2, 1, 2]
    assert set(result.runs["status"]) == {"ok"}
    revenue = result.table[result.table["kpi"] == "revenue_total"].set_index("design")
    assert revenue.loc["base", "mean"] == pytest.approx(result.runs["revenue_total"][:2].mean())

    written = cs.compare(
        {"base": "tiny", "more": more},
        replications=2,
        seed=1,
        overrides=SHORT,
        out=tmp_path / "cmp",
    )
    assert written.out_dir == tmp_path / "cmp"
    assert (tmp_path / "cmp" / "comparison.csv").is_file()
    pd.testing.assert_frame_equal(written.table, result.table)


def test_compare_needs_two_designs() -> None:
    with pytest.raises(cs.InputError, match="at least 2"):
        cs.compare(["tiny"], replications=1)


def test_compare_raises_when_every_run_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.run

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(sim.run, "run_model", broken)
    with pytest.raises(RuntimeError, match=r"every run failed.*model exploded"):
        cs.compare(["tiny", "tiny"], replications=1, overrides=SHORT)


SWEEP = """\
base = "tiny"
set = ["time.periods=6"]
method = "grid"
replications = 1
seed = 1
kpis = ["revenue_total"]

[[levers]]
key = "partners.var.count"
values = [2, 6]
"""


def test_sweep_returns_one_row_per_run(tmp_path: Path) -> None:
    path = tmp_path / "vars.toml"
    path.write_text(SWEEP, encoding="utf-8")
    frame = cs.sweep(path, out=tmp_path / "out", workers=1)
    assert len(frame) == 2
    assert sorted(frame["partners.var.count"]) == [2, 6]
    assert frame["revenue_total"].notna().all()
    assert (tmp_path / "out" / "sweep.parquet").is_file()


# ------------------------------------------------------------------------ docs/python.md


def test_docs_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every python block of docs/python.md runs, in order, in one namespace.

    The namespace's ``__name__`` is not ``"__main__"``, so the guarded example only defines
    its function (the guard itself is tested below).
    """
    text = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_python"}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), namespace)


# ------------------------------------------------------------------ pools from plain scripts

SCRIPT = """\
import sim.api as cs

{call}
"""

CALL = 'table = cs.{what}\nprint("rows", len(table.table if hasattr(table, "table") else table))'


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "script.py"
    path.write_text(SCRIPT.format(call=body), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


COMPARE = 'compare(["tiny", "tiny"], replications=2, workers=2, overrides={"time.periods": 6})'


@pytest.mark.parametrize(
    "what",
    [COMPARE, 'sweep("{sweep}", out="out", workers=2)'],
    ids=["compare", "sweep"],
)
def test_pool_from_an_unguarded_script_fails_at_once(tmp_path: Path, what: str) -> None:
    (tmp_path / "vars.toml").write_text(SWEEP, encoding="utf-8")
    call = CALL.format(what=what.replace("{sweep}", "vars.toml"))
    start = time.perf_counter()
    done = _script(tmp_path, call)
    assert done.returncode == 1
    assert "UnguardedMainError: script.py, line 3:" in done.stderr
    assert 'if __name__ == "__main__":' in done.stderr
    assert "rows" not in done.stdout
    assert not (tmp_path / "out").exists()  # nothing written
    assert time.perf_counter() - start < 60


def test_pool_from_a_guarded_script_works(tmp_path: Path) -> None:
    inner = textwrap.indent(CALL.format(what=COMPARE), "    ")
    body = f'def main():\n{inner}\n\n\nif __name__ == "__main__":\n    main()\n'
    done = _script(tmp_path, body)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split("rows")[-1]) > 0  # the comparison table has rows
