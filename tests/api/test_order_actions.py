"""Actions through the API call the order page's services, with its permissions and sentences."""

import pytest

from orders.models import OrderEvent, OrderHold
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_hold_then_release_goes_back_where_it_was(api, token_for):
    order = make_order()
    client = api(token_for("csr"))
    held = client.post(f"/orders/{order.number}/hold", {"reason": "check the address"})
    assert held.status_code == 200 and held.json()["status"]["stage"] == Stage.ON_HOLD
    assert OrderHold.objects.filter(order=order, detail="check the address").exists()
    released = client.post(f"/orders/{order.number}/release")
    assert released.status_code == 200 and released.json()["status"]["stage"] == Stage.PROCESSING


def test_a_refused_transition_is_409_with_the_pages_sentence(api, token_for):
    order = make_order()
    response = api(token_for("manager")).post(f"/orders/{order.number}/release")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == f"{order} is Processing, not on hold."
    response = api(token_for("manager")).post(f"/orders/{order.number}/status", {"status": "delivered"})
    assert response.status_code == 409 and str(order) in response.json()["detail"]
    response = api(token_for("manager")).post(f"/orders/{order.number}/hold", {"reason": " "})
    assert response.json()["detail"] == "Say why the order is held."


def test_cancel_and_status_change_record_the_transition(api, token_for):
    order = make_order()
    client = api(token_for("manager"))
    moved = client.post(
        f"/orders/{order.number}/status", {"status": "on-hold", "reason": "waiting for stock"}
    )
    assert moved.json()["status"]["stage"] == Stage.ON_HOLD
    cancelled = client.post(f"/orders/{order.number}/cancel", {"reason": "customer asked"})
    assert cancelled.status_code == 200 and cancelled.json()["status"]["stage"] == Stage.CANCELLED
    assert (
        OrderEvent.objects.filter(order=order, type="status.changed").count() == 2
    )  # to on hold, then cancelled
    assert OrderEvent.objects.filter(order=order, type="hold.placed").exists()


def test_picking_is_entered_by_its_own_action_not_a_status_change(api, token_for):
    order = make_order()
    response = api(token_for("manager")).post(f"/orders/{order.number}/status", {"status": "picking"})
    assert response.status_code == 409 and "create a picklist" in response.json()["detail"]


def test_a_note_lands_on_the_timeline(api, token_for):
    order = make_order()
    client = api(token_for("csr"))
    assert client.post(f"/orders/{order.number}/notes", {"text": "Customer called"}).status_code == 200
    timeline = client.get(f"/orders/{order.number}/timeline").json()
    assert timeline[0]["type"] == "note.added" and timeline[0]["params"]["text"] == "Customer called"


def test_roles_without_the_permission_get_403_and_nothing_changes(api, token_for):
    order = make_order()
    for role, action, body in [
        ("warehouse", "cancel", {"reason": "x"}),
        ("viewer", "hold", {"reason": "x"}),
        ("viewer", "notes", {"text": "x"}),
        ("viewer", "status", {"status": "on-hold", "reason": "x"}),
    ]:
        response = api(token_for(role)).post(f"/orders/{order.number}/{action}", body)
        assert response.status_code == 403, (role, action)
    order.refresh_from_db()
    assert order.stage == Stage.PROCESSING
    assert not OrderEvent.objects.filter(order=order).exclude(type="order.created").exists()


def test_a_read_only_token_cannot_act(api, token_for):
    order = make_order()
    response = api(token_for("manager", scopes="read")).post(
        f"/orders/{order.number}/cancel", {"reason": "x"}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.stage == Stage.PROCESSING


def test_an_agent_acting_on_an_order_not_theirs_gets_404(api, make_user, token_for):
    agent = make_user("agent")
    order = make_order()
    response = api(token_for(agent)).post(f"/orders/{order.number}/notes", {"text": "hi"})
    assert response.status_code == 404
