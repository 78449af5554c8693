"""The channels app's panel on the order page: which shop an order came from, that cancelling here does
not cancel it there, its tracking pushes, and for managers the shop's newest payload."""

from channels.connections.selectors import order_shop
from channels.connections.services import MANAGE


def order_panel(order, user) -> tuple[str, dict] | None:
    can_manage = user.has_perm(MANAGE)
    shop = order_shop(order, with_payload=can_manage)
    if shop is None:
        return None
    return "channels/_order_panel.html", {**shop, "can_manage": can_manage}
