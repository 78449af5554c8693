"""The packing station's queue (issue 19): picked orders waiting, the earliest ship-by first (then the
longest waiting since picked); scanning or clicking opens one; after "packed" the next one opens."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfilment.models import Picklist
from fulfilment.selectors import next_to_pack, packing_queue
from fulfilment.services import packing_scan
from orders.models import Order
from tests.fulfilment.test_pick_pack_ship import (  # noqa: F401 - fixtures
    pick_everything,
    picker,
    place,
    stocked,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def picked(place, picker):  # noqa: F811
    """factory(ship_by=..., picked_minutes_ago=...) -> a picked order."""
    mug = stocked("MUG-01", on_hand=100, barcode="5012345000011")

    def make(*, ship_by=None, picked_minutes_ago=0) -> Order:
        order = place((mug, 1))
        picklist = pick_everything(order, picker)
        Picklist.objects.filter(pk=picklist.pk).update(
            completed_at=timezone.now() - timedelta(minutes=picked_minutes_ago)
        )
        Order.objects.filter(pk=order.pk).update(ship_by=ship_by)
        order.refresh_from_db()
        return order

    return make


def box_everything(order: Order, actor) -> None:
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            packing_scan(order_id=order.pk, code=line.product.barcode, actor=actor)


def numbers(queue) -> list[int]:
    return [order.number for order in queue]


def test_the_queue_puts_the_earliest_ship_by_first_then_the_longest_waiting(picked, picker, place):  # noqa: F811
    now = timezone.now()
    no_deadline_old = picked(picked_minutes_ago=90)
    no_deadline_new = picked(picked_minutes_ago=5)
    tomorrow = picked(ship_by=now + timedelta(days=1), picked_minutes_ago=60)
    late = picked(ship_by=now - timedelta(hours=1), picked_minutes_ago=1)
    place((stocked("TEA-01"), 1))  # processing, not picked: not in the queue

    assert numbers(packing_queue(picker)) == [
        late.number,
        tomorrow.number,
        no_deadline_old.number,
        no_deadline_new.number,
    ]
    assert next_to_pack(picker, after=late) == tomorrow


def test_the_station_lists_the_queue_with_links_to_pack(client, picked, picker):  # noqa: F811
    first = picked(ship_by=timezone.now() - timedelta(hours=2))
    second = picked()
    client.force_login(picker)
    page = client.get(reverse("fulfilment:packing")).content.decode()
    assert page.index(f'data-number="{first.number}"') < page.index(f'data-number="{second.number}"')
    assert f'href="/fulfilment/packing/{first.number}/" data-testid="pack-next"' in page
    assert "Late" in page


def test_after_packed_the_next_order_opens_and_the_last_returns_to_the_station(client, picked, picker):  # noqa: F811
    first = picked(picked_minutes_ago=30)
    second = picked(picked_minutes_ago=10)
    client.force_login(picker)
    for order, following in (
        (first, f"/fulfilment/packing/{second.number}/"),
        (second, "/fulfilment/packing/"),
    ):
        box_everything(order, picker)
        response = client.post(
            reverse("fulfilment:pack", kwargs={"number": order.number}),
            {"action": "complete", "packages": "1", "weight_grams": "500"},
        )
        assert response.status_code == 302 and response["Location"] == following
        order.refresh_from_db()
        assert order.stage == "packed"


def test_a_refused_pack_stays_on_the_order(client, picked, picker):  # noqa: F811
    """Not everything in the box: the station does not move on to the next order."""
    first = picked()
    picked()
    client.force_login(picker)
    response = client.post(
        reverse("fulfilment:pack", kwargs={"number": first.number}),
        {"action": "complete", "packages": "1", "weight_grams": "500"},
    )
    assert response.status_code == 200
    assert "is not complete" in response.content.decode()
    first.refresh_from_db()
    assert first.stage == "picked"
