"""The dashboard's reads: every order tile's count in one statement, through the order list's own
filters and orders_visible_to, and the week's activity for the charts from the hourly summary.

Counts are capped like the list's (COUNT_CAP): each walks at most COUNT_CAP + 1 entries of a partial
index, whatever the number of orders (docs/architecture.md, "The dashboard")."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Count
from django.db.models.functions import Trunc
from django.utils import timezone

from orders.dashboard.activity import activity_since
from orders.dashboard.registry import SECTIONS, Tile, tiles_for
from orders.filters import OrderFilter
from orders.models import Channel, Order, OrderEvent
from orders.querysets import SHIPPED_EVENT
from orders.selectors import COUNT_CAP, orders_for_tab, orders_visible_to

CHART_ROLES = ("superadmin", "manager", "csr")
CHART_HOURS = 7 * 24


@dataclass
class TileView:
    tile: Tile
    count: int | None  # an order tile's capped count; a page tile's own count, if any

    @property
    def shown(self) -> str:
        if self.tile.value:
            return self.tile.value
        return f"{COUNT_CAP:,}+" if self.count > COUNT_CAP else f"{self.count:,}"


@dataclass
class Activity:
    """Orders created and shipped per hour over the last seven days, and created per channel."""

    hours: list[datetime]
    created: list[int]
    shipped: list[int]
    channels: list[tuple[str, int]]

    def chart_data(self) -> dict:
        return {
            "hours": [hour.isoformat() for hour in self.hours],
            "created": self.created,
            "shipped": self.shipped,
            "channels": [name for name, _count in self.channels],
            "channel_counts": [count for _name, count in self.channels],
        }

    def days(self) -> list[tuple[str, int, int]]:
        """Per day, for the table beside the chart: (day, created, shipped)."""
        totals: dict[str, list[int]] = {}
        for hour, created, shipped in zip(self.hours, self.created, self.shipped, strict=True):
            day = totals.setdefault(f"{timezone.localtime(hour):%a %d %b}", [0, 0])
            day[0] += created
            day[1] += shipped
        return [(day, created, shipped) for day, (created, shipped) in totals.items()]


@dataclass
class Dashboard:
    sections: list[tuple[str, list[TileView]]] = field(default_factory=list)
    activity: Activity | None = None


def tile_orders(user, tile: Tile, filters: OrderFilter | None = None):
    """The orders the list shows for a tile's query: the tab's visible orders, through the list's filters."""
    query = dict(tile.query)
    tab = query.pop("tab", "all")
    return (filters or OrderFilter(queryset=Order.objects.none())).filter_by(orders_for_tab(user, tab), query)


def order_list_counts(user, tiles: list[Tile]) -> list[int]:
    """Each tile's capped count, as the list it links to counts it, in one statement."""
    if not tiles:
        return []
    filters = OrderFilter(
        queryset=Order.objects.none()
    )  # one set of the list's filters and fields for every tile
    parts, params = [], []
    for tile in tiles:
        orders = tile_orders(user, tile, filters)
        sql, tile_params = orders.order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS tile)")
        params.extend(tile_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return list(cursor.fetchone())


def activity(user, now: datetime) -> Activity:
    """The last CHART_HOURS hours (the current one included) of the orders the user may see: from the
    hourly summary (orders/dashboard/activity.py) for those who see every live order, else counted."""
    last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [last - timedelta(hours=offset) for offset in range(CHART_HOURS - 1, -1, -1)]
    if user.has_perm("orders.view_all_orders"):
        counts = activity_since(hours[0])
    else:
        counts = activity_counted(orders_visible_to(user), hours[0])
    created, shipped, per_channel = Counter(), Counter(), Counter()
    for (hour, channel_id), (created_count, shipped_count) in counts.items():
        created[hour] += created_count
        shipped[hour] += shipped_count
        per_channel[channel_id] += created_count
    names = dict(Channel.objects.values_list("pk", "name"))
    return Activity(
        hours=hours,
        created=[created[hour] for hour in hours],
        shipped=[shipped[hour] for hour in hours],
        channels=sorted(
            ((names[pk], count) for pk, count in per_channel.items() if count), key=lambda row: -row[1]
        ),
    )


def activity_counted(orders, start: datetime) -> dict[tuple[datetime, int], tuple[int, int]]:
    """What activity_since() reads from the summary, counted from `orders` and their timeline instead:
    for those who see only some orders (the summary counts every live order), and the yardstick the
    tests hold the summary to."""
    counts: dict[tuple[datetime, int], list[int]] = {}
    created_rows = (
        orders.filter(created_at__gte=start)
        .annotate(hour=Trunc("created_at", "hour", tzinfo=UTC))
        .values("hour", "channel_id")
        .annotate(orders=Count("pk"))
        .order_by()
    )
    for row in created_rows:
        counts.setdefault((row["hour"], row["channel_id"]), [0, 0])[0] += row["orders"]
    shipped_rows = (
        OrderEvent.objects.filter(SHIPPED_EVENT, created_at__gte=start, order__in=orders)
        .annotate(hour=Trunc("created_at", "hour", tzinfo=UTC))
        .values("hour", "order__channel_id")
        .annotate(orders=Count("pk"))
        .order_by()
    )
    for row in shipped_rows:
        counts.setdefault((row["hour"], row["order__channel_id"]), [0, 0])[1] += row["orders"]
    return {key: (created, shipped) for key, (created, shipped) in counts.items()}


def dashboard_for(user, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    tiles = tiles_for(user, now)
    order_tiles = [tile for tile in tiles if tile.is_order_list]
    counts = dict(zip((tile.key for tile in order_tiles), order_list_counts(user, order_tiles), strict=True))
    views = [TileView(tile, counts[tile.key] if tile.is_order_list else tile.count) for tile in tiles]
    views = [view for view in views if not (view.tile.hide_when_zero and not view.count)]
    dashboard = Dashboard(
        sections=[
            (section, shown)
            for section in SECTIONS
            if (shown := [view for view in views if view.tile.section == section])
        ]
    )
    if user.role in CHART_ROLES:
        dashboard.activity = activity(user, now)
    return dashboard
