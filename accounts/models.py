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


class ApiToken(models.Model):
    """A personal access token for the JSON API (issue 18). It acts as its user: same role, same
    visible orders. Only the SHA-256 of the token is stored; the prefix identifies it in lists."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    # SHA-256 of a token with 256 bits of randomness: no salt or slow hash is needed, since the
    # token cannot be guessed from a dictionary; the digest is looked up directly on each request.
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=20, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_api_tokens", "Can see and revoke every user's API tokens")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scopes == self.Scope.WRITE

    def state_at(self, now) -> str:
        """ "active", "expired" or "revoked" at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"
