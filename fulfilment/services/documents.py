"""Packing slips and invoices as PDF: HTML templates rendered by WeasyPrint, the number as Code 128."""

import base64
from io import BytesIO

import barcode
from barcode.writer import SVGWriter
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from fulfilment.errors import FulfilmentError
from fulfilment.events import FulfilmentEvent
from fulfilment.models import Picklist, StockItem
from orders import events
from orders.actors import as_actor
from orders.models import Order

DOCUMENTS = {"packing-slip": "Packing slip", "invoice": "Invoice"}


def code128_svg(text: str) -> str:
    """The barcode as a data: URI of an SVG image (no image files, nothing fetched)."""
    buffer = BytesIO()
    barcode.get("code128", text, writer=SVGWriter()).write(
        buffer, options={"module_height": 12, "font_size": 8, "text_distance": 4, "quiet_zone": 2}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def document_render(*, order: Order, kind: str) -> bytes:
    if kind not in DOCUMENTS:
        raise FulfilmentError(f"Unknown document {kind!r}.")
    lines = list(order.lines.select_related("product"))
    bins = {
        row.product_id: row.bin.code
        for row in StockItem.objects.filter(
            warehouse_id=order.warehouse_id,
            product__in=[line.product_id for line in lines if line.product_id],
        ).select_related("bin")
        if row.bin
    }
    for line in lines:
        line.bin_code = bins.get(line.product_id, "")
    html = render_to_string(
        f"fulfilment/documents/{kind}.html",
        {
            "order": order,
            "lines": lines,
            "title": DOCUMENTS[kind],
            "barcode": code128_svg(order.display_number),
            "printed_at": timezone.now(),
            "warehouse": order.warehouse,
        },
    )
    return HTML(string=html).write_pdf()


def document_print(*, order: Order, kind: str, actor) -> bytes:
    """Render and record the print on the order's timeline."""
    actor = as_actor(actor)
    if not actor.has_perm("fulfilment.print_documents"):
        raise FulfilmentError("You may not print documents.")
    pdf = document_render(order=order, kind=kind)
    events.record(order, actor, FulfilmentEvent.DOCUMENT_PRINTED, document=DOCUMENTS[kind])
    return pdf


def picklist_render(*, picklist: Picklist) -> bytes:
    """A picklist to print: one row per product in bin order (the picking route; lines with no bin
    last), its barcode to scan, and the orders it is split between with theirs."""
    lines = list(picklist.lines.select_related("product", "order"))
    groups: list[dict] = []
    for line in sorted(
        lines, key=lambda line: (line.bin_code == "", line.bin_code, line.product.sku, line.order_id)
    ):
        if not groups or groups[-1]["product"].pk != line.product_id or groups[-1]["bin"] != line.bin_code:
            product = line.product
            groups.append(
                {
                    "product": product,
                    "bin": line.bin_code,
                    "lines": [],
                    "barcode": code128_svg(product.barcode or product.sku),
                }
            )
        groups[-1]["lines"].append(line)
    for group in groups:
        group["quantity"] = sum(line.quantity for line in group["lines"])
    orders = {line.order_id: line.order for line in lines}
    html = render_to_string(
        "fulfilment/documents/picklist.html",
        {
            "picklist": picklist,
            "groups": groups,
            "orders": [
                {"order": order, "barcode": code128_svg(order.display_number)}
                for order in sorted(orders.values(), key=lambda order: order.number)
            ],
            "printed_at": timezone.now(),
        },
    )
    return HTML(string=html).write_pdf()
