"""factory_boy factories for the connection pages: rows as connection_create and the webhook door leave
them, made without asking a marketplace adapter."""

import factory
from django.utils import timezone

from channels.connections.models import Connection, SyncRun
from channels.intake.models import Delivery
from orders.models import Channel
from tests.factories import make_order


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    code = factory.Sequence(lambda n: f"shopify-store-{n}")
    name = factory.Sequence(lambda n: f"Store {n}")
    kind = "shopify"


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    name = factory.Sequence(lambda n: f"Store {n}")
    kind = "shopify"
    channel = factory.SubFactory(
        ChannelFactory, name=factory.SelfAttribute("..name"), kind=factory.SelfAttribute("..kind")
    )
    shop_url = factory.LazyAttribute(lambda c: f"https://{c.channel.code}.example")
    credentials = factory.LazyFunction(lambda: {"access_token": "x"})
    webhook_secrets = factory.LazyFunction(lambda: ["s"])


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    connection = factory.SubFactory(ConnectionFactory)
    source = Delivery.Source.WEBHOOK
    delivery_id = factory.Sequence(lambda n: f"delivery-{n}")
    topic = "orders/create"
    body = "{}"
    state = Delivery.State.RECEIVED


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    connection = factory.SubFactory(ConnectionFactory)
    kind = SyncRun.Kind.POLL
    since = factory.LazyFunction(timezone.now)


class ShipmentFactory(factory.django.DjangoModelFactory):
    """A shipment row of a connection's order, as shipment_create leaves it (lines aside)."""

    class Meta:
        model = "fulfilment.Shipment"

    order = factory.LazyFunction(make_order)
    carrier = "DHL"
    tracking_number = factory.Sequence(lambda n: f"JD{n:08d}")


class TrackingPushFactory(factory.django.DjangoModelFactory):
    """A tracking push of the outbox, waiting by default, for an order of the connection's channel."""

    class Meta:
        model = "sales_channels.TrackingPush"

    connection = factory.SubFactory(ConnectionFactory)
    shipment = factory.LazyAttribute(
        lambda push: ShipmentFactory(order=make_order(channel=push.connection.channel))
    )
    order = factory.LazyAttribute(lambda push: push.shipment.order)
    next_attempt_at = factory.LazyFunction(timezone.now)
