"""Orders as the JSON API shows them: plain dicts for lists (built by hand, cheaper than a model per
row), OrderOut for one order with its lines and active holds."""

from orders.api_schemas import OrderOut
from orders.models import Order, OrderHold, OrderLine


def order_summary(order: Order) -> dict:
    return {
        "number": order.display_number,
        "channel": {"code": order.channel.code, "name": order.channel.name},
        "channel_order_id": order.channel_order_id,
        "channel_order_number": order.channel_order_number,
        "status": {"code": order.status.code, "label": order.status.label, "stage": order.status.stage},
        "customer_name": order.customer_name,
        "customer_email": order.customer_email,
        "payment_method": order.payment_method,
        "currency": order.currency,
        "total": order.total,
        "amount_paid": order.amount_paid,
        "tags": order.tags,
        "version": order.version,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def _name(user) -> str | None:
    return user.username if user is not None else None


# What OrderOut shows of a line. A line read for it is a named row of these columns alone: the order
# of fifty lines took 1.5 ms to read as model instances, a fifth of the API's answer.
LINE_FIELDS = (
    "id", "sku", "name", "quantity", "unit_price", "discount", "tax_rate", "tax_amount", "line_total",
    "quantity_allocated", "quantity_shipped", "quantity_cancelled", "quantity_returned",
)  # fmt: skip


def order_out(order: Order) -> OrderOut:
    """The order with its lines and active holds: those it carries when it has just been written
    (order_create's line_list and hold_list), else read."""
    lines = getattr(order, "line_list", None)
    if lines is None:
        lines = (
            OrderLine.objects.filter(order_id=order.pk)
            .order_by("position", "id")
            .values_list(*LINE_FIELDS, named=True)
        )
    holds = getattr(order, "hold_list", None)
    if holds is None:
        holds = OrderHold.objects.filter(order=order, released_at__isnull=True).order_by("created_at", "pk")
    return OrderOut(
        **order_summary(order),
        customer_id=order.customer_id,
        customer_phone=order.customer_phone,
        shipping_address=order.shipping_address,
        billing_address=order.billing_address,
        shipping_method=order.shipping_method,
        subtotal=order.subtotal,
        discount_total=order.discount_total,
        tax_total=order.tax_total,
        delivery_fee=order.delivery_fee,
        po_number=order.po_number,
        customer_reference=order.customer_reference,
        gift_message=order.gift_message,
        notes=order.notes,
        priority=order.priority,
        tracking_numbers=order.tracking_numbers,
        assigned_csr=_name(order.assigned_csr),
        assigned_agent=_name(order.assigned_agent),
        warehouse=order.warehouse.code if order.warehouse_id else None,
        lines=[{field: getattr(line, field) for field in LINE_FIELDS} for line in lines],
        holds=[{"reason": h.reason, "detail": h.detail, "created_at": h.created_at} for h in holds],
    )
