"""The rows order creation writes with PostgreSQL COPY (orders, lines, customers, payments), laid out in
one place for the batched creation of imports (orders/services/create_many.py) and the benchmark's data
(bench/generate_orders.py), so that both write the records the services write.

The formatters read objects with the model's attribute names (create_many's PlannedOrder and
PlannedLine, the benchmark's own rows): no model instance per row, no per-row JSON encoder. Money may be
a Decimal or its text ("12.50"); timestamps are given as text, as each caller has its own fast way to
make them. Columns added by later migrations are written with their defaults (`constant_columns`).
"""

import zlib
from datetime import datetime

from django.db import connection
from django.db.models import Model

from config.postgresql.copy import copy_escape, copy_escapes, copy_lines, json_text

NULL = "\\N"


def copy_json(value) -> str:
    return copy_escape(json_text(value))


def copy_array(values: list[str]) -> str:
    items = ",".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return copy_escape("{" + items + "}")


def copy_id(value) -> str:
    return NULL if value is None else str(value)


def constant_columns(model: type[Model], known: set[str]) -> tuple[list[str], str]:
    """Columns the caller does not write itself (added by later migrations), with their defaults, so
    that a new NOT NULL column with a Python-side default does not break the COPY: (the columns, their
    values as the tail of a row, each after a tab)."""
    columns, values = [], []
    for model_field in model._meta.concrete_fields:
        if model_field.column in known:
            continue
        default = model_field.get_default()
        if default is None:
            text = NULL
        elif isinstance(default, bool):
            text = "t" if default else "f"
        elif isinstance(default, dict | list):
            text = copy_json(default)
        elif isinstance(default, datetime):
            text = default.isoformat()
        else:
            text = copy_escape(str(default))
        columns.append(model_field.column)
        values.append(text)
    return columns, "".join(f"\t{value}" for value in values)


# Orders ---------------------------------------------------------------------------------------------

ORDER_COLUMNS = [
    "id", "number", "channel_id", "channel_order_id", "channel_order_number", "source", "customer_id", "customer_name",
    "customer_email", "customer_phone", "shipping_address", "billing_address", "status_id", "stage",
    "held_from_id", "shipping_method", "payment_method", "currency", "subtotal", "discount_total",
    "tax_total", "delivery_fee", "total", "amount_paid", "po_number", "customer_reference", "gift_message",
    "notes", "tags", "assigned_csr_id", "assigned_agent_id", "warehouse_id", "priority", "tracking_numbers",
    "version", "created_at", "updated_at", "is_deleted", "deleted_at", "deleted_by_id", "delete_reason",
    "attributes", "ship_by",
]  # fmt: skip
ORDER_WRITTEN = {*ORDER_COLUMNS, "search_vector"}  # search_vector: from the row's document, by insert_orders


def order_row(order, *, created_at: str, updated_at: str, document: str, extra: str = "") -> str:
    """The order's row for insert_orders: ORDER_COLUMNS, `extra` (constant_columns' tail), then the
    search document (orders.services.create.search_document's words).

    Amounts are written with str(): an f-string's format() of a Decimal costs three times as much."""
    shipping = copy_json(order.shipping_address)
    billing = (
        shipping if order.billing_address == order.shipping_address else copy_json(order.billing_address)
    )
    reference, tags, tracking = order.channel_order_id, order.tags, order.tracking_numbers
    ship_by = NULL if order.ship_by is None else order.ship_by.isoformat()
    (
        number,
        source,
        name,
        email,
        phone,
        method,
        currency,
        po_number,
        customer_reference,
        gift_message,
        notes,
        delete_reason,
        document,
    ) = copy_escapes(
        order.channel_order_number,
        order.source,
        order.customer_name,
        order.customer_email,
        order.customer_phone,
        order.shipping_method,
        order.currency,
        order.po_number,
        order.customer_reference,
        order.gift_message,
        order.notes,
        order.delete_reason,
        document,
    )
    return (
        f"{order.pk}\t{order.number}\t{order.channel_id}\t{NULL if reference is None else copy_escape(reference)}\t"
        f"{number}\t{source}\t{order.customer_id}\t{name}\t{email}\t{phone}\t"
        f"{shipping}\t{billing}\t{order.status_id}\t{order.stage}\t{copy_id(order.held_from_id)}\t"
        f"{method}\t{order.payment_method}\t{currency}\t"
        f"{order.subtotal!s}\t{order.discount_total!s}\t{order.tax_total!s}\t{order.delivery_fee!s}\t"
        f"{order.total!s}\t{order.amount_paid!s}\t{po_number}\t{customer_reference}\t{gift_message}\t{notes}\t"
        f"{copy_array(tags) if tags else '{}'}\t{copy_id(order.assigned_csr_id)}\t{copy_id(order.assigned_agent_id)}\t"
        f"{copy_id(order.warehouse_id)}\t{order.priority}\t{copy_array(tracking) if tracking else '{}'}\t"
        f"{order.version}\t{created_at}\t{updated_at}\t{'t' if order.is_deleted else 'f'}\t"
        f"{copy_id(order.deleted_at)}\t{copy_id(order.deleted_by_id)}\t{delete_reason}\t"
        f"{copy_json(order.attributes) if order.attributes else '{}'}\t{ship_by}{extra}\t{document}\n"
    )  # fmt: skip


