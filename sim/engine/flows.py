"""Money flows of one period by seller: what billing computes and the ledgers and metrics read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.billing import Contracts
from sim.engine.period import FloatArray, IntArray, sum_by


@dataclass
class Flows:
    """Money flows of one period by seller (vendor net, margins, services, payments).

    Each array has one element per seller that existed when the period was billed.
    """

    list_revenue: FloatArray
    vendor_revenue: FloatArray
    customer_revenue: FloatArray
    reseller_margin: FloatArray
    distributor_margin: FloatArray
    billings_vendor: FloatArray
    services: FloatArray
    commissions: FloatArray
    bonuses: FloatArray
    once_vendor_sourced: float = 0.0
    """Vendor net of this period's one-off sales to partner-sourced accounts."""

    @classmethod
    def zeros(cls, n_sellers: int) -> Flows:
        """No flows yet, for ``n_sellers`` sellers."""
        z = np.zeros
        return cls(
            list_revenue=z(n_sellers),
            vendor_revenue=z(n_sellers),
            customer_revenue=z(n_sellers),
            reseller_margin=z(n_sellers),
            distributor_margin=z(n_sellers),
            billings_vendor=z(n_sellers),
            services=z(n_sellers),
            commissions=z(n_sellers),
            bonuses=z(n_sellers),
        )

    def add_sales(
        self,
        sel: IntArray,
        once_list: FloatArray,
        billed_list: FloatArray,
        con: Contracts,
        acc: IntArray,
    ) -> None:
        """One-off amounts of new sales, split by each account's waterfall.

        They are recognised now; ``billed_list`` (the one-off amount plus the first year of
        maintenance, invoiced a year ahead) is what the vendor invoices now.

        Args:
            sel: Seller of each sale.
            once_list: One-off list amount of each sale.
            billed_list: List amount the vendor invoices now for each sale.
            con: The contracts (waterfall ratios and partner-sourced flags).
            acc: Account of each sale.
        """
        n = len(self.list_revenue)

        def by_seller(amount: FloatArray) -> FloatArray:
            return sum_by(sel, amount, n)

        r_vendor = con.r_vendor[acc]
        vendor = once_list * r_vendor
        self.list_revenue += by_seller(once_list)
        self.vendor_revenue += by_seller(vendor)
        self.customer_revenue += by_seller(once_list * con.r_customer[acc])
        self.reseller_margin += by_seller(once_list * con.r_reseller[acc])
        self.distributor_margin += by_seller(once_list * con.r_distributor[acc])
        self.billings_vendor += by_seller(billed_list * r_vendor)
        self.once_vendor_sourced += float((vendor * con.partner_sourced[acc]).sum())
