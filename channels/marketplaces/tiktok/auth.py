"""TikTok Shop's seller authorisation: the consent link, the code exchanged for tokens, and the access
token kept fresh with the refresh token.

TikTok Shop's auth host (https://auth.tiktok-shops.com, `credentials["auth_base_url"]` to point a
connection elsewhere) answers:

    GET /oauth/authorize?app_key=&state=              the seller's consent page; back to the app's
                                                      redirect URL with ?code=&state=
    GET /api/v2/token/get?app_key=&app_secret=&auth_code=&grant_type=authorized_code
    GET /api/v2/token/refresh?app_key=&app_secret=&refresh_token=&grant_type=refresh_token

both token calls in TikTok's envelope ({"code": 0, "message", "request_id", "data": {access_token,
access_token_expire_in (a Unix time, about seven days ahead), refresh_token, refresh_token_expire_in,
open_id, seller_name, seller_base_region, user_type, granted_scopes}}). These requests carry the app
secret and the refresh token in their query string: Packline never logs their URLs, and the values
are masked in httpx's own request log (RedactSecrets).

A refused refresh (a revoked authorisation, an expired refresh token: any non-zero code from
/api/v2/token/refresh, 36004004 being the one seen for an invalid token) is ReauthorisationNeeded, a
permanent PlatformError starting "TikTok Shop needs re-authorisation:": only the seller's consent again
can help. A refused code exchange is a plain permanent PlatformError (send the seller to consent again).
"""

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from channels.marketplaces.base import Limiter, PlatformError, ReauthorisationNeeded, TokenExpiry
from channels.marketplaces.values import loads, whole_number

logger = logging.getLogger(__name__)

SECRET_PARAMETERS = re.compile(r"((?:app_secret|refresh_token|access_token|auth_code)=)[^&\s\"']*")


class RedactSecrets(logging.Filter):
    """httpx logs every request's full URL at INFO ("HTTP Request: GET https://...?app_secret=..."), and
    TikTok's token calls carry the app secret and refresh token in theirs: those values become "***"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any("=" in str(arg) for arg in record.args):
            record.args = tuple(
                SECRET_PARAMETERS.sub(r"\1***", str(arg)) if isinstance(arg, httpx.URL | str) else arg
                for arg in record.args
            )
        return True


REDACT_SECRETS = RedactSecrets()
logging.getLogger("httpx").addFilter(REDACT_SECRETS)  # the same object: added once however often imported

AUTH_BASE_URL = "https://auth.tiktok-shops.com"
AUTHORIZE_PATH = "/oauth/authorize"  # the older consent link, by app key
# The seller's consent link Partner Center gives an app today (App & Service > Authorization link):
# https://services.tiktokshop.com/open/authorize?service_id=<the app's service id>&state=<state>.
SERVICES_BASE_URL = "https://services.tiktokshop.com"
SELLER_AUTHORIZE_PATH = "/open/authorize"
TOKEN_PATH = "/api/v2/token/get"
REFRESH_PATH = "/api/v2/token/refresh"
REAUTHORISE = "TikTok Shop needs re-authorisation:"
RENEW_BEFORE = 600.0  # seconds before the access token's expiry that it is renewed


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None
    seller_name: str = ""
    open_id: str = ""

    def credentials(self) -> dict[str, str]:
        """What the framework persists in the connection's credentials after a renewal."""
        return {
            "access_token": self.access_token,
            "access_token_expires_at": (
                self.access_token_expires_at.isoformat() if self.access_token_expires_at else ""
            ),
            "refresh_token": self.refresh_token,
        }


def authorization_url(app_key: str, state: str, *, auth_base_url: str = AUTH_BASE_URL) -> str:
    """The page where a seller authorises the app; TikTok Shop sends them back to the app's redirect
    URL (set in Partner Center) with ?code=...&state=<state>. Check `state` there before exchange_code."""
    return f"{auth_base_url.rstrip('/')}{AUTHORIZE_PATH}?{urlencode({'app_key': app_key, 'state': state})}"


