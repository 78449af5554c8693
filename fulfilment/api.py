"""The JSON API's shipments, products and stock (issue 18). Thin, as orders/api.py: the permission the
page checks, the order through what the token's user may see (404 otherwise), the ship form's checks
and the same service (fulfilment/services/shipping.py), refusals with the page's sentences."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Status
from pydantic import BaseModel, Field, StringConstraints

from config.api import auth, paging
from config.api.problems import form_problems, invalid
from fulfilment.forms import ShipForm
from fulfilment.models import Carrier, Shipment, StockItem
from fulfilment.selectors import order_shipments, stock_rows
from fulfilment.services import shipment_create
from orders.api import ERRORS, WRITE_ERRORS, visible_order
from orders.api_schemas import NO_NUL, Strict
from orders.catalogue import products_matching
from orders.models import Product, Warehouse

router = Router(tags=["shipments and stock"], auth=auth.read)

Code = Annotated[str, NO_NUL, StringConstraints(max_length=64)]


class ShipmentLineIn(Strict):
    line_id: Annotated[int, Field(ge=1, le=2**63 - 1, description="An order line's id (GET the order).")]
    quantity: Annotated[int, Field(ge=1, le=2**31 - 1)]


class ShipmentIn(Strict):
    """What the warehouse enters on the order page's ship form."""

    carrier: Annotated[str, NO_NUL, StringConstraints(min_length=1, max_length=60)] = Field(
        description="A carrier's code from the managed list (dhl, ups, …); its name is accepted too."
    )
    service: Annotated[str, NO_NUL, StringConstraints(max_length=60)] = ""
    tracking_number: Annotated[str, NO_NUL, StringConstraints(max_length=100)] = ""
    lines: Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=500)] | None = Field(
        None, description="Partial shipment: the units per line. Left out: every unit still to ship."
    )


class ShipmentLineOut(BaseModel):
    line_id: int
    sku: str
    quantity: int


class ShipmentOut(BaseModel):
    id: int
    order: str = Field(description="The order's number, e.g. PL-100042.")
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str = Field(description="The carrier's tracking page for this parcel; empty when none.")
    shipped_by: str | None
    shipped_at: datetime
    lines: list[ShipmentLineOut]


class WarehouseStockOut(BaseModel):
    warehouse: str = Field(description="The warehouse's code.")
    warehouse_name: str
    bin: str | None
    on_hand: int
    allocated: int
    available: int


class ProductOut(BaseModel):
    sku: str
    name: str
    barcode: str
    price: Decimal
    tax_rate: Decimal = Field(description="Percent.")
    weight_grams: int
    shippable: bool
    active: bool


class ProductDetailOut(ProductOut):
    stock: list[WarehouseStockOut] = Field(description="One row per warehouse that holds the product.")


