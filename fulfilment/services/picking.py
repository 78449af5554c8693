"""Picklists: batch processing orders for one picker, walk the bins, confirm or report short."""

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from fulfilment.errors import FulfilmentError, WrongItem
from fulfilment.events import FulfilmentEvent
from fulfilment.models import Allocation, Picklist, PicklistLine, StockItem, StockMovement
from fulfilment.services.allocation import default_warehouse_id, lock_stock
from orders import events
from orders.actors import Actor, as_actor
from orders.errors import TransitionRefused
from orders.models import HoldReason, Order, OrderLine, Product, Warehouse
from orders.services.transitions import builtin_status, order_hold, order_transition
from orders.workflow import Stage


def _require(actor: Actor, permission: str, what: str) -> None:
    if not actor.has_perm(permission):
        raise FulfilmentError(f"You may not {what}.")


def ready_to_pick(warehouse: Warehouse | None = None):
    """Processing orders whose every open line is allocated, priority first, then oldest."""
    short = OrderLine.objects.filter(
        order=OuterRef("pk"),
        quantity_allocated__lt=F("quantity") - F("quantity_cancelled") - F("quantity_shipped"),
    )
    orders = Order.objects.live().filter(stage=Stage.PROCESSING).exclude(Exists(short))
    if warehouse is not None:
        condition = Q(warehouse=warehouse)
        if warehouse.pk == default_warehouse_id():
            condition |= Q(warehouse__isnull=True)
        orders = orders.filter(condition)
    return orders.order_by("-priority", "created_at", "pk")


@transaction.atomic
def picklist_create(*, order_ids: list[int], actor, picker=None, warehouse: Warehouse | None = None):
    """Move the orders to picking and list their allocated lines by bin. Returns (picklist, refusals):
    orders that cannot be picked (not processing, unpaid card orders, ...) are left out with the reason."""
    actor = as_actor(actor)
    _require(actor, "fulfilment.pick_order", "create picklists")
    warehouse = warehouse or Warehouse.objects.get(pk=default_warehouse_id())
    picklist = Picklist.objects.create(
        warehouse=warehouse, picker=picker or actor.user, created_by=actor.user
    )
    picking = builtin_status(Stage.PICKING)
    refusals: dict[int, str] = {}
    picked_orders = []
    for order_id in sorted(set(order_ids)):
        try:
            order = order_transition(order_id=order_id, to=picking, actor=actor, reason=f"on {picklist}")
        except TransitionRefused as refusal:
            refusals[order_id] = str(refusal)
            continue
        picked_orders.append(order)
    if not picked_orders:
        raise FulfilmentError("None of the orders can be picked: " + " ".join(refusals.values()))
    lines = OrderLine.objects.filter(
        order__in=picked_orders, product__isnull=False, quantity_allocated__gt=F("quantity_picked")
    )
    # Each line is picked from where its stock is allocated, whichever warehouse that is.
    bins = {
        allocation.line_id: allocation.stock_item.bin.code if allocation.stock_item.bin else ""
        for allocation in Allocation.objects.filter(line__in=lines)
        .select_related("stock_item__bin")
        .order_by("quantity")
    }
    PicklistLine.objects.bulk_create(
        [
            PicklistLine(
                picklist=picklist,
                order_line=line,
                order_id=line.order_id,
                product_id=line.product_id,
                bin_code=bins.get(line.pk, ""),
                quantity=line.quantity_allocated - line.quantity_picked,
            )
            for line in lines
        ]
    )
    events.record_many(picked_orders, actor, FulfilmentEvent.PICKLIST_CREATED, picklist=picklist.pk)
    return picklist, refusals


@transaction.atomic
def picklist_create_batch(*, warehouse: Warehouse, count: int, actor, picker=None):
    """The next `count` ready orders of a warehouse; two pickers asking at once get different orders."""
    ids = list(
        ready_to_pick(warehouse)
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", flat=True)[:count]
    )
    if not ids:
        raise FulfilmentError(f"No orders in {warehouse} are ready to pick.")
    return picklist_create(order_ids=ids, actor=actor, picker=picker, warehouse=warehouse)


def _product_for(code: str) -> Product | None:
    """The product a scan or a typed code means; an empty scan means nothing (not "no barcode")."""
    code = code.strip()
    if not code:
        return None
    return Product.objects.filter(Q(barcode=code) | Q(sku__iexact=code)).first()


