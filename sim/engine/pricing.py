"""List prices of a new sale now: the revenue model in force and the amounts per seat."""

from __future__ import annotations

from typing import NamedTuple

from sim.scenario.schema import Product, ProductModel


class ListPerSeat(NamedTuple):
    """List amounts per seat of a new sale."""

    once: float
    """One-off amount (licence and hardware)."""
    monthly: float
    """Amount per month (subscription)."""
    maintenance: float
    """Maintenance per month (perpetual licences)."""


def subscription_now(product: Product, period: int, period_months: float) -> bool:
    """Whether new sales are subscriptions this period (dated shift).

    Args:
        product: The product.
        period: The current period.
        period_months: Months per period.
    """
    frm = product.subscription_from_month
    return frm is not None and period * period_months >= frm


def list_per_seat(product: Product, subscription: bool, managed: bool) -> ListPerSeat:
    """List amounts per seat of a new sale now.

    Args:
        product: The product.
        subscription: Whether new sales are subscriptions now (:func:`subscription_now`).
        managed: Whether the sale is a managed (MSP) offer, which is monthly whatever the
            product.
    """
    p = product
    hw = p.hardware.units_per_seat * p.hardware.unit_price
    model = ProductModel.SUBSCRIPTION if subscription else p.model
    if managed:
        # The managed offer is monthly whatever the product: the subscription list price
        # (``list_price`` when the product itself is a subscription from the start).
        from_start = p.model == ProductModel.SUBSCRIPTION
        return ListPerSeat(hw, (p.list_price if from_start else p.subscription_price), 0.0)
    if model == ProductModel.SUBSCRIPTION:
        price = p.subscription_price if subscription else p.list_price
        return ListPerSeat(hw, price, 0.0)
    maint = p.maintenance_rate_annual * p.list_price / 12.0
    if model == ProductModel.PERPETUAL:
        return ListPerSeat(p.list_price + hw, 0.0, maint)
    return ListPerSeat(p.list_price + hw, p.subscription_price, maint)
