"""A notification that only names an order (TikTok Shop's, eBay's): the order is fetched from the
platform before it is applied, and asked for again later when the platform does not show it yet."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from channels.intake.batch import deliveries_process
from channels.intake.models import Delivery
from channels.intake.processing import FETCH_ATTEMPTS
from channels.marketplaces.base import OrderReference, PlatformError
from orders.models import Order
from tests.channels.shops import make_connection, shop_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


class Platform:
    """The platform's answers to `order(id)`, one per call: an order or an error."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = []

    def order(self, platform_order_id):
        self.asked.append(platform_order_id)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def notified():
    ProductFactory(sku="MUG-1", price=Decimal("12.50"), tax_rate=Decimal("0"))
    shop = make_connection()
    Delivery.objects.create(
        connection=shop,
        source="webhook",
        delivery_id="n-1",
        topic="orders/updated",
        body='{"order_id": "5001047"}',
    )
    return shop


def drain(shop, platform):
    with (
        mock.patch(
            "channels.marketplaces.shopify.PLATFORM.order_from_webhook",
            return_value=OrderReference("5001047"),
        ),
        mock.patch("channels.connections.services.connection_client", return_value=platform),
    ):
        return dict(deliveries_process(connection_id=shop.pk))


def test_the_named_order_is_fetched_and_applied(notified):
    platform = Platform(shop_order(1047))

    assert drain(notified, platform) == {"created": 1}

    assert platform.asked == ["5001047"]
    assert Order.objects.filter(channel=notified.channel, channel_order_id="5001047").exists()


def test_an_order_the_platform_does_not_show_yet_is_asked_for_again_later(notified):
    platform = Platform(PlatformError("not found yet"), shop_order(1047))

    assert drain(notified, platform) == {"waiting": 1}
    delivery = Delivery.objects.get()
    assert delivery.state == "received" and delivery.attempts == 1 and "not found yet" in delivery.outcome
    assert drain(notified, platform) == {}  # asked for just now: the next drain leaves it alone
    Delivery.objects.update(processed_at=timezone.now() - timedelta(minutes=1))

    assert drain(notified, platform) == {"created": 1}
    assert platform.asked == ["5001047", "5001047"]


def test_after_the_last_attempt_the_delivery_fails_with_the_reason(notified):
    Delivery.objects.update(attempts=FETCH_ATTEMPTS - 1)

    assert drain(notified, Platform(PlatformError("still not found"))) == {"failed": 1}
    assert "did not give order 5001047: still not found" in Delivery.objects.get().outcome
