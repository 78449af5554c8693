"""The JSON API's orders (issue 18). Thin: parse, call the selector or service the pages call, serialise.
Visibility is orders_visible_to's (an order the token's user may not see is 404), permissions are the
pages' own, and refusals carry the pages' sentences (config/api/problems.py)."""

import base64
import binascii
import re
from contextlib import nullcontext
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Header, Query, Router, Status
from ninja.errors import ValidationError

from config.api import auth
from config.api.problems import Problem, invalid
from orders import selectors, timeline
from orders.api_idempotency import answer_once
from orders.api_schemas import OrderCreateIn, OrderListQuery, OrderOut, OrderPageOut, TimelineEntryOut
from orders.api_serialise import order_out, order_summary
from orders.filters import OrderFilter
from orders.inputs import LineInput, OrderInput
from orders.models import Channel, Customer, Order
from orders.models import Status as OrderStatus
from orders.services.create import order_create
from orders.services.customers import customer_create
from orders.workflow import Stage

router = Router(tags=["orders"], auth=auth.read)

ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}
WRITE_ERRORS = ERRORS | {400: Problem, 409: Problem}
_NUMBER = re.compile(r"^(?:[A-Za-z]{1,5}-?)?(\d{1,18})$")
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)
LIST_FIELDS = (
    "number", "channel__code", "channel__name", "channel_order_id", "channel_order_number",
    "status__code", "status__label", "status__stage", "customer_name", "customer_email",
    "payment_method", "currency", "total", "amount_paid", "tags", "version", "created_at", "updated_at",
)  # fmt: skip


