"""Reads for the connection pages: every connection's health in one query, a connection's sync log page
by page (keyset, newest first), and what a shop order's page shows of its shop."""

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

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


def _count(rows: QuerySet) -> Subquery:
    """COUNT of a correlated subquery: a plain Func, so that no GROUP BY is added to it."""
    counted = rows.order_by().annotate(counted=Func(F("pk"), function="COUNT")).values("counted")
    return Subquery(counted, output_field=IntegerField())


@dataclass(frozen=True)
class Health:
    last_webhook_at: datetime | None
    last_poll_at: datetime | None
    last_poll_state: str | None  # SyncRun.State of the newest poll
    orders_today: int
    failed_24h: int
    refused_signatures: int  # webhooks refused for a bad signature, when the last was within 24 h
    backlog: int  # deliveries waiting to be applied
    pushes_pending: int
    pushes_failed: int

    @property
    def last_poll_state_label(self) -> str:
        return SyncRun.State(self.last_poll_state).label if self.last_poll_state else ""

    @property
    def troubled(self) -> bool:
        return bool(
            self.failed_24h
            or self.refused_signatures
            or self.pushes_failed
            or self.last_poll_state == SyncRun.State.FAILED
        )


def local_day_start(now: datetime | None = None) -> datetime:
    """Midnight of today in the current (the user's) time zone."""
    today = timezone.localdate(now)
    return timezone.make_aware(datetime.combine(today, time.min))


def connections_with_health(*, now: datetime | None = None) -> QuerySet[Connection]:
    """Connections with their health figures annotated, each a subquery of the one statement (every
    count runs on an index: the sync log's by connection and time, the backlog's partial index)."""
    now = now or timezone.now()
    day_ago = now - timedelta(hours=24)
    deliveries = Delivery.objects.filter(connection=OuterRef("pk"))
    pushes = TrackingPush.objects.filter(connection=OuterRef("pk"))
    return Connection.objects.select_related("warehouse", "channel").annotate(
        newest_webhook_at=Subquery(
            deliveries.filter(source=Delivery.Source.WEBHOOK)
            .order_by("-received_at")
            .values("received_at")[:1]
        ),
        newest_poll_state=Subquery(
            SyncRun.objects.filter(connection=OuterRef("pk"), kind=SyncRun.Kind.POLL)
            .order_by("-started_at", "-id")
            .values("state")[:1]
        ),
        orders_today=_count(
            Order.objects.filter(
                channel=OuterRef("channel_id"), created_at__gte=local_day_start(now), is_deleted=False
            )
        ),
        failed_24h=_count(deliveries.filter(state=Delivery.State.FAILED, received_at__gte=day_ago)),
        backlog=_count(deliveries.filter(state=Delivery.State.RECEIVED)),
        pushes_pending=_count(pushes.filter(state=TrackingPush.State.PENDING)),
        pushes_failed=_count(pushes.filter(state=TrackingPush.State.FAILED)),
        refused_recently=ExpressionWrapper(Q(last_rejected_at__gte=day_ago), output_field=BooleanField()),
    )


def health_of(connection: Connection) -> Health:
    """The Health of a connection read through connections_with_health()."""
    return Health(
        last_webhook_at=connection.newest_webhook_at,
        last_poll_at=connection.last_poll_at,
        last_poll_state=connection.newest_poll_state,
        orders_today=connection.orders_today,
        failed_24h=connection.failed_24h,
        refused_signatures=connection.rejected_deliveries if connection.refused_recently else 0,
        backlog=connection.backlog,
        pushes_pending=connection.pushes_pending,
        pushes_failed=connection.pushes_failed,
    )


def connection_list() -> list[Connection]:
    connections = list(connections_with_health())
    for connection in connections:
        connection.health = health_of(connection)
    return connections


def connection_page(pk: int) -> Connection | None:
    connection = connections_with_health().filter(pk=pk).first()
    if connection is not None:
        connection.health = health_of(connection)
    return connection


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
