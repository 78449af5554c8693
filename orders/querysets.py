"""Intent-named order queries. `visible_to` is the one place that decides which orders a user sees."""

from django.db import models


class OrderQuerySet(models.QuerySet):
    def live(self):
        return self.filter(is_deleted=False)

    def deleted(self):
        return self.filter(is_deleted=True)

    def in_stage(self, stage: str):
        return self.filter(stage=stage)

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
