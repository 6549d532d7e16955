"""The numerical state of every seller, one array per attribute (one row per seller).

Sellers are Mesa agents; their hot numerical state (ledger, commitment, trust, histories,
counters) lives here so that the end-of-period update of all partners is a handful of array
operations rather than a Python call per partner. Agents read and write their own row through
properties, so code that handles one seller stays readable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.names import TIERS

LEDGER_FIELDS: tuple[str, ...] = (
    "vendor_revenue",
    "customer_revenue",
    "resale_margin",
    "distributor_margin",
    "distributor_sales",
    "services_revenue",
    "services_cost",
    "purchases",
    "mdf_received",
    "mdf_spent",
    "commissions",
    "bonuses",
    "subsidies",
    "effort_cost",
    "other_cost",
    "program_fees",
)
"""Money flows a seller records each period."""

COL: dict[str, int] = {name: i for i, name in enumerate(LEDGER_FIELDS)}
INCOME: tuple[str, ...] = (
    "resale_margin",
    "distributor_margin",
    "services_revenue",
    "mdf_received",
    "commissions",
    "bonuses",
    "subsidies",
)
COSTS: tuple[str, ...] = (
    "services_cost",
    "mdf_spent",
    "effort_cost",
    "other_cost",
    "program_fees",
)

_FLOAT = (
    "commitment",
    "trust",
    "expected_profit_per_effort",
    "rival_profit",
    "effort_base",
    "opex_share_of_sales",
    "services_margin",
    "profit_at_exit",
    "lead_priority",
    "mdf_rate",
    "protection_months",
)
_INT = (
    "failed_reviews",
    "review_periods",
    "review_phase",
    "active_periods",
    "lost_to_direct_period",
    "lost_to_store_period",
    "lost_to_partner_period",
    "conflicts_lost_to_direct",
    "conflicts_lost_to_store",
    "conflicts_lost_to_partner",
    "bids",
    "wins",
    "conflicts",
    "history_count",
    "tier",
    "tier_failed_reviews",
    "certified",
)
_BOOL = ("is_partner", "exclusive", "closes_deals", "active", "live", "exclusivity_eligible")


class SellerState:
    """Struct of arrays over sellers, growing as sellers are recruited.

    Args:
        n_territories: Territories of the market (for coverage rows).
        history: Periods kept in the trailing histories (revenue, profit, purchases): one year.
        capacity: Initial number of rows.
    """

    def __init__(self, n_territories: int, history: int = 12, capacity: int = 64) -> None:
        self.n = 0
        self.history = history
        self._cap = capacity
        self.arrays: dict[str, NDArray[Any]] = {}
        for name in _FLOAT:
            self.arrays[name] = np.zeros(capacity)
        for name in _INT:
            self.arrays[name] = np.zeros(capacity, dtype=np.int64)
        for name in _BOOL:
            self.arrays[name] = np.zeros(capacity, dtype=bool)
        self.arrays["territories"] = np.zeros((capacity, n_territories), dtype=bool)
        self.arrays["period"] = np.zeros((capacity, len(LEDGER_FIELDS)))
        self.arrays["total"] = np.zeros((capacity, len(LEDGER_FIELDS)))
        for name in ("revenue_history", "profit_history", "purchase_history"):
            self.arrays[name] = np.zeros((capacity, history))
        self.history_pos = 0  # ring position the next period writes
        self._recent: dict[tuple[str, int, int], NDArray[np.float64]] = {}

    def __getattr__(self, name: str) -> NDArray[Any]:
        arrays = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name][: self.n]
        raise AttributeError(name)

    def allocate(self) -> int:
        """Add a zeroed row and return its index."""
        if self.n == self._cap:
            cap = 2 * self._cap
            for name, arr in self.arrays.items():
                new = np.zeros((cap, *arr.shape[1:]), dtype=arr.dtype)
                new[: self.n] = arr[: self.n]
                self.arrays[name] = new
            self._cap = cap
        self.n += 1
        return self.n - 1

    def row(self, name: str) -> NDArray[Any]:
        """The full (not truncated) array of an attribute, for writing one element."""
        return self.arrays[name]

    def recent(self, name: str, index: int, periods: int) -> float:
        """Sum of the last ``periods`` entries of one seller's history.

        Args:
            name: ``revenue_history``, ``profit_history`` or ``purchase_history``.
            index: The seller.
            periods: How many of the most recent periods (at most ``history``).

        Returns:
            The sum over those periods (missing periods count as 0).
        """
        key = (name, periods, self.history_pos)
        sums = self._recent.get(key)
        if sums is None or index >= len(sums):
            # The sums of every seller at once; they hold until the next push_history.
            k = min(periods, self.history)
            pos = (self.history_pos - 1 - np.arange(k)) % self.history
            sums = self.arrays[name][: self.n, pos].sum(axis=1)
            self._recent[key] = sums
        return float(sums[index])

    def last(self, name: str) -> NDArray[np.float64]:
        """The most recent history entry of every seller."""
        return np.asarray(self.arrays[name][: self.n, (self.history_pos - 1) % self.history])

    def push_history(
        self, revenue: NDArray[Any], profit: NDArray[Any], purchases: NDArray[Any]
    ) -> None:
        """Append one period to every seller's trailing histories."""
        n = self.n
        pos = self.history_pos
        self.arrays["revenue_history"][:n, pos] = revenue
        self.arrays["profit_history"][:n, pos] = profit
        self.arrays["purchase_history"][:n, pos] = purchases
        self.arrays["history_count"][:n] = np.minimum(
            self.arrays["history_count"][:n] + 1, self.history
        )
        self.history_pos = (pos + 1) % self.history
        self._recent.clear()


def income(ledger: NDArray[np.float64]) -> NDArray[np.float64]:
    """Income per row of a ledger array (period or total)."""
    return np.asarray(sum(ledger[..., COL[f]] for f in INCOME))


def costs(ledger: NDArray[np.float64]) -> NDArray[np.float64]:
    """Costs per row of a ledger array (period or total)."""
    return np.asarray(sum(ledger[..., COL[f]] for f in COSTS))


def tier_names(state: SellerState, n: int) -> NDArray[np.str_]:
    """The program tier of each of the first ``n`` sellers, by name (:data:`sim.names.TIERS`).

    Args:
        state: The seller state (its ``tier`` row holds each seller's tier index).
        n: Sellers to read.

    Returns:
        One tier name per seller.
    """
    names: NDArray[np.str_] = np.array(TIERS)[state.row("tier")[:n].astype(np.int64)]
    return names
