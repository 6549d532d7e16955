"""Statistics of design comparisons: t-intervals, paired tests, Holm adjustment, directions."""

from __future__ import annotations

import math

import pytest

from sim.analysis.stats import (
    HIGHER,
    LOWER,
    better_direction,
    holm,
    paired_test,
    t_interval,
    verdict,
)

# Student-t quantiles t(0.975, df) from a table.
T975_DF2 = 4.302653
T975_DF3 = 3.182446


# ------------------------------------------------------------------------------- Holm


def test_holm_hand_example() -> None:
    # Sorted: 0.01 (×3 = 0.03), 0.03 (×2 = 0.06), 0.04 (×1 = 0.04 → max(0.06, 0.04) = 0.06).
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def test_holm_caps_at_one_and_keeps_order() -> None:
    # Sorted: 0.2 (×4 = 0.8), 0.3 (×3 = 0.9), 0.5 (×2 = 1.0), 0.6 (×1, monotone: 1.0).
    assert holm([0.6, 0.2, 0.5, 0.3]) == pytest.approx([1.0, 0.8, 1.0, 0.9])


def test_holm_single_and_empty() -> None:
    assert holm([0.02]) == [0.02]
    assert holm([]) == []


def test_holm_ties_and_extremes() -> None:
    assert holm([0.01, 0.01]) == pytest.approx([0.02, 0.02])
    assert holm([0.0, 1.0, 1.0]) == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan])
def test_holm_rejects_non_probabilities(bad: float) -> None:
    with pytest.raises(ValueError, match="p-values"):
        holm([0.1, bad])


# ------------------------------------------------------------------------------- intervals


def test_t_interval_hand_example() -> None:
    # mean 2, sd 1, se 1/√3, half-width t(0.975, 2) / √3.
    ci = t_interval([1.0, 2.0, 3.0])
    half = T975_DF2 / math.sqrt(3.0)
    assert ci.n == 3
    assert ci.mean == pytest.approx(2.0)
    assert ci.low == pytest.approx(2.0 - half, abs=1e-5)
    assert ci.high == pytest.approx(2.0 + half, abs=1e-5)


def test_t_interval_degenerate() -> None:
    assert t_interval([]).mean is None
    one = t_interval([5.0])
    assert (one.n, one.mean, one.low, one.high) == (1, 5.0, None, None)
    flat = t_interval([4.0, 4.0, 4.0])
    assert (flat.mean, flat.low, flat.high) == (4.0, 4.0, 4.0)
    with pytest.raises(ValueError, match="level"):
        t_interval([1.0, 2.0], level=1.0)


def test_paired_test_hand_example() -> None:
    # Differences b − a = [1, 2, 0, 2]: mean 1.25, sd √(11/12), se sd/2, t = 2.6112 on 3 df.
    test = paired_test([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 3.0, 6.0])
    sd = math.sqrt(11.0 / 12.0)
    half = T975_DF3 * sd / 2.0
    assert test.interval.n == 4
    assert test.interval.mean == pytest.approx(1.25)
    assert test.interval.low == pytest.approx(1.25 - half, abs=1e-5)
    assert test.interval.high == pytest.approx(1.25 + half, abs=1e-5)
    # Two-sided p of t = 2.6112 with 3 df (between the table's 0.10 and 0.05 columns).
    assert test.p_value == pytest.approx(0.0796050, abs=1e-6)


def test_paired_test_zero_variance() -> None:
    same = paired_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same.p_value == 1.0
    assert (same.interval.mean, same.interval.low, same.interval.high) == (0.0, 0.0, 0.0)
    shifted = paired_test([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert shifted.p_value == 0.0
    assert shifted.interval.mean == pytest.approx(0.5)


def test_paired_test_too_few_pairs_and_mismatch() -> None:
    assert paired_test([1.0], [2.0]).p_value is None
    with pytest.raises(ValueError, match="length"):
        paired_test([1.0, 2.0], [1.0])


# ------------------------------------------------------------------------------- directions


def test_better_directions() -> None:
    for kpi in ("revenue_total", "contribution_total", "partner_profit_total", "nrr", "arr_final"):
        assert better_direction(kpi) == HIGHER
    for kpi in ("conflict_rate", "partner_churn", "months_to_50pct_adoption"):
        assert better_direction(kpi) == LOWER
    assert better_direction("discount_cost_total") == LOWER
    assert better_direction("cac_by_channel.var") == LOWER
    assert better_direction("channel_mix.direct") == ""
    assert better_direction("bass_p") == ""


def test_verdicts() -> None:
    assert verdict(5.0, True, HIGHER) == "better"
    assert verdict(-5.0, True, HIGHER) == "worse"
    assert verdict(5.0, True, LOWER) == "worse"
    assert verdict(-5.0, True, LOWER) == "better"
    assert verdict(5.0, False, HIGHER) == "no difference"
    assert verdict(0.0, True, HIGHER) == "no difference"
    assert verdict(5.0, True, "") == "higher"
    assert verdict(None, None, HIGHER) == ""
    assert verdict(1.0, None, HIGHER) == ""
