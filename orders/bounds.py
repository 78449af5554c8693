"""The largest values the database stores, read from the model fields, and the checks every door into
orders (forms, CSV import, the creation and edit services) makes against them before a value reaches a
column that cannot hold it: an integer(4) quantity, a numeric(12,2) total, a varchar(64) SKU.

A value past a column's range is an error a person can act on, never a database error (a 500, or a
chunk of an import lost). Limits derived from the fields follow a migration that widens a column.
"""

from decimal import Decimal, InvalidOperation

from django.db import connection
from django.db.models import Model

from orders.models import Order, OrderHold, OrderLine


def integer_range(model: type[Model], field_name: str) -> tuple[int, int]:
    """The smallest and largest value an integer column holds."""
    field = model._meta.get_field(field_name)
    return connection.ops.integer_field_range(field.get_internal_type())


def decimal_max(model: type[Model], field_name: str) -> Decimal:
    """The largest value a numeric(max_digits, decimal_places) column holds: 9999999999.99 for (12, 2)."""
    field = model._meta.get_field(field_name)
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places


def max_length(model: type[Model], field_name: str) -> int:
    field = model._meta.get_field(field_name)
    return getattr(field, "base_field", field).max_length  # an ArrayField's items: the base field's


def text_problem(text: str, model: type[Model], field_name: str, what: str = "reason") -> str | None:
    """What is wrong with a text (stripped) that must fit the varchar that keeps it, or None."""
    limit, length = max_length(model, field_name), len(text.strip())
    return f"Keep the {what} to {limit} characters; this one has {length:,}." if length > limit else None


def hold_reason_problem(reason: str) -> str | None:
    """A hold's reason is kept as its detail."""
    return text_problem(reason, OrderHold, "detail")


MONEY_MAX = decimal_max(Order, "total")  # every amount of an order and its lines is numeric(12, 2)
QUANTITY_MAX = integer_range(OrderLine, "quantity")[1]
TAX_RATE_MAX = decimal_max(OrderLine, "tax_rate")
ID_MAX = integer_range(Order, "number")[1]  # bigint: order numbers and every primary key

# The order's text that the creation services store as they get it, with the column that holds it.
ORDER_TEXT = {
    "shipping_method": max_length(Order, "shipping_method"),
    "po_number": max_length(Order, "po_number"),
    "customer_reference": max_length(Order, "customer_reference"),
    "channel_order_id": max_length(Order, "channel_order_id"),
    "channel_order_number": max_length(Order, "channel_order_number"),
    "currency": max_length(Order, "currency"),
}
_ORDER_TEXT_ITEMS = tuple(ORDER_TEXT.items())
TAG_LENGTH = max_length(Order, "tags")
SKU_LENGTH = max_length(OrderLine, "sku")
LINE_NAME_LENGTH = max_length(OrderLine, "name")


def amount_text(value: Decimal) -> str:
    return f"{value:,.2f}" if value.is_finite() else str(value)


def amount_problem(value, what: str) -> str | None:
    """Why `value` cannot be stored as an amount, or None when it can."""
    if value is None:
        return None
    try:
        value = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return f"{what} {value!r} is not an amount."
    if not value.is_finite():
        return f"{what} must be a number, not {value}."
    if abs(value) > MONEY_MAX:
        return f"{what} {amount_text(value)} is more than the largest amount Packline stores ({amount_text(MONEY_MAX)})."
    return None


def order_input_errors(data) -> dict[str, list[str]]:
    """The values of an order's input (orders.services.create.OrderInput) that no column can hold:
    quantities past integer, amounts past numeric(12,2), text past its varchar. Every imported order
    passes through here: the common case is a few comparisons per line, the messages are worked out
    only when one fails."""
    high, low = MONEY_MAX, -MONEY_MAX
    try:
        for line in data.lines:
            price = line.unit_price
            if not (
                line.quantity <= QUANTITY_MAX
                and (price is None or low <= price <= high)
                and low <= line.discount <= high
                and (line.tax_rate is None or 0 <= line.tax_rate <= TAX_RATE_MAX)
                and len(line.sku) <= SKU_LENGTH
                and len(line.name) <= LINE_NAME_LENGTH
            ):
                return _input_problems(data)
        if not (low <= data.delivery_fee <= high and low <= data.amount_paid <= high):
            return _input_problems(data)
    except (ArithmeticError, TypeError):  # NaN compares with nothing; the messages say why
        return _input_problems(data)
    for name, limit in _ORDER_TEXT_ITEMS:
        value = getattr(data, name)
        if value and len(value) > limit:
            return _input_problems(data)
    for tag in data.tags:
        if len(tag) > TAG_LENGTH and len(tag.strip()) > TAG_LENGTH:
            return _input_problems(data)
    return {}


