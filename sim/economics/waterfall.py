"""The price waterfall: list price → customer price → reseller buy → distributor buy → vendor net.

A pure function of plain data, vectorised over deals. Direct sales are the special case with the
direct discount and full pass-through (the customer keeps the whole discount and no reseller
margin remains).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Waterfall:
    """Who keeps what of a sale, in currency, element-wise over deals.

    Attributes:
        list_amount: Value of the deal at list price.
        customer_discount: What the customer saves off list.
        customer_price: What the customer pays (list − customer discount).
        reseller_margin: Kept by the reseller (customer price − reseller buy price).
        distributor_margin: Kept by the distributor on two-tier deals.
        vendor_net: What the vendor receives.
    """

    list_amount: FloatArray
    customer_discount: FloatArray
    customer_price: FloatArray
    reseller_margin: FloatArray
    distributor_margin: FloatArray
    vendor_net: FloatArray


@dataclass(frozen=True)
class PriceRatios:
    """The waterfall as shares of list price, element-wise over sellers or deals.

    Attributes:
        customer: Customer price / list.
        reseller: Reseller margin / list.
        distributor: Distributor margin / list.
        vendor: Vendor net / list.
    """

    customer: FloatArray
    reseller: FloatArray
    distributor: FloatArray
    vendor: FloatArray


def price_ratios(
    discount: ArrayLike, pass_through: ArrayLike, distributor_margin: ArrayLike
) -> PriceRatios:
    """Compute the waterfall as shares of list price.

    Args:
        discount: The seller's discount off list, in [0, 1). For direct sales, the direct
            discount with ``pass_through`` = 1.
        pass_through: Share of the discount the seller passes to the customer, in [0, 1].
        distributor_margin: The distributor's margin as a share of its selling price (the
            reseller's buy price), in [0, 1); 0 for one-tier and direct deals.

    Returns:
        The four ratios; customer = reseller + distributor + vendor exactly.
    """
    d = np.asarray(discount, dtype=np.float64)
    pt = np.asarray(pass_through, dtype=np.float64)
    dm = np.asarray(distributor_margin, dtype=np.float64)
    customer = 1.0 - d * pt
    reseller_buy = 1.0 - d
    vendor = reseller_buy * (1.0 - dm)
    distributor = reseller_buy - vendor
    reseller = customer - reseller_buy
    shape = np.broadcast_shapes(d.shape, pt.shape, dm.shape)

    def full(x: FloatArray) -> FloatArray:
        return x if x.shape == shape else np.broadcast_to(x, shape).copy()

    return PriceRatios(
        customer=full(customer),
        reseller=full(reseller),
        distributor=full(distributor),
        vendor=full(vendor),
    )


def price_waterfall(
    list_amount: ArrayLike,
    discount: ArrayLike,
    pass_through: ArrayLike,
    distributor_margin: ArrayLike,
) -> Waterfall:
    """Split sales at list value into who keeps what.

    Args:
        list_amount: Deal values at list price (≥ 0).
        discount: Seller discount off list, in [0, 1).
        pass_through: Share of the discount passed to the customer, in [0, 1].
        distributor_margin: Distributor margin on its selling price, in [0, 1); 0 if one-tier.

    Returns:
        The waterfall; ``customer_price == vendor_net + distributor_margin + reseller_margin``.
    """
    amount = np.asarray(list_amount, dtype=np.float64)
    r = price_ratios(discount, pass_through, distributor_margin)
    customer_price = amount * r.customer
    vendor_net = amount * r.vendor
    distributor = amount * r.distributor
    # The reseller keeps the remainder, so the identity holds exactly in floating point.
    reseller = customer_price - vendor_net - distributor
    return Waterfall(
        list_amount=np.broadcast_to(amount, customer_price.shape).copy(),
        customer_discount=amount - customer_price,
        customer_price=customer_price,
        reseller_margin=reseller,
        distributor_margin=distributor,
        vendor_net=vendor_net,
    )
