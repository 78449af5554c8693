"""Writes on API tokens: personal access tokens for the JSON API (create, revoke, record their use)."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User

TOKEN_PREFIX = "pl_"
SHOWN_PREFIX_LENGTH = 10  # "pl_" and 7 random characters: enough to tell a user's tokens apart
MAX_EXPIRY_DAYS = 3650
# last_used_at is written at most this often per token: a script polling every second would otherwise
# turn every read into a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def parse_scopes(raw: str | list[str]) -> str:
    """ "read" or "write" (read and write) from "read", "read,write" or a list of them; ValidationError
    naming the unknown scope otherwise."""
    names = raw.split(",") if isinstance(raw, str) else list(raw)
    names = {name.strip().lower() for name in names if name.strip()}
    unknown = names - {"read", "write"}
    if unknown or not names:
        raise ValidationError(
            f"Unknown scope {', '.join(sorted(unknown)) or '(none)'}: scopes are read, or read,write."
        )
    return ApiToken.Scope.WRITE if "write" in names else ApiToken.Scope.READ


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scopes: str | list[str], expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user` and its plaintext, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the token a name that says where it is used.")
    if len(name) > 100:
        raise ValidationError("A token's name is at most 100 characters.")
    if not user.is_active:
        raise ValidationError(f"{user.username} is not an active user.")
    scope = parse_scopes(scopes)
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationError(f"A token expires after 1 to {MAX_EXPIRY_DAYS} days, or never.")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:SHOWN_PREFIX_LENGTH],
        secret_hash=token_digest(plaintext),
        scopes=scope,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token: its owner may, and so may whoever manages every user's tokens."""
    if token.user_id != actor.pk and not actor.has_perm("accounts.manage_api_tokens"):
        raise PermissionDenied("You may revoke only your own tokens.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:  # revoking twice changes nothing
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_record_use(*, token: ApiToken) -> None:
    """Note that the token was used now (at most once per LAST_USE_RESOLUTION)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