class ProductPageOut(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class StockRowOut(WarehouseStockOut):
    sku: str
    product_name: str


class StockPageOut(BaseModel):
    items: list[StockRowOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class PageQuery(BaseModel):
    cursor: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class ProductListQuery(PageQuery):
    q: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = Field(
        None, description="A SKU's start, a word of the name, or a barcode."
    )


class StockQuery(PageQuery):
    sku: Code | None = Field(None, description="One product's SKU.")
    warehouse: Annotated[str, NO_NUL, StringConstraints(max_length=20)] | None = Field(
        None, description="A warehouse's code."
    )
    q: Annotated[str, NO_NUL, StringConstraints(max_length=200)] | None = Field(
        None, description="As the stock page's search: a SKU's start or a word of the name."
    )
    short: bool = Field(False, description="Only rows whose allocations take all that is on hand.")


# Shipments ------------------------------------------------------------------------------------------


def shipment_out(shipment: Shipment, order_number: str) -> dict:
    return {
        "id": shipment.pk,
        "order": order_number,
        "carrier": shipment.carrier,
        "service": shipment.service,
        "tracking_number": shipment.tracking_number,
        "tracking_url": getattr(shipment, "tracking_url", ""),
        "shipped_by": shipment.shipped_by.username if shipment.shipped_by_id else None,
        "shipped_at": shipment.shipped_at,
        "lines": [
            {"line_id": line.order_line_id, "sku": line.order_line.sku, "quantity": line.quantity}
            for line in shipment.lines.all()
        ],
    }


def _carrier_name(carrier: str) -> str:
    """The managed carrier's name for a code; anything else as given, for the ship form to judge."""
    found = Carrier.objects.filter(code=carrier.strip().lower()).values_list("name", flat=True).first()
    return found or carrier


def _checked_form(payload: ShipmentIn) -> ShipForm:
    """The ship form's own checks (the carrier from the managed list, lengths); its sentences name
    the API's fields."""
    form = ShipForm(
        {
            "carrier": _carrier_name(payload.carrier),
            "service": payload.service,
            "tracking_number": payload.tracking_number,
        }
    )
    if not form.is_valid():
        raise invalid(*form_problems(form))
    return form


def _quantities(order, payload: ShipmentIn) -> dict[int, int] | None:
    if payload.lines is None:
        return None
    shippable = set(order.lines.filter(product__isnull=False).values_list("pk", flat=True))
    quantities: dict[int, int] = {}
    for index, line in enumerate(payload.lines):
        if line.line_id not in shippable:
            raise invalid((f"lines[{index}].line_id", f"Line {line.line_id} is no product line of {order}."))
        if line.line_id in quantities:
            raise invalid((f"lines[{index}].line_id", f"Line {line.line_id} is named twice."))
        quantities[line.line_id] = line.quantity
    return quantities


@router.post(
    "/orders/{number}/shipments",
    auth=auth.write,
    response={201: ShipmentOut, **WRITE_ERRORS},
    summary="Ship an order, whole or in part",
)
def create_shipment(request: HttpRequest, number: str, payload: ShipmentIn, response: HttpResponse):
    """As the order page's ship form: stock leaves the shelf; shipping every open unit moves the order
    to shipped, a partial shipment keeps it where it is. The tracking number joins the order's."""
    auth.require(request, "fulfilment.ship_order", "Your role does not ship orders.")
    order = visible_order(request, number)
    form = _checked_form(payload)
    shipment = shipment_create(
        order_id=order.pk,
        carrier=form.cleaned_data["carrier"],
        service=form.cleaned_data["service"],
        tracking_number=form.cleaned_data["tracking_number"],
        quantities=_quantities(order, payload),
        actor=request.user,
    )
    created = next(found for found in order_shipments(order) if found.pk == shipment.pk)
    response["Location"] = request.path  # the order's shipments, this one last
    return Status(201, shipment_out(created, order.display_number))


@router.get(
    "/orders/{number}/shipments",
    response={200: list[ShipmentOut], **ERRORS},
    summary="An order's shipments",
)
def list_shipments(request: HttpRequest, number: str):
    """Oldest first, as the order page lists them, each with its lines and tracking link."""
    order = visible_order(request, number)
    return [shipment_out(shipment, order.display_number) for shipment in order_shipments(order)]


class CarrierOut(BaseModel):
    code: str
    name: str
    tracking_url_template: str = Field(description="The tracking page, {tracking} where the number goes.")


@router.get(
    "/carriers", response={200: list[CarrierOut], **ERRORS}, summary="The carriers shipments choose from"
)
def list_carriers(request: HttpRequest):
    """The active carriers of the managed list, as the ship form offers them (a few, so no paging)."""
    if not (
        request.user.has_perm("fulfilment.ship_order") or request.user.has_perm("fulfilment.view_carrier")
    ):
        raise PermissionDenied("Your role neither ships orders nor manages carriers.")
    return list(
        Carrier.objects.filter(active=True).order_by("name").values("code", "name", "tracking_url_template")
    )


# Products and stock ---------------------------------------------------------------------------------


def product_out(product: Product) -> dict:
    return {
        "sku": product.sku,
        "name": product.name,
        "barcode": product.barcode,
        "price": product.price,
        "tax_rate": product.tax_rate,
        "weight_grams": product.weight_grams,
        "shippable": product.shippable,
        "active": product.active,
    }


def stock_out(row: StockItem) -> dict:
    return {
        "warehouse": row.warehouse.code,
        "warehouse_name": row.warehouse.name,
        "bin": row.bin.code if row.bin_id else None,
        "on_hand": row.on_hand,
        "allocated": row.allocated,
        "available": row.available,
    }


@router.get("/products", response={200: ProductPageOut, **ERRORS}, summary="List products by SKU")
def list_products(request: HttpRequest, query: Query[ProductListQuery]):
    """Inactive products too (see `active`). Cursor paging: follow `next_cursor` until it is null."""
    auth.require(request, "orders.view_product", "Your role does not see products.")
    rows, next_cursor = paging.page(
        products_matching(query.q or ""), key="sku", cursor=query.cursor, limit=query.limit
    )
    return {"items": [product_out(product) for product in rows], "next_cursor": next_cursor}


@router.get(
    "/products/{path:sku}",
    response={200: ProductDetailOut, **ERRORS},
    summary="A product with its stock per warehouse",
)
def get_product(request: HttpRequest, sku: str):
    auth.require(request, "orders.view_product", "Your role does not see products.")
    auth.require(request, "fulfilment.view_stockitem", "Your role does not see stock.")
    product = Product.objects.filter(sku=sku).first() if len(sku) <= 64 and "\x00" not in sku else None
    if product is None:
        raise Http404(f"No product has the SKU {sku[:64]!r}.")
    rows = stock_rows().filter(product=product).order_by("warehouse__code")
    return {**product_out(product), "stock": [stock_out(row) for row in rows]}


@router.get("/stock", response={200: StockPageOut, **ERRORS}, summary="Stock per product and warehouse")
def list_stock(request: HttpRequest, query: Query[StockQuery]):
    """The stock page's rows, filtered as it filters them, plus one SKU. In the order they were first
    stocked; cursor paging."""
    auth.require(request, "fulfilment.view_stockitem", "Your role does not see stock.")
    warehouse_id = None
    if query.warehouse is not None:
        warehouse_id = Warehouse.objects.filter(code=query.warehouse).values_list("pk", flat=True).first()
        if warehouse_id is None:
            raise invalid(("warehouse", f"No warehouse has the code {query.warehouse!r}."), source="query")
    rows = stock_rows(term=query.q or "", warehouse_id=warehouse_id, short=query.short)
    if query.sku is not None:
        rows = rows.filter(product__sku=query.sku)
    rows, next_cursor = paging.page(rows, key="pk", cursor=query.cursor, limit=query.limit)
    items = [{**stock_out(row), "sku": row.product.sku, "product_name": row.product.name} for row in rows]
    return {"items": items, "next_cursor": next_cursor}
