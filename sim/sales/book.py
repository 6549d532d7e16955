"""The opportunity book: every opportunity of a run, column-wise and growable."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray


class Outcome(IntEnum):
    """How an opportunity ended (or that it is still open)."""

    OPEN = 0
    WON = 1
    RIVAL = 2
    NO_DECISION = 3


class Source(IntEnum):
    """Where an opportunity came from."""

    ORGANIC = 0
    VENDOR_LEAD = 1
    REFERRAL = 2
    BROKER = 3
    """Brought by a broker (``sim/agents/broker.py``)."""


_FIELDS: dict[str, type] = {
    "account": np.int64,
    "period_opened": np.int32,
    "won_time": np.float64,
    "closed_time": np.float64,
    "seller": np.int32,
    "outcome": np.int8,
    "source": np.int8,
    "referrer": np.int32,
    "n_bidders": np.int16,
    "conflict": np.bool_,
    "distributor": np.int32,
    "list_amount": np.float64,
    "customer_price": np.float64,
    "reseller_margin": np.float64,
    "distributor_margin": np.float64,
    "vendor_net": np.float64,
    "services_revenue": np.float64,
    "managed_fee": np.float64,  # an MSP's fee over the first year
    "hardware_units": np.float64,
    "cycle": np.float64,  # drawn sales-cycle length in periods (won opportunities)
    # Contract terms of a won deal, applied when its cycle ends.
    "once_list": np.float64,
    "monthly_list": np.float64,
    "maint_list": np.float64,
    "r_customer": np.float64,
    "r_reseller": np.float64,
    "r_distributor": np.float64,
    "r_vendor": np.float64,
    # Deal registration and the conflict rule (docs/model.md, deal registration).
    "registration": np.int64,  # the winner's registration, else the account holder's, or -1
    "protected_by": np.int32,  # seller whose registration protected the account, or -1
    "registration_discount": np.float64,  # first-year extra discount the vendor gave
    "conflict_before": np.int8,  # conflict kinds among the bids before the rule (ConflictKind)
    "assisted": np.bool_,  # the direct reps stood down and assisted (channel_neutral)
}


class ConflictKind(IntEnum):
    """Bits of the ``conflict_before`` column: which kinds of conflict an opportunity had."""

    DIRECT = 1
    STORE = 2
    PARTNER = 4


class OpportunityBook:
    """Column store of opportunities; ids are row numbers.

    Bidders are kept as a compressed list per opportunity (``bid_offsets``/``bid_sellers``) so
    that the ``parties`` of each deal can be written without a Python loop.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self._cap = max(16, capacity)
        self.cols: dict[str, NDArray[Any]] = {
            name: np.zeros(self._cap, dtype=dt) for name, dt in _FIELDS.items()
        }
        self.cols["closed_time"][:] = np.nan
        self._bid_chunks: list[NDArray[np.int32]] = []
        self._bid_counts: list[NDArray[np.int64]] = []
        self._stood_chunks: list[NDArray[np.int32]] = []
        self._stood_counts: list[NDArray[np.int64]] = []

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.cols[name][: self.size]

    def _grow(self, extra: int) -> None:
        need = self.size + extra
        if need <= self._cap:
            return
        cap = max(need, 2 * self._cap)
        for name, arr in self.cols.items():
            new = np.zeros(cap, dtype=arr.dtype)
            if name == "closed_time":
                new[:] = np.nan
            new[: self.size] = arr[: self.size]
            self.cols[name] = new
        self._cap = cap

    def append(
        self,
        values: dict[str, NDArray[np.generic]],
        bid_counts: NDArray[np.int64],
        bid_sellers: NDArray[np.int32],
        stood: tuple[NDArray[np.int64], NDArray[np.int32]] | None = None,
    ) -> NDArray[np.int64]:
        """Append a batch of opportunities.

        Args:
            values: Column arrays of equal length (missing columns stay 0).
            bid_counts: Number of bidders of each opportunity.
            bid_sellers: The bidders' seller indices, concatenated in opportunity order.
            stood: The number of sellers of each opportunity that stood down under the conflict
                rule, and those sellers (None: nobody).

        Returns:
            The ids of the new opportunities.
        """
        n = len(bid_counts)
        self._grow(n)
        ids = np.arange(self.size, self.size + n, dtype=np.int64)
        for name, arr in values.items():
            self.cols[name][self.size : self.size + n] = arr
        self.size += n
        self._bid_counts.append(np.asarray(bid_counts, dtype=np.int64))
        self._bid_chunks.append(np.asarray(bid_sellers, dtype=np.int32))
        if stood is None:
            stood = (np.zeros(n, dtype=np.int64), np.zeros(0, dtype=np.int32))
        self._stood_counts.append(np.asarray(stood[0], dtype=np.int64))
        self._stood_chunks.append(np.asarray(stood[1], dtype=np.int32))
        return ids

    def bidders(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        """Return (offsets, sellers): bidders of i: sellers[offsets[i]:offsets[i+1]]."""
        return _csr(self._bid_counts, self._bid_chunks)

    def stood_down(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        """Return (offsets, sellers): sellers that stood down on i under the conflict rule."""
        return _csr(self._stood_counts, self._stood_chunks)


def _csr(
    counts_list: list[NDArray[np.int64]], chunks: list[NDArray[np.int32]]
) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    """Offsets and sellers of per-opportunity seller lists appended batch by batch."""
    counts = np.concatenate(counts_list) if counts_list else np.zeros(0, np.int64)
    sellers = np.concatenate(chunks) if chunks else np.zeros(0, np.int32)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return offsets, sellers
