"""What fulfilment tells other apps: signals tell, they never carry business rules."""

from django.dispatch import Signal

# Sent inside the shipment's transaction, after its lines are written, so a receiver's own rows (a
# channel's outbox of tracking pushes) commit or roll back with the shipment. Argument: shipment.
shipment_created = Signal()
