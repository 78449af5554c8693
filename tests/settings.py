"""Settings for the test suite: the production settings, over plain HTTP and with a fast hasher."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-suite-secret-key-that-is-long-enough-for-django-0123456789")
# Newest first; the second one stands for a key being rotated out (tests/channels/test_connections.py).
os.environ.setdefault("PACKLINE_ENCRYPTION_KEYS", "test-encryption-key-new,test-encryption-key-old")

from config.settings import *  # noqa: F403

# live_server and the test client speak plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]

# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser tests are
# ordinary synchronous code around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Each test starts with an empty cache (tests/conftest.py); nothing is shared with `make run`'s Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, "api": CACHES["api"]}  # noqa: F405

# A test run must not share a broker with a `make run` worker on the same machine, nor with another
# test run that uses another test database (TEST_DATABASE_NAME), nor with another pytest-xdist worker
# of the same run (each has its own database; the Celery workers it starts inherit its environment):
# workers would take each other's tasks.
_run_name = (os.environ.get("TEST_DATABASE_NAME") or "default") + os.environ.get("PYTEST_XDIST_WORKER", "")
# The API's rate counts likewise: one run's tokens share ids with another's.
CACHES["api"]["KEY_PREFIX"] = f"api-test-{_run_name}"
if REDIS_URL:  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL.rsplit("/", 1)[0] + "/15"  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600, "global_keyprefix": f"{_run_name}:"}
else:
    _test_celery = VAR_DIR / f"celery-test-{_run_name}"  # noqa: F405
    for _sub in ("queue", "processed", "control"):
        (_test_celery / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_test_celery / "queue"),
        "data_folder_out": str(_test_celery / "queue"),
        "processed_folder": str(_test_celery / "processed"),
        "control_folder": str(_test_celery / "control"),
        "store_processed": False,
    }

# Files a test's jobs write (exports, slips) are named by job id, which each run's database counts alike.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / f"media-test-{_run_name}")  # noqa: F405

# A Celery worker started by the test suite points at the test database by name.
if os.environ.get("PACKLINE_WORKER_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["PACKLINE_WORKER_DATABASE_NAME"]  # noqa: F405
