"""bench/generate_orders.py (COPY-fast realistic orders for benchmarks) and load_demo_orders (the demo
data): what they write must be the records the services write, and running them again must only append."""

from io import StringIO

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum

from bench.generate_orders import generate_orders, main
from orders.actors import Actor
from orders.models import Customer, HoldReason, Order, OrderEvent, OrderHold, OrderLine
from orders.money.events import MoneyEvent
from orders.money.models import Payment
from orders.money.selectors import money_figures
from orders.selectors import search_orders
from orders.services.create import apply_totals, search_document
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = pytest.mark.django_db

COUNT = 300


@pytest.fixture
def generated(roles_synced):
    """300 orders from one run (fixed seed, small batches so that several transactions are used)."""
    return generate_orders(COUNT, seed=7, batch_size=120)


def test_a_run_writes_the_orders_their_customers_lines_and_creation_events(generated):
    assert Order.objects.count() == COUNT == generated.orders
    assert Customer.objects.count() == COUNT // 10 == generated.customers
    assert not Order.objects.annotate(lines_count=Count("lines")).filter(
        Q(lines_count=0) | Q(lines_count__gt=4)
    )
    created = OrderEvent.objects.filter(type="order.created").values("order").annotate(n=Count("id"))
    assert created.count() == COUNT
    assert {row["n"] for row in created} == {1}
    assert OrderEvent.objects.filter(type="status.changed").exists()
    assert OrderLine.objects.count() == generated.lines
    assert OrderEvent.objects.count() == generated.events


def test_every_stage_is_represented(generated):
    stages = set(Order.objects.values_list("stage", flat=True))
    assert stages == set(Stage.values)
    assert sum(generated.stages.values()) == COUNT


def test_the_stage_column_matches_the_status_of_every_order(generated):
    assert generated.replica  # the test database user is a superuser: the fast path was taken
    assert not Order.objects.exclude(stage=F("status__stage")).exists()


def test_totals_add_up_from_the_lines_the_way_the_services_compute_them(generated):
    for order in Order.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        for line in lines:
            assert line.line_total == line.unit_price * line.quantity - line.discount + line.tax_amount
        expected = Order(delivery_fee=order.delivery_fee)
        apply_totals(expected, lines)
        assert (order.subtotal, order.discount_total, order.tax_total, order.total) == (
            expected.subtotal,
            expected.discount_total,
            expected.tax_total,
            expected.total,
        ), order.number
    assert Order.objects.aggregate(total=Sum("total"))["total"] > 0


def test_numbers_are_unique_come_from_the_sequence_and_later_orders_follow_them(generated):
    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(set(numbers)) == COUNT
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM orders_order_number_seq")
        last_value = cursor.fetchone()[0]
    assert last_value >= max(numbers)
    assert generated.first_number == min(numbers) and generated.last_number == max(numbers)
    later = make_order(Actor.system("tests"))
    assert later.number > max(numbers)


def test_the_search_vector_is_the_one_the_services_would_build(generated):
    sample = Order.objects.select_related("customer").prefetch_related("lines").order_by("?")[:60]
    with connection.cursor() as cursor:
        for order in sample:
            cursor.execute(
                "SELECT search_vector = to_tsvector('simple', %s) FROM orders_order WHERE id = %s",
                [search_document(order, list(order.lines.all())), order.pk],
            )
            assert cursor.fetchone()[0], order.number


def test_the_list_search_finds_an_order_by_its_customers_name(generated):
    order = Order.objects.order_by("?").first()
    surname = order.customer_name.split()[-1]
    found = search_orders(Order.objects.all(), surname)
    assert found.filter(pk=order.pk).exists()
    assert (
        found.count()
        == Order.objects.filter(
            search_vector=SearchQuery(f"{surname.lower()}:*", search_type="raw", config="simple")
        ).count()
    )


def test_orders_on_hold_carry_their_reasons_and_the_stage_they_were_held_from(generated):
    held = Order.objects.filter(stage=Stage.ON_HOLD)
    assert held.exists()
    for order in held:
        assert order.held_from_id is not None
        holds = OrderHold.objects.filter(order=order, released_at__isnull=True)
        assert holds.exists()
        assert {hold.reason for hold in holds} <= set(HoldReason.values)
        assert OrderEvent.objects.filter(order=order, type="hold.placed").exists()
    assert not OrderHold.objects.exclude(order__stage=Stage.ON_HOLD).exists()


