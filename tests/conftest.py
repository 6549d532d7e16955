"""Shared fixtures: building and running models of shipped scenarios."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sim.model import ChannelModel
from sim.scenario import load_scenario

RunFn = Callable[..., ChannelModel]


def build_model(name: str, overrides: tuple[str, ...] = (), seed: int = 1) -> ChannelModel:
    """A fresh, unrun model of a shipped scenario with ``--set``-style overrides."""
    scenario = load_scenario(name, list(overrides)).scenario
    return ChannelModel(scenario, seed=seed)


@pytest.fixture(scope="session")
def run_scenario() -> RunFn:
    """Run a scenario to the end, once per (name, overrides, seed) in the session.

    The returned models are shared between tests: treat them as read-only.
    """
    cache: dict[tuple[str, tuple[str, ...], int], ChannelModel] = {}

    def run(name: str, *overrides: str, seed: int = 1) -> ChannelModel:
        key = (name, tuple(overrides), seed)
        if key not in cache:
            model = build_model(name, tuple(overrides), seed)
            model.run()
            cache[key] = model
        return cache[key]

    return run


@pytest.fixture(scope="session")
def make_model() -> Callable[..., ChannelModel]:
    """Build a fresh, unrun model: ``make_model(name, *overrides, seed=1)``."""

    def make(name: str, *overrides: str, seed: int = 1) -> ChannelModel:
        return build_model(name, tuple(overrides), seed)

    return make
