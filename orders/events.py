"""The timeline's writers: one small function per event type, called by services in their transaction."""

from collections.abc import Iterable

from orders.actors import Actor
from orders.models import Order, OrderEvent


class EventType:
    CREATED = "order.created"
    EDITED = "order.edited"
    STATUS_CHANGED = "status.changed"
    HELD = "hold.placed"
    RELEASED = "hold.released"
    ASSIGNED = "order.assigned"
    NOTE_ADDED = "note.added"
    DELETED = "order.deleted"
    RESTORED = "order.restored"


def _event(order: Order, actor: Actor, type: str, **params) -> OrderEvent:
    return OrderEvent(
        order=order,
        type=type,
        params=params,
        actor=actor.user,
        actor_kind=actor.kind,
        actor_label=actor.label,
    )


def record(order: Order, actor: Actor, type: str, **params) -> OrderEvent:
    event = _event(order, actor, type, **params)
    event.save()
    return event


def record_many(orders: Iterable[Order], actor: Actor, type: str, **params) -> list[OrderEvent]:
    """The same event on many orders in one INSERT (mass actions, imports)."""
    return OrderEvent.objects.bulk_create(
        [_event(order, actor, type, **params) for order in orders], batch_size=2000
    )


def created(order: Order, actor: Actor, *, source: str, detail: str = "") -> OrderEvent:
    return record(order, actor, EventType.CREATED, source=source, detail=detail, status=order.status.label)


def edited(order: Order, actor: Actor, *, changes: list[dict]) -> OrderEvent:
    """changes: [{"field": label, "old": text, "new": text}, ...]"""
    return record(order, actor, EventType.EDITED, changes=changes)


def status_changed(order: Order, actor: Actor, *, old, new, reason: str = "") -> OrderEvent:
    return record(
        order,
        actor,
        EventType.STATUS_CHANGED,
        old=old.label,
        new=new.label,
        old_stage=old.stage,
        new_stage=new.stage,
        reason=reason,
    )


def held(order: Order, actor: Actor, *, reasons: list[str]) -> OrderEvent:
    return record(order, actor, EventType.HELD, reasons=reasons)


def released(order: Order, actor: Actor, *, reasons: list[str]) -> OrderEvent:
    return record(order, actor, EventType.RELEASED, reasons=reasons)


def assigned(order: Order, actor: Actor, *, role: str, old: str, new: str) -> OrderEvent:
    return record(order, actor, EventType.ASSIGNED, role=role, old=old, new=new)


def note_added(order: Order, actor: Actor, *, text: str) -> OrderEvent:
    return record(order, actor, EventType.NOTE_ADDED, text=text)


def deleted(order: Order, actor: Actor, *, reason: str) -> OrderEvent:
    return record(order, actor, EventType.DELETED, reason=reason)


def restored(order: Order, actor: Actor) -> OrderEvent:
    return record(order, actor, EventType.RESTORED)
