"""Shipments through the API: the ship form's checks, the same service, the page's sentences."""

import pytest

from fulfilment.models import Carrier, Shipment, StockItem, StockMovement
from fulfilment.services import order_allocate
from orders.inputs import LineInput
from orders.models import OrderEvent, Warehouse
from orders.workflow import Stage
from tests.api.answers import problem_answer
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked_order():
    """A processing order of 3 mugs and 2 plates, all allocated from the default warehouse."""
    mug, plate = ProductFactory(sku="MUG-1"), ProductFactory(sku="PLATE-1")
    warehouse = Warehouse.objects.get(is_default=True)
    for product in (mug, plate):
        StockItem.objects.create(warehouse=warehouse, product=product, on_hand=10)
    order = make_order(lines=[LineInput(sku="MUG-1", quantity=3), LineInput(sku="PLATE-1", quantity=2)])
    order_allocate(order_id=order.pk)
    return order


def _lines(order) -> dict[str, int]:
    return {line.sku: line.pk for line in order.lines.all()}


def test_shipping_everything_by_carrier_code_moves_the_order_to_shipped(api, token_for, stocked_order):
    client = api(token_for("warehouse"))
    response = client.post(
        f"/orders/{stocked_order.number}/shipments",
        {"carrier": "ups", "service": "Express", "tracking_number": "1Z999"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["carrier"] == "UPS" and body["service"] == "Express"  # the managed carrier's name
    assert body["tracking_url"] == "https://www.ups.com/track?tracknum=1Z999"
    assert sorted((line["sku"], line["quantity"]) for line in body["lines"]) == [("MUG-1", 3), ("PLATE-1", 2)]
    stocked_order.refresh_from_db()
    assert stocked_order.stage == Stage.SHIPPED
    assert stocked_order.tracking_numbers == ["1Z999"]
    assert StockItem.objects.get(product__sku="MUG-1").on_hand == 7
    assert OrderEvent.objects.filter(order=stocked_order, type="shipment.created").count() == 1


def test_a_partial_shipment_keeps_the_order_in_processing_and_shows_the_lines_shipped(
    api, token_for, stocked_order
):
    client = api(token_for("warehouse"))
    lines = _lines(stocked_order)
    response = client.post(
        f"/orders/{stocked_order.number}/shipments",
        {"carrier": "dhl", "tracking_number": "JD01", "lines": [{"line_id": lines["MUG-1"], "quantity": 2}]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["lines"] == [{"line_id": lines["MUG-1"], "sku": "MUG-1", "quantity": 2}]
    order = client.get(f"/orders/{stocked_order.number}").json()
    assert order["status"]["stage"] == Stage.PROCESSING
    assert {line["sku"]: line["quantity_shipped"] for line in order["lines"]} == {"MUG-1": 2, "PLATE-1": 0}
    # The rest ships with a second call without lines: everything left.
    rest = client.post(f"/orders/{stocked_order.number}/shipments", {"carrier": "dhl"})
    assert rest.status_code == 201
    assert sorted((line["sku"], line["quantity"]) for line in rest.json()["lines"]) == [
        ("MUG-1", 1),
        ("PLATE-1", 2),
    ]
    shipments = client.get(f"/orders/{stocked_order.number}/shipments").json()
    assert [shipment["tracking_number"] for shipment in shipments] == ["JD01", ""]
    assert client.get(f"/orders/{stocked_order.number}").json()["status"]["stage"] == Stage.SHIPPED


def test_a_carrier_not_on_the_managed_list_is_a_422_naming_the_field(api, token_for, stocked_order):
    Carrier.objects.filter(code="gls").update(active=False)
    client = api(token_for("manager"))
    for carrier in ("pigeon", "gls"):
        body = problem_answer(
            client.post(f"/orders/{stocked_order.number}/shipments", {"carrier": carrier}), 422
        )
        assert body["errors"][0]["field"] == "carrier"
        assert "Choose one of the carriers in the list" in body["errors"][0]["detail"]
    assert not Shipment.objects.exists()


def test_bad_lines_are_422s_naming_the_line_and_nothing_ships(api, token_for, stocked_order):
    client = api(token_for("manager"))
    other = make_order()
    mug = _lines(stocked_order)["MUG-1"]
    path = f"/orders/{stocked_order.number}/shipments"
    cases = [
        ([{"line_id": other.lines.first().pk, "quantity": 1}], "lines[0].line_id"),
        ([{"line_id": mug, "quantity": 1}, {"line_id": mug, "quantity": 1}], "lines[1].line_id"),
        ([{"line_id": mug, "quantity": 0}], "lines[0].quantity"),
        ([{"line_id": mug}], "lines[0].quantity"),
        ([], "lines"),
    ]
    for lines, field in cases:
        body = problem_answer(client.post(path, {"carrier": "dhl", "lines": lines}), 422)
        assert body["errors"][0]["field"] == field, (lines, body)
    assert problem_answer(client.post(path, {"service": "x"}), 422)["errors"][0]["field"] == "carrier"
    assert not Shipment.objects.exists() and not StockMovement.objects.exists()


def test_more_than_is_open_is_refused_with_the_pages_sentence(api, token_for, stocked_order):
    mug = _lines(stocked_order)["MUG-1"]
    body = problem_answer(
        api(token_for("manager")).post(
            f"/orders/{stocked_order.number}/shipments",
            {"carrier": "dhl", "lines": [{"line_id": mug, "quantity": 4}]},
        ),
        409,
    )
    assert body["detail"] == f"Cannot ship {stocked_order}: MUG-1: ship between 1 and 3, not 4."
    assert not Shipment.objects.exists()


def test_an_order_that_cannot_ship_now_is_a_409_with_the_pages_sentence(api, token_for, stocked_order):
    client = api(token_for("manager"))
    client.post(f"/orders/{stocked_order.number}/cancel", {"reason": "customer asked"})
    body = problem_answer(client.post(f"/orders/{stocked_order.number}/shipments", {"carrier": "dhl"}), 409)
    assert body["detail"] == f"{stocked_order} is Cancelled; only processing or packed orders ship."


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("superadmin", 201),
        ("manager", 201),
        ("warehouse", 201),
        ("csr", 403),
        ("viewer", 403),
        ("agent", 403),
    ],
)
def test_shipping_is_for_the_roles_the_ship_form_is_for(api, token_for, stocked_order, role, status):
    response = api(token_for(role)).post(f"/orders/{stocked_order.number}/shipments", {"carrier": "dhl"})
    assert response.status_code == status, response.content
    assert Shipment.objects.exists() == (status == 201)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("superadmin", 200),
        ("manager", 200),
        ("warehouse", 200),
        ("csr", 200),
        ("viewer", 200),
        ("agent", 404),
    ],
)
def test_shipments_are_read_by_whoever_sees_the_order(api, token_for, stocked_order, role, status):
    response = api(token_for(role)).get(f"/orders/{stocked_order.number}/shipments")
    assert response.status_code == status


