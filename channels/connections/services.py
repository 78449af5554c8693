"""Connecting a shop: create, change, pause, and reach it (the client a worker talks to it through)."""

import logging
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from channels.connections.authorisation import connection_authorisation_lost
from channels.connections.models import Connection
from channels.errors import ConnectionInvalid
from channels.marketplaces import KINDS, platform
from channels.marketplaces.base import Access, PlatformClient, PlatformError, ReauthorisationNeeded
from channels.ratelimit import ConnectionLimiter
from orders.actors import as_actor
from orders.models import Channel, Warehouse

logger = logging.getLogger(__name__)

SETTINGS = (
    "auto_process",
    "warehouse",
    "paid_gateways",
    "sku_mapping",
    "sync_cancellations",
    "push_tracking",
)
MANAGE = "sales_channels.manage_connections"


def _require(actor) -> None:
    if not as_actor(actor).has_perm(MANAGE):
        raise ConnectionInvalid({"permission": "Only managers connect and configure shops."})


def _check_url(errors: dict, field: str, value: str, *, required: bool) -> str:
    value = (value or "").strip().rstrip("/")
    if not value:
        if required:
            errors[field] = "Enter the address."
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:  # "https://[acme" is no address urlsplit can take apart
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 300:
        errors[field] = f"{value[:80]!r} is not a web address (https://...)."
    return value


def _clean_secrets(
    errors: dict, webhook_secret: str, previous: list[str], *, required: bool = True
) -> list[str]:
    secret = (webhook_secret or "").strip()
    if not secret and not required:
        return previous
    if not secret:
        errors["webhook_secret"] = "Enter the webhook secret the shop signs its deliveries with."
        return previous
    if len(secret) > 200:
        errors["webhook_secret"] = "A webhook secret is at most 200 characters."
    # The new secret signs from now on; the one it replaces is still accepted during the rotation.
    return [secret] + [old for old in previous[:1] if old != secret]


def _clean_credentials(errors: dict, kind: str, credentials: dict[str, str]) -> dict[str, str]:
    adapter = platform(kind)
    names = adapter.credential_names
    cleaned = {name: (credentials.get(name) or "").strip() for name in names}
    # An OAuth platform's consent (eBay's RuName, TikTok Shop's service id) gives the tokens: with it,
    # the connection may be saved without them and authorised from its page.
    consent = getattr(adapter, "consent_credential", "")
    given_by_consent = ()
    if consent and (credentials.get(consent) or "").strip():
        cleaned[consent] = credentials[consent].strip()
        given_by_consent = adapter.consent_gives
    missing = [
        name.replace("_", " ")
        for name, value in cleaned.items()
        if not value and name not in given_by_consent
    ]
    if missing:
        errors["credentials"] = f"{KINDS[kind]} needs: {', '.join(missing)}."
    # Where an OAuth platform's tokens are renewed, when a sandbox stands in for it (--auth-base-url).
    auth_base_url = _check_url(errors, "auth_base_url", credentials.get("auth_base_url", ""), required=False)
    if auth_base_url:
        cleaned["auth_base_url"] = auth_base_url
    if any(len(value) > 500 for value in cleaned.values()):
        errors["credentials"] = "Credentials are at most 500 characters each."
    return {name: value for name, value in cleaned.items() if value}


def _is_sku_mapping(value) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 64 and 0 < len(v) <= 64
        for k, v in value.items()
    )


def _is_gateway_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and 0 < len(v) <= 100 for v in value)


def _clean_settings(errors: dict, values: dict) -> dict:
    cleaned = {}
    for name, value in values.items():
        if name not in SETTINGS:
            raise TypeError(f"unknown connection setting {name!r}")
        if name == "sku_mapping" and not _is_sku_mapping(value):
            errors[name] = "Map each shop SKU to one Packline SKU (at most 64 characters each)."
            continue
        if name == "paid_gateways" and not _is_gateway_list(value):
            errors[name] = "List gateway names, at most 100 characters each."
            continue
        if name == "warehouse" and value is not None and not isinstance(value, Warehouse):
            value = Warehouse.objects.filter(pk=value, active=True).first()
            if value is None:
                errors[name] = "Choose an active warehouse."
                continue
        cleaned[name] = value
    return cleaned