@transaction.atomic
def picklist_scan(*, picklist_id: int, code: str, actor) -> PicklistLine:
    """One unit of a scanned product (barcode or SKU) picked, from the first line in bin order."""
    actor = as_actor(actor)
    _require(actor, "fulfilment.pick_order", "pick")
    picklist = Picklist.objects.select_for_update().get(pk=picklist_id)
    if picklist.state != Picklist.State.OPEN:
        raise FulfilmentError(f"{picklist} is {picklist.get_state_display().lower()}.")
    product = _product_for(code)
    if product is None:
        raise WrongItem(f"Nothing is known by “{code}”. Scan the product's barcode or type its SKU.")
    line = (
        picklist.lines.filter(product=product, quantity_picked__lt=F("quantity"))
        .order_by("bin_code", "pk")
        .first()
    )
    if line is None:
        if picklist.lines.filter(product=product).exists():
            raise WrongItem(f"{product.sku} is already fully picked on {picklist}.")
        raise WrongItem(f"{product.sku} is not on {picklist}.")
    line.quantity_picked += 1
    line.save(update_fields=["quantity_picked"])
    return line


@transaction.atomic
def picklist_line_confirm(*, line_id: int, picked: int, actor) -> PicklistLine:
    """Set the picked quantity of a line by hand (counted rather than scanned)."""
    actor = as_actor(actor)
    _require(actor, "fulfilment.pick_order", "pick")
    line = PicklistLine.objects.select_for_update().select_related("picklist").get(pk=line_id)
    if line.picklist.state != Picklist.State.OPEN:
        raise FulfilmentError(f"{line.picklist} is closed.")
    if not 0 <= picked <= line.quantity:
        raise FulfilmentError(f"Picked must be between 0 and {line.quantity}.")
    line.quantity_picked = picked
    line.save(update_fields=["quantity_picked"])
    return line


@transaction.atomic
def picklist_complete(*, picklist_id: int, actor) -> dict[str, list[str]]:
    """Close the picklist: picked quantities go onto the order lines; fully picked orders move to
    picked. A short pick corrects the stock (the units are not there), backorders the line and, as
    configured (SHORT_PICK_POLICY), puts the order on hold or leaves it picking."""
    actor = as_actor(actor)
    _require(actor, "fulfilment.pick_order", "complete picklists")
    picklist = Picklist.objects.select_for_update().get(pk=picklist_id)
    if picklist.state != Picklist.State.OPEN:
        raise FulfilmentError(f"{picklist} is already {picklist.get_state_display().lower()}.")
    lines = list(picklist.lines.select_related("order_line", "product").order_by("order_id", "pk"))
    shorts: dict[int, list[str]] = {}
    for pick in lines:
        OrderLine.objects.filter(pk=pick.order_line_id).update(
            quantity_picked=F("quantity_picked") + pick.quantity_picked
        )
        missing = pick.quantity - pick.quantity_picked
        if missing:
            _write_off_short(pick, missing, actor)
            shorts.setdefault(pick.order_id, []).append(f"{missing} × {pick.product.sku}")
    result = {"picked": [], "short": [], "refused": []}
    picked_status = builtin_status(Stage.PICKED)
    for order_id in sorted({pick.order_id for pick in lines}):
        order = Order.objects.get(pk=order_id)
        if order_id in shorts:
            detail = ", ".join(shorts[order_id])
            result["short"].append(f"{order}: {detail}")
            if settings.SHORT_PICK_POLICY == "hold":
                # A consequence of the count, not a CSR's decision: the system holds it, naming the picker.
                system = Actor.system(f"{picklist} ({actor})")
                order_hold(order_id=order_id, actor=system, reason=detail, code=HoldReason.SHORT_PICK)
            continue
        try:
            order_transition(order_id=order_id, to=picked_status, actor=actor, reason=f"{picklist} completed")
        except TransitionRefused as refusal:
            result["refused"].append(str(refusal))
        else:
            result["picked"].append(str(order))
    picklist.state, picklist.completed_at = Picklist.State.COMPLETED, timezone.now()
    picklist.save(update_fields=["state", "completed_at"])
    return result


def _write_off_short(pick: PicklistLine, missing: int, actor: Actor) -> None:
    """The missing units are not on the shelf: take them out of the allocation and off the stock."""
    allocation = (
        Allocation.objects.filter(line=pick.order_line)
        .select_related("stock_item")
        .order_by("-quantity")
        .first()
    )
    if allocation is None:
        return
    key = (allocation.stock_item.warehouse_id, allocation.stock_item.product_id)
    stock = lock_stock({key})[key]
    allocation.refresh_from_db()
    released = min(missing, allocation.quantity)
    if released == allocation.quantity:
        allocation.delete()
    else:
        Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - released)
    # Safe against the CHECK: the allocation just shrank by as much as on_hand does now.
    StockItem.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") - released)
    StockMovement.objects.create(
        stock_item=stock,
        kind=StockMovement.Kind.WRITE_OFF,
        quantity=-released,
        reason=f"short pick on {pick.picklist}",
        order_id=pick.order_id,
        user=actor.user,
    )
