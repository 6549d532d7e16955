"""Contracts of customer accounts and what they bill each period.

One array per contract attribute, indexed by account. A contract records the waterfall ratios of
the sale (customer, reseller, distributor and vendor shares of list), so every later bill splits
the same way as the sale did.

A contract's recurring amounts per month are fixed when it starts, so the model does not sum
them over every customer each period: :class:`RecurringTotals` keeps their per-seller totals,
adding a contract when it starts and removing it when it ends. The dated contract events
(maintenance anniversary, churn, end of a referral commission) are periods stored per account;
a :class:`DatedEvents` files each account under the period it was given, so that a period's
anniversaries, commission ends and returns are found without looking at every account.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.arrays import run_starts

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Contracts:
    """Per-account contract terms.

    Args:
        n: Number of accounts.
    """

    def __init__(self, n: int) -> None:
        self.monthly_list = np.zeros(n)  # recurring list amount per month
        self.maint_annual_list = np.zeros(n)  # maintenance list amount per year
        self.next_anniversary = np.zeros(n, dtype=np.int32)  # period of next maintenance bill
        self.managed_fee = np.zeros(n)  # MSP fee per month (partner services revenue)
        self.r_customer = np.zeros(n)
        self.r_reseller = np.zeros(n)
        self.r_distributor = np.zeros(n)
        self.r_vendor = np.zeros(n)
        self.churn_hazard = np.zeros(n)  # per period
        self.churn_at = np.full(n, np.iinfo(np.int32).max, dtype=np.int32)  # period it churns
        self.referrer = np.full(n, -1, dtype=np.int32)
        self.commission_rate = np.zeros(n)
        self.commission_until = np.zeros(n, dtype=np.int32)
        self.distributor = np.full(n, -1, dtype=np.int32)
        self.partner_sourced = np.zeros(n, dtype=bool)
        # Whether the account has an active contract with a recurring amount (a subscription or
        # a managed fee); kept by RecurringTotals as contracts start, stop and change seats, so
        # that the seat changes need not look at every account's state and amounts.
        self.recurring = np.zeros(n, dtype=bool)

    def list_per_month(self, accounts: IntArray) -> FloatArray:
        """Revenue recognised per month at list price: subscription plus maintenance / 12."""
        return np.asarray(self.monthly_list[accounts] + self.maint_annual_list[accounts] / 12.0)


class DatedEvents:
    """Accounts filed under the period of a dated event (an anniversary, a return).

    Meant for events that many accounts get for the same period at once (a year after a sale, a
    fixed time after losing to the rival).

    The period itself stays in a per-account array (the *stored* period), which is set only
    through :meth:`set`: that also files the accounts under the new value. :meth:`due` then
    returns exactly the accounts whose stored period equals the given one, as
    ``np.flatnonzero(stored == period)`` would: an account filed under a period it no longer
    holds is left out.

    Args:
        stored: The per-account array of event periods.
    """

    def __init__(self, stored: NDArray[np.integer]) -> None:
        self.stored = stored
        self._filed: dict[int, list[IntArray]] = {}

    def set(self, accounts: IntArray, period: int) -> None:
        """Give accounts the event period ``period`` (stored, and filed under it)."""
        self.stored[accounts] = period
        if len(accounts):
            self._filed.setdefault(int(period), []).append(np.asarray(accounts, dtype=np.int64))

    def due(self, period: int) -> IntArray:
        """The accounts whose stored period is ``period``, in increasing order."""
        filed = self._filed.pop(int(period), None)
        if filed is None:
            return np.zeros(0, dtype=np.int64)
        accounts = np.sort(np.concatenate(filed))
        if len(filed) > 1:
            accounts = accounts[run_starts(accounts)]  # each account once
        return accounts[self.stored[accounts] == period]


_TOTALS: tuple[str, ...] = (
    "list",  # list revenue recognised per month
    "vendor",  # vendor net revenue per month
    "monthly_vendor",  # vendor share of the monthly (subscription) invoices
    "customer",  # customer spend per month
    "reseller",  # reseller margin per month
    "distributor",  # distributor margin per month
    "managed",  # MSP fees per month (services revenue of the seller)
    "commission",  # recurring referral commissions per month, by referrer
)


_COMMISSION = len(_TOTALS) - 1
assert _TOTALS[_COMMISSION] == "commission", "the commission is the last total"


class RecurringTotals:
    """Per-seller totals of the recurring monthly amounts of the active contracts.

    Each total is the sum over the seller's active contracts of a per-contract amount fixed at
    the sale (``commission`` is kept by referrer, over the contracts still in their commission
    window). A seller's totals are reset to exactly zero when its last contract ends, so that
    adding and removing contracts leaves no rounding residue behind. The active contracts are
    also counted per (seller, territory): the incumbency and word of mouth read these counts.
    Starting and stopping contracts also keeps :attr:`Contracts.recurring` up to date.

    Args:
        n_sellers: Initial number of sellers (the arrays grow with :meth:`grow`).
        n_territories: Territories of the market.
    """

    def __init__(self, n_sellers: int, n_territories: int) -> None:
        # One row per total (``totals`` holds views of the rows), so that the totals of a batch
        # of contracts are summed with one bincount.
        self._sums = np.zeros((len(_TOTALS), n_sellers))
        self.totals: dict[str, FloatArray] = self._rows()
        # Active contracts (customers) per (seller, territory).
        self.customers = np.zeros((n_sellers, n_territories), dtype=np.int64)
        self.commissioned = np.zeros(n_sellers, dtype=np.int64)  # per referrer
        self.sourced = 0.0  # vendor net revenue per month of partner-sourced contracts
        self.n_sourced = 0

    def grow(self, n_sellers: int) -> None:
        """Make room for sellers recruited since."""
        extra = n_sellers - len(self.customers)
        if extra <= 0:
            return
        self._sums = np.hstack([self._sums, np.zeros((len(_TOTALS), extra))])
        self.totals = self._rows()
        self.customers = np.vstack(
            [self.customers, np.zeros((extra, self.customers.shape[1]), dtype=np.int64)]
        )
        self.commissioned = np.concatenate([self.commissioned, np.zeros(extra, dtype=np.int64)])

    def _rows(self) -> dict[str, FloatArray]:
        return {k: self._sums[i] for i, k in enumerate(_TOTALS)}

    def _amounts(self, con: Contracts, acc: IntArray) -> dict[str, FloatArray]:
        lm = con.list_per_month(acc)
        return {
            "list": lm,
            "vendor": lm * con.r_vendor[acc],
            "monthly_vendor": con.monthly_list[acc] * con.r_vendor[acc],
            "customer": lm * con.r_customer[acc],
            "reseller": lm * con.r_reseller[acc],
            "distributor": lm * con.r_distributor[acc],
            "managed": con.managed_fee[acc],
        }

    @property
    def contracts(self) -> IntArray:
        """Active contracts per seller."""
        return np.asarray(self.customers.sum(axis=1))

    def _apply(
        self,
        con: Contracts,
        acc: IntArray,
        seller: IntArray,
        territory: NDArray[np.integer],
        sign: float,
    ) -> None:
        n = len(self.customers)
        amounts = self._amounts(con, acc)
        # Every total but the commission (the last row), each summed by seller: one bincount
        # over (total, seller) bins adds each bin's amounts in the same order as one per total.
        k = len(amounts)
        bins = (seller + n * np.arange(k)[:, None]).ravel()
        weights = np.stack(list(amounts.values())).ravel()
        sums = np.bincount(bins, weights=weights, minlength=k * n).reshape(k, n)
        self._sums[:k] += sign * sums
        np.add.at(self.customers, (seller, territory.astype(np.int64)), int(sign))
        ps = con.partner_sourced[acc]
        if ps.any():
            self.sourced += sign * float(amounts["vendor"][ps].sum())
            self.n_sourced += int(sign) * int(ps.sum())
        self._zero_empty()

    def _zero_empty(self) -> None:
        empty = self.contracts == 0
        if empty.any():
            self._sums[:_COMMISSION, empty] = 0.0  # the commission is kept by referrer
        if self.n_sourced == 0:
            self.sourced = 0.0

    def start(
        self, con: Contracts, acc: IntArray, seller: IntArray, territory: NDArray[np.integer]
    ) -> None:
        """Add contracts that start now (their commission too, for referred accounts)."""
        self._apply(con, acc, seller, territory, 1.0)
        con.recurring[acc] = (con.monthly_list[acc] > 0) | (con.managed_fee[acc] > 0)
        self.commission(con, acc, 1.0)

    def stop(
        self,
        con: Contracts,
        acc: IntArray,
        seller: IntArray,
        territory: NDArray[np.integer],
        period: int,
    ) -> None:
        """Remove contracts that end now (their commission too, if still in its window)."""
        self._apply(con, acc, seller, territory, -1.0)
        self.commission(con, acc[con.commission_until[acc] > period], -1.0)
        con.recurring[acc] = False

    def adjust(
        self, con: Contracts, acc: IntArray, seller: IntArray, factor: FloatArray, period: int
    ) -> FloatArray:
        """Scale active contracts' recurring amounts by ``factor`` (seat changes).

        The monthly list amount, the annual maintenance and the managed fee of each contract
        are multiplied by its factor, and every total (the commission of a contract still in
        its window too) moves by the change, ``(factor − 1) ×`` the contract's amount: all
        are linear in the three scaled amounts. The contract counts do not change; a contract
        whose recurring amounts reach zero leaves :attr:`Contracts.recurring`.

        Args:
            con: The contracts (their amounts are scaled).
            acc: Active contracts' accounts, each once.
            seller: Their sellers.
            factor: The factor of each (> 0).
            period: The current period (commission windows).

        Returns:
            The change of each contract's vendor net revenue per month.
        """
        delta = factor - 1.0
        amounts = self._amounts(con, acc)
        n, k = len(self.customers), len(amounts)
        bins = (seller + n * np.arange(k)[:, None]).ravel()
        weights = (np.stack(list(amounts.values())) * delta).ravel()
        self._sums[:k] += np.bincount(bins, weights=weights, minlength=k * n).reshape(k, n)
        vendor_change: FloatArray = amounts["vendor"] * delta
        ps = con.partner_sourced[acc]
        if ps.any():
            self.sourced += float(vendor_change[ps].sum())
        windowed = (con.referrer[acc] >= 0) & (con.commission_until[acc] > period)
        if windowed.any():
            ref = con.referrer[acc[windowed]].astype(np.int64)
            commission = vendor_change[windowed] * con.commission_rate[acc[windowed]]
            self.totals["commission"] += np.bincount(
                ref, weights=commission, minlength=len(self.commissioned)
            )
        con.monthly_list[acc] *= factor
        con.maint_annual_list[acc] *= factor
        con.managed_fee[acc] *= factor
        shrunk = acc[factor < 1.0]
        con.recurring[shrunk] = (con.monthly_list[shrunk] > 0) | (con.managed_fee[shrunk] > 0)
        return vendor_change

    def commission(self, con: Contracts, acc: IntArray, sign: float) -> None:
        """Add (``sign`` 1) or remove (-1) the recurring commissions of referred accounts."""
        ref = con.referrer[acc].astype(np.int64)
        referred = ref >= 0
        if not referred.any():
            return
        acc, ref = acc[referred], ref[referred]
        amount = con.list_per_month(acc) * con.r_vendor[acc] * con.commission_rate[acc]
        n = len(self.commissioned)
        self.totals["commission"] += sign * np.bincount(ref, weights=amount, minlength=n)
        self.commissioned += int(sign) * np.bincount(ref, minlength=n)
        done = self.commissioned == 0
        self.totals["commission"][done] = 0.0
