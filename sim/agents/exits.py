"""Partner exit: per-partner reviews on sustained conditions, and what is frozen at exit.

The rule (SPEC §2.4, ``docs/model.md`` §7.19), for every active partner p with R_p its review
interval in periods (``partners.<type>.review_months / pm``, at least 1) and φ_p its phase
(round-robin through its type's partners by number, ``φ_p = (s + n_p − 1) mod R_p``, from a
start ``s`` drawn once per type from the stream ``partner.review_phase.<type>``):

- a_p counts the periods it has been active; p is reviewed at the end of a period when
  a_p ≥ Y (one year of periods: a new partner has its first year to ramp up) and
  (a_p + φ_p) mod R_p = 0, so a cohort onboarded together is reviewed over R_p different
  periods, and a partner's first review falls Y … Y + R_p − 1 periods after it starts;
- at a review it fails when its profit over the last W = min(R_p, one year) periods (income −
  costs, effort cost included) is below its outside option
  ``partner.exit_outside_share · rival_profit · commitment · W · pm``, what its current effort
  would earn in rival programs (share 0: it fails when it loses money over the window);
- it exits after ``partner.exit_reviews`` consecutive failed reviews (a passed review resets the
  count), or at once when its trust is below ``partner.exit_trust``.

At exit its cumulative profit is recorded (``profit_at_exit``); from then on its commitment,
trust and expected profit no longer move (:func:`sim.agents.updates.update_commitment_and_trust`
updates live partners only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.agents.state import SellerState, costs, income

if TYPE_CHECKING:
    from sim.scenario.schema import Partner as PartnerRules


def trailing_profit(st: SellerState, window: NDArray[np.int64]) -> NDArray[np.float64]:
    """Each seller's profit over its last ``window`` periods (at most the history length).

    Args:
        st: The seller state (its ``profit_history`` ring).
        window: Per seller, how many of the most recent periods to sum.

    Returns:
        The sums, one per seller.
    """
    h = st.history
    ages = np.arange(h)  # 0 = the most recent period
    positions = (st.history_pos - 1 - ages) % h
    recent = st.profit_history[:, positions]
    within = ages[None, :] < np.minimum(window, h)[:, None]
    return np.asarray((recent * within).sum(axis=1))


def reviewed(st: SellerState, judged: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Count one more active period for the judged partners; say which are reviewed now.

    Args:
        st: The seller state (``active_periods`` is advanced for the judged partners).
        judged: Per seller, whether it is an active partner this period.

    Returns:
        Per seller, whether its exit review falls at the end of this period.
    """
    n = st.n
    active_periods = st.row("active_periods")[:n]
    active_periods[judged] += 1
    periods = np.maximum(st.review_periods, 1)
    due = (active_periods + st.review_phase) % periods == 0
    return np.asarray(judged & (active_periods >= st.history) & due)


def exits(
    st: SellerState, active: NDArray[np.bool_], rules: PartnerRules, m: float
) -> NDArray[np.int64]:
    """Active partners that exit now: failed reviews in a row, or collapsed trust.

    Args:
        st: The seller state, after this period's history was pushed.
        active: Per seller, whether it is active this period.
        rules: ``partner`` rules (exit thresholds).
        m: Months per period.

    Returns:
        Indices of the partners that exit; their cumulative profit is recorded.
    """
    n = st.n
    judged = active & st.is_partner
    review = reviewed(st, judged)
    window = np.minimum(st.review_periods, st.history)
    outside = rules.exit_outside_share * st.rival_profit * st.commitment * window * m
    failed = trailing_profit(st, window) < outside
    failed_reviews = st.row("failed_reviews")[:n]
    failed_reviews[review] = np.where(failed[review], failed_reviews[review] + 1, 0)
    trust = st.row("trust")[:n]
    leaving = judged & ((failed_reviews >= rules.exit_reviews) | (trust < rules.exit_trust))
    idx = np.flatnonzero(leaving)
    total = st.row("total")[idx]
    st.row("profit_at_exit")[idx] = income(total) - costs(total)
    return idx
