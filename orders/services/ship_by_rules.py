"""Ship-by settings a manager keeps: the rules (orders/models/ship_by.py) and a warehouse's calendar.
The deadline they decide is orders/ship_by.py's."""

from datetime import date

from django.db import transaction

from orders.errors import OrderError
from orders.models import ShipByRule, Warehouse
from orders.services.configuration import _require


@transaction.atomic
def ship_by_rule_save(*, rule: ShipByRule, actor) -> ShipByRule:
    """Save a rule built by the settings form (new or existing); the model's checks run first."""
    _require(actor, "orders.change_shipbyrule" if rule.pk else "orders.add_shipbyrule", "edit ship-by rules")
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def ship_by_rule_delete(*, rule_id: int, actor) -> None:
    """Delete a rule. Orders keep the deadlines it gave them."""
    _require(actor, "orders.delete_shipbyrule", "delete ship-by rules")
    ShipByRule.objects.filter(pk=rule_id).delete()


@transaction.atomic
def warehouse_calendar_save(
    *, warehouse_id: int, working_weekdays: list[int], holidays: list[date], time_zone: str, actor
) -> Warehouse:
    """A warehouse's working weekdays, holidays and time zone: deadlines decided from now on count on them."""
    _require(actor, "orders.change_warehouse", "change warehouse calendars")
    if not working_weekdays or not set(working_weekdays) <= set(range(7)):
        raise OrderError("Working days are weekdays 0 (Monday) to 6 (Sunday), at least one.")
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse_id)
    warehouse.working_weekdays = sorted(set(working_weekdays))
    warehouse.holidays = sorted(set(holidays))
    warehouse.time_zone = time_zone.strip()
    warehouse.full_clean()
    warehouse.save(update_fields=["working_weekdays", "holidays", "time_zone"])
    return warehouse
