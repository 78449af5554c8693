"""Settings a manager keeps: custom statuses (inside a stage) and hold rules."""

from django.db import transaction
from django.utils.text import slugify

from orders.actors import as_actor
from orders.errors import OrderError
from orders.models import HoldRule, Status


def _require(actor, permission: str, what: str) -> None:
    if not as_actor(actor).has_perm(permission):
        raise OrderError(f"You may not {what}.")


@transaction.atomic
def status_create(*, label: str, stage: str, colour: str, position: int, actor) -> Status:
    _require(actor, "orders.add_status", "add statuses")
    base = slugify(label)[:30] or "status"
    code, suffix = base, 2
    while Status.objects.filter(code=code).exists():
        code, suffix = f"{base}-{suffix}", suffix + 1
    return Status.objects.create(
        code=code, label=label.strip(), stage=stage, colour=colour, position=position
    )


@transaction.atomic
def status_update(*, status_id: int, label: str, colour: str, position: int, actor) -> Status:
    """Rename, recolour or move a status within its stage. Its stage never changes: orders in it
    would change behaviour without a transition."""
    _require(actor, "orders.change_status", "change statuses")
    status = Status.objects.select_for_update().get(pk=status_id)
    status.label, status.colour, status.position = label.strip(), colour, position
    status.save(update_fields=["label", "colour", "position"])
    return status


@transaction.atomic
def hold_rule_save(*, rule: HoldRule, actor) -> HoldRule:
    """Save a hold rule built by the settings form (new or existing)."""
    _require(actor, "orders.change_holdrule" if rule.pk else "orders.add_holdrule", "edit hold rules")
    rule.full_clean()
    rule.save()
    return rule
