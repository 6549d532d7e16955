"""The Bass limit (SPEC §2.2): pure_diffusion's adoption follows the discrete Bass recursion."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from sim.analysis.bass import bass_cumulative, fit_bass
from sim.model import ChannelModel

SEEDS = range(1, 9)
PERIODS = 40
CUSTOMERS = 10_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def replications(make_model: Callable[..., ChannelModel]) -> tuple[np.ndarray, float, float]:
    """Adoption curves (seeds × periods) and the scenario's p and q."""
    curves = []
    p = q = float("nan")
    for seed in SEEDS:
        m = make_model(
            "pure_diffusion",
            f"time.periods={PERIODS}",
            f"market.customers={CUSTOMERS}",
            seed=seed,
        )
        p = m.config.market.awareness.innovation
        q = m.config.market.awareness.imitation
        m.run()
        curves.append(m.metrics.frame()["adoption"].to_numpy())
    return np.array(curves), p, q


def test_mean_adoption_follows_the_recursion(
    replications: tuple[np.ndarray, float, float],
) -> None:
    curves, p, q = replications
    expected = bass_cumulative(p, q, PERIODS)
    mean = curves.mean(axis=0)
    se = curves.std(axis=0, ddof=1) / np.sqrt(len(curves))
    # Binomial floor on the standard error, so that a lucky small spread is not over-trusted.
    se = np.maximum(se, np.sqrt(expected * (1 - expected) / (CUSTOMERS * len(curves))))
    tolerance = 4.0 * se + 0.002
    gap = np.abs(mean - expected)
    worst = int(np.argmax(gap - tolerance))
    assert np.all(gap <= tolerance), (
        f"period {worst + 1}: mean adoption {mean[worst]:.5f} vs Bass {expected[worst]:.5f} "
        f"(tolerance {tolerance[worst]:.5f})"
    )


def test_every_replication_is_a_clean_diffusion(
    replications: tuple[np.ndarray, float, float],
) -> None:
    curves, _, _ = replications
    assert np.all(np.diff(curves, axis=1) >= 0.0)
    assert np.all((curves >= 0.0) & (curves <= 1.0))
    assert curves[:, -1].min() > 0.99  # saturates: no rival, no churn, prices below budgets


def test_fitted_bass_parameters_recover_the_truth(
    replications: tuple[np.ndarray, float, float],
) -> None:
    curves, p, q = replications
    fit = fit_bass(curves.mean(axis=0))
    assert fit.converged
    assert fit.p == pytest.approx(p, rel=0.15)
    assert fit.q == pytest.approx(q, rel=0.15)
    assert fit.m == pytest.approx(1.0, abs=0.02)
