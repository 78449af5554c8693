"""The timeline's event types and writers: one registry of types with their wording.

Every app registers the event types its services write, each with a short label and a describe function
(params -> a sentence of HTML, every value escaped with orders.wording), the way orders/panels.py takes
the detail page's panels: at import of the app's own events module, which its AppConfig.ready()
imports. orders never imports those apps; the timeline (orders/timeline.py) finds their wording here.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from orders.actors import Actor
from orders.models import Order, OrderEvent
from orders.wording import changes, e, paragraphs, suffix

# The registry ------------------------------------------------------------------------------------

Describe = Callable[[dict], str]


@dataclass(frozen=True, slots=True)
class RegisteredEvent:
    code: str  # what OrderEvent.type holds, e.g. "shipment.created"
    label: str  # a few words, e.g. "Shipped"
    describe: Describe  # params -> the timeline's sentence, HTML with every value escaped


class UnregisteredEventType(LookupError):
    """A service tried to record a type no app registered: the timeline could not word it."""


_registered: dict[str, RegisteredEvent] = {}
_describe_by_code: dict[str, Describe] = {}
_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
_CODE_LENGTH = OrderEvent._meta.get_field("type").max_length


def register(code: str, label: str, describe: Describe) -> str:
    """Register an event type with its wording; returns the code, for the registering module's constant.
    Registering the same wording again is harmless; a second wording for a code is a mistake."""
    if not _CODE.fullmatch(code) or len(code) > _CODE_LENGTH:
        raise ImproperlyConfigured(
            f"Event type {code!r}: use lower-case words joined by dots, at most {_CODE_LENGTH} characters."
        )
    event = RegisteredEvent(code, label, describe)
    known = _registered.get(code)
    if known is not None and _origin(known) != _origin(event):
        raise ImproperlyConfigured(
            f"Event type {code!r} is registered twice: by {known.describe.__module__} and by "
            f"{describe.__module__}."
        )
    _registered[code] = event
    _describe_by_code[code] = describe
    return code


def _origin(event: RegisteredEvent) -> tuple:
    return event.label, event.describe.__module__, event.describe.__qualname__


def registered(code: str) -> str:
    """The code, if it is registered; UnregisteredEventType otherwise."""
    if code not in _registered:
        raise UnregisteredEventType(
            f"{code!r} is not a registered event type: register it with orders.events.register() in "
            "its app's events module, and record it through that module's constant."
        )
    return code


def registered_events() -> list[RegisteredEvent]:
    """Every registered type, by code."""
    return sorted(_registered.values(), key=lambda event: event.code)


# The timeline asks this once per entry: a dict lookup, no more (SPEC 7's detail budget).
describer: Callable[[str], Describe | None] = _describe_by_code.get


def _event(order: Order, actor: Actor, type: str, **params) -> OrderEvent:
    return OrderEvent(
        order=order,
        type=registered(type),
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
    registered(type)
    return OrderEvent.objects.bulk_create(
        [_event(order, actor, type, **params) for order in orders], batch_size=2000
    )


# The order's own events: wording, type, writer -------------------------------------------------


def _created(p: dict) -> str:
    return (
        f"Created from {e(p.get('source', ''))}{suffix(' (', p.get('detail'), ')')} "
        f"as {e(p.get('status', ''))}."
    )


def _status_changed(p: dict) -> str:
    return (
        f"Status <strong>{e(p.get('old'))}</strong> → <strong>{e(p.get('new'))}</strong>"
        f"{suffix(': ', p.get('reason'))}"
    )


def _held(p: dict) -> str:
    return f"Put on hold: {e('; '.join(p.get('reasons', [])))}"


def _released(p: dict) -> str:
    return f"Hold released{suffix(' (', '; '.join(p.get('reasons') or []), ')')}"


def _assigned(p: dict) -> str:
    return f"{e(p.get('role'))}: {e(p.get('old') or 'nobody')} → {e(p.get('new') or 'nobody')}"


def _note_added(p: dict) -> str:
    return f'<span class="text-body">{paragraphs(str(p.get("text", "")))}</span>'


def _edited(p: dict) -> str:
    return changes(p.get("changes", []))


def _deleted(p: dict) -> str:
    return f"Deleted: {e(p.get('reason', ''))}"


def _restored(p: dict) -> str:
    return "Restored"


def _line_cancelled(p: dict) -> str:
    return f"Line {e(p.get('sku', ''))} cancelled{suffix(': ', p.get('reason'))}"


def _line_replaced(p: dict) -> str:
    return f"Line {e(p.get('old', ''))} replaced by {e(p.get('new', ''))} ({e(p.get('quantity', ''))})"


def _line_moved(p: dict) -> str:
    return f"Line {e(p.get('sku', ''))} moved from {e(p.get('old', ''))} to {e(p.get('new', ''))}"


class EventType:
    """The orders app's event types (money's are in orders/money_events.py, fulfilment's in fulfilment/events.py)."""

    CREATED = register("order.created", "Created", _created)
    EDITED = register("order.edited", "Edited", _edited)
    STATUS_CHANGED = register("status.changed", "Status changed", _status_changed)
    HELD = register("hold.placed", "Put on hold", _held)
    RELEASED = register("hold.released", "Hold released", _released)
    ASSIGNED = register("order.assigned", "Assigned", _assigned)
    NOTE_ADDED = register("note.added", "Note", _note_added)
    DELETED = register("order.deleted", "Deleted", _deleted)
    RESTORED = register("order.restored", "Restored", _restored)
    LINE_CANCELLED = register("line.cancelled", "Line cancelled", _line_cancelled)
    LINE_REPLACED = register("line.replaced", "Line replaced", _line_replaced)
    LINE_MOVED = register("line.moved", "Line moved", _line_moved)


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