@transaction.atomic
def connection_create(
    *, kind: str, name: str, shop_url: str, credentials: dict[str, str], webhook_secret: str, actor,
    api_base_url: str = "", **settings,
) -> Connection:  # fmt: skip
    """A new connection and the Channel its orders belong to. ConnectionInvalid: nothing is written."""
    _require(actor)
    errors: dict[str, str] = {}
    if kind not in KINDS:
        raise ConnectionInvalid({"kind": f"Choose one of {', '.join(KINDS)}, not {kind!r}."})
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "Name the connection (at most 100 characters), e.g. the store's name."
    shop_url = _check_url(errors, "shop_url", shop_url, required=True)
    api_base_url = _check_url(errors, "api_base_url", api_base_url, required=False)
    cleaned_credentials = _clean_credentials(errors, kind, credentials)
    adapter = platform(kind)
    signs_with = getattr(adapter, "signs_webhooks_with", "")  # TikTok Shop signs with its app secret
    if signs_with and not (webhook_secret or "").strip():
        webhook_secret = cleaned_credentials.get(signs_with, "")
    secrets = _clean_secrets(errors, webhook_secret, [], required=getattr(adapter, "sends_webhooks", True))
    cleaned_settings = _clean_settings(errors, settings)
    if name and Connection.objects.filter(name__iexact=name).exists():
        errors["name"] = f"A connection named {name!r} exists already."
    if errors:
        raise ConnectionInvalid(errors)
    # An OAuth connection saved without the tokens its consent gives waits for that consent.
    consent_gives = getattr(adapter, "consent_gives", ())
    if any(name not in cleaned_credentials for name in consent_gives):
        authorisation = {
            "authorisation_failed_at": timezone.now(),
            "authorisation_error": f"Not authorised yet: authorise Packline with {KINDS[kind]}.",
        }
    else:  # the tokens of a consent given elsewhere (channel_connect), or no OAuth at all
        authorisation = {"authorised_at": timezone.now() if consent_gives else None}
    code = _free_code(f"{kind}-{slugify(name)}"[:34])
    channel = Channel.objects.create(code=code, name=name, kind=kind)
    connection = Connection.objects.create(
        channel=channel, kind=kind, name=name, shop_url=shop_url, api_base_url=api_base_url,
        credentials=cleaned_credentials, webhook_secrets=secrets, **authorisation, **cleaned_settings,
    )  # fmt: skip
    logger.info("connection %s (%s) created", connection.pk, kind)
    return connection


def _free_code(base: str) -> str:
    base = base.strip("-") or "shop"
    code, n = base, 1
    while Channel.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def connection_update(
    *, connection_id: int, actor, name: str | None = None, shop_url: str | None = None,
    api_base_url: str | None = None, credentials: dict[str, str] | None = None,
    webhook_secret: str | None = None, **settings,
) -> Connection:  # fmt: skip
    """Change what was given; credentials and the webhook secret only when new ones are typed (they
    are never shown, so an empty field keeps the stored one)."""
    _require(actor)
    connection = Connection.objects.select_for_update().get(pk=connection_id)
    errors: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 100:
            errors["name"] = "Name the connection (at most 100 characters)."
        elif Connection.objects.filter(name__iexact=name).exclude(pk=connection.pk).exists():
            errors["name"] = f"A connection named {name!r} exists already."
        connection.name = name
    if shop_url is not None:
        connection.shop_url = _check_url(errors, "shop_url", shop_url, required=True)
    if api_base_url is not None:
        connection.api_base_url = _check_url(errors, "api_base_url", api_base_url, required=False)
    if credentials and any((value or "").strip() for value in credentials.values()):
        if getattr(platform(connection.kind), "consent_credential", ""):
            # What the consent gave (tokens, shop cipher) is kept when the app's keys are changed.
            typed = {name: value for name, value in credentials.items() if (value or "").strip()}
            credentials = {**connection.credentials, **typed}
        connection.credentials = {
            **{k: v for k, v in connection.credentials.items() if k.endswith("_expires_at")},
            **_clean_credentials(errors, connection.kind, credentials),
        }
    if webhook_secret and webhook_secret.strip():
        connection.webhook_secrets = _clean_secrets(errors, webhook_secret, list(connection.webhook_secrets))
    for field, value in _clean_settings(errors, settings).items():
        setattr(connection, field, value)
    if errors:
        raise ConnectionInvalid(errors)
    connection.save()
    if name:
        Channel.objects.filter(pk=connection.channel_id).update(name=name)
    return connection


