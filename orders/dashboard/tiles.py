"""The order core's own dashboard tiles, per role; fulfilment and channels add theirs (registry.py).

Every order tile is the order list's query string: the list's filters decide what it counts."""

from datetime import datetime

from django.urls import reverse

from orders.dashboard.registry import Tile
from orders.holds import hold_reasons_in_use
from orders.jobs.selectors import failing_jobs
from orders.models import HoldReason
from orders.money.selectors import remittance_figures
from orders.workflow import Stage

OFFICE_ROLES = ("superadmin", "manager", "csr")


def order_tiles(user, now: datetime) -> list[Tile]:
    role = user.role
    tiles: list[Tile] = []
    if role == "csr":
        tiles += [
            Tile("my_orders", "My assigned orders", "My work", (("assigned_csr", str(user.pk)),)),
            Tile(
                "my_holds",
                "My holds to resolve",
                "My work",
                (("tab", Stage.ON_HOLD.value), ("assigned_csr", str(user.pk))),
            ),
        ]
    if role in OFFICE_ROLES:
        held = hold_reasons_in_use()
        tiles += [
            Tile("to_process", "To process", "Orders", (("tab", Stage.PROCESSING.value),)),
            Tile("awaiting_payment", "Awaiting payment", "Orders", (("tab", Stage.AWAITING_PAYMENT.value),)),
            *[
                Tile(
                    f"hold_{reason.value}",
                    f"On hold: {reason.label}",
                    "Orders",
                    (("has_hold", reason.value),),
                    hide_when_zero=True,
                )
                for reason in HoldReason
                if reason in held  # a reason no order is held for would count 0 and be hidden anyway
            ],
            Tile("late", "Late", "Ship-by", (("ship_by", "late"),)),
            Tile("due_today", "Due today", "Ship-by", (("ship_by", "today"),)),
        ]
        failing = failing_jobs(user, now=now).count()
        tiles.append(
            Tile(
                "failing_jobs",
                "My failing jobs (7 days)",
                "Needs attention",
                url=f"{reverse('orders:jobs')}?failing=1",
                value=f"{failing:,}",
                count=failing,
            )
        )
    if role == "warehouse":
        tiles.append(Tile("due_today", "Due today", "Ship-by", (("ship_by", "today"),)))
    if role == "agent":
        mine = ("assigned_agent", str(user.pk))
        tiles += [
            Tile("my_deliveries", "My deliveries", "Deliveries", (("tab", Stage.SHIPPED.value), mine)),
            Tile(
                "failed_deliveries",
                "Failed deliveries to retry",
                "Deliveries",
                (("tab", Stage.DELIVERY_FAILED.value), mine),
            ),
        ]
        owed = [
            figures for figures in remittance_figures([user.pk]).get(user.pk, {}).values() if figures.owed
        ]
        tiles.append(
            Tile(
                "cash_to_remit",
                "Cash to remit",
                "Deliveries",
                url=reverse("orders:remittance", args=[user.pk]),
                value=", ".join(
                    f"{row.currency} {row.owed:,.2f}" for row in sorted(owed, key=lambda r: r.currency)
                )
                or "Nothing owed",
            )
        )
    return tiles
