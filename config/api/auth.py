"""Bearer authentication by personal access token: the request then acts as the token's user, with
the same role and the same visible orders as on the pages (SPEC 1)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from accounts.models import ApiToken
from accounts.selectors import api_token_for
from accounts.services import api_token_record_use
from config.api.ratelimit import rate_take


class TokenAuth(HttpBearer):
    """`write=True` for operations that change something: a read-only token gets 403 there."""

    def __init__(self, *, write: bool = False):
        self.write = write
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = api_token_for(token.strip())
        if api_token is None:
            raise AuthenticationError(message="This token is not valid.")
        state = api_token.state_at(timezone.now())
        if state == "revoked":
            raise AuthenticationError(message=f"Token {api_token.prefix}… was revoked.")
        if state == "expired":
            raise AuthenticationError(
                message=f"Token {api_token.prefix}… expired on {api_token.expires_at:%Y-%m-%d %H:%M} UTC."
            )
        if not api_token.user.is_active:
            raise AuthenticationError(message="The token's user is no longer active.")
        api_token_record_use(token=api_token)
        # As the pages' requests: views, selectors and services read request.user (and pghistory's
        # middleware names it on database-level changes from here on).
        request.user = api_token.user
        rate_take(request=request, token_id=api_token.pk)
        if self.write and not api_token.can_write:
            raise AuthorizationError(
                message=f"Token {api_token.prefix}… may only read; this needs a read and write token."
            )
        return api_token


read = TokenAuth()
write = TokenAuth(write=True)


def require(request: HttpRequest, permissions: str | tuple[str, ...], refusal: str) -> None:
    """403 with `refusal` unless the token's user holds the permission (any one of several): the check
    the page's view makes, stated once for every endpoint."""
    wanted = (permissions,) if isinstance(permissions, str) else permissions
    if not any(request.user.has_perm(permission) for permission in wanted):
        raise PermissionDenied(refusal)
