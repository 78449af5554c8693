"""Assignment and line changes through the API: the order page's assignment form and line menu, with
its permissions, rules and sentences."""

from decimal import Decimal

import pytest

from orders.inputs import LineInput
from orders.models import Order, OrderEvent, OrderLine
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


def _changes(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order)
        .exclude(type__in=["order.created", "status.changed", "stock.allocation"])
        .order_by("pk")
        .values_list("type", flat=True)
    )


# Assignment -----------------------------------------------------------------------------------------


def test_a_csr_assigns_the_csr_and_the_agent_by_username(api, token_for, make_user):
    order = make_order()
    csr, agent = make_user("csr"), make_user("agent")
    response = api(token_for("csr")).post(
        f"/orders/{order.number}/assign", {"csr": csr.username, "agent": agent.username}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["assigned_csr"], response.json()["assigned_agent"]) == (
        csr.username,
        agent.username,
    )
    order.refresh_from_db()
    assert (order.assigned_csr, order.assigned_agent, order.version) == (csr, agent, 2)
    assert list(
        OrderEvent.objects.filter(order=order, type="order.assigned")
        .order_by("pk")
        .values_list("params__role", "params__new")
    ) == [("CSR", str(csr)), ("Delivery agent", str(agent))]


def test_null_unassigns_and_a_field_left_out_stays(api, token_for, make_user):
    csr, agent = make_user("csr"), make_user("agent")
    order = make_order(assigned_csr=csr, assigned_agent=agent)
    response = api(token_for("manager")).post(f"/orders/{order.number}/assign", {"agent": None})
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.assigned_csr, order.assigned_agent) == (csr, None)
    assert _changes(order) == ["order.assigned"]


def test_the_agent_must_be_a_delivery_agent_and_the_csr_a_csr(api, token_for, make_user):
    order = make_order()
    warehouse, agent = make_user("warehouse"), make_user("agent")
    response = api(token_for("csr")).post(
        f"/orders/{order.number}/assign", {"csr": agent.username, "agent": warehouse.username}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "csr", "detail": f"No CSR who can be assigned is called {agent.username!r}."},
        {
            "field": "agent",
            "detail": f"No delivery agent who can be assigned is called {warehouse.username!r}.",
        },
    ]
    order.refresh_from_db()
    assert (order.assigned_csr, order.assigned_agent, order.version) == (None, None, 1)
    assert _changes(order) == []


def test_an_inactive_agent_cannot_be_assigned(api, token_for, make_user):
    order = make_order()
    gone = make_user("agent", is_active=False)
    response = api(token_for("csr")).post(f"/orders/{order.number}/assign", {"agent": gone.username})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "agent"


@pytest.mark.parametrize(
    "role, status",
    [("superadmin", 200), ("manager", 200), ("warehouse", 403), ("viewer", 403), ("agent", 403)],
)
def test_who_assigns_is_as_on_the_page(api, token_for, make_user, role, status):
    user, csr = make_user(role), make_user("csr")
    order = make_order(assigned_agent=user if role == "agent" else None)
    response = api(token_for(user)).post(f"/orders/{order.number}/assign", {"csr": csr.username})
    assert response.status_code == status, response.content
    assert Order.objects.get(pk=order.pk).assigned_csr == (csr if status == 200 else None)


# Lines ----------------------------------------------------------------------------------------------


@pytest.fixture
def two_lines():
    """An order of 2 x MUG (8.00) and 1 x CUP (5.00), tax free, not yet picked."""
    mug = ProductFactory(sku="MUG", price=Decimal("8.00"), tax_rate=Decimal("0"))
    ProductFactory(sku="CUP", price=Decimal("5.00"), tax_rate=Decimal("0"))
    ProductFactory(sku="BOWL", price=Decimal("3.00"), tax_rate=Decimal("0"))
    order = make_order(lines=[LineInput(sku="MUG", quantity=2), LineInput(sku="CUP", quantity=1)])
    return order, order.lines.get(product=mug)


def test_a_csr_cancels_a_line_and_the_total_falls(api, token_for, two_lines):
    order, mug = two_lines
    response = api(token_for("csr")).post(
        f"/orders/{order.number}/lines/{mug.pk}/cancel", {"reason": "out of fashion"}
    )
    assert response.status_code == 200, response.content
    line = next(line for line in response.json()["lines"] if line["id"] == mug.pk)
    assert line["quantity_cancelled"] == 2
    assert response.json()["subtotal"] == "5.00"
    assert OrderEvent.objects.filter(
        order=order, type="line.cancelled", params__reason="out of fashion"
    ).exists()
    again = api(token_for("csr")).post(f"/orders/{order.number}/lines/{mug.pk}/cancel", {})
    assert again.status_code == 409 and again.json()["detail"] == f"MUG on {order} is already cancelled."


