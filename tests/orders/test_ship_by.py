"""The shop's ship-by date on the order page: shown with the time, "Late" once it has passed while the
order has not shipped, "Today" on its day; nothing once the order has shipped or closed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from orders.models import Order
from tests.factories import make_order

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ship_by", "stage", "state"),
    [
        (NOW - timedelta(minutes=1), "processing", "late"),
        (NOW - timedelta(days=3), "packed", "late"),
        (NOW + timedelta(hours=5), "processing", "today"),  # 15:00 the same day
        (NOW + timedelta(days=1), "processing", ""),
        (NOW - timedelta(days=1), "shipped", ""),  # shipped: the date was met or no longer matters
        (NOW - timedelta(days=1), "cancelled", ""),
        (None, "processing", ""),
    ],
)
def test_the_ship_by_state_says_late_today_or_nothing(settings, ship_by, stage, state):
    settings.TIME_ZONE = "UTC"
    assert Order(ship_by=ship_by, stage=stage).ship_by_state(NOW) == state


def test_the_late_and_due_today_queries_pick_the_orders_the_state_names(settings):
    """The list's tabs and the dashboard count with the querysets; the order page shows ship_by_state().
    Both must agree on every case, the New York evening that is already tomorrow in UTC included."""
    settings.TIME_ZONE = "America/New_York"
    cases = [
        (NOW - timedelta(minutes=1), "processing"),
        (NOW - timedelta(days=3), "packed"),
        (NOW + timedelta(hours=5), "processing"),
        (NOW + timedelta(hours=18), "picking"),
        (NOW + timedelta(hours=19), "processing"),
        (NOW + timedelta(days=1), "processing"),
        (NOW - timedelta(days=1), "shipped"),
        (NOW - timedelta(days=1), "cancelled"),
        (None, "processing"),
    ]
    with timezone.override("America/New_York"):
        orders = []
        for ship_by, stage in cases:
            order = make_order(ship_by=ship_by)
            Order.objects.filter(pk=order.pk).update(stage=stage)  # test data: the stage alone matters here
            order.stage = stage
            orders.append(order)
        by_state = {
            state: {o.pk for o in orders if o.ship_by_state(NOW) == state} for state in ("late", "today")
        }
        ids = [o.pk for o in orders]
        assert (
            set(Order.objects.filter(pk__in=ids).late(NOW).values_list("pk", flat=True)) == by_state["late"]
        )
        assert (
            set(Order.objects.filter(pk__in=ids).due_today(NOW).values_list("pk", flat=True))
            == by_state["today"]
        )
        assert len(by_state["late"]) == 2 and len(by_state["today"]) == 2


def test_today_is_the_day_in_the_installations_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"  # 10:00 UTC is 05:00 in New York
    with timezone.override("America/New_York"):
        assert Order(ship_by=NOW + timedelta(hours=13), stage="processing").ship_by_state(NOW) == "today"
        # 04:00 UTC the next day is still the evening of the 5th in New York; 05:00 UTC is the 6th.
        assert Order(ship_by=NOW + timedelta(hours=18), stage="processing").ship_by_state(NOW) == "today"
        assert Order(ship_by=NOW + timedelta(hours=19), stage="processing").ship_by_state(NOW) == ""


def test_the_order_page_shows_the_ship_by_date_with_a_late_badge(client, users):
    order = make_order(ship_by=timezone.now() - timedelta(hours=2))
    client.force_login(users["csr"])

    page = client.get(order.get_absolute_url()).content.decode()

    assert 'data-testid="ship-by" data-state="late"' in page
    assert "Ship by " in page and ">Late</span>" in page


def test_an_order_due_later_shows_its_date_without_a_badge_and_one_without_a_date_shows_none(client, users):
    later = make_order(ship_by=timezone.now() + timedelta(days=3))
    undated = make_order()
    client.force_login(users["csr"])

    page = client.get(later.get_absolute_url()).content.decode()
    assert 'data-testid="ship-by" data-state=""' in page
    assert ">Late</span>" not in page and ">Today</span>" not in page
    assert 'data-testid="ship-by"' not in client.get(undated.get_absolute_url()).content.decode()
