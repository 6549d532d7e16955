"""The MDF funds ledger: accrual and allocation → request → activity → claim → reimbursement.

Funds are held per seller as amounts filed under the period they fall due (dated arrays, one
array per due period): open funds under the period they expire, requested funds under the
period their marketing activity runs, approved claims under the period the vendor reimburses
them. Every step of a period moves whole arrays, so a period costs a handful of array operations
whatever the number of partners. The ledger conserves money: what was accrued equals what was
reimbursed, rejected or expired plus what is still open (:meth:`MdfFunds.open_total`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _padded(values: FloatArray, n: int) -> FloatArray:
    out = np.zeros(max(n, len(values)))
    out[: len(values)] = values
    return out


class DatedAmounts:
    """Per-seller amounts filed under the period they fall due."""

    def __init__(self) -> None:
        self.due: dict[int, FloatArray] = {}

    def add(self, period: int, amounts: FloatArray) -> None:
        """File ``amounts`` (one per seller) under ``period``, adding to what is there."""
        if not amounts.any():
            return
        held = self.due.get(period)
        if held is None:
            held = np.zeros(len(amounts))
        held = _padded(held, len(amounts))
        held[: len(amounts)] += amounts
        self.due[period] = held

    def pop_due(self, period: int, n: int) -> FloatArray:
        """Remove and return, per seller (``n`` of them), everything due at or before ``period``."""
        out = np.zeros(n)
        for key in sorted(k for k in self.due if k <= period):
            amounts = self.due.pop(key)
            out = _padded(out, len(amounts))
            out[: len(amounts)] += amounts
        return out

    def total(self, n: int) -> FloatArray:
        """Per seller, everything held, whatever its due period."""
        out = np.zeros(n)
        for amounts in self.due.values():
            out = _padded(out, len(amounts))
            out[: len(amounts)] += amounts
        return out

    def take_oldest(self, amounts: FloatArray) -> None:
        """Remove ``amounts`` per seller from the earliest-due entries first (first in, first out).

        Args:
            amounts: Per seller, at most what it holds.
        """
        left = amounts.copy()
        for key in sorted(self.due):
            held = self.due[key]
            m = min(len(held), len(left))
            take = np.minimum(held[:m], left[:m])
            held[:m] -= take
            left[:m] -= take
            if not held.any():
                del self.due[key]


@dataclass(frozen=True)
class FundTerms:
    """The workflow's terms in periods (from ``program.mdf`` and the period length)."""

    request_share: float
    """Share of its open funds a requesting partner asks for each period."""
    activity_periods: int
    """Periods from a request to its activity (0 = the same period)."""
    claim_delay_periods: int
    """Periods from the activity (claim) to reimbursement (0 = the same period)."""
    expiry_periods: int
    """Periods after which unrequested funds expire (≥ 1)."""
    rejection: float
    """Share of claimed spend that is rejected."""


IMMEDIATE = FundTerms(1.0, 0, 0, 1, 0.0)
"""The original rule: the whole balance is spent and reimbursed in the period after it accrued;
an inactive partner's balance expires."""


@dataclass(frozen=True)
class FundStep:
    """What one period moved, per seller (arrays of the period's sellers)."""

    accrued: FloatArray
    """Earned accrual plus discretionary allocation filed this period."""
    requested: FloatArray
    spent: FloatArray
    """Spend of the activities that ran this period (the partner's cost, the awareness)."""
    rejected: FloatArray
    reimbursed: FloatArray
    """Paid by the vendor this period (the partner's income, the vendor's ``mdf`` cost)."""
    expired: FloatArray


class MdfFunds:
    """Every seller's MDF funds by stage: open, requested (activity pending), claimed."""

    def __init__(self) -> None:
        self.open = DatedAmounts()
        self.requested = DatedAmounts()
        self.claimed = DatedAmounts()

    def open_total(self, n: int) -> FloatArray:
        """Per seller, funds not yet reimbursed, rejected or expired (all three stages)."""
        return self.open.total(n) + self.requested.total(n) + self.claimed.total(n)

    def step(
        self, period: int, accrued: FloatArray, requesting: BoolArray, terms: FundTerms
    ) -> FundStep:
        """Run one period of the workflow, in the order a partner meets it.

        Requests (a share of each requesting partner's open funds, oldest first) → activities
        due now are spent and claimed (a share rejected) → claims due now are reimbursed →
        open funds due now expire → this period's accrual is filed to expire
        ``expiry_periods`` on. With :data:`IMMEDIATE` terms a balance is spent and reimbursed
        the period after it accrued, or expires.

        Args:
            period: The current period.
            accrued: Per seller, this period's accrual and allocation.
            requesting: Per seller, whether it may request funds now (active partners).
            terms: The workflow's terms.

        Returns:
            The period's movements per seller.
        """
        n = len(accrued)
        open_now = self.open.total(n)
        requested = np.where(requesting[:n], terms.request_share * open_now, 0.0)
        self.open.take_oldest(requested)
        self.requested.add(period + terms.activity_periods, requested)
        spent = self.requested.pop_due(period, n)
        rejected = spent * terms.rejection
        self.claimed.add(period + terms.claim_delay_periods, spent - rejected)
        reimbursed = self.claimed.pop_due(period, n)
        expired = self.open.pop_due(period, n)
        self.open.add(period + terms.expiry_periods, accrued)
        return FundStep(accrued, requested, spent, rejected, reimbursed, expired)


def allocation_weights(history: FloatArray, rule: str) -> FloatArray:
    """Each seller's weight in the discretionary budget, from its purchase history.

    Args:
        history: Per seller (rows), its purchases per period, most recent first (columns).
        rule: ``revenue`` (the trailing sum) or ``growth`` (the recent half's purchases
            minus the older half's, floored at 0).

    Returns:
        Non-negative weights, one per seller.
    """
    if rule == "growth":
        half = history.shape[1] // 2
        growth = history[:, :half].sum(axis=1) - history[:, half : 2 * half].sum(axis=1)
        return np.asarray(np.maximum(growth, 0.0))
    return np.asarray(np.maximum(history.sum(axis=1), 0.0))


def allocate(budget: float, weights: FloatArray, eligible: BoolArray) -> FloatArray:
    """Divide ``budget`` among eligible sellers pro rata to their weights (nothing if none)."""
    w = np.where(eligible, weights, 0.0)
    total = float(w.sum())
    if budget <= 0.0 or total <= 0.0:
        return np.zeros(len(weights))
    return np.asarray(budget * w / total)
