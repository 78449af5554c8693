"""Many orders in one request (issue 18), for an integrator with a backlog or a steady stream of orders.

The orders go through batched creation, the path the CSV import and the shops' backlogs take
(orders/services/create_many.py): the same validation, hold checks, hold rules and first status as
order_create, held equal to it by tests/channels/csv/test_create_many.py, and stock is reserved after
the commit as for one order. Each order answers on its own: one that cannot be created is rejected
with its reasons and the others are created. As in an import, a new customer whose email an existing
customer has is that customer.
"""

from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status

from config.api import auth
from orders.api import WRITE_ERRORS
from orders.api_idempotency import answer_once
from orders.api_schemas import OrderCreateIn, Strict
from orders.inputs import LineInput, OrderInput
from orders.models import Channel, Customer
from orders.services.create_many import OrderBatchCreator
from orders.services.planned import CREATED, HELD, REJECTED, BatchOrder, NewCustomer

router = Router(tags=["orders"], auth=auth.write)

MAX_ORDERS = 100
RESULTS = {CREATED: "created", HELD: "held", REJECTED: "rejected"}  # otherwise: "duplicate"


class OrderBatchIn(Strict):
    orders: Annotated[list[OrderCreateIn], Field(min_length=1, max_length=MAX_ORDERS)]


class OrderBatchResultOut(Schema):
    index: int = Field(description="The order's position in the request, from 0.")
    result: Literal["created", "held", "rejected", "duplicate"]
    number: str | None = Field(None, description="The new order's number (created or held).")
    holds: list[str] = Field(default_factory=list, description="Why it is on hold (held).")
    errors: dict[str, list[str]] = Field(default_factory=dict, description="Why it was rejected, by field.")
    message: str = ""


class OrderBatchOut(Schema):
    created: int
    held: int
    rejected: int
    duplicate: int
    results: list[OrderBatchResultOut]


def _inputs(request: HttpRequest, orders: list[OrderCreateIn]) -> tuple[list[BatchOrder], dict[int, dict]]:
    """The batch's OrderInputs, and the errors of those that name no customer or channel Packline has.
    Customers and channels are read once for the whole batch."""
    customer_ids = {order.customer_id for order in orders if order.customer_id is not None}
    customers = Customer.objects.in_bulk(customer_ids)
    codes = {order.channel for order in orders if order.channel is not None}
    channels = {channel.code: channel for channel in Channel.objects.filter(code__in=codes)}
    may_add_customers = request.user.has_perm("orders.add_customer")
    items, refused = [], {}
    for index, order in enumerate(orders):
        errors = {}
        if (order.customer_id is None) == (order.customer is None):
            errors["customer_id"] = ["Give customer_id or customer, not both or neither."]
        elif order.customer_id is not None and order.customer_id not in customers:
            errors["customer_id"] = ["No customer has this id."]
        elif order.customer is not None and not may_add_customers:
            errors["customer"] = ["You may not create customers."]
        if order.channel is not None and order.channel not in channels:
            errors["channel"] = [f"No channel has the code {order.channel!r}."]
        if errors:
            refused[index] = errors
            continue
        shipping = order.shipping_address.model_dump() if order.shipping_address else {}
        if order.customer is not None:
            new = order.customer
            customer = NewCustomer(
                name=new.name.strip(), email=new.email.strip(), phone=new.phone.strip(),
                company=new.company.strip(), address=shipping,
            )  # fmt: skip
            customer.requires_po_number = new.requires_po_number
        else:
            customer = customers[order.customer_id]
        fields = order.model_dump(
            exclude={"customer_id", "customer", "lines", "channel", "shipping_address", "billing_address"}
        )
        data = OrderInput(
            customer=customer,
            lines=[LineInput(**line.model_dump()) for line in order.lines],
            channel=channels.get(order.channel) if order.channel is not None else None,
            shipping_address=shipping,
            billing_address=order.billing_address.model_dump() if order.billing_address else {},
            **{**fields, "currency": fields["currency"] or ""},
        )
        items.append(BatchOrder(key=index, data=data, source_detail="API batch"))
    return items, refused


def _batch_create(request: HttpRequest, payload: OrderBatchIn) -> tuple[int, dict, None]:
    items, refused = _inputs(request, payload.orders)
    creator = OrderBatchCreator(actor=request.user, source="api")
    with transaction.atomic():
        planned = creator.write(creator.plan(items)) if items else []
    results = [
        OrderBatchResultOut(index=index, result="rejected", errors=errors)
        for index, errors in refused.items()
    ]
    for p in planned:
        result = RESULTS.get(p.result, "duplicate")
        results.append(
            OrderBatchResultOut(
                index=p.item.key,
                result=result,
                number=p.order.display_number if p.creates else None,
                holds=[str(finding) for finding in p.findings] if p.result == HELD else [],
                errors=p.errors,
                message=p.message,
            )
        )
    results.sort(key=lambda r: r.index)
    counts = {
        kind: sum(r.result == kind for r in results) for kind in ("created", "held", "rejected", "duplicate")
    }
    return 200, OrderBatchOut(results=results, **counts).model_dump(mode="json"), None


@router.post(
    "/orders/batch", response={200: OrderBatchOut, **WRITE_ERRORS}, summary="Create up to 100 orders at once"
)
def create_orders(
    request: HttpRequest,
    payload: OrderBatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """Up to 100 orders, each with the same checks, holds and allocation as `POST /orders`, created in
    one transaction; each answers on its own (`created`, `held`, `rejected` with its errors, or
    `duplicate` when its channel order id was already imported). With an `Idempotency-Key`, repeating
    the request answers the first answer."""
    if not request.user.has_perm("orders.add_order"):
        raise PermissionDenied("Your role does not create orders.")
    if idempotency_key is None:
        return Status(*_batch_create(request, payload)[:2])
    status, body, _replayed = answer_once(
        user=request.user,
        key=idempotency_key,
        operation="POST /orders/batch",
        canonical_body=payload.model_dump_json(),
        run=lambda: _batch_create(request, payload),
    )
    return Status(status, body)