def _encode_cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> str:
    """The list's own "created_at|id" (or "updated_at|id") cursor; a 422 naming the parameter for
    anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        selectors.parse_cursor(sort, raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid(
            ("cursor", "This cursor is not one this list gave; start again without it."), source="query"
        ) from None
    return raw


def _by_code(model, code: str | None, field: str):
    if code is None:
        return None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise invalid((field, f"No {field} has the code {code!r}."), source="query")
    return found


def _user_id(username: str | None, field: str) -> int | str:
    """The user's id for the list's CSR and agent filters, which check that they are assignable."""
    if username is None:
        return ""
    user = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    if user is None:
        raise invalid((field, f"No user is called {username!r}."), source="query")
    return user


@router.get(
    "/orders",
    response={200: OrderPageOut, **ERRORS},
    summary="List orders, newest first (with updated_since: least recently changed first)",
)
def list_orders(request: HttpRequest, query: Query[OrderListQuery]):
    """Cursor paging (no page numbers, no total): follow `next_cursor` until it is null. With
    `updated_since`, the orders changed since then in the order of their last change, oldest first."""
    orders = selectors.orders_for_tab(request.user, query.stage or "all")
    if query.on_hold is not None:
        orders = orders.filter(stage=Stage.ON_HOLD) if query.on_hold else orders.exclude(stage=Stage.ON_HOLD)
    if query.updated_since is not None:
        since = query.updated_since if query.updated_since.tzinfo else query.updated_since.replace(tzinfo=UTC)
        if not EARLIEST <= since < LATEST:
            raise invalid(("updated_since", "Give a time between 1900 and 2999."), source="query")
        orders = orders.filter(updated_at__gte=since)
    # The list page's own filters (orders/filters.py), fed with the same parameters it reads.
    names = {"tags": "tag", "has_hold": "hold_reason", "assigned_csr": "csr", "assigned_agent": "agent"}
    channel = _by_code(Channel, query.channel, "channel")
    status = _by_code(OrderStatus, query.status, "status")
    data = {
        "q": query.q or "",
        "channel": channel.pk if channel else "",
        "status": status.pk if status else "",
        "created_after": query.created_after.isoformat() if query.created_after else "",
        "created_before": query.created_before.isoformat() if query.created_before else "",
        "tags": query.tag or "",
        "has_hold": query.hold_reason or "",
        "assigned_csr": _user_id(query.csr, "csr"),
        "assigned_agent": _user_id(query.agent, "agent"),
    }
    filters = OrderFilter({key: value for key, value in data.items() if value != ""}, queryset=orders)
    if not filters.form.is_valid():
        raise ValidationError(
            [
                {"loc": ["query", names.get(field, field)], "msg": " ".join(messages)}
                for field, messages in filters.form.errors.items()
            ]
        )
    orders = filters.qs.select_related("channel", "status").only(*LIST_FIELDS)
    sort = "updated" if query.updated_since is not None else "-created"
    after = _decode_cursor(query.cursor, sort) if query.cursor else ""
    page = selectors.keyset_page(orders, sort=sort, after=after, size=query.limit)
    return {
        "items": [order_summary(order) for order in page.rows],
        "next_cursor": _encode_cursor(page.next_cursor) if page.next_cursor else None,
    }


def visible_order(request: HttpRequest, number: str) -> Order:
    matched = _NUMBER.match(number.strip())
    if not matched:
        raise Http404("No such order.")
    try:
        return selectors.order_for(request.user, int(matched.group(1)))
    except Http404:
        raise Http404(f"No order {number} that you can see.") from None


@router.get("/orders/{number}", response={200: OrderOut, **ERRORS}, summary="Get an order by its number")
def get_order(request: HttpRequest, number: str, response: HttpResponse):
    """`number` as shown (PL-100042) or its digits (100042). The `ETag` is the order's version: send it
    back as `If-Match` to change the order."""
    order = visible_order(request, number)
    response["ETag"] = f'"{order.version}"'
    return order_out(order)


@router.get(
    "/channels/{channel}/orders/{path:channel_order_id}",
    response={200: OrderOut, **ERRORS},
    summary="Get an order by its channel and the channel's order id",
)
def get_order_by_channel_id(request: HttpRequest, channel: str, channel_order_id: str):
    if "\x00" in channel + channel_order_id:  # no id holds one (PostgreSQL text cannot)
        raise Http404("No such order.")
    order = (
        selectors.orders_visible_to(request.user, deleted=None)
        .filter(channel__code=channel[:40], channel_order_id=channel_order_id[:100])
        .first()
    )
    if order is None:
        raise Http404(f"No {channel} order {channel_order_id} that you can see.")
    return order_out(order)


@router.get(
    "/orders/{number}/timeline",
    response={200: list[TimelineEntryOut], **ERRORS},
    summary="An order's timeline",
)
def order_timeline(request: HttpRequest, number: str):
    """Everything that happened to the order, newest first (SPEC 2.4)."""
    order = visible_order(request, number)
    return [
        {
            "at": entry.at,
            "type": entry.type,
            "actor": entry.actor,
            "params": entry.params,
            "is_status_change": entry.is_status_change,
        }
        for entry in timeline.order_timeline(order)
    ]


def _order_input(request: HttpRequest, payload: OrderCreateIn) -> OrderInput:
    if (payload.customer_id is None) == (payload.customer is None):
        raise invalid(("customer_id", "Give customer_id or customer, not both or neither."))
    if payload.customer is not None:
        customer = customer_create(
            **payload.customer.model_dump(),
            address=payload.shipping_address.model_dump() if payload.shipping_address else None,
            actor=request.user,
        )
    else:
        customer = Customer.objects.filter(pk=payload.customer_id).first()
        if customer is None:
            raise invalid(("customer_id", "No customer has this id."))
    channel = None
    if payload.channel is not None:
        channel = Channel.objects.filter(code=payload.channel).first()
        if channel is None:
            raise invalid(("channel", f"No channel has the code {payload.channel!r}."))
    fields = payload.model_dump(
        exclude={"customer_id", "customer", "lines", "channel", "shipping_address", "billing_address"}
    )
    return OrderInput(
        customer=customer,
        lines=[LineInput(**line.model_dump()) for line in payload.lines],
        channel=channel,
        shipping_address=payload.shipping_address.model_dump() if payload.shipping_address else {},
        billing_address=payload.billing_address.model_dump() if payload.billing_address else {},
        **{**fields, "currency": fields["currency"] or "", "channel_order_id": fields["channel_order_id"]},
    )


@router.post(
    "/orders",
    auth=auth.write,
    response={201: OrderOut, **WRITE_ERRORS},
    summary="Create an order",
)
def create_order(
    request: HttpRequest,
    payload: OrderCreateIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """The same creation as the order form: the checks put incomplete orders on hold, hold rules run,
    stock is allocated. With an `Idempotency-Key`, repeating the request answers the first answer."""
    if not request.user.has_perm("orders.add_order"):
        raise PermissionDenied("Your role does not create orders.")

    def run() -> tuple[int, dict, Order]:
        # A customer given inline is created in the same transaction as the order: never one without
        # the other. An existing customer needs no transaction around order_create's own.
        inline_customer = transaction.atomic() if payload.customer is not None else nullcontext()
        with inline_customer:
            order = order_create(data=_order_input(request, payload), actor=request.user, source="api")
        # Answered from what order_create wrote, not read again; visibility is still the list's rule.
        if not selectors.orders_visible_to(request.user).filter(pk=order.pk).exists():
            raise Http404("No such order")
        return 201, order_out(order).model_dump(mode="json"), order

    if idempotency_key is None:
        status, body, _order_row = run()
        replayed = False
    else:
        status, body, replayed = answer_once(
            user=request.user,
            key=idempotency_key,
            operation="POST /orders",
            canonical_body=payload.model_dump_json(),
            run=run,
        )
    response["Location"] = f"{request.path.rstrip('/')}/{body['number']}"
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(status, body)
