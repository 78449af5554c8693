"""Reads on accounts: the API tokens a user may see, and the token a request presents."""

from django.db.models import QuerySet

from accounts.models import ApiToken
from accounts.services import token_digest


def api_tokens_visible_to(user) -> QuerySet[ApiToken]:
    """A user's own tokens; every user's for whoever manages them (superadmins)."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if user.has_perm("accounts.manage_api_tokens"):
        return tokens
    return tokens.filter(user=user)


def api_token_for(plaintext: str) -> ApiToken | None:
    """The token with this plaintext (revoked and expired ones included), or None."""
    if not plaintext or len(plaintext) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(secret_hash=token_digest(plaintext)).first()
