"""Fulfilment's timeline events: stock, picking, packing, shipping, returns and printed documents.

Registered with orders.events at import; FulfilmentConfig.ready() imports this module, so the order
page words these events whichever fulfilment services ran in the process.
"""

from orders.events import register
from orders.wording import e, join, suffix


def _items(values) -> str:
    return values and ", ".join(map(str, values))


def _stock_allocation(p: dict) -> str:
    allocated = suffix(" allocated ", _items(p.get("allocated")))
    released = suffix(" released ", _items(p.get("released")))
    backordered = suffix(' <span class="text-danger">backordered ', _items(p.get("backordered")), "</span>")
    return f"Stock{allocated}{released}{backordered}"


def _picklist_created(p: dict) -> str:
    return f"On picklist {e(p.get('picklist', ''))}"


def _packed(p: dict) -> str:
    packages = p.get("packages", 0)
    plural = "" if packages == 1 else "s"
    return f"Packed in {e(packages)} package{plural}, {e(p.get('weight_grams', ''))} g"


def _shipment_created(p: dict) -> str:
    tracking = suffix(' · tracking <span class="font-monospace">', p.get("tracking_number"), "</span>")
    return (
        f"Shipped {join(p.get('lines', []))} with {e(p.get('carrier'))} {e(p.get('service', ''))}{tracking}"
    )


def _return_created(p: dict) -> str:
    return f"Return {e(p.get('number', ''))} created ({e(p.get('reason', ''))}): {join(p.get('lines', []))}"


def _return_received(p: dict) -> str:
    return f"Return {e(p.get('number', ''))} received: {join(p.get('lines', []))}"


def _return_closed(p: dict) -> str:
    return f"Return {e(p.get('number', ''))} closed{suffix(': ', p.get('reason'))}"


def _document_printed(p: dict) -> str:
    return f"Printed the {e(str(p.get('document', '')).lower())}"


class FulfilmentEvent:
    STOCK_ALLOCATION = register("stock.allocation", "Stock", _stock_allocation)
    PICKLIST_CREATED = register("picklist.created", "Picklist", _picklist_created)
    PACKED = register("order.packed", "Packed", _packed)
    SHIPMENT_CREATED = register("shipment.created", "Shipped", _shipment_created)
    RETURN_CREATED = register("return.created", "Return created", _return_created)
    RETURN_RECEIVED = register("return.received", "Return received", _return_received)
    RETURN_CLOSED = register("return.closed", "Return closed", _return_closed)
    DOCUMENT_PRINTED = register("document.printed", "Document printed", _document_printed)
