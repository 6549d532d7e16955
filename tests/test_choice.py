"""Tests for sim.economics.choice: the multinomial logit among offers, rival and no decision."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from sim.economics.choice import logit_choice, logit_choice_ragged, logit_probabilities

NEG_INF = -np.inf

utility_values = st.one_of(
    st.floats(-20.0, 20.0, allow_nan=False), st.just(NEG_INF), st.just(NEG_INF)
)
scales = st.floats(0.05, 5.0)


def utility_matrices(max_rows: int = 6, max_cols: int = 7) -> st.SearchStrategy[np.ndarray]:
    shapes = st.tuples(st.integers(1, max_rows), st.integers(1, max_cols))
    return shapes.flatmap(lambda shape: hnp.arrays(np.float64, shape, elements=utility_values))


def test_hand_computed_probabilities() -> None:
    u = np.array([[0.0, np.log(3.0), NEG_INF]])
    p = logit_probabilities(u, 1.0)
    np.testing.assert_allclose(p, [[0.25, 0.75, 0.0]])
    # Scale 2 squares the odds: 1 : 9.
    p2 = logit_probabilities(u, 2.0)
    np.testing.assert_allclose(p2, [[0.1, 0.9, 0.0]])


def test_row_without_options_is_all_zero_and_chooses_minus_one() -> None:
    u = np.array([[NEG_INF, NEG_INF], [1.0, NEG_INF]])
    p = logit_probabilities(u, 1.0)
    np.testing.assert_array_equal(p, [[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(logit_choice(u, 1.0, np.array([0.3, 0.3])), [-1, 0])


def test_large_utilities_do_not_overflow() -> None:
    u = np.array([[1000.0, 999.0, NEG_INF]])
    p = logit_probabilities(u, 1.0)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0, :2], [1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0))])


@settings(max_examples=100, deadline=None)
@given(u=utility_matrices(), scale=scales)
def test_probabilities_sum_to_one_over_available_options(u: np.ndarray, scale: float) -> None:
    p = logit_probabilities(u, scale)
    assert p.shape == u.shape
    available = np.isfinite(u)
    assert np.all(p >= 0.0)
    assert np.all(p[~available] == 0.0)
    sums = p.sum(axis=1)
    has_option = available.any(axis=1)
    np.testing.assert_allclose(sums[has_option], 1.0, rtol=1e-12)
    assert np.all(sums[~has_option] == 0.0)
    # Every available option keeps a positive chance (utilities within ±20, scale ≤ 5).
    assert np.all(p[available] > 0.0)


@settings(max_examples=100, deadline=None)
@given(u=utility_matrices(), scale=scales)
def test_higher_utility_higher_probability(u: np.ndarray, scale: float) -> None:
    p = logit_probabilities(u, scale)
    for row_u, row_p in zip(u, p, strict=True):
        for i in range(len(row_u)):
            for j in range(len(row_u)):
                if row_u[i] > row_u[j]:
                    assert row_p[i] >= row_p[j]
                    if scale * (row_u[i] - row_u[j]) > 1e-6:
                        assert row_p[i] > row_p[j]
                elif row_u[i] == row_u[j]:
                    assert row_p[i] == pytest.approx(row_p[j], rel=1e-12, abs=0.0)


@settings(max_examples=100, deadline=None)
@given(u=utility_matrices(), scale=scales, shift=st.floats(-50.0, 50.0))
def test_adding_a_constant_changes_nothing(u: np.ndarray, scale: float, shift: float) -> None:
    np.testing.assert_allclose(
        logit_probabilities(u + shift, scale), logit_probabilities(u, scale), atol=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(
    u=utility_matrices(),
    scale=scales,
    uniforms=st.lists(
        st.one_of(
            st.floats(0.0, 1.0, exclude_max=True),
            st.just(0.0),
            st.just(float(np.nextafter(1.0, 0.0))),
        ),
        min_size=6,
        max_size=6,
    ),
)
def test_unavailable_options_are_never_chosen(
    u: np.ndarray, scale: float, uniforms: list[float]
) -> None:
    n = u.shape[0]
    chosen = logit_choice(u, scale, np.array(uniforms[:n]))
    assert chosen.shape == (n,)
    for row, c in zip(u, chosen, strict=True):
        if not np.isfinite(row).any():
            assert c == -1
        else:
            assert 0 <= c < len(row)
            assert np.isfinite(row[c])


def test_extreme_uniforms_pick_first_and_last_available() -> None:
    u = np.array([[NEG_INF, 0.0, 1.0, NEG_INF, 0.5, NEG_INF]])
    top = float(np.nextafter(1.0, 0.0))
    assert logit_choice(u, 1.0, np.array([0.0]))[0] == 1
    assert logit_choice(u, 1.0, np.array([top]))[0] == 4


@pytest.mark.parametrize(
    ("utilities", "scale"),
    [
        ([0.0, 1.0, -0.5, NEG_INF, 2.0], 1.0),
        ([0.3, NEG_INF, 0.1, 0.2], 4.0),
        ([-1.0, -3.0], 0.5),
    ],
)
def test_choice_frequencies_match_probabilities(utilities: list[float], scale: float) -> None:
    n = 200_000
    u = np.tile(np.array(utilities), (n, 1))
    rng = np.random.default_rng(20240601)
    chosen = logit_choice(u, scale, rng.random(n))
    p = logit_probabilities(u[:1], scale)[0]
    available = p > 0
    counts = np.bincount(chosen, minlength=len(utilities))
    assert np.all(counts[~available] == 0)
    expected = n * p[available]
    chi2 = float((((counts[available] - expected) ** 2) / expected).sum())
    dof = int(available.sum()) - 1
    # A fixed generator makes this deterministic; the bound is the 99.99 % quantile.
    assert chi2 < stats.chi2.ppf(0.9999, dof)
    np.testing.assert_allclose(counts[available] / n, p[available], atol=0.005)


def test_choice_is_row_independent() -> None:
    # Each chooser's draw depends only on its own row and uniform.
    rng = np.random.default_rng(7)
    u = rng.normal(size=(50, 4))
    u[rng.random((50, 4)) < 0.3] = NEG_INF
    uni = rng.random(50)
    together = logit_choice(u, 1.3, uni)
    alone = np.array([logit_choice(u[i : i + 1], 1.3, uni[i : i + 1])[0] for i in range(50)])
    np.testing.assert_array_equal(together, alone)


def test_empty_batch_of_choosers() -> None:
    u = np.zeros((0, 3))
    assert logit_probabilities(u, 1.0).shape == (0, 3)
    assert logit_choice(u, 1.0, np.zeros(0)).shape == (0,)


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.floats(-20.0, 20.0), min_size=2, max_size=6, unique=True),
    scale=scales,
)
def test_scale_sharpens_toward_best(values: list[float], scale: float) -> None:
    u = np.array([values])
    best = int(np.argmax(u[0]))
    p_low = logit_probabilities(u, scale)[0, best]
    p_high = logit_probabilities(u, 2.0 * scale)[0, best]
    assert p_high >= p_low - 1e-12


@st.composite
def ragged_choices(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A dense matrix (offers then shared options) and the uniforms of its choosers."""
    n_rows = draw(st.integers(0, 6))
    n_offer_cols = draw(st.integers(0, 5))
    n_shared = draw(st.integers(0, 2))
    offers = draw(hnp.arrays(np.float64, (n_rows, n_offer_cols), elements=utility_values))
    shared = draw(hnp.arrays(np.float64, n_shared, elements=st.floats(-20.0, 20.0)))
    uniforms = draw(hnp.arrays(np.float64, n_rows, elements=st.floats(0.0, 0.999999)))
    dense = np.hstack([offers, np.broadcast_to(shared, (n_rows, n_shared))])
    return dense, shared, uniforms, draw(scales)


