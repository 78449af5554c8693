"""Every read that views, exports and the API share. Visibility always starts at orders_visible_to().

The order list's keyset paging and its cursor checks, the tab counts and the order page's one-pass
reads are each tuned for SPEC 7's budgets and read best next to each other; the timeline's own reads
are in orders/timeline.py."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404

from orders import bounds
from orders.models import Order, OrderHold, OrderLine, Status, Warehouse
from orders.timeline import TimelineEntry, timeline_and_people
from orders.workflow import Stage

COUNT_CAP = 1000


def orders_visible_to(user, *, deleted: bool | None = False) -> QuerySet[Order]:
    return Order.objects.visible_to(user, deleted=deleted)


ORDER_RELATED = ("channel", "status", "customer", "assigned_csr", "assigned_agent", "warehouse")


def order_for(user, number: int, *, related: tuple[str, ...] = ORDER_RELATED) -> Order:
    """The order with this number if the user may see it (deleted ones for restorers); 404 otherwise.
    Numbers are unique: get() needs no ORDER BY. held_from is read only for held orders."""
    try:
        return orders_visible_to(user, deleted=None).select_related(*related).get(number=number)
    except Order.DoesNotExist:
        raise Http404("No such order") from None


@dataclass
class OrderPage:
    """What the order page shows besides the order itself."""

    order: Order  # with its lines as order.line_list, which fulfilment's panel reads too
    holds: list[OrderHold]
    timeline: list[TimelineEntry]
    statuses: list[Status]  # every status, in their order
    warehouses: list[Warehouse]  # the active ones, for moving lines


def order_page(user, number: int) -> OrderPage:
    """The order with its lines, active holds and timeline, in a fixed number of queries.

    The small tables (statuses, warehouses) and the people the page names (its CSR and agent, the
    timeline's actors) are read once each and shared by the order, its lines and the timeline, rather
    than joined to each: the order alone took 2.6 ms to plan with its six joins (SPEC 7's budget).
    """
    order = order_for(user, number, related=("channel", "customer"))
    statuses = list(Status.objects.all())
    warehouses = list(Warehouse.objects.all())
    status_by_pk = {status.pk: status for status in statuses}
    warehouse_by_pk = {warehouse.pk: warehouse for warehouse in warehouses}
    order.status = status_by_pk[order.status_id]
    order.held_from = status_by_pk.get(order.held_from_id)
    order.warehouse = warehouse_by_pk.get(order.warehouse_id)
    order.line_list = list(OrderLine.objects.filter(order=order))
    for line in order.line_list:
        line.warehouse = warehouse_by_pk.get(line.warehouse_id)
    holds = list(OrderHold.objects.filter(order=order, released_at__isnull=True))
    timeline, people = timeline_and_people(order, statuses=status_by_pk, warehouses=warehouse_by_pk)
    order.assigned_csr = people.get(order.assigned_csr_id)
    order.assigned_agent = people.get(order.assigned_agent_id)
    return OrderPage(
        order=order,
        holds=holds,
        timeline=timeline,
        statuses=statuses,
        warehouses=[warehouse for warehouse in warehouses if warehouse.active],
    )


# Search -------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*(?:[A-Za-z]{1,5}-?)?(\d{1,18})\s*$")
_WORD = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+")


def search_orders(orders: QuerySet[Order], term: str) -> QuerySet[Order]:
    """Packline number, channel number, customer name, email, phone, SKU, PO number, tracking number."""
    term = term.strip()[:200]
    if not term:
        return orders
    condition = Q(channel_order_number=term) | Q(po_number=term)
    number = _NUMBER.match(term)
    if number:
        condition |= Q(number=int(number.group(1)))
    words = [word.lower() for word in _WORD.findall(term)][:8]
    if words:
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")
        condition |= Q(search_vector=query)
    return orders.filter(condition)


# The list -----------------------------------------------------------------------------------------

# "Due today" and "Late": not shipped, ship-by later today / passed (OrderQuerySet.due_today / late).
SHIP_BY_TABS = {"due_today": "Due today", "late": "Late"}
TABS: list[tuple[str, str]] = (
    [("all", "All"), *SHIP_BY_TABS.items()]
    + [(stage.value, stage.label) for stage in Stage]
    + [("deleted", "Deleted")]
)

SORTS = {
    "created": ("created_at", "Date"),
    "number": ("number", "Number"),
    "total": ("total", "Total"),
    "ship_by": ("ship_by", "Ship by"),  # may be empty: orders without one come last either way
}
# Walks only the API offers (the pages' sort choices are SORTS): changes oldest first, for the API's
# updated_since. Filtered and ordered by updated_at, its plan is the index order_live_updated whatever
# the time given, also once PostgreSQL plans the prepared statement generically (config/postgresql):
# ordered by created_at, a generic plan walks order_live_created and filters a million rows.
WALKS = SORTS | {"updated": ("updated_at", "Last change")}
NULLABLE_SORTS = frozenset({"ship_by"})


def orders_for_tab(user, tab: str) -> QuerySet[Order]:
    if tab == "deleted":
        return orders_visible_to(user, deleted=True)
    orders = orders_visible_to(user)
    if tab in Stage.values:
        orders = orders.in_stage(tab)
    elif tab == "late":
        orders = orders.late()
    elif tab == "due_today":
        orders = orders.due_today()
    return orders


def tabs_for(user) -> list[tuple[str, str]]:
    return [(key, label) for key, label in TABS if key != "deleted" or user.has_perm("orders.restore_order")]


def capped_count(orders: QuerySet) -> int:
    """Count up to COUNT_CAP + 1 rows: "1,000+" is all a busy list needs (no COUNT(*) over 1M rows)."""
    return orders.order_by().values("pk")[: COUNT_CAP + 1].count()


def tab_counts(user) -> dict[str, int]:
    """Capped counts for every tab in one query. The visible orders' SQL is compiled once (through
    orders_visible_to, the one place that decides visibility) and each stage tab counts inside it:
    PostgreSQL flattens the subquery, so every count still walks its partial index."""
    tabs = tabs_for(user)
    visible_sql, visible_params = (
        orders_visible_to(user).order_by().values("pk", "stage").query.sql_with_params()
    )
    parts, params = [], []
    for key, _label in tabs:
        if key == "deleted" or key in SHIP_BY_TABS:
            sql, tab_params = (
                orders_for_tab(user, key).order_by().values("pk")[: COUNT_CAP + 1].query.sql_with_params()
            )
            parts.append(f"(SELECT count(*) FROM ({sql}) AS tab)")
            params.extend(tab_params)
            continue
        condition = "" if key == "all" else "WHERE visible.stage = %s"
        parts.append(
            f"(SELECT count(*) FROM (SELECT 1 FROM ({visible_sql}) AS visible {condition} LIMIT {COUNT_CAP + 1}) AS tab)"
        )
        params.extend([*visible_params, *([] if key == "all" else [key])])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return {key: count for (key, _label), count in zip(tabs, row, strict=True)}


@dataclass
class Page:
    rows: list[Order]
    next_cursor: str | None
    previous_cursor: str | None
    matching: int  # capped at COUNT_CAP + 1
    sort: str
    extra: dict = field(default_factory=dict)

    @property
    def matching_label(self) -> str:
        return f"{COUNT_CAP:,}+" if self.matching > COUNT_CAP else f"{self.matching:,}"


def _cursor_value(order: Order, column: str) -> str:
    value = getattr(order, column)
    if value is None:
        return ""  # an empty ship-by: "|id"
    return value.isoformat() if isinstance(value, datetime) else str(value)


def parse_cursor(sort: str, cursor: str) -> tuple[object, int]:
    """The (value, id) a page cursor "value|id" names for this sort; ValueError when it names none a
    row could have (NaN, Infinity, a number past its column, a time without a zone)."""
    column = WALKS.get(sort.lstrip("-"), SORTS["created"])[0]
    raw_value, _, raw_id = cursor.rpartition("|")
    pk = bounds.parse_id(raw_id)
    if pk is None or not raw_value.isascii():
        raise ValueError(f"not a page cursor: {cursor[:40]!r}")
    if column in NULLABLE_SORTS and raw_value == "":
        return None, pk
    if column in ("created_at", "updated_at", "ship_by"):
        value = datetime.fromisoformat(raw_value)
        if value.tzinfo is None:
            raise ValueError("a page cursor's time names its zone")
        return value, pk
    if column == "number":
        number = bounds.parse_id(raw_value)
        if number is None:
            raise ValueError(f"not an order number: {raw_value[:40]!r}")
        return number, pk
    try:
        amount = Decimal(raw_value)
    except ArithmeticError:
        raise ValueError(f"not an amount: {raw_value[:40]!r}") from None
    if bounds.amount_problem(amount, "total"):
        raise ValueError(f"not an amount: {raw_value[:40]!r}")
    return amount, pk


def keyset_page(
    orders: QuerySet[Order], *, sort: str, after: str = "", before: str = "", size: int = 50
) -> Page:
    """One page of `orders` by (sort column, id), walking with cursors instead of OFFSET.

    sort is a key of WALKS, with "-" for descending. A cursor is "value|id" of the last (or first) row.
    """
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in WALKS:
        key, descending = "created", True
    column = WALKS[key][0]
    forward = not before
    cursor = after or before
    if cursor:
        try:
            value, pk = parse_cursor(sort, cursor)
        except ValueError:  # a page link from another sort, or made up: the first page
            value = pk = None
        if pk is not None:
            # Rows beyond the cursor in the walking direction.
            older = descending == forward
            lookup = "lt" if older else "gt"
            orders = orders.filter(_beyond(column, value, pk, lookup, nulls_ahead=forward))
    walk_descending = descending == forward
    direction = "-" if walk_descending else ""
    if column in NULLABLE_SORTS:  # empty values last on the page, whichever the direction
        by = F(column).desc if walk_descending else F(column).asc
        nulls = {"nulls_last": True} if forward else {"nulls_first": True}
        orders = orders.order_by(by(**nulls), f"{direction}pk")
    else:
        orders = orders.order_by(f"{direction}{column}", f"{direction}pk")
    rows = list(orders[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    next_cursor = f"{_cursor_value(last, column)}|{last.pk}" if last and (has_more or not forward) else None
    previous_cursor = (
        f"{_cursor_value(first, column)}|{first.pk}" if first and (cursor and (forward or has_more)) else None
    )
    return Page(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor, matching=0, sort=sort)


def _beyond(column: str, value, pk: int, lookup: str, *, nulls_ahead: bool) -> Q:
    """The rows past the cursor (value, pk) going `lookup` ("gt"/"lt") over (column, pk). Empty values
    of a nullable column come after every value: ahead of the cursor when walking forward."""
    if value is None:
        after_in_nulls = Q(**{f"{column}__isnull": True, f"pk__{lookup}": pk})
        return after_in_nulls if nulls_ahead else Q(**{f"{column}__isnull": False}) | after_in_nulls
    condition = Q(**{f"{column}__{lookup}": value}) | Q(**{column: value, f"pk__{lookup}": pk})
    if nulls_ahead and column in NULLABLE_SORTS:
        condition |= Q(**{f"{column}__isnull": True})
    return condition


def list_columns(orders: QuerySet[Order]) -> QuerySet[Order]:
    """What a list row shows, and nothing else."""
    return orders.select_related("channel", "status", "assigned_csr", "assigned_agent").only(
        "number", "created_at", "channel__name", "channel_order_number", "customer_name", "customer_email",
        "status__label", "status__colour", "status__stage", "stage", "payment_method", "total", "currency",
        "assigned_csr__username", "assigned_csr__first_name", "assigned_csr__last_name",
        "assigned_agent__username", "assigned_agent__first_name", "assigned_agent__last_name",
        "tags", "priority", "is_deleted", "ship_by",
    )  # fmt: skip


# People --------------------------------------------------------------------------------------------


CSR_GROUPS = ("csr", "manager")  # who may be assigned as an order's CSR
AGENT_GROUP = "agent"


def assignable_csrs() -> QuerySet:
    return get_user_model().objects.filter(is_active=True, groups__name__in=CSR_GROUPS).distinct()


def assignable_agents() -> QuerySet:
    return get_user_model().objects.filter(is_active=True, groups__name=AGENT_GROUP).distinct()


@dataclass
class Assignable:
    csrs: list = field(default_factory=list)
    agents: list = field(default_factory=list)


def assignable_people() -> Assignable:
    """Who an order can be assigned to, as the order page's two pickers offer them, in one query
    (the same people as assignable_csrs() and assignable_agents())."""
    people = Assignable()
    seen: set[tuple[str, int]] = set()
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[*CSR_GROUPS, AGENT_GROUP])
        .annotate(group=F("groups__name"))
        .order_by("first_name", "last_name", "username")
    )
    for user in users:
        picker = "agents" if user.group == AGENT_GROUP else "csrs"
        if (picker, user.pk) not in seen:
            seen.add((picker, user.pk))
            getattr(people, picker).append(user)
    return people


# Stages a partly shipped order can be in: a partial shipment keeps the order where it was.
PARTIAL_SHIPMENT_STAGES = frozenset(
    {Stage.PROCESSING, Stage.PICKING, Stage.PICKED, Stage.PACKED, Stage.ON_HOLD}
)


def mark_partially_shipped(orders: list[Order]) -> None:
    """Set order.line_partial on a page of orders (issue 19: "Partially shipped" on the list): one
    grouped query over their lines, none when no order on the page is in a stage that could be."""
    ids = [order.pk for order in orders if order.stage in PARTIAL_SHIPMENT_STAGES]
    partial = set()
    if ids:
        partial = set(
            OrderLine.objects.filter(order_id__in=ids)
            .values("order_id")
            .annotate(
                shipped=Sum("quantity_shipped"),
                open=Sum(F("quantity") - F("quantity_cancelled") - F("quantity_shipped")),
            )
            .filter(shipped__gt=0, open__gt=0)
            .values_list("order_id", flat=True)
        )
    for order in orders:
        order.line_partial = order.pk in partial