def test_an_agent_ships_nothing_and_reads_the_shipments_of_their_own_orders(
    api, token_for, make_user, stocked_order
):
    from orders.actors import Actor
    from orders.services.bulk import order_assign_many

    agent = make_user("agent")
    order_assign_many(order_ids=[stocked_order.pk], actor=Actor.system("tests"), role="agent", person=agent)
    client = api(token_for(agent))
    assert client.get(f"/orders/{stocked_order.number}/shipments").json() == []
    assert problem_answer(client.post(f"/orders/{stocked_order.number}/shipments", {"carrier": "dhl"}), 403)


def test_a_read_only_token_cannot_ship(api, token_for, stocked_order):
    response = api(token_for("warehouse", scopes="read")).post(
        f"/orders/{stocked_order.number}/shipments", {"carrier": "dhl"}
    )
    assert problem_answer(response, 403) and not Shipment.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("superadmin", 200),
        ("manager", 200),
        ("warehouse", 200),
        ("csr", 403),
        ("viewer", 403),
        ("agent", 403),
    ],
)
def test_the_carriers_to_ship_with_are_the_active_ones_of_the_managed_list(api, token_for, role, status):
    Carrier.objects.filter(code="gls").update(active=False)
    response = api(token_for(role)).get("/carriers")
    assert response.status_code == status
    if status == 200:
        codes = [carrier["code"] for carrier in response.json()]
        assert "dhl" in codes and "ups" in codes and "gls" not in codes
