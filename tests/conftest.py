"""Shared fixtures: roles in the test database, a user per role, a browser and a Celery worker."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.roles import ROLE_LABELS
from fulfilment.carriers import carriers_seed
from fulfilment.models import Carrier
from orders.reference_data import ensure_reference_data
from tests.factories import UserFactory

ROLES = tuple(ROLE_LABELS)

# The modules that take longest run first (longest first, from `make test PYTEST_ARGS=--durations=0`),
# then the rest as collected. `make test` hands whole modules to two processes (pytest-xdist, --dist
# loadfile, --no-loadscope-reorder so that xdist keeps this order instead of putting the modules with
# the most tests first): a long module started last kept one process busy for minutes after the other
# had finished.
SLOWEST_FIRST = (
    "tests/test_url_walk.py",
    "tests/browser/test_layout.py",
    "tests/test_access_matrix.py",
    "tests/browser/test_mass_actions.py",
    "tests/browser/test_order_journeys.py",
    "tests/api/test_schemathesis.py",
    "tests/browser/test_channel_connections.py",
    "tests/browser/test_two_factor.py",
)


def pytest_collection_modifyitems(config, items):
    first = {path: rank for rank, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: first.get(item.nodeid.partition("::")[0], len(first)))  # stable otherwise


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("sync_roles", verbosity=0)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Migrations seed statuses, channels and a warehouse, and sync_roles the groups; a transactional
    test's flush removes them, so every database test gets them back when they are missing."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if not (marker or {"db", "transactional_db", "live_server"} & names):
        return
    transactional = (
        "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction"))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    ensure_reference_data()
    carriers_seed(Carrier)  # the common carriers of fulfilment/migrations/0005_carriers.py
    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        call_command("sync_roles", verbosity=0)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: a figure cached by one test (the managers' banner)
    must not answer for the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def force_login_passes_the_second_factor(monkeypatch):
    """Client.force_login stands for a whole sign-in: for a person whose role needs a second factor
    (or who has one), the session has passed it too, as after the code step (accounts/testing.py).
    Tests of the code step itself sign in through the pages."""
    from django.test.client import ClientMixin

    from accounts.testing import client_second_factor_pass

    force_login = ClientMixin.force_login

    def force_login_with_second_factor(self, user, backend=None):
        force_login(self, user, backend)
        client_second_factor_pass(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login_with_second_factor)


@pytest.fixture
def roles_synced(db):
    """Kept for readability in tests that only need the role groups (see reference_data)."""


@pytest.fixture
def make_user(roles_synced):
    def make(role: str | None, **fields):
        return UserFactory(role=role, **fields)

    return make


@pytest.fixture
def users(make_user):
    """One user per role, keyed by role name."""
    return {role: make_user(role, username=f"{role}-user") for role in ROLES}


# Browser -----------------------------------------------------------------------------------------


def _chromium_missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _chromium_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests are required in CI: {reason}")
        print(f"\nSKIPPING browser tests: {reason}", file=sys.stderr)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.console_errors = errors
    yield page
    context.close()


def sign_in_through_the_pages(page, user, password: str = "secret-pass-123"):
    """The sign-in form, then, for a person whose role needs a second factor (or who has one), the code
    step, with the code computed from their authenticator's secret (one is set up for them first if
    they have none). Returns once the page after the sign-in has loaded."""
    from accounts.testing import authenticator_for, totp_code
    from accounts.two_factor import authenticator_of, requires_second_factor

    fresh = type(user).objects.get(pk=user.pk)
    device = authenticator_of(fresh) or (authenticator_for(fresh) if requires_second_factor(fresh) else None)
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_selector("#id_otp_token")
        page.fill("#id_otp_token", totp_code(device))
        page.click("[data-testid=code-form] button[type=submit]")
    page.wait_for_selector("[data-testid=current-user]")
    return page


@pytest.fixture
def login(page):
    """Sign in through the real login form (and the code step, see sign_in_through_the_pages)."""

    def sign_in(user, password: str = "secret-pass-123"):
        return sign_in_through_the_pages(page, user, password)

    return sign_in


def side_nav(page):
    """The menu's links, opening the menu first where it is folded away (below 992 px, base.html)."""
    button = page.get_by_test_id("menu-button")
    if button.is_visible():
        button.click()
        page.wait_for_selector("#sidebar.show:not(.showing)")  # slid in
    return page.get_by_test_id("side-nav")


# Celery worker -----------------------------------------------------------------------------------


class Worker:
    """A `celery worker` subprocess on the test broker and the test database."""

    def __init__(self, env: dict, queues: str, log_path: Path):
        self.env, self.queues, self.log_path = env, queues, log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                celery, "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
                "--queues", self.queues, "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the pool children too
        )  # fmt: skip
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as a crashed machine would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self.log.closed:
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def celery_worker_factory(transactional_db, settings):
    """Start real workers: factory(**env) -> a started Worker; all are stopped after the test."""
    from django.db import connection

    workers: list[Worker] = []

    def start(**extra_env) -> Worker:
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
        env["PACKLINE_WORKER_DATABASE_NAME"] = connection.settings_dict["NAME"]
        env.update({key: str(value) for key, value in extra_env.items()})
        log_path = BASE_DIR / "var" / f"test-worker-{os.getpid()}-{len(workers)}.log"
        log_path.parent.mkdir(exist_ok=True)
        log_path.write_text("")
        worker = Worker(env, ",".join(settings.CELERY_QUEUES), log_path).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker_process(celery_worker_factory):
    """One running worker (see celery_worker_factory)."""
    return celery_worker_factory()


def wait_for(condition, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    """Poll until condition() is truthy; fail the test with a message after the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")
