"""Contracts of customer accounts and what they bill each period.

One array per contract attribute, indexed by account. A contract records the waterfall ratios of
the sale (customer, reseller, distributor and vendor shares of list), so every later bill splits
the same way as the sale did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class Bill:
    """List amounts billed to a set of accounts in one period (element-wise over ``accounts``).

    Attributes:
        accounts: Account indices.
        revenue_list: Revenue recognised this period, at list price.
        billings_list: Amount invoiced this period, at list price.
    """

    accounts: IntArray
    revenue_list: FloatArray
    billings_list: FloatArray


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
        self.referrer = np.full(n, -1, dtype=np.int32)
        self.commission_rate = np.zeros(n)
        self.commission_until = np.zeros(n, dtype=np.int32)
        self.distributor = np.full(n, -1, dtype=np.int32)
        self.partner_sourced = np.zeros(n, dtype=bool)

    def recurring(
        self, accounts: IntArray, period: int, period_months: float
    ) -> tuple[Bill, NDArray[np.bool_]]:
        """Recurring revenue and billings of active accounts for one period.

        Subscriptions bill and recognise ``monthly_list`` each month. Maintenance is recognised
        monthly and invoiced a year ahead at each anniversary (the first year is invoiced with
        the sale, see :meth:`ChannelModel`).

        Args:
            accounts: Active customer accounts.
            period: The current period.
            period_months: Months per period.

        Returns:
            The bill, and a mask of the accounts whose maintenance anniversary is this period.
        """
        monthly = self.monthly_list[accounts] * period_months
        maint_year = self.maint_annual_list[accounts]
        revenue = monthly + maint_year * period_months / 12.0
        anniversary = (maint_year > 0) & (self.next_anniversary[accounts] == period)
        billings = monthly + np.where(anniversary, maint_year, 0.0)
        return Bill(accounts, revenue, billings), anniversary
