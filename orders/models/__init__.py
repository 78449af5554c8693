"""The orders app's models, by area. Django registers the models it imports here, so the areas'
own models (money, jobs, webhooks) are imported too; code imports each model from its area's module."""

from orders.jobs.models import BulkJob, BulkJobResult
from orders.models.activity import OrderActivity
from orders.models.api import ApiIdempotencyKey
from orders.models.events import ActorKind, OrderEvent
from orders.models.holds import HOLD_REASONS_AFTER_SHIPPING, HoldReason, HoldRule, OrderHold
from orders.models.order import OUTSIDE_SERVICES, TRACKED_FIELDS, Order, OrderLine
from orders.models.reference import (
    ADDRESS_KEYS,
    MONEY,
    Channel,
    Customer,
    PaymentMethod,
    Product,
    Status,
    Warehouse,
)
from orders.models.ship_by import ShipByRule
from orders.money.models import Expense, ExpenseCategory, Payment, Refund, Remittance
from orders.webhooks.models import WebhookMessage, WebhookSubscription

__all__ = [
    "ADDRESS_KEYS",
    "HOLD_REASONS_AFTER_SHIPPING",
    "MONEY",
    "OUTSIDE_SERVICES",
    "TRACKED_FIELDS",
    "ActorKind",
    "ApiIdempotencyKey",
    "BulkJob",
    "BulkJobResult",
    "Channel",
    "Customer",
    "Expense",
    "ExpenseCategory",
    "HoldReason",
    "HoldRule",
    "Order",
    "OrderActivity",
    "OrderEvent",
    "OrderHold",
    "OrderLine",
    "Payment",
    "PaymentMethod",
    "Product",
    "Refund",
    "Remittance",
    "ShipByRule",
    "Status",
    "Warehouse",
    "WebhookMessage",
    "WebhookSubscription",
]
