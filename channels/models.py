"""The channels app's models, by door: Django registers the models imported here; code imports each
model from its door's own module (channels/csv/models.py, channels/connections/models.py, ...)."""

from channels.connections.models import Connection, SyncRun
from channels.csv.models import ImportMapping, ImportOutcome, ImportRowError, OrderImport
from channels.intake.models import Delivery, PlatformOrderLink
from channels.marketplaces.ebay.models import AccountDeletion
from channels.tracking.models import TrackingPush

__all__ = [
    "AccountDeletion", "Connection", "Delivery", "ImportMapping", "ImportOutcome", "ImportRowError", "OrderImport",
    "PlatformOrderLink", "SyncRun", "TrackingPush",
]  # fmt: skip
