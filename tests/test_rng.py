"""Tests for sim.rng: named streams derived from one root seed."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.rng import Streams, stream_key

NAMES = ("market.awareness", "market.evaluation", "choice.logit", "sales.cycles", "leads")


def test_same_name_same_seed_same_draws() -> None:
    a = Streams(7).get("market.awareness").random(100)
    b = Streams(7).get("market.awareness").random(100)
    np.testing.assert_array_equal(a, b)


def test_get_returns_the_same_generator_within_a_run() -> None:
    s = Streams(3)
    g = s.get("choice.logit")
    assert s.get("choice.logit") is g
    first = g.random(5)
    # The stream continues rather than restarting.
    assert not np.array_equal(s.get("choice.logit").random(5), first)
    assert s.names() == ["choice.logit"]


def test_different_names_give_different_draws() -> None:
    s = Streams(1)
    draws = [s.get(n).random(50) for n in NAMES]
    for i in range(len(draws)):
        for j in range(i + 1, len(draws)):
            assert not np.array_equal(draws[i], draws[j])
    # Independent-looking: no strong correlation between two streams.
    assert (
        abs(
            np.corrcoef(Streams(1).get("a").random(10_000), Streams(1).get("b").random(10_000))[
                0, 1
            ]
        )
        < 0.05
    )


def test_different_seeds_give_different_draws() -> None:
    assert not np.array_equal(
        Streams(1).get("market.awareness").random(20), Streams(2).get("market.awareness").random(20)
    )


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(list(NAMES)), seed=st.integers(0, 2**32))
def test_draws_do_not_depend_on_creation_order(order: list[str], seed: int) -> None:
    reference = Streams(seed)
    expected = {n: reference.get(n).random(10) for n in NAMES}
    other = Streams(seed)
    got = {n: other.get(n).random(10) for n in order}
    for n in NAMES:
        np.testing.assert_array_equal(got[n], expected[n])


def test_draws_do_not_depend_on_other_streams_use() -> None:
    # Drawing heavily from one stream leaves another untouched (common random numbers).
    quiet = Streams(5)
    busy = Streams(5)
    busy.get("choice.logit").random(10_000)
    np.testing.assert_array_equal(
        quiet.get("market.awareness").random(10), busy.get("market.awareness").random(10)
    )


def test_negative_seed_rejected() -> None:
    with pytest.raises(ValueError, match="seed"):
        Streams(-1)


def test_stream_key_is_stable() -> None:
    key = stream_key("market.awareness")
    assert len(key) == 4
    assert all(0 <= k < 2**32 for k in key)
    assert key == stream_key("market.awareness")
    assert key != stream_key("market.awarenesS")


@pytest.mark.slow
def test_stable_across_processes_and_hash_seeds() -> None:
    code = (
        "from sim.rng import Streams\n"
        "s = Streams(11)\n"
        "for n in ('market.awareness', 'choice.logit', 'sales.cycles'):\n"
        "    print(n, ' '.join(repr(float(x)) for x in s.get(n).random(4)))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=dict(os.environ, PYTHONHASHSEED=hash_seed),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for hash_seed in ("0", "12345")
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    s = Streams(11)
    here = "".join(
        f"{n} {' '.join(repr(float(x)) for x in s.get(n).random(4))}\n"
        for n in ("market.awareness", "choice.logit", "sales.cycles")
    )
    assert outputs[0] == here
