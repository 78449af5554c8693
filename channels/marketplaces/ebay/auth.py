"""eBay's OAuth 2 for one seller: the consent page, the authorization-code grant that turns its code
into tokens, and the renewal of the short-lived user access token from the long-lived refresh token.

- A user access token lives about two hours (`expires_in`, 7200 s). The client keeps it with its expiry
  and renews it RENEW_BEFORE seconds before it expires, and once more when the API answers 401 (the
  token was revoked or expired early). Every renewal is handed to `on_credentials_renewed` as
  {"access_token", "access_token_expires_at"} for the framework to keep, so the next client (another
  worker, the next poll) starts with it instead of renewing again.
- Renewals are harmless when two workers race: eBay's refresh grant returns a new access token and
  leaves the refresh token as it is, and earlier access tokens stay valid until they expire.
- The refresh token lives 18 months. When eBay refuses it (`invalid_grant`: revoked consent, expired,
  issued to another app) nothing Packline can do helps until a person consents again: that is a
  ReauthorisationNeeded (a permanent PlatformError) starting "eBay needs re-authorisation:".
- Tokens never appear in logs, messages or URLs: they travel in headers and form bodies only.
"""

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx

from channels.marketplaces.base import Access, PlatformError, ReauthorisationNeeded, TokenExpiry

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.ebay.com"
SANDBOX_API_BASE_URL = "https://api.sandbox.ebay.com"
TOKEN_PATH = "/identity/v1/oauth2/token"
AUTHORIZE_PATH = "/oauth2/authorize"
# The consent page is on another host than the API (auth. rather than api.).
CONSENT_BASE_URLS = {
    DEFAULT_API_BASE_URL: "https://auth.ebay.com",
    SANDBOX_API_BASE_URL: "https://auth.sandbox.ebay.com",
}
FULFILLMENT_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"  # sandbox uses the same URL
SCOPES = (FULFILLMENT_SCOPE,)
RENEW_BEFORE = 300.0  # seconds before expiry


def auth_base_url(access: Access) -> str:
    """Where the token endpoint is: a connection may name its own (`auth_base_url` among its
    credentials), else its API host, which is eBay's token host too."""
    base = access.credentials.get("auth_base_url") or access.api_base_url or DEFAULT_API_BASE_URL
    return base.strip().rstrip("/")


def consent_base_url(api_base_url: str) -> str:
    """The consent page's host for an API host: https://api.ebay.com -> https://auth.ebay.com. Any other
    host (a test double) serves both."""
    base = (api_base_url or DEFAULT_API_BASE_URL).strip().rstrip("/")
    return CONSENT_BASE_URLS.get(base, base)


def authorization_url(
    client_id: str,
    redirect_uri: str,
    state: str,
    scopes: tuple[str, ...] | list[str] = SCOPES,
    auth_base: str = "https://auth.ebay.com",
) -> str:
    """The consent page to send a seller to. `redirect_uri` is the app's RuName (eBay's name for the
    redirect, not a URL); eBay sends the seller back to the RuName's accept URL with ?code=...&state=...
    `state` should be unguessable and checked on return."""
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": state,
        }
    )
    return f"{auth_base.rstrip('/')}{AUTHORIZE_PATH}?{query}"


def exchange_code(
    code: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    auth_base: str = DEFAULT_API_BASE_URL,
    timeout: float = 20.0,
    transport: httpx.BaseTransport | None = None,
    now: Callable[[], datetime] | None = None,
) -> dict[str, str]:
    """The authorization-code grant: the consent page's `code` for the seller's tokens, as the
    connection keeps them: {"refresh_token", "refresh_token_expires_at", "access_token",
    "access_token_expires_at"}. One try only: a code works once and lives minutes, so a failed
    exchange is answered by sending the seller to the consent page again."""
    clock = now or _now
    with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as http:
        try:
            response = http.post(
                f"{auth_base.rstrip('/')}{TOKEN_PATH}",
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
                headers=basic_auth_headers(client_id, client_secret),
            )
        except httpx.TransportError as error:
            raise PlatformError(
                f"Packline could not reach eBay's token endpoint ({type(error).__name__})."
            ) from error
    logger.info("ebay POST %s (authorization code) %s", TOKEN_PATH, response.status_code)
    body = _token_body(response)
    token = read_token_answer(response, body, clock(), grant="authorization code")
    refresh_token = str(body.get("refresh_token") or "")
    if not refresh_token:
        raise PlatformError("eBay's answer to the authorization code holds no refresh token.")
    credentials = token.as_credentials()
    credentials["refresh_token"] = refresh_token
    lifetime = _seconds(body.get("refresh_token_expires_in"))
    if lifetime is not None:
        credentials["refresh_token_expires_at"] = _iso(clock() + timedelta(seconds=lifetime))
    return credentials


def basic_auth_headers(client_id: str, client_secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}", "Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: datetime

    def as_credentials(self) -> dict[str, str]:
        return {"access_token": self.value, "access_token_expires_at": _iso(self.expires_at)}


