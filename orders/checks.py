"""Hold checks (SPEC 2.2): what keeps a complete-looking order from going on by itself."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from orders.models import HoldReason, HoldRule, Order, OrderLine
from orders.workflow import Stage

REQUIRED_ADDRESS_FIELDS = {
    "line1": "street address",
    "city": "city",
    "postcode": "postcode",
    "country": "country",
}


@dataclass(frozen=True)
class Finding:
    reason: str  # HoldReason value
    detail: str

    def __str__(self) -> str:
        label = HoldReason(self.reason).label
        return f"{label}: {self.detail}" if self.detail else label


def run_checks(
    order: Order, lines: list[OrderLine], *, rules: list[HoldRule] | None = None, find_duplicate=None
) -> list[Finding]:
    """Every built-in check and every active hold rule; an empty list means the order may go on.

    Batched creation (orders/services/create_many.py) passes the active rules it read once and its own
    duplicate finder (preloaded candidates); both default to one query per order.
    """
    findings = []
    address = order.shipping_address or {}
    missing = [
        label for key, label in REQUIRED_ADDRESS_FIELDS.items() if not str(address.get(key, "")).strip()
    ]
    if missing:
        findings.append(Finding(HoldReason.MISSING_ADDRESS, ", ".join(missing)))
    elif settings.DELIVERABLE_COUNTRIES and address["country"].upper() not in settings.DELIVERABLE_COUNTRIES:
        findings.append(
            Finding(HoldReason.UNDELIVERABLE_ADDRESS, f"we do not deliver to {address['country']}")
        )
    if not order.shipping_method.strip() and any(
        line.product is None or line.product.shippable for line in lines
    ):
        findings.append(Finding(HoldReason.MISSING_SHIPPING_METHOD, ""))
    unknown = [line.sku for line in lines if line.product is None]
    if unknown:
        findings.append(Finding(HoldReason.UNKNOWN_SKU, ", ".join(unknown)))
    if order.customer.requires_po_number and not order.po_number.strip():
        findings.append(
            Finding(HoldReason.MISSING_PO_NUMBER, f"{order.customer.name} orders need a PO number")
        )
    threshold = Decimal(settings.HOLD_VALUE_THRESHOLD or "0")
    if threshold and order.total > threshold:
        findings.append(Finding(HoldReason.OVER_VALUE, f"total {order.total} over {threshold}"))
    if order.amount_paid and order.amount_paid != order.total:
        findings.append(
            Finding(HoldReason.PAYMENT_MISMATCH, f"paid {order.amount_paid}, total {order.total}")
        )
    duplicate = (find_duplicate or _suspected_duplicate)(order)
    if duplicate:
        findings.append(Finding(HoldReason.SUSPECTED_DUPLICATE, f"same customer and total as {duplicate}"))
    findings.extend(_rule_findings(order, lines, rules))
    return findings


def _suspected_duplicate(order: Order) -> Order | None:
    since = (order.created_at or timezone.now()) - timedelta(hours=settings.DUPLICATE_WINDOW_HOURS)
    return (
        Order.objects.live()
        .filter(customer_id=order.customer_id, total=order.total, created_at__gte=since)
        .exclude(pk=order.pk)
        .exclude(stage=Stage.CANCELLED)
        .only("number")
        .first()
    )


def _rule_findings(
    order: Order, lines: list[OrderLine], rules: list[HoldRule] | None = None
) -> list[Finding]:
    findings = []
    for rule in HoldRule.objects.filter(active=True) if rules is None else rules:
        if rule_matches(rule, order, lines):
            findings.append(Finding(HoldReason.RULE, f"{rule.name}: {rule.reason}"))
    return findings


def rule_matches(rule: HoldRule, order: Order, lines: list[OrderLine]) -> bool:
    value = rule.value.strip().lower()
    match rule.field:
        case HoldRule.Field.CHANNEL:
            return value in {order.channel.code.lower(), order.channel.name.lower()}
        case HoldRule.Field.COUNTRY:
            return str((order.shipping_address or {}).get("country", "")).lower() == value
        case HoldRule.Field.TOTAL_OVER:
            try:
                return order.total > Decimal(value)
            except ArithmeticError:
                return False
        case HoldRule.Field.SKU:
            return any(line.sku.lower() == value for line in lines)
        case HoldRule.Field.TAG:
            return value in {tag.lower() for tag in order.tags}
        case HoldRule.Field.NOTE_CONTAINS:
            return value in f"{order.notes}\n{order.gift_message}".lower()
    return False
