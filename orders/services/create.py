"""Order creation: the one path every source takes (manual form, CSV, channels, API)."""

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.utils import timezone

from orders import events
from orders.actors import Actor, as_actor
from orders.errors import DuplicateOrder, OrderInvalid
from orders.holds import door_findings, run_checks
from orders.inputs import OrderInput, validate, validate_prices
from orders.models import Channel, Order, OrderHold, OrderLine, Product, Status, Warehouse
from orders.money.services.payments import payment_record_at_creation
from orders.reference import order_reference
from orders.services.common import service_context
from orders.services.transitions import builtin_status
from orders.ship_by import ShipByBook, ship_by_for_new
from orders.signals import order_created, order_stage_entered
from orders.workflow import Stage, payment_required_before_fulfilment

CENT = Decimal("0.01")
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    if type(value) is not Decimal:  # Decimal(a_decimal) copies it: ~250,000 calls per 100,000 imported lines
        value = Decimal(value)
    return value.quantize(CENT, ROUND_HALF_UP)  # positional: a keyword argument doubles the call's cost


def build_lines(data: OrderInput, products: dict[str, Product], line_class=OrderLine) -> list[OrderLine]:
    """The order's lines with prices, tax and totals. Batched creation (create_many.py) passes a plain
    class with OrderLine's fields: a model instance costs more to build than the whole line's checks."""
    lines = []
    for position, line in enumerate(data.lines):
        sku = line.sku.strip()
        product = products.get(sku)
        unit_price = line.unit_price if line.unit_price is not None else (product.price if product else ZERO)
        tax_rate = line.tax_rate if line.tax_rate is not None else (product.tax_rate if product else ZERO)
        net = money(unit_price * line.quantity - line.discount)
        tax = money(net * tax_rate / 100)
        lines.append(
            line_class(
                position=position,
                product=product,
                sku=sku,
                name=line.name or (product.name if product else line.sku),
                quantity=line.quantity,
                unit_price=money(unit_price),
                discount=money(line.discount),
                tax_rate=tax_rate,
                tax_amount=tax,
                line_total=net + tax,
            )
        )
        if line.channel_line_id:  # the shop's own id of the line, which tracking pushes name
            lines[-1].channel_line_id = line.channel_line_id
    return lines


def apply_totals(order: Order, lines: list[OrderLine]) -> None:
    subtotal = discount = tax = ZERO
    for line in lines:
        if line.quantity_cancelled < line.quantity:
            subtotal += line.unit_price * line.quantity
            discount += line.discount
            tax += line.tax_amount
    order.subtotal, order.discount_total, order.tax_total = money(subtotal), money(discount), money(tax)
    order.total = order.subtotal - order.discount_total + order.tax_total + money(order.delivery_fee)


def search_document(order: Order, lines: list[OrderLine]) -> str:
    """The words the order list's search finds this order by."""
    email = order.customer_email or ""
    words = [
        order.customer_name,
        email,
        email.replace("@", " ").replace(".", " "),
        order.customer_phone,
        "".join(filter(str.isdigit, order.customer_phone)),
        order.customer.company if order.customer_id else "",
        order.po_number,
        order.customer_reference,
        order.channel_order_number,
        *(line.sku for line in lines),
        *order.tracking_numbers,
    ]
    return " ".join(word for word in words if word)


def search_vector(order: Order, lines: list[OrderLine]):
    return SearchVector(Value(search_document(order, lines)), config="simple")


def order_fields(data: OrderInput, *, channel: Channel, source: str, warehouse: Warehouse | None) -> dict:
    """The order's fields as creation sets them from its input, for order_create and the batched
    creation of imports (orders/services/create_many.py) alike."""
    customer = data.customer
    return {
        "channel": channel,
        "channel_order_id": data.channel_order_id or None,
        "channel_order_number": data.channel_order_number,
        "source": source,
        "customer": customer,
        "customer_name": customer.name,
        "customer_email": customer.email,
        "customer_phone": customer.phone,
        "shipping_address": data.shipping_address or dict(customer.address),
        "billing_address": data.billing_address or data.shipping_address or dict(customer.address),
        "shipping_method": data.shipping_method.strip(),
        "payment_method": data.payment_method,
        "currency": (data.currency or settings.DEFAULT_CURRENCY).upper(),
        "delivery_fee": money(data.delivery_fee),
        "amount_paid": money(data.amount_paid),
        "po_number": data.po_number.strip(),
        "customer_reference": data.customer_reference.strip(),
        "gift_message": data.gift_message,
        "notes": data.notes,
        "tags": sorted({tag.strip() for tag in data.tags if tag.strip()}),
        "attributes": dict(data.attributes),
        "ship_by": data.ship_by,
        "assigned_csr_id": data.assigned_csr.pk if data.assigned_csr else None,
        "assigned_agent_id": data.assigned_agent.pk if data.assigned_agent else None,
        "warehouse_id": warehouse.pk if warehouse else None,
        "priority": data.priority,
    }


