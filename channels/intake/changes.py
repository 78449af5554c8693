"""What a shop's new version of an order changes (SPEC 5): the shop's change is what its new version
says differently from the shop's previous version (the payload the order's link kept, read again by
the adapter's `order_from_payload`), not from Packline's order, so a person's correction in Packline of
a field the shop left alone is not overwritten by an unrelated change in the shop. apply.py decides
what to do with the changes (apply them before picking, hold after)."""

import logging
from decimal import Decimal

from channels.connections.models import Connection
from channels.intake.models import PlatformOrderLink
from channels.marketplaces import platform
from channels.marketplaces.base import PlatformOrder
from orders.inputs import LineInput
from orders.models import ADDRESS_KEYS, Order

logger = logging.getLogger(__name__)


def address(value: dict) -> dict:
    """An address with only the keys Packline keeps, stripped, empty ones left out."""
    return {
        key: str(value.get(key) or "").strip() for key in ADDRESS_KEYS if str(value.get(key) or "").strip()
    }


def order_lines(connection: Connection, platform_order: PlatformOrder) -> list[LineInput]:
    """The shop's lines as order lines, the connection's SKU mapping applied."""
    mapping = connection.sku_mapping
    return [
        LineInput(
            sku=mapping.get(line.sku, line.sku),
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            name=line.name[:200],
            tax_rate=line.tax_rate,
            channel_line_id=line.platform_line_id[:64],
        )
        for line in platform_order.lines
    ]


def shop_previous(connection: Connection, link: PlatformOrderLink) -> PlatformOrder | None:
    """The shop's version applied last, read again from the payload its link kept; None when there is
    none to read (an order adopted from another door, a payload that names the order only)."""
    if not link.payload or link.applied_updated_at is None:
        return None
    try:
        previous = platform(connection.kind).order_from_payload(link.payload)
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError, LookupError):
        logger.info("link %s: the kept payload could not be read again", link.pk)
        return None
    return previous if previous.platform_order_id == link.platform_order_id else None


def _same_address(a: dict, b: dict) -> bool:
    return address(a or {}) == address(b or {})


def _line_key(sku: str, quantity: int, unit_price: Decimal, discount: Decimal) -> tuple:
    return (
        sku,
        quantity,
        Decimal(unit_price).quantize(Decimal("0.01")),
        Decimal(discount).quantize(Decimal("0.01")),
    )


def _input_line_keys(lines: list[LineInput]) -> list[tuple]:
    return sorted(
        _line_key(line.sku, line.quantity, line.unit_price or Decimal(0), line.discount) for line in lines
    )


def differences(
    connection: Connection,
    platform_order: PlatformOrder,
    order: Order,
    previous: PlatformOrder | None = None,
) -> tuple[dict, list[LineInput] | None, list[str]]:
    """What the shop's version changes of what Packline keeps: field changes, new lines (None: the
    same), and the differences in words. With `previous` (the shop's version applied last) only a
    field the shop itself changed since counts, so a person's correction in Packline of a field the
    shop left alone is kept; without it (nothing to compare with) every field that differs counts."""

    def shop_changed(read) -> bool:
        return previous is None or read(previous) != read(platform_order)

    changes, words = {}, []
    shipping = address(platform_order.shipping_address)
    if (
        shipping
        and shop_changed(lambda version: address(version.shipping_address))
        and not _same_address(shipping, order.shipping_address)
    ):
        changes["shipping_address"] = shipping
        words.append("shipping address")
    billing = address(platform_order.billing_address)
    if (
        billing
        and shop_changed(lambda version: address(version.billing_address))
        and not _same_address(billing, order.billing_address)
    ):
        changes["billing_address"] = billing
        words.append("billing address")
    if (
        platform_order.shipping_method
        and shop_changed(lambda version: version.shipping_method[:100])
        and platform_order.shipping_method[:100] != order.shipping_method
    ):
        changes["shipping_method"] = platform_order.shipping_method[:100]
        words.append("shipping method")
    new_lines = order_lines(connection, platform_order)
    current = sorted(
        _line_key(line.sku, line.quantity, line.unit_price, line.discount)
        for line in order.lines.all()
        if line.quantity_cancelled < line.quantity
    )
    wanted = _input_line_keys(new_lines)
    lines = None
    if (
        new_lines
        and shop_changed(lambda version: _input_line_keys(order_lines(connection, version)))
        and current != wanted
    ):
        lines = new_lines
        words.append("lines")
    return changes, lines, words


def _address_text(value: dict) -> str:
    return ", ".join(str(value[key]) for key in ADDRESS_KEYS if value.get(key)) or "none"


def _lines_text(lines) -> str:
    return ", ".join(f"{line.quantity} × {line.sku}" for line in lines) or "none"


def difference_text(order: Order, changes: dict, lines: list[LineInput] | None) -> str:
    """The shop's changes as a person reads them: old → new, field by field."""
    parts = []
    for name, label in (("shipping_address", "shipping address"), ("billing_address", "billing address")):
        if name in changes:
            parts.append(
                f"{label} {_address_text(getattr(order, name) or {})} → {_address_text(changes[name])}"
            )
    if "shipping_method" in changes:
        parts.append(f"shipping method {order.shipping_method or 'none'} → {changes['shipping_method']}")
    if lines is not None:
        current = [line for line in order.lines.all() if line.quantity_cancelled < line.quantity]
        parts.append(f"lines {_lines_text(current)} → {_lines_text(lines)}")
    return "; ".join(parts)