def _input_problems(data) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(data.lines, start=1):
        problems = []
        if isinstance(line.quantity, int) and line.quantity > QUANTITY_MAX:
            problems.append(
                f"Quantity {line.quantity:,} is more than {QUANTITY_MAX:,}, the most a line holds."
            )
        for what, value in (("Unit price", line.unit_price), ("Discount", line.discount)):
            problem = amount_problem(value, what)
            if problem:
                problems.append(problem)
        if line.tax_rate is not None:
            rate = line.tax_rate
            if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= TAX_RATE_MAX:
                problems.append(f"Tax rate {rate} is not a percentage between 0 and {TAX_RATE_MAX}.")
        if len(str(line.sku)) > SKU_LENGTH:
            problems.append(f"SKU is longer than {SKU_LENGTH} characters.")
        if len(line.name or "") > LINE_NAME_LENGTH:
            problems.append(f"Product name is longer than {LINE_NAME_LENGTH} characters.")
        if problems:
            errors[f"lines[{index}]"] = problems
    for name, what in (("delivery_fee", "Delivery fee"), ("amount_paid", "Amount paid")):
        problem = amount_problem(getattr(data, name), what)
        if problem:
            errors[name] = [problem]
    for name, limit in ORDER_TEXT.items():
        if len(getattr(data, name) or "") > limit:
            errors[name] = [f"{name.replace('_', ' ').capitalize()} is longer than {limit} characters."]
    long_tags = [tag for tag in data.tags if len(tag.strip()) > TAG_LENGTH]
    if long_tags:
        errors["tags"] = [
            f"The tag {tag[:20]!r}… is longer than {TAG_LENGTH} characters." for tag in long_tags
        ]
    return errors


# A line's tax is at most TAX_RATE_MAX percent of its price: an order whose prices and fee stay below
# this share of the largest amount fits whatever its tax rates and discounts.
_SAFE_SHARE = 100 / (100 + TAX_RATE_MAX)


def order_total_errors(data, products: dict) -> dict[str, list[str]]:
    """Lines and totals the order's input would come to that numeric(12,2) cannot hold, with the
    products' prices and tax rates where the input gives none (as build_lines and apply_totals count).
    The common case is one multiplication per line; the exact figures only for a very large order."""
    zero = Decimal(0)
    gross = zero
    for line in data.lines:
        price = line.unit_price
        if price is None:
            product = products.get(line.sku.strip())
            price = product.price if product else zero
        gross += price * line.quantity
    if gross + data.delivery_fee <= MONEY_MAX * _SAFE_SHARE:
        return {}
    return _total_problems(data, products)


def _total_problems(data, products: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    zero = Decimal(0)
    subtotal = discounts = taxes = zero
    for index, line in enumerate(data.lines, start=1):
        product = products.get(str(line.sku).strip())
        price = line.unit_price if line.unit_price is not None else (product.price if product else zero)
        rate = line.tax_rate if line.tax_rate is not None else (product.tax_rate if product else zero)
        gross = price * line.quantity
        tax = (gross - line.discount) * rate / 100
        line_total = gross - line.discount + tax
        if gross > MONEY_MAX or line_total > MONEY_MAX:
            errors[f"lines[{index}]"] = [
                f"{line.quantity:,} × {amount_text(price)} comes to {amount_text(max(gross, line_total))}, "
                f"more than the largest amount Packline stores ({amount_text(MONEY_MAX)})."
            ]
        subtotal, discounts, taxes = subtotal + gross, discounts + line.discount, taxes + tax
    total = subtotal - discounts + taxes + data.delivery_fee
    if not errors and max(subtotal, total, taxes, discounts) > MONEY_MAX:
        errors["total"] = [
            f"The order's total would be {amount_text(max(subtotal, total))}, more than the largest amount "
            f"Packline stores ({amount_text(MONEY_MAX)}). Split it into smaller orders."
        ]
    return errors


def stored_total_errors(order, lines) -> dict[str, list[str]]:
    """The same check on an order whose totals apply_totals has just computed (edits, line changes)."""
    figures = (order.subtotal, order.discount_total, order.tax_total, order.total, order.delivery_fee)
    if max(*figures, *(line.line_total for line in lines)) > MONEY_MAX:
        return {
            "total": [
                f"The order's total would be {amount_text(max(figures))}, more than the largest amount "
                f"Packline stores ({amount_text(MONEY_MAX)})."
            ]
        }
    return {}


def parse_id(raw) -> int | None:
    """A primary key or order number from a request: digits that fit bigint, else None."""
    text = str(raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= ID_MAX else None
