"""Fulfilment's dashboard tiles (registered in FulfilmentConfig.ready()): the warehouse's queue from
ready to pick to shipped today, and what stock does not cover for the office."""

from datetime import datetime

from django.utils import timezone

from orders.dashboard.registry import Tile
from orders.workflow import Stage

OFFICE_ROLES = ("superadmin", "manager", "csr")


def fulfilment_tiles(user, now: datetime) -> list[Tile]:
    role = user.role
    if role in OFFICE_ROLES:
        return [
            Tile(
                "backordered",
                "Backordered",
                "Orders",
                (("tab", Stage.PROCESSING.value), ("stock", "backordered")),
            )
        ]
    if role != "warehouse":
        return []
    return [
        Tile(
            "ready_to_pick",
            "Ready to pick",
            "Warehouse",
            (("tab", Stage.PROCESSING.value), ("stock", "allocated")),
        ),
        Tile("picking", "Picking", "Warehouse", (("tab", Stage.PICKING.value),)),
        Tile("picked", "Picked, waiting for packing", "Warehouse", (("tab", Stage.PICKED.value),)),
        Tile("packed", "Packed, waiting for shipping", "Warehouse", (("tab", Stage.PACKED.value),)),
        Tile(
            "shipped_today",
            "Shipped today",
            "Warehouse",
            (("shipped_on", timezone.localdate(now).isoformat()),),
        ),
    ]