def initial_stage(data: OrderInput, total: Decimal) -> Stage:
    if data.draft:
        return Stage.DRAFT
    if data.amount_paid >= total or not payment_required_before_fulfilment(data.payment_method):
        return Stage.PROCESSING
    return Stage.AWAITING_PAYMENT


def initial_status(
    data: OrderInput,
    *,
    total: Decimal,
    findings: list,
    builtin: Callable[[str], Status] = builtin_status,
    kept: Status | None = None,
) -> tuple[Status, Status | None]:
    """The status a new order starts in and, when it starts on hold, the status it was held from
    (where releasing the hold sends it): the order's initial stage, or on hold from there when the
    checks found something (SPEC 2.2).

    `builtin` looks up a stage's built-in status (batched creation passes the ones it read once).
    `kept`: a historical import's own status, kept in place of the initial one; an order on hold in
    the imported file goes back to its initial status when released, like any new order."""
    start = builtin(initial_stage(data, total))
    status = start if kept is None else kept
    if status.stage == Stage.ON_HOLD:
        return status, start
    if findings:
        return builtin(Stage.ON_HOLD), status
    return status, None


@transaction.atomic
def order_create(*, data: OrderInput, actor, source: str = "manual", source_detail: str = "") -> Order:
    """Validate, create, run the hold checks, and send the order on or put it on hold (SPEC 2.2).

    Raises OrderInvalid (nothing written) for data that cannot form an order, and DuplicateOrder
    when the channel's order id was already imported. The order returned carries its lines
    (`line_list`) and its holds (`hold_list`) as written.
    """
    actor: Actor = as_actor(actor)
    errors = validate(data)
    if errors:
        raise OrderInvalid(errors)
    known = order_reference()  # channels, statuses, rules: one check of the kept values
    channel = data.channel or known.channel("manual")
    if data.channel_order_id:
        existing = Order.objects.filter(channel=channel, channel_order_id=data.channel_order_id).first()
        if existing:
            raise DuplicateOrder(
                f"{channel} order {data.channel_order_id} was already imported as {existing}.", existing.pk
            )
    skus = {line.sku.strip() for line in data.lines}
    products = {product.sku: product for product in Product.objects.filter(sku__in=skus, active=True)}
    errors = validate_prices(data, products)
    if errors:
        raise OrderInvalid(errors)
    lines = build_lines(data, products)
    warehouse = data.warehouse or known.default_warehouse
    order = Order(
        **order_fields(data, channel=channel, source=source, warehouse=warehouse), created_at=timezone.now()
    )
    order.warehouse = warehouse  # the row read above, rather than its id alone
    apply_totals(order, lines)
    findings = [] if data.draft else run_checks(order, lines, rules=known.hold_rules) + door_findings(data)
    order.status, order.held_from = initial_status(
        data, total=order.total, findings=findings, builtin=known.builtin.__getitem__
    )
    order.stage = order.status.stage
    # Arriving ready: its deadline, unless the channel sent one.
    ship_by_for_new(order, book=ShipByBook(rules=known.ship_by_rules))
    order.search_vector = search_vector(order, lines)
    with service_context("order_create", actor):
        try:
            # No savepoint of its own: a failed insert ends order_create, whose atomic rolls it back.
            order.save()  # its RETURNING sets the number and the search vector the database made
        except IntegrityError as error:
            if "one_order_per_channel_id" in str(error):
                raise DuplicateOrder(
                    f"{channel} order {data.channel_order_id} was already imported."
                ) from error
            raise
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        events.created(order, actor, source=source, detail=source_detail)
        # The amount the order arrived paid with becomes a payment record: amount_paid is their sum.
        payment_record_at_creation(order=order, actor=actor)
        holds = [
            OrderHold(order=order, reason=f.reason, detail=f.detail, created_by=actor.user) for f in findings
        ]
        if holds:
            OrderHold.objects.bulk_create(holds)
            events.held(order, actor, reasons=[str(finding) for finding in findings])
    order_created.send(sender=Order, order=order, lines=lines)
    # What was written, for an answer that needs no second read (the API's): the lines with their
    # allocated quantities, and the holds, all active.
    order.line_list, order.hold_list = lines, holds
    transaction.on_commit(
        lambda: order_stage_entered.send(
            sender=Order, order_id=order.pk, stage=order.stage, previous_stage=None
        )
    )
    return order
