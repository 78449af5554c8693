"""One row builder for timeline events (issue 14): the ORM's rows (record, record_many) and the COPY
lines set-based writers send are the same rows: type, params, actor columns."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from orders import events
from orders.actors import Actor
from orders.events import EventRows, EventType, UnregisteredEventType
from orders.models import OrderEvent
from tests.factories import make_order

pytestmark = pytest.mark.django_db

AWKWARD = 'tab\there, newline\nthere, backslash \\ and \\N, "quotes", ünïcödé ✓, \u2028, <b>&</b>'
PARAMS = [
    {},
    {"reason": AWKWARD},
    {"reasons": [AWKWARD, "Duplicate"], "n": 2, "f": 1.5, "yes": True, "nothing": None, "nested": {"k": [1, {}]}},
    {"changes": [{"field": "Notes", "old": "", "new": AWKWARD}]},
]  # fmt: skip


def actors(users) -> list[Actor]:
    return [
        Actor(user=users["csr"]),
        Actor.system(),
        Actor.channel(f"Shop {AWKWARD}"),
        Actor.job(users["manager"], 42),
    ]


def rows_of(order) -> list[tuple]:
    """An order's events as written, oldest first, without the order."""
    return list(
        OrderEvent.objects.filter(order=order)
        .order_by("id")
        .values_list("type", "params", "actor_id", "actor_kind", "actor_label")
    )


@pytest.fixture
def two_orders():
    orders = make_order(), make_order()
    OrderEvent.objects.filter(order__in=orders).delete()
    return orders


def test_one_event_written_through_the_orm_and_through_copy_gives_the_same_row(users, two_orders):
    by_orm, by_copy = two_orders
    for actor in actors(users):
        rows = EventRows(actor)
        for params in PARAMS:
            events.record(by_orm, actor, EventType.NOTE_ADDED, **params)
            assert rows.write([rows.line(by_copy.pk, EventType.NOTE_ADDED, params)]) == 1
    written = rows_of(by_orm)
    assert len(written) == len(PARAMS) * 4
    assert rows_of(by_copy) == written
    assert written[5] == (EventType.NOTE_ADDED, PARAMS[1], None, "system", "Packline")


def test_one_event_written_through_the_orm_and_through_an_insert_gives_the_same_row(users, two_orders):
    by_orm, by_insert = two_orders
    for actor in actors(users):
        rows = EventRows(actor)
        events.record(by_orm, actor, EventType.NOTE_ADDED, **PARAMS[0])
        events.record(by_orm, actor, EventType.NOTE_ADDED, **PARAMS[1])
        sql, params = rows.insert(
            EventType.NOTE_ADDED, [(by_insert.pk, PARAMS[0]), (by_insert.pk, PARAMS[1])]
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            assert cursor.rowcount == 2
    written = rows_of(by_orm)
    assert len(written) == 2 * 4
    assert rows_of(by_insert) == written


def test_the_insert_form_refuses_an_unregistered_type_and_dated_rows(users, two_orders):
    with pytest.raises(UnregisteredEventType):
        EventRows(Actor.system("Packline")).insert("no.such.type", [(two_orders[0].pk, {})])
    with pytest.raises(ValueError, match="undated"):
        EventRows(Actor.system("Packline"), dated=True).insert(EventType.NOTE_ADDED, [(two_orders[0].pk, {})])


def test_the_same_event_on_many_orders_is_the_same_through_record_many_and_copy_lines(users):
    orders = [make_order() for _ in range(4)]
    OrderEvent.objects.filter(order__in=orders).delete()
    actor = Actor.job(users["manager"], 7)
    rows = EventRows(actor)
    events.record_many(orders[:2], actor, EventType.HELD, **PARAMS[2])
    lines = rows.lines([order.pk for order in orders[2:]], EventType.HELD, PARAMS[2])
    assert rows.write(lines) == 2
    assert (
        rows_of(orders[0])
        == rows_of(orders[1])
        == rows_of(orders[2])
        == rows_of(orders[3])
        == [(EventType.HELD, PARAMS[2], users["manager"].pk, "job", "Job 7")]
    )


def test_a_group_shares_its_formatted_part_and_each_order_adds_its_id():
    rows = EventRows(Actor.system("Stock"))
    shared = rows.shared(EventType.RESTORED, {"why": "a\tb"})
    assert shared == '\torder.restored\t{"why":"a\\\\tb"}\t\\N\tsystem\tStock\n'
    assert rows.lines([3, 4], EventType.RESTORED, {"why": "a\tb"}) == [f"3{shared}", f"4{shared}"]
    assert rows.columns == ("order_id", "type", "params", "actor_id", "actor_kind", "actor_label")


def test_dated_rows_keep_the_time_they_are_given(users, two_orders):
    order, _ = two_orders
    rows = EventRows(Actor(user=users["csr"]), dated=True)
    at = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    shared = rows.shared(EventType.DELETED, {"reason": AWKWARD})
    rows.write(
        [
            rows.join(order.pk, shared, at),
            rows.line(order.pk, EventType.RESTORED, {}, at="2024-03-02 10:00:00+00"),
        ]
    )
    assert list(OrderEvent.objects.filter(order=order).order_by("id").values_list("type", "created_at")) == [
        (EventType.DELETED, at), (EventType.RESTORED, datetime(2024, 3, 2, 10, tzinfo=UTC)),
    ]  # fmt: skip
    assert rows.columns[-1] == "created_at"
    with pytest.raises(ValueError, match="need their time"):
        rows.line(order.pk, EventType.RESTORED, {})