def seller_authorization_url(
    service_id: str, state: str, *, consent_base_url: str = SERVICES_BASE_URL
) -> str:
    """The seller's consent page for the app's service id; TikTok Shop sends the seller back to the
    app's redirect URL (Partner Center) with ?code=...&state=<state>."""
    query = urlencode({"service_id": service_id, "state": state})
    return f"{consent_base_url.rstrip('/')}{SELLER_AUTHORIZE_PATH}?{query}"


def consent_base_url(auth_base_url: str) -> str:
    """Where the consent page is for a connection's auth host: TikTok's own for TikTok's, else the
    given host (a test double serves both)."""
    base = (auth_base_url or AUTH_BASE_URL).strip().rstrip("/")
    return SERVICES_BASE_URL if base == AUTH_BASE_URL else base


def exchange_code(
    auth_code: str,
    *,
    app_key: str,
    app_secret: str,
    auth_base_url: str = AUTH_BASE_URL,
    http: httpx.Client | None = None,
    timeout: float = 10.0,
) -> Tokens:
    """The tokens the consent's ?code= gives (valid for a few minutes, once)."""
    params = {
        "app_key": app_key,
        "app_secret": app_secret,
        "auth_code": auth_code,
        "grant_type": "authorized_code",
    }
    return _token_call(
        TOKEN_PATH, params, auth_base_url=auth_base_url, http=http, timeout=timeout, refused=PlatformError
    )


def refresh_tokens(
    refresh_token: str,
    *,
    app_key: str,
    app_secret: str,
    auth_base_url: str = AUTH_BASE_URL,
    http: httpx.Client | None = None,
    timeout: float = 10.0,
) -> Tokens:
    """A new access token (and the refresh token to keep: TikTok may hand back a new one)."""
    params = {
        "app_key": app_key,
        "app_secret": app_secret,
        "refresh_token": refresh_token,
        "grant_type": "refresh_token",
    }
    tokens = _token_call(
        REFRESH_PATH, params, auth_base_url=auth_base_url, http=http, timeout=timeout,
        refused=ReauthorisationNeeded,
    )  # fmt: skip
    if not tokens.refresh_token:
        tokens = replace(tokens, refresh_token=refresh_token)
    return tokens


def expiry(value) -> datetime | None:
    """A stored expiry: ISO 8601 (what on_credentials_renewed hands over) or a Unix time (TikTok's)."""
    if value in (None, ""):
        return None
    seconds = whole_number(value)
    if seconds is not None:
        return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def stored_expiries(credentials: dict) -> tuple[TokenExpiry, ...]:
    """When the kept tokens expire, as far as the credentials say: the access token (about a week,
    renewed by the client) and the refresh token (then only the seller's authorisation again helps)."""
    expiries = []
    for key, name, renews_itself in (
        ("access_token_expires_at", "access token", True),
        ("refresh_token_expires_at", "refresh token", False),
    ):
        moment = expiry(credentials.get(key))
        if moment is not None:
            expiries.append(TokenExpiry(name=name, expires_at=moment, renews_itself=renews_itself))
    return tuple(expiries)


