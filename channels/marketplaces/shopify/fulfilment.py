"""Tracking back to Shopify: which fulfillment order lines a Packline shipment covers, and the
fulfillmentCreate input that says so. Pure functions over the order's fulfillment orders; the client
does the calls."""

from collections import defaultdict

from channels.marketplaces.base import PlatformError, TrackingPush
from channels.marketplaces.shopify.mapping import numeric_id

# Requested cost about 2 + 5 x (1 + 2 + 50 x 2) + 10 x 6 = 580 points, under the 1,000 a query may ask for.
FULFILLMENT_ORDERS_QUERY = """
query PacklineFulfillmentOrders($id: ID!) {
  order(id: $id) {
    legacyResourceId
    fulfillments(first: 10) {
      id
      status
      trackingInfo(first: 5) { number }
    }
    fulfillmentOrders(first: 5) {
      nodes {
        id
        status
        lineItems(first: 50) {
          nodes {
            id
            remainingQuantity
            lineItem { id }
          }
        }
      }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation PacklineFulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""

# A fulfillment order can take a fulfillment while it is open or already partly fulfilled.
FULFILLABLE = frozenset({"OPEN", "IN_PROGRESS"})
# Held back in Shopify (a fraud check, a date): fulfillable again once released, so a push may be retried.
WAITING = frozenset({"ON_HOLD", "SCHEDULED"})
# A fulfillment in these states shipped nothing; its tracking number may be pushed again.
NOT_SHIPPED = frozenset({"CANCELLED", "ERROR", "FAILURE"})


def existing_fulfillment(order: dict, tracking_number: str) -> str:
    """The numeric id of a fulfillment already carrying this tracking number; "" when there is none.
    It makes a push that is tried again (after a timeout, say) answer the same id, not a second parcel."""
    number = tracking_number.strip()
    if not number:
        return ""
    for fulfillment in order.get("fulfillments") or []:
        if str(fulfillment.get("status", "")).upper() in NOT_SHIPPED:
            continue
        if any((info or {}).get("number") == number for info in fulfillment.get("trackingInfo") or []):
            return numeric_id(fulfillment.get("id"))
    return ""


def fulfillment_input(order: dict, push: TrackingPush) -> dict:
    """The FulfillmentInput for `push`: the whole of what remains when push.lines is empty, else each
    TrackingLine's quantity taken from the fulfillment order lines of its Shopify line item.
    PlatformError(permanent=True) when Shopify cannot take it: nothing left, unknown line, too many."""
    order_id = push.platform_order_id
    fulfillment_orders = _nodes(order.get("fulfillmentOrders"))
    open_orders = [fo for fo in fulfillment_orders if str(fo.get("status", "")).upper() in FULFILLABLE]
    if push.lines:
        by_fulfillment_order = _chosen_lines(order_id, push, fulfillment_orders, open_orders)
    else:
        # An empty fulfillmentOrderLineItems fulfils everything that fulfillment order still has.
        by_fulfillment_order = [{"fulfillmentOrderId": fo["id"]} for fo in open_orders if _remaining(fo) > 0]
        if not by_fulfillment_order:
            _refuse_if_waiting(order_id, fulfillment_orders)
            raise PlatformError(
                f"Shopify order {order_id} has nothing left to fulfil: it is already fulfilled or cancelled.",
                permanent=True,
            )
    tracking = {"company": push.carrier.strip(), "number": push.tracking_number.strip()}
    if push.tracking_url.strip():
        tracking["url"] = push.tracking_url.strip()
    return {
        "lineItemsByFulfillmentOrder": by_fulfillment_order,
        "trackingInfo": {key: value for key, value in tracking.items() if value},
        "notifyCustomer": bool(push.notify_customer),
    }


def user_errors_text(errors: list) -> str:
    return "; ".join(str((error or {}).get("message") or error) for error in errors)


def _chosen_lines(order_id: str, push: TrackingPush, every: list[dict], open_orders: list[dict]) -> list:
    wanted: dict[str, int] = defaultdict(int)
    for line in push.lines:
        line_id = numeric_id(line.platform_line_id)
        if not line_id or not isinstance(line.quantity, int) or line.quantity <= 0:
            raise PlatformError(
                f"Cannot tell Shopify order {order_id} that {line.quantity!r} of line "
                f"{line.platform_line_id!r} shipped: a line needs a Shopify line id and a quantity above 0.",
                permanent=True,
            )
        wanted[line_id] += line.quantity
    known = {
        numeric_id((item.get("lineItem") or {}).get("id"))
        for fo in every
        for item in _nodes(fo.get("lineItems"))
    }
    chosen: dict[str, list[dict]] = {}
    for line_id, quantity in wanted.items():
        if line_id not in known:
            raise PlatformError(f"Shopify order {order_id} has no line {line_id}.", permanent=True)
        left = quantity
        for fo in open_orders:
            for item in _nodes(fo.get("lineItems")):
                if left == 0 or numeric_id((item.get("lineItem") or {}).get("id")) != line_id:
                    continue
                take = min(left, _whole(item.get("remainingQuantity")))
                if take > 0:
                    chosen.setdefault(fo["id"], []).append({"id": item["id"], "quantity": take})
                    left -= take
        if left:
            _refuse_if_waiting(order_id, every, line_id)
            remaining = quantity - left
            raise PlatformError(
                f"Shopify order {order_id}, line {line_id}: {quantity} shipped but only {remaining} left "
                f"to fulfil on Shopify (already fulfilled?).",
                permanent=True,
            )
    return [
        {"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": items} for fo_id, items in chosen.items()
    ]


def _refuse_if_waiting(order_id: str, fulfillment_orders: list[dict], line_id: str = "") -> None:
    """PlatformError to try again later when what is missing sits in a fulfillment order on hold."""
    for fo in fulfillment_orders:
        if str(fo.get("status", "")).upper() not in WAITING:
            continue
        lines = [numeric_id((item.get("lineItem") or {}).get("id")) for item in _nodes(fo.get("lineItems"))]
        if not line_id or line_id in lines:
            raise PlatformError(
                f"Shopify order {order_id} is {str(fo['status']).lower().replace('_', ' ')} in Shopify; "
                "the tracking can be pushed once it is released there."
            )


def _remaining(fulfillment_order: dict) -> int:
    return sum(_whole(item.get("remainingQuantity")) for item in _nodes(fulfillment_order.get("lineItems")))


def _whole(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _nodes(connection) -> list[dict]:
    if not isinstance(connection, dict):
        return []
    return [node for node in connection.get("nodes") or [] if isinstance(node, dict)]
