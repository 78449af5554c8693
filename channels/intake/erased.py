"""Orders whose buyer's personal data was erased (orders/services/erasure.py, on eBay's account
deletion) stay erased when their platform describes them again: a later version is applied and logged
as the platform's own erased form of it (Platform.erased_payload), or, for a platform without one,
without its buyer, addresses (the country stays) and notes. Money, lines and statuses still follow.
"""

from collections.abc import Iterable
from dataclasses import replace

from channels.connections.models import Connection
from channels.intake.models import PlatformOrderLink
from channels.marketplaces import platform
from channels.marketplaces.base import Buyer, PlatformOrder
from orders.events import EventType
from orders.models import OrderEvent


def erased_order_ids(order_ids: Iterable[int]) -> set[int]:
    ids = {order_id for order_id in order_ids if order_id is not None}
    if not ids:
        return set()
    return set(
        OrderEvent.objects.filter(order_id__in=ids, type=EventType.PERSONAL_DATA_ERASED).values_list(
            "order_id", flat=True
        )
    )


def without_personal_data(connection: Connection, version: PlatformOrder) -> PlatformOrder:
    adapter = platform(connection.kind)
    erase = getattr(adapter, "erased_payload", None)
    if erase is not None:
        return adapter.order_from_payload(erase(version.raw))

    def country_only(address: dict) -> dict:
        return {"country": address["country"]} if address.get("country") else {}

    return replace(
        version,
        buyer=Buyer(),
        shipping_address=country_only(version.shipping_address),
        billing_address=country_only(version.billing_address),
        notes="",
        attributes={},
        raw={},
    )


def respect_erasures(connection: Connection, versions: list[PlatformOrder]) -> list[PlatformOrder]:
    """The versions as intake may keep them: those of erased orders without their personal data."""
    orders = dict(
        PlatformOrderLink.objects.filter(
            connection=connection,
            platform_order_id__in=[version.platform_order_id for version in versions],
            order__isnull=False,
        ).values_list("platform_order_id", "order_id")
    )
    erased = erased_order_ids(orders.values())
    if not erased:
        return versions
    return [
        without_personal_data(connection, version)
        if orders.get(version.platform_order_id) in erased
        else version
        for version in versions
    ]
