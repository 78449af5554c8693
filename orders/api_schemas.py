"""The JSON API's shapes for orders (Pydantic, through django-ninja): what goes in and what comes out.
Types and lengths only; whether data can form an order is decided by orders/inputs.py, as for the form."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from orders.models import PaymentMethod
from orders.workflow import Stage


def _no_nul(text: str) -> str:
    # PostgreSQL text cannot hold NUL; the pages refuse it in config/middleware.py, the API here.
    if "\x00" in text:
        raise ValueError("contains a NUL character (\\u0000); remove it")
    return text


NO_NUL = AfterValidator(_no_nul)
Text100 = Annotated[str, NO_NUL, StringConstraints(max_length=100)]
Text200 = Annotated[str, NO_NUL, StringConstraints(max_length=200)]
# Amounts as the database holds them: numeric(12,2), so at most ten digits before the point.
Amount = Annotated[Decimal, Field(max_digits=12, decimal_places=2, allow_inf_nan=False)]
StageName = Literal[tuple(Stage.values)]  # type: ignore[valid-type]
PaymentMethodName = Literal[tuple(PaymentMethod.values)]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(Strict):
    name: Text200 = ""
    line1: Text200 = ""
    line2: Text200 = ""
    city: Text100 = ""
    region: Text100 = ""
    postcode: Annotated[str, NO_NUL, StringConstraints(max_length=20)] = ""
    country: Annotated[str, NO_NUL, StringConstraints(max_length=2)] = ""
    phone: Annotated[str, NO_NUL, StringConstraints(max_length=40)] = ""


class NewCustomer(Strict):
    name: Annotated[str, NO_NUL, StringConstraints(min_length=1, max_length=200)]
    email: Annotated[str, NO_NUL, StringConstraints(max_length=254)] = ""
    phone: Annotated[str, NO_NUL, StringConstraints(max_length=40)] = ""
    company: Text200 = ""
    requires_po_number: bool = False


class LineIn(Strict):
    sku: Text100
    quantity: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
    unit_price: Amount | None = None
    discount: Amount = Decimal("0")
    name: Text200 = ""
    tax_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=2, ge=0, allow_inf_nan=False)] | None = (
        None
    )


class OrderCreateIn(Strict):
    """A new order. Give `customer_id` of an existing customer, or `customer` to create one."""

    customer_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    customer: NewCustomer | None = None
    lines: Annotated[list[LineIn], Field(max_length=500)]
    channel: Annotated[str, NO_NUL, StringConstraints(max_length=40)] | None = Field(
        None, description="A channel's code; the manual channel when left out."
    )
    channel_order_id: Text100 | None = None
    channel_order_number: Text100 = ""
    shipping_address: Address | None = None
    billing_address: Address | None = None
    shipping_method: Text100 = ""
    payment_method: PaymentMethodName = PaymentMethod.CARD.value  # type: ignore[assignment]
    amount_paid: Amount = Decimal("0")
    delivery_fee: Amount = Decimal("0")
    currency: Annotated[str, NO_NUL, StringConstraints(pattern=r"^[A-Za-z]{3}$")] | None = None
    po_number: Text100 = ""
    customer_reference: Text100 = ""
    gift_message: Annotated[str, NO_NUL, StringConstraints(max_length=2000)] = ""
    notes: Annotated[str, NO_NUL, StringConstraints(max_length=10000)] = ""
    tags: Annotated[list[Annotated[str, NO_NUL, StringConstraints(max_length=40)]], Field(max_length=20)] = []
    priority: Annotated[int, Field(ge=-32768, le=32767)] = 0
    draft: bool = False


class LineChangeIn(Strict):
    """A line of the order as it is to be, as the edit page's line rows."""

    sku: Text100
    quantity: Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
    unit_price: Amount | None = Field(
        None, description="Left out: the order's line of this SKU keeps its price; a new line the product's."
    )
    discount: Amount | None = Field(
        None, description="Left out: the order's line of this SKU keeps its discount; a new line none."
    )


class OrderChangesIn(Strict):
    """The fields to change; those left out stay as they are. What a user may change depends on
    their role and the order's stage, as on the edit page."""

    shipping_address: Address | None = None
    billing_address: Address | None = None
    shipping_method: Text100 | None = None
    payment_method: PaymentMethodName | None = None  # type: ignore[valid-type]
    delivery_fee: Amount | None = None
    po_number: Text100 | None = None
    customer_reference: Text100 | None = None
    gift_message: Annotated[str, NO_NUL, StringConstraints(max_length=2000)] | None = None
    notes: Annotated[str, NO_NUL, StringConstraints(max_length=10000)] | None = None
    tags: (
        Annotated[list[Annotated[str, NO_NUL, StringConstraints(max_length=40)]], Field(max_length=20)] | None
    ) = None
    priority: Annotated[int, Field(ge=-32768, le=32767)] | None = None
    lines: Annotated[list[LineChangeIn], Field(max_length=500)] | None = Field(
        None,
        description="Every line the order is to have, as on the edit page: a SKU left out is removed, a new "
        "one added, a quantity changed. Until picking starts, and only for roles that change prices.",
    )


class ChannelOut(BaseModel):
    code: str
    name: str


class StatusOut(BaseModel):
    code: str
    label: str
    stage: StageName


class LineOut(BaseModel):
    id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    line_total: Decimal
    quantity_allocated: int
    quantity_shipped: int
    quantity_cancelled: int
    quantity_returned: int


class HoldOut(BaseModel):
    reason: str
    detail: str
    created_at: datetime


class OrderSummary(BaseModel):
    """An order as a list shows it."""

    number: str = Field(description="The Packline number, e.g. PL-100042.")
    channel: ChannelOut
    channel_order_id: str | None
    channel_order_number: str
    status: StatusOut
    customer_name: str
    customer_email: str
    payment_method: str
    currency: str
    total: Decimal
    amount_paid: Decimal
    tags: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class OrderOut(OrderSummary):
    """An order with its lines and active holds."""

    customer_id: int
    customer_phone: str
    shipping_address: dict
    billing_address: dict
    shipping_method: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    delivery_fee: Decimal
    po_number: str
    customer_reference: str
    gift_message: str
    notes: str
    priority: int
    tracking_numbers: list[str]
    assigned_csr: str | None
    assigned_agent: str | None
    warehouse: str | None
    lines: list[LineOut]
    holds: list[HoldOut]


class OrderPageOut(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class TimelineEntryOut(BaseModel):
    at: datetime
    type: str
    actor: str
    params: dict
    is_status_change: bool


class OrderListQuery(BaseModel):
    cursor: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    stage: StageName | None = None  # type: ignore[valid-type]
    status: Annotated[str, NO_NUL, StringConstraints(max_length=40)] | None = Field(
        None, description="A status code."
    )
    channel: Annotated[str, NO_NUL, StringConstraints(max_length=40)] | None = Field(
        None, description="A channel code."
    )
    updated_since: datetime | None = None
    created_after: date | None = Field(None, description="On or after this day.")
    created_before: date | None = Field(None, description="On or before this day.")
    q: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = None
    tag: Annotated[str, NO_NUL, StringConstraints(max_length=40)] | None = None
    csr: Annotated[str, NO_NUL, StringConstraints(max_length=150)] | None = Field(
        None, description="The CSR's username."
    )
    agent: Annotated[str, NO_NUL, StringConstraints(max_length=150)] | None = Field(
        None, description="The delivery agent's username."
    )
    on_hold: bool | None = None
    hold_reason: Annotated[str, NO_NUL, StringConstraints(max_length=40)] | None = None
