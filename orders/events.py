"""The timeline's event types and writers: one registry of types with their wording, one row builder.

Every app registers the event types its services write, each with a short label and a describe function
(params -> a sentence of HTML, every value escaped with orders.wording), the way orders/panels.py takes
the detail page's panels: at import of the app's own events module, which its AppConfig.ready()
imports. orders never imports those apps; the timeline (orders/timeline.py) finds their wording here.

`EventRows` makes a timeline row the one way, for the ORM (`record`, `record_many`) and for the
set-based writers that COPY thousands of rows (config/postgresql/copy.py): the same columns, the same JSON, the
same actor columns, and a type that must be registered.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import NOT_PROVIDED

from config.postgresql.copy import copy_escape, copy_lines, copy_text, json_text
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


# The row builder ---------------------------------------------------------------------------------

EVENT_COLUMNS = ("order_id", "type", "params", "actor_id", "actor_kind", "actor_label")


@cache
def _other_columns() -> tuple[tuple[str, ...], str]:
    """OrderEvent's columns besides EVENT_COLUMNS (added by later migrations) that need a value in a
    COPY, and that value as COPY text: what the ORM would write for them. id and created_at (and any
    column with a database default) are left to the database, as the ORM leaves them."""
    columns, values = [], []
    for field in OrderEvent._meta.concrete_fields:
        if field.column in EVENT_COLUMNS or field.primary_key or field.db_default is not NOT_PROVIDED:
            continue
        if not field.has_default() and not field.null:
            raise ImproperlyConfigured(
                f"OrderEvent.{field.name} has no default: orders.events.EventRows cannot write it."
            )
        columns.append(field.column)
        values.append(copy_text(field.get_default()))
    return tuple(columns), "".join(f"\t{value}" for value in values)


@cache
def _other_values() -> tuple[tuple[str, ...], tuple]:
    """The columns of _other_columns and their values as query parameters, for the INSERT form."""
    columns = _other_columns()[0]
    fields = [field for field in OrderEvent._meta.concrete_fields if field.column in columns]
    return tuple(columns), tuple(field.get_db_prep_save(field.get_default(), connection) for field in fields)


class EventRows:
    """Timeline rows written by one actor, in the ORM's form or in COPY's text form.

    ORM: `instance(order, type, params)` is the OrderEvent to save or bulk_create.

    COPY: `shared(type, params)` formats everything a group of rows has in common (type, params JSON,
    actor) once; `join(order_id, shared)` is then one string join per order, and `lines(order_ids,
    type, params)` does both for a group. `columns` are the columns those lines fill, for
    config.postgresql.copy.copy_lines, and `write(lines)` COPYs them. The database stamps created_at, as it does
    for the ORM's rows; with dated=True the rows carry their own time (`at`, last column), for
    historical data.

    Both forms refuse a type no app registered (UnregisteredEventType).
    """

    __slots__ = ("_actor_text", "actor", "columns", "dated")

    def __init__(self, actor: Actor, *, dated: bool = False):
        self.actor = actor
        self.dated = dated
        extra_columns, extra = _other_columns()
        self.columns = (*EVENT_COLUMNS, *extra_columns, *(("created_at",) if dated else ()))
        user_id = actor.user_id
        self._actor_text = (
            f"\t{'\\N' if user_id is None else int(user_id)}\t{copy_escape(str(actor.kind))}\t"
            f"{copy_escape(actor.label)}{extra}{'\t' if dated else '\n'}"
        )

    # The ORM's form

    def instance(self, order: Order, type: str, params: dict) -> OrderEvent:
        actor = self.actor
        return OrderEvent(
            order=order,
            type=registered(type),
            params=params,
            actor=actor.user,
            actor_kind=actor.kind,
            actor_label=actor.label,
        )

    def instances(self, orders: Iterable[Order], type: str, params: dict) -> list[OrderEvent]:
        """The same event on many orders; each row gets its own copy of params."""
        registered(type)
        return [self.instance(order, type, dict(params)) for order in orders]

    # COPY's form

    def shared(self, type: str, params: dict) -> str:
        """Everything of a row but its order id (and time, when dated), as COPY text."""
        return f"\t{registered(type)}\t{copy_escape(json_text(params))}{self._actor_text}"

    def join(self, order_id: int, shared: str, at: str | datetime | None = None) -> str:
        """One COPY line: an order id and a shared part (and the row's time, when dated)."""
        if not self.dated:
            return f"{order_id}{shared}"
        if at is None:
            raise ValueError("Dated event rows need their time (at).")
        return f"{order_id}{shared}{at if type(at) is str else at.isoformat()}\n"

    def line(self, order_id: int, type: str, params: dict, *, at: str | datetime | None = None) -> str:
        """One order's row as a COPY line (what join(order_id, shared(type, params), at) makes, with
        fewer calls: an import makes one per event)."""
        if type not in _registered:
            registered(type)
        if self.dated:
            return self.join(order_id, self.shared(type, params), at)
        return f"{order_id}\t{type}\t{copy_escape(json_text(params))}{self._actor_text}"

    def lines(self, order_ids: Iterable[int], type: str, params: dict) -> list[str]:
        """The same event on many orders as COPY lines: the shared part once, one join per order."""
        if self.dated:
            raise ValueError("Dated event rows each need their time: use join(order_id, shared, at).")
        shared = self.shared(type, params)
        return [f"{order_id}{shared}" for order_id in order_ids]

    def write(self, lines: list[str]) -> int:
        """COPY lines made by this builder (or another with the same `dated`) into the event table."""
        return copy_lines(OrderEvent._meta.db_table, self.columns, lines)

    # An INSERT's form

    def insert(self, type: str, rows: list[tuple[int, dict]]) -> tuple[str, list]:
        """Rows of one type, (order id, params) each, as an INSERT statement and its parameters: for
        writing a few rows in the same statement as others (a data-modifying WITH), where a COPY would
        cost round trips of its own. The same columns and values as the COPY form's."""
        if self.dated:
            raise ValueError("The INSERT form writes undated rows; the database stamps created_at.")
        extra_columns, extra_values = _other_values()
        columns = ", ".join((*EVENT_COLUMNS, *extra_columns))
        constants = "".join(", %s" for _value in extra_values)
        actor = self.actor
        return (
            f"INSERT INTO {OrderEvent._meta.db_table} ({columns}) SELECT e.order_id, %s, e.params, %s, %s, %s"
            f"{constants} FROM unnest(%s::bigint[], %s::jsonb[]) AS e(order_id, params)",
            [
                registered(type),
                actor.user_id,
                str(actor.kind),
                actor.label,
                *extra_values,
                [order_id for order_id, _params in rows],
                [json_text(params) for _order_id, params in rows],
            ],
        )


def record(order: Order, actor: Actor, type: str, **params) -> OrderEvent:
    event = EventRows(actor).instance(order, type, params)
    event.save()
    return event


def record_many(orders: Iterable[Order], actor: Actor, type: str, **params) -> list[OrderEvent]:
    """The same event on many orders in one INSERT (mass actions, imports)."""
    return OrderEvent.objects.bulk_create(EventRows(actor).instances(orders, type, params), batch_size=2000)


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


def _personal_data_erased(p: dict) -> str:
    return f"Buyer's personal data erased{suffix(' ', p.get('reason'))}"


class EventType:
    """The orders app's event types (money's are in orders/money/events.py, fulfilment's in fulfilment/events.py)."""

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
    PERSONAL_DATA_ERASED = register("personal_data.erased", "Personal data erased", _personal_data_erased)


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


def personal_data_erased(order: Order, actor: Actor, *, reason: str) -> OrderEvent:
    """reason ends the sentence: "at eBay's request"."""
    return record(order, actor, EventType.PERSONAL_DATA_ERASED, reason=reason)
