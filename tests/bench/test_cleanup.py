"""bench/cleanup.py: a suite's orders go, every other order stays, and the dashboard's hourly summary is
left folded and equal to counting the orders that remain, as beat leaves it in a live database."""

import pytest

from bench.cleanup import bench_channel, delete_orders
from orders.models import Order, OrderActivity
from tests.dashboard.test_activity import counted, summary
from tests.factories import make_order

# delete_orders ends with VACUUM, which cannot run inside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_removing_a_suites_orders_keeps_the_others_and_leaves_the_summary_folded(roles_synced):
    kept = [make_order() for _ in range(2)]
    channel = bench_channel("bench-test-cleanup")
    for _ in range(3):
        make_order(channel=channel)
    assert OrderActivity.objects.count() > len(summary())  # each creation appended a row

    assert delete_orders(["bench-test-cleanup"]) == 3

    assert set(Order.objects.values_list("pk", flat=True)) == {order.pk for order in kept}
    assert summary() == counted()
    assert sum(created for created, _shipped in summary().values()) == 2
    assert OrderActivity.objects.count() == len(summary())  # one row per hour and channel
