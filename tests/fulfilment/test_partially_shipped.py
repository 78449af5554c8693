"""A partly shipped order says so on its page (issue 19; seed 002: it keeps its status)."""

import pytest

from fulfilment.services import shipment_create
from orders.models import Order
from tests.fulfilment.test_pick_pack_ship import lines_by_sku, picker, place, stocked  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_order_page_shows_partially_shipped_until_the_last_units_ship(place, picker, client):  # noqa: F811
    mug, tea = stocked("MUG-01"), stocked("TEA-01")
    order = place((mug, 2), (tea, 1))
    lines = lines_by_sku(order)
    client.force_login(picker)
    assert not order.is_partially_shipped
    assert 'data-testid="partially-shipped"' not in client.get(order.get_absolute_url()).content.decode()

    shipment_create(order_id=order.pk, carrier="DPD", quantities={lines["MUG-01"].pk: 1}, actor=picker)
    order = Order.objects.get(pk=order.pk)
    assert order.stage == "processing" and order.is_partially_shipped
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="partially-shipped">Partially shipped<' in page
    assert 'data-testid="panel-partially-shipped"' in page

    shipment_create(order_id=order.pk, carrier="DPD", actor=picker)
    order = Order.objects.get(pk=order.pk)
    assert order.stage == "shipped" and not order.is_partially_shipped
    assert 'data-testid="partially-shipped"' not in client.get(order.get_absolute_url()).content.decode()


def test_the_order_list_marks_partly_shipped_orders(place, picker, client, users):  # noqa: F811
    mug = stocked("MUG-01")
    partial, untouched = place((mug, 2)), place((mug, 1))
    shipment_create(order_id=partial.pk, carrier="DPD", quantities={partial.lines.get().pk: 1}, actor=picker)
    client.force_login(users["manager"])
    page = client.get("/orders/").content.decode()
    rows = {
        number: page[page.index(f">{number}<") :].split("</tr>")[0]
        for number in (str(partial), str(untouched))
    }
    assert "Partially shipped" in rows[str(partial)]
    assert "Partially shipped" not in rows[str(untouched)]
