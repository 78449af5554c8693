"""Fulfilment's shipments reach the tracking outbox."""

from django.dispatch import receiver

from fulfilment.signals import shipment_created


@receiver(shipment_created)
def _queue_tracking_push(sender, shipment, **kwargs) -> None:
    from channels.tracking.services import tracking_push_queue

    tracking_push_queue(shipment=shipment)
