"""Warehouse pages with input past what their columns hold: a message, never a 500 (issue 15)."""

import pytest
from django.urls import reverse

from fulfilment.models import PackingRecord
from orders.models import Order
from orders.services.transitions import builtin_status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("warehouse", [" ", "abc", "²", "99999999999999999999", "-1"])
def test_the_picklists_and_stock_pages_ignore_a_warehouse_that_is_no_id(client, users, warehouse):
    client.force_login(users["manager"])
    assert client.get(reverse("fulfilment:picklists"), {"warehouse": warehouse}).status_code == 200
    assert client.get(reverse("fulfilment:stock"), {"warehouse": warehouse}).status_code == 200


@pytest.mark.parametrize(("packages", "weight"), [("32768", "100"), ("1", "2147483648"), ("x", "1")])
def test_closing_a_box_with_counts_past_their_columns_is_a_message(client, users, packages, weight):
    order = make_order()
    Order.objects.filter(pk=order.pk).update(status=builtin_status("picked"))
    client.force_login(users["warehouse"])
    response = client.post(
        reverse("fulfilment:pack", kwargs={"number": order.number}),
        {"action": "complete", "packages": packages, "weight_grams": weight},
    )
    assert response.status_code == 200
    assert 'data-testid="scan-error"' in response.content.decode()
    assert not PackingRecord.objects.exists()


def test_receiving_stock_past_what_a_stock_row_holds_is_refused(client, users):
    from fulfilment.models import StockItem
    from fulfilment.services import stock_receive
    from orders.errors import OrderError
    from orders.models import Warehouse
    from tests.factories import ProductFactory

    product, warehouse = ProductFactory(), Warehouse.objects.get(is_default=True)
    stock_receive(warehouse=warehouse, product=product, quantity=2_000_000_000, actor=users["manager"])
    with pytest.raises(OrderError, match="at most 2,147,483,647"):
        stock_receive(warehouse=warehouse, product=product, quantity=2_000_000_000, actor=users["manager"])
    client.force_login(users["manager"])
    response = client.post(
        reverse("fulfilment:stock_receive"),
        {"warehouse": warehouse.pk, "sku": product.sku, "quantity": "2147483648"},
    )
    assert response.status_code == 302
    assert StockItem.objects.get(product=product).on_hand == 2_000_000_000


@pytest.mark.parametrize(
    ("url_name", "parameter"), [("fulfilment:returns_receiving", "rma"), ("fulfilment:packing", "order")]
)
def test_a_scanned_code_of_unicode_digits_finds_nothing_and_says_so(client, users, url_name, parameter):
    client.force_login(users["warehouse"])
    response = client.get(reverse(url_name), {parameter: "RMA-²³"})
    assert response.status_code == 200
    assert "No " in " ".join(str(message) for message in response.wsgi_request._messages)