class TokenKeeper:
    """One connection's user access token: read from its credentials, renewed through `post` (the
    client's request with its timeouts, limiter and retries) when missing, about to expire, or
    refused. `post(url, form, headers)` answers the token endpoint's response, whatever its status."""

    def __init__(
        self,
        access: Access,
        post: Callable[[str, dict, dict], httpx.Response],
        *,
        scopes: tuple[str, ...] = SCOPES,
        on_renewed: Callable[[dict], None] | None = None,
        renew_before: float = RENEW_BEFORE,
        now: Callable[[], datetime] | None = None,
    ):
        credentials = access.credentials
        self.client_id = credentials.get("client_id", "").strip()
        self.client_secret = credentials.get("client_secret", "").strip()
        self.refresh_token = credentials.get("refresh_token", "").strip()
        missing = [
            name
            for name, value in (
                ("client_id", self.client_id),
                ("client_secret", self.client_secret),
                ("refresh_token", self.refresh_token),
            )
            if not value
        ]
        if missing == ["refresh_token"]:
            raise ReauthorisationNeeded(
                "eBay needs authorisation: the connection has no refresh_token yet; authorise Packline "
                "with eBay from the connection's page."
            )
        if missing:
            raise PlatformError(
                f"The eBay connection has no {', '.join(missing)}: enter the app's client id and secret "
                "(eBay developer account › Application keys) and connect the seller's account through "
                "eBay's consent page for a refresh token.",
                permanent=True,
            )
        self.token_url = f"{auth_base_url(access)}{TOKEN_PATH}"
        self._post = post
        self.scopes = scopes
        self.on_renewed = on_renewed
        self.renew_before = timedelta(seconds=renew_before)
        self.now = now or _now
        self.renewals = 0
        self._token = _stored_token(credentials)

    def bearer(self) -> str:
        """A token that is not about to expire, renewed first when needed."""
        token = self._token
        if token is None or self.now() >= token.expires_at - self.renew_before:
            token = self.renew()
        return token.value

    def forget(self) -> None:
        """The API refused the token (401): the next bearer() renews it."""
        self._token = None

    def renew(self) -> AccessToken:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "scope": " ".join(self.scopes),
        }
        response = self._post(self.token_url, form, basic_auth_headers(self.client_id, self.client_secret))
        token = read_token_answer(response, _token_body(response), self.now())
        self._token = token
        self.renewals += 1
        if self.on_renewed is not None:
            self.on_renewed(token.as_credentials())
        return token


def read_token_answer(
    response: httpx.Response, body: dict, now: datetime, *, grant: str = "refresh token"
) -> AccessToken:
    """The token in a token endpoint's answer, or a PlatformError a person can act on. `grant`: what
    was handed in, for the message (the refresh token, or the consent page's authorization code)."""
    if response.status_code == 200:
        value = str(body.get("access_token") or "")
        lifetime = _seconds(body.get("expires_in"))
        if not value or lifetime is None:
            raise PlatformError("eBay's token endpoint answered without an access token and its lifetime.")
        return AccessToken(value=value, expires_at=now + timedelta(seconds=lifetime))
    error = str(body.get("error") or "")
    detail = str(body.get("error_description") or response.reason_phrase or "no details")[:300]
    if error == "invalid_grant" and grant == "refresh token":
        raise ReauthorisationNeeded(
            f"eBay needs re-authorisation: it refused the connection's refresh token ({error}: {detail}). "
            "The seller revoked Packline's access, the token expired (18 months) or belongs to another "
            "app; connect the eBay account again through eBay's consent page."
        )
    if error == "invalid_grant":
        raise PlatformError(
            f"eBay needs re-authorisation: it refused the {grant} ({error}: {detail}). A code works once "
            "and for a few minutes; send the seller to eBay's consent page again.",
            permanent=True,
        )
    if error == "invalid_client" or response.status_code == 401:
        raise PlatformError(
            f"eBay refused the app's client id and secret ({error or response.status_code}: {detail}). "
            "Check them against the eBay developer account (Application keys, production or sandbox).",
            permanent=True,
        )
    if error == "invalid_scope":
        raise PlatformError(
            f"eBay refused the scope Packline asks for ({error}: {detail}); the seller consented to less "
            "than sell.fulfillment: connect the eBay account again through eBay's consent page.",
            permanent=True,
        )
    if response.status_code >= 500:
        raise PlatformError(f"eBay's token endpoint failed (HTTP {response.status_code}).")
    raise PlatformError(
        f"eBay's token endpoint refused the request (HTTP {response.status_code}, {error or 'no error code'}: "
        f"{detail}).",
        permanent=True,
    )


def _token_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _stored_token(credentials: dict) -> AccessToken | None:
    """The access token the framework kept from an earlier renewal; None when absent or undated (an
    undated token cannot be trusted to be fresh, so it is renewed before use)."""
    value = str(credentials.get("access_token") or "").strip()
    stamp = str(credentials.get("access_token_expires_at") or "").strip()
    if not value or not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return AccessToken(
        value=value, expires_at=moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    )


def stored_expiries(credentials: dict) -> tuple[TokenExpiry, ...]:
    """When the kept tokens expire, as far as the credentials say: the access token (about two hours,
    renewed by the client) and the refresh token (18 months; then only the seller's consent helps)."""
    expiries = []
    for key, name, renews_itself in (
        ("access_token_expires_at", "access token", True),
        ("refresh_token_expires_at", "refresh token", False),
    ):
        moment = _moment(credentials.get(key))
        if moment is not None:
            expiries.append(TokenExpiry(name=name, expires_at=moment, renews_itself=renews_itself))
    return tuple(expiries)


def _moment(stamp) -> datetime | None:
    """An ISO 8601 time as _iso writes it (undated: UTC); None when absent or unreadable."""
    try:
        moment = datetime.fromisoformat(str(stamp or "").strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _seconds(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _now() -> datetime:
    return datetime.now(UTC)
