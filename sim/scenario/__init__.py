"""Scenario schema, loading and checks."""

from sim.errors import InputError
from sim.scenario.loader import (
    LoadedScenario,
    dump_resolved,
    list_shipped,
    load_scenario,
    override_items,
    scenario_sha256,
)
from sim.scenario.schema import Scenario

__all__ = [
    "InputError",
    "LoadedScenario",
    "Scenario",
    "dump_resolved",
    "list_shipped",
    "load_scenario",
    "override_items",
    "scenario_sha256",
]
