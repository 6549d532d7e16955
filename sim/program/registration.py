"""Deal registration: a register of registrations and their state machine (SPEC §2.5).

A partner that reaches an opportunity registers the account before the account chooses. The
vendor reviews each submission under its approval policy; the first approved registrant of an
account is protected for ``protection_months`` (re-evaluations of the account inside that time
stay protected), and a later one is a second registrant (rejected, or approved at a reduced
extra discount without protection). A registration ends won (its partner's deal closed), lost
(another seller or the rival won the account) or expired (protection ran out; once, when the
partner's deal is still in its sales cycle, it is extended by ``extension_months`` first)::

    submitted → approved → protected → won | lost | expired
              ↘ rejected

Everything is column-wise numpy over registrations; the functions here take plain arrays, so
each transition can be tested without a model (``tests/test_registration.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.names import TIERS
from sim.scenario.schema import DealRegistration, RegistrationApproval, SecondRegistrant

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_OPEN = 0
"""Book outcome code of a won deal still in its sales cycle (``sim.sales.book.Outcome.OPEN``)."""
_WON = 1
"""Book outcome code of a closed deal (``sim.sales.book.Outcome.WON``)."""
_KEY = 1 << 24
"""Key multiplier of an (account, partner) pair: ``account · _KEY + partner``."""


class Status(IntEnum):
    """Where a registration is in its life."""

    SUBMITTED = 0
    APPROVED = 1
    """Approved without protection (a second registrant), or approved and not yet protected."""
    REJECTED = 2
    PROTECTED = 3
    WON = 4
    LOST = 5
    EXPIRED = 6


STATUS_NAMES: tuple[str, ...] = tuple(s.name.lower() for s in Status)
"""Status names by code, as ``deals.parquet`` writes them."""

_LIVE = (Status.APPROVED, Status.PROTECTED)


@dataclass(frozen=True)
class RegistrationTerms:
    """The program's registration terms, in periods.

    Attributes:
        approval: The approval policy.
        protection_periods: Periods a registration protects its account.
        extension_periods: Periods of the one extension (0: none).
        second_registrant: What a second registrant gets.
        second_share: Share of the extra discount a second registrant gets (reduced_discount).
        auto_below: Per tier index, the deal size below which ``auto_below_size`` approves.
    """

    approval: RegistrationApproval
    protection_periods: float
    extension_periods: float
    second_registrant: SecondRegistrant
    second_share: float
    auto_below: FloatArray

    @classmethod
    def of(cls, cfg: DealRegistration, period_months: float) -> RegistrationTerms:
        """Terms from the scenario's ``program.deal_registration`` table.

        Args:
            cfg: The table.
            period_months: Months per period.
        """
        return cls(
            approval=cfg.approval,
            protection_periods=cfg.protection_months / period_months,
            extension_periods=cfg.extension_months / period_months,
            second_registrant=cfg.second_registrant,
            second_share=cfg.second_registrant_share,
            auto_below=np.array([cfg.auto_approve_below.get(t, 0.0) for t in TIERS]),
        )


_FIELDS: dict[str, type] = {
    "account": np.int64,
    "partner": np.int64,
    "status": np.int8,
    "submitted": np.int32,  # period of submission
    "expires": np.float64,  # period at whose start protection ends
    "extended": np.bool_,
    "share": np.float64,  # share of the extra discount its deal gets
    "opportunity": np.int64,  # book id of the registrant's won deal, or -1
}


@dataclass(frozen=True)
class BidRegistrations:
    """The live registration behind each partner bid of a batch.

    Attributes:
        opp: The bid's opportunity (index in the batch).
        reg: The registration (the partner's approved or protected one on that account).
    """

    opp: IntArray
    reg: IntArray


class Register:
    """Every registration of a run, column-wise, and which one protects each account.

    Args:
        n_accounts: Accounts in the market.
    """

    def __init__(self, n_accounts: int) -> None:
        self.size = 0
        self.cols: dict[str, NDArray[Any]] = {n: np.zeros(64, dtype=t) for n, t in _FIELDS.items()}
        self.holder: IntArray = np.full(n_accounts, -1, dtype=np.int64)
        """The protected registration of each account, or -1."""
        self._worked: IntArray = np.zeros(0, dtype=np.int64)

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.cols[name][: self.size]

    def _set(self, name: str, ids: IntArray, values: Any) -> None:
        self.cols[name][ids] = values

    def submit(self, accounts: IntArray, partners: IntArray, period: int) -> IntArray:
        """New registrations, ``submitted``.

        Args:
            accounts: Account of each.
            partners: Registering seller of each.
            period: The current period.

        Returns:
            Their ids.
        """
        n = len(accounts)
        if self.size + n > len(self.cols["account"]):
            cap = max(self.size + n, 2 * len(self.cols["account"]))
            for name, arr in self.cols.items():
                grown = np.zeros(cap, dtype=arr.dtype)
                grown[: self.size] = arr[: self.size]
                self.cols[name] = grown
        ids = np.arange(self.size, self.size + n, dtype=np.int64)
        self.size += n
        self._set("account", ids, accounts)
        self._set("partner", ids, partners)
        self._set("status", ids, Status.SUBMITTED)
        self._set("submitted", ids, period)
        self._set("expires", ids, np.inf)
        self._set("extended", ids, False)
        self._set("share", ids, 0.0)
        self._set("opportunity", ids, -1)
        return ids

    def review(self, ids: IntArray, approved: BoolArray, share: FloatArray) -> None:
        """Submitted → approved (with a share of the extra discount) or rejected.

        Args:
            ids: Submitted registrations.
            approved: Whether each is approved.
            share: Share of the extra discount each approved one gets.
        """
        self._set("status", ids, np.where(approved, Status.APPROVED, Status.REJECTED))
        self._set("share", ids, np.where(approved, share, 0.0))

    def protect(self, ids: IntArray, until: float | FloatArray) -> None:
        """Approved → protected until a period; each becomes its account's holder.

        Args:
            ids: Approved registrations (one per account, on unprotected accounts).
            until: The period at whose start protection ends (one, or one per registration).
        """
        self._set("status", ids, Status.PROTECTED)
        self._set("expires", ids, until)
        self.holder[self["account"][ids]] = ids

    def _end(self, ids: IntArray, status: Status) -> None:
        self._set("status", ids, status)
        accounts = self["account"][ids]
        held = self.holder[accounts] == ids
        self.holder[accounts[held]] = -1

    def settle(
        self, opp_account: IntArray, chosen: IntArray, bids: BidRegistrations, book_ids: IntArray
    ) -> IntArray:
        """After the choice: the registrations of accounts that chose.

        A live registration whose partner was chosen keeps its status and notes its deal (it is
        won when the deal closes); one whose account chose another seller or the rival is lost,
        as is the holder of an account another seller won; an unprotected approved one whose
        account made no decision expires; a protected one stays protected.

        Args:
            opp_account: Account of each opportunity.
            chosen: Chosen seller of each, or a negative outcome code (-1 no decision).
            bids: The live registration behind each partner bid.
            book_ids: Book id of each opportunity.

        Returns:
            The winner's registration of each opportunity, or -1.
        """
        opp, reg = bids.opp, bids.reg
        partner = self.cols["partner"]
        winner_reg = np.full(len(chosen), -1, dtype=np.int64)
        won = chosen[opp] == partner[reg]
        winner_reg[opp[won]] = reg[won]
        self._set("opportunity", reg[won], book_ids[opp[won]])
        decided = chosen[opp] != -1
        unprotected = self.cols["status"][reg] == Status.APPROVED
        self._end(reg[~won & ~decided & unprotected], Status.EXPIRED)
        self._end(reg[~won & decided], Status.LOST)
        # Holders that did not bid on their account, which another seller (or the rival) won.
        h = self.holder[opp_account]
        lost = (h >= 0) & (chosen != -1)
        lost[lost] &= chosen[lost] != partner[h[lost]]
        self._end(h[lost], Status.LOST)
        return winner_reg

    def advance(self, period: int, book_outcome: NDArray[np.int8], extension: float) -> None:
        """At a period's start: deals that closed are won; protection that ran out expires.

        A protected registration whose partner's deal is still in its sales cycle at expiry is
        extended once, by ``extension`` periods (none when 0).

        Args:
            period: The period starting.
            book_outcome: The opportunity book's outcome column.
            extension: Periods of the one extension.
        """
        status = self["status"]
        opp = self["opportunity"]
        has_deal = np.isin(status, _LIVE) & (opp >= 0)
        outcome = np.full(len(opp), -1, dtype=np.int64)
        outcome[has_deal] = book_outcome[opp[has_deal]]
        self._end(np.flatnonzero(has_deal & (outcome == _WON)), Status.WON)
        due = (self["status"] == Status.PROTECTED) & (self["expires"] <= period)
        extend = due & (outcome == _OPEN) & ~self["extended"] & (extension > 0)
        ext = np.flatnonzero(extend)
        self._set("expires", ext, self["expires"][ext] + extension)
        self._set("extended", ext, True)
        self._end(np.flatnonzero(due & ~extend), Status.EXPIRED)

    def mark_worked(self, accounts: IntArray, partners: IntArray) -> None:
        """Remember that these partners worked (bid on) these accounts."""
        new = np.unique(accounts.astype(np.int64) * _KEY + partners)
        # Insert only the new keys into the sorted array: O(n + m), not a re-sort of all.
        pos = np.searchsorted(self._worked, new)
        known = pos < len(self._worked)
        known[known] = self._worked[pos[known]] == new[known]
        self._worked = np.insert(self._worked, pos[~known], new[~known])

    def worked(self, accounts: IntArray, partners: IntArray) -> BoolArray:
        """Whether each partner has bid on its account before."""
        keys = accounts.astype(np.int64) * _KEY + partners
        pos = np.searchsorted(self._worked, keys)
        found = pos < len(self._worked)
        found[found] = self._worked[pos[found]] == keys[found]
        return found

    def active_protected(self) -> int:
        """Registrations protecting an account now."""
        return int(np.count_nonzero(self.holder >= 0))