def insert_orders(rows: list[str], extra_columns: list[str] = ()) -> set[int]:
    """Write order_row()s: COPY into a staging table, then one INSERT ... SELECT that computes the search
    vector and takes `stage` from the status row (the lookup the order_stage_follows_status trigger
    makes, so the stage is right whether that trigger runs or not), leaving out orders whose channel
    reference exists by now. Returns the ids of the orders written. Call inside a transaction."""
    columns = ORDER_COLUMNS + list(extra_columns)
    listed = ", ".join(columns)
    selected = ", ".join("s.stage" if column == "stage" else f"o.{column}" for column in columns)
    staging = f"packline_import_order_{zlib.crc32(listed.encode()):x}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {listed}, ''::text AS doc FROM orders_order WITH NO DATA"
        )
        copy_lines(staging, [*columns, "doc"], rows)
        cursor.execute(
            f"INSERT INTO orders_order ({listed}, search_vector) "
            f"SELECT {selected}, to_tsvector('simple', o.doc) FROM {staging} o "
            "JOIN orders_status s ON s.id = o.status_id ORDER BY o.id "
            "ON CONFLICT (channel_id, channel_order_id) DO NOTHING RETURNING id"
        )
        inserted = {pk for (pk,) in cursor.fetchall()}
        cursor.execute(f"TRUNCATE {staging}")
    return inserted


# Lines ----------------------------------------------------------------------------------------------

# After the line's own id, when the writer reserved it (create_many does; the benchmark lets the
# identity default number its lines).
LINE_COLUMNS = [
    "order_id", "position", "product_id", "sku", "name", "quantity", "unit_price", "discount", "tax_rate",
    "tax_amount", "line_total", "warehouse_id", "quantity_allocated", "quantity_picked", "quantity_packed",
    "quantity_shipped", "quantity_cancelled", "quantity_returned",
]  # fmt: skip


def line_row(order_id: int, line, extra: str = "") -> tuple[str, str]:
    """The line's row in LINE_COLUMNS, in two parts around quantity_allocated (known only once stock is
    reserved): (the columns before it, the columns after it with `extra` and the newline)."""
    return (
        f"{order_id}\t{line.position}\t{copy_id(line.product_id)}\t{copy_escape(line.sku)}\t"
        f"{copy_escape(line.name)}\t{line.quantity}\t{line.unit_price!s}\t{line.discount!s}\t{line.tax_rate!s}\t"
        f"{line.tax_amount!s}\t{line.line_total!s}\t{copy_id(line.warehouse_id)}\t",
        f"\t{line.quantity_picked}\t{line.quantity_packed}\t{line.quantity_shipped}\t"
        f"{line.quantity_cancelled}\t{line.quantity_returned}{extra}\n",
    )


# Customers and payments -----------------------------------------------------------------------------

CUSTOMER_COLUMNS = ["id", "name", "email", "phone", "company", "requires_po_number", "address", "created_at"]


def customer_row(customer, *, created_at: str, extra: str = "") -> str:
    name, email, phone, company = copy_escapes(
        customer.name, customer.email, customer.phone, customer.company
    )
    return (
        f"{customer.pk}\t{name}\t{email}\t{phone}\t{company}\t"
        f"{'t' if customer.requires_po_number else 'f'}\t{copy_json(customer.address or {})}\t{created_at}{extra}\n"
    )


PAYMENT_COLUMNS = [
    "id", "order_id", "method", "state", "amount", "currency", "reference", "note", "recorded_by_id",
    "recorded_at", "collected_by_id", "reverses_id",
]  # fmt: skip
PAID_AT_CREATION = "paid when the order was created"  # money.payment_record_at_creation's note


def payment_reference(order) -> str:
    return order.channel_order_number[:100]


def payment_row(
    payment_id: int,
    order,
    *,
    recorded_by_id: int | None,
    recorded_at: str,
    note: str = PAID_AT_CREATION,
    collected_by_id: int | None = None,
    extra: str = "",
) -> str:
    """A received payment of the order's amount_paid, by its payment method, the way the money services
    record one (orders/services/money.py): so that amount_paid is the sum of the order's payments."""
    return (
        f"{payment_id}\t{order.pk}\t{order.payment_method}\treceived\t{order.amount_paid!s}\t"
        f"{copy_escape(order.currency)}\t{copy_escape(payment_reference(order))}\t{copy_escape(note)}\t"
        f"{copy_id(recorded_by_id)}\t{recorded_at}\t{copy_id(collected_by_id)}\t{NULL}{extra}\n"
    )


# Holds and refunds --------------------------------------------------------------------------------

HOLD_COLUMNS = [
    "order_id",
    "reason",
    "detail",
    "created_at",
    "created_by_id",
    "released_at",
    "released_by_id",
]
REFUND_COLUMNS = [
    "id", "order_id", "kind", "amount", "currency", "method", "reason", "lines", "return_number",
    "recorded_by_id", "recorded_at", "executed_at", "executed_by_id", "reference", "reverses_id",
]  # fmt: skip
