"""Tracking told back to TikTok Shop: which line items a Packline shipment covers, and which of TikTok's
shipping providers the carrier is.

TikTok Shop ships a seller-shipped order (shipping_type SELLER) with "Mark Package As Shipped"
(POST /fulfillment/202309/orders/{order_id}/packages: tracking_number, shipping_provider_id,
order_line_item_ids). The provider is one of those TikTok offers for the order's delivery option
(GET /logistics/202309/delivery_options/{delivery_option_id}/shipping_providers), named as TikTok
names it. An order TikTok Shop ships itself (shipping_type TIKTOK) takes TikTok's own label, not
Packline's tracking.
"""

import re

from channels.marketplaces.base import PlatformError, TrackingPush
from channels.marketplaces.tiktok.mapping import UnitGroup, is_cancelled, unit_groups, unit_quantity

SHIPPED_PACKAGE_STATUSES = frozenset({"PROCESSING", "FULFILLING", "COMPLETED"})


def shipping_provider_id(carrier: str, providers: list[dict], *, order_id: str) -> str:
    """TikTok's id of the provider called `carrier`: its id itself, the same name (ignoring case, spaces
    and punctuation), or the one provider whose name starts with it ("DHL" for "DHL eCommerce").
    An unknown or ambiguous carrier is a permanent PlatformError naming what TikTok offers."""
    named = [
        (str(p.get("id") or "").strip(), str(p.get("name") or "").strip())
        for p in providers
        if isinstance(p, dict) and str(p.get("id") or "").strip()
    ]
    wanted = _plain(carrier)
    for provider_id, name in named:
        if carrier.strip() == provider_id or (wanted and _plain(name) == wanted):
            return provider_id
    starting = [
        (provider_id, name) for provider_id, name in named if wanted and _plain(name).startswith(wanted)
    ]
    if len(starting) == 1:
        return starting[0][0]
    offered = ", ".join(sorted(name for _, name in named)) or "none"
    if len(starting) > 1:
        raise PlatformError(
            f"The carrier {carrier!r} could be any of TikTok Shop's {', '.join(name for _, name in starting)} "
            f"for order {order_id}: name it as TikTok Shop does.",
            permanent=True,
        )
    raise PlatformError(
        f"TikTok Shop offers no shipping provider called {carrier!r} for order {order_id}; it offers: {offered}.",
        permanent=True,
    )


def existing_package(order: dict, tracking_number: str) -> str | None:
    """The package already carrying this tracking number (a push retried after a timeout)."""
    if not tracking_number.strip():
        return None
    for unit in _units(order):
        if str(unit.get("tracking_number") or "").strip() == tracking_number.strip():
            return str(unit.get("package_id") or order.get("id") or "")
    return None


def units_to_ship(order: dict, push: TrackingPush) -> list[str]:
    """The ids of the line items (units) this shipment covers: every unit not yet shipped when the push
    names no lines, else `quantity` unshipped units of each named line (a PlatformLine's id is its first
    unit's; any unit's id of the line is accepted)."""
    order_id = push.platform_order_id
    groups = unit_groups(order.get("line_items"))
    if not push.lines:
        chosen = [_id(unit) for group in groups for unit in _open_units(group)]
        if not chosen:
            raise PlatformError(f"TikTok Shop order {order_id} has nothing left to ship.", permanent=True)
        return chosen
    chosen = []
    for line in push.lines:
        group = next(
            (g for g in groups if line.platform_line_id in {g.platform_line_id, *(_id(u) for u in g.units)}),
            None,
        )
        if group is None:
            raise PlatformError(
                f"TikTok Shop order {order_id} has no line {line.platform_line_id!r}.", permanent=True
            )
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            raise PlatformError(
                f"Cannot tell TikTok Shop that {line.quantity!r} of line {line.platform_line_id} shipped.",
                permanent=True,
            )
        left = line.quantity
        for unit in _open_units(group):
            if left <= 0 or _id(unit) in chosen:
                continue
            count = unit_quantity(unit)
            if count > left:
                raise PlatformError(
                    f"TikTok Shop order {order_id}: line item {_id(unit)} stands for {count} units and ships "
                    f"whole; {left} of them cannot be shipped on their own.",
                    permanent=True,
                )
            chosen.append(_id(unit))
            left -= count
        if left:
            raise PlatformError(
                f"TikTok Shop order {order_id}, line {line.platform_line_id}: {line.quantity} shipped but only "
                f"{line.quantity - left} left to ship on TikTok Shop (already shipped or cancelled?).",
                permanent=True,
            )
    return chosen


def _open_units(group: UnitGroup) -> list[dict]:
    return [
        unit
        for unit in group.units
        if not is_cancelled(unit)
        and not str(unit.get("tracking_number") or "").strip()
        and str(unit.get("package_status") or "").upper() not in SHIPPED_PACKAGE_STATUSES
    ]


def _units(order: dict) -> list[dict]:
    items = order.get("line_items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _id(unit: dict) -> str:
    return str(unit.get("id") or "").strip()


def _plain(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", (name or "").casefold())
