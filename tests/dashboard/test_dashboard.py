"""The dashboard on `/`: every role's tiles, each count equal to the row count of the order list it
links to (the list's own `matching`), counts only from the orders the user may see, and a query count
that does not grow with the data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.jobs.models import BulkJob
from orders.models import HoldReason, Order, OrderEvent, OrderHold, OrderLine
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = pytest.mark.django_db

ROLE_TILES = {
    "manager": {"to_process", "awaiting_payment", "backordered", "late", "due_today", "failing_jobs",
                "failing_connections"},
    "csr": {"my_orders", "my_holds", "to_process", "awaiting_payment", "backordered", "late", "due_today",
            "failing_jobs"},
    "warehouse": {"ready_to_pick", "picking", "picked", "packed", "due_today", "shipped_today"},
    "agent": {"my_deliveries", "failed_deliveries", "cash_to_remit"},
}  # fmt: skip


def _order(stage: str, **fields) -> Order:
    order = make_order(**fields)
    Order.objects.filter(pk=order.pk).update(stage=stage)  # test data: the list counts by stage
    return order


def _shipped_event(order: Order, at) -> None:
    OrderEvent.objects.create(
        order=order,
        type="status.changed",
        params={
            "old": "Packed",
            "new": "Shipped",
            "old_stage": "packed",
            "new_stage": "shipped",
            "reason": "",
        },
        actor_kind="system",
        actor_label="tests",
        created_at=at,
    )


def varied_orders(users, *, scale: int = 1) -> dict:
    """Orders in every state a tile names, `scale` of each, spread over two CSRs and two agents."""
    now = timezone.now()
    csr, other_csr = users["csr"], users["other_csr"]
    agent, other_agent = users["agent"], users["other_agent"]
    for index in range(scale):
        mine = {"assigned_csr": csr} if index % 2 == 0 else {"assigned_csr": other_csr}
        backordered = _order(Stage.PROCESSING, **mine)  # its line has no stock allocated
        ready = _order(Stage.PROCESSING)
        OrderLine.objects.filter(order=ready).update(quantity_allocated=F("quantity"))
        _order(Stage.AWAITING_PAYMENT, **mine)
        held = _order(Stage.ON_HOLD, assigned_csr=csr)
        OrderHold.objects.create(order=held, reason=HoldReason.MISSING_ADDRESS, detail="no street")
        OrderHold.objects.create(order=backordered, reason=HoldReason.OVER_VALUE, detail="big")
        _order(Stage.ON_HOLD, assigned_csr=other_csr)
        for stage in (Stage.PICKING, Stage.PICKED, Stage.PACKED):
            _order(stage)
        _order(Stage.PROCESSING, ship_by=now - timedelta(hours=1))  # late
        _order(Stage.PACKED, ship_by=now + timedelta(minutes=5))  # due today unless midnight is that near
        _order(Stage.SHIPPED, ship_by=now - timedelta(hours=1))  # shipped: no longer late
        for owner in (agent, other_agent):
            shipped = _order(Stage.SHIPPED, assigned_agent=owner)
            _shipped_event(shipped, now - timedelta(minutes=1))
            _order(Stage.DELIVERY_FAILED, assigned_agent=owner)
        _shipped_event(_order(Stage.DELIVERED), now - timedelta(days=2))  # shipped on another day
    BulkJob.objects.create(
        action="status", created_by=csr, state=BulkJob.State.FAILED, total=3, failed_count=3
    )
    BulkJob.objects.create(action="status", created_by=csr, state=BulkJob.State.DONE, total=3, done_count=3)
    return {"now": now}


@pytest.fixture
def people(make_user):
    return {
        "manager": make_user("manager", username="dash-manager"),
        "csr": make_user("csr", username="dash-csr"),
        "other_csr": make_user("csr", username="dash-csr-2"),
        "warehouse": make_user("warehouse", username="dash-warehouse"),
        "agent": make_user("agent", username="dash-agent"),
        "other_agent": make_user("agent", username="dash-agent-2"),
    }


def _tiles(client, user) -> dict:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return {
        view.tile.key: view for _section, views in response.context["dashboard"].sections for view in views
    }


@pytest.mark.parametrize("role", ["manager", "csr", "warehouse", "agent"])
def test_every_tile_counts_the_rows_of_the_list_it_links_to(client, people, role):
    varied_orders(people)
    tiles = _tiles(client, people[role])
    assert ROLE_TILES[role] <= set(tiles), set(tiles)
    checked = 0
    for key, view in tiles.items():
        response = client.get(view.tile.href)
        assert response.status_code == 200, (key, view.tile.href)
        if view.tile.is_order_list:
            assert response.context["page"].matching == view.count, (key, view.tile.href)
            checked += 1
    assert checked >= 2
    # The data set puts something behind every order tile but the shipped-today one of the office.
    assert all(view.count for view in tiles.values() if view.tile.is_order_list), {
        key: view.count for key, view in tiles.items()
    }


def test_the_figures_are_the_data_sets(client, people):
    varied_orders(people, scale=2)
    manager = _tiles(client, people["manager"])
    assert manager["to_process"].count == 6  # backordered, ready, late: two of each
    assert manager["backordered"].count == 4  # backordered and late have no stock
    assert manager["awaiting_payment"].count == 2
    assert manager["late"].count == 2
    assert manager["hold_missing_address"].count == 2
    assert manager["hold_over_value"].count == 2
    assert "hold_manual" not in manager  # a hold reason nobody has is not shown
    warehouse = _tiles(client, people["warehouse"])
    assert warehouse["ready_to_pick"].count == 2
    assert warehouse["packed"].count == 4
    assert warehouse["shipped_today"].count == 4  # both agents' orders, not the one shipped days ago


def test_a_csr_counts_only_her_own_in_her_tiles(client, people):
    varied_orders(people, scale=2)
    csr = _tiles(client, people["csr"])
    assert csr["my_holds"].count == 2
    # Her processing and awaiting-payment orders (one each) and her two held ones.
    assert csr["my_orders"].count == 4
    other = _tiles(client, people["other_csr"])
    assert other["my_holds"].count == 2
    assert other["my_orders"].count == 4


def test_an_agent_counts_only_his_orders(client, people):
    varied_orders(people, scale=3)
    agent = _tiles(client, people["agent"])
    assert agent["my_deliveries"].count == 3
    assert agent["failed_deliveries"].count == 3
    assert agent["cash_to_remit"].tile.value == "Nothing owed"


def test_the_failing_jobs_tile_counts_the_failing_jobs_page(client, people):
    varied_orders(people)
    tiles = _tiles(client, people["csr"])
    assert tiles["failing_jobs"].count == 1
    response = client.get(tiles["failing_jobs"].tile.href)
    assert len(response.context["jobs"]) == 1


def test_the_charts_count_the_weeks_orders(client, people):
    varied_orders(people)
    client.force_login(people["manager"])
    response = client.get("/")
    activity = response.context["dashboard"].activity
    assert len(activity.hours) == 168
    assert sum(activity.created) == Order.objects.count()
    assert sum(activity.shipped) == 3  # two a minute ago, one two days ago: all within the week
    assert b'id="chart-data"' in response.content
    assert b"vendor/chart.js/chart.umd" in response.content
    client.force_login(people["agent"])
    assert client.get("/").context["dashboard"].activity is None


def _queries(client, user) -> int:
    client.force_login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("role", ["manager", "csr", "warehouse", "agent"])
def test_the_query_count_does_not_grow_with_the_data(client, people, role):
    varied_orders(people)
    few = _queries(client, people[role])
    varied_orders(people, scale=3)
    assert _queries(client, people[role]) == few
    assert few <= 20
