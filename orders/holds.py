"""Hold checks (SPEC 2.2): what keeps a complete-looking order from going on by itself."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.postgresql.lookups import sql_array
from orders.models import HoldReason, HoldRule, Order, OrderLine
from orders.reference import order_reference
from orders.workflow import Stage

REQUIRED_ADDRESS_FIELDS = {
    "line1": "street address",
    "city": "city",
    "postcode": "postcode",
    "country": "country",
}


@dataclass(frozen=True)
class Finding:
    reason: str  # HoldReason value
    detail: str

    def __str__(self) -> str:
        label = HoldReason(self.reason).label
        return f"{label}: {self.detail}" if self.detail else label


def run_checks(
    order: Order, lines: list[OrderLine], *, rules: list[HoldRule] | None = None, find_duplicate=None
) -> list[Finding]:
    """Every built-in check and every active hold rule; an empty list means the order may go on.

    Batched creation (orders/services/create_many.py) passes the active rules it read once and the
    answer of the duplicate check's batch form (DuplicateFinder); both default to one query per order.
    """
    findings = []
    address = order.shipping_address or {}
    missing = [
        label for key, label in REQUIRED_ADDRESS_FIELDS.items() if not str(address.get(key, "")).strip()
    ]
    if missing:
        findings.append(Finding(HoldReason.MISSING_ADDRESS, ", ".join(missing)))
    elif settings.DELIVERABLE_COUNTRIES and address["country"].upper() not in settings.DELIVERABLE_COUNTRIES:
        findings.append(
            Finding(HoldReason.UNDELIVERABLE_ADDRESS, f"we do not deliver to {address['country']}")
        )
    if not order.shipping_method.strip() and any(
        line.product is None or line.product.shippable for line in lines
    ):
        findings.append(Finding(HoldReason.MISSING_SHIPPING_METHOD, ""))
    unknown = [line.sku for line in lines if line.product is None]
    if unknown:
        findings.append(Finding(HoldReason.UNKNOWN_SKU, ", ".join(unknown)))
    if order.customer.requires_po_number and not order.po_number.strip():
        findings.append(
            Finding(HoldReason.MISSING_PO_NUMBER, f"{order.customer.name} orders need a PO number")
        )
    threshold = Decimal(settings.HOLD_VALUE_THRESHOLD or "0")
    if threshold and order.total > threshold:
        findings.append(Finding(HoldReason.OVER_VALUE, f"total {order.total} over {threshold}"))
    if order.amount_paid and order.amount_paid != order.total:
        findings.append(
            Finding(HoldReason.PAYMENT_MISMATCH, f"paid {order.amount_paid}, total {order.total}")
        )
    duplicate = (find_duplicate or _suspected_duplicate)(order)
    if duplicate:
        findings.append(Finding(HoldReason.SUSPECTED_DUPLICATE, f"same customer and total as {duplicate}"))
    findings.extend(_rule_findings(order, lines, rules))
    return findings


# Suspected duplicates (SPEC 2.2), one rule in one query (SUSPECTED_DUPLICATES_SQL), asked for one order
# (_suspected_duplicate) and for many not yet written (DuplicateFinder). Another order is a suspected
# duplicate when it has the same customer and the same total, was created no earlier than the window
# before this one, is neither deleted nor in one of these stages, and is not this order; the newest
# such order is named. tests/orders/test_holds.py runs both forms over the same cases.
NOT_DUPLICATED_BY = (Stage.CANCELLED,)
DUPLICATES_NEWEST_FIRST = ("-created_at", "-id")


def door_findings(data) -> list[Finding]:
    """What the door itself could not read (a shop's malformed field, OrderInput.problems) and a
    buyer's cancellation request the shop already had: each holds the new order, beside the checks'
    findings. order_create and batched creation both ask here."""
    findings = [Finding(HoldReason.CHANNEL_DATA, problem[:300]) for problem in data.problems]
    if data.cancellation_requested:
        findings.append(Finding(HoldReason.CANCELLATION_REQUESTED, data.cancellation_requested[:300]))
    return findings


def duplicate_window() -> timedelta:
    return timedelta(hours=settings.DUPLICATE_WINDOW_HOURS)


def _suspected_duplicate(order: Order) -> str | None:
    """The number of the newest order this one is a suspected duplicate of, or None: the batch form's
    query, asked for one order (order_create's check, a release's re-check)."""
    if order.customer_id is None:
        return None
    created = order.created_at or timezone.now()
    found = _written_duplicates([(order.customer_id, order.total, created - duplicate_window(), order.pk)])
    return found[0][1] if found else None


def _newest_first_sql(alias: str) -> str:
    return ", ".join(
        f"{alias}.{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in DUPLICATES_NEWEST_FIRST
    )


# The written orders' side of the rule, for any number of orders in one round trip: each order's own
# customer, total, window start and id (0 when not written yet: no order has it) as arrays.
# `o.total + 0` is the same comparison, made on the few rows the customer-and-date index finds: compared
# as a bare column, the planner also reads the index on total and ANDs the two, about 135 entries a
# total on a million orders (40 ms a batch of 2,000 instead of 9 once the import's customers have
# orders of the day).
SUSPECTED_DUPLICATES_SQL = (
    "SELECT b.position, d.number, d.created_at "
    "FROM unnest(%s::bigint[], %s::numeric[], %s::timestamptz[], %s::bigint[]) "
    "WITH ORDINALITY AS b(customer_id, total, since, order_id, position) "
    "CROSS JOIN LATERAL (SELECT o.number, o.created_at FROM orders_order o "
    "WHERE o.customer_id = b.customer_id AND o.total + 0 = b.total AND o.created_at >= b.since "
    "AND o.id <> b.order_id AND NOT o.is_deleted AND o.stage <> ALL(%s::text[]) "
    f"ORDER BY {_newest_first_sql('o')} LIMIT 1) AS d"
)


class DuplicateFinder:
    """The batch form of the suspected-duplicate check, for orders not yet written (batched creation):
    the orders in the database, found in one query for the batch, and the orders this finder was
    given before (earlier in the batch, or in an earlier batch of the same run), counted as if they
    had been written, the way order_create called for each order in turn would see them. Returns the
    name each order's finding gives the duplicate, or None."""

    def __init__(self) -> None:
        # Orders given so far, by customer (its id, or ("new", id(customer)) before it is saved):
        # (total, created_at, channel reference), oldest given first.
        self.given: dict[object, list[tuple[Decimal, datetime, str | None]]] = defaultdict(list)

    def find(self, orders: Sequence, *, checked: Sequence[bool] | None = None) -> list[str | None]:
        """`orders` carry Order's customer, total, created_at, pk and channel_order_id; `checked` says
        which to check (every one by default). Every order is remembered for the ones after it."""
        now = timezone.now()
        created = [order.created_at or now for order in orders]
        # Each order's window start, worked out once per creation time: an import's orders share one.
        window = duplicate_window()
        starts = {at: at - window for at in set(created)}
        in_database = self._query(orders, checked, created, starts)
        answers: list[str | None] = []
        given = self.given
        for position, order in enumerate(orders):
            created_at = created[position]
            customer = order.customer
            new_key = ("new", id(customer))
            answer = None
            if checked is None or checked[position]:
                best = in_database.get(position)  # (created_at, name)
                since = starts[created_at]
                for key in (customer.pk, new_key):
                    for total, at, reference in given.get(key, ()):
                        # Given later: written later, so newer on a tie in time.
                        if total == order.total and at >= since and (best is None or at >= best[0]):
                            best = (at, f"{reference or 'an order'} in this import")
                answer = best and best[1]
            answers.append(answer)
            given[customer.pk or new_key].append((order.total, created_at, order.channel_order_id))
        return answers

    @staticmethod
    def _query(
        orders: Sequence, checked, created: list[datetime], starts: dict[datetime, datetime]
    ) -> dict[int, tuple[datetime, str]]:
        wanted = [
            position
            for position, order in enumerate(orders)
            if order.customer.pk and (checked is None or checked[position])
        ]
        found = _written_duplicates(
            [(orders[p].customer.pk, orders[p].total, starts[created[p]], orders[p].pk) for p in wanted]
        )
        return {wanted[index]: answer for index, answer in found.items()}


def _written_duplicates(
    orders: list[tuple[int, Decimal, datetime, int | None]],
) -> dict[int, tuple[datetime, str]]:
    """For (customer id, total, window start, id or None) of each order: {its position: (created_at,
    number) of the newest written order it duplicates}, for those that duplicate one."""
    if not orders:
        return {}
    customers, totals, starts, ids = zip(*orders, strict=True)
    text = {start: str(start) for start in set(starts)}  # as sql_array would write each one, once
    with connection.cursor() as cursor:
        cursor.execute(
            SUSPECTED_DUPLICATES_SQL,
            [
                sql_array(customers),
                sql_array(totals),
                sql_array([text[start] for start in starts]),
                sql_array([pk or 0 for pk in ids]),
                sql_array(NOT_DUPLICATED_BY),
            ],
        )
        rows = cursor.fetchall()
    return {
        index - 1: (created_at, f"{settings.ORDER_NUMBER_PREFIX}{number}")
        for index, number, created_at in rows
    }


def _rule_findings(
    order: Order, lines: list[OrderLine], rules: list[HoldRule] | None = None
) -> list[Finding]:
    findings = []
    for rule in order_reference().hold_rules if rules is None else rules:
        if rule_matches(rule, order, lines):
            findings.append(Finding(HoldReason.RULE, f"{rule.name}: {rule.reason}"))
    return findings


def rule_matches(rule: HoldRule, order: Order, lines: list[OrderLine]) -> bool:
    value = rule.value.strip().lower()
    match rule.field:
        case HoldRule.Field.CHANNEL:
            return value in {order.channel.code.lower(), order.channel.name.lower()}
        case HoldRule.Field.COUNTRY:
            return str((order.shipping_address or {}).get("country", "")).lower() == value
        case HoldRule.Field.TOTAL_OVER:
            try:
                return order.total > Decimal(value)
            except ArithmeticError:
                return False
        case HoldRule.Field.SKU:
            return any(line.sku.lower() == value for line in lines)
        case HoldRule.Field.TAG:
            return value in {tag.lower() for tag in order.tags}
        case HoldRule.Field.NOTE_CONTAINS:
            return value in f"{order.notes}\n{order.gift_message}".lower()
    return False


def hold_reasons_in_use() -> set[str]:
    """The hold reasons of at least one active hold: one probe of the partial index hold_active_reason
    per reason, however many orders are held."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reason FROM unnest(%s::text[]) AS reason WHERE EXISTS (SELECT 1 FROM orders_orderhold h "
            "WHERE h.released_at IS NULL AND h.reason = reason.reason)",
            [list(HoldReason.values)],
        )
        return {row[0] for row in cursor.fetchall()}
