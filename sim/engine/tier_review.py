"""Tier reviews of the partner program: partners move up and down, and their benefits follow.

The program reviews every partner's tier at one program-wide cadence (``program.
tier_review_months``, at the end of every such period). At a review each active partner that
closes deals moves to the highest tier whose criteria it meets (:mod:`sim.program.tiers`); a
partner below its tier's criteria keeps its tier for ``program.tier_demotion_grace`` reviews.
A tier's benefits reach the model through the seller's discount (its buy price in the price
waterfall; the seller arrays are rebuilt) and through per-seller rows of the seller state that
other mechanisms read: ``mdf_rate`` (MDF accrual), ``lead_priority`` (lead routing),
``protection_months`` (deal registration) and ``exclusivity_eligible``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import Partner, Seller
from sim.agents.state import SellerState
from sim.program.tiers import (
    PartnerStanding,
    TierTable,
    certification_gain,
    qualified_level,
    review_levels,
)
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.model import ChannelModel

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

CERTIFICATION_HORIZON_MONTHS = 12.0
"""Months over which a partner counts a tier's benefit against the cost of certifying (the
payback-within-a-year rule VARs use for the quality a certification brings)."""


class TierProgram:
    """The program's tiers, each seller's trailing deals, and the tier reviews.

    Args:
        scenario: The scenario (``program.tiers`` and the review settings).
        periods_per_year: Periods in a year (the trailing window of the criteria).
        period_months: Months per period.
    """

    def __init__(self, scenario: Scenario, periods_per_year: int, period_months: float) -> None:
        program = scenario.program
        self.table = TierTable.of(program)
        self.review_periods = max(1, round(program.tier_review_months / period_months))
        self.grace = program.tier_demotion_grace
        self.reach = program.tier_certification_reach
        self._wins: deque[IntArray] = deque(maxlen=periods_per_year + 1)
        self._gain: tuple[int, FloatArray, FloatArray] | None = None
        self.upgrades = 0
        self.downgrades = 0

    # -- sellers -----------------------------------------------------------------------------

    def join(self, state: SellerState, seller: Seller) -> None:
        """Put a new seller in the lowest tier, with its benefits."""
        self.apply(state, seller, 0)

    def apply(self, state: SellerState, seller: Seller, level: int) -> float:
        """Give a seller a tier's benefits.

        Args:
            state: The seller state (its tier rows are written).
            seller: The seller.
            level: The tier's level in :attr:`table`.

        Returns:
            The change of its discount off list (partners that close deals; else 0).
        """
        t = self.table
        st = state
        i = seller.index
        st.row("tier")[i] = t.code[level]
        st.row("lead_priority")[i] = t.lead_priority[level]
        st.row("mdf_rate")[i] = t.mdf_rate[level]
        st.row("protection_months")[i] = t.protection_months[level]
        st.row("exclusivity_eligible")[i] = t.exclusivity_eligible[level]
        if not (isinstance(seller, Partner) and seller.closes_deals):
            return 0.0
        old = seller.discount
        seller.discount = seller.params.discount + float(t.extra_discount[level])
        return seller.discount - old

    # -- each period -------------------------------------------------------------------------

    def trailing_deals(self, state: SellerState) -> FloatArray:
        """Deals each seller won over the trailing year (since the start when shorter)."""
        now = state.wins.astype(np.float64)
        if len(self._wins) < (self._wins.maxlen or 0):
            return now
        then = self._wins[0]
        past = np.zeros(len(now))
        past[: len(then)] = then
        out: FloatArray = now - past
        return out

    def standing(self, state: SellerState, reps: FloatArray) -> PartnerStanding:
        """Every seller's level and criteria now (trailing year).

        Args:
            state: The seller state.
            reps: Each seller's reps.
        """
        return PartnerStanding(
            level=np.searchsorted(self.table.code, state.tier).astype(np.int64),
            revenue=state.revenue_history.sum(axis=1),
            certified=state.certified.astype(np.float64),
            reps=reps,
            deals=self.trailing_deals(state),
            purchases_month=state.purchase_history.sum(axis=1) / 12.0,  # a year's history
        )

    def certification_value(self, model: ChannelModel, index: int) -> tuple[float, float]:
        """The next tier's gain to one seller and the reps it still has to certify for it.

        Computed for every seller once per period (the first time a seller asks).
        """
        if not self.table.has_tiers:
            return 0.0, 0.0
        if self._gain is None or self._gain[0] != model.period:
            standing = self.standing_of(model)
            gain, missing = certification_gain(
                self.table, standing, CERTIFICATION_HORIZON_MONTHS, self.reach
            )
            self._gain = (model.period, gain, missing)
        _, gain, missing = self._gain
        if index >= len(gain):
            return 0.0, 0.0
        return float(gain[index]), float(missing[index])

    def standing_of(self, model: ChannelModel) -> PartnerStanding:
        """:meth:`standing` with each seller's reps read from the sellers."""
        reps = np.array([float(s.reps) for s in model.sellers])
        return self.standing(model.seller_state, reps)

    def review_phase(self, model: ChannelModel) -> None:
        """Record this period's wins and, in a review period, move partners between tiers.

        Args:
            model: The model at the end of a period (after the partners' histories are pushed).
        """
        st = model.seller_state
        self.upgrades = self.downgrades = 0
        self._wins.append(st.wins.copy())
        if not self.table.has_tiers or model.period % self.review_periods != 0:
            return
        standing = self.standing_of(model)
        reviewed = st.active & st.is_partner & st.closes_deals
        idx = np.flatnonzero(reviewed)
        qualified = qualified_level(
            self.table,
            standing.revenue[idx],
            standing.certified[idx],
            standing.reps[idx],
            standing.deals[idx],
        )
        failed = st.tier_failed_reviews[idx]
        level, st.row("tier_failed_reviews")[idx] = review_levels(
            standing.level[idx], qualified, failed, self.grace
        )
        moved = level != standing.level[idx]
        self.upgrades = int((level > standing.level[idx]).sum())
        self.downgrades = int((level < standing.level[idx]).sum())
        for i, lv in zip(idx[moved].tolist(), level[moved].tolist(), strict=True):
            self._move(model, model.sellers[i], lv)
        if moved.any():
            model.sellers_changed()

    def _move(self, model: ChannelModel, seller: Seller, level: int) -> None:
        """Give a seller its new tier; its margin follows its discount at its pass-through."""
        delta = self.apply(model.seller_state, seller, level)
        margin = model.prices.margin
        i = seller.index
        if delta and i < len(margin):
            kept = margin[i] + delta * (1.0 - seller.pass_through)
            margin[i] = np.clip(kept, 0.0, seller.discount)
