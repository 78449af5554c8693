"""What every door into orders fills in (forms, CSV, marketplaces, the API), and the checks that decide
whether an input can form an order at all (SPEC 2.2: no lines, a negative quantity... is an error and
nothing is written; incomplete data is a hold, decided later by orders/holds.py)."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from orders import bounds
from orders.models import Channel, Customer, PaymentMethod, Product, Warehouse

# PaymentMethod.values builds the choices list anew on every call (~40,000 calls per 100,000 imported lines).
PAYMENT_METHODS = frozenset(PaymentMethod.values)
CENT = Decimal("0.01")


@dataclass
class LineInput:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # None: the product's price
    discount: Decimal = Decimal("0")
    name: str = ""
    tax_rate: Decimal | None = None  # None: the product's tax rate
    channel_line_id: str = ""  # the shop's own id of the line (tracking pushes name it)


@dataclass
class OrderInput:
    customer: Customer
    lines: list[LineInput]
    channel: Channel | None = None  # None: the manual channel
    channel_order_id: str | None = None
    channel_order_number: str = ""
    shipping_address: dict = field(default_factory=dict)
    billing_address: dict = field(default_factory=dict)
    shipping_method: str = ""
    payment_method: str = PaymentMethod.CARD
    amount_paid: Decimal = Decimal("0")
    delivery_fee: Decimal = Decimal("0")
    currency: str = ""
    po_number: str = ""
    customer_reference: str = ""
    gift_message: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)  # the channel's own name -> value extras
    ship_by: datetime | None = None  # the shop's latest time to hand it to the carrier (aware)
    assigned_csr: object | None = None
    assigned_agent: object | None = None
    warehouse: Warehouse | None = None
    priority: int = 0
    draft: bool = False
    # What the door could not read (a shop's malformed field): each puts the new order on hold.
    problems: list[str] = field(default_factory=list)
    # The buyer asked the shop to cancel before the order reached Packline: the new order is held
    # "Buyer asked to cancel" with this detail (empty: no request).
    cancellation_requested: str = ""


def validate(data: OrderInput) -> dict[str, list[str]]:
    """Problems that mean there is no order at all (SPEC 2.2); incomplete data is a hold, not an error."""
    # Values no database column can hold (orders/bounds.py). First: NaN compares with nothing.
    errors = bounds.order_input_errors(data)
    if errors:
        return errors
    if not data.lines:
        errors.setdefault("lines", []).append("An order needs at least one line.")
    # The key is made only for a line with a problem: every imported line passes here.
    for index, line in enumerate(data.lines, start=1):
        if not str(line.sku).strip():
            errors.setdefault(f"lines[{index}]", []).append("SKU is required.")
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            errors.setdefault(f"lines[{index}]", []).append(
                f"Quantity must be a whole number above 0, not {line.quantity!r}."
            )
        if line.unit_price is not None and line.unit_price < 0:
            errors.setdefault(f"lines[{index}]", []).append("Unit price cannot be negative.")
        if line.discount < 0:
            errors.setdefault(f"lines[{index}]", []).append("Discount cannot be negative.")
    if data.delivery_fee < 0:
        errors.setdefault("delivery_fee", []).append("Delivery fee cannot be negative.")
    if data.amount_paid < 0:
        errors.setdefault("amount_paid", []).append("Amount paid cannot be negative.")
    if data.payment_method not in PAYMENT_METHODS:
        errors.setdefault("payment_method", []).append(f"Unknown payment method {data.payment_method!r}.")
    if data.customer is None or data.customer.pk is None:
        errors.setdefault("customer", []).append("Choose or create a customer.")
    return errors


def validate_prices(data: OrderInput, products: dict[str, Product]) -> dict[str, list[str]]:
    """A discount may not exceed the line's price, whether the price is given or the product's."""
    # Lines and totals no numeric(12,2) column can hold (orders/bounds.py).
    errors = bounds.order_total_errors(data, products)
    if errors:
        return errors
    for index, line in enumerate(data.lines, start=1):
        product = products.get(line.sku.strip())
        price = line.unit_price if line.unit_price is not None else (product.price if product else Decimal(0))
        if line.discount > price * line.quantity:
            line_price = (price * line.quantity).quantize(CENT, ROUND_HALF_UP)
            errors.setdefault(f"lines[{index}]", []).append(
                f"Discount {line.discount} is more than the line's price {line_price}."
            )
    return errors
