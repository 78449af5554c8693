"""People who use Packline; their role is the group they belong to (see accounts/roles.py)."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from accounts.roles import ROLE_LABELS


class User(AbstractUser):
    """A Packline user. Custom from the first migration so that fields can be added later."""

    phone = models.CharField(max_length=40, blank=True)
    # Small per-user choices of the pages, e.g. {"order_columns": ["status", "total"]} (the order list's
    # columns, orders/services/list_columns.py); written by services, read with the user.
    list_preferences = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["username"]
        permissions = [
            ("view_dashboard", "Can see the home dashboard"),
            ("manage_roles", "Can manage users and their roles"),
        ]

    @property
    def role(self) -> str | None:
        """The user's role name, from their groups (a user holds one role)."""
        if self.is_superuser:
            return "superadmin"
        names = {group.name for group in self.groups.all()}
        return next((role for role in ROLE_LABELS if role in names), None)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role or "", "No role")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
