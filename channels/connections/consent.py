"""The seller's consent for an OAuth connection (eBay, TikTok Shop): a manager is sent to the platform's
consent page and comes back to Packline's callback with a code, which is exchanged for the tokens.

The `state` sent along is signed (SECRET_KEY, its own salt), names the connection and the platform,
expires after STATE_MAX_AGE, and carries a nonce kept in the manager's session: it is only accepted
back in that session, once. A wrong or expired state, a refusal on the platform (`error=access_denied`)
or a failed exchange saves nothing."""

import secrets

from django.core import signing

from channels.connections.authorisation import connection_authorised
from channels.connections.models import Connection
from channels.connections.services import _require, connection_access
from channels.errors import ChannelError
from channels.marketplaces import KINDS, platform
from channels.marketplaces.base import PlatformError
from channels.ratelimit import ConnectionLimiter

STATE_SALT = "channels.consent.state"
STATE_MAX_AGE = 15 * 60  # seconds: time enough to sign in on the platform and consent
SESSION_KEY = "channels_consent"
KEPT_STATES = 5  # consents started in one session and not yet come back


class ConsentRefused(ChannelError):
    """The consent did not give tokens; `connection` when it is known (where to send the manager)."""

    def __init__(self, message: str, connection: Connection | None = None):
        super().__init__(message)
        self.connection = connection


def consent_kinds() -> tuple[str, ...]:
    """The platforms whose connections are authorised by the seller's consent."""
    return tuple(kind for kind in KINDS if hasattr(platform(kind), "consent_url"))


def consent_start(*, connection_id: int, actor, session) -> str:
    """The platform's consent page to send the manager to, with a state bound to this session."""
    _require(actor)
    connection = Connection.objects.get(pk=connection_id)
    adapter = platform(connection.kind)
    if not hasattr(adapter, "consent_url"):
        raise ConsentRefused(
            f"{connection.label} connections are not authorised by a consent page.", connection
        )
    app_keys = [name for name in adapter.credential_names if name not in adapter.consent_gives]
    needed = [
        name.replace("_", " ")
        for name in (*app_keys, adapter.consent_credential)
        if not str(connection.credentials.get(name) or "").strip()
    ]
    if needed:
        raise ConsentRefused(
            f"Enter the app's {', '.join(needed)} first (Edit): {connection.label}'s consent page needs it.",
            connection,
        )
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps({"c": connection.pk, "k": connection.kind, "n": nonce}, salt=STATE_SALT)
    pending = dict(list(session.get(SESSION_KEY, {}).items())[-(KEPT_STATES - 1) :])
    pending[nonce] = connection.pk
    session[SESSION_KEY] = pending
    return adapter.consent_url(connection_access(connection), state)


def consent_finish(*, kind: str, state: str, code: str, error: str, actor, session) -> Connection:
    """The platform's answer at the callback: the tokens kept and the connection authorised, or
    ConsentRefused saying why (nothing saved)."""
    _require(actor)
    label = KINDS.get(kind, kind)
    try:
        data = signing.loads(state or "", salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.SignatureExpired:
        raise ConsentRefused(
            f"The answer from {label} came too late (after {STATE_MAX_AGE // 60} minutes); nothing was "
            "saved. Authorise again."
        ) from None
    except signing.BadSignature:
        raise ConsentRefused(
            f"The answer from {label} does not match an authorisation started here; nothing was saved."
        ) from None
    pending = dict(session.get(SESSION_KEY, {}))
    nonce = data.get("n") if isinstance(data, dict) else None
    if not nonce or data.get("k") != kind or pending.get(nonce) != data.get("c"):
        raise ConsentRefused(
            f"The answer from {label} does not match an authorisation started in this session (or it was "
            "used already); nothing was saved."
        )
    del pending[nonce]  # once only, whatever follows
    session[SESSION_KEY] = pending
    connection = Connection.objects.filter(pk=data["c"], kind=kind).first()
    if connection is None:
        raise ConsentRefused(f"The {label} connection was deleted meanwhile; nothing was saved.")
    if error:
        words = "the seller declined" if error == "access_denied" else f"{label} answered “{error[:100]}”"
        raise ConsentRefused(f"Not authorised: {words}. Nothing was saved.", connection)
    if not code:
        raise ConsentRefused(f"{label} sent no authorisation code back; nothing was saved.", connection)
    adapter = platform(kind)
    try:
        credentials = adapter.consent_exchange(
            connection_access(connection), code.strip(), ConnectionLimiter(connection.pk)
        )
    except PlatformError as failure:
        raise ConsentRefused(
            f"{label} did not give tokens for the authorisation: {failure} Nothing was saved.", connection
        ) from failure
    return connection_authorised(connection_id=connection.pk, credentials=credentials, by=str(actor))