@given(ragged_choices())
@settings(max_examples=300, deadline=None)
def test_ragged_choice_is_the_dense_choice(
    case: tuple[np.ndarray, np.ndarray, np.ndarray, float],
) -> None:
    """Storing only the offers that exist draws the same option as the dense matrix."""
    dense, shared, uniforms, scale = case
    n_offer_cols = dense.shape[1] - len(shared)
    rows, cols = np.nonzero(np.isfinite(dense[:, :n_offer_cols]))
    utilities = dense[rows, cols]
    picked = logit_choice_ragged(utilities, rows, len(dense), shared, scale, uniforms)
    expected = logit_choice(dense, scale, uniforms) if dense.shape[1] else np.full(len(dense), -1)
    # Map the ragged answer back to dense columns.
    as_column = np.where(
        picked < 0,
        -1,
        np.where(
            picked < len(utilities),
            cols[np.minimum(picked, max(len(cols) - 1, 0))] if len(cols) else -1,
            n_offer_cols + picked - len(utilities),
        ),
    )
    # Away from a boundary between two options (where rounding decides) the draws agree.
    if dense.shape[1]:
        cum = np.cumsum(logit_probabilities(dense, scale), axis=1)
        clear = np.abs(cum - uniforms[:, None] * cum[:, -1:]).min(axis=1) > 1e-9
    else:
        clear = np.ones(len(dense), dtype=bool)
    np.testing.assert_array_equal(as_column[clear], expected[clear])
