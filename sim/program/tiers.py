"""Program tiers: qualifying, reviews with demotion grace, the value of certifying for a tier.

Pure functions over arrays, testable without a model.

A program lists its tiers (``program.tiers``) by the names of :data:`sim.names.TIERS`; the
:class:`TierTable` holds them lowest first as arrays, so that a tier is a *level* (its row in
the table) and every partner's criteria are compared with every tier at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.names import TIERS
from sim.scenario.schema import Program

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class TierTable:
    """The program's tiers, lowest first, as arrays over tiers (one row per listed tier).

    Attributes:
        names: Tier names, lowest first.
        code: Each tier's position in :data:`~sim.names.TIERS`.
        min_revenue: Trailing-12-month vendor net revenue required.
        min_certified: Certified reps required.
        min_certified_share: Certified share of reps required.
        min_deals: Deals won in the trailing 12 months required.
        extra_discount: Discount off list on top of the type's base discount.
        mdf_rate: MDF accrual rate on top of ``program.mdf.accrual_rate``.
        lead_priority: Weight on routed leads.
        protection_months: Deal-registration protection (0 = the program's default).
        exclusivity_eligible: May hold territory exclusivity.
    """

    names: tuple[str, ...]
    code: IntArray
    min_revenue: FloatArray
    min_certified: FloatArray
    min_certified_share: FloatArray
    min_deals: FloatArray
    extra_discount: FloatArray
    mdf_rate: FloatArray
    lead_priority: FloatArray
    protection_months: FloatArray
    exclusivity_eligible: BoolArray

    @classmethod
    def of(cls, program: Program) -> TierTable:
        """The table of a validated program (tiers in the order of :data:`~sim.names.TIERS`)."""
        names = tuple(t for t in TIERS if t in program.tiers)
        rows = [program.tiers[t] for t in names]

        def col(key: str) -> FloatArray:
            return np.array([float(getattr(r, key)) for r in rows])

        return cls(
            names=names,
            code=np.array([TIERS.index(t) for t in names], dtype=np.int64),
            min_revenue=col("min_revenue"),
            min_certified=col("min_certified"),
            min_certified_share=col("min_certified_share"),
            min_deals=col("min_deals"),
            extra_discount=col("extra_discount"),
            mdf_rate=col("mdf_rate"),
            lead_priority=col("lead_priority"),
            protection_months=col("protection_months"),
            exclusivity_eligible=np.array([r.exclusivity_eligible for r in rows], dtype=bool),
        )

    @property
    def has_tiers(self) -> bool:
        """Whether the program has more than one tier (reviews can move partners)."""
        return len(self.names) > 1

    def certified_needed(self, reps: FloatArray) -> FloatArray:
        """(partners, tiers) certified reps each tier requires of each partner.

        Args:
            reps: Each partner's reps.
        """
        by_share = np.ceil(self.min_certified_share[None, :] * reps[:, None] - 1e-9)
        need: FloatArray = np.maximum(self.min_certified[None, :], by_share)
        return need


def meets(
    table: TierTable,
    revenue: FloatArray,
    certified: FloatArray,
    reps: FloatArray,
    deals: FloatArray,
) -> BoolArray:
    """(partners, tiers) whether each partner meets each tier's criteria.

    Args:
        table: The tiers.
        revenue: Each partner's trailing-12-month vendor net revenue.
        certified: Its certified reps.
        reps: Its reps.
        deals: Its deals won in the trailing 12 months.
    """
    ok: BoolArray = (
        (revenue[:, None] >= table.min_revenue[None, :])
        & (certified[:, None] >= table.certified_needed(reps))
        & (deals[:, None] >= table.min_deals[None, :])
    )
    return ok


def qualified_level(
    table: TierTable,
    revenue: FloatArray,
    certified: FloatArray,
    reps: FloatArray,
    deals: FloatArray,
) -> IntArray:
    """Each partner's highest level whose criteria it meets (0, the lowest tier, at least).

    Criteria rise with the tier (validated), so the highest met tier is the partner's tier.
    """
    ok = meets(table, revenue, certified, reps, deals)
    ok[:, 0] = True
    levels = np.arange(len(table.names))
    level: IntArray = np.where(ok, levels[None, :], 0).max(axis=1).astype(np.int64)
    return level


def review_levels(
    current: IntArray, qualified: IntArray, failed: IntArray, grace: int
) -> tuple[IntArray, IntArray]:
    """The levels after a review, with demotion grace.

    A partner that qualifies for a higher tier moves up at once; one that qualifies for a lower
    tier than its own keeps its tier for ``grace`` failed reviews in a row and moves down to the
    tier it qualifies for at the next one. A review it passes resets its failures.

    Args:
        current: Each partner's level now.
        qualified: The level it qualifies for at this review (:func:`qualified_level`).
        failed: Consecutive reviews it has failed so far.
        grace: ``program.tier_demotion_grace``.

    Returns:
        The new levels and the new counts of consecutive failed reviews.
    """
    below = qualified < current
    failures = np.where(below, failed + 1, 0)
    demote = below & (failures > grace)
    level = np.where(below & ~demote, current, qualified)
    return level.astype(np.int64), np.where(demote, 0, failures).astype(np.int64)


@dataclass(frozen=True)
class PartnerStanding:
    """What the certification decision reads of each partner (arrays over partners).

    Attributes:
        level: Its tier level now.
        revenue: Trailing-12-month vendor net revenue.
        certified: Certified reps (those in training included).
        reps: Reps.
        deals: Deals won in the trailing 12 months.
        purchases_month: Its purchases from the vendor per month (trailing year).
    """

    level: IntArray
    revenue: FloatArray
    certified: FloatArray
    reps: FloatArray
    deals: FloatArray
    purchases_month: FloatArray


def certification_gain(
    table: TierTable, standing: PartnerStanding, horizon_months: float, reach: float
) -> tuple[FloatArray, FloatArray]:
    """The value of the next tier to each partner that certification would get it into.

    A partner below the top tier looks at the next one. When certified reps are the criterion
    it misses and its revenue and deals are at least ``reach`` of the tier's, the next tier is
    worth its extra discount and extra MDF accrual on its purchases over ``horizon_months``
    (lead priority and protection are not valued: an assumption that errs on the side of not
    certifying). Otherwise the gain is 0.

    Args:
        table: The tiers.
        standing: The partners' levels and criteria now.
        horizon_months: Months over which the partner counts the benefit.
        reach: ``program.tier_certification_reach``.

    Returns:
        The gain (currency) and the reps it still has to certify, per partner (0 and 0 when
        certification would not get it the next tier).
    """
    top = len(table.names) - 1
    nxt = np.minimum(standing.level + 1, top)
    needed = table.certified_needed(standing.reps)[np.arange(len(nxt)), nxt]
    missing = np.maximum(needed - standing.certified, 0.0)
    close = (standing.revenue >= reach * table.min_revenue[nxt]) & (
        standing.deals >= reach * table.min_deals[nxt]
    )
    can = (standing.level < top) & (missing > 0) & (needed <= standing.reps) & close
    rate = (table.extra_discount[nxt] - table.extra_discount[standing.level]) + (
        table.mdf_rate[nxt] - table.mdf_rate[standing.level]
    )
    gain = np.where(can, np.maximum(rate, 0.0) * standing.purchases_month * horizon_months, 0.0)
    return gain, np.where(can, missing, 0.0)


def certifies(
    quality_value: FloatArray, tier_gain: FloatArray, reps_missing: FloatArray, net_cost: FloatArray
) -> BoolArray:
    """Whether each partner starts certifying one more rep.

    It does when the service-quality value of one more certified rep, plus its share of the
    next tier's gain (the gain over the reps still missing), exceeds the rep's cost net of the
    vendor's subsidy.

    Args:
        quality_value: Value of the quality one more certified rep brings (currency).
        tier_gain: Value of the next tier (:func:`certification_gain`).
        reps_missing: Reps still to certify for that tier.
        net_cost: Cost of one certification net of the vendor's subsidy.
    """
    per_rep = np.where(reps_missing > 0, tier_gain / np.maximum(reps_missing, 1.0), 0.0)
    out: BoolArray = quality_value + per_rep > net_cost
    return out


def exclusivity_by_tier(program: Program) -> bool:
    """Whether exclusivity is a tier benefit: some tier of the program is ``exclusivity_eligible``.

    Then an exclusive holder enjoys its exclusivity's commitment bonus only while its tier is
    eligible; otherwise (no tier marked) every holder does, as without tiers.

    Args:
        program: ``program``.
    """
    return any(t.exclusivity_eligible for t in program.tiers.values())
