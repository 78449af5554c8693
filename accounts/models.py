"""People who use Packline; their role is the group they belong to (see accounts/roles.py)."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from accounts.places import place_of
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
            # Held by the roles in accounts/roles.py SECOND_FACTOR_ROLES: read from the permissions a
            # request has already loaded, so the check costs no query of its own.
            ("sign_in_with_second_factor", "Must sign in with a second factor"),
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


class UserSession(models.Model):
    """A signed-in browser session as its owner sees it in their list: keyed to Django's session key
    (the session itself lives in the session store), with the device, address and last use. Written at
    sign-in and at most once a minute after (accounts/middleware.py); removed when the session ends."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    device = models.CharField(max_length=120, blank=True)  # "Firefox 128 on Windows", from the user agent
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.device or 'unknown device'}"

    @property
    def place(self) -> str:
        """ "Lyon, France" from the address, when a place database is configured (accounts/places.py)."""
        return place_of(self.ip_address)


class AccountEvent(models.Model):
    """The account log: who did what to whom (invited, role changed, deactivated, second factor reset,
    ...), written by the service that made the change, in its transaction. Shown on the person's page."""

    class Kind(models.TextChoices):
        INVITED = "invited", "Invited"
        INVITATION_RESENT = "invitation_resent", "Invitation sent again"
        PASSWORD_SET = "password_set", "Password set from a link"
        ROLE_CHANGED = "role_changed", "Role changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Two-factor sign-in turned on"
        SECOND_FACTOR_REMOVED = "second_factor_removed", "Two-factor sign-in turned off"
        SECOND_FACTOR_RESET = "second_factor_reset", "Second factor reset"
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", "New recovery codes"
        PASSKEY_ADDED = "passkey_added", "Passkey added"
        PASSKEY_REMOVED = "passkey_removed", "Passkey removed"
        SESSIONS_ENDED = "sessions_ended", "Sessions signed out"

    subject = models.ForeignKey(User, on_delete=models.PROTECT, related_name="account_events")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class SignInEvent(models.Model):
    """The sign-in log: successes, failures, lockouts, sign-outs and second-factor steps, with the name
    that was typed (a failure may name no account), the address and the browser. Superadmins read it."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in (password)"
        FAILED = "failed", "Wrong username or password"
        LOCKED_OUT = "locked_out", "Locked out"
        SIGNED_OUT = "signed_out", "Signed out"
        IDLE_SIGNED_OUT = "idle_signed_out", "Signed out after being idle"
        SECOND_FACTOR_PASSED = "second_factor_passed", "Second factor passed"
        SECOND_FACTOR_FAILED = "second_factor_failed", "Second factor failed"
        RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
        ENROLLED = "enrolled", "Two-factor set up"
        PASSKEY_ADDED = "passkey_added", "Passkey added"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, blank=True)  # as typed, cut to the column
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["kind", "-id"], name="signin_kind_idx"),
            models.Index(fields=["user", "-id"], name="signin_user_idx"),
            models.Index(fields=["created_at"], name="signin_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username}"