@transaction.atomic
def connection_pause(*, connection_id: int, actor, paused: bool) -> Connection:
    """Paused: deliveries are still accepted and kept, nothing is processed or polled. Resuming works
    through what waited."""
    _require(actor)
    connection = Connection.objects.select_for_update().get(pk=connection_id)
    if connection.paused == paused:
        return connection
    connection.paused = paused
    connection.save(update_fields=["paused"])
    if not paused:
        from channels.intake.queueing import queue_backlog

        transaction.on_commit(lambda: queue_backlog(connection.pk))
    return connection


def connection_access(connection: Connection) -> Access:
    return Access(
        shop_url=connection.shop_url,
        api_base_url=connection.api_base_url or platform(connection.kind).default_api_base_url,
        credentials=dict(connection.credentials),
        connection_id=connection.pk,
    )


def connection_client(connection: Connection, *, attempts: int | None = None) -> PlatformClient:
    """The platform's client for this connection; `attempts` as Platform.client takes it. A refused
    refresh token (ReauthorisationNeeded) from any of its calls marks the connection as needing
    re-authorisation before the error goes on to the caller."""
    client = platform(connection.kind).client(
        connection_access(connection), ConnectionLimiter(connection.pk),
        on_credentials_renewed=lambda values: credentials_keep(connection_id=connection.pk, values=values),
        attempts=attempts,
    )  # fmt: skip
    return _Watched(client, connection)


class _Watched:
    """A platform client whose calls report a lost authorisation to the framework."""

    def __init__(self, client: PlatformClient, connection: Connection):
        self._client = client
        self._connection = connection

    # A `with` block reaches the client's own (its HTTP connections close at the end): dunder methods
    # are looked up on the type, so __getattr__ below never sees them.
    def __enter__(self):
        self._client.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._client.__exit__(*exc_info)

    def __getattr__(self, name: str):
        value = getattr(self._client, name)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            try:
                return value(*args, **kwargs)
            except ReauthorisationNeeded as error:
                connection_authorisation_lost(connection=self._connection, error=str(error))
                raise

        return call


def credentials_keep(*, connection_id: int, values: dict[str, str]) -> None:
    """Keep what a client renewed (an access token and its expiry) with the stored credentials, so the
    next client of any worker starts with it. Two workers renewing at once both keep a valid token."""
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection_id)
        connection.credentials = {**connection.credentials, **{k: str(v) for k, v in values.items()}}
        connection.save(update_fields=["credentials"])


def connection_test(*, connection_id: int, actor) -> str:
    """ "Test connection": what the shop calls itself, or a ChannelError saying what went wrong."""
    from channels.errors import ChannelError

    _require(actor)
    connection = Connection.objects.get(pk=connection_id)
    try:
        # A person waits for the answer: one try, the failure said at once rather than after ~15 s of
        # the retries a worker makes.
        shop_name = connection_client(connection, attempts=1).check()
    except PlatformError as error:
        raise ChannelError(f"{connection.label} did not answer as expected: {error}") from error
    return shop_name