class TokenKeeper:
    """One connection's access token, renewed `renew_before` seconds ahead of its expiry, or at once
    when TikTok Shop says it expired. Each renewal is handed to `on_renewed` for the framework to keep
    (the encrypted credentials). Thread-safe: two threads needing a renewal make one."""

    def __init__(
        self,
        credentials: dict[str, str],
        *,
        http: httpx.Client,
        limiter: Limiter,
        on_renewed: Callable[[dict[str, str]], None] | None = None,
        renew_before: float = RENEW_BEFORE,
        timeout: float = 10.0,
    ):
        self.app_key = str(credentials.get("app_key") or "").strip()
        self.app_secret = str(credentials.get("app_secret") or "").strip()
        self.auth_base_url = str(credentials.get("auth_base_url") or AUTH_BASE_URL).strip().rstrip("/")
        self.access_token = str(credentials.get("access_token") or "").strip()
        self.refresh_token = str(credentials.get("refresh_token") or "").strip()
        self.expires_at = expiry(credentials.get("access_token_expires_at"))
        self.renewals = 0
        self._http = http
        self._limiter = limiter
        self._on_renewed = on_renewed
        self._renew_before = renew_before
        self._timeout = timeout
        self._lock = threading.Lock()

    def current(self) -> str:
        """The access token to send now, renewed first when it is (nearly) expired or missing."""
        with self._lock:
            if not self.access_token or self._due():
                self._renew()
            return self.access_token

    def renew_after_refusal(self, refused_token: str) -> None:
        """TikTok Shop called `refused_token` expired: renew, unless another thread already has."""
        with self._lock:
            if self.access_token == refused_token:
                self._renew()

    def _due(self) -> bool:
        return self.expires_at is not None and self.expires_at.timestamp() - time.time() <= self._renew_before

    def _renew(self) -> None:
        if not self.refresh_token:
            raise ReauthorisationNeeded(
                f"{REAUTHORISE} the connection has no refresh token; authorise Packline in TikTok Shop again."
            )
        self._limiter.wait()
        tokens = refresh_tokens(
            self.refresh_token,
            app_key=self.app_key,
            app_secret=self.app_secret,
            auth_base_url=self.auth_base_url,
            http=self._http,
            timeout=self._timeout,
        )
        self.access_token, self.refresh_token = tokens.access_token, tokens.refresh_token
        self.expires_at = tokens.access_token_expires_at
        self.renewals += 1
        logger.info("tiktok access token renewed; valid until %s", self.expires_at)
        if self._on_renewed is not None:
            self._on_renewed(tokens.credentials())


def _token_call(
    path: str, params: dict, *, auth_base_url: str, http: httpx.Client | None, timeout: float,
    refused: type[PlatformError],
) -> Tokens:  # fmt: skip
    url = f"{auth_base_url.rstrip('/')}{path}"
    started = time.monotonic()
    own = http is None
    client = httpx.Client(timeout=timeout) if own else http
    try:
        response = client.get(url, params=params, timeout=timeout)
    except httpx.HTTPError as error:
        logger.warning("tiktok auth GET %s failed: %s", path, type(error).__name__)
        raise PlatformError(
            f"Could not reach TikTok Shop's authorisation service: {type(error).__name__}."
        ) from error
    finally:
        if own:
            client.close()
    elapsed = (time.monotonic() - started) * 1000
    try:
        envelope = loads(response.content)
    except ValueError:
        envelope = None
    code = envelope.get("code") if isinstance(envelope, dict) else None
    logger.info("tiktok auth GET %s -> %s code %s in %d ms", path, response.status_code, code, elapsed)
    if response.status_code == 429 or response.status_code >= 500 or not isinstance(envelope, dict):
        raise PlatformError(
            f"TikTok Shop's authorisation service failed (HTTP {response.status_code}); trying again later may help."
        )
    message = str(envelope.get("message") or "").strip()
    data = envelope.get("data")
    if code != 0 or not isinstance(data, dict) or not str(data.get("access_token") or "").strip():
        text = (
            f"{REAUTHORISE} TikTok Shop refused to issue a token ({message or 'no reason given'}, code {code}). "
            "Ask the seller to authorise Packline again in TikTok Shop."
        )
        raise (
            ReauthorisationNeeded(text)
            if refused is ReauthorisationNeeded
            else PlatformError(text, permanent=True)
        )
    return Tokens(
        access_token=str(data["access_token"]).strip(),
        refresh_token=str(data.get("refresh_token") or "").strip(),
        access_token_expires_at=expiry(data.get("access_token_expire_in")),
        refresh_token_expires_at=expiry(data.get("refresh_token_expire_in")),
        seller_name=str(data.get("seller_name") or ""),
        open_id=str(data.get("open_id") or ""),
    )
