"""Warehouse pages: stock, picklists and the picking screen, the packing station, shipping, documents."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from fulfilment.errors import FulfilmentError, WrongItem
from fulfilment.forms import AdjustForm, BatchForm, ConfirmForm, PackForm, ReceiveForm, ShipForm
from fulfilment.models import Picklist, StockItem, StockMovement
from fulfilment.pdf import pdf_response
from fulfilment.selectors import QUEUE_SIZE, next_to_pack, packing_queue, stock_rows
from fulfilment.services import (
    document_print,
    packing_complete,
    packing_scan,
    picklist_complete,
    picklist_create,
    picklist_create_batch,
    picklist_line_confirm,
    picklist_scan,
    ready_to_pick,
    shipment_create,
    stock_adjust,
    stock_receive,
)
from fulfilment.services.documents import DOCUMENTS, picklist_render
from fulfilment.services.packing import to_pack
from orders import bounds
from orders.errors import OrderError
from orders.models import Order, Warehouse
from orders.selectors import order_for, orders_visible_to

# Stock ----------------------------------------------------------------------------------------------


@require_GET
@permission_required("fulfilment.view_stockitem", raise_exception=True)
def stock_list(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    rows = stock_rows(
        term=term,
        warehouse_id=bounds.parse_id(request.GET.get("warehouse")),
        short=bool(request.GET.get("short")),
    )
    return render(
        request,
        "fulfilment/stock.html",
        {
            "rows": rows.order_by("product__sku", "warehouse__code")[:200],
            "receive_form": ReceiveForm(),
            "warehouses": Warehouse.objects.filter(active=True),
            "movements": StockMovement.objects.select_related("stock_item__product", "user")[:20],
            "term": term,
        },
    )


@require_POST
@permission_required("fulfilment.adjust_stock", raise_exception=True)
def stock_receive_view(request: HttpRequest) -> HttpResponse:
    form = ReceiveForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
            )
        return redirect("fulfilment:stock")
    data = form.cleaned_data
    try:
        row = stock_receive(
            warehouse=data["warehouse"], product=data["product"], quantity=data["quantity"],
            bin_code=data["bin_code"], reason=data["reason"], actor=request.user,
        )  # fmt: skip
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Received {data['quantity']} × {row.product.sku}: {row.on_hand} on hand, {row.available} available.",
        )
    return redirect("fulfilment:stock")


@require_POST
@permission_required("fulfilment.adjust_stock", raise_exception=True)
def stock_adjust_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(StockItem, pk=pk)
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the counted quantity and a reason.")
        return redirect("fulfilment:stock")
    try:
        row = stock_adjust(
            stock_item_id=row.pk,
            counted=form.cleaned_data["counted"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{row.product.sku}: {row.on_hand} on hand.")
    return redirect("fulfilment:stock")


# Picklists ------------------------------------------------------------------------------------------


@permission_required("fulfilment.pick_order", raise_exception=True)
def picklist_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _picklist_create(request)
    warehouse = Warehouse.objects.filter(pk=bounds.parse_id(request.GET.get("warehouse")) or 0).first()
    ready = orders_visible_to(request.user) & ready_to_pick(warehouse)
    return render(
        request,
        "fulfilment/picklists.html",
        {
            "picklists": Picklist.objects.select_related("picker", "warehouse").filter(
                state=Picklist.State.OPEN
            )[:50],
            "recent": Picklist.objects.select_related("picker").exclude(state=Picklist.State.OPEN)[:10],
            "ready": ready.select_related("status")[:100],
            "batch_form": BatchForm(),
        },
    )


def _picklist_create(request: HttpRequest) -> HttpResponse:
    try:
        if "batch" in request.POST:
            form = BatchForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a warehouse and how many orders.")
                return redirect("fulfilment:picklists")
            picklist, refusals = picklist_create_batch(
                warehouse=form.cleaned_data["warehouse"], count=form.cleaned_data["count"], actor=request.user
            )
        else:
            # Hand-picked orders are re-filtered through what this user may see.
            ids = [pk for pk in map(bounds.parse_id, request.POST.getlist("order")) if pk]
            visible = list(orders_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
            if not visible:
                messages.error(request, "Select the orders to pick.")
                return redirect("fulfilment:picklists")
            picklist, refusals = picklist_create(order_ids=visible, actor=request.user)
    except OrderError as error:
        messages.error(request, str(error))
        return redirect("fulfilment:picklists")
    for reason in refusals.values():
        messages.warning(request, reason)
    messages.success(request, f"{picklist} created.")
    return redirect("fulfilment:picklist", pk=picklist.pk)


def _picklist_context(picklist: Picklist) -> dict:
    lines = list(
        picklist.lines.select_related("product", "order").order_by("bin_code", "product__sku", "order_id")
    )
    groups: list[dict] = []
    for line in lines:
        if not groups or groups[-1]["product"].pk != line.product_id:
            groups.append({"product": line.product, "bin": line.bin_code, "lines": []})
        groups[-1]["lines"].append(line)
    for group in groups:
        group["quantity"] = sum(line.quantity for line in group["lines"])
        group["picked"] = sum(line.quantity_picked for line in group["lines"])
    done = all(line.quantity_picked == line.quantity for line in lines)
    return {"picklist": picklist, "groups": groups, "done": done}


@permission_required("fulfilment.pick_order", raise_exception=True)
def picklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    picklist = get_object_or_404(Picklist.objects.select_related("warehouse", "picker"), pk=pk)
    context = _picklist_context(picklist)
    if request.method == "POST":
        action = request.POST.get("action", "scan")
        try:
            if action == "scan":
                line = picklist_scan(picklist_id=pk, code=request.POST.get("code", ""), actor=request.user)
                context = _picklist_context(picklist) | {"scanned": line}
            elif action == "confirm":
                form = ConfirmForm(request.POST)
                if not form.is_valid():
                    raise OrderError("Enter the quantity picked of the line, a whole number of 0 or more.")
                picklist_line_confirm(
                    line_id=form.cleaned_data["line"],
                    picked=form.cleaned_data["picked"] or 0,
                    actor=request.user,
                )
                context = _picklist_context(picklist)
            elif action == "complete":
                result = picklist_complete(picklist_id=pk, actor=request.user)
                if result["picked"]:
                    messages.success(request, f"Picked: {', '.join(result['picked'])}.")
                for short in result["short"]:
                    messages.warning(request, f"Short pick {short}.")
                for refusal in result["refused"]:
                    messages.error(request, refusal)
                return redirect("fulfilment:picklists")
        except (OrderError, ValueError) as error:
            context["scan_error"] = str(error)
            context["wrong_item"] = isinstance(error, WrongItem)
        if request.htmx:
            return render(request, "fulfilment/_picklist_body.html", context)
    return render(request, "fulfilment/picklist.html", context)


@require_GET
@permission_required("fulfilment.pick_order", raise_exception=True)
def picklist_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The picklist to print: bin order, barcodes (opens in the browser's viewer)."""
    picklist = get_object_or_404(Picklist.objects.select_related("warehouse", "picker"), pk=pk)
    return pdf_response(request, picklist_render(picklist=picklist), f"picklist-{picklist.pk}.pdf")


