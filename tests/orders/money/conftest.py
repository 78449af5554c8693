"""Fixtures for the money tests: people per role, orders in the states money cares about."""

from decimal import Decimal

import pytest

from orders.inputs import LineInput
from tests.factories import ProductFactory, make_order


@pytest.fixture
def csr(make_user):
    return make_user("csr", username="cora-csr")


@pytest.fixture
def manager(make_user):
    return make_user("manager", username="max-manager")


@pytest.fixture
def agent(make_user):
    return make_user("agent", username="ada-agent")


@pytest.fixture
def order_of():
    """order_of(units, payment_method=..., delivery_fee=..., **fields): 12.00 a unit (10.00 + 20% tax)."""

    def make(units: int = 1, *, delivery_fee: str = "0", **fields):
        product = ProductFactory(price=Decimal("10.00"), tax_rate=Decimal("20.00"))
        return make_order(
            lines=[LineInput(sku=product.sku, quantity=units)], delivery_fee=Decimal(delivery_fee), **fields
        )

    return make


def d(value: str) -> Decimal:
    return Decimal(value)
