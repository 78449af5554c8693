"""The orders app's reference data as every request reads it: kept in the process until one of its
tables changes (config/reference_cache.py). The values are shared: read them, never change them."""

from config.reference_cache import reference
from orders.models import Channel, HoldRule, ShipByRule, Status, Warehouse


def builtin_statuses() -> dict[str, Status]:
    """Each stage's built-in status, by stage."""
    return reference(
        "builtin_statuses",
        lambda: {status.stage: status for status in Status.objects.filter(is_builtin=True)},
    )


def channel_by_code(code: str) -> Channel:
    """The channel with this code; Channel.DoesNotExist when there is none."""
    return reference(("channel", code), lambda: Channel.objects.get(code=code))


def default_warehouse() -> Warehouse | None:
    return reference("default_warehouse", lambda: Warehouse.objects.filter(is_default=True).first())


def active_hold_rules() -> list[HoldRule]:
    """The hold rules that apply, in their order."""
    return reference("active_hold_rules", lambda: list(HoldRule.objects.filter(active=True)))


def ship_by_rules() -> list[ShipByRule]:
    return reference("ship_by_rules", lambda: list(ShipByRule.objects.all()))