# Packing --------------------------------------------------------------------------------------------


@permission_required("fulfilment.pack_order", raise_exception=True)
def packing_station(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("order", "").strip().upper()
    if code:
        digits = "".join(ch for ch in code if ch in "0123456789")[:18]  # not "²": isdigit() but no int
        order = orders_visible_to(request.user).filter(number=int(digits or 0)).first()
        if order is None:
            messages.error(request, f"No order {code}.")
        else:
            return redirect("fulfilment:pack", number=order.number)
    queue = list(packing_queue(request.user)[:QUEUE_SIZE])
    return render(
        request, "fulfilment/packing_station.html", {"queue": queue, "queue_full": len(queue) == QUEUE_SIZE}
    )


def _pack_context(order: Order) -> dict:
    lines = list(order.lines.select_related("product").order_by("position", "pk"))
    for line in lines:
        line.expected = line.quantity_picked - line.quantity_shipped
        line.remaining = to_pack(line)
    return {"order": order, "lines": lines, "complete": all(line.remaining == 0 for line in lines)}


@permission_required("fulfilment.pack_order", raise_exception=True)
def pack_order(request: HttpRequest, number: int) -> HttpResponse:
    order = order_for(request.user, number)
    context = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "complete":
                form = PackForm(request.POST)
                if not form.is_valid():
                    raise OrderError(" ".join(error for errors in form.errors.values() for error in errors))
                packing_complete(
                    order_id=order.pk,
                    packages=form.cleaned_data["packages"] or 1,
                    weight_grams=form.cleaned_data["weight_grams"] or 0,
                    actor=request.user,
                )
                following = next_to_pack(request.user, after=order)
                if following is None:
                    messages.success(request, f"{order} is packed. No more picked orders are waiting.")
                    return redirect("fulfilment:packing")
                messages.success(request, f"{order} is packed. Next: {following}.")
                return redirect("fulfilment:pack", number=following.number)
            line = packing_scan(order_id=order.pk, code=request.POST.get("code", ""), actor=request.user)
            context["scanned"] = line
        except (OrderError, ValueError) as error:
            context["scan_error"] = str(error)
            context["wrong_item"] = isinstance(error, WrongItem)
        order = order_for(request.user, number)
    context |= _pack_context(order)
    template = (
        "fulfilment/_pack_body.html" if request.htmx and request.method == "POST" else "fulfilment/pack.html"
    )
    return render(request, template, context)


# Shipping and documents ---------------------------------------------------------------------------


@require_POST
@permission_required("fulfilment.ship_order", raise_exception=True)
def ship_order(request: HttpRequest, number: int) -> HttpResponse:
    order = order_for(request.user, number)
    lines = list(order.lines.filter(product__isnull=False))
    form = ShipForm(request.POST, lines=lines)
    if not form.is_valid():
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"Name the carrier and the quantities to ship. {problems}".strip())
        return redirect(order)
    try:
        shipment = shipment_create(
            order_id=order.pk,
            carrier=form.cleaned_data["carrier"],
            service=form.cleaned_data["service"],
            tracking_number=form.cleaned_data["tracking_number"],
            quantities=form.quantities(),
            actor=request.user,
        )
    except OrderError as error:
        messages.error(request, str(error))
    else:
        order.refresh_from_db()
        messages.success(request, f"Shipment {shipment.pk} recorded; {order} is {order.status.label}.")
    return redirect(order)


@require_GET
@permission_required("fulfilment.print_documents", raise_exception=True)
def order_document(request: HttpRequest, number: int, kind: str) -> HttpResponse:
    order = order_for(request.user, number)
    if kind not in DOCUMENTS:
        return HttpResponse(status=404)
    try:
        pdf = document_print(order=order, kind=kind, actor=request.user)
    except FulfilmentError as error:
        messages.error(request, str(error))
        return redirect(order)
    return pdf_response(request, pdf, f"{order.display_number}-{kind}.pdf")
