"""The dashboard's reads: every order tile's count in one statement, through the order list's own
filters and orders_visible_to, and the week's activity for the charts in two more.

Counts are capped like the list's (COUNT_CAP): each walks at most COUNT_CAP + 1 entries of a partial
index, whatever the number of orders (docs/architecture.md, "The dashboard")."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count
from django.db.models.functions import Trunc
from django.utils import timezone

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
    """The last CHART_HOURS hours (the current one included) of the orders the user may see."""
    last = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    hours = [last - timedelta(hours=offset) for offset in range(CHART_HOURS - 1, -1, -1)]
    start = hours[0]
    zone = timezone.get_current_timezone()
    created_rows = (
        orders_visible_to(user)
        .filter(created_at__gte=start)
        .annotate(hour=Trunc("created_at", "hour", tzinfo=zone))
        .values("hour", "channel_id")
        .annotate(orders=Count("pk"))
        .order_by()
    )
    created, per_channel = Counter(), Counter()
    for row in created_rows:
        created[row["hour"]] += row["orders"]
        per_channel[row["channel_id"]] += row["orders"]
    shipped_rows = (
        OrderEvent.objects.filter(SHIPPED_EVENT, created_at__gte=start, order__in=orders_visible_to(user))
        .annotate(hour=Trunc("created_at", "hour", tzinfo=zone))
        .values("hour")
        .annotate(orders=Count("pk"))
        .order_by()
    )
    shipped = Counter({row["hour"]: row["orders"] for row in shipped_rows})
    names = dict(Channel.objects.values_list("pk", "name"))
    return Activity(
        hours=hours,
        created=[created[hour] for hour in hours],
        shipped=[shipped[hour] for hour in hours],
        channels=sorted(((names[pk], count) for pk, count in per_channel.items()), key=lambda row: -row[1]),
    )


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