def test_a_line_is_replaced_by_another_product_with_a_quantity(api, token_for, two_lines):
    order, mug = two_lines
    response = api(token_for("csr")).post(
        f"/orders/{order.number}/lines/{mug.pk}/replace", {"sku": "BOWL", "quantity": 3}
    )
    assert response.status_code == 200, response.content
    bowl = OrderLine.objects.get(order=order, sku="BOWL")
    assert (bowl.quantity, bowl.position) == (3, mug.position)
    assert response.json()["subtotal"] == "14.00"  # 3 x 3.00 + 5.00
    assert OrderEvent.objects.filter(
        order=order, type="line.replaced", params__old="MUG", params__new="BOWL", params__quantity=3
    ).exists()


def test_left_out_the_quantity_is_the_lines(api, token_for, two_lines):
    order, mug = two_lines
    response = api(token_for("manager")).post(
        f"/orders/{order.number}/lines/{mug.pk}/replace", {"sku": "CUP"}
    )
    assert response.status_code == 200, response.content
    assert OrderLine.objects.filter(order=order, sku="CUP", quantity=2).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"sku": "BOWL", "quantity": 0}, "quantity"),
        ({"sku": ""}, "sku"),
        ({"quantity": 1}, "sku"),
        ({"sku": "BOWL", "colour": "red"}, "colour"),
    ],
)
def test_invalid_replacement_input_is_422_naming_the_field_and_nothing_changes(
    api, token_for, two_lines, body, field
):
    order, mug = two_lines
    response = api(token_for("csr")).post(f"/orders/{order.number}/lines/{mug.pk}/replace", body)
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]]
    assert OrderLine.objects.filter(order=order).count() == 2
    assert Order.objects.get(pk=order.pk).version == order.version


def test_an_unknown_product_is_refused_with_the_pages_sentence(api, token_for, two_lines):
    order, mug = two_lines
    response = api(token_for("csr")).post(f"/orders/{order.number}/lines/{mug.pk}/replace", {"sku": "NOPE"})
    assert response.status_code == 409
    assert response.json()["detail"] == "There is no active product with SKU 'NOPE'."
    mug.refresh_from_db()
    assert mug.quantity_cancelled == 0 and OrderLine.objects.filter(order=order).count() == 2


def test_a_picked_line_no_longer_changes(api, token_for, two_lines):
    order, mug = two_lines
    OrderLine.objects.filter(pk=mug.pk).update(quantity_picked=2)
    client = api(token_for("csr"))
    for action, body in (("cancel", {}), ("replace", {"sku": "CUP"})):
        response = client.post(f"/orders/{order.number}/lines/{mug.pk}/{action}", body)
        assert response.status_code == 409, action
        assert response.json()["detail"] == f"MUG on {order} is already picked; it can no longer change."
    assert _changes(order) == []


def test_the_lines_of_a_cancelled_order_are_locked(api, token_for, two_lines):
    order, mug = two_lines
    client = api(token_for("csr"))
    assert client.post(f"/orders/{order.number}/cancel", {"reason": "customer asked"}).status_code == 200
    response = client.post(f"/orders/{order.number}/lines/{mug.pk}/cancel", {})
    assert response.status_code == 409
    assert response.json()["detail"] == f"{order} is Cancelled: its lines are locked."


def test_a_line_of_another_order_is_404(api, token_for, two_lines):
    order, mug = two_lines
    other = make_order()
    client = api(token_for("csr"))
    assert client.post(f"/orders/{other.number}/lines/{mug.pk}/cancel", {}).status_code == 404
    assert client.post(f"/orders/{order.number}/lines/0/cancel", {}).status_code == 404
    mug.refresh_from_db()
    assert mug.quantity_cancelled == 0


@pytest.mark.parametrize("role", ["warehouse", "viewer", "agent"])
def test_who_changes_lines_is_as_on_the_page(api, token_for, make_user, two_lines, role):
    order, mug = two_lines
    user = make_user(role)
    if role == "agent":
        Order.objects.filter(pk=order.pk).update(assigned_agent=user)
    client = api(token_for(user))
    assert client.post(f"/orders/{order.number}/lines/{mug.pk}/cancel", {}).status_code == 403
    assert client.post(f"/orders/{order.number}/lines/{mug.pk}/replace", {"sku": "CUP"}).status_code == 403
    assert _changes(order) == []
