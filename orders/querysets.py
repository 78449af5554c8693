"""Intent-named order queries. `visible_to` is the one place that decides which orders a user sees."""

from datetime import datetime, time, timedelta

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from orders.workflow import SHIP_BY_MET

# The stages in a fixed order, so that the SQL (and its prepared statement) is the same in every
# process and matches the partial index order_ship_by_pending, which names the same condition. One
# "stage <> x" per stage rather than NOT IN: PostgreSQL prints NOT IN on a varchar column in a form
# it reads back differently, so the index that bench/generate_orders.py drops and builds again from
# its printed definition would come back with another definition.
SHIP_BY_PENDING = Q(*[~Q(stage=stage) for stage in sorted(SHIP_BY_MET)], ship_by__isnull=False)
# A line still to ship that stock does not cover (OrderLine.stock_state == "backordered"); the partial
# index line_backordered names the same condition.
LINE_BACKORDERED = Q(quantity_allocated__lt=F("quantity") - F("quantity_cancelled") - F("quantity_shipped"))
# The timeline event of an order entering the shipped stage; the partial index event_shipped names it.
SHIPPED_EVENT = Q(type="status.changed", params__new_stage="shipped")


class OrderQuerySet(models.QuerySet):
    def live(self):
        return self.filter(is_deleted=False)

    def deleted(self):
        return self.filter(is_deleted=True)

    def in_stage(self, stage: str):
        return self.filter(stage=stage)

    def ship_by_pending(self):
        """Orders whose ship-by date still matters: they have one and have not left the warehouse."""
        return self.filter(SHIP_BY_PENDING)

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

    def _related(self, name: str):
        """The model of a reverse relation (lines, events), read from the model: no import cycle."""
        return self.model._meta.get_field(name).related_model

    def backordered(self):
        """Orders with a line still to ship that stock does not cover."""
        return self.filter(
            Exists(self._related("lines").objects.filter(LINE_BACKORDERED, order=OuterRef("pk")))
        )

    def allocated(self):
        """Orders whose every line still to ship is covered by stock: ready to pick when processing."""
        return self.exclude(
            Exists(self._related("lines").objects.filter(LINE_BACKORDERED, order=OuterRef("pk")))
        )

    def shipped_between(self, start: datetime, end: datetime):
        """Orders that entered the shipped stage in [start, end), by their timeline."""
        shipped = self._related("events").objects.filter(
            SHIPPED_EVENT, created_at__gte=start, created_at__lt=end
        )
        return self.filter(pk__in=shipped.values("order_id"))

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
