"""Packing slips and invoices as PDF: HTML templates rendered by WeasyPrint, the number as Code 128."""

import base64
from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby

import barcode
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from fulfilment.errors import FulfilmentError
from fulfilment.events import FulfilmentEvent
from fulfilment.models import Picklist, StockItem
from fulfilment.rendering import pdf_from_html, pdf_from_parts
from orders import events
from orders.actors import as_actor
from orders.models import Order, OrderLine

DOCUMENTS = {"packing-slip": "Packing slip", "invoice": "Invoice"}


QUIET_MODULES, BAR_HEIGHT_MODULES = 10, 60  # Code 128's quiet zone; bars 12 mm high at 0.2 mm a module


def code128_svg(text: str) -> str:
    """The barcode as a data: URI of an SVG image (nothing fetched): the bars as one path in module
    units, the text under them. One path draws in a fraction of the time of a rectangle per bar,
    which a sheet of slips pays per order (bench: slips_1000_s)."""
    modules = barcode.get("code128", text).build()[0]
    bars, x = [], QUIET_MODULES
    for is_bar, run in groupby(modules):
        width = len(list(run))
        if is_bar == "1":
            bars.append(f"M{x} 0h{width}v{BAR_HEIGHT_MODULES}h-{width}z")
        x += width
    width, height = x + QUIET_MODULES, BAR_HEIGHT_MODULES + 16
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width * 0.2}mm" '
        f'height="{height * 0.2}mm"><rect width="{width}" height="{height}" fill="white"/>'
        f'<path d="{"".join(bars)}" fill="black"/><text x="{width / 2}" y="{height - 2}" '
        f'text-anchor="middle" font-family="DejaVu Sans Mono" font-size="12">{escape(text)}</text></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def documents_render(*, orders: Iterable[Order], kind: str) -> bytes:
    """One PDF of `kind` for these orders, each on pages of its own (numbered per order), in the order
    given. The order page's single document and the mass action's merged one both come from here: lines
    and bins read once for all the orders, then HTML documents of DOCUMENT_PART_SHEETS orders each (a
    WeasyPrint document costs ~30 ms before its first page), laid out DOCUMENT_RENDER_PROCESSES at a
    time and joined when there are several (fulfilment/rendering.py)."""
    if kind not in DOCUMENTS:
        raise FulfilmentError(f"Unknown document {kind!r}.")
    orders = list(orders)
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in (
        OrderLine.objects.filter(order__in=orders).select_related("product").order_by("order_id", "position")
    ):
        lines[line.order_id].append(line)
    bins = {
        (warehouse_id, product_id): code
        for warehouse_id, product_id, code in StockItem.objects.filter(
            warehouse_id__in={order.warehouse_id for order in orders},
            product_id__in={line.product_id for rows in lines.values() for line in rows if line.product_id},
            bin__isnull=False,
        ).values_list("warehouse_id", "product_id", "bin__code")
    }
    sheets = []
    for order in orders:
        for line in lines[order.pk]:
            line.bin_code = bins.get((order.warehouse_id, line.product_id), "")
        sheets.append(
            {"order": order, "lines": lines[order.pk], "barcode": code128_svg(order.display_number)}
        )
    printed_at, size = timezone.now(), max(1, settings.DOCUMENT_PART_SHEETS)
    htmls = [
        render_to_string(
            f"fulfilment/documents/{kind}.html",
            {"sheets": sheets[start : start + size], "title": DOCUMENTS[kind], "printed_at": printed_at},
        )
        for start in range(0, max(len(sheets), 1), size)
    ]
    return pdf_from_parts(htmls, processes=settings.DOCUMENT_RENDER_PROCESSES)


def document_render(*, order: Order, kind: str) -> bytes:
    return documents_render(orders=[order], kind=kind)


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
    return pdf_from_html(html)
