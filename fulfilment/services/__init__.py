"""Every write to stock, picklists, packing and shipments goes through these functions."""

from fulfilment.services.allocation import backorders_allocate, order_allocate, orders_allocate
from fulfilment.services.documents import document_print, document_render
from fulfilment.services.packing import packing_complete, packing_scan
from fulfilment.services.picking import (
    picklist_complete,
    picklist_create,
    picklist_create_batch,
    picklist_line_confirm,
    picklist_scan,
    ready_to_pick,
)
from fulfilment.services.shipping import shipment_create
from fulfilment.services.stock import stock_adjust, stock_receive

__all__ = [
    "backorders_allocate",
    "document_print",
    "document_render",
    "order_allocate",
    "orders_allocate",
    "packing_complete",
    "packing_scan",
    "picklist_complete",
    "picklist_create",
    "picklist_create_batch",
    "picklist_line_confirm",
    "picklist_scan",
    "ready_to_pick",
    "shipment_create",
    "stock_adjust",
    "stock_receive",
]
