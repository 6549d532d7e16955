"""Tests for sim.economics.waterfall: who keeps what of a sale."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.economics.waterfall import price_ratios, price_waterfall

amounts = st.floats(0.0, 1e9, allow_nan=False, allow_infinity=False)
discounts = st.floats(0.0, 1.0, exclude_max=True, allow_nan=False)
pass_throughs = st.floats(0.0, 1.0, allow_nan=False)
dist_margins = st.floats(0.0, 1.0, exclude_max=True, allow_nan=False)

# Rounding slack for quantities that are exactly zero in real arithmetic.
ULP_SLACK = 1e-12


def test_hand_computed_two_tier_deal() -> None:
    # List 1000, discount 30 %, pass-through 40 %, distributor margin 6 % of its selling price:
    # customer = 1000·(1 − 0.12) = 880; reseller buys at 700; vendor = 700·0.94 = 658;
    # distributor keeps 42; reseller keeps 180.
    w = price_waterfall(1000.0, 0.30, 0.40, 0.06)
    assert float(w.customer_price) == pytest.approx(880.0)
    assert float(w.customer_discount) == pytest.approx(120.0)
    assert float(w.vendor_net) == pytest.approx(658.0)
    assert float(w.distributor_margin) == pytest.approx(42.0)
    assert float(w.reseller_margin) == pytest.approx(180.0)


def test_vectorised_and_broadcast() -> None:
    w = price_waterfall([100.0, 200.0, 300.0], 0.2, [0.0, 0.5, 1.0], 0.0)
    assert w.customer_price.shape == (3,)
    np.testing.assert_allclose(w.customer_price, [100.0, 180.0, 240.0])
    np.testing.assert_allclose(w.vendor_net, [80.0, 160.0, 240.0])
    np.testing.assert_allclose(w.reseller_margin, [20.0, 20.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(w.list_amount, [100.0, 200.0, 300.0])


@settings(max_examples=150, deadline=None)
@given(amount=amounts, d=discounts, pt=pass_throughs, dm=dist_margins)
def test_identity_customer_price_is_sum_of_shares(
    amount: float, d: float, pt: float, dm: float
) -> None:
    w = price_waterfall(amount, d, pt, dm)
    total = float(w.vendor_net + w.distributor_margin + w.reseller_margin)
    assert total == pytest.approx(float(w.customer_price), rel=1e-9, abs=1e-9)
    assert float(w.customer_price + w.customer_discount) == pytest.approx(amount, rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(amount=amounts, d=discounts, pt=pass_throughs, dm=dist_margins)
def test_nobody_gets_a_negative_margin(amount: float, d: float, pt: float, dm: float) -> None:
    w = price_waterfall(amount, d, pt, dm)
    slack = ULP_SLACK * max(amount, 1.0)
    assert float(w.customer_price) >= 0.0
    assert float(w.customer_discount) >= -slack
    assert float(w.vendor_net) >= 0.0
    assert float(w.distributor_margin) >= -slack
    assert float(w.reseller_margin) >= -slack
    # Nobody keeps more than the customer pays.
    assert float(w.vendor_net) <= float(w.customer_price) + slack


@settings(max_examples=100, deadline=None)
@given(amount=amounts, d=discounts)
def test_direct_sale_has_no_reseller_or_distributor_margin(amount: float, d: float) -> None:
    # Direct: the direct discount, full pass-through, no distributor.
    w = price_waterfall(amount, d, 1.0, 0.0)
    assert float(w.reseller_margin) == 0.0
    assert float(w.distributor_margin) == 0.0
    assert float(w.vendor_net) == pytest.approx(float(w.customer_price), rel=1e-12)
    assert float(w.customer_price) == pytest.approx(amount * (1.0 - d), rel=1e-12, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(amount=amounts, d=discounts, dm=dist_margins)
def test_full_pass_through_leaves_reseller_nothing(amount: float, d: float, dm: float) -> None:
    w = price_waterfall(amount, d, 1.0, dm)
    assert abs(float(w.reseller_margin)) <= ULP_SLACK * max(amount, 1.0)


@settings(max_examples=150, deadline=None)
@given(d=discounts, pt=pass_throughs, dm=dist_margins)
def test_ratios_sum_and_ranges(d: float, pt: float, dm: float) -> None:
    r = price_ratios(d, pt, dm)
    assert float(r.reseller + r.distributor + r.vendor) == pytest.approx(
        float(r.customer), rel=1e-12, abs=1e-15
    )
    assert 0.0 < float(r.customer) <= 1.0
    assert float(r.reseller) >= -ULP_SLACK
    assert float(r.distributor) >= -ULP_SLACK
    assert float(r.vendor) >= 0.0
    # More pass-through: cheaper for the customer, less for the reseller; the vendor is unmoved.
    r2 = price_ratios(d, min(1.0, pt + 0.1), dm)
    assert float(r2.customer) <= float(r.customer)
    assert float(r2.reseller) <= float(r.reseller) + ULP_SLACK
    assert float(r2.vendor) == float(r.vendor)


@settings(max_examples=100, deadline=None)
@given(
    amount=st.lists(amounts, min_size=1, max_size=20),
    d=discounts,
    pt=pass_throughs,
    dm=dist_margins,
)
def test_waterfall_is_elementwise(amount: list[float], d: float, pt: float, dm: float) -> None:
    w = price_waterfall(np.array(amount), d, pt, dm)
    for i, a in enumerate(amount):
        one = price_waterfall(a, d, pt, dm)
        assert w.customer_price[i] == float(one.customer_price)
        assert w.vendor_net[i] == float(one.vendor_net)
        assert w.reseller_margin[i] == float(one.reseller_margin)
