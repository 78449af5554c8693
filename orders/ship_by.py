"""Ship-by deadlines: the one place that decides when an order that became ready must ship.

The order's channel's own deadline (TikTok's SLA, eBay's shipByDate) wins and is never replaced. Otherwise
the most specific of the managers' ShipByRules applies (channel and method > channel > method > any):
ready before its cut-off on a working day, the order ships that day; else on the next working day; then
the rule's extra working days. The deadline is the end of that day in the calendar's time zone. The
calendar is the rule's warehouse's, else the order's warehouse's, else the default warehouse's; without
any, Monday to Friday in the installation's time zone. No rule: no deadline.

Single creation, batched creation and the status transitions all ask `ship_by_deadline` with a
`ShipByBook` (rules and calendars read once), so they decide alike (tests/orders/test_ship_by_rules.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from orders.models import Order, ShipByRule, Warehouse
from orders.reference import order_reference
from orders.workflow import Stage

END_OF_DAY = time(23, 59, 59)
# A calendar with no working day (or a year of holidays) has no deadline rather than an endless search.
SEARCH_DAYS = 400


@dataclass(frozen=True, slots=True)
class Calendar:
    weekdays: frozenset[int]
    holidays: frozenset[date]
    zone: ZoneInfo

    @classmethod
    def of(cls, warehouse: Warehouse | None) -> "Calendar":
        if warehouse is None:
            return cls(frozenset(range(5)), frozenset(), timezone.get_default_timezone())
        zone = ZoneInfo(warehouse.time_zone) if warehouse.time_zone else timezone.get_default_timezone()
        return cls(frozenset(warehouse.working_weekdays), frozenset(warehouse.holidays), zone)

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def next_working(self, day: date) -> date | None:
        """The first working day after `day`."""
        for _ in range(SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_working(day):
                return day
        return None


class ShipByBook:
    """The rules and warehouse calendars, read once (per request, per import, per mass change)."""

    def __init__(self, rules: list[ShipByRule] | None = None):
        self.rules = order_reference().ship_by_rules if rules is None else rules
        self.calendars: dict[int, Calendar] | None = None  # read when a rule first applies
        self.default_calendar = Calendar.of(None)

    def calendar(self, warehouse_id: int | None) -> Calendar:
        if self.calendars is None:
            warehouses = list(Warehouse.objects.all())
            self.calendars = {warehouse.pk: Calendar.of(warehouse) for warehouse in warehouses}
            default = next((warehouse for warehouse in warehouses if warehouse.is_default), None)
            self.default_calendar = Calendar.of(default)
        return self.calendars.get(warehouse_id, self.default_calendar)


def rule_for(rules: list[ShipByRule], *, channel_id: int | None, shipping_method: str) -> ShipByRule | None:
    """The most specific rule for an order: a rule's channel and method, when set, must match (the method
    in any case); a matching channel counts more than a matching method."""
    method = shipping_method.strip().casefold()
    best, best_score = None, -1
    for rule in rules:
        if rule.channel_id is not None and rule.channel_id != channel_id:
            continue
        if rule.shipping_method and rule.shipping_method.strip().casefold() != method:
            continue
        score = 2 * (rule.channel_id is not None) + bool(rule.shipping_method)
        if score > best_score:
            best, best_score = rule, score
    return best


def deadline_by_rule(rule: ShipByRule, calendar: Calendar, ready_at: datetime) -> datetime | None:
    """The end of the working day the order ships on, as `rule` counts it from `ready_at` (aware)."""
    local = ready_at.astimezone(calendar.zone)
    day = local.date()
    if not (calendar.is_working(day) and local.time() < rule.cutoff):
        day = calendar.next_working(day)
    for _ in range(rule.extra_days):
        if day is None:
            break
        day = calendar.next_working(day)
    if day is None:
        return None
    return datetime.combine(day, END_OF_DAY, tzinfo=calendar.zone)


def ship_by_deadline(
    *,
    book: ShipByBook,
    ready_at: datetime,
    channel_id: int | None,
    shipping_method: str,
    warehouse_id: int | None,
    current: datetime | None = None,
) -> datetime | None:
    """The order's ship-by once it is ready at `ready_at`: its `current` one (the channel's) when it has
    one, else the most specific rule's, else none."""
    if current is not None:
        return current
    rule = rule_for(book.rules, channel_id=channel_id, shipping_method=shipping_method)
    if rule is None:
        return None
    calendar = book.calendar(rule.warehouse_id if rule.warehouse_id else warehouse_id)
    return deadline_by_rule(rule, calendar, ready_at)


def ship_by_for_new(order, *, book: ShipByBook) -> None:
    """Set the ship-by of an order being created (a model or a batch's PlannedOrder) when it arrives ready."""
    if order.stage == Stage.PROCESSING and order.ship_by is None:
        order.ship_by = ship_by_deadline(
            book=book,
            ready_at=order.created_at,
            channel_id=order.channel.pk if order.channel is not None else None,
            shipping_method=order.shipping_method,
            warehouse_id=order.warehouse_id,
        )


def ship_by_on_ready(*, order_ids: list[int], ready_at: datetime | None = None) -> dict[int, datetime]:
    """Orders that just moved into processing get their ship-by, unless they have one (the channel's, or
    one given when they were first ready). One read and one UPDATE for the lot; call in the transaction
    that moved them. Returns the deadlines set, by order id."""
    if not order_ids:
        return {}
    ready_at = ready_at or timezone.now()
    pending = list(
        Order.objects.filter(pk__in=order_ids, ship_by__isnull=True).values_list(
            "pk", "channel_id", "shipping_method", "warehouse_id"
        )
    )
    if not pending:
        return {}
    book = ShipByBook()
    deadlines = {}
    for pk, channel_id, method, warehouse_id in pending:
        deadline = ship_by_deadline(
            book=book,
            ready_at=ready_at,
            channel_id=channel_id,
            shipping_method=method,
            warehouse_id=warehouse_id,
        )
        if deadline is not None:
            deadlines[pk] = deadline
    if not deadlines:
        return deadlines
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order o SET ship_by = d.ship_by FROM unnest(%s::bigint[], %s::timestamptz[]) "
            "AS d(id, ship_by) WHERE o.id = d.id AND o.ship_by IS NULL",
            [list(deadlines), list(deadlines.values())],
        )
    return deadlines
