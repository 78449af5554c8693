"""Export columns (django-import-export): what a CSR needs from an order, one row per order."""

import re

from django.utils.timezone import localtime
from import_export import fields, resources

from orders.models import Order

# Spreadsheet programs run cells that start with these as formulas (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Data that starts like a formula but is none, so it is written as it is: a phone number (+, then 7 to
# 15 digits written the way people space them) and a signed amount with decimals. Neither can hold a
# function name, a cell reference or a DDE command: no letters, no !, no |.
PHONE = re.compile(r"\+\d[\d ().-]*\Z")
AMOUNT = re.compile(r"[+-]\d+(?:,\d{3})*\.\d+\Z")
# Dates as spreadsheets read them, in the installation's time zone, to the second.
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def _is_data(text: str) -> bool:
    if AMOUNT.match(text):
        return True
    return bool(PHONE.match(text)) and 7 <= sum(ch.isdigit() for ch in text) <= 15


def neutralise(value):
    """Prefix a text cell that a spreadsheet would read as a formula, so it stays text. Phone numbers
    and signed amounts are left alone: they are not formulas, and the apostrophe would show."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_data(value):
        return "'" + value
    return value


def export_date(value) -> str:
    return localtime(value).strftime(DATE_FORMAT) if value else ""


class OrderResource(resources.ModelResource):
    number = fields.Field(attribute="display_number", column_name="Order")
    channel = fields.Field(attribute="channel__name", column_name="Channel")
    channel_order_number = fields.Field(attribute="channel_order_number", column_name="Channel order")
    created = fields.Field(attribute="created_at", column_name="Created")
    ship_by = fields.Field(attribute="ship_by", column_name="Ship by")
    status = fields.Field(attribute="status__label", column_name="Status")
    customer = fields.Field(attribute="customer_name", column_name="Customer")
    email = fields.Field(attribute="customer_email", column_name="Email")
    phone = fields.Field(attribute="customer_phone", column_name="Phone")
    address = fields.Field(column_name="Shipping address")
    lines = fields.Field(column_name="Lines")
    subtotal = fields.Field(attribute="subtotal", column_name="Subtotal")
    discounts = fields.Field(attribute="discount_total", column_name="Discounts")
    tax = fields.Field(attribute="tax_total", column_name="Tax")
    delivery_fee = fields.Field(attribute="delivery_fee", column_name="Delivery fee")
    total = fields.Field(attribute="total", column_name="Total")
    paid = fields.Field(attribute="amount_paid", column_name="Paid")
    currency = fields.Field(attribute="currency", column_name="Currency")
    payment = fields.Field(attribute="get_payment_method_display", column_name="Payment")
    csr = fields.Field(attribute="assigned_csr", column_name="CSR")
    agent = fields.Field(attribute="assigned_agent", column_name="Delivery agent")
    tracking = fields.Field(column_name="Tracking")
    notes = fields.Field(attribute="notes", column_name="Notes")

    class Meta:
        model = Order
        # Only the declared columns above, in this order.
        fields = (
            "number", "channel", "channel_order_number", "created", "ship_by", "status", "customer", "email", "phone",
            "address", "lines", "subtotal", "discounts", "tax", "delivery_fee", "total", "paid", "currency",
            "payment", "csr", "agent", "tracking", "notes",
        )  # fmt: skip

    def dehydrate_created(self, order: Order) -> str:
        return export_date(order.created_at)

    def dehydrate_ship_by(self, order: Order) -> str:
        return export_date(order.ship_by)

    def dehydrate_address(self, order: Order) -> str:
        address = order.shipping_address or {}
        keys = ("line1", "line2", "city", "region", "postcode", "country")
        return ", ".join(str(address[key]) for key in keys if address.get(key))

    def dehydrate_lines(self, order: Order) -> str:
        return "; ".join(f"{line.quantity} x {line.sku}" for line in order.lines.all())

    def dehydrate_tracking(self, order: Order) -> str:
        return " ".join(order.tracking_numbers)

    def row(self, order: Order) -> list:
        return [neutralise(value) for value in self.export_resource(order)]

    def headers(self) -> list[str]:
        return self.get_export_headers()


def export_queryset(orders):
    """The export's rows in chunks: lines prefetched per chunk, never the whole table in memory."""
    return (
        orders.select_related("channel", "status", "assigned_csr", "assigned_agent")
        .prefetch_related("lines")
        .order_by("pk")
        .iterator(chunk_size=2000)
    )
