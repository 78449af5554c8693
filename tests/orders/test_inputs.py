"""orders/inputs.py: what every door into orders fills in, and the checks that decide "no order at all".
Pure functions of the input: no database, so a marketplace's mapping can be checked on its own."""

from decimal import Decimal

from orders.inputs import LineInput, OrderInput, validate, validate_prices
from orders.models import Customer, Product


def an_input(**fields) -> OrderInput:
    fields.setdefault("customer", Customer(pk=1, name="Ada"))
    fields.setdefault("lines", [LineInput(sku="MUG-1", quantity=1)])
    return OrderInput(**fields)


def test_a_complete_input_has_no_errors():
    assert validate(an_input()) == {}


def test_input_that_cannot_form_an_order_is_named_field_by_field():
    errors = validate(
        an_input(
            customer=Customer(name="not saved"),
            lines=[LineInput(sku=" ", quantity=0, unit_price=Decimal("-1"), discount=Decimal("-2"))],
            delivery_fee=Decimal("-1"),
            amount_paid=Decimal("-1"),
            payment_method="barter",
        )
    )
    assert errors == {
        "lines[1]": [
            "SKU is required.",
            "Quantity must be a whole number above 0, not 0.",
            "Unit price cannot be negative.",
            "Discount cannot be negative.",
        ],
        "delivery_fee": ["Delivery fee cannot be negative."],
        "amount_paid": ["Amount paid cannot be negative."],
        "payment_method": ["Unknown payment method 'barter'."],
        "customer": ["Choose or create a customer."],
    }
    assert validate(an_input(lines=[])) == {"lines": ["An order needs at least one line."]}


def test_a_discount_above_the_lines_price_is_refused_whether_the_price_is_given_or_the_products():
    product = Product(sku="MUG-1", price=Decimal("4.995"))
    data = an_input(
        lines=[
            LineInput(sku="MUG-1", quantity=2, discount=Decimal("10.00")),
            LineInput(sku="TEA-1", quantity=1, unit_price=Decimal("3"), discount=Decimal("3")),
        ]
    )
    assert validate_prices(data, {"MUG-1": product}) == {
        "lines[1]": ["Discount 10.00 is more than the line's price 9.99."]
    }


def test_creation_and_batched_creation_take_the_one_input_class():
    from orders.services import create, create_many

    assert create.OrderInput is OrderInput and create_many.OrderInput is OrderInput