def test_a_second_run_appends_and_keeps_numbers_unique(generated):
    first_numbers = set(Order.objects.values_list("number", flat=True))
    second = generate_orders(COUNT, seed=7, batch_size=500)
    assert Order.objects.count() == 2 * COUNT
    assert Customer.objects.count() == 2 * (COUNT // 10)
    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 2 * COUNT
    assert second.first_number > max(first_numbers)
    assert not Order.objects.exclude(stage=F("status__stage")).exists()


def test_the_command_prints_progress_and_the_rate(roles_synced, capsys):
    assert main(["--count", "50", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "50/50 orders (100%)" in text
    assert "orders/s" in text
    assert Order.objects.count() == 50


def test_with_triggers_on_the_stage_trigger_agrees(roles_synced):
    result = generate_orders(60, seed=3, with_triggers=True)
    assert not result.replica
    assert Order.objects.count() == 60
    assert not Order.objects.exclude(stage=F("status__stage")).exists()


def test_the_bulk_path_rebuilds_every_index_it_drops(roles_synced):
    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                "('orders_order', 'orders_orderline', 'orders_orderevent') ORDER BY 1"
            )
            return cursor.fetchall()

    before = indexes()
    result = generate_orders(80, seed=5, indexes="rebuild")
    assert result.rebuilt_indexes > 20
    assert indexes() == before
    assert Order.objects.count() == 80


def test_load_demo_orders_is_idempotent_and_makes_some_orders_through_the_services(roles_synced):
    call_command("load_demo_users", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_orders", count=150, stdout=out)
    assert "demo orders created: 150" in out.getvalue()
    counts = (
        Order.objects.count(),
        OrderEvent.objects.count(),
        Customer.objects.count(),
        OrderLine.objects.count(),
    )
    assert counts[0] == 150
    assert set(Order.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert Customer.objects.filter(requires_po_number=True).exists()
    # The newest orders were made by order_create, as the demo CSR, with real timelines.
    by_service = Order.objects.filter(notes__startswith="Created by the demo data loader")
    assert by_service.count() == 30
    assert (
        OrderEvent.objects.filter(order__in=by_service, type="order.created", actor__username="csr").count()
        == 30
    )
    assert OrderEvent.objects.filter(order__in=by_service, type="status.changed").exists()

    again = StringIO()
    call_command("load_demo_orders", stdout=again)
    assert "none created" in again.getvalue()
    assert (
        Order.objects.count(),
        OrderEvent.objects.count(),
        Customer.objects.count(),
        OrderLine.objects.count(),
    ) == counts


def test_paid_orders_have_the_payments_their_amount_paid_is_the_sum_of(generated):
    paid = Order.objects.filter(amount_paid__gt=0)
    assert paid.count() > COUNT // 2 and generated.payments == Payment.objects.count() == paid.count()
    sums = dict(
        Payment.objects.filter(state=Payment.State.RECEIVED).values_list("order").annotate(paid=Sum("amount"))
    )
    assert sums == dict(paid.values_list("pk", "amount_paid"))
    for order in paid.order_by("?")[:40]:
        assert money_figures(order.pk)["paid"] == order.amount_paid, order.number  # the money page's sum
    assert not Payment.objects.exclude(currency=F("order__currency")).exists()
    assert not Payment.objects.exclude(method=F("order__payment_method")).exists()


def test_each_payment_has_its_timeline_event_as_the_money_services_record_it(generated):
    events = {
        event.params["payment"]: event
        for event in OrderEvent.objects.filter(type=MoneyEvent.PAYMENT_RECORDED)
    }
    payments = list(Payment.objects.select_related("order"))
    assert set(events) == {payment.pk for payment in payments}
    for payment in payments:
        event = events[payment.pk]
        assert event.order_id == payment.order_id
        assert event.params == {
            "payment": payment.pk,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "method": payment.get_method_display(),
            "reference": payment.reference,
            "collected_by": str(payment.collected_by) if payment.collected_by else "",
        }
        assert payment.reference == payment.order.channel_order_number[:100]
        assert payment.recorded_at >= payment.order.created_at


def test_cash_collected_on_delivery_is_recorded_by_the_delivery_agent(make_user):
    agent = make_user("agent")
    make_user("csr")
    generate_orders(400, seed=11, batch_size=200)
    collected = Payment.objects.filter(
        order__stage__in=[Stage.DELIVERED, Stage.RETURNED], method__in=["cash", "pos"]
    )
    assert collected.exists()
    for payment in collected.select_related("order"):
        expected = agent.pk if payment.order.assigned_agent_id else None
        assert (payment.collected_by_id, payment.recorded_by_id) == (expected, expected)
    unpaid = Order.objects.filter(stage__in=[Stage.AWAITING_PAYMENT, Stage.DRAFT, Stage.CANCELLED])
    assert unpaid.exists() and not Payment.objects.filter(order__in=unpaid).exists()


def test_the_suites_own_channels_get_no_generated_orders(roles_synced):
    """A suite's channel (bench/cleanup.py) holds only what that suite made and removes again; a channel
    code it named "bench-bulk-<time>" is also longer than an order's source column."""
    from bench.cleanup import bench_channel

    bench_channel("bench-bulk-1796529282")
    generate_orders(120, seed=5)
    assert Order.objects.count() == 120
    assert not Order.objects.filter(channel__code__startswith="bench-").exists()
