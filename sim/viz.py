"""A minimal SolaraViz page over the channel model: pick a shipped scenario and a seed, step it.

Start it from the project's root, in a venv with the ``viz`` extra (``pip install -e '.[viz]'``;
the ``dev`` extra includes it)::

    SOLARA_TELEMETRY_MIXPANEL_ENABLE=False .venv/bin/solara run sim/viz.py

The page shows the period rows Mesa's plot components read from ``model.datacollector``: revenue
by channel, adoption and awareness, MRR and the active partners by type. The full dashboard is a
later issue.

The module needs the ``viz`` extra (solara and its front end); the engine never imports it.
"""

from __future__ import annotations

import os

# Solara sends usage statistics to Mixpanel unless told not to. It reads this when it is first
# imported: here when a notebook or a test imports this module; `solara run` imports solara
# before this module, so its command line sets the variable itself (see above).
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

from typing import TYPE_CHECKING, Any

from mesa.visualization import SolaraViz, make_plot_component

from sim.agents import ROLE_CLASSES
from sim.model import ChannelModel
from sim.names import PARTNER_TYPES
from sim.scenario import list_shipped, load_scenario

if TYPE_CHECKING:
    from reacton.core import Element

DEFAULT_SCENARIO = "tiny"
"""The scenario the page opens with: small enough to step through at once."""

ROLES: tuple[str, ...] = tuple(t for t in PARTNER_TYPES if t in ROLE_CLASSES)
"""Partner types the model implements, in column order."""


class ShippedScenarioModel(ChannelModel):
    """The channel model of a shipped scenario, built from the scenario's name.

    SolaraViz's Reset button builds a new model of the same class from the page's parameters as
    keywords; this class takes them (a name and a seed) instead of a loaded scenario.

    Args:
        scenario_name: A shipped scenario (``channelsim scenarios`` shows them).
        seed: Root seed of the run (None: the scenario's ``seed``).
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, seed: int | None = None) -> None:
        super().__init__(load_scenario(scenario_name).scenario, seed)
        self.scenario_name = scenario_name


def plot_components() -> list[tuple[Any, int]]:
    """Mesa plot components of the page: each reads columns of ``model.datacollector``."""
    return [
        make_plot_component(["revenue_direct", *(f"revenue_{t}" for t in ROLES)]),
        make_plot_component(["adoption", "aware_share"]),
        make_plot_component("mrr"),
        make_plot_component([f"partners_active_{t}" for t in ROLES]),
    ]


def model_params(model: ShippedScenarioModel) -> dict[str, dict[str, Any]]:
    """The page's inputs (scenario and seed), starting at the values of ``model``."""
    return {
        "scenario_name": {
            "type": "Select",
            "label": "Scenario",
            "value": model.scenario_name,
            "values": [name for name, _ in list_shipped()],
        },
        "seed": {
            "type": "SliderInt",
            "label": "Seed",
            "value": model.seed,
            "min": 0,
            "max": 1000,
            "step": 1,
        },
    }


def make_page(model: ShippedScenarioModel) -> Element:
    """The SolaraViz page over a model: its controls, inputs and plots.

    Args:
        model: The model the page opens with; Step advances it one period.

    Returns:
        The page, a Solara element (``solara run`` shows the module's ``page``).
    """
    return SolaraViz(
        model,
        components=plot_components(),
        model_params=model_params(model),
        name="ChannelSim",
    )


page = make_page(ShippedScenarioModel())
