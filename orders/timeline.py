"""The order timeline: its entries read (service events, and database-level changes no service
explained) and worded as HTML.

The HTML is built in Python: an order page shows hundreds of entries, and a template loop with a chain
of {% if %} per entry cost more than the rest of the page (SPEC 7's detail budget). Entries are plain
data (event params, names), never markup, so every value goes through `e` (orders/wording.py). Each
event type's sentence comes from the app that registered the type (orders/events.py,
orders/money/events.py, fulfilment/events.py): one dict lookup per entry. `describe` words one entry,
`render_timeline` the list.
"""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone

from orders.events import EventType, describer
from orders.models import Order, OrderEvent, Status, Warehouse
from orders.wording import changes, e

# Reading -------------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime
    type: str
    actor: str
    params: dict
    is_status_change: bool
    from_database: bool = False

    @property
    def html(self) -> SafeString:
        return describe(self.type, self.params, self.from_database)


SNAPSHOT_LABELS = {
    "status_id": "Status",
    "assigned_csr_id": "CSR",
    "assigned_agent_id": "Delivery agent",
    "warehouse_id": "Warehouse",
    "shipping_method": "Shipping method",
    "shipping_address": "Shipping address",
    "payment_method": "Payment method",
    "delivery_fee": "Delivery fee",
    "total": "Total",
    "priority": "Priority",
    "po_number": "PO number",
    "is_deleted": "Deleted",
}


_ACTOR_KINDS = dict(OrderEvent._meta.get_field("actor_kind").choices)


def _actor_name(actor_id: int | None, kind: str, label: str, users: dict) -> str:
    if kind == "job":
        return f"{users.get(actor_id, 'System')} ({label})"
    if actor_id:
        return str(users.get(actor_id, "unknown user"))
    return label or str(_ACTOR_KINDS.get(kind, kind))


def order_timeline(order: Order, limit: int = 500) -> list[TimelineEntry]:
    """Service events and database-level changes no service explained, merged, newest first."""
    return timeline_and_people(order, limit=limit)[0]


def timeline_and_people(
    order: Order, *, limit: int = 500, statuses: dict | None = None, warehouses: dict | None = None
) -> tuple[list[TimelineEntry], dict]:
    """The timeline, and the users it names with the order's CSR and agent, by id."""
    # Plain tuples, not model instances: a busy order has hundreds of events, and building an
    # OrderEvent for each cost more than the query (SPEC 7's detail budget).
    events = list(
        OrderEvent.objects.filter(order=order)
        .order_by("-created_at", "-id")
        .values_list("created_at", "type", "params", "actor_id", "actor_kind", "actor_label")[:limit]
    )
    Snapshot = apps.get_model("orders", "OrderSnapshot")
    snapshots = list(
        Snapshot.objects.filter(pgh_obj_id=order.pk).select_related("pgh_context").order_by("pgh_id")
    )
    user_ids = {event[3] for event in events if event[3]}
    for snapshot in snapshots:
        user_ids |= {snapshot.assigned_csr_id, snapshot.assigned_agent_id}
    user_ids |= {order.assigned_csr_id, order.assigned_agent_id}
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids - {None})}
    entries = [
        TimelineEntry(
            at=at,
            type=type,
            actor=_actor_name(actor_id, actor_kind, actor_label, users),
            params=params,
            is_status_change=type == EventType.STATUS_CHANGED,
        )
        for at, type, params, actor_id, actor_kind, actor_label in events
    ]
    entries += _database_changes(order, snapshots, users, statuses, warehouses)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries, users


def _database_changes(
    order: Order, snapshots: list, users: dict, statuses: dict | None, warehouses: dict | None
) -> list[TimelineEntry]:
    if not snapshots:
        return []
    statuses = {pk: status.label for pk, status in (statuses or Status.objects.in_bulk()).items()}
    warehouses = {pk: warehouse.name for pk, warehouse in (warehouses or Warehouse.objects.in_bulk()).items()}

    def show(name: str, value) -> str:
        if value in (None, ""):
            return "—"
        if name == "status_id":
            return statuses.get(value, str(value))
        if name in ("assigned_csr_id", "assigned_agent_id"):
            return str(users.get(value, value))
        if name == "warehouse_id":
            return warehouses.get(value, str(value))
        if isinstance(value, dict):
            return ", ".join(str(part) for part in value.values() if part)
        return str(value)

    entries = []
    # Each UPDATE made outside the services leaves a before and an after row, one right after the
    # other (the order's row lock serialises its updates).
    ordered = sorted(snapshots, key=lambda snapshot: snapshot.pgh_id)
    for first, second in zip(ordered[::2], ordered[1::2], strict=False):
        before, after = (first, second) if first.pgh_label == "order.before" else (second, first)
        metadata = before.pgh_context.metadata if before.pgh_context_id else {}
        changed = [
            {
                "field": label,
                "old": show(name, getattr(before, name)),
                "new": show(name, getattr(after, name)),
            }
            for name, label in SNAPSHOT_LABELS.items()
            if getattr(before, name) != getattr(after, name)
        ]
        if not changed:
            continue
        who = metadata.get("user")
        actor = str(users.get(who, "")) if who else ""
        entries.append(
            TimelineEntry(
                at=before.pgh_created_at,
                type="database.changed",
                actor=actor or "Database (outside the application's services)",
                params={"changes": changed},
                is_status_change=any(change["field"] == "Status" for change in changed),
                from_database=True,
            )
        )
    return entries


# Wording -------------------------------------------------------------------------------------------


def _describe(type: str, p: dict, from_database: bool) -> str:
    if from_database:
        return f'<span class="badge text-bg-secondary">database change</span> {changes(p.get("changes", []))}'
    describe = describer(type)
    if describe is not None:
        return describe(p)
    # A type nobody registers (old data) still shows what happened rather than nothing.
    return f"{e(type)} {e(p)}"


def describe(type: str, p: dict, from_database: bool = False) -> SafeString:
    """The entry's sentence as safe HTML."""
    return mark_safe(_describe(type, p, from_database))  # every value inside went through e()


def _item(entry, zone) -> str:
    return (
        f'<li class="list-group-item small" data-event="{e(entry.type)}"><div class="d-flex gap-2">'
        f'<span class="text-secondary text-nowrap">{entry.at.astimezone(zone):%d %b %Y %H:%M}</span>'
        f'<span class="fw-semibold">{e(entry.actor)}</span></div>'
        f"<div>{_describe(entry.type, entry.params, entry.from_database)}</div></li>"
    )


def render_timeline(entries, testid: str) -> SafeString:
    """The timeline list, in the order given (newest first); "Nothing yet." when empty."""
    zone = get_current_timezone()
    items = "".join(_item(entry, zone) for entry in entries) or (
        '<li class="list-group-item small text-secondary">Nothing yet.</li>'
    )
    return mark_safe(  # every value inside went through e()
        f'<ol class="list-group list-group-flush timeline" data-testid="{e(testid)}">{items}</ol>'
    )
