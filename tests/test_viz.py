"""The SolaraViz page (sim/viz.py) builds, steps the model, resets it and plots its rows.

Needs the ``viz`` extra, which the ``dev`` extra includes (so CI runs these tests); a venv
without solara skips them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

solara = pytest.importorskip("solara")

import ipyvuetify as vuetify  # noqa: E402
import ipywidgets as widgets  # noqa: E402
from mesa.visualization.solara_viz import ModelController  # noqa: E402

from sim import viz  # noqa: E402
from sim.metrics import COLUMNS  # noqa: E402


@pytest.fixture
def render() -> Iterator[Callable[[Any], Any]]:
    """``solara.render`` that unmounts what it rendered after the test.

    Mesa's plots all follow one shared update counter: a page left mounted would redraw its
    plots at every later step of another test's model.
    """
    contexts: list[Any] = []

    def render_one(element: Any) -> Any:
        _, rc = solara.render(element, handle_error=False)
        contexts.append(rc)
        return rc

    yield render_one
    for rc in contexts:
        rc.close()


def test_the_page_builds_and_renders(render: Callable[[Any], Any]) -> None:
    model = viz.ShippedScenarioModel("tiny", seed=1)
    render(viz.make_page(model))
    render(viz.page)  # what `solara run sim/viz.py` shows


def test_the_page_inputs_are_the_models_parameters() -> None:
    model = viz.ShippedScenarioModel("tiny", seed=3)
    params = viz.model_params(model)
    assert params["scenario_name"]["value"] == "tiny"
    assert "baseline" in params["scenario_name"]["values"]
    assert params["seed"]["value"] == 3
    # Reset builds the model again from the inputs' values as keywords.
    again = viz.ShippedScenarioModel(**{k: p["value"] for k, p in params.items()})
    assert (again.scenario_name, again.seed) == ("tiny", 3)


def test_the_controls_step_the_model_to_its_end_and_reset_it(
    render: Callable[[Any], Any],
) -> None:
    model = viz.ShippedScenarioModel("tiny", seed=1)
    periods = model.config.time.periods
    current = solara.reactive(model)
    controller = ModelController(
        current,
        model_parameters=solara.reactive({"scenario_name": "tiny", "seed": 2}),
        play_interval=solara.reactive(1),
        render_interval=solara.reactive(1),
        use_threads=solara.reactive(False),
    )
    rc = render(controller)
    for _ in range(periods):
        rc.find(vuetify.Btn, children=["Step"]).widget.click()
    assert current.value is model
    assert model.steps == periods
    assert not model.running
    assert rc.find(vuetify.Btn, children=["Step"]).widget.disabled  # nothing left to step
    rc.find(vuetify.Btn, children=["Reset"]).widget.click()
    assert isinstance(current.value, viz.ShippedScenarioModel)
    assert current.value is not model
    assert (current.value.steps, current.value.seed) == (0, 2)


def test_every_plot_reads_known_columns_and_draws(render: Callable[[Any], Any]) -> None:
    model = viz.ShippedScenarioModel("tiny", seed=1)
    model.step()
    model.step()
    for make_plot, page in viz.plot_components():
        assert page == 0
        render(make_plot(model)).find(widgets.Image).assert_single()
    plotted = [f"revenue_{t}" for t in ("direct", *viz.ROLES)]
    plotted += [f"partners_active_{t}" for t in viz.ROLES]
    assert set(plotted) <= set(COLUMNS)
