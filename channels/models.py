"""The channels app's models, by door: Django registers the models imported here; code imports each
model from its door's own module (channels/csv/models.py)."""

from channels.csv.models import ImportMapping, ImportOutcome, ImportRowError, OrderImport

__all__ = ["ImportMapping", "ImportOutcome", "ImportRowError", "OrderImport"]
