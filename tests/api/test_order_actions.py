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
    assert (
        not OrderEvent.objects.filter(order=order)
        .exclude(type__in=["order.created", "stock.allocation"])
        .exists()
    )


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


def test_a_change_needs_the_current_etag_and_a_stale_one_is_412(api, token_for, client):
    order = make_order()
    token = token_for("csr")
    got = api(token).get(f"/orders/{order.number}")
    assert got["ETag"] == '"1"'

    def patch(body, **headers):
        return client.patch(
            f"/api/v1/orders/{order.number}",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", **headers},
        )

    changed = patch(
        {"notes": "Leave at the door", "tags": ["vip", " vip", "gift"]}, **{"If-Match": got["ETag"]}
    )
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == '"2"' and changed.json()["tags"] == ["gift", "vip"]
    assert OrderEvent.objects.filter(order=order, type="order.edited").exists()

    stale = patch({"notes": "Ring twice"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    assert "changed by someone else" in stale.json()["detail"]
    assert patch({"notes": "Ring twice"}).status_code == 428
    assert patch({"notes": "Ring twice"}, **{"If-Match": "banana"}).status_code == 412
    order.refresh_from_db()
    assert order.notes == "Leave at the door" and order.version == 2


def test_a_viewer_may_not_change_an_order(api, token_for, client):
    order = make_order()
    response = client.patch(
        f"/api/v1/orders/{order.number}",
        {"notes": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for('viewer')}", "If-Match": '"1"'},
    )
    assert response.status_code == 403


def test_a_negative_delivery_fee_is_422_and_nothing_changes(api, token_for, client):
    """Found by the schema checks: the edit service let it through to the database's constraint (500)."""
    order = make_order()
    response = client.patch(
        f"/api/v1/orders/{order.number}",
        {"delivery_fee": "-1.00", "notes": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for('manager')}", "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "delivery_fee", "detail": "Delivery fee cannot be negative."}
    ]
    order.refresh_from_db()
    assert order.version == 1 and order.notes == ""
