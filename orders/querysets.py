"""Intent-named order queries. `visible_to` is the one place that decides which orders a user sees."""

from datetime import datetime, time, timedelta

from django.db import models
from django.utils import timezone

from orders.workflow import SHIP_BY_MET


class OrderQuerySet(models.QuerySet):
    def live(self):
        return self.filter(is_deleted=False)

    def deleted(self):
        return self.filter(is_deleted=True)

    def in_stage(self, stage: str):
        return self.filter(stage=stage)

    def ship_by_pending(self):
        """Orders whose ship-by date still matters: they have one and have not left the warehouse."""
        return self.filter(ship_by__isnull=False).exclude(stage__in=SHIP_BY_MET)

    def late(self, now: datetime | None = None):
        """Past their ship-by time and not shipped: Order.ship_by_state() == "late", as a query."""
        return self.ship_by_pending().filter(ship_by__lt=now or timezone.now())

    def due_today(self, now: datetime | None = None):
        """Due later today (the installation's day) and not shipped: ship_by_state() == "today"."""
        now = now or timezone.now()
        tomorrow = datetime.combine(timezone.localdate(now) + timedelta(days=1), time.min)
        return self.ship_by_pending().filter(
            ship_by__gte=now, ship_by__lt=timezone.make_aware(tomorrow, timezone.get_current_timezone())
        )

    def visible_to(self, user, *, deleted: bool | None = False):
        """The orders `user` may see: every list, detail page, mass action and export starts here.

        Agents without `view_all_orders` see only the orders assigned to them; deleted orders are
        visible only with `restore_order`, and only when asked for: deleted=True for them alone,
        deleted=None for live and deleted alike (an order page opened by number).
        """
        if not (user.is_authenticated and user.is_active and user.has_perm("orders.view_order")):
            return self.none()
        may_restore = user.has_perm("orders.restore_order")
        if deleted is None:
            orders = self.all() if may_restore else self.live()
        elif deleted:
            if not may_restore:
                return self.none()
            orders = self.deleted()
        else:
            orders = self.live()
        if not user.has_perm("orders.view_all_orders"):
            orders = orders.filter(assigned_agent=user)
        return orders
