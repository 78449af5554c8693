"""Reads for the connection pages: every connection with its health (health.py), a connection's sync log page
by page (keyset, newest first), and what a shop order's page shows of its shop."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from channels.connections import health
from channels.connections.models import Connection, SyncRun
from channels.intake.models import Delivery
from channels.tracking.models import TrackingPush
from orders import bounds
from orders.models import Order

# What a manager subscribes to in the shop's admin (the webhook door takes any topic; these carry
# orders). Shopify: Settings > Notifications > Webhooks; WooCommerce: Settings > Advanced > Webhooks.
WEBHOOK_TOPICS: dict[str, tuple[str, ...]] = {
    "shopify": ("orders/create", "orders/updated", "orders/paid", "orders/cancelled"),
    "woocommerce": ("order.created", "order.updated", "order.deleted", "order.restored"),
}
# The sync log's filter: what a manager looks for, as the states it means.
LOG_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "all": ("All", ()),
    "failed": ("Failed", (Delivery.State.FAILED,)),
    "skipped": ("Skipped", (Delivery.State.SKIPPED,)),
    "waiting": ("Waiting", (Delivery.State.RECEIVED,)),
}
LOG_PAGE_SIZE = 50
SHOWN_RUNS = 10
SHOWN_PUSHES = 50
SHOWN_BODY_CHARS = 500_000


def connection_list() -> list[Connection]:
    """Every connection with its .health (channels/connections/health.py), in one statement."""
    return health.with_health()


def connection_page(pk: int) -> Connection | None:
    rows = health.with_health(pk=pk)
    return rows[0] if rows else None


def recent_runs(connection: Connection) -> list[SyncRun]:
    return list(SyncRun.objects.filter(connection=connection).select_related("started_by")[:SHOWN_RUNS])


def open_pushes(connection: Connection) -> list[TrackingPush]:
    """Tracking pushes still to be sent or given up on, with the order each belongs to."""
    return list(
        TrackingPush.objects.filter(
            connection=connection, state__in=(TrackingPush.State.PENDING, TrackingPush.State.FAILED)
        )
        .select_related("order")
        .only(
            "state", "attempts", "next_attempt_at", "last_error", "created_at", "connection_id",
            "order__number", "order__channel_order_number",
        )[:SHOWN_PUSHES]
    )  # fmt: skip


@dataclass
class LogPage:
    rows: list[Delivery]
    state: str  # a key of LOG_FILTERS
    next_cursor: str | None  # older rows
    is_first: bool


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    """The (received_at, id) a cursor "time|id" names, or None when it names none a row could have."""
    raw_time, _, raw_id = cursor.rpartition("|")
    pk = bounds.parse_id(raw_id)
    if pk is None or not raw_time.isascii():
        return None
    try:
        value = datetime.fromisoformat(raw_time)
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value, pk


def sync_log(connection: Connection, *, state: str = "all", after: str = "") -> LogPage:
    """One page of the connection's deliveries, newest first, older than the cursor `after`."""
    if state not in LOG_FILTERS:
        state = "all"
    rows = Delivery.objects.filter(connection=connection)
    states = LOG_FILTERS[state][1]
    if states:
        rows = rows.filter(state__in=states)
    position = _parse_cursor(after) if after else None
    if position is not None:
        received_at, pk = position
        rows = rows.filter(
            Q(received_at__lt=received_at) | Q(received_at=received_at, pk__lt=pk),
            received_at__lte=received_at,
        )
    rows = (
        rows.select_related("order")
        .only(
            "source", "delivery_id", "topic", "state", "outcome", "platform_order_id", "attempts",
            "received_at", "processed_at", "connection_id", "order__number",
        )
        .order_by("-received_at", "-pk")
    )  # fmt: skip
    page = list(rows[: LOG_PAGE_SIZE + 1])
    more = len(page) > LOG_PAGE_SIZE
    page = page[:LOG_PAGE_SIZE]
    last = page[-1] if page else None
    next_cursor = f"{last.received_at.isoformat()}|{last.pk}" if more and last else None
    return LogPage(rows=page, state=state, next_cursor=next_cursor, is_first=position is None)


def pretty_json(text: str) -> tuple[str, bool]:
    """A body as people read it: indented JSON when it is JSON (else as it came), and whether it was
    cut to SHOWN_BODY_CHARS. The template escapes it."""
    try:
        shown = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        shown = text
    return shown[:SHOWN_BODY_CHARS], len(shown) > SHOWN_BODY_CHARS


def pretty_payload(payload) -> str:
    try:
        return json.dumps(payload, indent=2, ensure_ascii=False, default=str)[:SHOWN_BODY_CHARS]
    except (ValueError, TypeError, RecursionError):
        return str(payload)[:SHOWN_BODY_CHARS]


def order_shop(order: Order, *, with_payload: bool) -> dict | None:
    """What the order page shows of the shop an order came from; None when its channel has no
    connection (read without a query when the channel's kind is not a marketplace's)."""
    from channels.marketplaces import KINDS

    if order.channel.kind not in KINDS:
        return None
    connection = (
        Connection.objects.filter(channel_id=order.channel_id)
        .only("id", "kind", "name", "channel_id")
        .first()
    )
    if connection is None:
        return None
    pushes = list(
        TrackingPush.objects.filter(order=order)
        .select_related("shipment")
        .only(
            "state", "attempts", "last_error", "next_attempt_at", "sent_at", "created_at", "order_id",
            "connection_id", "shipment__carrier", "shipment__tracking_number",
        )
    )  # fmt: skip
    payload = None
    if with_payload and order.channel_order_id:
        link = (
            connection.links.filter(platform_order_id=order.channel_order_id)
            .only("payload", "applied_updated_at")
            .first()
        )
        if link is not None and link.payload:
            payload = pretty_payload(link.payload)
    return {"connection": connection, "pushes": pushes, "payload": payload}
