"""order_release(only=...): releasing the holds for some reasons keeps the others; releasing the last
one sends the order on as a full release does."""

import pytest

from orders.errors import TransitionRefused
from orders.models import HoldReason
from orders.services.transitions import order_hold, order_release
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_releasing_one_reason_keeps_the_order_held_for_the_others(users):
    order = make_order()
    order_hold(
        order_id=order.pk,
        actor=users["csr"],
        reason="asked to cancel",
        code=HoldReason.CANCELLATION_REQUESTED,
    )
    order_hold(order_id=order.pk, actor=users["csr"], reason="check the address")
    version = type(order).objects.get(pk=order.pk).version

    order = order_release(order_id=order.pk, actor=users["csr"], only={HoldReason.CANCELLATION_REQUESTED})

    order.refresh_from_db()
    assert order.stage == Stage.ON_HOLD and order.version == version  # its status untouched
    assert list(order.holds.filter(released_at=None).values_list("detail", flat=True)) == [
        "check the address"
    ]
    assert order.events.latest("id").params == {"reasons": ["Buyer asked to cancel: asked to cancel"]}


def test_releasing_the_last_reason_sends_the_order_back(users):
    order = make_order()
    order_hold(
        order_id=order.pk,
        actor=users["csr"],
        reason="asked to cancel",
        code=HoldReason.CANCELLATION_REQUESTED,
    )

    order = order_release(order_id=order.pk, actor=users["csr"], only={HoldReason.CANCELLATION_REQUESTED})

    assert order.stage == Stage.PROCESSING and not order.holds.filter(released_at=None).exists()


def test_releasing_a_reason_the_order_is_not_held_for_is_refused_and_changes_nothing(users):
    order = make_order()
    order_hold(order_id=order.pk, actor=users["csr"], reason="check the address")

    with pytest.raises(TransitionRefused, match="is not on hold for Buyer asked to cancel"):
        order_release(order_id=order.pk, actor=users["csr"], only={HoldReason.CANCELLATION_REQUESTED})

    assert order.holds.filter(released_at=None).count() == 1
