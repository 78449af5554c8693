"""The dashboard's hourly summary (orders/dashboard/activity.py): whichever path writes orders and
timeline events (the single services, batched creation by COPY, a mass move, soft delete and
restore, a hard delete, the bench generator with triggers off), the summary says what counting the
orders and their timeline says, and what counting everything again writes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench.generate_orders import generate_orders
from orders.actors import Actor
from orders.dashboard import activity
from orders.dashboard.selectors import activity_counted
from orders.inputs import LineInput, OrderInput
from orders.models import Channel, Order, OrderActivity, OrderEvent
from orders.services.create_many import BatchOrder, order_create_many
from orders.services.edit import order_restore, order_soft_delete
from orders.services.transitions import builtin_status, order_transition_many
from orders.workflow import Stage
from tests.dashboard.test_dashboard import _shipped_event
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")
EVER = datetime(2000, 1, 1, tzinfo=UTC)


def summary() -> dict:
    return {key: counts for key, counts in activity.activity_since(EVER).items() if counts != (0, 0)}


def counted() -> dict:
    return activity_counted(Order.objects.live(), EVER)


def rebuilt() -> dict:
    activity.activity_rebuild()
    return summary()


def test_the_installed_functions_are_the_ones_the_module_writes():
    with connection.cursor() as cursor:
        for name, body in activity.FUNCTIONS.items():
            cursor.execute("SELECT pg_get_functiondef(%s::regproc)", [name])
            assert body.strip() in cursor.fetchone()[0], name
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgenabled = 'O'", [name])
            assert cursor.fetchone()[0] == 1, name


def test_every_writer_keeps_the_summary_equal_to_counting_the_orders():
    other = Channel.objects.exclude(pk=make_order().channel_id).first()
    product = ProductFactory()
    single = [make_order(), make_order(channel=other)]
    assert summary() == counted()

    # Batched creation (COPY) of three orders.
    created = order_create_many(
        items=[
            BatchOrder(
                key=n,
                data=OrderInput(
                    customer=CustomerFactory(),
                    lines=[LineInput(sku=product.sku, quantity=1)],
                    shipping_method="Standard",
                    payment_method="cash",
                    channel_order_id=f"R-activity-{n}",
                    channel=other,
                ),
            )
            for n in range(3)
        ],
        actor=SYSTEM,
    )
    assert [item.creates for item in created] == [True, True, True]
    assert summary() == counted()

    # Backdated creation times move an order's count to its hour (the row trigger).
    now = timezone.now()
    Order.objects.filter(pk=single[0].pk).update(created_at=now - timedelta(days=2, minutes=5))
    # Shipments: one event at a time, a multi-row INSERT, and a mass move written by COPY.
    _shipped_event(single[0], now - timedelta(days=1))
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(
                order=order,
                type="status.changed",
                params={"new_stage": "shipped"},
                actor_kind="system",
                actor_label="tests",
                created_at=now - timedelta(hours=hours),
            )
            for hours, order in enumerate(single, start=3)
        ]
    )
    batch_ids = list(Order.objects.filter(channel=other).values_list("pk", flat=True))
    refused = order_transition_many(order_ids=batch_ids, to=builtin_status(Stage.SHIPPED), actor=SYSTEM)
    assert len(refused) < len(batch_ids)
    assert OrderEvent.objects.filter(type="status.changed", params__new_stage="shipped").count() >= 4
    assert summary() == counted()

    # Soft delete takes the order and its shipments out; restore puts them back.
    order_soft_delete(order_id=single[0].pk, actor=SYSTEM, reason="duplicate")
    assert summary() == counted()
    assert sum(created for created, _ in summary().values()) == Order.objects.live().count()
    order_restore(order_id=single[0].pk, actor=SYSTEM)
    assert summary() == counted()
    Order.objects.filter(pk__in=batch_ids[:2]).update(is_deleted=True)  # a mass soft delete
    assert summary() == counted()

    # A hard delete (Django deletes the events first, then the order).
    Order.objects.get(pk=single[1].pk).delete()
    assert summary() == counted()

    assert rebuilt() == counted()
    assert any(shipped for _created, shipped in counted().values())


def test_folding_leaves_one_row_per_hour_and_channel_and_the_same_sums():
    orders = [make_order() for _ in range(4)]
    for order in orders:
        _shipped_event(order, timezone.now())
    order_soft_delete(order_id=orders[0].pk, actor=SYSTEM, reason="test order")
    before = summary()
    rows = OrderActivity.objects.count()
    assert rows > len(before)

    assert activity.activity_compact() > 0
    assert summary() == before == counted()
    assert OrderActivity.objects.count() == len(before)
    assert activity.activity_compact() == 0


def test_the_bench_generator_writing_with_triggers_off_counts_its_orders():
    result = generate_orders(120, seed=11)
    assert result.replica  # the test database's user is a superuser: triggers off
    assert summary() == counted()
    assert sum(created for created, _ in summary().values()) == Order.objects.live().count() > 100
    assert any(shipped for _created, shipped in summary().values())


def test_the_managers_chart_reads_the_summary_and_agrees_with_counting(client, make_user):
    now = timezone.now()
    orders = [make_order() for _ in range(3)]
    _shipped_event(orders[0], now - timedelta(hours=30))
    manager = make_user("manager")
    client.force_login(manager)
    with connection.execute_wrapper(_no_timeline_reads):
        chart = client.get("/").context["dashboard"].activity
    start = chart.hours[0]
    expected = activity_counted(Order.objects.live(), start)
    assert sum(chart.created) == sum(created for created, _ in expected.values()) == 3
    assert sum(chart.shipped) == 1
    assert chart.shipped[chart.hours.index(
        (now - timedelta(hours=30)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    )] == 1  # fmt: skip


def _no_timeline_reads(execute, sql, params, many, context):
    assert "orders_orderevent" not in sql, sql
    return execute(sql, params, many, context)
